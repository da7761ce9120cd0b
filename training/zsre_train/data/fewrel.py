"""Reader for FewRel 1.0 files: val_wiki.json and the rebuilt train_wiki_rebuilt.json.

Format: {PID: [{tokens, h: [name, qid, [[word idx...], ...]], t: [...], (source)}]}.
Entity names and qids in the rebuilt file may be empty or lowercased, and names in the
original file do not always match the words (897 of 11,200 in val_wiki.json), so only the
word positions are used. An entity may be mentioned several times; the first mention is the
entity, as in FewRel's own loaders.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import DataFormatError, grouped_records
from .instance import Instance
from .spans import span_problem

SOURCE = "fewrel"


def _first_mention(entity: Any, where: str) -> list[int]:
    if not (isinstance(entity, list) and len(entity) >= 3 and isinstance(entity[2], list) and entity[2]):
        raise DataFormatError(f"{where}: expected an entity [name, qid, [[word idx...]]], received {entity!r:.120}")
    mention = entity[2][0]
    if not (isinstance(mention, list) and all(isinstance(i, int) for i in mention)):
        raise DataFormatError(f"{where}: expected the first mention as a list of word indices, received {mention!r:.120}")
    return mention


def read_fewrel(path: str | Path) -> dict[str, list[Instance]]:
    """Read a FewRel file into {PID: [Instance]}, relations and instances in file order.

    File order matters: the zero-shot split protocol shuffles the relations in that order
    (see splits.py). A malformed record raises DataFormatError naming the relation and index;
    FewRel's positions are exact, so a bad one means a wrong or damaged file, not noise to skip.
    """
    path = Path(path)
    result: dict[str, list[Instance]] = {}
    missing = f"FewRel file not found: {path}; pass the path of val_wiki.json or train_wiki_rebuilt.json"
    for pid, records in grouped_records(path, missing):
        instances = []
        for index, record in enumerate(records):
            where = f"{path}: relation {pid}, instance {index}"
            if not isinstance(record, dict) or not isinstance(record.get("tokens"), list):
                raise DataFormatError(f"{where}: expected an object with 'tokens', 'h' and 't'")
            tokens = tuple(str(token) for token in record["tokens"])
            head = _first_mention(record.get("h"), f"{where}, head")
            tail = _first_mention(record.get("t"), f"{where}, tail")
            problem = span_problem(len(tokens), head, tail)
            if problem:
                raise DataFormatError(f"{where}: {problem} (head {head}, tail {tail}, {len(tokens)} words)")
            instances.append(Instance(tokens, tuple(head), tuple(tail), pid, SOURCE))
        result[pid] = instances
    return result

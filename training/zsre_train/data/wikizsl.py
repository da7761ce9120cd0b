"""Reader for Wiki-ZSL files and the Wiki-ZSL split protocol.

Format (the shipped 6-relation sample and any full file of the same shape):
{PID: [{tokens, head: [word idx...], tail: [word idx...], label}]}. `label` is the
relation's name; the PID key is the relation id. Wiki-ZSL was built by distant
supervision and is noisier than FewRel: in the sample one head is empty (skipped and
counted) and one lists two mentions in one flat list ([7, 30]; the first is kept).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterable

from .errors import DataFormatError, grouped_records
from .instance import Instance
from .spans import first_run, span_problem
from .splits import shuffle_split

SOURCE = "wikizsl"
WIKIZSL_SEEDS = (40, 41, 42, 43, 44)


def read_wikizsl(path: str | Path, counts: Counter[str] | None = None) -> dict[str, list[Instance]]:
    """Read a Wiki-ZSL file into {PID: [Instance]}, in file order.

    Records whose entities cannot be used (empty, outside the sentence, overlapping) are
    skipped; `counts`, when given, receives "kept", "skipped: <reason>" and
    "note: <what was repaired>" tallies so a caller can report the drop rate.
    """
    path = Path(path)
    counts = counts if counts is not None else Counter()
    result: dict[str, list[Instance]] = {}
    for pid, records in grouped_records(path, f"Wiki-ZSL file not found: {path}; pass a file shaped like wikizsl/sample_6rel.json"):
        instances = []
        for index, record in enumerate(records):
            try:
                tokens = tuple(str(token) for token in record["tokens"])
                head_all, tail_all = list(record["head"]), list(record["tail"])
            except (KeyError, TypeError) as error:
                raise DataFormatError(f"{path}: relation {pid}, instance {index}: expected 'tokens', 'head' and 'tail' lists") from error
            head, tail = first_run(head_all), first_run(tail_all)
            if head != head_all or tail != tail_all:
                counts["note: several mentions, first kept"] += 1
            problem = span_problem(len(tokens), head, tail)
            if problem:
                counts[f"skipped: {problem}"] += 1
                continue
            counts["kept"] += 1
            instances.append(Instance(tokens, tuple(head), tuple(tail), pid, SOURCE))
        result[pid] = instances
    return result


def make_wikizsl_split(pids: Iterable[str], m: int, seed: int) -> dict[str, list[str]]:
    """The Wiki-ZSL zero-shot split: keys = the relation ids sorted as strings, then the
    shared protocol (splits.shuffle_split). Pass all 113 Wiki-ZSL PIDs (e.g. the keys of
    descriptions.wikizsl_relations or of a full Wiki-ZSL file) to reproduce the shipped files."""
    return shuffle_split(sorted(set(pids)), m, seed)


def wikizsl_split_path(data_dir: str | Path, m: int, seed: int) -> Path:
    """Path of a shipped Wiki-ZSL split file (seed 40-44)."""
    return Path(data_dir) / "wikizsl" / "splits" / f"wikizsl_rel2id_{m}_{seed}.json"

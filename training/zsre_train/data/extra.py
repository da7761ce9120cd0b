"""Readers for the extra relation classification sets in extra/: SemEval-2010 Task 8, KBP37,
ChemProt and DocRED single sentences. Each returns {relation id: [Instance]}.

Relation ids are namespaced by data set (semeval:, kbp37:, chemprot:, docred:) except DocRED
labels that are exactly a Wikidata property label, which become that PID. Labels that say
"no relation" (SemEval "Other", KBP37 "no_relation") are not describable relation types, so
those sentences are skipped; every reader tallies what it kept and skipped in `counts`.
"""
from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from .descriptions import wikidata_label_index
from .errors import DataFormatError
from .instance import Instance
from .spans import find_word_sequence, span_problem, split_words

NO_RELATION_LABELS = frozenset({"Other", "no_relation", "false", "NA", "None"})
# "Cause-Effect(e2,e1)": the label states which marked entity is the relation's first argument.
_DIRECTED = re.compile(r"^(?P<base>.+)\((?P<order>e1,e2|e2,e1)\)$")
_CHEMPROT_FIRST = re.compile(r"<< (.+?) >>")
_CHEMPROT_SECOND = re.compile(r"\[\[ (.+?) \]\]")
_DOCRED_MARKERS = ("<e1>", "</e1>", "<e2>", "</e2>")

Grouped = dict[str, list[Instance]]


def directed_label(label: str) -> tuple[str, bool]:
    """(label without its direction, whether e2 is the first argument).

    Both directions map to one relation id and the entities are swapped for (e2,e1), so the
    relation always reads head -> tail. One id per relation type is what a description can
    describe ("the subject causes the object"); "(e2,e1)" is not a different relation, only
    the same one written with the entities in the other order in the sentence.
    """
    match = _DIRECTED.match(label)
    if not match:
        return label, False
    return match["base"], match["order"] == "e2,e1"


def _jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as error:
        raise DataFormatError(f"Data file not found: {path}; pass a data directory holding extra/<set>/<split>.txt") from error
    for number, line in enumerate(lines, start=1):
        if line.strip():
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as error:
                raise DataFormatError(f"{path}:{number}: expected one JSON object per line") from error


def _add(result: Grouped, counts: Counter[str], tokens: Sequence[str], head: Sequence[int], tail: Sequence[int],
         relation: str, source: str) -> None:
    problem = span_problem(len(tokens), head, tail)
    if problem:
        counts[f"skipped: {problem}"] += 1
        return
    counts["kept"] += 1
    result.setdefault(relation, []).append(Instance(tuple(tokens), tuple(head), tuple(tail), relation, source))


def _field(record: Any, path: Path, number: int, *keys: str) -> Any:
    value = record
    try:
        for key in keys:
            value = value[key]
    except (KeyError, TypeError) as error:
        raise DataFormatError(f"{path}:{number}: expected field {'.'.join(keys)}; is this the right reader for the file?") from error
    return value


def _directed_instance(result: Grouped, counts: Counter[str], label: str, namespace: str, source: str,
                       tokens: Sequence[str], e1: Sequence[int], e2: Sequence[int]) -> None:
    if label in NO_RELATION_LABELS:
        counts[f"skipped: label {label}"] += 1
        return
    base, swap = directed_label(label)
    head, tail = (e2, e1) if swap else (e1, e2)
    _add(result, counts, tokens, head, tail, f"{namespace}:{base}", source)


def read_semeval(path: str | Path, counts: Counter[str] | None = None) -> Grouped:
    """SemEval-2010 Task 8 jsonl: {token, h: {name, pos: [start, end)}, t: {...}, relation}; h is e1."""
    path, counts = Path(path), counts if counts is not None else Counter()
    result: Grouped = {}
    for number, record in _jsonl(path):
        tokens = [str(t) for t in _field(record, path, number, "token")]
        h_start, h_end = _field(record, path, number, "h", "pos")
        t_start, t_end = _field(record, path, number, "t", "pos")
        label = str(_field(record, path, number, "relation"))
        _directed_instance(result, counts, label, "semeval", "semeval2010", tokens,
                           list(range(h_start, h_end)), list(range(t_start, t_end)))
    return result


def _nearest_pair(tokens: Sequence[str], first: str, second: str) -> tuple[list[int], list[int]] | None:
    """Spans of two entity names, found as exact word sequences. In KBP37 e1 precedes e2 in
    every sentence where both names occur once (4,275 of 4,275), so when a name occurs several
    times the pair with e1 before e2 and the smallest gap is taken; e1 after e2 only as a last resort."""
    firsts = find_word_sequence(tokens, first.split())
    seconds = find_word_sequence(tokens, second.split())
    pairs = [(a, b) for a in firsts for b in seconds if a[1] <= b[0] or b[1] <= a[0]]
    if not pairs:
        return None
    a, b = min(pairs, key=lambda p: (p[0][0] > p[1][0], abs(p[1][0] - p[0][1]), p[0][0]))
    return list(range(*a)), list(range(*b))


def read_kbp37(path: str | Path, counts: Counter[str] | None = None) -> Grouped:
    """KBP37 jsonl: {token, h: {name}, t: {name}, relation}; no positions, so the names are
    looked up in the words (h is e1). Sentences whose names are not found are skipped and counted."""
    path, counts = Path(path), counts if counts is not None else Counter()
    result: Grouped = {}
    for number, record in _jsonl(path):
        tokens = [str(t) for t in _field(record, path, number, "token")]
        label = str(_field(record, path, number, "relation"))
        if label in NO_RELATION_LABELS:
            counts[f"skipped: label {label}"] += 1
            continue
        names = (str(_field(record, path, number, "h", "name")), str(_field(record, path, number, "t", "name")))
        if not all(name.strip() for name in names):
            counts["skipped: entity name empty"] += 1
            continue
        found = _nearest_pair(tokens, *names)
        if found is None:
            counts["skipped: entity name not found in the words"] += 1
            continue
        if any(len(find_word_sequence(tokens, name.split())) > 1 for name in names):
            counts["note: a name occurs several times, nearest pair taken"] += 1
        _directed_instance(result, counts, label, "kbp37", "kbp37", tokens, *found)
    return result


def read_chemprot(path: str | Path, counts: Counter[str] | None = None) -> Grouped:
    """ChemProt jsonl: {text, label, metadata} with "<< first >>" and "[[ second ]]" in the text.

    The markers follow sentence order (in all 10,065 shipped sentences << comes first), not the
    roles: << marks the chemical in some sentences and the gene/protein in others. So head =
    the << entity, tail = the [[ entity, and the team's ChemProt descriptions name the roles
    (chemical, gene/protein) instead of subject and object. The text is split into words and
    punctuation, each segment on its own, so the entities are whole words.
    """
    path, counts = Path(path), counts if counts is not None else Counter()
    result: Grouped = {}
    for number, record in _jsonl(path):
        text = str(_field(record, path, number, "text"))
        label = str(_field(record, path, number, "label"))
        if label in NO_RELATION_LABELS:
            counts[f"skipped: label {label}"] += 1
            continue
        heads, tails = list(_CHEMPROT_FIRST.finditer(text)), list(_CHEMPROT_SECOND.finditer(text))
        if len(heads) != 1 or len(tails) != 1:
            counts["skipped: markers not exactly one << >> and one [[ ]]"] += 1
            continue
        head, tail = heads[0], tails[0]
        first, second = sorted((head, tail), key=lambda m: m.start())
        if first.end() > second.start():
            counts["skipped: head and tail overlap"] += 1
            continue
        pieces = [text[: first.start()], first[1], text[first.end() : second.start()], second[1], text[second.end() :]]
        words: list[str] = []
        spans: list[list[int]] = []
        for index, piece in enumerate(pieces):
            piece_words = split_words(piece)
            if index in (1, 3):
                spans.append(list(range(len(words), len(words) + len(piece_words))))
            words.extend(piece_words)
        head_span, tail_span = (spans[0], spans[1]) if first is head else (spans[1], spans[0])
        _add(result, counts, words, head_span, tail_span, f"chemprot:{label}", "chemprot")
    return result


def _docred_spans(words: list[str]) -> tuple[list[str], list[int], list[int]] | None:
    """Remove <e1>...</e2> marker words; None unless each marker occurs once, in order, unnested."""
    if [words.count(marker) for marker in _DOCRED_MARKERS] != [1, 1, 1, 1]:
        return None
    open1, close1, open2, close2 = (words.index(marker) for marker in _DOCRED_MARKERS)
    if not (open1 < close1 and open2 < close2) or not (close1 < open2 or close2 < open1):
        return None
    plain: list[str] = []
    e1: list[int] = []
    e2: list[int] = []
    inside: list[int] | None = None
    for word in words:
        if word in ("<e1>", "<e2>"):
            inside = e1 if word == "<e1>" else e2
        elif word in ("</e1>", "</e2>"):
            inside = None
        else:
            if inside is not None:
                inside.append(len(plain))
            plain.append(word)
    return plain, e1, e2


def read_docred_sentences(path: str | Path, label_to_pid: Mapping[str, str], counts: Counter[str] | None = None) -> Grouped:
    """DocRED sentences csv (`sentences,labels`): words separated by spaces, e1 (head) and e2
    (tail) marked with <e1> </e1> <e2> </e2> (e2 may come first). A label that is exactly a
    Wikidata property label (label_to_pid, see descriptions.wikidata_label_index) becomes its
    PID; any other label becomes docred:<label>. Sentences with missing, repeated or nested
    markers (a few were cut off mid-entity) are skipped and counted."""
    path, counts = Path(path), counts if counts is not None else Counter()
    result: Grouped = {}
    try:
        handle = path.open(encoding="utf-8", newline="")
    except FileNotFoundError as error:
        raise DataFormatError(f"Data file not found: {path}; pass extra/docred_sentences/docred_sentences.csv") from error
    with handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"sentences", "labels"} <= set(reader.fieldnames):
            raise DataFormatError(f"{path}: expected a csv header 'sentences,labels', received {reader.fieldnames}")
        for row in reader:
            label = row["labels"].strip()
            if label in NO_RELATION_LABELS:
                counts[f"skipped: label {label}"] += 1
                continue
            parsed = _docred_spans(row["sentences"].split())
            if parsed is None:
                counts["skipped: malformed <e1>/<e2> markers"] += 1
                continue
            words, e1, e2 = parsed
            _add(result, counts, words, e1, e2, label_to_pid.get(label, f"docred:{label}"), "docred_sentences")
    return result


EXTRA_FILES = {
    "semeval2010": ("train.txt", "dev.txt", "test.txt"),
    "kbp37": ("dev.txt", "test.txt"),
    "chemprot": ("train.txt", "dev.txt", "test.txt"),
    "docred_sentences": ("docred_sentences.csv",),
}


def read_extra(data_dir: str | Path, counts: Counter[str] | None = None,
               label_to_pid: Mapping[str, str] | None = None) -> Grouped:
    """All files of extra/ merged into {relation id: [Instance]}; `counts` gets "<set>: <tally>" keys.

    Never train a FewRel or Wiki-ZSL benchmark model on these (data README): DocRED and KBP37
    relations coincide with Wikidata relations that the splits hold out.
    """
    data_dir = Path(data_dir)
    counts = counts if counts is not None else Counter()
    mapping = label_to_pid if label_to_pid is not None else wikidata_label_index(data_dir)
    merged: Grouped = {}
    for name, files in EXTRA_FILES.items():
        tally: Counter[str] = Counter()
        for file in files:
            path = data_dir / "extra" / name / file
            if name == "semeval2010":
                part = read_semeval(path, tally)
            elif name == "kbp37":
                part = read_kbp37(path, tally)
            elif name == "chemprot":
                part = read_chemprot(path, tally)
            else:
                part = read_docred_sentences(path, mapping, tally)
            for relation, instances in part.items():
                merged.setdefault(relation, []).extend(instances)
        counts.update({f"{name}: {key}": value for key, value in tally.items()})
    return merged

"""Zero-shot relation splits: read the shipped RE-Matching/EMMA split files, or re-derive them.

A split is {"train": [PID...], "eval": [PID...], "test": [PID...]}: `test` holds the m unseen
relations, `eval` 5 relations for model selection (never trained on), `train` the rest.

Protocol (RE-Matching, checked against every shipped file for m in 5/10/15, seeds 40-43 and,
in wikizsl.py, Wiki-ZSL seeds 40-44): shuffle a fixed key order with Python's `random` seeded
with the seed; test = keys[:m], eval = keys[m:m+5], train = the rest. The three sets match
the files exactly; the order inside each part of a file does not follow the shuffle (it looks
like Python set iteration order, which changes from run to run), so compare splits as sets.
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Sequence

from .errors import DataFormatError
from .paths import DEFAULT_DATA_DIR

PARTS = ("train", "eval", "test")
EVAL_SIZE = 5
FEWREL_SEEDS = (40, 41, 42, 43)

# Key order of the protocol: the 64 relations of the FewRel training file in file order...
FEWREL_TRAIN_PIDS = (
    "P931", "P4552", "P140", "P1923", "P150", "P6", "P27", "P449", "P1435", "P175",
    "P1344", "P39", "P527", "P740", "P706", "P84", "P495", "P123", "P57", "P22",
    "P178", "P241", "P403", "P1411", "P135", "P991", "P156", "P176", "P31", "P1877",
    "P102", "P1408", "P159", "P3373", "P1303", "P17", "P106", "P551", "P937", "P355",
    "P710", "P137", "P674", "P466", "P136", "P306", "P127", "P400", "P974", "P1346",
    "P460", "P86", "P118", "P264", "P750", "P58", "P3450", "P105", "P276", "P101",
    "P407", "P1001", "P800", "P131",
)
# ...then the 16 validation relations in this order (not val_wiki.json's order: P2094 comes first).
FEWREL_VALIDATION_PIDS = (
    "P2094", "P364", "P177", "P361", "P641", "P59", "P413", "P206",
    "P412", "P155", "P26", "P410", "P25", "P463", "P40", "P921",
)
FEWREL_PIDS = FEWREL_TRAIN_PIDS + FEWREL_VALIDATION_PIDS


def shuffle_split(keys: Sequence[str], m: int, seed: int) -> dict[str, list[str]]:
    """Split `keys` by the protocol. A private Random(seed) gives the same sequence as
    random.seed(seed) + random.shuffle without touching the global generator."""
    if len(set(keys)) != len(keys):
        raise ValueError("Invalid keys: expected distinct relation ids, received duplicates")
    if not 0 < m <= len(keys) - EVAL_SIZE:
        raise ValueError(f"Invalid m: expected 1..{len(keys) - EVAL_SIZE} unseen relations for {len(keys)} keys, received {m}")
    shuffled = list(keys)
    random.Random(seed).shuffle(shuffled)
    return {"train": shuffled[m + EVAL_SIZE :], "eval": shuffled[m : m + EVAL_SIZE], "test": shuffled[:m]}


def make_fewrel_split(m: int, seed: int) -> dict[str, list[str]]:
    """The FewRel zero-shot split for m unseen relations and a numeric seed (40-43 are published).

    The 'ori' splits are hand-made, not shuffled: read them with
    read_split(fewrel_split_path(data_dir, m, "ori")).
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"Invalid seed: expected an integer such as 40, received {seed!r}; "
                         "for 'ori' use read_split(fewrel_split_path(data_dir, m, 'ori'))")
    return shuffle_split(FEWREL_PIDS, m, seed)


def read_split(path: str | Path) -> dict[str, list[str]]:
    """Read a split file {train: {PID: id}, eval: {...}, test: {...}} into PID lists.

    Each list is ordered by the file's ids (0, 1, ...), i.e. file order. Lists of PIDs are
    accepted too. The three parts must be disjoint.
    """
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise DataFormatError(f"Split file not found: {path}; the shipped ones are "
                              f"{DEFAULT_DATA_DIR}/{{fewrel,wikizsl}}/splits/*_rel2id_{{m}}_{{seed}}.json") from error
    if not isinstance(raw, dict) or set(raw) != set(PARTS):
        keys = sorted(raw) if isinstance(raw, dict) else type(raw).__name__
        raise DataFormatError(f"{path}: expected an object with keys train, eval, test, received {keys}")
    split: dict[str, list[str]] = {}
    for part in PARTS:
        value = raw[part]
        if isinstance(value, dict):
            split[part] = [pid for pid, _ in sorted(value.items(), key=lambda item: item[1])]
        elif isinstance(value, list):
            split[part] = [str(pid) for pid in value]
        else:
            raise DataFormatError(f"{path}: '{part}': expected {{PID: id}} or [PID], received {type(value).__name__}")
    seen: set[str] = set()
    for part in PARTS:
        overlap = seen & set(split[part])
        if overlap:
            raise DataFormatError(f"{path}: relations {sorted(overlap)} appear in more than one part; a split must be disjoint")
        seen |= set(split[part])
    return split


def fewrel_split_path(data_dir: str | Path, m: int, seed: int | str) -> Path:
    """Path of a shipped FewRel split file (seed 40-43 or 'ori')."""
    return Path(data_dir) / "fewrel" / "splits" / f"fewrel_rel2id_{m}_{seed}.json"

"""The sentences and relations one recipe trains and calibrates on, read through the data readers.

Only the split's `train` relations feed training and only its `eval` relations feed fusion
fitting and export checks; `test` relations are dropped right after reading.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .data.descriptions import fewrel_relations
from .data.fewrel import read_fewrel
from .data.instance import Instance, RelationInfo
from .data.splits import read_split


@dataclass(frozen=True)
class Corpus:
    split_name: str
    train_relations: list[str]
    eval_relations: list[str]
    relations: dict[str, RelationInfo]  # train and eval relations only
    train: list[Instance]
    eval: list[Instance]


def _subsample(by_relation: dict[str, list[Instance]], pids: list[str], cap: int | None, rng: random.Random) -> list[Instance]:
    out: list[Instance] = []
    for pid in pids:
        rows = by_relation.get(pid, [])
        if not rows:
            raise ValueError(f"Relation {pid} of the split has no sentences in the data files: check data.files")
        out.extend(rng.sample(rows, cap) if cap is not None and cap < len(rows) else rows)
    return out


def load_corpus(config: Config, data_dir: Path) -> Corpus:
    if not data_dir.is_dir():
        raise FileNotFoundError(f"Data directory {data_dir} not found: pass --data-dir (default ../shared/data from the repo root)")
    split = read_split(data_dir / config.data.split)
    by_relation: dict[str, list[Instance]] = {}
    for name in config.data.files:
        for pid, rows in read_fewrel(data_dir / name).items():
            by_relation.setdefault(pid, []).extend(rows)
    train_pids, eval_pids = list(split["train"]), list(split["eval"])
    keep = set(train_pids) | set(eval_pids)
    by_relation = {pid: rows for pid, rows in by_relation.items() if pid in keep}
    infos = fewrel_relations(data_dir)
    missing = sorted(keep - set(infos))
    if missing:
        raise ValueError(f"No name/description for relations {missing}: check fewrel/pid2name.json in {data_dir}")
    rng = random.Random(config.seed)
    return Corpus(
        split_name=Path(config.data.split).stem,
        train_relations=train_pids,
        eval_relations=eval_pids,
        relations={pid: infos[pid] for pid in train_pids + eval_pids},
        train=_subsample(by_relation, train_pids, config.data.max_per_relation, rng),
        eval=_subsample(by_relation, eval_pids, config.data.max_eval_per_relation, rng),
    )

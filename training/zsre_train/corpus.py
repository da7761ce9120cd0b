"""The sentences and relations one recipe trains and calibrates on, read through the data readers.

Only the split's `train` relations feed training and only its `eval` relations feed fusion
fitting and export checks; `test` relations are dropped right after reading.

Default-model recipes may add the extra/ sets (`data.extra_sets`). Their relations join the
training relations, except any whose id is one of the split's eval or test relations (DocRED
labels map to Wikidata PIDs, so a held-out FewRel relation could otherwise leak in).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .data.descriptions import extra_relations, fewrel_relations, wikidata_relations
from .data.extra import EXTRA_FILES, read_extra
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


REPO_ROOT = Path(__file__).resolve().parents[2]


def split_path(config: Config, data_dir: Path) -> Path:
    """Split files live in the data folder; the project's own (default-model) splits under training/."""
    own = REPO_ROOT / config.data.split
    return own if config.data.split.startswith("training/") else data_dir / config.data.split


def _extra_corpus(config: Config, data_dir: Path, held_out: set[str]) -> tuple[dict[str, list[Instance]], dict[str, RelationInfo]]:
    unknown = sorted(set(config.data.extra_sets) - set(EXTRA_FILES))
    if unknown:
        raise ValueError(f"Unknown extra set(s) {unknown} in data.extra_sets: expected some of {sorted(EXTRA_FILES)}")
    if not config.data.extra_sets:
        return {}, {}
    wanted = set(config.data.extra_sets)
    by_relation: dict[str, list[Instance]] = {}
    for relation, rows in read_extra(data_dir).items():
        kept = [row for row in rows if row.source in wanted]
        if kept and relation not in held_out and relation not in config.data.exclude_relations:
            by_relation[relation] = kept
    infos = {**wikidata_relations(data_dir), **fewrel_relations(data_dir), **extra_relations()}
    missing = sorted(set(by_relation) - set(infos))
    if missing:
        raise ValueError(f"No name/description for extra relations {missing}: add them to training/data/relation_descriptions.json")
    return by_relation, {relation: infos[relation] for relation in by_relation}


def load_corpus(config: Config, data_dir: Path) -> Corpus:
    if not data_dir.is_dir():
        raise FileNotFoundError(f"Data directory {data_dir} not found: pass --data-dir (default ../shared/data from the repo root)")
    split = read_split(split_path(config, data_dir))
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
    train = _subsample(by_relation, train_pids, config.data.max_per_relation, rng)
    relations = {pid: infos[pid] for pid in train_pids + eval_pids}
    extra, extra_infos = _extra_corpus(config, data_dir, set(split["eval"]) | set(split["test"]))
    extra_pids = sorted(extra)
    for pid in extra_pids:
        # A DocRED label mapped to a FewRel training PID adds sentences to that relation.
        relations.setdefault(pid, extra_infos[pid])
    train += _subsample(extra, extra_pids, config.data.max_per_extra_relation, rng)
    return Corpus(
        split_name=Path(config.data.split).stem,
        train_relations=train_pids + [pid for pid in extra_pids if pid not in set(train_pids)],
        eval_relations=eval_pids,
        relations=relations,
        train=train,
        eval=_subsample(by_relation, eval_pids, config.data.max_eval_per_relation, rng),
    )

"""FewRel zero-shot scores of an EXPORTED model directory through the Python reference pipeline:
the int8 ONNX graphs in onnxruntime (CPU), scored by scoring.score, the chain that export.py's
gates and parity.json use and that the TypeScript runtime reproduces.

Mirrors benchmarks/fewrel.ts so that the two can be compared sentence by sentence:
- sentences: every instance of each `test` relation in split-file order, training file then
  validation file, first mention of each entity (benchmarks/lib/datasets.ts `fewrelItems`);
- relations: fewrel/pid2name.json names and descriptions; all m test relations are candidates
  (closed set, no abstention);
- methods, all derived from ONE pass that scores every sentence against all m relations with
  both encoders (a pair's cross score does not depend on the other candidates; graphs with per-row
  activation scales are batch-invariant):
    bi        argmax of the bi-encoder cosine;
    emmaK     the manifest's fusion (biWeight * bi + crossWeight * cross) over the bi-encoder's
              top min(K, m) (stable order on ties), argmax (lib/emmaFromScores.ts);
    fullcross argmax of the cross-encoder score over all m (the cross-encoder alone);
- metrics: heldout.classification_scores (lib/metrics.ts): P/R/F1 of ZS-BERT / RE-Matching /
  EMMA, accuracy and macroF1, as fractions.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from transformers import AutoTokenizer

from .data.descriptions import pid2name_relations
from .data.fewrel import read_fewrel
from .data.instance import Instance, RelationInfo
from .data.splits import read_split
from .encode import prepare_descriptions, prepare_sentences, top_k
from .heldout import classification_scores
from .manifest import sha256
from .onnx_graphs import ort_bi_runner, ort_cross_runner, session
from .scoring import score
from .text import DESCRIPTION_TEMPLATE, MARKERS, NAME_ONLY_TEMPLATE

METHODS = ("bi", "emma2", "emma3", "emma4", "fullcross")
FEWREL_FILES = ("fewrel/train_wiki_rebuilt.json", "fewrel/val_wiki.json")  # the order fewrelItems reads them in
CHUNK = 1000  # sentences scored per pass: bounds the memory of the m x n pair lists at m = 15


class EvaluationError(RuntimeError):
    """The model directory, split or hard-relations file cannot be evaluated as asked."""


def parse_split(split: str) -> tuple[int, str]:
    """"fewrel_m10_41" -> (10, "41")."""
    parts = split.split("_")
    if len(parts) != 3 or parts[0] != "fewrel" or not parts[1].startswith("m") or not parts[1][1:].isdigit():
        raise EvaluationError(f"Invalid split {split!r}: expected fewrel_m<m>_<seed>, e.g. fewrel_m5_ori")
    return int(parts[1][1:]), parts[2]


def test_items(data_dir: Path, split: str, max_per_relation: int | None = None) -> tuple[list[Instance], list[RelationInfo]]:
    """The split's test sentences in the TypeScript benchmark's order, and its m test relations."""
    m, seed = parse_split(split)
    test = read_split(data_dir / "fewrel" / "splits" / f"fewrel_rel2id_{m}_{seed}.json")["test"]
    files = [read_fewrel(data_dir / name) for name in FEWREL_FILES]
    items: list[Instance] = []
    for pid in test:
        instances = [row for file in files for row in file.get(pid, [])]
        if not instances:
            raise EvaluationError(f"FewRel has no instances of {pid} in {data_dir}/fewrel: pass the data folder that holds them")
        items.extend(instances[:max_per_relation])
    return items, pid2name_relations(test, data_dir)


def method_columns(bi_all: np.ndarray, cross_all: np.ndarray, fusion: dict, methods: Sequence[str] = METHODS) -> dict[str, np.ndarray]:
    """Each method's chosen candidate column per sentence, from (n, m) bi and cross scores."""
    m = bi_all.shape[1]
    rows = np.arange(len(bi_all))
    chosen = {}
    for method in methods:
        if method == "bi":
            chosen[method] = bi_all.argmax(axis=1)
        elif method == "fullcross":
            chosen[method] = cross_all.argmax(axis=1)
        elif method.startswith("emma") and method[4:].isdigit():
            columns = top_k(bi_all, min(int(method[4:]), m))
            fused = (fusion["biWeight"] * np.take_along_axis(bi_all, columns, axis=1)
                     + fusion["crossWeight"] * np.take_along_axis(cross_all, columns, axis=1))
            chosen[method] = columns[rows, fused.argmax(axis=1)]
        else:
            raise EvaluationError(f"Unknown method {method!r}: expected some of {', '.join(METHODS)}")
    return chosen


def method_rows(gold: Sequence[str], predicted: dict[str, list[str]]) -> list[dict]:
    """[{method, precision, recall, f1, accuracy, macroF1, sentences}] in `predicted`'s order."""
    return [{"method": method, **classification_scores(list(gold), labels)} for method, labels in predicted.items()]


def hard_subset(gold: Sequence[str], predicted: dict[str, list[str]], hard: Sequence[str]) -> dict:
    """The same scores on the sentences whose gold relation is hard (candidates stay all m)."""
    keep = [i for i, g in enumerate(gold) if g in set(hard)]
    if not keep:
        return {"relations": list(hard), "sentences": 0, "methods": []}
    sub_gold = [gold[i] for i in keep]
    return {"relations": list(hard), "sentences": len(keep),
            "methods": method_rows(sub_gold, {method: [labels[i] for i in keep] for method, labels in predicted.items()})}


def load_hard_relations(path: Path, split: str) -> list[str]:
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise EvaluationError(f"Hard-relations file not found: {path}; write it with python training/hard_relations.py") from error
    if split not in table.get("splits", {}):
        raise EvaluationError(f"{path} has no entry for {split}: regenerate it with python training/hard_relations.py")
    return list(table["splits"][split]["hard"])


def read_manifest(model_dir: Path) -> dict:
    """The manifest, checked for what this pipeline can reproduce: the int8 graphs' sha256 and the text rules."""
    path = model_dir / "manifest.json"
    if not path.is_file():
        raise EvaluationError(f"{model_dir} has no manifest.json: export a finished run with python training/export.py")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for graph in ("biEncoder", "crossEncoder"):
        entry = manifest["graphs"][graph]["files"]["int8"]
        actual = sha256(model_dir / entry["file"])
        if actual != entry["sha256"]:
            raise EvaluationError(f"{model_dir / entry['file']}: sha256 {actual[:12]}... differs from the manifest's "
                                  f"{entry['sha256'][:12]}...: the folder was changed after export; export it again")
    if manifest["markers"] != MARKERS or manifest["description"] != {"template": DESCRIPTION_TEMPLATE, "nameOnlyTemplate": NAME_ONLY_TEMPLATE}:
        raise EvaluationError(f"{path}: markers or description templates differ from zsre_train/text.py's; "
                              "this Python pipeline prepares text only by those rules")
    return manifest


Progress = Callable[[int, int], None]


def score_split(model_dir: Path, manifest: dict, items: Sequence[Instance], relations: Sequence[RelationInfo],
                threads: int, on_progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(n, m) bi and cross scores of every sentence with every relation, int8 graphs, chunk by chunk."""
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))  # the exported tokenizer, as the runtime loads it
    files = {g: model_dir / manifest["graphs"][g]["files"]["int8"]["file"] for g in ("biEncoder", "crossEncoder")}
    bi_run = ort_bi_runner(session(files["biEncoder"], threads))
    cross_run = ort_cross_runner(session(files["crossEncoder"], threads))
    descriptions = prepare_descriptions(tokenizer, relations, manifest["maxLength"]["description"])
    bi_parts, cross_parts = [], []
    for start in range(0, len(items), CHUNK):
        chunk = prepare_sentences(tokenizer, items[start:start + CHUNK], manifest["maxLength"]["sentence"])
        scores = score(bi_run=bi_run, cross_run=cross_run, tokenizer=tokenizer, sentences=chunk, descriptions=descriptions)
        bi_parts.append(scores.bi_all)
        cross_parts.append(scores.cross)
        if on_progress:
            on_progress(min(start + CHUNK, len(items)), len(items))
    return np.concatenate(bi_parts), np.concatenate(cross_parts)

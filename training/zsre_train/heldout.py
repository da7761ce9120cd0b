"""Held-out scores of a run, in torch fp32 through the reference scoring chain (encode.py).

For choosing a recipe on relations no run trained on: the `test` relations of the run's own
split (default-model choice runs hold them out; benchmark runs must not be chosen on them, use
their split's eval relations through export instead). Every sentence is scored against all m
held-out relations by both encoders once, so three methods come from one pass:

- bi: argmax of the bi-encoder's cosine;
- fullcross: argmax of the cross-encoder's score over all m relations (the cross-encoder alone);
- emma: the recipe's fitted fusion (fusion.json) over the bi-encoder's top-k, closed set (argmax).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch

from .backbone import load_tokenizer
from .config import Config, load_config
from .corpus import split_path
from .data.descriptions import fewrel_relations
from .data.fewrel import read_fewrel
from .data.instance import Instance, RelationInfo
from .data.splits import read_split
from .encode import prepare_descriptions, prepare_sentences, top_k, torch_bi_runner, torch_cross_runner
from .scoring import score
from .augment import replace_mention
from .recipe import load_trained_models


def classification_scores(gold: list[str], predicted: list[str]) -> dict:
    """The ZS-BERT / RE-Matching / EMMA metric (../shared/data/README.md), as fractions, exactly as
    benchmarks/lib/metrics.ts computes it: precision = sum over gold classes of precision_r divided by
    the number of distinct PREDICTED labels, recall = mean over gold classes of recall_r,
    F1 = 2PR/(P+R); beside it `macroF1`, the mean over gold classes of per-class F1 (GLiREL's metric)."""
    if len(gold) != len(predicted):
        raise ValueError(f"gold and predicted differ in length: {len(gold)} vs {len(predicted)}")
    if not gold:
        raise ValueError("no sentences to score")
    classes = sorted(set(gold))
    precision_sum = recall_sum = f1_sum = 0.0
    for c in classes:
        hits = sum(1 for g, p in zip(gold, predicted) if g == c and p == c)
        n_pred = sum(1 for p in predicted if p == c)
        p_c = hits / n_pred if n_pred else 0.0
        r_c = hits / sum(1 for g in gold if g == c)
        precision_sum += p_c
        recall_sum += r_c
        f1_sum += 2 * p_c * r_c / (p_c + r_c) if p_c + r_c else 0.0
    precision, recall = precision_sum / len(set(predicted)), recall_sum / len(classes)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = sum(1 for g, p in zip(gold, predicted) if g == p) / len(gold)
    return {"precision": precision, "recall": recall, "f1": f1, "accuracy": accuracy, "macroF1": f1_sum / len(classes),
            "sentences": len(gold)}


def macro_scores(gold: list[str], predicted: list[str]) -> dict:
    """classification_scores in percent, rounded to 2 decimals (the held-out and ablation files)."""
    scores = classification_scores(gold, predicted)
    return {key: round(100 * scores[key], 2) for key in ("precision", "recall", "f1", "accuracy", "macroF1")}


def held_out_sentences(config: Config, data_dir: Path, per_relation: int, part: str = "test") -> tuple[list[Instance], list[RelationInfo]]:
    """The first `per_relation` sentences (file order) of each relation of the run's split `part`
    ("test"; "eval" for a split without test relations, as the shipped model's)."""
    test = read_split(split_path(config, data_dir))[part]
    by_relation: dict[str, list[Instance]] = {}
    for name in config.data.files:
        for pid, rows in read_fewrel(data_dir / name).items():
            if pid in test:
                by_relation.setdefault(pid, []).extend(rows)
    infos = fewrel_relations(data_dir)
    return [row for pid in test for row in by_relation[pid][:per_relation]], [infos[pid] for pid in test]


def name_swapped(sentences: list[Instance]) -> list[Instance]:
    """The name-bias probe's edit (as benchmarks/lib/nameSwap.ts): sentence p of relation r takes
    the head and tail mentions of sentence p (cyclic) of the next relation in order of appearance."""
    by_relation: dict[str, list[Instance]] = {}
    for row in sentences:
        by_relation.setdefault(row.relation, []).append(row)
    relations = list(by_relation)
    if len(relations) < 2:
        raise ValueError("The name-swap probe needs sentences of at least two relations")
    seen: dict[str, int] = {}
    out = []
    for row in sentences:
        position = seen.get(row.relation, 0)
        seen[row.relation] = position + 1
        pool = by_relation[relations[(relations.index(row.relation) + 1) % len(relations)]]
        donor = pool[position % len(pool)]
        swapped = replace_mention(row, "head", [donor.tokens[i] for i in donor.head])
        out.append(replace_mention(swapped, "tail", [donor.tokens[i] for i in donor.tail]))
    return out


def _method_scores(bi, cross, tokenizer, config: Config, sentences: list[Instance], relations: list[RelationInfo],
                   fusion_block: dict) -> dict:
    """bi, fullcross and EMMA (the fitted fusion over the bi-encoder's top-k) on `sentences`."""
    prepared = prepare_sentences(tokenizer, sentences, config.model.max_sentence_length)
    descriptions = prepare_descriptions(tokenizer, relations, config.model.max_description_length)
    cpu = torch.device("cpu")
    scores = score(bi_run=torch_bi_runner(bi, cpu), cross_run=torch_cross_runner(cross, cpu), tokenizer=tokenizer,
                   sentences=prepared, descriptions=descriptions)  # every held-out relation is a candidate
    bi_all, cross_all = scores.bi_all, scores.cross
    k = fusion_block["topK"]
    columns = top_k(bi_all, k)
    fused = (fusion_block["biWeight"] * np.take_along_axis(bi_all, columns, axis=1)
             + fusion_block["crossWeight"] * np.take_along_axis(cross_all, columns, axis=1))
    ids = [r.id for r in relations]
    gold = [s.relation for s in sentences]
    picks = {
        "bi": bi_all.argmax(axis=1),
        "fullcross": cross_all.argmax(axis=1),
        f"emma_k{k}": columns[np.arange(len(columns)), fused.argmax(axis=1)],
    }
    return {name: macro_scores(gold, [ids[c] for c in chosen]) for name, chosen in picks.items()}


def evaluate_run(run_dir: Path, data_dir: Path, per_relation: int, name_swap: bool = False) -> dict:
    """The run's held-out scores; with name_swap also on the same sentences with their entity names
    swapped (the name-bias probe) and the drop per method."""
    config = load_config(run_dir / "config.yaml")
    fusion_block = json.loads((run_dir / "fusion.json").read_text(encoding="utf-8"))
    bi, cross = load_trained_models(config, run_dir)
    tokenizer = load_tokenizer()
    started = time.perf_counter()
    sentences, relations = held_out_sentences(config, data_dir, per_relation)
    ids = [r.id for r in relations]
    methods = _method_scores(bi, cross, tokenizer, config, sentences, relations, fusion_block)
    swapped = None
    if name_swap:
        swapped_methods = _method_scores(bi, cross, tokenizer, config, name_swapped(sentences), relations, fusion_block)
        swapped = {"edit": "head and tail names from a sentence of the next held-out relation (benchmarks/lib/nameSwap.ts)",
                   "methods": swapped_methods,
                   "f1Drop": {name: round(methods[name]["f1"] - swapped_methods[name]["f1"], 2) for name in methods}}
    run_info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    return {
        "run": run_dir.name,
        "recipe": run_info["recipe"],
        "name": config.name,
        "crossEncoder": {"pooling": config.cross_encoder.pooling, "init": config.cross_encoder.init, "k": config.cross_encoder.k,
                         "hardNegatives": config.cross_encoder.hard_negatives, "steps": run_info["crossEncoder"]["steps"],
                         "maxSteps": config.cross_encoder.max_steps, "batchSize": config.cross_encoder.batch_size},
        "biEncoder": {"steps": run_info["biEncoder"]["steps"]},
        "entityReplacement": run_info.get("entityReplacement"),  # None: off (and in runs from before the option)
        "distillation": None if not run_info.get("distillation") else {
            "steps": run_info["distillation"]["steps"], "topK": config.distillation.top_k,
            "contrastiveWeight": config.distillation.contrastive_weight, "teacher": run_info["distillation"]["teacher"]},
        "trainInstances": run_info["trainInstances"],
        "commit": run_info["commit"],
        "heldOut": {"split": Path(config.data.split).stem, "part": "test", "relations": ids, "sentences": len(sentences),
                    "perRelation": per_relation, "candidates": "all held-out relations (closed set)"},
        "fusion": {key: fusion_block[key] for key in ("topK", "biWeight", "crossWeight")},
        "precision": "fp32 (torch, the reference pipeline)",
        "methods": methods,
        "nameSwapped": swapped,
        "evalMetrics": run_info["evalMetrics"],
        "seconds": round(time.perf_counter() - started, 1),
    }

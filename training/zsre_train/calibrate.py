"""Fit the manifest's `fusion` block on the split's eval relations (never on test relations)."""
from __future__ import annotations

import numpy as np

from . import fusion
from .encode import BiRunner, CrossRunner, prepare_descriptions, prepare_sentences
from .scoring import score
from .data.instance import Instance, RelationInfo


def _report(probs: np.ndarray, target: np.ndarray, threshold: float) -> dict:
    chosen = fusion.decide(probs, threshold)
    answered = chosen >= 0
    correct = (chosen == target) & answered
    return {
        "answered": round(float(answered.mean()), 4),
        "precision": round(float(correct.sum() / max(1, answered.sum())), 4),
        "accuracy": round(float((chosen == target).mean()), 4),  # abstaining on a "none" target counts as right
    }


def fit_fusion(
    bi_run: BiRunner,
    cross_run: CrossRunner | None,
    tokenizer,
    sentences: list[Instance],
    relations: list[RelationInfo],
    max_sentence_length: int,
    max_description_length: int,
    top_k: int,
    target_precision: float,
    seed: int,
) -> tuple[dict, dict]:
    """Returns (the manifest's fusion block, metrics on the fitting set)."""
    column_of = {r.id: c for c, r in enumerate(relations)}
    gold = np.array([column_of[s.relation] for s in sentences])
    targets: list[np.ndarray] = []

    def candidates(bi_all: np.ndarray) -> np.ndarray:
        # The fitting protocol: half the sentences lose their gold candidate (target "none").
        columns, target = fusion.abstention_targets(bi_all, gold, top_k, seed)
        targets.append(target)
        return columns

    scores = score(bi_run=bi_run, cross_run=cross_run, tokenizer=tokenizer,
                   sentences=prepare_sentences(tokenizer, sentences, max_sentence_length),
                   descriptions=prepare_descriptions(tokenizer, relations, max_description_length), candidates=candidates)
    bi, cross, target = scores.bi, scores.cross, targets[0]
    bi_only = fusion.fit(bi, None, target, target_precision)
    block = {"topK": top_k}
    metrics = {"biOnly": _report(fusion.probabilities(bi, None, bi_only), target, bi_only.threshold)}
    if cross is not None:
        full = fusion.fit(bi, cross, target, target_precision)
        block.update(biWeight=full.bi_weight, crossWeight=full.cross_weight, noneLogit=full.none_logit, threshold=full.threshold)
        metrics["fused"] = _report(fusion.probabilities(bi, cross, full), target, full.threshold)
    block["biOnly"] = {"biWeight": bi_only.bi_weight, "noneLogit": bi_only.none_logit, "threshold": bi_only.threshold}
    block["fittedOn"] = {"relations": [r.id for r in relations], "sentences": len(sentences), "targetPrecision": target_precision}
    metrics["goldRetrievedInTopK"] = round(float((target >= 0).mean()), 4)
    return block, metrics

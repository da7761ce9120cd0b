"""Sentence pairs of Re-DocRED documents scored by a training run's bi-encoder (issue 21).

The Python side of `npm run bench:documents`, for choosing a recipe before any export: the same
documents (redocred.split_documents, seed 21), the same pairs (redocred.sentence_pairs), the 96
DocRED relations as candidates, and the run's bi-encoder-only fusion block (fusion.json biOnly)
turning the top-k cosines into a probability. Thresholds are fitted on the calibration documents
and every figure is measured on other documents. Relations are split into those the run trained
on ("seen") and those it never saw, so a recipe that holds relations out gets the issue's
"relations it never saw" row.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from . import fusion

PRECISION_TARGET = 0.7


@dataclass(frozen=True)
class PairDecisions:
    """Per pair: the best candidate's column and probability, and the pair's gold columns."""

    best: np.ndarray  # (n,) column of the top candidate
    probability: np.ndarray  # (n,) its fused probability (bi-encoder only)
    gold: list[frozenset[int]]  # empty: the pair holds no relation


def decisions(bi_all: np.ndarray, gold: Sequence[frozenset[int]], params: fusion.FusionParams, top_k: int) -> PairDecisions:
    columns = np.argsort(-bi_all, axis=1, kind="stable")[:, :top_k]
    probs = fusion.probabilities(np.take_along_axis(bi_all, columns, axis=1), None, params)
    return PairDecisions(columns[:, 0], probs[:, 0], list(gold))


def scores_at(d: PairDecisions, threshold: float, relations: set[int] | None = None) -> dict:
    """Precision, recall and F1 (percent) when the best candidate is answered where its probability
    reaches `threshold`; with `relations`, only answers of those relations and pairs holding one of them count."""
    answered = d.probability >= threshold
    counted = answered if relations is None else answered & np.isin(d.best, list(relations))
    right = np.array([b in g for b, g in zip(d.best, d.gold)]) & counted
    wanted = [g if relations is None else g & relations for g in d.gold]
    related = sum(1 for g in wanted if g)
    recalled = sum(1 for b, g, ok in zip(d.best, wanted, right) if ok and b in g)
    precision = right.sum() / counted.sum() if counted.sum() else 0.0
    recall = recalled / related if related else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"threshold": round(float(threshold), 4), "answered": int(counted.sum()), "related": related,
            "precision": round(100 * float(precision), 2), "recall": round(100 * float(recall), 2), "f1": round(100 * float(f1), 2)}


def _candidate_thresholds(d: PairDecisions) -> np.ndarray:
    return np.unique(np.round(d.probability, 6))


def best_f1_threshold(d: PairDecisions) -> float:
    """The threshold with the highest F1 over all pairs (ties: the higher threshold)."""
    best, chosen = -1.0, 1.0
    for t in _candidate_thresholds(d)[::-1]:
        f1 = scores_at(d, float(t))["f1"]
        if f1 > best:
            best, chosen = f1, float(t)
    return chosen


def precision_threshold(d: PairDecisions, target: float) -> float | None:
    """The smallest threshold whose answers reach `target` precision (at least 10 answers), None if none does."""
    for t in _candidate_thresholds(d):
        s = scores_at(d, float(t))
        if s["answered"] >= 10 and s["precision"] >= 100 * target:
            return float(t)
    return None


def ranking(d: PairDecisions) -> dict:
    """Among pairs that hold a relation: how often the best candidate is one of theirs (thresholds aside)."""
    related = [i for i, g in enumerate(d.gold) if g]
    right = sum(1 for i in related if d.best[i] in d.gold[i])
    return {"related": len(related), "top1Right": round(100 * right / max(1, len(related)), 2)}


def wrong_answers(d: PairDecisions, threshold: float) -> dict:
    """Where the wrong answers at `threshold` fall: on pairs that hold nothing, or a wrong relation for a related pair."""
    answered = d.probability >= threshold
    wrong = [i for i in np.flatnonzero(answered) if d.best[i] not in d.gold[i]]
    on_none = sum(1 for i in wrong if not d.gold[i])
    return {"wrong": len(wrong), "onPairsHoldingNothing": on_none, "wrongRelationOfRelatedPair": len(wrong) - on_none}

"""A triple verifier for issue 21: does relation r hold between the marked pair of this sentence?

The shipped model ranks relations well (the right one is first for about three related pairs in
four on Re-DocRED) but cannot say "none": its probabilities were fitted where every sentence
holds one of the candidates. The verifier is a cross-encoder of the same shape as the shipped one
([CLS] marked sentence [SEP] description [SEP], [CLS; head marker; tail marker] -> MLP -> one
logit), trained with a binary loss on Re-DocRED documents that the benchmark never fits or
measures on: positives are a pair with a relation its sentence states, negatives the relations
the bi-encoder proposes for it that the sentence does not state (all of them for a pair holding
nothing). It reads the candidates the runtime already has, so at run time it would replace the
fused probability as the answer's confidence, not the ranking.

This module holds the parts worth testing on their own: which (pair, relation) rows train it,
and how its scores become answers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class Row:
    pair: int  # index of the sentence pair
    column: int  # the relation's column among the candidates' relations
    label: float  # 1.0: the sentence states it


def training_rows(columns: np.ndarray, gold: Sequence[frozenset[int]], none_keep: float, seed: int) -> list[Row]:
    """Rows from the bi-encoder's candidate columns (n, k) and each pair's gold columns.

    A related pair gives every candidate (right ones positive, wrong ones hard negatives) and, when
    no candidate is right, its first gold relation as a positive: the verifier must learn the
    relation, not the ranker's habits. A pair that holds nothing gives its first candidate as a
    negative (what the runtime would answer), kept with probability `none_keep` (the CPU budget:
    such pairs are 85% of the data)."""
    if not 0.0 < none_keep <= 1.0:
        raise ValueError(f"Invalid none_keep {none_keep}: expected a share in (0, 1]")
    if len(columns) != len(gold):
        raise ValueError(f"{len(columns)} candidate rows but {len(gold)} gold sets: they must match")
    keep = np.random.default_rng(seed).random(len(columns)) < none_keep
    rows: list[Row] = []
    for i, (candidates, wanted) in enumerate(zip(columns, gold)):
        if wanted:
            rows += [Row(i, int(c), 1.0 if int(c) in wanted else 0.0) for c in candidates]
            if not any(int(c) in wanted for c in candidates):
                rows.append(Row(i, min(wanted), 1.0))
        elif keep[i]:
            rows.append(Row(i, int(candidates[0]), 0.0))
    return rows


@dataclass(frozen=True)
class Answers:
    best: np.ndarray  # (n,) the column answered if confident enough
    confidence: np.ndarray  # (n,) the score compared with the threshold


def verify_first(columns: np.ndarray, verified: np.ndarray) -> Answers:
    """The ranker's first candidate, with the verifier's probability of it as the confidence."""
    return Answers(columns[:, 0].copy(), verified[:, 0].copy())


def verify_best(columns: np.ndarray, verified: np.ndarray) -> Answers:
    """The candidate the verifier believes most (it reranks the k), with that probability."""
    pick = np.argmax(verified, axis=1)
    return Answers(np.take_along_axis(columns, pick[:, None], axis=1)[:, 0], np.take_along_axis(verified, pick[:, None], axis=1)[:, 0])


def prf(answers: Answers, gold: Sequence[frozenset[int]], threshold: float) -> dict:
    """Precision, recall, F1 (percent) answering where confidence >= threshold, as bench:documents
    counts: an answer is right if its relation is among the pair's gold; recall is over related pairs."""
    answered = answers.confidence >= threshold
    right = np.array([int(b) in g for b, g in zip(answers.best, gold)]) & answered
    related = sum(1 for g in gold if g)
    precision = right.sum() / answered.sum() if answered.sum() else 0.0
    recall = right.sum() / related if related else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"threshold": round(float(threshold), 4), "answered": int(answered.sum()), "right": int(right.sum()), "related": related,
            "precision": round(100 * float(precision), 2), "recall": round(100 * float(recall), 2), "f1": round(100 * float(f1), 2)}


def _sweep(answers: Answers, gold: Sequence[frozenset[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Every distinct confidence as a threshold (ascending) with the answers and right answers it keeps."""
    confidence = np.round(answers.confidence, 6)
    right = np.array([int(b) in g for b, g in zip(answers.best, gold)], dtype=np.int64)
    order = np.argsort(-confidence, kind="stable")
    thresholds = np.unique(confidence)
    kept_right = np.cumsum(right[order])
    # For threshold t the answers are those with confidence >= t: the prefix of `order` up to the
    # last position whose confidence is >= t.
    ends = np.searchsorted(-confidence[order], -thresholds, side="right")
    answered = ends
    right_kept = np.where(ends > 0, kept_right[np.maximum(ends - 1, 0)], 0)
    return thresholds, answered, right_kept, sum(1 for g in gold if g)


def best_f1_threshold(answers: Answers, gold: Sequence[frozenset[int]]) -> float:
    """The threshold of the highest F1 (ties: the higher threshold)."""
    thresholds, answered, right, related = _sweep(answers, gold)
    precision = np.where(answered > 0, right / np.maximum(answered, 1), 0.0)
    recall = right / max(related, 1)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0)
    best = np.flatnonzero(f1 >= f1.max() - 1e-12)
    return float(thresholds[best[-1]])


def precision_threshold(answers: Answers, gold: Sequence[frozenset[int]], target: float) -> float | None:
    """The lowest threshold whose precision reaches `target` (a share) with at least 20 answers; None if none does."""
    thresholds, answered, right, _ = _sweep(answers, gold)
    ok = (answered >= 20) & (right >= target * answered - 1e-9)
    hits = np.flatnonzero(ok)
    return float(thresholds[hits[0]]) if len(hits) else None

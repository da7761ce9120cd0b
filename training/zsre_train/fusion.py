"""Score fusion and calibrated abstention (contract: "Scores and fusion"), and its fitting.

z_j = biWeight * biScore_j + crossWeight * crossScore_j; softmax over [noneLogit, z_1..z_k];
the best candidate wins if its probability >= threshold, else "no relation". A block with a
learned none vector (zsre_train.none_vector) moves noneLogit per sentence: noneLogit + bias +
weights . v, where v is the bi-encoder's sentence vector; `none_shift` carries bias + weights . v.
A named calibration may also carry relation biases: one number per relation id, added to that
relation's logit z_j (`relation_bias` carries them per candidate; 0 for a relation without one).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class FusionParams:
    bi_weight: float
    cross_weight: float  # 0 and unused in bi-encoder-only mode
    none_logit: float
    threshold: float


def probabilities(bi: np.ndarray, cross: np.ndarray | None, params: FusionParams,
                  none_shift: np.ndarray | None = None, relation_bias: np.ndarray | None = None) -> np.ndarray:
    """(n, k) candidate probabilities; 1 - row sum is the share of "no relation".

    none_shift: (n,) per-sentence addition to noneLogit (a learned none vector), or None.
    relation_bias: (n, k) per-candidate addition to its logit (a calibration's relation biases), or None."""
    z = params.bi_weight * bi
    if cross is not None:
        z = z + params.cross_weight * cross
    if relation_bias is not None:
        z = z + np.asarray(relation_bias, dtype=np.float64)
    none = np.full((z.shape[0], 1), params.none_logit)
    if none_shift is not None:
        none = none + np.asarray(none_shift, dtype=np.float64).reshape(-1, 1)
    logits = np.concatenate([none, z], axis=1)
    logits = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    return (e / e.sum(axis=1, keepdims=True))[:, 1:]


def decide(probs: np.ndarray, threshold: float) -> np.ndarray:
    """Index of the chosen candidate per row, -1 for "no relation"."""
    best = probs.argmax(axis=1)
    return np.where(probs[np.arange(len(probs)), best] >= threshold, best, -1)


def fit_logit_weights(bi: np.ndarray, cross: np.ndarray | None, target: np.ndarray, with_none: bool = True,
                      steps: int = 200) -> tuple[float, float, float]:
    """Maximum-likelihood biWeight, crossWeight, noneLogit of softmax([noneLogit,] bi * biWeight + cross * crossWeight).

    target is the gold candidate index, or -1 (none) when with_none. Without a none class (the
    distillation teacher, whose gold is always among the candidates) noneLogit stays 0.
    """
    bi_t = torch.tensor(bi, dtype=torch.float64)
    cross_t = torch.tensor(cross, dtype=torch.float64) if cross is not None else None
    y = torch.tensor(target + 1 if with_none else target, dtype=torch.long)  # with none, class 0 is "none"
    params = torch.tensor([10.0, 1.0, 0.0], dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([params], lr=0.5, max_iter=steps, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        z = params[0] * bi_t + (params[1] * cross_t if cross_t is not None else 0.0)
        logits = torch.cat([params[2].expand(z.size(0), 1), z], dim=1) if with_none else z
        loss = torch.nn.functional.cross_entropy(logits, y)
        loss.backward()
        return loss

    optimizer.step(closure)
    bw, cw, nl = (float(v) for v in params.detach())
    return bw, (cw if cross is not None else 0.0), (nl if with_none else 0.0)


def smallest_threshold(probs: np.ndarray, target: np.ndarray, target_precision: float) -> float:
    """The smallest threshold whose precision (correct / answered) reaches target_precision.

    Candidates are 0 and every best-candidate probability; 1.0 (abstain on everything the
    model is not certain of) when none reaches it.
    """
    best = probs.argmax(axis=1)
    best_p = probs[np.arange(len(probs)), best]
    correct = best == target
    for t in np.concatenate([[0.0], np.sort(best_p)]):
        answered = best_p >= t
        if answered.sum() and correct[answered].mean() >= target_precision:
            return float(t)
    return 1.0


def fit(bi: np.ndarray, cross: np.ndarray | None, target: np.ndarray, target_precision: float) -> FusionParams:
    """Fit the logit parameters by maximum likelihood, then the threshold for the precision target."""
    bw, cw, nl = fit_logit_weights(bi, cross, target)
    provisional = FusionParams(bw, cw, nl, 0.0)
    threshold = smallest_threshold(probabilities(bi, cross, provisional), target, target_precision)
    return FusionParams(bw, cw, nl, threshold)


def abstention_targets(bi_all: np.ndarray, gold: np.ndarray, top_k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidate sets for fitting: half the sentences lose their gold relation (target "none").

    bi_all: (n, m) bi-encoder scores against the m eval relations; gold: (n,) gold column.
    Returns candidate columns (n, top_k) by descending biScore, and the target index per row
    (-1 when the gold is not among the candidates, removed or simply not retrieved).
    """
    rng = np.random.default_rng(seed)
    drop = np.zeros(len(gold), dtype=bool)
    drop[rng.permutation(len(gold))[: len(gold) // 2]] = True
    scores = bi_all.astype(np.float64).copy()
    scores[np.arange(len(gold))[drop], gold[drop]] = -np.inf
    if top_k > scores.shape[1] - 1:
        raise ValueError(f"top_k={top_k} needs at least {top_k + 1} eval relations, received {scores.shape[1]}")
    columns = np.argsort(-scores, axis=1, kind="stable")[:, :top_k]
    hit = columns == gold[:, None]
    target = np.where(hit.any(axis=1), hit.argmax(axis=1), -1)
    return columns, target

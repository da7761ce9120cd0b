"""A learned "none" vector: the "no relation" logit moves with what the sentence says (issue 21).

Fusion's none logit is a constant, fitted where every sentence states some relation (FewRel-style
sentences whose gold was removed from the candidates). In real text most entity pairs that share
a sentence hold no relation at all, and nothing in that constant can tell them apart. The none
vector makes it per sentence:

    noneLogit(v) = noneLogit + bias + weights . v

with v the bi-encoder's sentence vector (the one the relation scores are computed from). The
relation logits are untouched, so the ranking of relations, and closed-set accuracy, cannot change;
only how often and where the model says "none". weights and bias are fitted by maximum likelihood
of the fusion softmax (gold candidate, or none) with the block's other parameters fixed, on
sentences of two kinds: entity pairs of documents that mark which pairs hold nothing (Re-DocRED
calibration documents), and the FewRel-style abstention set fusion was fitted on, so that the
vector does not learn "a relation is stated" where only the candidates lack it.

Relation biases (optional, `bias_l2`): one number per relation id, added to that relation's logit
and fitted jointly with the vector (L2 towards 0, so a relation never seen in the fit keeps 0, the
prior's centre). Unlike the vector they reorder relations: some are answered right far more often
than others at the same score (training/relation_bias_trial.py: out-of-fold best F1 on the
calibration documents 46.2 -> 49.8, F1 at precision 70% 33.2 -> 42.0). So they belong only in a
named calibration fitted on the relation set it will see.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from . import fusion

L2_CHOICES = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2)
BIAS_L2_CHOICES = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2)  # relation_bias_trial.py: 1e-4 the best of 1e-4..1e-2


@dataclass(frozen=True)
class FitRows:
    """What fitting needs per sentence: its vector, its candidates' scores, the target index (-1: none)."""

    vectors: np.ndarray  # (n, d)
    bi: np.ndarray  # (n, k)
    cross: np.ndarray | None  # (n, k), None for the bi-only block
    target: np.ndarray  # (n,)
    # (n, k): each candidate's relation as an index into the fitted relation biases, -1 for a
    # relation that has none (outside the calibration's set). None: no relation biases.
    columns: np.ndarray | None = None

    def take(self, rows: np.ndarray) -> "FitRows":
        return FitRows(self.vectors[rows], self.bi[rows], None if self.cross is None else self.cross[rows], self.target[rows],
                       None if self.columns is None else self.columns[rows])

    @staticmethod
    def join(parts: list["FitRows"]) -> "FitRows":
        def joined(values):
            return None if any(v is None for v in values) else np.concatenate(values)
        return FitRows(np.concatenate([p.vectors for p in parts]), np.concatenate([p.bi for p in parts]), joined([p.cross for p in parts]),
                       np.concatenate([p.target for p in parts]), joined([p.columns for p in parts]))


@dataclass(frozen=True)
class NoneFit:
    """A fitted calibration block: the none vector and, where fitted, one bias per relation index."""

    weights: np.ndarray
    bias: float
    relation_biases: np.ndarray | None = None

    def relation_bias(self, columns: np.ndarray | None) -> np.ndarray | None:
        """(n, k) bias per candidate (0 for column -1), or None without relation biases."""
        if self.relation_biases is None or columns is None:
            return None
        padded = np.append(np.asarray(self.relation_biases, dtype=np.float64), 0.0)  # index -1: no bias
        return padded[columns]

    def probabilities(self, rows: FitRows, params: fusion.FusionParams) -> np.ndarray:
        return fusion.probabilities(rows.bi, rows.cross, params, none_shift(rows.vectors, self.weights, self.bias),
                                    self.relation_bias(rows.columns))


def none_shift(vectors: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
    return vectors.astype(np.float64) @ np.asarray(weights, dtype=np.float64) + bias


def fit(rows: FitRows, params: fusion.FusionParams, l2: float, steps: int = 300) -> tuple[np.ndarray, float]:
    """Maximum-likelihood (weights, bias), L2 penalty on the weights, fusion weights held fixed."""
    fitted = fit_block(rows, params, l2, steps=steps)
    return fitted.weights, fitted.bias


def fit_block(rows: FitRows, params: fusion.FusionParams, l2: float, bias_l2: float | None = None, relations: int = 0,
              steps: int = 300) -> NoneFit:
    """Maximum likelihood of the fusion softmax with the block's weights held fixed: the none vector
    (L2 `l2` on its weights) and, with `bias_l2`, `relations` relation biases (L2 `bias_l2`) indexed
    by rows.columns."""
    with_biases = bias_l2 is not None
    if with_biases and rows.columns is None:
        raise ValueError("relation biases need the rows' columns")
    v = torch.tensor(rows.vectors, dtype=torch.float64)
    z = params.bi_weight * torch.tensor(rows.bi, dtype=torch.float64)
    if rows.cross is not None:
        z = z + params.cross_weight * torch.tensor(rows.cross, dtype=torch.float64)
    y = torch.tensor(rows.target + 1, dtype=torch.long)  # class 0 is "none"
    weights = torch.zeros(v.shape[1], dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    betas = torch.zeros(relations, dtype=torch.float64, requires_grad=with_biases)
    columns = torch.tensor(np.where(rows.columns < 0, relations, rows.columns)) if with_biases else None
    optimizer = torch.optim.LBFGS([weights, bias] + ([betas] if with_biases else []), lr=0.5, max_iter=steps,
                                  line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        none = params.none_logit + v @ weights + bias
        logits = z
        if with_biases:
            logits = z + torch.cat([betas, torch.zeros(1, dtype=torch.float64)])[columns]
        loss = torch.nn.functional.cross_entropy(torch.cat([none[:, None], logits], dim=1), y) + l2 * (weights @ weights)
        if with_biases:
            loss = loss + bias_l2 * (betas @ betas)
        loss.backward()
        return loss

    optimizer.step(closure)
    return NoneFit(weights.detach().numpy().copy(), float(bias.detach()[0]), betas.detach().numpy().copy() if with_biases else None)


def answered_f1(probs: np.ndarray, right: np.ndarray, related: int, threshold: float) -> tuple[float, float, float]:
    """(precision, recall, F1) of answering the best candidate where its probability reaches threshold.

    right[i, j]: candidate j of row i is a gold relation; related: rows that state a relation."""
    best = probs.argmax(axis=1)
    answered = probs[np.arange(len(probs)), best] >= threshold
    correct = int((answered & right[np.arange(len(probs)), best]).sum())
    precision = correct / max(1, int(answered.sum()))
    recall = correct / max(1, related)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-12)


def best_f1(probs: np.ndarray, right: np.ndarray, related: int) -> tuple[float, float]:
    """(threshold, F1) of the best-F1 threshold among the rows' best-candidate probabilities."""
    best_p = np.unique(probs.max(axis=1))
    candidates = best_p[:: max(1, len(best_p) // 400)]
    scored = [(answered_f1(probs, right, related, t)[2], -t) for t in candidates]
    f1, negative_t = max(scored)
    return -negative_t, f1


def threshold_for_precision(probs: np.ndarray, right: np.ndarray, related: int, target: float) -> float | None:
    """The smallest threshold whose precision reaches target (None: none does)."""
    for t in np.unique(probs.max(axis=1)):
        precision, recall, _ = answered_f1(probs, right, related, t)
        if precision >= target and recall > 0:
            return float(t)
    return None


def choose_l2(documents: FitRows, documents_right: np.ndarray, documents_related: np.ndarray, groups: np.ndarray,
              abstention: FitRows, params: fusion.FusionParams, seed: int, bias_l2: float | None = None,
              relations: int = 0) -> tuple[float, list[dict]]:
    """The vector's L2 strength (relation biases, if any, at `bias_l2`) with the best F1 on a quarter
    of the calibration documents held out by document."""
    return _choose(documents, documents_right, documents_related, groups, abstention, params, seed, "l2",
                   [(l2, bias_l2) for l2 in L2_CHOICES], relations)


def choose_bias_l2(documents: FitRows, documents_right: np.ndarray, documents_related: np.ndarray, groups: np.ndarray,
                   abstention: FitRows, params: fusion.FusionParams, seed: int, l2: float, relations: int) -> tuple[float, list[dict]]:
    """The relation biases' L2 strength (the vector's at `l2`), chosen as choose_l2 chooses."""
    return _choose(documents, documents_right, documents_related, groups, abstention, params, seed, "biasL2",
                   [(l2, bias_l2) for bias_l2 in BIAS_L2_CHOICES], relations)


def _choose(documents: FitRows, documents_right: np.ndarray, documents_related: np.ndarray, groups: np.ndarray,
            abstention: FitRows, params: fusion.FusionParams, seed: int, key: str,
            settings: list[tuple[float, float | None]], relations: int) -> tuple[float, list[dict]]:
    rng = np.random.default_rng(seed)
    unique = np.unique(groups)
    held = np.isin(groups, rng.choice(unique, len(unique) // 4, replace=False))
    report = []
    for l2, bias_l2 in settings:
        fitted = fit_block(FitRows.join([documents.take(~held), abstention]), params, l2, bias_l2, relations)
        _, f1 = best_f1(fitted.probabilities(documents.take(held), params), documents_right[held], int(documents_related[held].sum()))
        report.append({key: l2 if key == "l2" else bias_l2, "heldOutDocumentsBestF1": round(f1, 4)})
    chosen = max(report, key=lambda r: (r["heldOutDocumentsBestF1"], -r[key]))[key]
    return chosen, report


def out_of_fold_probabilities(documents: FitRows, groups: np.ndarray, abstention: FitRows, params: fusion.FusionParams,
                              l2: float, seed: int, folds: int = 4, bias_l2: float | None = None, relations: int = 0) -> np.ndarray:
    """Each document's fused probabilities from a vector fitted without it (folds by document, plus
    the abstention set every time). Why: a vector fitted on the very pairs it then scores is surer
    of them than of new text; a threshold read off those in-sample probabilities missed its
    precision target on unseen documents (fitted for 70% on 200 calibration documents, it gave
    65.6% on the measuring ones). Read off these, it is what new documents will see."""
    rng = np.random.default_rng(seed)
    unique = rng.permutation(np.unique(groups))
    probs = np.zeros(documents.bi.shape, dtype=np.float64)
    for part in np.array_split(unique, folds):
        held = np.isin(groups, part)
        fitted = fit_block(FitRows.join([documents.take(~held), abstention]), params, l2, bias_l2, relations)
        probs[held] = fitted.probabilities(documents.take(held), params)
    return probs


def adaptive(bi: np.ndarray, cross: np.ndarray, fused: fusion.FusionParams, bi_only: fusion.FusionParams, gate: float | None,
             fused_shift: np.ndarray | None, bi_shift: np.ndarray | None,
             fused_relation_bias: np.ndarray | None = None, bi_relation_bias: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The runtime's adaptive path per row: (top-1 candidate, decision (-1: none), skipped the cross-encoder).

    A row skips the cross-encoder when bi-only fusion is sure (crossGate.ts); its result is then
    the bi-only one. With none vectors (and relation biases) the gate sees them too."""
    bi_probs = fusion.probabilities(bi, None, bi_only, bi_shift, bi_relation_bias)
    full_probs = fusion.probabilities(bi, cross, fused, fused_shift, fused_relation_bias)
    confidence = np.maximum(bi_probs.max(axis=1), 1.0 - bi_probs.sum(axis=1))
    skipped = confidence >= gate if gate is not None else np.zeros(len(bi), dtype=bool)
    probs = np.where(skipped[:, None], bi_probs, full_probs)
    threshold = np.where(skipped, bi_only.threshold, fused.threshold)
    top1 = probs.argmax(axis=1)
    decision = np.where(probs[np.arange(len(probs)), top1] >= threshold, top1, -1)
    return top1, decision, skipped

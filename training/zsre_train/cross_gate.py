"""The adaptive fine-grained stage: skip the cross-encoder when the bi-encoder is already sure.

The runtime scores every sentence with the bi-encoder and fuses its top-k candidates with the
bi-only parameters (manifest.fusion.biOnly). Its confidence is the larger of the best
candidate's probability and the "no relation" probability: how sure the bi-only decision is,
either way. At or above the gate the runtime answers with that decision and skips the
cross-encoder; below it, the cross-encoder re-scores the candidates as always.

The gate is fitted on the calibration relations (those fusion was fitted on, with the same
half-gold-removed protocol, fusion.abstention_targets): the lowest confidence at which fewer
than `max_changed` of all sentences get a different decision (relation or abstention) than
the always-on fused pipeline would give them.
"""
from __future__ import annotations

import numpy as np

from . import fusion


def confidence(bi: np.ndarray, bi_only: fusion.FusionParams) -> np.ndarray:
    """(n,) max(best candidate probability, "no relation" probability) under bi-only fusion."""
    probs = fusion.probabilities(bi, None, bi_only)
    return np.maximum(probs.max(axis=1), 1.0 - probs.sum(axis=1))


def decisions(bi: np.ndarray, cross: np.ndarray | None, params: fusion.FusionParams) -> np.ndarray:
    """Chosen candidate index per row, -1 for "no relation"."""
    return fusion.decide(fusion.probabilities(bi, cross, params), params.threshold)


def fit_gate(conf: np.ndarray, fused: np.ndarray, bi_only: np.ndarray, max_changed: float) -> float | None:
    """The lowest confidence gate whose skipped rows change fewer than max_changed of all rows'
    decisions; None when even skipping only the most confident rows changes too many.

    Rows with equal confidence are skipped together, so the gate is always one of `conf`'s values.
    """
    n = len(conf)
    changed = fused != bi_only
    order = np.argsort(-conf, kind="stable")
    gate = None
    count = 0
    i = 0
    while i < n:
        j = i
        while j < n and conf[order[j]] == conf[order[i]]:
            j += 1
        count += int(changed[order[i:j]].sum())
        if count / n >= max_changed:
            break
        gate = float(conf[order[i]])
        i = j
    return gate


def gate_report(conf: np.ndarray, fused: np.ndarray, bi_only: np.ndarray, gate: float | None) -> dict:
    skipped = conf >= gate if gate is not None else np.zeros(len(conf), dtype=bool)
    adaptive = np.where(skipped, bi_only, fused)
    return {"skipped": round(float(skipped.mean()), 4), "changedDecisions": round(float((adaptive != fused).mean()), 4),
            "changedCount": int((adaptive != fused).sum())}

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

from datetime import datetime, timezone
from typing import Sequence

import numpy as np

from . import fusion
from .data.instance import Instance, RelationInfo
from .encode import BiRunner, CrossRunner, prepare_descriptions, prepare_sentences
from .scoring import score

MAX_CHANGED = 0.01


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


def fit_cross_gate(bi_run: BiRunner, cross_run: CrossRunner, tokenizer, sentences: Sequence[Instance], relations: Sequence[RelationInfo],
                   block: dict, max_sentence_length: int, max_description_length: int, seed: int, precision: str,
                   max_changed: float = MAX_CHANGED) -> tuple[dict | None, dict]:
    """The manifest's fusion.crossGate (None when no gate qualifies) and a report with other gates.

    `sentences` of the `relations` fusion was fitted on, scored by the graphs users run, with the
    candidates of fusion's fitting protocol (abstention_targets with the same seed)."""
    gold = np.array([[r.id for r in relations].index(s.relation) for s in sentences])
    scores = score(bi_run=bi_run, cross_run=cross_run, tokenizer=tokenizer,
                   sentences=prepare_sentences(tokenizer, sentences, max_sentence_length),
                   descriptions=prepare_descriptions(tokenizer, relations, max_description_length),
                   candidates=lambda bi_all: fusion.abstention_targets(bi_all, gold, block["topK"], seed)[0])
    bi = scores.bi.astype(np.float64)
    cross = scores.cross.astype(np.float64)
    full = fusion.FusionParams(block["biWeight"], block["crossWeight"], block["noneLogit"], block["threshold"])
    only = block["biOnly"]
    bi_only = fusion.FusionParams(only["biWeight"], 0.0, only["noneLogit"], only["threshold"])
    conf = confidence(bi, bi_only)
    fused, alone = decisions(bi, cross, full), decisions(bi, None, bi_only)
    gate = fit_gate(conf, fused, alone, max_changed)
    report = {"decisionsDifferBetweenBiOnlyAndFused": round(float((fused != alone).mean()), 4),
              "otherGates": {f"{g:.3f}": gate_report(conf, fused, alone, g) for g in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999)}}
    if gate is None:
        return None, report
    return {"minConfidence": gate,
            "fittedOn": {"relations": [r.id for r in relations], "sentences": len(sentences), "maxChanged": max_changed,
                         **gate_report(conf, fused, alone, gate), "precision": precision,
                         "fittedAt": datetime.now(timezone.utc).isoformat(timespec="seconds")}}, report

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

Below the gate, the cross-encoder need not score every candidate: one whose bi-only probability
is under the candidate floor (`minCandidateProbability`) is rarely the one it would promote. Such
a candidate keeps its bi-encoder score and gets, in place of a cross score, the smallest cross
term (crossWeight x crossScore) among the candidates the cross-encoder did score in that sentence:
the bi-encoder placed it below all of them, so it is taken to be no better than the worst of them.
The best candidate is always scored. The floor and the gate are fitted together: for each floor
of CANDIDATE_FLOORS, the lowest gate within the same `max_changed` budget (changes from skipping
and from pruning counted together); the pair that sends the fewest pairs to the cross-encoder
wins (floor 0 scores every candidate: the gate alone).
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
CANDIDATE_FLOORS = (0.0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)


def confidence(bi: np.ndarray, bi_only: fusion.FusionParams) -> np.ndarray:
    """(n,) max(best candidate probability, "no relation" probability) under bi-only fusion."""
    probs = fusion.probabilities(bi, None, bi_only)
    return np.maximum(probs.max(axis=1), 1.0 - probs.sum(axis=1))


def decisions(bi: np.ndarray, cross: np.ndarray | None, params: fusion.FusionParams) -> np.ndarray:
    """Chosen candidate index per row, -1 for "no relation"."""
    return fusion.decide(fusion.probabilities(bi, cross, params), params.threshold)


def fit_gate(conf: np.ndarray, fused: np.ndarray, bi_only: np.ndarray, max_changed: float,
             pruned: np.ndarray | None = None) -> float | None:
    """The lowest confidence gate whose skipped rows (answered bi-only) and rows below it (answered
    from the `pruned` cross scores; default: every candidate scored, i.e. `fused`) change fewer than
    max_changed of all rows' decisions against `fused`; None when even skipping only the most
    confident rows changes too many.

    Rows with equal confidence are skipped together, so the gate is always one of `conf`'s values.
    """
    n = len(conf)
    if pruned is None:
        pruned = fused
    if_skipped = fused != bi_only
    if_scored = fused != pruned
    order = np.argsort(-conf, kind="stable")
    gate = None
    count = int(if_scored.sum())
    if count / n >= max_changed:
        return None
    i = 0
    while i < n:
        j = i
        while j < n and conf[order[j]] == conf[order[i]]:
            j += 1
        rows = order[i:j]
        count += int(if_skipped[rows].sum()) - int(if_scored[rows].sum())
        if count / n >= max_changed:
            break
        gate = float(conf[order[i]])
        i = j
    return gate


def scored_candidates(bi: np.ndarray, bi_only: fusion.FusionParams, floor: float) -> np.ndarray:
    """(n, k) bool: the candidates the cross-encoder scores below the gate: bi-only probability at
    or above `floor`, and always the best one (the runtime's src/pipeline/crossGate.ts)."""
    probs = fusion.probabilities(bi, None, bi_only)
    keep = probs >= floor
    keep[np.arange(len(probs)), probs.argmax(axis=1)] = True
    return keep


def impute_unscored(cross: np.ndarray, keep: np.ndarray, cross_weight: float) -> np.ndarray:
    """Cross scores with each unscored candidate's replaced by the one whose cross term
    (cross_weight x score) is the smallest among its sentence's scored candidates (module docstring)."""
    terms = np.where(keep, cross_weight * cross, np.inf)
    worst = terms.min(axis=1, keepdims=True)
    if cross_weight == 0:
        return np.where(keep, cross, 0.0)
    return np.where(keep, cross, worst / cross_weight)


def gate_report(conf: np.ndarray, fused: np.ndarray, bi_only: np.ndarray, gate: float | None,
                pruned: np.ndarray | None = None, keep: np.ndarray | None = None) -> dict:
    skipped = conf >= gate if gate is not None else np.zeros(len(conf), dtype=bool)
    adaptive = np.where(skipped, bi_only, fused if pruned is None else pruned)
    report = {"skipped": round(float(skipped.mean()), 4), "changedDecisions": round(float((adaptive != fused).mean()), 4),
              "changedCount": int((adaptive != fused).sum())}
    if keep is not None:  # cross-encoder pairs per sentence, against every candidate of every row below the gate
        report["pairsPerSentence"] = round(float(keep[~skipped].sum() / len(conf)), 4)
        report["pairsPerSentenceAllCandidates"] = round(float(keep.shape[1] * (~skipped).sum() / len(conf)), 4)
    return report


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
    floors = {}
    for floor in CANDIDATE_FLOORS:
        keep = scored_candidates(bi, bi_only, floor)
        pruned = decisions(bi, impute_unscored(cross, keep, full.cross_weight), full)
        gate = fit_gate(conf, fused, alone, max_changed, pruned)
        floors[floor] = (gate, pruned, keep, None if gate is None else gate_report(conf, fused, alone, gate, pruned, keep))
    fitted = [floor for floor, (gate, *_rest) in floors.items() if gate is not None]
    report = {"decisionsDifferBetweenBiOnlyAndFused": round(float((fused != alone).mean()), 4),
              "otherGates": {f"{g:.3f}": gate_report(conf, fused, alone, g) for g in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999)},
              "candidateFloors": {f"{floor:g}": (None if floors[floor][0] is None else {"minConfidence": floors[floor][0], **floors[floor][3]})
                                  for floor in CANDIDATE_FLOORS}}
    if not fitted:
        return None, report
    # the fewest cross-encoder pairs; on a tie the lower floor (fewer candidates left unscored)
    floor = min(fitted, key=lambda f: (floors[f][3]["pairsPerSentence"], f))
    gate, _pruned, _keep, fit_report = floors[floor]
    return {"minConfidence": gate, "minCandidateProbability": floor,
            "fittedOn": {"relations": [r.id for r in relations], "sentences": len(sentences), "maxChanged": max_changed,
                         "candidateFloors": list(CANDIDATE_FLOORS), **fit_report, "precision": precision,
                         "fittedAt": datetime.now(timezone.utc).isoformat(timespec="seconds")}}, report

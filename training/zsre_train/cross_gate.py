"""The adaptive fine-grained stage: skip the cross-encoder when the bi-encoder is already sure.

The runtime scores every sentence with the bi-encoder and fuses its top-k candidates with the
bi-only parameters (manifest.fusion.biOnly). Its confidence is the larger of the best
candidate's probability and the "no relation" probability: how sure the bi-only decision is,
either way. At or above the gate the runtime answers with that decision and skips the
cross-encoder; below it, the cross-encoder re-scores the candidates as always.

The gate is fitted on the calibration relations (those fusion was fitted on, with the same
half-gold-removed protocol, fusion.abstention_targets), by one of two criteria (`criterion`):

- "changed" (the default of fit_cross_gate.py; the shipped model's until 2026-12-05): the lowest confidence at which fewer than
  `budget` of all sentences get a different decision (relation or abstention) than the
  always-on fused pipeline would give them. No cap on unscored candidates (below).
- "harmed": fewer than `budget` of the sentences get a wrong decision that the always-on
  pipeline gets right; changes among the decisions it gets wrong are free. With it the floor
  may go to 0.3 and unscored candidates get the cap below. Tried on the shipped model
  (2026-12-05; benchmarks/results/cross-gate-trial/): on FewRel it halved the cross-encoder's
  pairs at equal held-out F1, but on Re-DocRED documents, where most pairs hold no relation, it
  answered far more often (precision at the default threshold 23.0% -> 16.3%; with
  calibration 'documents' 72.2% -> 67.0%): the FewRel calibration sentences say nothing about
  abstention on running text. With documents in the budget too (`also`, fit_cross_gate.py
  --documents) it is the shipped gate since 2026-12-06.

Below the gate, the cross-encoder need not score every candidate: one whose bi-only probability
is under the candidate floor (`minCandidateProbability`) is rarely the one it would promote. Such
a candidate keeps its bi-encoder score and gets, in place of a cross score, the smallest cross
term (crossWeight x crossScore) among the candidates the cross-encoder did score in that sentence:
the bi-encoder placed it below all of them, so it is taken to be no better than the worst of them.
When the cross-encoder scored only the best candidate, that bound is the best's own term, which
overrates the others. With the "harmed" criterion the term is also capped at crossWeight x
`unscoredCrossScore`: the median cross score of the candidates under the floor on the fitting
sentences, where every candidate was scored.
The best candidate is always scored. The floor and the gate are fitted together: for each floor
of the criterion's candidate floors, the lowest gate within the same budget (skipping and
pruning counted together); the pair that sends the fewest pairs to the cross-encoder wins
(floor 0 scores every candidate: the gate alone).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Sequence

import numpy as np

from . import fusion
from .data.instance import Instance, RelationInfo
from .encode import BiRunner, CrossRunner, prepare_descriptions, prepare_sentences
from .scoring import score

BUDGET = 0.01
CRITERIA = ("changed", "harmed")
CANDIDATE_FLOORS = {"changed": (0.0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1),
                    "harmed": (0.0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3)}


def confidence(bi: np.ndarray, bi_only: fusion.FusionParams) -> np.ndarray:
    """(n,) max(best candidate probability, "no relation" probability) under bi-only fusion."""
    probs = fusion.probabilities(bi, None, bi_only)
    return np.maximum(probs.max(axis=1), 1.0 - probs.sum(axis=1))


def decisions(bi: np.ndarray, cross: np.ndarray | None, params: fusion.FusionParams) -> np.ndarray:
    """Chosen candidate index per row, -1 for "no relation"."""
    return fusion.decide(fusion.probabilities(bi, cross, params), params.threshold)


def fit_gate(conf: np.ndarray, fused: np.ndarray, bi_only: np.ndarray, budget: float,
             pruned: np.ndarray | None = None, target: np.ndarray | None = None) -> float | None:
    """The lowest confidence gate whose skipped rows (answered bi-only) and rows below it (answered
    from the `pruned` cross scores; default: every candidate scored, i.e. `fused`) harm fewer than
    budget of all rows; None when even skipping only the most confident rows harms too many.

    A row is harmed when its decision differs from `fused`'s and `fused` was right (`target`: the
    right decision per row, -1 for "no relation"). Without `target` every changed decision counts.
    Rows with equal confidence are skipped together, so the gate is always one of `conf`'s values.
    """
    n = len(conf)
    if pruned is None:
        pruned = fused
    counts = np.ones(n, dtype=bool) if target is None else fused == target
    if_skipped = (fused != bi_only) & counts
    if_scored = (fused != pruned) & counts
    order = np.argsort(-conf, kind="stable")
    gate = None
    count = int(if_scored.sum())
    if count / n >= budget:
        return None
    i = 0
    while i < n:
        j = i
        while j < n and conf[order[j]] == conf[order[i]]:
            j += 1
        rows = order[i:j]
        count += int(if_skipped[rows].sum()) - int(if_scored[rows].sum())
        if count / n >= budget:
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


def impute_unscored(cross: np.ndarray, keep: np.ndarray, cross_weight: float, unscored_score: float | None = None) -> np.ndarray:
    """Cross scores with each unscored candidate's replaced by the one whose cross term
    (cross_weight x score) is the smallest among its sentence's scored candidates, and no larger
    than cross_weight x `unscored_score` (the typical cross score of a candidate under the floor,
    fitted with it; None: the scored candidates' bound alone) (module docstring)."""
    terms = np.where(keep, cross_weight * cross, np.inf)
    worst = terms.min(axis=1, keepdims=True)
    if unscored_score is not None:
        worst = np.minimum(worst, cross_weight * unscored_score)
    if cross_weight == 0:
        return np.where(keep, cross, 0.0)
    return np.where(keep, cross, worst / cross_weight)


def typical_unscored_score(cross: np.ndarray, keep: np.ndarray) -> float | None:
    """The median cross score of the candidates a floor leaves unscored (on the fitting sentences,
    where every candidate was scored); None when it leaves none."""
    below = cross[~keep]
    return None if below.size == 0 else float(np.median(below))


def gate_report(conf: np.ndarray, fused: np.ndarray, bi_only: np.ndarray, gate: float | None,
                pruned: np.ndarray | None = None, keep: np.ndarray | None = None, target: np.ndarray | None = None) -> dict:
    skipped = conf >= gate if gate is not None else np.zeros(len(conf), dtype=bool)
    adaptive = np.where(skipped, bi_only, fused if pruned is None else pruned)
    report = {"skipped": round(float(skipped.mean()), 4), "changedDecisions": round(float((adaptive != fused).mean()), 4),
              "changedCount": int((adaptive != fused).sum())}
    if target is not None:  # changes that made a right decision wrong, and the reverse; accuracy of each pipeline
        report["harmedDecisions"] = round(float(((fused == target) & (adaptive != target)).mean()), 4)
        report["gainedDecisions"] = round(float(((fused != target) & (adaptive == target)).mean()), 4)
        report["accuracy"] = round(float((adaptive == target).mean()), 4)
        report["accuracyAlwaysOn"] = round(float((fused == target).mean()), 4)
    if keep is not None:  # cross-encoder pairs per sentence, against every candidate of every row below the gate
        report["pairsPerSentence"] = round(float(keep[~skipped].sum() / len(conf)), 4)
        report["pairsPerSentenceAllCandidates"] = round(float(keep.shape[1] * (~skipped).sum() / len(conf)), 4)
    return report


def _gate_within(bi: np.ndarray, cross: np.ndarray, target: np.ndarray, full: fusion.FusionParams, bi_only: fusion.FusionParams,
                 floor: float, unscored_score: float | None, budget: float, criterion: str) -> tuple[float | None, tuple]:
    """The lowest gate within `budget` on one scored set at a given floor and cap, and what the
    pipeline decides there: (gate, (conf, fused, alone, pruned, keep)) for gate_report."""
    conf = confidence(bi, bi_only)
    fused, alone = decisions(bi, cross, full), decisions(bi, None, bi_only)
    keep = scored_candidates(bi, bi_only, floor)
    pruned = decisions(bi, impute_unscored(cross, keep, full.cross_weight, unscored_score), full)
    gate = fit_gate(conf, fused, alone, budget, pruned, target if criterion == "harmed" else None)
    return gate, (conf, fused, alone, pruned, keep)


def _choose(conf: np.ndarray, fused: np.ndarray, alone: np.ndarray, bi: np.ndarray, cross: np.ndarray,
            full: fusion.FusionParams, bi_only: fusion.FusionParams, budget: float, target: np.ndarray, criterion: str,
            also: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None) -> tuple[float | None, dict]:
    """For each of the criterion's candidate floors the lowest gate within `budget` (harmed rows,
    or changed rows), and the floor with the fewest cross-encoder pairs (None when none qualifies).

    `also`: other scored sets, name -> (bi, cross, target), where the budget must hold too (e.g.
    Re-DocRED document pairs, most holding no relation): at each floor the gate is the highest of
    the sets' lowest gates (a gate within budget on a set stays within it when raised: fit_gate
    stops at the first breach), None when a set has none. The floor's cap (harmed criterion) and
    the pairs that choose the floor come from the main set."""
    floors = {}
    for floor in CANDIDATE_FLOORS[criterion]:
        keep = scored_candidates(bi, bi_only, floor)
        typical = typical_unscored_score(cross, keep) if criterion == "harmed" else None
        pruned = decisions(bi, impute_unscored(cross, keep, full.cross_weight, typical), full)
        gate = fit_gate(conf, fused, alone, budget, pruned, target if criterion == "harmed" else None)
        others = {name: (_gate_within(*scored, full, bi_only, floor, typical, budget, criterion), scored[2])
                  for name, scored in (also or {}).items()}
        gates = [gate] + [g for (g, _), _ in others.values()]
        gate = None if None in gates else max(gates)
        floors[floor] = None if gate is None else {"minConfidence": gate, **({} if typical is None else {"unscoredCrossScore": typical}),
                                                   **gate_report(conf, fused, alone, gate, pruned, keep, target),
                                                   **({"alsoWithin": {name: gate_report(*state[:3], gate, *state[3:], other_target)
                                                                      for name, ((_, state), other_target) in others.items()}} if others else {})}
    fitted = [floor for floor, row in floors.items() if row is not None]
    # the fewest cross-encoder pairs; on a tie the lower floor (fewer candidates left unscored)
    chosen = min(fitted, key=lambda f: (floors[f]["pairsPerSentence"], f)) if fitted else None
    return chosen, floors


def fit_cross_gate(bi_run: BiRunner, cross_run: CrossRunner, tokenizer, sentences: Sequence[Instance], relations: Sequence[RelationInfo],
                   block: dict, max_sentence_length: int, max_description_length: int, seed: int, precision: str,
                   budget: float = BUDGET, criterion: str = "changed",
                   also: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None) -> tuple[dict | None, dict]:
    """The manifest's fusion.crossGate (None when no gate qualifies) by `criterion` (module
    docstring), and a report with other gates and with the gate the other criterion would choose.

    `sentences` of the `relations` fusion was fitted on, scored by the graphs users run, with the
    candidates and targets of fusion's fitting protocol (abstention_targets with the same seed).
    `also`: other scored sets where the budget must hold too (see _choose)."""
    if criterion not in CRITERIA:
        raise ValueError(f"unknown gate criterion {criterion!r}: expected one of {', '.join(CRITERIA)}")
    bi, cross, target = score_with_targets(bi_run, cross_run, tokenizer, sentences, relations, block["topK"],
                                           max_sentence_length, max_description_length, seed)
    full = fusion.FusionParams(block["biWeight"], block["crossWeight"], block["noneLogit"], block["threshold"])
    only = block["biOnly"]
    bi_only = fusion.FusionParams(only["biWeight"], 0.0, only["noneLogit"], only["threshold"])
    conf = confidence(bi, bi_only)
    fused, alone = decisions(bi, cross, full), decisions(bi, None, bi_only)
    floor, floors = _choose(conf, fused, alone, bi, cross, full, bi_only, budget, target, criterion, also)
    other = CRITERIA[1 - CRITERIA.index(criterion)]
    other_floor, other_floors = _choose(conf, fused, alone, bi, cross, full, bi_only, budget, target, other, also)
    report = {"decisionsDifferBetweenBiOnlyAndFused": round(float((fused != alone).mean()), 4),
              "otherGates": {f"{g:.3f}": gate_report(conf, fused, alone, g, target=target) for g in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999)},
              "candidateFloors": {f"{f:g}": row for f, row in floors.items()},
              "otherCriterion": None if other_floor is None else {
                  "criterion": other, "minCandidateProbability": other_floor, **other_floors[other_floor]}}
    if floor is None:
        return None, report
    chosen = floors[floor]
    return {"minConfidence": chosen["minConfidence"], "minCandidateProbability": floor,
            **({"unscoredCrossScore": chosen["unscoredCrossScore"]} if "unscoredCrossScore" in chosen else {}),
            "fittedOn": {"relations": [r.id for r in relations], "sentences": len(sentences), "criterion": criterion,
                         **({"alsoWithinBudget": {name: len(scored[2]) for name, scored in also.items()}} if also else {}),
                         ("maxHarmed" if criterion == "harmed" else "maxChanged"): budget,
                         "candidateFloors": list(CANDIDATE_FLOORS[criterion]),
                         **{k: v for k, v in chosen.items() if k not in ("minConfidence", "unscoredCrossScore")}, "precision": precision,
                         "fittedAt": datetime.now(timezone.utc).isoformat(timespec="seconds")}}, report


def gate_outcome(bi: np.ndarray, cross: np.ndarray, target: np.ndarray, block: dict, gate: float, floor: float,
                 unscored_score: float | None = None) -> dict:
    """What a gate and floor do on scored sentences with known targets: accuracy and relation F1
    (points) against the always-on pipeline, and the cross-encoder pairs they send."""
    full = fusion.FusionParams(block["biWeight"], block["crossWeight"], block["noneLogit"], block["threshold"])
    only = block["biOnly"]
    bi_only = fusion.FusionParams(only["biWeight"], 0.0, only["noneLogit"], only["threshold"])
    conf = confidence(bi, bi_only)
    fused, alone = decisions(bi, cross, full), decisions(bi, None, bi_only)
    keep = scored_candidates(bi, bi_only, floor)
    pruned = decisions(bi, impute_unscored(cross, keep, full.cross_weight, unscored_score), full)
    adaptive = np.where(conf >= gate, alone, pruned)

    def f1(decided: np.ndarray) -> float:
        answered = decided >= 0
        right = int(((decided == target) & answered).sum())
        precision, recall = right / max(int(answered.sum()), 1), right / max(int((target >= 0).sum()), 1)
        return round(100 * 2 * precision * recall / (precision + recall), 2) if right else 0.0

    return {"minConfidence": gate, "minCandidateProbability": floor, "unscoredCrossScore": unscored_score, "f1": f1(adaptive), "f1AlwaysOn": f1(fused), "f1BiOnly": f1(alone),
            **gate_report(conf, fused, alone, gate, pruned, keep, target)}


def score_with_targets(bi_run: BiRunner, cross_run: CrossRunner, tokenizer, sentences: Sequence[Instance], relations: Sequence[RelationInfo],
                       top_k: int, max_sentence_length: int, max_description_length: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """bi and cross scores of the top_k candidates and the target per sentence, with fusion's
    half-gold-removed protocol (abstention_targets, `seed`)."""
    gold = np.array([[r.id for r in relations].index(s.relation) for s in sentences])
    protocol = {}

    def candidates(bi_all: np.ndarray) -> np.ndarray:
        protocol["columns"], protocol["target"] = fusion.abstention_targets(bi_all, gold, top_k, seed)
        return protocol["columns"]

    scores = score(bi_run=bi_run, cross_run=cross_run, tokenizer=tokenizer,
                   sentences=prepare_sentences(tokenizer, sentences, max_sentence_length),
                   descriptions=prepare_descriptions(tokenizer, relations, max_description_length),
                   candidates=candidates)
    return scores.bi.astype(np.float64), scores.cross.astype(np.float64), protocol["target"]

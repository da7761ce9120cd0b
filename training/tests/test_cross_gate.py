"""Fitting the adaptive cross-encoder gate on hand-made decisions."""
from __future__ import annotations

import numpy as np

from zsre_train import cross_gate, fusion


def test_gate_stops_before_the_changed_share_reaches_the_limit():
    conf = np.array([0.99, 0.98, 0.97, 0.96, 0.95, 0.90, 0.80, 0.70, 0.60, 0.50] * 10)
    fused = np.zeros(100, dtype=int)
    bi_only = np.zeros(100, dtype=int)
    bi_only[np.flatnonzero(conf == 0.90)[:2]] = 1  # 2 changed decisions at 0.90
    # limit 3%: skipping down to 0.50 changes 2 (2%) -> every row may skip
    assert cross_gate.fit_gate(conf, fused, bi_only, 0.03) == 0.50
    # limit 2%: 2 changes reach it, so the gate stays above 0.90
    assert cross_gate.fit_gate(conf, fused, bi_only, 0.02) == 0.95
    report = cross_gate.gate_report(conf, fused, bi_only, 0.95)
    assert report == {"skipped": 0.5, "changedDecisions": 0.0, "changedCount": 0}


def test_equal_confidences_are_skipped_together_and_none_when_nothing_fits():
    conf = np.array([0.9, 0.9, 0.9, 0.5])
    fused = np.array([0, 0, 1, 0])
    bi_only = np.array([0, 0, 0, 0])  # one change among the tied 0.9s: 25% at once
    assert cross_gate.fit_gate(conf, fused, bi_only, 0.2) is None
    assert cross_gate.gate_report(conf, fused, bi_only, None)["skipped"] == 0.0


def test_confidence_counts_a_sure_abstention_as_sure():
    params = fusion.FusionParams(10.0, 0.0, 5.0, 0.5)
    bi = np.array([[0.9, 0.1, 0.0], [0.0, 0.0, 0.0], [0.5, 0.5, 0.0]])
    conf = cross_gate.confidence(bi, params)
    probs = fusion.probabilities(bi, None, params)
    assert conf[0] == probs[0].max()  # sure of the first candidate
    assert conf[1] == 1 - probs[1].sum() and conf[1] > 0.98  # sure of "no relation"
    assert conf[2] < 0.5  # unsure between two candidates
    assert list(cross_gate.decisions(bi, None, params)) == [0, -1, -1]


def test_pruning_changes_count_against_the_budget_until_their_rows_are_skipped():
    conf = np.array([0.9, 0.8, 0.7, 0.6])
    fused = np.zeros(4, dtype=int)
    bi_only = np.array([0, 0, 1, 0])  # skipping the 0.7 row would change it
    pruned = np.array([0, 1, 0, 0])  # pruning changes the 0.8 row while it is scored
    # 25% budget: the pruning change alone reaches it
    assert cross_gate.fit_gate(conf, fused, bi_only, 0.25, pruned) is None
    # 50%: skipping 0.9 and 0.8 takes the 0.8 row out of the pruned path; 0.7 adds its skip change
    assert cross_gate.fit_gate(conf, fused, bi_only, 0.5, pruned) == 0.6
    assert cross_gate.fit_gate(conf, fused, bi_only, 0.5) == 0.6  # no pruning: as before
    report = cross_gate.gate_report(conf, fused, bi_only, 0.8, pruned, np.ones((4, 3), dtype=bool))
    assert report["changedCount"] == 0 and report["pairsPerSentence"] == 1.5 and report["pairsPerSentenceAllCandidates"] == 1.5


def test_the_best_candidate_is_always_scored_and_unscored_ones_take_the_weakest_cross_term():
    params = fusion.FusionParams(10.0, 0.0, 0.0, 0.5)
    bi = np.array([[0.9, 0.5, 0.1], [0.2, 0.2, 0.2]])
    keep = cross_gate.scored_candidates(bi, params, 0.5)
    assert keep.tolist() == [[True, False, False], [True, False, False]]  # ties: the first best
    assert cross_gate.scored_candidates(bi, params, 0.0).all()
    cross = np.array([[2.0, 9.0, 9.0], [-1.0, 4.0, 9.0]])
    both = np.array([[True, True, False], [True, True, False]])
    # positive weight: the unscored one gets the lowest scored cross score of its row
    assert cross_gate.impute_unscored(cross, both, 0.5).tolist() == [[2.0, 9.0, 2.0], [-1.0, 4.0, -1.0]]
    # negative weight: the smallest cross term is the highest score
    assert cross_gate.impute_unscored(cross, both, -0.5).tolist() == [[2.0, 9.0, 9.0], [-1.0, 4.0, 4.0]]


def test_with_targets_only_changes_that_make_a_right_decision_wrong_count():
    conf = np.array([0.9, 0.8, 0.7, 0.6])
    fused = np.array([0, 1, 2, 0])
    target = np.array([0, 0, 2, 0])  # the always-on pipeline is wrong on the 0.8 row only
    bi_only = np.array([0, 0, 1, 0])  # skipping fixes the 0.8 row and breaks the 0.7 row
    # counting every change: the 0.8 row's fix already reaches a 25% budget
    assert cross_gate.fit_gate(conf, fused, bi_only, 0.25) == 0.9
    # counting harm only: the fix is free, the 0.7 row's break reaches the budget
    assert cross_gate.fit_gate(conf, fused, bi_only, 0.25, target=target) == 0.8
    # a change from one wrong answer to another is free too
    assert cross_gate.fit_gate(conf, fused, np.array([0, 2, 2, 0]), 0.25, target=target) == 0.6
    report = cross_gate.gate_report(conf, fused, bi_only, 0.7, target=target)
    assert report["harmedDecisions"] == 0.25 and report["gainedDecisions"] == 0.25
    assert report["accuracy"] == 0.75 and report["accuracyAlwaysOn"] == 0.75


def test_gate_outcome_reports_f1_against_the_always_on_pipeline():
    block = {"biWeight": 10.0, "crossWeight": 1.0, "noneLogit": 0.0, "threshold": 0.5,
             "biOnly": {"biWeight": 10.0, "noneLogit": 0.0, "threshold": 0.5}}
    bi = np.array([[0.9, 0.1, 0.0], [0.5, 0.45, 0.0]])
    cross = np.array([[0.0, 0.0, 0.0], [0.0, 5.0, 0.0]])  # the cross-encoder promotes the second row's runner-up
    target = np.array([0, 1])
    always = cross_gate.gate_outcome(bi, cross, target, block, 1.1, 0.0)  # a gate above 1 never skips
    assert always["f1"] == always["f1AlwaysOn"] == 100.0 and always["pairsPerSentence"] == 3.0
    skip_all = cross_gate.gate_outcome(bi, cross, target, block, 0.0, 0.0)
    assert skip_all["f1"] == skip_all["f1BiOnly"] == 50.0 and skip_all["pairsPerSentence"] == 0.0
    assert skip_all["harmedDecisions"] == 0.5 and skip_all["accuracy"] == 0.5



def test_the_unscored_term_is_capped_by_the_typical_score_of_a_candidate_under_the_floor():
    cross = np.array([[4.0, 1.0, -3.0], [2.0, -1.0, -5.0]])
    only_best = np.array([[True, False, False], [True, False, False]])
    assert cross_gate.typical_unscored_score(cross, only_best) == -2.0  # median of 1, -3, -1, -5
    assert cross_gate.typical_unscored_score(cross, np.ones_like(only_best)) is None
    # without a cap the unscored ones take the best's own score; with it, at most the cap
    assert cross_gate.impute_unscored(cross, only_best, 0.5).tolist() == [[4.0, 4.0, 4.0], [2.0, 2.0, 2.0]]
    assert cross_gate.impute_unscored(cross, only_best, 0.5, -2.0).tolist() == [[4.0, -2.0, -2.0], [2.0, -2.0, -2.0]]
    # a negative weight: the cap is on the term, so the score moves the other way
    assert cross_gate.impute_unscored(cross, only_best, -0.5, -2.0).tolist() == [[4.0, 4.0, 4.0], [2.0, 2.0, 2.0]]


def test_a_second_set_raises_the_gate_to_keep_its_own_budget():
    """fit_cross_gate.py --documents: the budget holds on document pairs too, and the report says what the gate does there."""
    full = fusion.FusionParams(10.0, 1.0, 0.0, 0.5)
    only = fusion.FusionParams(10.0, 0.0, 0.0, 0.5)
    # main set: the bi-encoder's best is right, sure or not; skipping everything harms nothing
    bi = np.array([[0.9, 0.1, 0.0]] * 10 + [[0.6, 0.1, 0.0]] * 10)
    cross = np.zeros((20, 3))
    target = np.zeros(20, dtype=int)
    conf, fused, alone = cross_gate.confidence(bi, only), cross_gate.decisions(bi, cross, full), cross_gate.decisions(bi, None, only)
    floor, floors = cross_gate._choose(conf, fused, alone, bi, cross, full, only, 0.05, target, "harmed")
    assert floors[floor]["minConfidence"] == conf.min() and list(fused) == list(alone) == [0] * 20  # every row may skip
    # document pairs: at a lower confidence the bi-encoder answers, the cross-encoder rightly says "none"
    doc_bi = np.array([[0.9, 0.1, 0.0]] * 10 + [[0.6, 0.1, 0.0]] * 10)
    doc_cross = np.array([[0.0, 0.0, 0.0]] * 10 + [[-9.0, -9.0, -9.0]] * 10)
    doc_target = np.array([0] * 10 + [-1] * 10)
    doc_conf = cross_gate.confidence(doc_bi, only)
    assert list(cross_gate.decisions(doc_bi[10:], None, only)) == [0] * 10  # bi-only answers
    assert list(cross_gate.decisions(doc_bi[10:], doc_cross[10:], full)) == [-1] * 10  # always on abstains
    floor, floors = cross_gate._choose(conf, fused, alone, bi, cross, full, only, 0.05, target, "harmed",
                                       {"documents": (doc_bi, doc_cross, doc_target)})
    chosen = floors[floor]
    assert chosen["minConfidence"] > doc_conf[10:].max()  # raised above the rows skipping would harm
    assert chosen["alsoWithin"]["documents"]["harmedDecisions"] == 0.0
    assert chosen["alsoWithin"]["documents"]["skipped"] == 0.5

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

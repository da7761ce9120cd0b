"""Fusion per the contract, and its fitting, on hand-built scores."""
from __future__ import annotations

import numpy as np

from zsre_train.fusion import FusionParams, abstention_targets, decide, fit, probabilities, smallest_threshold


def test_probabilities_follow_the_contract_formula():
    bi, cross = np.array([[0.5, 0.2]]), np.array([[1.0, -1.0]])
    p = probabilities(bi, cross, FusionParams(bi_weight=10, cross_weight=2, none_logit=3, threshold=0.5))
    z = np.array([3.0, 10 * 0.5 + 2 * 1.0, 10 * 0.2 - 2.0])
    expected = np.exp(z) / np.exp(z).sum()
    assert np.allclose(p, expected[1:][None])
    assert decide(p, 0.5).tolist() == [0] and decide(p, 0.99).tolist() == [-1]


def test_bi_only_mode_ignores_cross():
    p = probabilities(np.array([[0.9, 0.1]]), None, FusionParams(20, 123.0, 0.0, 0.5))
    z = np.array([0.0, 18.0, 2.0])
    assert np.allclose(p, (np.exp(z) / np.exp(z).sum())[1:][None])


def _synthetic(n: int, seed: int):
    """Gold candidates score higher on both signals; "none" rows have no standout candidate."""
    rng = np.random.default_rng(seed)
    bi = rng.normal(0.3, 0.05, (n, 3))
    cross = rng.normal(0.0, 1.0, (n, 3))
    target = np.where(rng.random(n) < 0.5, rng.integers(0, 3, n), -1)
    rows = np.arange(n)[target >= 0]
    bi[rows, target[rows]] += 0.2
    cross[rows, target[rows]] += 4.0
    return bi, cross, target


def test_fit_recovers_useful_weights_and_reaches_precision():
    bi, cross, target = _synthetic(2000, 0)
    params = fit(bi, cross, target, target_precision=0.9)
    assert params.bi_weight > 0 and params.cross_weight > 0
    chosen = decide(probabilities(bi, cross, params), params.threshold)
    answered = chosen >= 0
    assert (chosen[answered] == target[answered]).mean() >= 0.9
    # Held-out data from the same distribution: the fitted model beats always answering.
    bi2, cross2, target2 = _synthetic(2000, 1)
    chosen2 = decide(probabilities(bi2, cross2, params), params.threshold)
    assert (chosen2 == target2).mean() > (np.argmax(cross2, 1) == target2).mean()


def test_smallest_threshold():
    probs = np.array([[0.9, 0.05], [0.8, 0.1], [0.6, 0.3], [0.4, 0.1]])
    target = np.array([0, 0, 1, 0])  # row 2 is wrong at any threshold
    assert smallest_threshold(probs, target, 1.0) == 0.8  # answering rows 0 and 1 only
    assert smallest_threshold(probs, target, 0.75) == 0.0  # 3 of 4 right when answering all
    assert smallest_threshold(probs, np.array([1, 1, 0, 1]), 0.5) == 1.0  # never reached: abstain


def test_abstention_targets_remove_gold_for_half():
    bi_all = np.tile(np.array([0.9, 0.5, 0.4, 0.3, 0.2]), (10, 1))
    gold = np.zeros(10, dtype=int)
    columns, target = abstention_targets(bi_all, gold, top_k=3, seed=0)
    removed = target == -1
    assert removed.sum() == 5
    assert (columns[removed] == [1, 2, 3]).all() and (columns[~removed] == [0, 1, 2]).all()
    assert (target[~removed] == 0).all()

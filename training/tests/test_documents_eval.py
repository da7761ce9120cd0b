"""Scoring Re-DocRED sentence pairs for recipe choice (issue 21): precision, recall, thresholds, seen/unseen rows."""
from __future__ import annotations

import numpy as np

from zsre_train import documents_eval, fusion


def _decisions() -> documents_eval.PairDecisions:
    # Five pairs: right at 0.9, wrong at 0.8, right at 0.6 (relation 2), none at 0.7, related but ranked wrong at 0.3.
    return documents_eval.PairDecisions(
        best=np.array([0, 1, 2, 0, 1]),
        probability=np.array([0.9, 0.8, 0.6, 0.7, 0.3]),
        gold=[frozenset({0}), frozenset({0}), frozenset({2}), frozenset(), frozenset({2})],
    )


def test_scores_count_answers_and_related_pairs():
    d = _decisions()
    assert documents_eval.scores_at(d, 0.65) == {"threshold": 0.65, "answered": 3, "related": 4, "precision": 33.33,
                                                 "recall": 25.0, "f1": 28.57}
    # Relation 2 only: the pair answered 2 at 0.6 is right; two pairs hold it.
    only_two = documents_eval.scores_at(d, 0.5, {2})
    assert (only_two["answered"], only_two["related"], only_two["precision"], only_two["recall"]) == (1, 2, 100.0, 50.0)


def test_thresholds_are_chosen_from_the_scores():
    d = _decisions()
    assert documents_eval.best_f1_threshold(d) == 0.6  # F1 40 at 0.9, 33 at 0.8, 29 at 0.7, 50 at 0.6, 44 at 0.3
    assert documents_eval.precision_threshold(d, 0.5) is None  # fewer than 10 answers never count
    many = documents_eval.PairDecisions(np.zeros(20, dtype=int), np.linspace(0.05, 1.0, 20),
                                        [frozenset({0}) if i >= 10 else frozenset() for i in range(20)])
    assert documents_eval.precision_threshold(many, 0.7) == round(float(np.linspace(0.05, 1.0, 20)[6]), 6)
    assert documents_eval.ranking(d) == {"related": 4, "top1Right": 50.0}


def test_decisions_take_the_fused_probability_of_the_best_candidate():
    bi = np.array([[0.2, 0.9, 0.1], [0.1, 0.2, 0.3]])
    params = fusion.FusionParams(20.0, 0.0, 15.0, 0.5)
    d = documents_eval.decisions(bi, [frozenset({1}), frozenset()], params, top_k=2)
    assert d.best.tolist() == [1, 2]
    expected = fusion.probabilities(np.array([[0.9, 0.2]]), None, params)[0, 0]
    assert abs(d.probability[0] - expected) < 1e-12


def test_wrong_answers_are_split_by_what_the_pair_holds():
    # At 0.65: answers 0.9 (right), 0.8 (wrong relation of a related pair), 0.7 (a pair holding nothing).
    assert documents_eval.wrong_answers(_decisions(), 0.65) == {"wrong": 2, "onPairsHoldingNothing": 1, "wrongRelationOfRelatedPair": 1}

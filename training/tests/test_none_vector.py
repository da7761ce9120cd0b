"""The learned none vector (zsre_train.none_vector), its fusion formula and the Re-DocRED pairs it is fitted on."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from zsre_train import none_vector, redocred
from zsre_train.fusion import FusionParams, probabilities

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "test" / "fixtures" / "none-vector-fusion.json"


def fixture_case() -> dict:
    """Inputs and this module's outputs; test/none-vector.test.ts checks the runtime against them."""
    rng = np.random.default_rng(7)
    vectors = rng.normal(0, 0.3, (4, 6)).astype(np.float32)
    bi = rng.uniform(0.1, 0.6, (4, 3))
    cross = rng.normal(0, 1, (4, 3))
    weights = rng.normal(0, 2, 6).round(6)
    bias = -0.75
    params = FusionParams(20.0, 0.5, 8.0, 0.4)
    shift = none_vector.none_shift(vectors, weights, bias)
    # A calibration's relation biases: candidates' relations by index, -1 for one without a bias.
    relation_biases = np.array([0.8, -1.25, 0.3])
    columns = np.array([[0, 1, 2], [2, -1, 0], [1, 0, -1], [0, 2, 1]])
    relation_bias = none_vector.NoneFit(weights, bias, relation_biases).relation_bias(columns)
    return {
        "params": {"biWeight": params.bi_weight, "crossWeight": params.cross_weight, "noneLogit": params.none_logit,
                   "threshold": params.threshold, "noneVector": {"weights": weights.tolist(), "bias": bias}},
        "vectors": vectors.tolist(), "bi": bi.tolist(), "cross": cross.tolist(),
        "probabilities": probabilities(bi, cross, params, shift).tolist(),
        "biOnlyProbabilities": probabilities(bi, None, params, shift).tolist(),
        "relationBiases": relation_biases.tolist(), "columns": columns.tolist(),
        "biasedProbabilities": probabilities(bi, cross, params, shift, relation_bias).tolist(),
        "biasedBiOnlyProbabilities": probabilities(bi, None, params, shift, relation_bias).tolist(),
    }


def test_the_committed_fixture_is_what_the_reference_computes():
    # Regenerate with: .venv/bin/python -c "import sys, json; sys.path[:0] = ['training', 'training/tests']; import test_none_vector as t; print(json.dumps(t.fixture_case()))" > test/fixtures/none-vector-fusion.json
    committed = json.loads(FIXTURE.read_text(encoding="utf-8"))
    fresh = fixture_case()
    assert committed.keys() == fresh.keys()
    for key in ("probabilities", "biOnlyProbabilities", "biasedProbabilities", "biasedBiOnlyProbabilities"):
        assert np.allclose(committed[key], fresh[key], rtol=0, atol=1e-12)


def test_none_shift_moves_only_the_none_share():
    bi = np.array([[0.5, 0.2, 0.1]])
    params = FusionParams(10, 0, 3, 0.5)
    plain = probabilities(bi, None, params)
    shifted = probabilities(bi, None, params, np.array([2.0]))
    z = np.array([5.0, 5.0, 2.0, 1.0])
    assert np.allclose(shifted, (np.exp(z) / np.exp(z).sum())[1:][None])
    assert (np.argsort(-plain) == np.argsort(-shifted)).all()  # the ranking of relations is untouched
    assert shifted.sum() < plain.sum()


def _rows(n: int, seed: int) -> tuple[none_vector.FitRows, np.ndarray]:
    """Rows that hold no relation point along the first axis; every row's best candidate stands out
    alike (so the scores cannot tell related rows apart), and a related row's gold is that one."""
    rng = np.random.default_rng(seed)
    related = rng.random(n) < 0.3
    vectors = rng.normal(0, 0.1, (n, 8))
    vectors[~related, 0] += 1.0
    bi = rng.normal(0.4, 0.05, (n, 3))
    bi[:, 0] += 0.3
    target = np.where(related, 0, -1)
    right = np.zeros((n, 3), dtype=bool)
    right[related, 0] = True
    return none_vector.FitRows(vectors, bi, None, target), right


def test_fit_learns_the_direction_of_pairs_that_hold_nothing():
    rows, right = _rows(600, 0)
    params = FusionParams(10.0, 0.0, 4.0, 0.0)
    weights, bias = none_vector.fit(rows, params, l2=1e-4)
    assert weights[0] > 1 and abs(weights[0]) > 5 * np.abs(weights[1:]).max()
    test, test_right = _rows(600, 1)
    related = int((test.target >= 0).sum())
    _, before = none_vector.best_f1(probabilities(test.bi, None, params), test_right, related)
    _, after = none_vector.best_f1(probabilities(test.bi, None, params, none_vector.none_shift(test.vectors, weights, bias)), test_right, related)
    assert before < 0.6 < 0.95 < after


def test_out_of_fold_probabilities_score_each_document_with_a_vector_fitted_without_it():
    rows, _ = _rows(240, 2)
    groups = np.repeat(np.arange(24), 10)  # 24 documents of 10 pairs
    abstention, _ = _rows(60, 3)
    params = FusionParams(10.0, 0.0, 4.0, 0.0)
    oof = none_vector.out_of_fold_probabilities(rows, groups, abstention, params, l2=1e-3, seed=5, folds=4)
    # The fold holding document 0, as the function draws it, refitted by hand.
    fold = np.array_split(np.random.default_rng(5).permutation(np.arange(24)), 4)
    held = np.isin(groups, next(part for part in fold if 0 in part))
    weights, bias = none_vector.fit(none_vector.FitRows.join([rows.take(~held), abstention]), params, 1e-3)
    by_hand = probabilities(rows.bi[held], None, params, none_vector.none_shift(rows.vectors[held], weights, bias))
    assert np.allclose(oof[held], by_hand, atol=1e-12)
    # In-sample probabilities are another thing: the vector fitted on all rows scores its own rows.
    weights_all, bias_all = none_vector.fit(none_vector.FitRows.join([rows, abstention]), params, 1e-3)
    in_sample = probabilities(rows.bi, None, params, none_vector.none_shift(rows.vectors, weights_all, bias_all))
    assert not np.allclose(oof, in_sample, atol=1e-6)


def test_threshold_for_precision_is_the_smallest_that_meets_it():
    probs = np.array([[0.9, 0.05], [0.6, 0.1], [0.3, 0.2], [0.2, 0.1]])
    right = np.array([[True, False], [True, False], [False, False], [False, True]])
    assert none_vector.threshold_for_precision(probs, right, 3, 1.0) == 0.6
    assert none_vector.threshold_for_precision(probs, right, 3, 0.6) == 0.3
    assert none_vector.threshold_for_precision(np.array([[0.5]]), np.array([[False]]), 1, 0.5) is None


def test_document_split_is_the_benchmarks_split():
    # benchmarks/lib/redocred.ts splitDocuments(500, 21, 200) gives the same order (test/none-vector.test.ts).
    calibration, measuring = redocred.split_documents(500, 21, 200)
    assert calibration[:5] == [413, 406, 361, 219, 300]
    assert sorted(calibration + measuring) == list(range(500)) and len(calibration) == 200


def test_sentence_pairs_follow_the_benchmarks_rule():
    document = {
        "sents": [["Ada", "Lovelace", "lived", "in", "London", "."], ["London", "is", "in", "England", "."]],
        "vertexSet": [
            [{"name": "Ada Lovelace", "sent_id": 0, "pos": [0, 2], "type": "PER"}],
            [{"name": "London", "sent_id": 0, "pos": [4, 5], "type": "LOC"}, {"name": "London", "sent_id": 1, "pos": [0, 1], "type": "LOC"}],
            [{"name": "England", "sent_id": 1, "pos": [3, 4], "type": "LOC"}],
            [{"name": "Lovelace", "sent_id": 0, "pos": [1, 2], "type": "PER"}],  # nested in Ada Lovelace: kept
        ],
        "labels": [{"h": 0, "t": 1, "r": "P551", "evidence": [0]}, {"h": 1, "t": 2, "r": "P17", "evidence": [0]}],
    }
    pairs = redocred.sentence_pairs(document, 9)
    keys = {(p.instance.head, p.instance.tail): p.gold for p in pairs}
    assert keys[((0, 1), (4,))] == ("P551",)
    assert keys[((0,), (3,))] == ()  # its evidence is sentence 0: not stated in sentence 1
    assert ((0, 1), (1,)) in keys and len(pairs) == 6 + 2
    assert all(p.document == 9 for p in pairs)


def test_a_model_trained_on_calibration_documents_gets_no_calibration_fitted_on_them(tmp_path):
    import pytest

    import fit_none_vector
    from zsre_train.onnx_graphs import ExportError

    # Only the manifest's recipe is read before the refusal: no graphs are needed.
    (tmp_path / "manifest.json").write_text(json.dumps({"provenance": {"recipe": "training/configs/none/holdout_docs_none.yaml"}}))
    with pytest.raises(ExportError, match="--documents 100 or fewer"):
        fit_none_vector.fit(tmp_path, ROOT.parent / "shared" / "data", 200, 0.7, tmp_path / "cache", 1, print)


def test_window_pairs_follow_the_benchmarks_rule():
    # benchmarks/lib/redocred.ts documentPairs, kind 'window': on the Re-DocRED data both give 2,934
    # pairs for the first 30 measuring documents at window 1 (checked by hand, 2026-12-06).
    document = {
        "sents": [["Ada", "Lovelace", "was", "born", "."], ["She", "lived", "in", "London", "."], ["England", "is", "big", "."]],
        "vertexSet": [
            [{"name": "Ada Lovelace", "sent_id": 0, "pos": [0, 2], "type": "PER"}],
            [{"name": "London", "sent_id": 1, "pos": [3, 4], "type": "LOC"}],
            [{"name": "England", "sent_id": 2, "pos": [0, 1], "type": "LOC"}],
        ],
        "labels": [{"h": 0, "t": 1, "r": "P551", "evidence": [0, 1]}, {"h": 0, "t": 2, "r": "P27", "evidence": [2]}],
    }
    pairs = {(p.instance.head, p.instance.tail): p for p in redocred.window_pairs(document, 4, 1)}
    # Ada Lovelace and London, one sentence apart: the text of sentences 0-1, London at 5 + 3.
    lived = pairs[((0, 1), (8,))]
    assert lived.gold == ("P551",) and lived.instance.tokens[8] == "London" and len(lived.instance.tokens) == 10
    # London and England one apart (both orders); Ada Lovelace and England two apart: not a pair at window 1.
    assert ((3,), (5,)) in pairs and ((5,), (3,)) in pairs  # the text of sentences 1-2
    assert len(pairs) == 4 and not redocred.window_pairs(document, 4, 0)
    assert len(redocred.window_pairs(document, 4, 2)) == 6


def test_the_documents_threshold_is_read_off_sentence_pairs_unless_told_otherwise():
    import fit_none_vector

    sentence, sentence_right = _rows(240, 4)
    window, window_right = _rows(240, 5)
    window.vectors[:, 0] = np.random.default_rng(6).normal(0, 0.1, 240)  # window pairs that hold nothing look related
    rows = none_vector.FitRows.join([sentence, window])
    docs = {"vectors": rows.vectors, "bi": rows.bi, "target": rows.target, "right": np.concatenate([sentence_right, window_right]),
            "related": rows.target >= 0, "groups": np.repeat(np.arange(48), 10),
            "sentencePair": np.arange(480) < 240}
    abstention_rows, _ = _rows(60, 7)
    abstention = {"vectors": abstention_rows.vectors, "bi": abstention_rows.bi, "target": abstention_rows.target}
    block = {"biWeight": 10.0, "noneLogit": 4.0, "threshold": 0.5}
    params = FusionParams(10.0, 0.0, 4.0, 0.0)

    def by_hand(report: dict, on: np.ndarray) -> float:
        oof = none_vector.out_of_fold_probabilities(none_vector.FitRows(docs["vectors"], docs["bi"], None, docs["target"]),
                                                    docs["groups"], abstention_rows, params, report["l2"], 3)
        return none_vector.threshold_for_precision(oof[on], docs["right"][on], int(docs["related"][on].sum()), 0.9)

    _, threshold, report = fit_none_vector.fit_block("biOnly", block, False, docs, abstention, 0.01, 0.9, 3, relation_biases=False)
    assert report["thresholdPairs"] == "sentence" and "calibrationSentencePairs" in report
    assert threshold == fit_none_vector._rounded(by_hand(report, docs["sentencePair"]))
    _, threshold_all, report_all = fit_none_vector.fit_block("biOnly", block, False, docs, abstention, 0.01, 0.9, 3, "all", relation_biases=False)
    assert threshold_all == fit_none_vector._rounded(by_hand(report_all, np.ones(480, dtype=bool)))
    assert threshold_all > threshold  # the window pairs' many look-alike "none" rows push it up


def _biased_rows(seed: int) -> none_vector.FitRows:
    """Two candidates per row from three relations (plus, in the second slot of some rows, one
    outside the calibration's set: column -1); the first candidate always stands out and is the
    answer, unless it is relation 2, which is always "none" here. Vectors are noise."""
    rng = np.random.default_rng(seed)
    n, relations = 600, 3
    columns = np.stack([rng.permutation(relations)[:2] for _ in range(n)])
    columns[rng.random(n) < 0.2, 1] = -1
    bi = np.tile([0.2, 0.0], (n, 1))
    target = np.where(columns[:, 0] == 2, -1, 0)
    return none_vector.FitRows(rng.normal(0, 0.1, (n, 4)), bi, None, target, columns)


def test_relation_biases_push_a_relation_that_is_never_right_below_none():
    rows = _biased_rows(0)
    params = FusionParams(10.0, 0.0, 1.0, 0.0)
    fitted = none_vector.fit_block(rows, params, l2=1e-4, bias_l2=1e-4, relations=3)
    assert fitted.relation_biases is not None and fitted.relation_biases.shape == (3,)
    assert fitted.relation_biases[2] < min(fitted.relation_biases[:2]) - 1
    test = _biased_rows(1)
    probs = fitted.probabilities(test, params)
    first_is_2 = test.columns[:, 0] == 2
    assert probs[first_is_2, 0].max() < 0.5 < probs[~first_is_2, 0].min()
    # A candidate outside the set (column -1) gets no bias: its probability is what the vector alone gives it.
    outside = np.argwhere(test.columns[:, 1] == -1)[0, 0]
    plain = none_vector.NoneFit(fitted.weights, fitted.bias).probabilities(test.take(np.array([outside])), params)
    biased = fitted.probabilities(test.take(np.array([outside])), params)
    z_first = 10 * 0.2 + fitted.relation_biases[test.columns[outside, 0]]
    assert np.isclose(biased[0, 1] / biased[0, 0], np.exp(0.0 - z_first))
    assert not np.isclose(plain[0, 0], biased[0, 0])
    # Without biases the none vector alone cannot tell those rows apart.
    alone = none_vector.fit_block(rows, params, l2=1e-4)
    assert alone.relation_biases is None
    plain = alone.probabilities(test, params)
    assert abs(plain[first_is_2, 0].mean() - plain[~first_is_2, 0].mean()) < 0.05


def test_relation_biases_need_the_candidates_columns():
    rows = _biased_rows(0)
    with pytest.raises(ValueError, match="columns"):
        none_vector.fit_block(none_vector.FitRows(rows.vectors, rows.bi, None, rows.target), FusionParams(10.0, 0.0, 1.0, 0.0), 1e-4, 1e-4, 3)


def test_a_calibration_block_keeps_its_relation_biases_by_id():
    import fit_none_vector

    rows, test = _biased_rows(0), _biased_rows(1)
    right = np.zeros(rows.bi.shape, dtype=bool)
    right[rows.target >= 0, 0] = True
    docs = {"vectors": rows.vectors, "bi": rows.bi, "target": rows.target, "right": right, "related": rows.target >= 0,
            "groups": np.repeat(np.arange(60), 10), "sentencePair": np.ones(600, dtype=bool),
            "ids": ["P1", "P2", "P3"], "biasColumns": rows.columns}
    # The abstention set's relations: P3 is one of the calibration's (column 2), "Q9" is not (-1).
    abstention = {"vectors": test.vectors[:60], "bi": test.bi[:60], "target": np.zeros(60, dtype=int),
                  "biasColumns": fit_none_vector.bias_columns(np.array([["P3", "Q9"]] * 60), docs["ids"])}
    assert (abstention["biasColumns"] == [2, -1]).all()
    block = {"biWeight": 10.0, "noneLogit": 1.0, "threshold": 0.5}
    fitted, _, report = fit_none_vector.fit_block("biOnly", block, False, docs, abstention, 0.01, 0.7, 3)
    biases = fitted["relationBiases"]
    assert list(biases) == ["P1", "P2", "P3"] and biases["P3"] < min(biases["P1"], biases["P2"])
    assert report["relationBiasL2"] in none_vector.BIAS_L2_CHOICES and len(report["relationBiasL2Choices"]) == len(none_vector.BIAS_L2_CHOICES)
    # relation_bias_of reads them back per candidate, 0 for a relation without one.
    per_candidate = fit_none_vector.relation_bias_of(fitted, np.array([[2, -1]]), docs["ids"])
    assert per_candidate.tolist() == [[biases["P3"], 0.0]]

"""The learned none vector (zsre_train.none_vector), its fusion formula and the Re-DocRED pairs it is fitted on."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

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
    return {
        "params": {"biWeight": params.bi_weight, "crossWeight": params.cross_weight, "noneLogit": params.none_logit,
                   "threshold": params.threshold, "noneVector": {"weights": weights.tolist(), "bias": bias}},
        "vectors": vectors.tolist(), "bi": bi.tolist(), "cross": cross.tolist(),
        "probabilities": probabilities(bi, cross, params, shift).tolist(),
        "biOnlyProbabilities": probabilities(bi, None, params, shift).tolist(),
    }


def test_the_committed_fixture_is_what_the_reference_computes():
    # Regenerate with: .venv/bin/python -c "import sys, json; sys.path[:0] = ['training', 'training/tests']; import test_none_vector as t; print(json.dumps(t.fixture_case()))" > test/fixtures/none-vector-fusion.json
    committed = json.loads(FIXTURE.read_text(encoding="utf-8"))
    fresh = fixture_case()
    assert committed.keys() == fresh.keys()
    for key in ("probabilities", "biOnlyProbabilities"):
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

    _, threshold, report = fit_none_vector.fit_block("biOnly", block, False, docs, abstention, 0.01, 0.9, 3)
    assert report["thresholdPairs"] == "sentence" and "calibrationSentencePairs" in report
    assert threshold == fit_none_vector._rounded(by_hand(report, docs["sentencePair"]))
    _, threshold_all, report_all = fit_none_vector.fit_block("biOnly", block, False, docs, abstention, 0.01, 0.9, 3, "all")
    assert threshold_all == fit_none_vector._rounded(by_hand(report_all, np.ones(480, dtype=bool)))
    assert threshold_all > threshold  # the window pairs' many look-alike "none" rows push it up

"""zsre_train.verifier: the rows that train the triple verifier and how its scores become answers."""
import numpy as np
import pytest

from zsre_train import verifier


def test_training_rows_related_pairs_give_every_candidate_and_a_missed_gold():
    columns = np.array([[4, 2, 7], [1, 3, 5]])
    gold = [frozenset({2}), frozenset({9})]
    rows = verifier.training_rows(columns, gold, none_keep=1.0, seed=0)
    assert [(r.pair, r.column, r.label) for r in rows] == [
        (0, 4, 0.0), (0, 2, 1.0), (0, 7, 0.0),
        (1, 1, 0.0), (1, 3, 0.0), (1, 5, 0.0), (1, 9, 1.0),  # 9 was not proposed: still taught
    ]


def test_training_rows_none_pairs_give_their_first_candidate_and_are_subsampled():
    columns = np.tile(np.array([[6, 1, 2]]), (2000, 1))
    gold = [frozenset()] * 2000
    rows = verifier.training_rows(columns, gold, none_keep=0.25, seed=3)
    assert all(r.column == 6 and r.label == 0.0 for r in rows)
    assert 400 < len(rows) < 600
    assert rows == verifier.training_rows(columns, gold, none_keep=0.25, seed=3)  # seeded


def test_training_rows_refuse_bad_input():
    with pytest.raises(ValueError, match="none_keep"):
        verifier.training_rows(np.zeros((1, 3), dtype=int), [frozenset()], none_keep=0.0, seed=0)
    with pytest.raises(ValueError, match="must match"):
        verifier.training_rows(np.zeros((2, 3), dtype=int), [frozenset()], none_keep=1.0, seed=0)


def test_verify_best_reranks_and_verify_first_keeps_the_ranker():
    columns = np.array([[3, 8, 1]])
    verified = np.array([[0.2, 0.9, 0.1]])
    first = verifier.verify_first(columns, verified)
    best = verifier.verify_best(columns, verified)
    assert (first.best[0], first.confidence[0]) == (3, pytest.approx(0.2))
    assert (best.best[0], best.confidence[0]) == (8, pytest.approx(0.9))


def _answers():
    # 6 pairs: right answers at 0.9 and 0.7, wrong ones at 0.8 and 0.3, two pairs holding nothing.
    best = np.array([1, 2, 3, 4, 5, 6])
    confidence = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.1])
    gold = [frozenset({1}), frozenset({9}), frozenset({3}), frozenset(), frozenset(), frozenset({5, 6})]
    return verifier.Answers(best, confidence), gold


def test_prf_counts_as_the_benchmark():
    answers, gold = _answers()
    point = verifier.prf(answers, gold, 0.7)
    assert (point["answered"], point["right"], point["related"]) == (3, 2, 4)
    assert point["precision"] == pytest.approx(66.67)
    assert point["recall"] == pytest.approx(50.0)


def test_thresholds_match_a_brute_force_sweep():
    rng = np.random.default_rng(0)
    n = 300
    answers = verifier.Answers(rng.integers(0, 5, n), np.round(rng.random(n), 2))
    gold = [frozenset({int(g)}) if rng.random() < 0.4 else frozenset() for g in rng.integers(0, 5, n)]
    points = {float(t): verifier.prf(answers, gold, float(t)) for t in np.unique(answers.confidence)}
    best_f1 = max(p["f1"] for p in points.values())
    chosen = verifier.best_f1_threshold(answers, gold)
    assert points[chosen]["f1"] == best_f1
    assert chosen == max(t for t, p in points.items() if p["f1"] == best_f1)
    target = verifier.precision_threshold(answers, gold, 0.45)
    eligible = [t for t, p in points.items() if p["answered"] >= 20 and p["precision"] >= 45.0]
    assert target == (min(eligible) if eligible else None)
    assert verifier.precision_threshold(answers, gold, 1.01) is None


def test_library_answers_are_keyed_as_bench_documents_writes_them(tmp_path):
    import json
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from verifier_trial import library_answers

    pairs = [{"doc": 7, "head": 0, "tail": 2, "sentences": [1, 1], "top1": "P27", "p1": 0.8},
             {"doc": 7, "head": 2, "tail": 0, "sentences": [1, 1], "top1": "", "p1": 0.0}]
    (tmp_path / "measuring-sentence-w0.jsonl").write_text(json.dumps({"doc": 7, "pairs": pairs}) + "\n")
    best, probability = library_answers(tmp_path, "measuring", [(7, 2, 0, 1), (7, 0, 2, 1)], ["P17", "P27"])
    assert best.tolist() == [-1, 1]  # no candidate, then P27's column
    assert probability.tolist() == [0.0, 0.8]
    with pytest.raises(SystemExit, match="lacks 1 of the 1 measuring pairs"):
        library_answers(tmp_path, "measuring", [(8, 0, 1, 0)], ["P17"])
    with pytest.raises(SystemExit, match="calibration-sentence-w0.jsonl is missing"):
        library_answers(tmp_path, "calibration", [], ["P17"])


def test_the_blend_learns_the_informative_feature():
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from verifier_trial import fit_blend

    rng = np.random.default_rng(1)
    signal, noise = rng.normal(size=2000), rng.normal(size=2000)
    right = (signal + 0.3 * rng.normal(size=2000) > 0).astype(float)
    score, weights = fit_blend(np.stack([signal, noise], axis=1), right)
    assert weights[0] > 5 * abs(weights[1])
    assert ((score(np.stack([signal, noise], axis=1)) >= 0.5) == right.astype(bool)).mean() > 0.85


def test_pair_shape_counts_words_and_entities_between_the_two():
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from verifier_trial import pair_shape

    # "Ada met Bob and Cy in Rome ." : entities Ada 0, Bob 2, Cy 4, Rome 6 (all sentence 0)
    document = {"vertexSet": [[{"sent_id": 0, "pos": [0, 1]}], [{"sent_id": 0, "pos": [2, 3]}],
                              [{"sent_id": 0, "pos": [4, 5]}], [{"sent_id": 0, "pos": [6, 7]}, {"sent_id": 1, "pos": [0, 1]}]]}
    words, between = pair_shape([document], (0, 3, 0, 0))  # Rome -> Ada: order of head and tail does not matter
    assert words == pytest.approx(np.log1p(5)) and between == 2.0  # Bob and Cy
    assert pair_shape([document], (0, 0, 1, 0)) == [pytest.approx(np.log1p(1)), 0.0]

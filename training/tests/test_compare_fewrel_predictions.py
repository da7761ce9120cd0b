"""compare_fewrel_predictions.py: its weighted F1 is classification_scores' F1, and the paired
bootstrap brackets a difference where there is one and centres on 0 where the runs agree."""
from __future__ import annotations

import json

import numpy as np
import pytest

from compare_fewrel_predictions import compare, weighted_f1
from scripts import run
from zsre_train.heldout import classification_scores


def _labels(n, rng, names=("P1", "P2", "P3", "P4", "P5")):
    return [names[i] for i in rng.integers(0, len(names), n)]


def test_weighted_f1_with_unit_weights_is_the_papers_f1():
    rng = np.random.default_rng(0)
    gold, predicted = _labels(300, rng), _labels(300, rng, ("P1", "P2", "P3", "P4", "P5", "P6"))
    labels = sorted(set(gold) | set(predicted))
    code = {label: n for n, label in enumerate(labels)}
    ours = weighted_f1(np.array([code[g] for g in gold]), np.array([code[p] for p in predicted]), np.ones(300), len(labels))
    assert ours == pytest.approx(classification_scores(gold, predicted)["f1"], abs=1e-12)
    # integer weights = the sentences repeated
    w = rng.integers(0, 3, 300)
    repeated_gold = [g for g, k in zip(gold, w) for _ in range(k)]
    repeated_pred = [p for p, k in zip(predicted, w) for _ in range(k)]
    weighted = weighted_f1(np.array([code[g] for g in gold]), np.array([code[p] for p in predicted]), w.astype(float), len(labels))
    assert weighted == pytest.approx(classification_scores(repeated_gold, repeated_pred)["f1"], abs=1e-12)


def test_the_interval_brackets_a_real_difference_and_zero_for_equal_runs():
    rng = np.random.default_rng(1)
    gold = _labels(600, rng)
    good = [g if rng.random() < 0.9 else "P1" for g in gold]
    worse = [g if rng.random() < 0.7 else "P1" for g in gold]
    same = compare({"gold": gold, "bi": good}, {"gold": gold, "bi": good}, 300, 0)[0]
    assert same["difference"] == 0 and same["interval95"] == [0, 0] and same["agreement"] == 1
    drop = compare({"gold": gold, "bi": good}, {"gold": gold, "bi": worse}, 300, 0)[0]
    assert drop["interval95"][0] <= drop["difference"] <= drop["interval95"][1] < 0


def test_fullcross_is_compared_on_the_sentences_both_scored(tmp_path):
    gold = ["P1", "P2", "P1", "P2"]
    a = {"gold": gold, "fullcross": ["P1", None, "P1", "P1"]}
    b = {"gold": gold, "fullcross": ["P1", None, None, "P2"]}
    (tmp_path / "a.json").write_text(json.dumps(a))
    (tmp_path / "b.json").write_text(json.dumps(b))
    done = run("training/compare_fewrel_predictions.py", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--resamples", "100",
               "--out", str(tmp_path / "cmp.json"))
    assert done.returncode == 0, done.stderr
    row = json.loads((tmp_path / "cmp.json").read_text())["methods"][0]
    assert row["method"] == "fullcross" and row["sentences"] == 2
    other = {"gold": ["P2", "P2", "P1", "P2"], "fullcross": a["fullcross"]}
    (tmp_path / "c.json").write_text(json.dumps(other))
    refused = run("training/compare_fewrel_predictions.py", str(tmp_path / "a.json"), str(tmp_path / "c.json"))
    assert refused.returncode != 0 and "different gold labels" in refused.stderr

"""FewRel reference evaluation: metrics, methods derived from score matrices, and the result file
of the committed tiny marker model on the fixture data (test/fixtures/data, 3 sentences per relation)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import evaluate_fewrel
from zsre_train.fewrel_eval import (EvaluationError, candidate_columns, hard_subset, method_columns, method_rows, parse_split,
                                    read_manifest, sample_indices, score_split)
from zsre_train.fewrel_eval import test_items as split_items
from zsre_train.encode import prepare_descriptions, prepare_sentences, top_k
from zsre_train.onnx_graphs import ort_bi_runner, ort_cross_runner, session
from zsre_train.scoring import score
from zsre_train.heldout import classification_scores, macro_scores

REPO = Path(__file__).resolve().parents[2]
FIXTURE_DATA = REPO / "test" / "fixtures" / "data"
TINY_MODEL = REPO / "test" / "fixtures" / "tiny-model-markers"


def test_precision_divides_by_the_distinct_predicted_labels_and_macro_f1_is_per_class():
    gold = ["A", "A", "B", "B"]
    predicted = ["A", "A", "A", "A"]  # B never predicted
    scores = classification_scores(gold, predicted)
    # precision_A = 2/4, precision_B = 0 (never predicted) -> (0.5 + 0) / 1 distinct predicted label
    assert scores["precision"] == pytest.approx(0.5) and scores["recall"] == pytest.approx(0.5)
    assert scores["f1"] == pytest.approx(0.5) and scores["accuracy"] == pytest.approx(0.5)
    # per-class F1: A = 2 * 0.5 * 1 / 1.5 = 2/3, B = 0 -> mean 1/3, below the paper's F1 of the means
    assert scores["macroF1"] == pytest.approx(1 / 3) and scores["sentences"] == 4
    assert macro_scores(gold, predicted) == {"precision": 50.0, "recall": 50.0, "f1": 50.0, "accuracy": 50.0, "macroF1": 33.33}


def test_metric_errors_name_the_problem():
    with pytest.raises(ValueError, match="differ in length"):
        classification_scores(["A"], [])
    with pytest.raises(ValueError, match="no sentences"):
        classification_scores([], [])


def test_methods_from_score_matrices():
    bi = np.array([[0.9, 0.8, 0.1, 0.0],
                   [0.2, 0.3, 0.5, 0.4]])
    cross = np.array([[-1.0, 2.0, 9.0, 0.0],
                      [0.0, 0.0, -5.0, 1.0]])
    fusion = {"biWeight": 10.0, "crossWeight": 1.0}
    chosen = method_columns(bi, cross, fusion)
    assert chosen["bi"].tolist() == [0, 2] and chosen["fullcross"].tolist() == [2, 3]
    # emma2 over the bi top-2: row 0 {0: 9-1=8, 1: 8+2=10} -> 1; row 1 {2: 5-5=0, 3: 4+1=5} -> 3
    assert chosen["emma2"].tolist() == [1, 3]
    # emma3 adds column 2 to row 0 (1 + 9 = 10, tied with column 1: the first, i.e. the better bi, wins)
    assert chosen["emma3"].tolist() == [1, 3]
    # k above m is clipped to m: emma4 == all 4 candidates fused
    assert chosen["emma4"].tolist() == [1, 3]
    assert method_columns(bi[:, :3], cross[:, :3], fusion, ["emma4"])["emma4"].tolist() == [1, 1]
    with pytest.raises(EvaluationError, match="Unknown method 'emma'"):
        method_columns(bi, cross, fusion, ["emma"])


def test_hard_subset_keeps_all_candidates_and_scores_only_hard_gold_sentences():
    gold = ["A", "B", "C", "C"]
    predicted = {"bi": ["A", "C", "C", "B"]}
    out = hard_subset(gold, predicted, ["B", "C"])
    assert out["relations"] == ["B", "C"] and out["sentences"] == 3
    assert out["methods"][0] == {"method": "bi", **classification_scores(["B", "C", "C"], ["C", "C", "B"])}
    assert hard_subset(gold, predicted, []) == {"relations": [], "sentences": 0, "methods": []}


def test_split_names_are_checked():
    assert parse_split("fewrel_m15_43") == (15, "43")
    with pytest.raises(EvaluationError, match="expected fewrel_m<m>_<seed>"):
        parse_split("m5_ori")


def _hard_file(tmp_path: Path, hard: list[str]) -> Path:
    path = tmp_path / "hard.json"
    path.write_text(json.dumps({"splits": {"fewrel_m5_ori": {"hard": hard, "partners": {}}}}))
    return path


def test_result_file_of_the_tiny_model(tmp_path):
    out, predictions = tmp_path / "fewrel_m5_ori.json", tmp_path / "predictions.json"
    code = evaluate_fewrel.main(["--model", str(TINY_MODEL), "--split", "fewrel_m5_ori", "--out", str(out), "--data-dir", str(FIXTURE_DATA),
                                 "--predictions", str(predictions), "--hard", str(_hard_file(tmp_path, ["P361", "P59"])),
                                 "--threads", "1", "--profile", "tiny"])
    assert code == 0
    result = json.loads(out.read_text())
    assert set(result) >= {"benchmark", "split", "m", "seed", "pipeline", "testRelations", "sentences", "model", "budget",
                           "environment", "methods", "hardSubset", "seconds"}
    assert (result["benchmark"], result["split"], result["m"], result["seed"]) == ("fewrel-zero-shot", "fewrel_m5_ori", 5, "ori")
    assert result["pipeline"] == "python-reference-onnx-int8"
    assert result["testRelations"] == ["P177", "P364", "P361", "P641", "P59"] and result["sentences"] == 15
    manifest = json.loads((TINY_MODEL / "manifest.json").read_text())
    assert result["model"]["sha256"]["crossEncoder"] == manifest["graphs"]["crossEncoder"]["files"]["int8"]["sha256"]
    assert result["model"]["provenance"] == manifest["provenance"]
    assert set(result["budget"]) == {"profile", "recipe", "trainInstances", "maxPerRelation", "biEncoderEpochs", "crossEncoderSteps", "device",
                                     "trainSeconds", "exportSeconds"}
    assert result["budget"]["profile"] == "tiny" and result["budget"]["trainInstances"] == 700
    assert set(result["environment"]) == {"commit", "machine", "cpus", "createdAt"}
    assert [row["method"] for row in result["methods"]] == ["bi", "emma2", "emma3", "emma4", "fullcross"]
    # the file's numbers are the metric of its own predictions, sentence order as benchmarks/lib/datasets.ts
    labels = json.loads(predictions.read_text())
    assert labels["gold"] == [pid for pid in result["testRelations"] for _ in range(3)]
    for row in result["methods"]:
        assert row == {"method": row["method"], **classification_scores(labels["gold"], labels[row["method"]])}
        assert all(0 <= row[key] <= 1 for key in ("precision", "recall", "f1", "accuracy", "macroF1"))
    hard = result["hardSubset"]
    assert hard["relations"] == ["P361", "P59"] and hard["sentences"] == 6 and len(hard["methods"]) == 5


def test_max_per_relation_cuts_each_relation(tmp_path):
    out = tmp_path / "r.json"
    assert evaluate_fewrel.main(["--model", str(TINY_MODEL), "--split", "fewrel_m5_ori", "--out", str(out), "--data-dir", str(FIXTURE_DATA),
                                 "--hard", str(_hard_file(tmp_path, [])), "--max-per-relation", "2", "--threads", "1"]) == 0
    result = json.loads(out.read_text())
    assert result["sentences"] == 10 and result["perRelation"] == 2 and result["hardSubset"]["sentences"] == 0


def test_a_changed_graph_or_an_unknown_split_is_refused(tmp_path, capsys):
    model = tmp_path / "model"
    shutil.copytree(TINY_MODEL, model)
    with (model / "cross_encoder.int8.onnx").open("ab") as f:
        f.write(b"\0")
    with pytest.raises(EvaluationError, match="differs from the manifest"):
        read_manifest(model)
    assert evaluate_fewrel.main(["--model", str(TINY_MODEL), "--split", "fewrel_m10_ori", "--out", str(tmp_path / "x.json"),
                                 "--data-dir", str(FIXTURE_DATA), "--hard", str(_hard_file(tmp_path, []))]) == 2
    assert "no entry for fewrel_m10_ori" in capsys.readouterr().err and not (tmp_path / "x.json").exists()


def test_emma_from_the_top_k_cross_scores_equals_emma_from_all_m():
    rng = np.random.default_rng(3)
    bi, cross = rng.normal(size=(50, 7)), rng.normal(size=(50, 7))
    fusion = {"biWeight": 3.0, "crossWeight": 0.7}
    top = top_k(bi, 4)
    from_top = candidate_columns(bi, top, np.take_along_axis(cross, top, axis=1), fusion)
    from_all = method_columns(bi, cross, fusion, ["bi", "emma2", "emma3", "emma4"])
    for method in from_all:
        assert from_top[method].tolist() == from_all[method].tolist()
    with pytest.raises(EvaluationError, match="top 4; only 3 were scored"):
        candidate_columns(bi, top[:, :3], cross[:, :3], fusion, ["emma4"])


def test_the_fullcross_sample_is_fixed_by_its_seed():
    a, b, c = sample_indices(10500, 1000, 0), sample_indices(10500, 1000, 0), sample_indices(10500, 1000, 1)
    assert len(a) == 1000 and len(set(a.tolist())) == 1000 and a.tolist() == sorted(a.tolist()) and a.max() < 10500
    assert a.tolist() == b.tolist() and a.tolist() != c.tolist()
    assert sample_indices(15, 1000, 0).tolist() == list(range(15)) and sample_indices(15, None, 0).tolist() == list(range(15))
    with pytest.raises(EvaluationError, match="positive number"):
        sample_indices(15, 0, 0)


def test_rows_leave_out_the_sentences_a_method_did_not_score():
    rows = method_rows(["A", "B", "A"], {"bi": ["A", "B", "B"], "fullcross": [None, "B", "A"]})
    assert rows[0] == {"method": "bi", **classification_scores(["A", "B", "A"], ["A", "B", "B"])}
    assert rows[1] == {"method": "fullcross", **classification_scores(["B", "A"], ["B", "A"])} and rows[1]["sentences"] == 2


def test_split_scores_equal_the_reference_chain_scoring_every_pair():
    """The cheap pass (top-4 pairs for all, all m pairs for a sample, pairs sorted by length) gives the
    cross scores that scoring.score gives on all m pairs in input order (batch-invariant graphs)."""
    manifest = read_manifest(TINY_MODEL)
    items, relations = split_items(FIXTURE_DATA, "fewrel_m5_ori")
    cheap = score_split(TINY_MODEL, manifest, items, relations, 1, fullcross_sample=6, sample_seed=4)
    from transformers import AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(str(TINY_MODEL))
    files = {g: TINY_MODEL / manifest["graphs"][g]["files"]["int8"]["file"] for g in ("biEncoder", "crossEncoder")}
    full = score(bi_run=ort_bi_runner(session(files["biEncoder"], 1)), cross_run=ort_cross_runner(session(files["crossEncoder"], 1)),
                 tokenizer=tokenizer, sentences=prepare_sentences(tokenizer, items, manifest["maxLength"]["sentence"]),
                 descriptions=prepare_descriptions(tokenizer, relations, manifest["maxLength"]["description"]))
    assert cheap.bi_all == pytest.approx(full.bi_all, abs=1e-6)
    assert cheap.top.tolist() == top_k(full.bi_all, 4).tolist()
    assert cheap.top_cross == pytest.approx(np.take_along_axis(full.cross, cheap.top, axis=1), abs=1e-5)
    assert cheap.sample.tolist() == sample_indices(15, 6, 4).tolist()
    assert cheap.sample_cross == pytest.approx(full.cross[cheap.sample], abs=1e-5)
    assert cheap.cross_pairs == (15 - 6) * 4 + 6 * 5


def test_result_file_with_a_fullcross_sample(tmp_path):
    out, predictions = tmp_path / "fewrel_m5_ori.json", tmp_path / "predictions.json"
    assert evaluate_fewrel.main(["--model", str(TINY_MODEL), "--split", "fewrel_m5_ori", "--out", str(out), "--data-dir", str(FIXTURE_DATA),
                                 "--predictions", str(predictions), "--hard", str(_hard_file(tmp_path, ["P361", "P59"])),
                                 "--threads", "1", "--fullcross-sample", "4", "--sample-seed", "7"]) == 0
    result, labels = json.loads(out.read_text()), json.loads(predictions.read_text())
    sample = sample_indices(15, 4, 7).tolist()
    assert result["fullcrossSample"]["sentences"] == 4 and result["fullcrossSample"]["of"] == 15
    assert result["fullcrossSample"]["seed"] == 7 and result["fullcrossSample"]["sampled"] is True
    assert result["crossPairs"] == 11 * 4 + 4 * 5
    assert [i for i, label in enumerate(labels["fullcross"]) if label is not None] == sample
    assert all(label is not None for method in ("bi", "emma2", "emma3", "emma4") for label in labels[method])
    rows = {row["method"]: row for row in result["methods"]}
    assert rows["bi"]["sentences"] == 15 and rows["fullcross"]["sentences"] == 4
    assert rows["fullcross"] == {"method": "fullcross", **classification_scores([labels["gold"][i] for i in sample],
                                                                               [labels["fullcross"][i] for i in sample])}
    assert "sample of 4 of the 15 sentences" in result["settings"]["scores"]
    # "all" scores every sentence with the full cross-encoder, as before
    assert evaluate_fewrel.main(["--model", str(TINY_MODEL), "--split", "fewrel_m5_ori", "--out", str(out), "--data-dir", str(FIXTURE_DATA),
                                 "--hard", str(_hard_file(tmp_path, [])), "--threads", "1", "--fullcross-sample", "all"]) == 0
    result = json.loads(out.read_text())
    assert result["fullcrossSample"] == {"sentences": 15, "of": 15, "seed": None, "sampled": False,
                                         "draw": "numpy default_rng(seed).choice(n, size, replace=False), sorted"}
    assert result["crossPairs"] == 15 * 5 and all(row["sentences"] == 15 for row in result["methods"])


def test_budget_records_the_training_and_export_seconds_of_the_run(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.yaml").write_text("data: {max_per_relation: 200}\nbi_encoder: {epochs: 1}\n")
    (run / "run.json").write_text(json.dumps({"crossEncoder": {"steps": 150}, "trainInstances": 14000, "device": "cpu",
                                              "recipe": "r.yaml", "seconds": 3600.5}))
    assert evaluate_fewrel.budget({}, run, "cpu")["exportSeconds"] is None
    (run / "export.json").write_text(json.dumps({"out": "x", "seconds": 960}))
    block = evaluate_fewrel.budget({}, run, "cpu")
    assert block == {"profile": "cpu", "recipe": "r.yaml", "trainInstances": 14000, "maxPerRelation": 200, "biEncoderEpochs": 1,
                     "crossEncoderSteps": 150, "device": "cpu", "trainSeconds": 3600.5, "exportSeconds": 960}
    assert evaluate_fewrel.budget({}, None, None)["trainSeconds"] is None

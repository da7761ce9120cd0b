"""End to end on the tiny recipe: train -> export (parity and int8 gates) -> a valid model directory.

Needs the shared FewRel data (../shared/data from the repo root, or DATA_DIR); about a minute on 2 cores.
"""
from __future__ import annotations

import hashlib
import json
import shutil

import onnx
import pytest

from zsre_train.digest import manifest_digest
from zsre_train.pooled_layer import is_pooled

from scripts import DATA_DIR, TRAINING, run


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    assert DATA_DIR.is_dir(), f"FewRel data not found at {DATA_DIR}: set DATA_DIR"
    tmp = tmp_path_factory.mktemp("smoke")
    train = run("training/train.py", "--config", "training/configs/tiny.yaml", "--out", str(tmp / "run"), "--data-dir", str(DATA_DIR))
    assert train.returncode == 0, train.stderr[-3000:]
    export = run("training/export.py", "--run", str(tmp / "run"), "--out", str(tmp / "model"))
    assert export.returncode == 0, export.stderr[-3000:]
    return tmp


def test_model_directory_matches_the_contract(exported):
    model = exported / "model"
    manifest = json.loads((model / "manifest.json").read_text())
    assert manifest["format"] == "zsre-model" and manifest["formatVersion"] == 2 and manifest["name"] == "tiny-fixture"
    assert manifest_digest(manifest) == manifest["manifestSha256"]
    assert manifest["vectorSize"] == 3 * manifest["backbone"]["hiddenSize"]
    for graph in manifest["graphs"].values():
        for entry in graph["files"].values():
            assert hashlib.sha256((model / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]
    for entry in manifest["tokenizer"]["files"]:
        assert hashlib.sha256((model / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]
    fusion = manifest["fusion"]
    # crossGate (the adaptive rerank gate) is written when a gate within the decision-change budget exists
    assert set(fusion) - {"crossGate"} == {"topK", "biWeight", "crossWeight", "noneLogit", "threshold", "biOnly", "fittedOn"}
    assert fusion["fittedOn"]["relations"] == ["P413", "P206", "P412", "P155", "P26"]  # the split's eval relations
    checks = manifest["provenance"]["exportChecks"]
    assert checks["fusedTop1Agreement"] >= 0.99 and max(checks["fp32MaxAbsDiff"].values()) <= 1e-4
    assert sum(p.stat().st_size for p in model.iterdir()) < 2_000_000
    # The static cross-encoder, pooled at [CLS], computes its last layer at that position alone (issue 23).
    assert "staticQuantization" in checks, checks.get("staticQuantizationRefused")
    pooled = checks["pooledLastLayer"]
    assert pooled["batchInvariance"]["bitIdentical"] and pooled["heldOut"]["after"]["fused"]["accuracy"] >= pooled["heldOut"]["before"]["fused"]["accuracy"] - 0.3
    cross = onnx.load(str(model / manifest["graphs"]["crossEncoder"]["files"]["int8"]["file"]))
    assert is_pooled(cross)


def test_parity_file_is_consistent(exported):
    parity = json.loads((exported / "model" / "parity.json").read_text())
    n = len(parity["items"])
    assert n >= 24 and all(len(parity[k]) == n for k in ("sentenceInputIds", "headIndex", "tailIndex", "sentenceVectors", "candidates", "relation"))
    assert len(parity["descriptionInputIds"]) == len(parity["relations"]) == len(parity["descriptionVectors"])
    for ids, head, tail in zip(parity["sentenceInputIds"], parity["headIndex"], parity["tailIndex"]):
        assert len(ids) <= 128 and ids[head] == 1001 and ids[tail] == 1030  # '#' and '@' in the MiniLM vocabulary
    assert max(len(ids) for ids in parity["sentenceInputIds"]) == 128  # the windowing cases are present
    assert any(r["description"] is None for r in parity["relations"])


def test_resume_of_a_finished_run_does_not_retrain(exported):
    again = run("training/train.py", "--config", "training/configs/tiny.yaml", "--out", str(exported / "run"),
                "--data-dir", str(DATA_DIR), "--resume")
    assert again.returncode == 0, again.stderr[-3000:]
    assert '"event": "resumed", "step": 60' in again.stdout
    refused = run("training/train.py", "--config", "training/configs/tiny.yaml", "--out", str(exported / "run"), "--data-dir", str(DATA_DIR))
    assert refused.returncode == 2 and "pass --resume" in refused.stderr


def test_export_refuses_a_run_without_cross_encoder_fusion(exported):
    broken = exported / "broken"
    shutil.copytree(exported / "run", broken)
    fusion = json.loads((broken / "fusion.json").read_text())
    del fusion["biWeight"]
    (broken / "fusion.json").write_text(json.dumps(fusion))
    result = run("training/export.py", "--run", str(broken), "--out", str(exported / "broken_model"))
    assert result.returncode == 1 and "linear cross-encoder head" in result.stderr
    assert not (exported / "broken_model" / "manifest.json").exists()


def test_held_out_evaluation_reports_bi_fullcross_and_emma(exported):
    out = exported / "heldout.json"
    result = run("training/evaluate_heldout.py", "--run", str(exported / "run"), "--out", str(out), "--per-relation", "3",
                 "--data-dir", str(DATA_DIR))
    assert result.returncode == 0, result.stderr[-3000:]
    scored = json.loads(out.read_text())
    assert set(scored["methods"]) == {"bi", "fullcross", "emma_k3"}
    assert scored["heldOut"]["sentences"] == 3 * len(scored["heldOut"]["relations"])
    for scores in scored["methods"].values():
        assert 0 <= scores["f1"] <= 100 and 0 <= scores["accuracy"] <= 100
    missing = run("training/evaluate_heldout.py", "--run", str(exported / "nowhere"), "--out", str(out))
    assert missing.returncode == 2 and "finish training first" in missing.stderr


def test_marker_pooling_cross_encoder_from_the_bi_encoder_trains_and_exports(exported, tmp_path):
    import yaml

    config = yaml.safe_load((TRAINING / "configs" / "tiny.yaml").read_text())
    config["cross_encoder"].update(pooling="markers", init="bi_encoder", k=4, hard_negatives=2)
    (tmp_path / "markers.yaml").write_text(yaml.safe_dump(config))
    train = run("training/train.py", "--config", str(tmp_path / "markers.yaml"), "--out", str(tmp_path / "run"), "--data-dir", str(DATA_DIR))
    assert train.returncode == 0, train.stderr[-3000:]
    export = run("training/export.py", "--run", str(tmp_path / "run"), "--out", str(tmp_path / "model"))
    assert export.returncode == 0, export.stderr[-3000:]
    manifest = json.loads((tmp_path / "model" / "manifest.json").read_text())
    inputs = [i["name"] for i in manifest["graphs"]["crossEncoder"]["inputs"]]
    assert inputs == ["input_ids", "attention_mask", "token_type_ids", "head_index", "tail_index"]
    # Pooled at [CLS] and the markers: a static cross-encoder computes its last layer at those 3 rows alone.
    checks = manifest["provenance"]["exportChecks"]
    assert ("pooledLastLayer" in checks) == ("staticQuantization" in checks), checks.get("pooledLastLayerRefused")
    assert (tmp_path / "run" / "hard_negatives_top3.npy").is_file()

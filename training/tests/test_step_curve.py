"""The step curve (issue 24 item 4) end to end on the tiny recipe: a run keeps its cross-encoder
snapshots, step_curve.py scores each on the held-out FewRel relations and ChemProt, keeps what it
scored when called again, and refuses a run without snapshots.

Needs the shared data (../shared/data from the repo root, or DATA_DIR).
"""
from __future__ import annotations

import json

import yaml

from scripts import DATA_DIR, TRAINING, run


def test_snapshots_are_scored_once_each(tmp_path):
    assert DATA_DIR.is_dir(), f"data not found at {DATA_DIR}: set DATA_DIR"
    raw = yaml.safe_load((TRAINING / "configs" / "tiny.yaml").read_text())
    raw["name"] = "tiny-curve"
    raw["data"]["max_per_relation"] = 3
    raw["data"]["max_eval_per_relation"] = 10
    raw["bi_encoder"]["max_steps"] = 6
    raw["cross_encoder"]["max_steps"] = 8
    raw["run"]["snapshot_steps"] = [3, 8]
    config = tmp_path / "tiny_curve.yaml"
    config.write_text(yaml.safe_dump(raw))
    out, result = tmp_path / "run", tmp_path / "curve.json"
    train = run("training/train.py", "--config", str(config), "--out", str(out), "--data-dir", str(DATA_DIR))
    assert train.returncode == 0, train.stderr[-3000:]
    assert sorted(p.name for p in (out / "snapshots").glob("cross_encoder.*")) == ["cross_encoder.step3.pt", "cross_encoder.step8.pt"]

    first = run("training/step_curve.py", "--run", str(out), "--out", str(result), "--per-relation", "4", "--data-dir", str(DATA_DIR))
    assert first.returncode == 0, first.stderr[-3000:]
    curve = json.loads(result.read_text())
    assert [p["step"] for p in curve["points"]] == [3, 8]
    assert curve["sets"]["chemprot"]["relations"] and all(r.startswith("chemprot:") for r in curve["sets"]["chemprot"]["relations"])
    assert curve["sets"]["fewrelHeldOut"]["sentences"] == 4 * len(curve["sets"]["fewrelHeldOut"]["relations"])
    for point in curve["points"]:
        for name in ("fewrelHeldOut", "chemprot"):
            methods = point[name]["methods"]
            assert {"bi", "fullcross"} <= set(methods) and any(k.startswith("emma_k") for k in methods)
            emma = next(v for k, v in methods.items() if k.startswith("emma"))
            assert point[name]["emmaMinusBi"] == round(emma["f1"] - methods["bi"]["f1"], 2)
    # The bi-encoder is the same at every point; only the cross-encoder moves.
    assert curve["points"][0]["fewrelHeldOut"]["methods"]["bi"] == curve["points"][1]["fewrelHeldOut"]["methods"]["bi"]

    from ablation_report import render_curve

    table = render_curve(curve)
    assert "| 3 |" in table and "| 8 |" in table and "ChemProt" in table

    again = run("training/step_curve.py", "--run", str(out), "--out", str(result), "--data-dir", str(DATA_DIR))
    assert again.returncode == 0 and "already in" in again.stdout
    assert json.loads(result.read_text()) == curve

    (out / "snapshots" / "cross_encoder.step3.pt").unlink()
    (out / "snapshots" / "cross_encoder.step8.pt").unlink()
    refused = run("training/step_curve.py", "--run", str(out), "--out", str(tmp_path / "other.json"), "--data-dir", str(DATA_DIR))
    assert refused.returncode == 2 and "run.snapshot_steps" in refused.stderr

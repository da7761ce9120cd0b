"""training/bench_training_speed.py on the tiny recipe: every variant timed on the same batches, a
result file that says where it ran, and a clear error for an unknown variant.

Needs the shared FewRel data (../shared/data from the repo root, or DATA_DIR)."""
from __future__ import annotations

import json

from scripts import DATA_DIR, TRAINING, run


def test_variants_are_timed_and_recorded(tmp_path):
    assert DATA_DIR.is_dir(), f"FewRel data not found at {DATA_DIR}: set DATA_DIR"
    out = tmp_path / "speed.json"
    done = run("training/bench_training_speed.py", "--config", str(TRAINING / "configs" / "tiny.yaml"), "--data-dir", str(DATA_DIR),
               "--steps", "2", "--variants", "padded,groups,groups+frozen1,groups+bf16+fused", "--out", str(out))
    assert done.returncode == 0, done.stderr[-3000:]
    record = json.loads(out.read_text())
    assert record["benchmark"] == "training-speed" and record["recipe"] == "training/configs/tiny.yaml"
    assert record["environment"]["cpu"] and record["settings"]["threads"] >= 1
    assert record["environment"]["nativeBf16"] in (True, False, None)
    rows = {(r["phase"], r["variant"]): r for r in record["table"]}
    assert set(rows) == {(p, v) for p in ("bi", "cross") for v in ("padded", "groups", "groups+frozen1", "groups+bf16+fused")}
    for (phase, variant), row in rows.items():
        assert row["steps"] == 2 and row["sentencesPerSecond"] > 0
        assert row["secondsPerStep"]["total"] >= row["secondsPerStep"]["forward"] > 0
    assert rows[("bi", "padded")]["speedupOverFirst"] == 1.0


def test_unknown_variant_is_refused():
    done = run("training/bench_training_speed.py", "--config", str(TRAINING / "configs" / "tiny.yaml"), "--variants", "groups,frozen")
    assert done.returncode != 0 and "unknown variant 'frozen'" in done.stderr
    for bad in ("groups+bf16+bf16", "groups+frozen1+frozen2", "padded+fp8"):
        done = run("training/bench_training_speed.py", "--config", str(TRAINING / "configs" / "tiny.yaml"), "--variants", bad)
        assert done.returncode != 0 and "unknown or repeated" in done.stderr, bad

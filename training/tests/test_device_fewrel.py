"""The GPU-wave driver for the FewRel table (training/device/train_fewrel.sh + collect_fewrel.sh),
end to end on a CPU with the tiny test profile: train, export with the gates, evaluate with the
Python reference pipeline, and hand back only results, predictions, logs and manifests. A second
call continues instead of redoing finished work.

Needs the shared FewRel data (../shared/data from the repo root, or DATA_DIR).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("DATA_DIR", REPO.parent / "shared" / "data"))
SPLIT = "fewrel_m5_ori"


def _wave(tmp_path: Path, log: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATA_DIR": str(DATA_DIR), "PYTHON": sys.executable, "FEWREL_PROFILE": "tiny",
           "FEWREL_MAX_PER_RELATION": "3", "FEWREL_GPU_JOBS": "1", "FEWREL_CPU_JOBS": "1",
           "FEWREL_RUNS": str(tmp_path / "runs"), "FEWREL_EXPORTS": str(tmp_path / "exports")}
    return subprocess.run(["bash", "training/device/train_fewrel.sh", str(log), SPLIT], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=1800)


def test_wave_trains_exports_evaluates_and_hands_back_results_without_models(tmp_path):
    assert DATA_DIR.is_dir(), f"FewRel data not found at {DATA_DIR}: set DATA_DIR"
    log = tmp_path / "log"
    first = _wave(tmp_path, log)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    assert f"[{SPLIT}] trained in" in first.stdout and "finished: 1 done, 0 failed" in first.stdout

    result = json.loads((log / "results" / f"{SPLIT}.json").read_text())
    assert result["split"] == SPLIT and result["sentences"] == 5 * 3  # m=5 test relations, 3 sentences each
    assert {row["method"] for row in result["methods"]} >= {"bi", "emma2", "emma3", "emma4", "fullcross"}
    predictions = json.loads((log / "predictions" / f"{SPLIT}.json").read_text())
    assert set(predictions) == {"gold", "bi", "emma2", "emma3", "emma4", "fullcross"}
    assert all(len(labels) == 15 for labels in predictions.values())
    assert set(predictions["gold"]) == set(result["testRelations"])
    status = json.loads((log / "status.json").read_text())
    assert status["counts"]["done"] == 1 and status["counts"]["not run"] == 14
    assert (log / "runs" / SPLIT / "manifest.json").is_file() and (log / "runs" / SPLIT / "run.json").is_file()
    assert not list(log.rglob("*.onnx")) and not list(log.rglob("*.pt")), "models must stay on the machine"
    assert list((tmp_path / "exports" / SPLIT).glob("*.int8.onnx")), "the export stays in FEWREL_EXPORTS"

    # A second call finds the result and neither retrains nor re-evaluates.
    before = (log / "results" / f"{SPLIT}.json").read_bytes()
    second = _wave(tmp_path, log)
    assert second.returncode == 0 and f"[{SPLIT}] trained in" not in second.stdout and f"[{SPLIT}] evaluated" not in second.stdout
    assert (log / "results" / f"{SPLIT}.json").read_bytes() == before

    # collect_fewrel.sh copies the finished wave into the device tool's $OUT and says it is complete.
    out = tmp_path / "out"
    out.mkdir()
    collected = subprocess.run(["bash", "training/device/collect_fewrel.sh", str(log), str(out), "5"], cwd=REPO,
                               capture_output=True, text=True, timeout=60)
    assert collected.returncode == 0 and "1 results, 0 failed, 0 still running" in collected.stdout
    assert (out / "results" / f"{SPLIT}.json").read_bytes() == before

"""End to end on the tiny none-pairs recipe (issue 21): training/device/none_ablation.sh with DATA_DIR
trains with Re-DocRED pairs that hold nothing and scores the run on documents. Needs the shared data
(../shared/data from the repo root, or DATA_DIR); under a minute on 2 cores."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

TRAINING = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("DATA_DIR", TRAINING.parent.parent / "shared" / "data"))


def test_none_ablation_script_trains_with_none_pairs_and_scores_documents(tmp_path):
    assert DATA_DIR.is_dir(), f"shared data not found at {DATA_DIR}: set DATA_DIR"
    env = {**os.environ, "DATA_DIR": str(DATA_DIR), "PYTHON": sys.executable, "NONE_RUNS": str(tmp_path / "runs"),
           "EVAL_ARGS": "--calibration-docs 2 --measuring-docs 2 --held-out-per-relation 2"}
    done = subprocess.run(["bash", "training/device/none_ablation.sh", str(tmp_path / "out"), "training/configs/none/tiny_none.yaml"],
                          cwd=TRAINING.parent, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    run = json.loads((tmp_path / "runs" / "tiny_none" / "run.json").read_text(encoding="utf-8"))
    assert run["nonePairs"]["noneKept"] == 60 and run["nonePairs"]["documents"] == 3
    assert run["nonePairs"]["learnedNoneCosine"] is not None
    # The bi-encoder phase read the none pairs too: more sequences than training sentences alone.
    assert run["trainInstances"] > 0
    result = json.loads((tmp_path / "out" / "tiny_none.json").read_text(encoding="utf-8"))
    assert result["documents"]["measuring"] == 2 and result["documents"]["measuringPairs"] > 0
    assert result["closedSetHeldOut"]["sentences"] == 2 * len(result["closedSetHeldOut"]["relations"])
    assert {row["operatingPoint"].split(" ")[0] for row in result["rows"]} >= {"default", "best"}
    assert len(result["seenRelations"]) + len(result["unseenRelations"]) == 96

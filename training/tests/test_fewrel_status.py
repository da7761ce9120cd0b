"""status.json: one state per split from the folders a driver writes, and the reason for those not run."""
from __future__ import annotations

import json
import shutil
import os
import subprocess
import sys
from pathlib import Path

from fewrel_configs import split_names
from zsre_train.fewrel_status import build_status, evaluation_pairs

REPO = Path(__file__).resolve().parents[2]


def _folders(tmp_path: Path) -> tuple[Path, Path, Path]:
    runs, exports, results = tmp_path / "runs", tmp_path / "exports", tmp_path / "results"
    # fewrel_m5_ori: evaluated
    (runs / "fewrel_m5_ori").mkdir(parents=True)
    (runs / "fewrel_m5_ori" / "run.json").write_text(json.dumps({"seconds": 3600.0}))
    (runs / "fewrel_m5_ori" / "export.json").write_text(json.dumps({"seconds": 300}))
    results.mkdir()
    (results / "fewrel_m5_ori.json").write_text(json.dumps({
        "m": 5, "sentences": 3500, "seconds": 200.0, "scoringSeconds": 175.0, "budget": {"profile": "cpu"},
        "methods": [{"method": "bi", "f1": 0.8}, {"method": "emma3", "f1": 0.9}]}))
    # fewrel_m5_40: trained and exported, not evaluated
    (runs / "fewrel_m5_40").mkdir()
    (runs / "fewrel_m5_40" / "run.json").write_text(json.dumps({"seconds": 5400.0}))
    (exports / "fewrel_m5_40").mkdir(parents=True)
    (exports / "fewrel_m5_40" / "manifest.json").write_text("{}")
    # fewrel_m5_41: stopped (or running) with a checkpoint
    (runs / "fewrel_m5_41" / "checkpoints").mkdir(parents=True)
    return runs, exports, results


def test_every_split_has_one_state(tmp_path):
    runs, exports, results = _folders(tmp_path)
    status = build_status(split_names(), runs, exports, results, "cpu", cpus=2)
    rows = {row["split"]: row for row in status["splits"]}
    assert list(rows) == split_names()
    assert rows["fewrel_m5_ori"]["state"] == "done" and rows["fewrel_m5_ori"]["f1"] == {"bi": 0.8, "emma3": 0.9}
    assert rows["fewrel_m5_40"] == {"split": "fewrel_m5_40", "state": "trained-not-evaluated", "run": str(runs / "fewrel_m5_40"), "exported": True}
    assert rows["fewrel_m5_41"]["state"] == "running-or-partial" and rows["fewrel_m5_41"]["checkpoint"] is True
    assert status["counts"] == {"done": 1, "trained-not-evaluated": 1, "running-or-partial": 1, "not run": 12}
    assert all("reason" in row for row in rows.values() if row["state"] == "not run")
    assert all("reason" not in row for row in rows.values() if row["state"] != "not run")


def test_default_reason_states_the_measured_cost_of_one_split(tmp_path):
    runs, exports, results = _folders(tmp_path)
    status = build_status(split_names(), runs, exports, results, "cpu", cpus=2)
    costs = status["measuredCosts"]
    assert costs["trainSeconds"] == 4500.0 and costs["trainRuns"] == 2 and costs["exportSeconds"] == 300
    assert costs["evaluateSecondsPerPair"] == 0.01  # 175 s over 3,500 sentences x 5 relations
    reason = status["splits"][-1]["reason"]
    assert reason.startswith("no GPU was lent") and "2 CPU cores" in reason and "75.0 min of training" in reason
    # 0.01 s x (700 m x 4 + 1,000 x (m - 4)) pairs: 15,000 / 34,000 / 53,000
    assert "2.5 / 5.7 / 8.8 min at m = 5 / 10 / 15" in reason


def test_the_cost_per_pair_counts_the_pairs_a_result_scored(tmp_path):
    runs, exports, results = _folders(tmp_path)
    data = json.loads((results / "fewrel_m5_ori.json").read_text())
    (results / "fewrel_m5_ori.json").write_text(json.dumps({**data, "crossPairs": 15000, "scoringSeconds": 300}))
    assert build_status(split_names(), runs, exports, results, "cpu", cpus=2)["measuredCosts"]["evaluateSecondsPerPair"] == 0.02
    assert evaluation_pairs(15) == 53000 and evaluation_pairs(5, per_relation=10) == 50 * 4 + 50


def test_reason_given_by_the_driver_wins(tmp_path):
    status = build_status(split_names(), tmp_path / "none", tmp_path / "none", tmp_path / "none", "gpu", why="not in this wave")
    assert status["counts"]["not run"] == 15 and {row["reason"] for row in status["splits"]} == {"not in this wave"}
    assert "not measured yet" in build_status(split_names(), tmp_path, tmp_path, tmp_path, "cpu")["splits"][0]["reason"]


def test_cpu_driver_status_only_writes_the_file(tmp_path):
    runs, exports, results = _folders(tmp_path)
    env = {**os.environ, "PYTHON": sys.executable, "FEWREL_RUNS": str(runs), "FEWREL_EXPORTS": str(exports), "FEWREL_RESULTS": str(results)}
    done = subprocess.run(["bash", "training/fewrel_cpu.sh", "--status-only", "--why", "only two cores"], cwd=REPO, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    status = json.loads((results / "status.json").read_text())
    assert status["counts"]["done"] == 1 and status["splits"][-1]["reason"] == "only two cores"
    refused = subprocess.run(["bash", "training/fewrel_cpu.sh", "--status-only", "fewrel_m5_44"], cwd=REPO, env=env,
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "unknown split fewrel_m5_44" in refused.stderr


def test_a_trained_split_records_its_training_throughput(tmp_path):
    runs, exports, results = _folders(tmp_path)
    (runs / "fewrel_m5_40" / "run.json").write_text(json.dumps({
        "seconds": 5400.0, "torchThreads": 1, "commit": "abc", "biEncoder": {"sequences_per_s": 8.2}, "crossEncoder": {"sequences_per_s": 6.7}}))
    rows = {row["split"]: row for row in build_status(split_names(), runs, exports, results, "cpu", cpus=2)["splits"]}
    assert rows["fewrel_m5_40"]["training"] == {"biEncoderSequencesPerSecond": 8.2, "crossEncoderPairsPerSecond": 6.7,
                                                "trainSeconds": 5400.0, "torchThreads": 1, "commit": "abc"}
    assert "training" not in rows["fewrel_m5_ori"]  # its run.json has no phase stats


def test_a_split_trained_in_mixed_precision_says_so(tmp_path):
    runs, exports, results = _folders(tmp_path)
    precision = {"bf16Autocast": True, "fusedOptimizer": True, "nativeBf16": True}
    (runs / "fewrel_m5_40" / "run.json").write_text(json.dumps({
        "seconds": 900.0, "torchThreads": 1, "commit": "abc", "precision": precision,
        "biEncoder": {"sequences_per_s": 39.0}, "crossEncoder": {"sequences_per_s": 25.0}}))
    rows = {row["split"]: row for row in build_status(split_names(), runs, exports, results, "cpu-bf16", cpus=2)["splits"]}
    assert rows["fewrel_m5_40"]["training"]["precision"] == precision


def test_a_split_another_driver_holds_is_passed_by(tmp_path):
    """Two drivers side by side (one core each): a split locked by one is left to it by the other,
    which goes on with its other splits; the lock goes with the process that held it."""
    import fcntl

    runs, exports, results = _folders(tmp_path)
    env = {**os.environ, "PYTHON": sys.executable, "FEWREL_RUNS": str(runs), "FEWREL_EXPORTS": str(exports), "FEWREL_RESULTS": str(results)}
    command = ["bash", "training/fewrel_cpu.sh", "--no-train", "fewrel_m5_42", "fewrel_m5_43"]
    with open(runs / ".fewrel_m5_42.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        passed = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert passed.returncode == 0, passed.stderr
    assert "[fewrel_m5_42] another fewrel_cpu.sh is working on it: left alone" in passed.stdout
    assert "[fewrel_m5_43] not trained (--no-train): skipped" in passed.stdout
    assert json.loads((results / "status.json").read_text())["counts"]["done"] == 1
    released = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert "[fewrel_m5_42] not trained (--no-train): skipped" in released.stdout
    assert not list(results.glob("*.partial"))


def test_a_fresh_machine_keeps_what_the_previous_status_measured(tmp_path):
    runs, exports, results = _folders(tmp_path)
    (runs / "fewrel_m5_ori" / "run.json").write_text(json.dumps({"seconds": 3600.0, "biEncoder": {"sequences_per_s": 8.2}}))
    previous = build_status(split_names(), runs, exports, results, "cpu", cpus=2)
    shutil.rmtree(runs)  # the next session's machine holds the committed results, no run folder
    rows = {row["split"]: row for row in build_status(split_names(), runs, exports, results, "cpu", cpus=2)["splits"]}
    assert "training" not in rows["fewrel_m5_ori"]  # without the previous file it is lost ...
    status = build_status(split_names(), runs, exports, results, "cpu", cpus=2, previous=previous)
    rows = {row["split"]: row for row in status["splits"]}
    assert rows["fewrel_m5_ori"]["training"]["biEncoderSequencesPerSecond"] == 8.2  # ... with it, kept
    assert status["measuredCosts"]["trainRuns"] == previous["measuredCosts"]["trainRuns"] == 2
    assert status["measuredCosts"]["trainSeconds"] == previous["measuredCosts"]["trainSeconds"]
    assert "one split took 75.0 min of training" in rows["fewrel_m5_41"]["reason"]
    assert rows["fewrel_m5_40"]["state"] == "not run"  # its run folder is gone: states are not carried over

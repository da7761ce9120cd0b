"""What the FewRel table holds and what it lacks: one state per split, read from the folders a
driver (training/fewrel_cpu.sh, training/device/train_fewrel.sh) writes. Nothing is run here.

States, checked in this order:
- done                   the result file exists (results/<split>.json);
- trained-not-evaluated  the run finished (run.json) but there is no result yet ("exported" says
                         whether the model directory is complete);
- running-or-partial     the run folder exists without run.json: training now, or stopped and
                         resumable (the driver resumes it from its checkpoint);
- not run                no run folder; `reason` says why (the driver's --why, or a default with
                         the measured cost of one split on this machine).
"""
from __future__ import annotations

import json
import os
import statistics
from datetime import datetime, timezone
from pathlib import Path

STATES = ("done", "trained-not-evaluated", "running-or-partial", "not run")


def train_seconds(info: dict) -> float | None:
    """Seconds one split's training took, from its run.json. `seconds` is the wall time of the
    process that finished the run; `trainingSeconds` (from 2026-12-07) adds up the optimisation
    phases over every session of a resumed run. The larger is the better estimate either way: a run
    trained in one go spends more than its phases (data, hard negatives, fusion fitting), a resumed
    one far more than its last stretch."""
    values = [v for v in (info.get("seconds"), info.get("trainingSeconds")) if v is not None]
    return max(values) if values else None


def training_throughput(run_json: Path) -> dict | None:
    """Sequences per second of each training phase (run.json), and the commit run.json names: the
    before / after of a change to the training code (issue 24: length groups) reads here. run.json
    names the commit at the start of training from issue 24 on; runs finished before wrote HEAD at
    their end, which need not be the code they ran (fewrel_m10_ori: started at ea87758, ended at 1fa39809)."""
    if not run_json.is_file():
        return None
    info = json.loads(run_json.read_text(encoding="utf-8"))
    if not isinstance(info.get("biEncoder"), dict):
        return None
    return {"biEncoderSequencesPerSecond": info["biEncoder"].get("sequences_per_s"),
            "crossEncoderPairsPerSecond": (info.get("crossEncoder") or {}).get("sequences_per_s"),
            "trainSeconds": train_seconds(info), "torchThreads": info.get("torchThreads"), "commit": info.get("commit"),
            # bf16 autocast and the fused AdamW (precision.py), and whether the CPU had bf16 dot
            # products; absent from runs trained before 2026-12-07, which ran in fp32.
            **({"precision": info["precision"]} if info.get("precision") else {})}


def split_state(split: str, runs: Path, exports: Path, results: Path) -> dict:
    result, run, export = results / f"{split}.json", runs / split, exports / split
    throughput = training_throughput(run / "run.json")
    extra = {"training": throughput} if throughput else {}
    if result.is_file():
        data = json.loads(result.read_text(encoding="utf-8"))
        f1 = {row["method"]: round(row["f1"], 4) for row in data.get("methods", [])}
        return {"split": split, "state": "done", "result": str(result), "sentences": data.get("sentences"),
                "profile": (data.get("budget") or {}).get("profile"), "f1": f1, **extra}
    if (run / "run.json").is_file():
        return {"split": split, "state": "trained-not-evaluated", "run": str(run), "exported": (export / "manifest.json").is_file(), **extra}
    if run.is_dir():
        return {"split": split, "state": "running-or-partial", "run": str(run), "checkpoint": (run / "checkpoints").is_dir()}
    return {"split": split, "state": "not run"}


def measured_costs(splits: list[str], runs: Path, results: Path) -> dict:
    """Seconds per finished split on this machine: training (run.json), export (the driver's
    export.json in the run folder) and evaluation per scored sentence-relation pair (result files)."""
    train, export, per_pair = [], [], []
    for split in splits:
        run_json, export_json, result = runs / split / "run.json", runs / split / "export.json", results / f"{split}.json"
        if run_json.is_file():
            train.append(train_seconds(json.loads(run_json.read_text(encoding="utf-8"))))
        if export_json.is_file():
            export.append(json.loads(export_json.read_text(encoding="utf-8"))["seconds"])
        if result.is_file():
            data = json.loads(result.read_text(encoding="utf-8"))
            # crossPairs: the pairs the cross-encoder scored (older files scored every sentence with all m)
            per_pair.append(data.get("scoringSeconds", data["seconds"]) / data.get("crossPairs", data["sentences"] * data["m"]))
    mean = lambda values: round(statistics.mean(values), 1) if values else None  # noqa: E731
    return {"trainSeconds": mean(train), "trainRuns": len(train), "exportSeconds": mean(export), "exportRuns": len(export),
            "evaluateSecondsPerPair": round(statistics.mean(per_pair), 5) if per_pair else None, "evaluatedRuns": len(per_pair)}


def evaluation_pairs(m: int, per_relation: int = 700, sample: int = 1000, k: int = 4) -> int:
    """Cross-encoder pairs evaluate_fewrel.py scores by default: every sentence's top min(k, m), plus
    the other m - min(k, m) for the sampled sentences."""
    n = per_relation * m
    return n * min(k, m) + min(sample, n) * (m - min(k, m))


def default_reason(costs: dict, cpus: int, profile: str) -> str:
    """Why a split is not run when the driver gives no --why: no GPU lent, and what one split costs here."""
    if costs["trainSeconds"] is None:
        cost = "the cost of one split is not measured yet (no split has finished training here)"
    else:
        cost = f"one split took {costs['trainSeconds'] / 60:.1f} min of training (mean of {costs['trainRuns']} finished)"
        if costs["exportSeconds"] is not None:
            cost += f" plus {costs['exportSeconds'] / 60:.1f} min of export"
        if costs["evaluateSecondsPerPair"] is not None:
            pair = costs["evaluateSecondsPerPair"]
            cost += (", and evaluation takes about " + " / ".join(f"{pair * evaluation_pairs(m) / 60:.1f}" for m in (5, 10, 15))
                     + " min at m = 5 / 10 / 15 (700 sentences per relation: the cross-encoder on each one's bi-encoder top 4, "
                     "and on 1,000 sampled sentences against all m)")
    return f"no GPU was lent to this session; on this machine ({cpus} CPU cores, profile {profile}) {cost}"


def kept_from(previous: dict | None, costs: dict, rows: list[dict]) -> dict:
    """What an earlier status file measured from run folders that are gone from this machine (a
    session may start on a fresh one, with the results committed but no run folder): a finished
    split keeps its training figures, and the mean costs stay those of the most runs measured."""
    if not previous:
        return costs
    before = {row["split"]: row for row in previous.get("splits", [])}
    for row in rows:
        old = before.get(row["split"], {})
        if row["state"] == "done" and "training" not in row and "training" in old and old.get("result") == row["result"]:
            row["training"] = old["training"]
    old_costs = previous.get("measuredCosts") or {}
    kept = dict(costs)
    for value, runs in (("trainSeconds", "trainRuns"), ("exportSeconds", "exportRuns")):
        if (old_costs.get(runs) or 0) > costs[runs]:
            kept[value], kept[runs] = old_costs[value], old_costs[runs]
    return kept


def build_status(splits: list[str], runs: Path, exports: Path, results: Path, profile: str, why: str | None = None,
                 cpus: int | None = None, previous: dict | None = None) -> dict:
    """`previous`: the status file this one replaces, whose measurements outlive the run folders."""
    cpus = cpus or os.cpu_count() or 1
    rows = [split_state(split, runs, exports, results) for split in splits]
    costs = kept_from(previous, measured_costs(splits, runs, results), rows)
    reason = why or default_reason(costs, cpus, profile)
    for row in rows:
        if row["state"] == "not run":
            row["reason"] = reason
    counts = {state: sum(1 for row in rows if row["state"] == state) for state in STATES}
    return {"benchmark": "fewrel-zero-shot", "profile": profile, "updatedAt": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "runs": str(runs), "exports": str(exports), "counts": counts, "measuredCosts": costs, "splits": rows}

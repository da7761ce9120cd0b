"""training/device/choose_default.sh end to end on a CPU with the tiny v2 recipe: a ship run trained,
exported with the gates and packed; a choice run trained and scored (held-out, documents) without an
export; results handed back as one archive. A second call starts nothing and collects the same.

Needs the shared data (../shared/data from the repo root, or DATA_DIR).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("DATA_DIR", REPO.parent / "shared" / "data"))


def _call(tmp_path: Path, out: Path, ship: Path, choice: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATA_DIR": str(DATA_DIR), "PYTHON": sys.executable, "CHOOSE_RUNS": str(tmp_path / "runs"),
           "CHOOSE_EXPORTS": str(tmp_path / "exports"), "CHOOSE_PER_RELATION": "2", "CHOOSE_EVAL_THREADS": "1",
           "EVAL_ARGS": "--calibration-docs 2 --measuring-docs 2"}
    return subprocess.run(["bash", "training/device/choose_default.sh", str(tmp_path / "log"), str(out), "900", str(ship), str(choice)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=1200)


def test_ship_run_is_packed_and_the_choice_run_scored_without_an_export(tmp_path):
    assert DATA_DIR.is_dir(), f"data not found at {DATA_DIR}: set DATA_DIR"
    ship, choice = tmp_path / "ship_tiny.yaml", tmp_path / "choice_tiny.yaml"
    shutil.copy(REPO / "training/configs/tiny_v2.yaml", ship)
    shutil.copy(REPO / "training/configs/tiny_v2.yaml", choice)
    first = _call(tmp_path, tmp_path / "out1", ship, choice)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "started ship_tiny (ship)" in first.stdout and "started choice_tiny (choice)" in first.stdout
    assert "== ship_tiny: done" in first.stdout and "== choice_tiny: done" in first.stdout

    parts = sorted((tmp_path / "out1").glob("ship_tiny.tar.part-*"))
    assert parts, "the ship run's export comes back in parts"
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    joined = tmp_path / "joined.tar"
    joined.write_bytes(b"".join(part.read_bytes() for part in parts))
    with tarfile.open(joined) as archive:
        archive.extractall(unpacked, filter="data")
    model = unpacked / "ship_tiny"
    manifest = json.loads((model / "manifest.json").read_text())
    assert manifest["provenance"]["exportChecks"], "the export gates ran"
    assert list(model.glob("*.int8.onnx")) and not list(model.glob("*.fp32.onnx"))

    with tarfile.open(tmp_path / "out1" / "results.tar.gz") as archive:
        names = set(archive.getnames())
    for name in ("heldout_choice_tiny.json", "documents_choice_tiny.json", "run_choice_tiny.json", "manifest_ship_tiny.json"):
        assert f"./results/{name}" in names, names
    assert not any(name.endswith((".onnx", ".pt")) for name in names), "models stay on the machine"
    assert not (tmp_path / "exports" / "choice_tiny").exists(), "a choice run is not exported"
    heldout = json.loads((tmp_path / "log" / "results" / "heldout_choice_tiny.json").read_text())
    assert len(heldout["heldOut"]["relations"]) == 10 and {"bi", "fullcross"} <= set(heldout["methods"])

    # A second call starts nothing and hands back the same results.
    second = _call(tmp_path, tmp_path / "out2", ship, choice)
    assert second.returncode == 0 and "started" not in second.stdout, second.stdout[-2000:]
    assert sorted(p.name for p in (tmp_path / "out2").glob("ship_tiny.tar.part-*")) == [p.name for p in parts]

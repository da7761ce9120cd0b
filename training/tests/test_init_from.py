"""bi_encoder.init_from (issue 21): a run's bi-encoder starts from another finished run's
bi_encoder.pt instead of the backbone, and a folder without one is refused before training.

Needs the shared FewRel data (../shared/data from the repo root, or DATA_DIR).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from zsre_train.config import ConfigError, load_config
from zsre_train.recipe import _init_from

TRAINING = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("DATA_DIR", TRAINING.parent.parent / "shared" / "data"))


def train(tmp_path: Path, name: str, learning_rate: float, init_from: Path | None) -> tuple[dict[str, torch.Tensor], dict]:
    raw = yaml.safe_load((TRAINING / "configs" / "tiny.yaml").read_text())
    raw["name"] = f"tiny-{name}"
    raw["data"]["max_per_relation"] = 3
    raw["data"]["max_eval_per_relation"] = 10
    raw["bi_encoder"]["max_steps"] = 4
    raw["bi_encoder"]["learning_rate"] = learning_rate
    raw["bi_encoder"]["init_from"] = None if init_from is None else str(init_from)
    raw["cross_encoder"]["max_steps"] = 1
    config = tmp_path / f"{name}.yaml"
    config.write_text(yaml.safe_dump(raw))
    out = tmp_path / name
    done = subprocess.run([sys.executable, "training/train.py", "--config", str(config), "--out", str(out), "--data-dir", str(DATA_DIR)],
                          capture_output=True, text=True, cwd=TRAINING.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    return torch.load(out / "bi_encoder.pt", map_location="cpu"), json.loads((out / "run.json").read_text())


def close(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return all(torch.allclose(a[key].float(), b[key].float(), atol=1e-6) for key in a)


def test_a_run_starts_from_another_runs_bi_encoder(tmp_path):
    assert DATA_DIR.is_dir(), f"FewRel data not found at {DATA_DIR}: set DATA_DIR"
    first, first_info = train(tmp_path, "first", 0.001, None)
    # Learning rates too small to move a weight: what each run ends with is what it started from.
    fresh, _ = train(tmp_path, "fresh", 1e-12, None)
    continued, info = train(tmp_path, "continued", 1e-12, tmp_path / "first")
    assert not close(first, fresh)  # the first run's training moved its weights
    assert close(continued, first)  # so the continued run started from them, not from the backbone
    assert first_info["biEncoderInitFrom"] is None
    weights = (tmp_path / "first" / "bi_encoder.pt").read_bytes()
    assert info["biEncoderInitFrom"] == {"run": str(tmp_path / "first"), "sha256": hashlib.sha256(weights).hexdigest()}


def test_a_folder_without_bi_encoder_pt_is_refused(tmp_path):
    config = load_config(TRAINING / "configs" / "tiny.yaml")
    config = dataclasses.replace(config, bi_encoder=dataclasses.replace(config.bi_encoder, init_from=str(tmp_path)))
    with pytest.raises(ConfigError, match="no bi_encoder.pt"):
        _init_from(config)
    assert _init_from(dataclasses.replace(config, bi_encoder=dataclasses.replace(config.bi_encoder, init_from=None))) is None

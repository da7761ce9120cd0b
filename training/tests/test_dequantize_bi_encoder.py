"""dequantize_bi_encoder.py (issue 21): the shipped int8 bi-encoder back into the recipe's torch
BiEncoder, a run folder that bi_encoder.init_from and evaluate_documents.py accept.

Needs the shared FewRel data (../shared/data from the repo root, or DATA_DIR) for its check sentences.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch

from zsre_train.config import load_config
from zsre_train.recipe import build_models

TRAINING = Path(__file__).resolve().parents[1]
ROOT = TRAINING.parent
DATA_DIR = Path(os.environ.get("DATA_DIR", ROOT.parent / "shared" / "data"))


def run(model: Path, config: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "training/dequantize_bi_encoder.py", "--model", str(model), "--config", str(config), "--out", str(out),
                           "--data-dir", str(DATA_DIR), "--check-per-relation", "4"], capture_output=True, text=True, cwd=ROOT)


def test_the_shipped_bi_encoder_comes_back_close_to_its_int8_graph(tmp_path: Path) -> None:
    assert DATA_DIR.is_dir(), f"FewRel data not found at {DATA_DIR}: set DATA_DIR"
    config = TRAINING / "configs" / "default_all_gpu_e2.yaml"
    out = tmp_path / "shipped"
    done = run(ROOT / "models" / "zsre-minilm-l6-general", config, out)
    assert done.returncode == 0, done.stderr
    for name in ("bi_encoder.pt", "cross_encoder.pt", "config.yaml", "fusion.json", "run.json"):
        assert (out / name).is_file(), name
    record = json.loads((out / "run.json").read_text())
    # Only the int8 activations separate the graph from these fp32 weights: a misplaced or
    # transposed weight would put the cosine near 0.
    assert record["checkAgainstGraph"]["sentences"] == 20
    assert record["checkAgainstGraph"]["cosineMin"] > 0.97
    manifest = json.loads((ROOT / "models" / "zsre-minilm-l6-general" / "manifest.json").read_text())
    assert record["dequantizedFrom"]["manifestSha256"] == manifest["manifestSha256"]
    fusion = json.loads((out / "fusion.json").read_text())
    assert fusion["biOnly"]["threshold"] == manifest["fusion"]["biOnly"]["threshold"]
    # The folder loads into the recipe's BiEncoder as init_from does (recipe.py).
    bi, _ = build_models(load_config(config))
    bi.load_state_dict(torch.load(out / "bi_encoder.pt", map_location="cpu"))


def test_a_graph_of_another_form_is_refused_by_name(tmp_path: Path) -> None:
    # The tiny fixture's graphs have per-row activation scales (requantize_rows.py): other nodes.
    done = run(ROOT / "test" / "fixtures" / "tiny-model", TRAINING / "configs" / "tiny.yaml", tmp_path / "tiny")
    assert done.returncode != 0
    assert "do not fit the recipe's BiEncoder: missing ['encoder.bert.encoder.layer.0." in done.stderr
    assert not (tmp_path / "tiny" / "bi_encoder.pt").exists()

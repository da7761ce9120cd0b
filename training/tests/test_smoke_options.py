"""The recipe's optional parts end to end on the tiny recipe: entity-name replacement in the
training sentences, frozen lower layers, mixed precision with the fused AdamW and the distillation phase; a finished run resumes without retraining.

Needs the shared FewRel data (../shared/data from the repo root, or DATA_DIR).
"""
from __future__ import annotations

import json

import yaml

from scripts import DATA_DIR, TRAINING, run


def test_replacement_and_distillation_train_and_resume(tmp_path):
    assert DATA_DIR.is_dir(), f"FewRel data not found at {DATA_DIR}: set DATA_DIR"
    raw = yaml.safe_load((TRAINING / "configs" / "tiny.yaml").read_text())
    raw["name"] = "tiny-options"
    raw["data"]["max_per_relation"] = 3  # 210 sentences: the options' wiring, not accuracy
    raw["data"]["max_eval_per_relation"] = 10
    raw["data"]["entity_replacement"] = {"probability": 0.5, "mode": "corpus"}
    raw["bi_encoder"]["max_steps"] = 10
    raw["cross_encoder"]["max_steps"] = 10
    raw["cross_encoder"]["frozen_layers"] = 0  # the embeddings (issue 24 item 1; freeze.py's tests check the weights)
    raw["run"]["bf16_autocast"] = True  # mixed precision and the fused AdamW in every phase (test_precision.py checks the numbers)
    raw["run"]["fused_optimizer"] = True
    raw["distillation"] = {"epochs": 1, "max_steps": 6, "batch_size": 8, "learning_rate": 0.0005, "warmup_ratio": 0.1,
                           "top_k": 4, "contrastive_weight": 0.5}
    config = tmp_path / "tiny_options.yaml"
    config.write_text(yaml.safe_dump(raw))
    out = tmp_path / "run"
    train = run("training/train.py", "--config", str(config), "--out", str(out), "--data-dir", str(DATA_DIR))
    assert train.returncode == 0, train.stderr[-3000:]
    info = json.loads((out / "run.json").read_text())
    replaced = info["entityReplacement"]
    assert replaced["mode"] == "corpus" and 0.3 * 2 * replaced["sentences"] < replaced["mentionsReplaced"] < 0.7 * 2 * replaced["sentences"]
    assert info["crossEncoder"]["frozenLayers"] == 0 and info["crossEncoder"]["frozenParameters"] > 0
    assert info["biEncoder"]["frozenLayers"] is None and info["biEncoder"]["frozenParameters"] == 0
    assert info["distillation"]["steps"] == 6 and info["distillation"]["teacher"]["topK"] == 4
    assert info["precision"]["bf16Autocast"] is True and info["precision"]["fusedOptimizer"] is True
    assert info["precision"]["nativeBf16"] in (True, False, None)
    assert 0 < info["distillation"]["teacher"]["meanGoldProbability"] <= 1
    assert (out / "bi_encoder.before_distillation.pt").is_file() and (out / "teacher_top4.npz").is_file()
    assert (out / "bi_encoder.pt").read_bytes() != (out / "bi_encoder.before_distillation.pt").read_bytes()

    again = run("training/train.py", "--config", str(config), "--out", str(out), "--data-dir", str(DATA_DIR), "--resume")
    assert again.returncode == 0, again.stderr[-3000:]
    assert '"phase": "distillation", "event": "resumed", "step": 6' in again.stdout  # nothing retrained

    # Resuming with another recipe is refused: the run folder keeps the recipe it started with.
    raw["seed"] += 1
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(raw))
    mixed = run("training/train.py", "--config", str(changed), "--out", str(out), "--data-dir", str(DATA_DIR), "--resume")
    assert mixed.returncode == 2 and "differs from" in mixed.stderr and f"--config {out / 'config.yaml'}" in mixed.stderr
    assert (out / "config.yaml").read_bytes() == config.read_bytes()

    # Export reads bi_encoder.pt: the distilled encoder, with the same architecture as before.
    from zsre_train.config import load_config
    from zsre_train.recipe import load_trained_models
    bi, _ = load_trained_models(load_config(out / "config.yaml"), out)
    assert bi.pool_weight.shape[0] == 2

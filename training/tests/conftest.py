"""Shared fixtures: the training package on sys.path and the real MiniLM tokenizer (offline)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

TRAINING = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TRAINING))

from zsre_train.backbone import load_tokenizer  # noqa: E402


@pytest.fixture(scope="session")
def tokenizer():
    return load_tokenizer()

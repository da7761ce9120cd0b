"""Make the training package importable when pytest runs from the repository root
(`.venv/bin/python -m pytest training/tests -q`) without installing it."""
from __future__ import annotations

import sys
from pathlib import Path

TRAINING_DIR = str(Path(__file__).resolve().parents[1])
if TRAINING_DIR not in sys.path:
    sys.path.insert(0, TRAINING_DIR)

"""Running the training scripts as a user does, for the end-to-end tests (smoke, options, step curve)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TRAINING = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("DATA_DIR", TRAINING.parent.parent / "shared" / "data"))


def run(*args: str) -> subprocess.CompletedProcess:
    """`python <args>` from the repository root, output captured."""
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=TRAINING.parent)

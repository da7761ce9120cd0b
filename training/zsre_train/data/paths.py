"""Where the data lives by default: the team's shared data folder beside the repository.

Every reader takes an explicit path; these defaults only spare the common case on this
team's machines (`../shared/data` from the repository root, as the data README states).
"""
from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
# The team's own hand-written descriptions of the labels of the extra data sets.
TEAM_DESCRIPTIONS_PATH = REPO_ROOT / "training" / "data" / "relation_descriptions.json"

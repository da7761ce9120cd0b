"""The processor a result was measured on, for the machine block of result files."""
from __future__ import annotations

import os
import platform
import subprocess
from datetime import datetime, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def cpu_model() -> str:
    """/proc/cpuinfo's model name (Linux), else what the platform module knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def source_state() -> dict:
    """The repository's HEAD commit and whether tracked files differ from it (None and False where git is missing)."""
    def git(*args: str) -> str | None:
        try:
            return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return None
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": git("rev-parse", "HEAD"), "dirty": bool(status)}


def repository_path(path: Path) -> str:
    """A path as a result file records it: relative to the repository, or its name only (never a
    scratch folder of the machine it ran on)."""
    resolved = path.resolve()
    return str(resolved.relative_to(REPO_ROOT)) if resolved.is_relative_to(REPO_ROOT) else resolved.name


def run_environment(**extra: object) -> dict:
    """A trial record's environment: commit, processor, cores, date, plus `extra` (library versions)."""
    return {"commit": source_state()["commit"], "machine": cpu_model(), "cpus": os.cpu_count(), **extra,
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}

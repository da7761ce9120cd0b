"""Write the FewRel table's status file: every one of the 15 splits with its state and, for those
not run, the reason (zsre_train/fewrel_status.py). Nothing is trained or evaluated here.

  python training/fewrel_status.py [--runs training/runs/fewrel-cpu] [--exports training/exports/fewrel-cpu]
      [--results benchmarks/results/fewrel] [--profile cpu] [--why "..."] [--out RESULTS/status.json]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fewrel_configs import split_names  # noqa: E402
from zsre_train.fewrel_status import build_status  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write status.json: the state of every FewRel split (done ... not run).")
    parser.add_argument("--runs", type=Path, default=Path("training/runs/fewrel-cpu"), help="folder of the split run folders")
    parser.add_argument("--exports", type=Path, default=Path("training/exports/fewrel-cpu"), help="folder of the exported models")
    parser.add_argument("--results", type=Path, default=Path("benchmarks/results/fewrel"), help="folder of the <split>.json results")
    parser.add_argument("--profile", default="cpu", help="budget profile of these runs (default cpu)")
    parser.add_argument("--why", help="reason for the splits not run (default: no GPU lent, and one split's measured cost)")
    parser.add_argument("--out", type=Path, help="status file (default RESULTS/status.json)")
    args = parser.parse_args(argv)
    out = args.out or args.results / "status.json"
    previous = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else None
    status = build_status(split_names(), args.runs, args.exports, args.results, args.profile, args.why, previous=previous)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Whole or not at all: two drivers side by side may write it at the same moment.
    partial = out.with_name(out.name + f".{os.getpid()}.partial")
    partial.write_text(json.dumps(status, indent=2) + "\n", encoding="utf-8")
    partial.replace(out)
    print(f"{out}: " + ", ".join(f"{n} {state}" for state, n in status["counts"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Held-out scores of a training run (bi, fullcross, EMMA), for choosing a recipe:

  python training/evaluate_heldout.py --run training/runs/NAME --out benchmarks/results/ablation/NAME.json [--per-relation 50] [--name-swap]

Scores the run's split `test` relations in torch fp32 (zsre_train/heldout.py). Use it on
default-model choice runs, whose split's test relations are held out by design; never to
choose a benchmark model (those are chosen on their split's eval relations).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from zsre_train.heldout import evaluate_run  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Held-out bi / fullcross / EMMA scores of a training run (torch fp32).")
    parser.add_argument("--run", required=True, type=Path, help="run folder written by training/train.py")
    parser.add_argument("--out", required=True, type=Path, help="result JSON to write")
    parser.add_argument("--per-relation", type=int, default=50, help="sentences per held-out relation (default 50)")
    parser.add_argument("--name-swap", action="store_true",
                        help="also score the sentences with their entity names swapped (the name-bias probe)")
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT.parent / "shared" / "data", help="data folder (default ../shared/data)")
    args = parser.parse_args(argv)
    if args.per_relation < 1:
        parser.error("--per-relation must be a positive integer")
    for name in ("run.json", "fusion.json", "bi_encoder.pt", "cross_encoder.pt"):
        if not (args.run / name).is_file():
            print(f"error: {args.run} has no {name}: finish training first (python training/train.py --config ... --out {args.run})", file=sys.stderr)
            return 2
    result = evaluate_run(args.run, args.data_dir, args.per_relation, args.name_swap)
    result["machine"] = {"platform": platform.platform(), "cpus": os.cpu_count(), "note": "shared with other jobs while it ran"}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    tmp.replace(args.out)
    print(json.dumps(result["methods"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Export a run to a zsre model directory: python training/export.py --run RUN_DIR --out MODEL_DIR [--data-dir DIR]

Exits non-zero (and writes no manifest.json) when a parity or int8 agreement check fails.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from zsre_train.config import ConfigError  # noqa: E402
from zsre_train.export import export_run  # noqa: E402
from zsre_train.onnx_graphs import ExportError  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Export a training run to a zsre model directory (ONNX fp32 + int8).")
    parser.add_argument("--run", required=True, type=Path, help="run folder written by training/train.py")
    parser.add_argument("--out", required=True, type=Path, help="model directory to write")
    parser.add_argument("--data-dir", type=Path, help="data folder for the held-out checks (default: the one the run used)")
    args = parser.parse_args(argv)
    if not (args.run / "run.json").is_file():
        print(f"error: {args.run} has no run.json: finish training first (python training/train.py --config ...)", file=sys.stderr)
        return 2
    try:
        manifest = export_run(args.run, args.out, args.data_dir)
    except (ExportError, ConfigError) as error:
        print(f"error: export failed: {error}", file=sys.stderr)
        return 1
    print(json.dumps({"event": "exported", "out": str(args.out), "name": manifest["name"],
                      "checks": manifest["provenance"]["exportChecks"]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Export a run to a zsre model directory: python training/export.py --run RUN_DIR --out MODEL_DIR [--data-dir DIR] [--int8 static|per-row]

Exits non-zero (and writes no manifest.json) when a parity or int8 agreement check fails.
The int8 graphs are written with per-row activation scales (batch-invariant, export gate), then
converted to static activation scales (requantize_static.py: batch-invariant too, and as fast
as per-tensor dynamic int8; issue 23) when the converted graphs pass that script's invariance
and accuracy gates; when they do not, the per-row graphs stay, with a warning saying why, and
provenance.exportChecks.staticQuantizationRefused records why. --int8 per-row skips the step.
After a static conversion, the cross-encoder gets its last layer computed at the rows it pools
alone ([CLS], and the entity markers where it reads them; pool_cross_encoder.py, same kind of
gates; issue 23); a graph it does not cover or a refusal by its gates keeps the full layer,
recorded under provenance.exportChecks.pooledLastLayerRefused.
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
from zsre_train.manifest import write_edited_manifest  # noqa: E402
import pool_cross_encoder  # noqa: E402
import requantize_static  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Export a training run to a zsre model directory (ONNX fp32 + int8).")
    parser.add_argument("--run", required=True, type=Path, help="run folder written by training/train.py")
    parser.add_argument("--out", required=True, type=Path, help="model directory to write")
    parser.add_argument("--data-dir", type=Path, help="data folder for the held-out checks (default: the one the run used)")
    parser.add_argument("--int8", choices=("static", "per-row"), default="static",
                        help="activation quantization of the int8 graphs: static (calibrated; per-row kept if it fails its gates) or per-row")
    args = parser.parse_args(argv)
    if not (args.run / "run.json").is_file():
        print(f"error: {args.run} has no run.json: finish training first (python training/train.py --config ...)", file=sys.stderr)
        return 2
    try:
        manifest = export_run(args.run, args.out, args.data_dir)
    except (ExportError, ConfigError) as error:
        print(f"error: export failed: {error}", file=sys.stderr)
        return 1
    if args.int8 == "static":
        manifest = to_static(args.run, args.out, args.data_dir)
        if "staticQuantization" in manifest["provenance"]["exportChecks"] and "crossEncoder" in manifest["graphs"]:
            manifest = to_pooled(args.run, args.out, args.data_dir)
    print(json.dumps({"event": "exported", "out": str(args.out), "name": manifest["name"],
                      "checks": manifest["provenance"]["exportChecks"]}, indent=2))
    return 0


def to_static(run: Path, out: Path, data_dir: Path | None) -> dict:
    """Converts the exported per-row int8 graphs to static scales; a refusal by the converter's
    gates keeps the per-row graphs (valid and batch-invariant) and is recorded, not fatal."""
    return _convert_or_record(run, out, data_dir, lambda data: requantize_static.convert(out, data, 2, 8, 7),
                              "staticQuantizationRefused", "training/requantize_static.py", "int8 graphs kept with per-row scales")


def to_pooled(run: Path, out: Path, data_dir: Path | None) -> dict:
    """Computes the static cross-encoder's last layer at its pooled rows only; a graph the rewrite
    does not cover, or a refusal by its gates, keeps the full layer and is recorded, not fatal."""
    return _convert_or_record(run, out, data_dir, lambda data: pool_cross_encoder.convert(out, data, 2),
                              "pooledLastLayerRefused", "training/pool_cross_encoder.py", "cross-encoder keeps its full last layer")


def _convert_or_record(run: Path, out: Path, data_dir: Path | None, convert, refusal_key: str, script: str, kept: str) -> dict:
    """Runs an in-place converter on the exported directory; its ExportError is printed and recorded
    under provenance.exportChecks[refusal_key], and the graphs it would have replaced stay."""
    data = data_dir or Path(json.loads((run / "run.json").read_text(encoding="utf-8"))["dataDir"])
    try:
        convert(data)
    except ExportError as error:
        print(f"warning: {kept}: {error}", file=sys.stderr)
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        manifest["provenance"]["exportChecks"][refusal_key] = {"reason": str(error), "script": script}
        write_edited_manifest(out, manifest)
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))

if __name__ == "__main__":
    sys.exit(main())

"""The command line the model-directory conversions share (requantize_rows.py, requantize_static.py,
pool_cross_encoder.py): the same flags, and the same rule on failure, the directory left as it was."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from .manifest import emit_record
from .onnx_graphs import ExportError

REPO_ROOT = Path(__file__).resolve().parents[2]


def conversion_parser(description: str, data_help: str) -> argparse.ArgumentParser:
    """--model, --data-dir, --threads and --record; a script adds its own flags before parsing."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", required=True, type=Path, help="model directory (manifest.json and int8 graphs)")
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT.parent / "shared" / "data", help=data_help)
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime intra-op threads")
    parser.add_argument("--record", type=Path, help="also write the checks as JSON to this file")
    return parser


def run_conversion(args: argparse.Namespace, convert: Callable[[], dict], benchmark: str, event: str) -> int:
    """Runs `convert` and prints its record (and writes it to --record); a conversion its checks
    refuse (ExportError) is reported with exit status 1, its model directory unchanged."""
    try:
        record = convert()
    except ExportError as error:
        print(f"error: conversion failed, {args.model} unchanged: {error}", file=sys.stderr)
        return 1
    emit_record({"benchmark": benchmark, "event": event, "model": str(args.model), **record}, args.record)
    return 0

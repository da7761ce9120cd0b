#!/usr/bin/env bash
# CI smoke: train the tiny recipe and export it (parity and int8 gates included) in a temp dir.
# Usage: training/smoke.sh [MODEL_DIR] [CONFIG]   (MODEL_DIR: keep the exported model there, e.g. for the TypeScript loader;
#        CONFIG: default training/configs/tiny.yaml, e.g. training/configs/tiny_markers.yaml)
# Env: PYTHON (default .venv/bin/python), DATA_DIR (default ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
DATA_DIR="${DATA_DIR:-../shared/data}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
OUT="${1:-$TMP/model}"
CONFIG="${2:-training/configs/tiny.yaml}"
"$PY" training/train.py --config "$CONFIG" --out "$TMP/run" --data-dir "$DATA_DIR"
"$PY" training/export.py --run "$TMP/run" --out "$OUT"
echo "smoke ok: $OUT"

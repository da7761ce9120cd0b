#!/usr/bin/env bash
# Copies what a shipped model needs from an export folder into models/<name>/: the int8 graphs,
# the tokenizer and the manifest (the fp32 graphs stay behind: the package has a 60 MB budget,
# and the loader only requires the files of the precision it loads).
#   training/ship_model.sh EXPORT_DIR models/NAME
set -euo pipefail
src=${1:?usage: ship_model.sh EXPORT_DIR models/NAME}
dst=${2:?usage: ship_model.sh EXPORT_DIR models/NAME}
[ -f "$src/manifest.json" ] || { echo "no manifest.json in $src: export the model first (training/export.py)" >&2; exit 1; }
mkdir -p "$dst"
cp "$src"/manifest.json "$src"/bi_encoder.int8.onnx "$src"/cross_encoder.int8.onnx "$dst"/
for f in tokenizer.json tokenizer_config.json vocab.txt special_tokens_map.json; do
  [ -f "$src/$f" ] && cp "$src/$f" "$dst/"
done
du -sh "$dst"

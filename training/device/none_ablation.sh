#!/usr/bin/env bash
# Issue 21 on the device machine (or locally with DATA_DIR set): trains recipes with and without
# pairs that hold nothing side by side, then scores each run's bi-encoder on Re-DocRED sentence
# pairs and held-out FewRel relations (training/evaluate_documents.py). Nothing is exported: the
# results and logs come back, small enough for the device tool.
#   training/device/none_ablation.sh OUT_DIR [CONFIG ...]
# Default configs: training/configs/none/default_holdout_gpu_e2_{positives,none}.yaml.
# Results: OUT_DIR/<config stem>.json (copy to benchmarks/results/none-training/), logs beside them.
# Extra arguments for evaluate_documents.py: EVAL_ARGS (e.g. "--calibration-docs 2 --measuring-docs 2").
set -uo pipefail
out=${1:?usage: none_ablation.sh OUT_DIR [CONFIG ...]}
shift
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(training/configs/none/default_holdout_gpu_e2_positives.yaml training/configs/none/default_holdout_gpu_e2_none.yaml)
py=${PYTHON:-python3}
mkdir -p "$out"
# shellcheck source=setup.sh
source "$(dirname "$0")/setup.sh" || exit 1
runs=${NONE_RUNS:-training/runs/none}

one_run() {  # config -> $runs/<stem> trained (resumable), then $out/<stem>.json
  local config=$1 stem
  stem=$(basename "$config" .yaml)
  "$py" training/train.py --config "$config" --data-dir "$ZSRE_DATA" --out "$runs/$stem" --resume &&
    "$py" training/evaluate_documents.py --run "$runs/$stem" --data-dir "$ZSRE_DATA" --out "$out/$stem.json" ${EVAL_ARGS:-}
}

pids=()
for config in "${configs[@]}"; do
  one_run "$config" > "$out/$(basename "$config" .yaml).log" 2>&1 &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
for config in "${configs[@]}"; do echo "== $config"; tail -n 4 "$out/$(basename "$config" .yaml).log"; done
exit $status

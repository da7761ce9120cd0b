#!/usr/bin/env bash
# The FewRel table on a GPU machine without network (issue 12), from the repository root, after
# training/device/pack.sh built .device/ here and it travelled along (carry .device):
#   ZSRE_COMMIT=<sha> setsid nohup training/device/train_fewrel.sh LOG_DIR [SPLIT ...] > /tmp/fewrel.out 2>&1 < /dev/null &
#   training/device/collect_fewrel.sh LOG_DIR "$OUT" SECONDS      # the next call(s): results so far
# Default splits: all 15 (m = 5 first). Per split: the GPU recipe (configs/fewrel/base.yaml, no
# profile) trained on the one GPU, FEWREL_GPU_JOBS (3) at a time side by side, each with --resume; as
# each finishes, its export (int8, export gates) and its evaluation (training/evaluate_fewrel.py,
# all test sentences) run on the CPUs, FEWREL_CPU_JOBS (3) at a time with FEWREL_THREADS threads
# each (default: the cores left by the training runs, shared). Only results, predictions, logs, run.json,
# train_log.jsonl and the export manifests go to LOG_DIR, never the models (they stay in
# training/exports/fewrel-gpu). Rerunning it continues: results kept, trainings resumed.
# A local test on a CPU: DATA_DIR=../shared/data PYTHON=.venv/bin/python FEWREL_PROFILE=tiny
#   FEWREL_MAX_PER_RELATION=5 training/device/train_fewrel.sh /tmp/fewrel-logs fewrel_m5_ori fewrel_m10_ori
# (training/tests/test_device_fewrel.py runs it on one split, with FEWREL_RUNS / FEWREL_EXPORTS in a
# temporary folder instead of training/runs/fewrel-tiny and training/exports/fewrel-tiny).
set -uo pipefail
out=${1:?usage: train_fewrel.sh LOG_DIR [SPLIT ...]}
shift
py=${PYTHON:-python3}
export PYTHON=$py
profile=${FEWREL_PROFILE:-}   # empty: the GPU budget of base.yaml
name=fewrel-${profile:-gpu}
runs=${FEWREL_RUNS:-training/runs/$name} exports=${FEWREL_EXPORTS:-training/exports/$name}  # overridable for tests
gpu_jobs=${FEWREL_GPU_JOBS:-3}
cpu_jobs=${FEWREL_CPU_JOBS:-3}
cores=$(nproc)
threads=${FEWREL_THREADS:-$(( (cores - gpu_jobs) / cpu_jobs ))}
[ "$threads" -ge 1 ] || threads=1
cap=()
[ -n "${FEWREL_MAX_PER_RELATION:-}" ] && cap=(--max-per-relation "$FEWREL_MAX_PER_RELATION")

splits=("$@")
all=$("$py" -c 'import sys; sys.path.insert(0, "training"); from fewrel_configs import split_names; print(" ".join(split_names()))') || exit 1
[ ${#splits[@]} -gt 0 ] || read -r -a splits <<< "$all"
for split in "${splits[@]}"; do
  [[ " $all " == *" $split "* ]] || { echo "unknown split $split: expected one of $all" >&2; exit 2; }
done
# shellcheck source=training/device/setup.sh
source training/device/setup.sh || exit 1
mkdir -p "$out/results" "$out/predictions" "$out/runs" "$runs/configs" "$exports"
exec 8>"$runs/.main.lock"
flock -n 8 || { echo "train_fewrel.sh is already running on $runs: collect with training/device/collect_fewrel.sh" >&2; exit 1; }
printf '%s\n' "${splits[@]}" > "$out/wave.txt"
"$py" -c 'import torch, transformers, onnxruntime; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), "transformers", transformers.__version__, "onnxruntime", onnxruntime.__version__)'
echo "splits: ${splits[*]}; $gpu_jobs training at a time, $cpu_jobs export/evaluate jobs of $threads threads on $cores cores"

# Splits not started get their recipe from the base as it is now (a warm machine may hold recipes
# written before the base changed); a started one resumes with the copy in its run folder.
missing=()
for split in "${splits[@]}"; do [ -d "$runs/$split/checkpoints" ] || missing+=("$split"); done
if [ ${#missing[@]} -gt 0 ]; then
  "$py" training/fewrel_configs.py --out "$runs/configs" ${profile:+--profile "$profile"} --threads "$threads" --only "${missing[@]}" > /dev/null || exit 1
fi

export_and_evaluate() {  # split -> model directory, result JSON, predictions; run on the CPUs
  local split=$1 started=$SECONDS
  if [ ! -f "$exports/$split/manifest.json" ]; then
    "$py" training/export.py --run "$runs/$split" --out "$exports/$split" --data-dir "$ZSRE_DATA" > "$out/$split.export.log" 2>&1 || return 1
    printf '{"out": "%s", "seconds": %d}\n' "$exports/$split" $((SECONDS - started)) > "$runs/$split/export.json"
    echo "[$split] exported in $((SECONDS - started)) s"
  fi
  cp "$exports/$split/manifest.json" "$runs/$split/export.json" "$out/runs/$split/" 2>/dev/null
  "$py" training/evaluate_fewrel.py --model "$exports/$split" --split "$split" --out "$out/results/$split.json" --run "$runs/$split" \
    --profile "${profile:-gpu}" --data-dir "$ZSRE_DATA" --threads "$threads" --predictions "$out/predictions/$split.json" "${cap[@]}" \
    > "$out/$split.evaluate.log" 2>&1 || return 1
  echo "[$split] evaluated, $((SECONDS - started)) s after its training"
}

cpu_job() {  # waits for one of the cpu_jobs slots, then exports and evaluates; marks the split .done or .failed
  local split=$1 i fd rc
  while :; do
    for i in $(seq 1 "$cpu_jobs"); do
      exec {fd}>"$runs/.cpu$i"
      if flock -n "$fd"; then
        export_and_evaluate "$split"; rc=$?
        exec {fd}>&-
        if [ $rc -eq 0 ]; then touch "$out/$split.done"; else touch "$out/$split.failed"; fi
        return $rc
      fi
      exec {fd}>&-
    done
    sleep 3
  done
}

train_worker() {  # trains every gpu_jobs-th split from index $1 on, handing each to a cpu_job
  local index=$1 split started resume config
  for ((; index < ${#splits[@]}; index += gpu_jobs)); do
    split=${splits[$index]}
    [ -f "$out/results/$split.json" ] && { touch "$out/$split.done"; continue; }
    rm -f "$out/$split.failed"
    mkdir -p "$out/runs/$split"
    if [ ! -f "$runs/$split/run.json" ]; then
      resume=() config=$runs/configs/$split.yaml
      [ -d "$runs/$split/checkpoints" ] && resume=(--resume)
      [ ${#resume[@]} -gt 0 ] && [ -f "$runs/$split/config.yaml" ] && config=$runs/$split/config.yaml
      started=$SECONDS
      if ! "$py" training/train.py --config "$config" --out "$runs/$split" --data-dir "$ZSRE_DATA" "${resume[@]}" \
          >> "$out/$split.train.log" 2>&1; then
        echo "[$split] training failed: $out/$split.train.log"; touch "$out/$split.failed"; continue
      fi
      echo "[$split] trained in $((SECONDS - started)) s"
    fi
    cp "$runs/$split/run.json" "$runs/$split/train_log.jsonl" "$out/runs/$split/"
    cpu_job "$split" &
  done
  wait
}

for ((w = 0; w < gpu_jobs; w++)); do train_worker "$w" & done
wait
"$py" training/fewrel_status.py --runs "$runs" --exports "$exports" --results "$out/results" --profile "${profile:-gpu}" \
  --why "not in this device wave ($(wc -l < "$out/wave.txt") splits: ${splits[*]})" --out "$out/status.json"
failed=$(ls "$out"/*.failed 2>/dev/null | wc -l)
echo "finished: $(ls "$out"/*.done 2>/dev/null | wc -l) done, $failed failed"
[ "$failed" -eq 0 ]

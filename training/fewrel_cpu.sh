#!/usr/bin/env bash
# CPU fallback for the FewRel table (issue 12) when no GPU is lent: trains, exports and evaluates
# splits one after another with the cpu profile (configs/fewrel/cpu.yaml), then writes
# benchmarks/results/fewrel/status.json listing every split as done / trained-not-evaluated /
# running-or-partial / not run (with the reason). Resumable: rerun the same command after an
# interruption; finished runs, exports and results are kept, an unfinished run resumes from its
# checkpoint (train.py --resume), a run that another process is training now is left alone.
# Two drivers may run side by side (one core each, FEWREL_THREADS=1) on different splits: each
# split is locked while a driver trains, exports or evaluates it, and another driver passes it by.
#
#   training/fewrel_cpu.sh [--why "reason for the splits not run"] [SPLIT ...]   # default: all 15, m=5 first
#   training/fewrel_cpu.sh --no-train [SPLIT ...]   # only export + evaluate finished runs, then status
#   training/fewrel_cpu.sh --status-only [--why "..."]
#
# Folders (environment, defaults): FEWREL_RUNS=training/runs/fewrel-$FEWREL_PROFILE (recipes in
# its configs/, logs beside the run folders), FEWREL_EXPORTS=training/exports/fewrel-$FEWREL_PROFILE,
# FEWREL_RESULTS=benchmarks/results/fewrel (benchmarks/results/fewrel-$FEWREL_PROFILE for a profile other
# than cpu, e.g. cpu-cross1500), FEWREL_PROFILE=cpu, DATA_DIR=../shared/data,
# PYTHON=.venv/bin/python, FEWREL_THREADS=2 (evaluation threads), FEWREL_MAX_PER_RELATION
# (evaluation: first N sentences per test relation; unset = all, as the table needs).
set -uo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
data=${DATA_DIR:-../shared/data}
profile=${FEWREL_PROFILE:-cpu}
runs=${FEWREL_RUNS:-training/runs/fewrel-$profile}
exports=${FEWREL_EXPORTS:-training/exports/fewrel-$profile}
# The cpu profile's results are the table's (benchmarks/results/fewrel); another profile's go beside it.
default_results=benchmarks/results/fewrel
[ "$profile" = cpu ] || default_results=benchmarks/results/fewrel-$profile
results=${FEWREL_RESULTS:-$default_results}
threads=${FEWREL_THREADS:-2}
cap=()
[ -n "${FEWREL_MAX_PER_RELATION:-}" ] && cap=(--max-per-relation "$FEWREL_MAX_PER_RELATION")

mode=all why=() splits=()
while [ $# -gt 0 ]; do
  case $1 in
    --status-only) mode=status ;;
    --no-train) mode=no-train ;;
    --why) why=(--why "${2:?--why needs a reason}"); shift ;;
    -*) echo "unknown option $1: expected --status-only, --no-train, --why TEXT or split names" >&2; exit 2 ;;
    *) splits+=("$1") ;;
  esac
  shift
done
all=$("$py" -c 'import sys; sys.path.insert(0, "training"); from fewrel_configs import split_names; print(" ".join(split_names()))')
[ ${#splits[@]} -gt 0 ] || read -r -a splits <<< "$all"
for split in "${splits[@]}"; do
  [[ " $all " == *" $split "* ]] || { echo "unknown split $split: expected one of $all" >&2; exit 2; }
done

write_status() {
  "$py" training/fewrel_status.py --runs "$runs" --exports "$exports" --results "$results" --profile "$profile" "${why[@]}"
}
[ "$mode" = status ] && { write_status; exit $?; }

mkdir -p "$runs/configs" "$exports" "$results"

training_now() {  # a train.py process (this driver's or one started by hand) writing this run folder
  pgrep -f "train\.py .*--out ([^ ]*/)?$(basename "$runs")/$1/?( |\$)" > /dev/null
}

status=0
for split in "${splits[@]}"; do
  run=$runs/$split model=$exports/$split
  if [ -f "$results/$split.json" ]; then echo "[$split] done: $results/$split.json"; continue; fi
  # One driver per split at a time (opening fd 9 again releases the previous split's lock).
  exec 9>"$runs/.$split.lock"
  flock -n 9 || { echo "[$split] another fewrel_cpu.sh is working on it: left alone"; continue; }
  if [ ! -f "$run/run.json" ]; then
    if training_now "$split"; then echo "[$split] being trained by another process: left alone"; continue; fi
    if [ "$mode" = no-train ]; then echo "[$split] not trained (--no-train): skipped"; continue; fi
    # A started run continues the recipe it started with (the copy in its folder); a new one gets
    # the recipe the base and profile give now, so a recipe written before the base changed is not reused.
    config=$runs/configs/$split.yaml resume=()
    [ -d "$run/checkpoints" ] && resume=(--resume)
    if [ ${#resume[@]} -gt 0 ] && [ -f "$run/config.yaml" ]; then
      config=$run/config.yaml
    else
      "$py" training/fewrel_configs.py --out "$runs/configs" --profile "$profile" --only "$split" > /dev/null || { status=1; continue; }
    fi
    echo "[$split] training${resume:+ (resumed)}: log $runs/$split.log"
    if ! "$py" training/train.py --config "$config" --out "$run" --data-dir "$data" "${resume[@]}" >> "$runs/$split.log" 2>&1; then
      echo "[$split] training failed: see $runs/$split.log" >&2; status=1; continue
    fi
  fi
  if [ ! -f "$model/manifest.json" ]; then
    echo "[$split] exporting to $model"
    started=$SECONDS
    if ! "$py" training/export.py --run "$run" --out "$model" --data-dir "$data" > "$runs/$split.export.log" 2>&1; then
      echo "[$split] export failed: see $runs/$split.export.log" >&2; status=1; continue
    fi
    printf '{"out": "%s", "seconds": %d}\n' "$model" $((SECONDS - started)) > "$run/export.json"
  fi
  echo "[$split] evaluating"
  if ! "$py" training/evaluate_fewrel.py --model "$model" --split "$split" --out "$results/$split.json" --run "$run" \
      --profile "$profile" --data-dir "$data" --threads "$threads" --predictions "$runs/$split.predictions.json" "${cap[@]}" \
      > "$runs/$split.evaluate.log" 2>&1; then
    echo "[$split] evaluation failed: see $runs/$split.evaluate.log" >&2; status=1; continue
  fi
  tail -n 6 "$runs/$split.evaluate.log"
done
exec 9>&-
write_status || status=1
exit $status

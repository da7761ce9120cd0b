#!/usr/bin/env bash
# A default-model candidate and the evidence to choose it, in one device call (issues 21, 24 item 5).
# On a GPU machine without network, from the repository root, after training/device/pack.sh built
# .device/ here and it travelled along (carry .device):
#   training/device/choose_default.sh LOG_DIR DEST SECONDS SHIP_CONFIG CHOICE_CONFIG...
# Trains every config side by side on the one GPU (each with --resume). Each CHOICE run (a recipe on
# the held-out split) is then scored on the machine's CPUs with the Python pipeline:
# training/evaluate_heldout.py (held-out FewRel and ChemProt: bi, full cross, EMMA) and
# training/evaluate_documents.py (Re-DocRED sentence pairs, closed set); nothing of it is exported.
# The SHIP run (the final recipe) is exported (int8 graphs, export gates) and packed as
# training/exports/packed/<stem>.tar.part-* (15 MiB parts: the tool returns 8 files, 64 MiB).
# The jobs run detached (setsid), so a later call can collect what was not finished: this call waits
# at most SECONDS, then puts into DEST (the tool's $OUT) results.tar.gz (results, logs, run.json,
# train_log.jsonl, the ship run's manifest) and, once it is exported, the ship run's parts.
# A second call with the same arguments starts nothing that is running or finished, and collects.
# A local test on a CPU: DATA_DIR=../shared/data PYTHON=.venv/bin/python with tiny recipes
# (training/tests/test_device_choose.py).
# Here afterwards: tar -xzf results.tar.gz; cat <stem>.tar.part-* | tar -x -C training/exports
set -uo pipefail
log=${1:?usage: choose_default.sh LOG_DIR DEST SECONDS SHIP_CONFIG CHOICE_CONFIG...}
dest=${2:?usage: choose_default.sh LOG_DIR DEST SECONDS SHIP_CONFIG CHOICE_CONFIG...}
limit=${3:?usage: choose_default.sh LOG_DIR DEST SECONDS SHIP_CONFIG CHOICE_CONFIG...}
ship=${4:?usage: choose_default.sh LOG_DIR DEST SECONDS SHIP_CONFIG CHOICE_CONFIG...}
shift 4
choices=("$@")
py=${PYTHON:-python3}
export PYTHON=$py
runs=${CHOOSE_RUNS:-training/runs/choose}
exports=${CHOOSE_EXPORTS:-training/exports}
packed=$exports/packed
per_relation=${CHOOSE_PER_RELATION:-100}
eval_threads=${CHOOSE_EVAL_THREADS:-4}
for config in "$ship" "${choices[@]}"; do
  [ -f "$config" ] || { echo "no such config: $config" >&2; exit 2; }
done
# shellcheck source=training/device/setup.sh
source "$(dirname "$0")/setup.sh" || exit 1
mkdir -p "$log/results" "$runs" "$packed" "$dest"
stem_of() { basename "$1" .yaml; }

train() {  # config -> $runs/<stem> (resumable)
  local config=$1 stem started=$SECONDS
  stem=$(stem_of "$config")
  [ -f "$runs/$stem/run.json" ] && return 0
  "$py" training/train.py --config "$config" --data-dir "$ZSRE_DATA" --out "$runs/$stem" --resume || return 1
  echo "[$stem] trained in $((SECONDS - started)) s"
}

choice_job() {  # train, then held-out and document scores
  local config=$1 stem
  stem=$(stem_of "$config")
  train "$config" &&
    OMP_NUM_THREADS=$eval_threads "$py" training/evaluate_heldout.py --run "$runs/$stem" --data-dir "$ZSRE_DATA" \
      --per-relation "$per_relation" --out "$log/results/heldout_$stem.json" &&
    "$py" training/evaluate_documents.py --run "$runs/$stem" --data-dir "$ZSRE_DATA" --threads "$eval_threads" \
      --out "$log/results/documents_$stem.json" ${EVAL_ARGS:-} &&
    cp "$runs/$stem/run.json" "$log/results/run_$stem.json" && cp "$runs/$stem/train_log.jsonl" "$log/results/train_log_$stem.jsonl"
}

ship_job() {  # train, export (export gates), pack
  local config=$1 stem
  stem=$(stem_of "$config")
  train "$config" &&
    "$py" training/export.py --run "$runs/$stem" --out "$exports/$stem" --data-dir "$ZSRE_DATA" &&
    cp "$runs/$stem/run.json" "$runs/$stem/train_log.jsonl" "$exports/$stem/" &&
    cp "$exports/$stem/manifest.json" "$log/results/manifest_$stem.json" &&
    cp "$runs/$stem/run.json" "$log/results/run_$stem.json" && cp "$runs/$stem/train_log.jsonl" "$log/results/train_log_$stem.jsonl" &&
    rm -f "$packed/$stem".tar.part-* &&
    (cd "$exports" && tar -cf - --exclude='*.fp32.onnx' "$stem") | split -b 15M -d - "$packed/$stem.tar.part-"
}

start() {  # kind config: runs the job detached once; <stem>.done / .failed mark its end
  local kind=$1 config=$2 stem
  stem=$(stem_of "$config")
  [ -f "$log/$stem.done" ] && return 0
  if [ -f "$log/$stem.pid" ] && kill -0 "$(cat "$log/$stem.pid")" 2>/dev/null; then return 0; fi
  rm -f "$log/$stem.failed"
  setsid bash -c "$(declare -f stem_of train choice_job ship_job); py='$py' runs='$runs' exports='$exports' packed='$packed' log='$log' \
    per_relation='$per_relation' eval_threads='$eval_threads' EVAL_ARGS='${EVAL_ARGS:-}' ZSRE_DATA='$ZSRE_DATA'; \
    if ${kind}_job '$config'; then touch '$log/$stem.done'; else touch '$log/$stem.failed'; fi" \
    >> "$log/$stem.log" 2>&1 < /dev/null &
  echo $! > "$log/$stem.pid"
  echo "started $stem ($kind)"
}

"$py" -c 'import torch, transformers, onnxruntime; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), "transformers", transformers.__version__, "onnxruntime", onnxruntime.__version__)'
start ship "$ship"
for config in "${choices[@]}"; do start choice "$config"; done

all=("$ship" "${choices[@]}")
pending() {
  local config n=0
  for config in "${all[@]}"; do
    [ -f "$log/$(stem_of "$config").done" ] || [ -f "$log/$(stem_of "$config").failed" ] || n=$((n + 1))
  done
  echo "$n"
}
started=$SECONDS
while [ "$(pending)" -gt 0 ] && [ $((SECONDS - started)) -lt "$limit" ]; do sleep 5; done
for config in "${all[@]}"; do
  stem=$(stem_of "$config")
  state=running; [ -f "$log/$stem.done" ] && state=done; [ -f "$log/$stem.failed" ] && state=failed
  echo "== $stem: $state"; tail -n 3 "$log/$stem.log"
done
tar -czf "$dest/results.tar.gz" -C "$log" . 2>/dev/null
ship_stem=$(stem_of "$ship")
[ -f "$log/$ship_stem.done" ] && cp "$packed/$ship_stem".tar.part-* "$dest"/
ls -la "$dest"
echo "after $((SECONDS - started)) s: $(pending) still running"
[ "$(pending)" -eq 0 ] && ! ls "$log"/*.failed > /dev/null 2>&1

#!/usr/bin/env bash
# On the GPU machine: waits (at most SECONDS) until every split of train_fewrel.sh's wave is .done
# or .failed, then copies LOG_DIR (results, predictions, logs, run.json, train_log.jsonl, export
# manifests; no models, well under the 64 MiB the tool returns) into DEST, the device tool's $OUT.
#   training/device/collect_fewrel.sh LOG_DIR "$OUT" [SECONDS=540]
# Exit 0 when the whole wave is finished, 1 while some split is still running (call again).
# Here: copy DEST/results/*.json to benchmarks/results/fewrel/ and the rest beside them (README).
set -uo pipefail
log=${1:?usage: collect_fewrel.sh LOG_DIR DEST [SECONDS]}
dest=${2:?usage: collect_fewrel.sh LOG_DIR DEST [SECONDS]}
limit=${3:-540}
start=$SECONDS
[ -f "$log/wave.txt" ] || { echo "no $log/wave.txt: train_fewrel.sh has not started (see its output)" >&2; exit 1; }
pending() {
  local split n=0
  while read -r split; do [ -f "$log/$split.done" ] || [ -f "$log/$split.failed" ] || n=$((n + 1)); done < "$log/wave.txt"
  echo "$n"
}
while [ "$(pending)" -gt 0 ] && [ $((SECONDS - start)) -lt "$limit" ]; do sleep 5; done
cp -r "$log/." "$dest/"
left=$(pending)
echo "after $((SECONDS - start)) s: $(ls "$log"/results/*.json 2>/dev/null | wc -l) results, $(ls "$log"/*.failed 2>/dev/null | wc -l) failed, $left still running"
[ "$left" -eq 0 ]

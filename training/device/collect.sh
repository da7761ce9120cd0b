#!/usr/bin/env bash
# On the GPU machine: waits (at most SECONDS) until train_default.sh has finished run STEM, then
# copies its packed export parts and the run logs into DEST (the device tool's $OUT).
# train_default.sh is started detached (setsid) so that a run outlives one tool call:
#   setsid nohup training/device/train_default.sh training/exports/logs >training/exports/logs/main.out 2>&1 </dev/null &
#   training/device/collect.sh default_all_gpu "$OUT" 540
set -uo pipefail
stem=${1:?usage: collect.sh STEM DEST [SECONDS]}
dest=${2:?usage: collect.sh STEM DEST [SECONDS]}
limit=${3:-540}
packed=training/exports/packed
start=$SECONDS
while [ ! -f "$packed/$stem.done" ] && [ ! -f "$packed/$stem.failed" ] && [ $((SECONDS - start)) -lt "$limit" ]; do
  sleep 5
done
for f in training/exports/logs/*; do tail -n 4 "$f"; done
cp training/exports/logs/* "$dest"/ 2>/dev/null
if [ -f "$packed/$stem.done" ]; then
  cp "$packed/$stem".tar.part-* "$dest"/
  echo "collected $stem after $((SECONDS - start)) s"
else
  echo "$stem not finished ($([ -f "$packed/$stem.failed" ] && echo failed || echo still running)) after $((SECONDS - start)) s"
  exit 1
fi

#!/usr/bin/env bash
# Cross-encoder ablation on the CPU budget (issue 11): train each variant of
# training/configs/ablation/ from ONE shared bi-encoder, score it on the held-out relations,
# then write the table. Resumable: rerun the same command after an interruption; finished
# runs and results are kept, an unfinished run continues from its last checkpoint.
#
#   bash training/ablation.sh [variant ...]     (default: every config in training/configs/ablation/)
#
# The first variant (cross_cls_backbone_k3h1, today's recipe) trains the bi-encoder; the others
# start from its bi-encoder checkpoint, so they differ only in the cross-encoder. A variant can say
# otherwise in one line of its YAML:
#   # ablation-start-from: none                                    (trains everything itself)
#   # ablation-start-from: cross_markers_bi_k5h3 bi_encoder cross_encoder   (reuses those phases)
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
runs=training/runs/ablation
results=benchmarks/results/ablation
base=cross_cls_backbone_k3h1
mkdir -p "$runs" "$results"
variants=("$@")
if [ ${#variants[@]} -eq 0 ]; then
  variants=($(ls training/configs/ablation/*.yaml | xargs -n1 basename | sed 's/\.yaml$//'))
fi

start_from() {  # "RUN PHASE..." from the variant's "# ablation-start-from:" line; default: the base's bi-encoder
  local line
  line=$(sed -n 's/^# ablation-start-from: *//p' "training/configs/ablation/$1.yaml" | head -n 1)
  echo "${line:-$base bi_encoder}"
}

train() {  # train one variant (resuming whatever it had done)
  local name=$1 dir=$runs/$1
  if [ -f "$dir/run.json" ]; then echo "== $name: trained"; return; fi
  local resume=()
  if [ -d "$dir/checkpoints" ]; then resume=(--resume); fi
  if [ "$name" != "$base" ] && [ ! -d "$dir/checkpoints" ]; then
    # Start from another run's finished phases: same data, seed and settings for those phases.
    local from=($(start_from "$name"))
    if [ "${from[0]}" != none ]; then
      while [ ! -f "$runs/${from[0]}/run.json" ]; do echo "== $name: waiting for ${from[0]}"; sleep 60; done
      mkdir -p "$dir/checkpoints"
      for phase in "${from[@]:1}"; do cp "$runs/${from[0]}/checkpoints/$phase.pt" "$dir/checkpoints/$phase.pt"; done
      cp "$runs/${from[0]}"/hard_negatives_top*.npy "$dir/" 2>/dev/null || true
      resume=(--resume)
    fi
  fi
  echo "== $name: training ($(date -u +%H:%M))"
  $py training/train.py --config "training/configs/ablation/$name.yaml" --out "$dir" "${resume[@]}" >> "$dir.log" 2>&1
}

evaluate() {
  local name=$1
  if [ -f "$results/$name.json" ]; then echo "== $name: scored"; return; fi
  echo "== $name: scoring ($(date -u +%H:%M))"
  $py training/evaluate_heldout.py --run "$runs/$name" --out "$results/$name.json" --per-relation "${ZSRE_ABLATION_PER_RELATION:-50}" --name-swap
}

# The base variant trains the shared bi-encoder; the others wait for it (several variants may
# run side by side: bash training/ablation.sh A & bash training/ablation.sh B).
if [[ " ${variants[*]} " == *" $base "* ]]; then train "$base"; fi
while [ ! -f "$runs/$base/bi_encoder.pt" ]; do echo "== waiting for the shared bi-encoder ($runs/$base)"; sleep 60; done
for name in "${variants[@]}"; do
  train "$name"
  evaluate "$name"
done
$py training/ablation_report.py --results "$results" --out "$results/README.md"

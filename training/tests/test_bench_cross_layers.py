"""bench_cross_layers.py: layer counts parsed strictly; the cut graphs export, run and are cheaper."""
from __future__ import annotations

import json

import pytest

import bench_cross_layers


def test_layer_counts_must_be_distinct_positive_integers():
    assert bench_cross_layers.parse_layers("6,3") == [6, 3]
    for bad in ("6,x", "6,0", "3,3", ""):
        with pytest.raises(SystemExit, match="--layers"):
            bench_cross_layers.parse_layers(bad)


def test_a_run_records_each_depth_against_the_first(tmp_path):
    out = tmp_path / "cross-layers.json"
    assert bench_cross_layers.main(["--layers", "2,1", "--rows", "2", "--tokens", "12", "--rounds", "1", "--out", str(out)]) == 0
    record = json.loads(out.read_text())
    assert record["benchmark"] == "cross-layers" and record["settings"]["reference"] == 2
    rows = {(r["layers"], r["precision"]): r for r in record["table"]}
    assert set(rows) == {(2, "fp32"), (2, "int8"), (1, "fp32"), (1, "int8")}
    assert rows[(2, "fp32")]["overReference"] == 1 and all(r["msPerPair"] > 0 for r in rows.values())
    assert record["environment"]["cpu"] and record["environment"]["onnxruntime"]

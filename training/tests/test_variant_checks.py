"""variant_checks.check_variant: the same graphs (by content) on the same check data are checked once
per process (an export's pooled-layer step re-checks the static graphs its static step just checked);
other bytes, other data or other threads are checked afresh, and callers get their own copy."""
from __future__ import annotations

import numpy as np

from zsre_train import variant_checks
from zsre_train.text import SentenceInput
from zsre_train.variant_checks import CheckData, check_variant


def _data(gold: list[int]) -> CheckData:
    return CheckData(tokenizer=None, sentences=[SentenceInput([101, 1, 2, 102], 1, 2), SentenceInput([101, 3, 102], 1, 1)],
                     descriptions=[[101, 7, 102], [101, 8, 102]], gold=np.array(gold), relations=["P1", "P2"],
                     fusion={"topK": 2}, calibration_sentences=[], calibration_descriptions=[])


def test_a_variant_is_checked_once_per_content(tmp_path, monkeypatch):
    runs = []

    def fake_check(bi, cross, data, threads, label):
        runs.append((bi.name, cross.name, threads))
        return {"heldOut": {"fused": {"accuracy": 50.0}}, "top1": {"fused": [0, 1]}}

    monkeypatch.setattr(variant_checks, "_check_variant", fake_check)
    monkeypatch.setattr(variant_checks, "_checked", {})
    bi, cross, copy_of_cross, other = (tmp_path / n for n in ("bi.onnx", "cross.onnx", "cross_copy.onnx", "other.onnx"))
    bi.write_bytes(b"bi graph")
    cross.write_bytes(b"cross graph")
    copy_of_cross.write_bytes(b"cross graph")
    other.write_bytes(b"another cross graph")
    data = _data([0, 1])

    first = check_variant(bi, cross, data, 2, "static int8")
    first["top1"]["fused"].append(9)  # a caller's edit does not reach the next caller
    again = check_variant(bi, copy_of_cross, data, 2, "full last layer")  # same bytes at another path
    assert again == {"heldOut": {"fused": {"accuracy": 50.0}}, "top1": {"fused": [0, 1]}}
    assert len(runs) == 1

    check_variant(bi, other, data, 2, "pooled last layer")
    check_variant(bi, cross, data, 1, "static int8")
    check_variant(bi, cross, _data([1, 1]), 2, "static int8")
    assert len(runs) == 4

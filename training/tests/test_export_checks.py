"""The export gates on hand-made outputs: they must fail loudly, not warn."""
from __future__ import annotations

import numpy as np
import pytest

from zsre_train.export import _check_fp32, _check_int8
from zsre_train.onnx_graphs import ExportError


def outputs(shift: float = 0.0, flips: int = 0) -> dict:
    rng = np.random.default_rng(0)
    top1 = np.arange(100) % 5
    flipped = top1.copy()
    flipped[:flips] = (flipped[:flips] + 1) % 5
    return {"s": rng.random((100, 6)) + shift, "d": rng.random((5, 6)), "cross": rng.random((100, 3)),
            "top_bi": rng.random((100, 3)), "fused_top1": flipped, "bi_top1": top1}


def test_fp32_gate():
    assert _check_fp32(outputs(), outputs(shift=5e-5))["sentenceVector"] == pytest.approx(5e-5)
    with pytest.raises(ExportError, match="differs from torch"):
        _check_fp32(outputs(), outputs(shift=2e-4))


GOLD = np.arange(100) % 5


def test_int8_gate_passes_flips_at_equal_accuracy():
    # 8 flips: agreement 0.92 (above the 0.9 floor), int8 accuracy 0.92 against fp32's 1.0 -> fails
    with pytest.raises(ExportError, match="fused accuracy 0.920"):
        _check_int8(outputs(), outputs(flips=8), GOLD)
    # 1 flip: 0.99 accuracy, within the allowed drop
    checks = _check_int8(outputs(), outputs(flips=1), GOLD)
    assert checks["fusedTop1Agreement"] == 0.99 and checks["fusedAccuracy"] == {"fp32": 1.0, "int8": 0.99}
    assert checks["biOnlyTop1Agreement"] == 1.0
    # fp32 wrong on 8 sentences that int8 gets right: agreement 0.92, accuracy up -> passes
    assert _check_int8(outputs(flips=8), outputs(), GOLD)["fusedAccuracy"] == {"fp32": 0.92, "int8": 1.0}


def test_int8_gate_refuses_a_broken_quantization():
    # 20 flips where fp32 was wrong too (accuracy equal at 0.8), agreement 0.8 < 0.9
    fp32 = outputs(flips=20)
    int8 = outputs(flips=20)
    int8["fused_top1"][:20] = (int8["fused_top1"][:20] + 1) % 5
    with pytest.raises(ExportError, match="quantization is broken"):
        _check_int8(fp32, int8, GOLD)

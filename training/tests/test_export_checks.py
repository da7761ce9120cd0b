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


def test_int8_gate():
    assert _check_int8(outputs(), outputs(flips=1)) == {"fusedTop1Agreement": 0.99, "biOnlyTop1Agreement": 1.0}
    with pytest.raises(ExportError, match="fused_top1"):
        _check_int8(outputs(), outputs(flips=2))

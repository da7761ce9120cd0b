"""Per-row activation quantization and the batch-invariance gate (issue 13)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from zsre_train.invariance import batch_invariance
from zsre_train.onnx_graphs import ExportError
from zsre_train.row_quant import LEVELS, has_per_tensor_activations, per_row_activations
from zsre_train.text import SentenceInput

K, N = 64, 32


def dynamic_int8_graph(path: Path, weight: np.ndarray, weight_scale: np.ndarray) -> None:
    """The pattern quantize_dynamic writes: DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul(scales)."""
    graph = helper.make_graph(
        [helper.make_node("DynamicQuantizeLinear", ["x"], ["q", "s", "z"], name="dql"),
         helper.make_node("MatMulInteger", ["q", "W", "z", "wz"], ["y"], name="mmi"),
         helper.make_node("Cast", ["y"], ["yf"], to=TensorProto.FLOAT),
         helper.make_node("Mul", ["s", "ws"], ["scales"]),
         helper.make_node("Mul", ["yf", "scales"], ["out"])],
        "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", "S", K])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["B", "S", N])],
        [numpy_helper.from_array(weight, "W"), numpy_helper.from_array(weight_scale, "ws"),
         numpy_helper.from_array(np.zeros(N, np.int8), "wz")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))


def run(path: Path, x: np.ndarray) -> np.ndarray:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]


@pytest.fixture()
def graphs(tmp_path: Path):
    rng = np.random.default_rng(0)
    weight = rng.integers(-127, 128, (K, N)).astype(np.int8)
    scale = (rng.random(N) * 0.01 + 0.001).astype(np.float32)
    dynamic_int8_graph(tmp_path / "per_tensor.onnx", weight, scale)
    replaced = per_row_activations(tmp_path / "per_tensor.onnx", tmp_path / "per_row.onnx")
    return tmp_path, weight, scale, replaced


def test_rewrite_computes_the_per_row_quantization_exactly(graphs):
    folder, weight, scale, replaced = graphs
    assert replaced == 1
    assert has_per_tensor_activations(folder / "per_tensor.onnx") and not has_per_tensor_activations(folder / "per_row.onnx")
    rng = np.random.default_rng(1)
    # rows of very different ranges, all-positive rows (zero point 0) and one all-zero row
    x = (rng.standard_normal((2, 5, K)) * rng.random((2, 5, 1)) * 3 + rng.random((2, 5, 1)) * 4).astype(np.float32)
    x[1, 4] = 0.0
    expected = per_row_reference(x, weight, scale)
    assert np.abs(run(folder / "per_row.onnx", x) - expected).max() < 1e-5 * np.abs(expected).max()
    assert np.all(run(folder / "per_row.onnx", x)[1, 4] == 0)


def per_row_reference(x: np.ndarray, weight: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The rewrite's arithmetic in numpy (float64 integer products: no saturation possible)."""
    low, high = np.minimum(x.min(-1, keepdims=True), 0), np.maximum(x.max(-1, keepdims=True), 0)
    row_scale = np.maximum(high - low, 1e-12).astype(np.float32) / np.float32(LEVELS)
    zero_point = np.clip(np.round(-low / row_scale), 0, LEVELS)
    q = np.clip(np.round(x / row_scale) + zero_point, 0, LEVELS)
    return ((q - zero_point) @ weight.astype(np.float64)) * row_scale * scale


def test_a_row_gives_the_same_output_in_any_batch(graphs):
    folder = graphs[0]
    rng = np.random.default_rng(2)
    row = rng.standard_normal((1, 3, K)).astype(np.float32)
    loud = rng.standard_normal((1, 3, K)).astype(np.float32) * 50  # a neighbour with a much wider range
    together = np.concatenate([row, loud])
    alone = run(folder / "per_row.onnx", row)[0]
    assert np.array_equal(run(folder / "per_row.onnx", together)[0], alone)
    # the per-tensor graph it replaces does not have that property
    assert not np.allclose(run(folder / "per_tensor.onnx", together)[0], run(folder / "per_tensor.onnx", row)[0], atol=1e-3)


def test_integer_products_do_not_saturate(graphs):
    """Quantized values at the top of the range against weights of +-127: 8-bit values would
    saturate the int16 pair sums of the uint8 x int8 kernel on AVX2 CPUs; 7-bit ones stay exact."""
    folder, _, scale, _ = graphs
    weight = np.where(np.arange(K * N).reshape(K, N) % 3 == 0, -127, 127).astype(np.int8)
    dynamic_int8_graph(folder / "loud.onnx", weight, scale)
    per_row_activations(folder / "loud.onnx", folder / "loud_per_row.onnx")
    x = np.full((1, 2, K), 10.0, dtype=np.float32)
    x[0, :, 0] = -0.01  # zero point 0: every other value quantizes to 127
    x[0, 1, 1::2] = 9.0
    expected = per_row_reference(x, weight, scale)
    assert np.abs(run(folder / "loud_per_row.onnx", x) - expected).max() < 1e-5 * np.abs(expected).max()


def test_rewrite_refuses_graphs_it_cannot_or_need_not_convert(graphs, tmp_path: Path):
    folder = graphs[0]
    with pytest.raises(ExportError, match="already has per-row"):
        per_row_activations(folder / "per_row.onnx", tmp_path / "again.onnx")
    plain = helper.make_model(helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                                                [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                                                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])]),
                              opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(plain, str(tmp_path / "plain.onnx"))
    with pytest.raises(ExportError, match="no DynamicQuantizeLinear"):
        per_row_activations(tmp_path / "plain.onnx", tmp_path / "out.onnx")


# --- the gate, on runners whose batch dependence is known --------------------------------------

def rows(count: int) -> list[SentenceInput]:
    rng = np.random.default_rng(3)
    return [SentenceInput([101] + list(rng.integers(1000, 2000, int(rng.integers(3, 30)))) + [102], 1, 2) for _ in range(count)]


def row_features(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A per-row function of the unpadded ids: what a batch-invariant graph computes."""
    return np.stack([(ids * mask).sum(1) / mask.sum(1), mask.sum(1).astype(float), (ids * mask).max(1)], axis=1) / 1000.0


def invariant_runners():
    def bi(ids, mask, head, tail):
        v = row_features(ids, mask)
        return v, v

    def cross(ids, mask, types, head, tail):  # a CrossRunner; this one ignores the marker positions
        return row_features(ids, mask)[:, 0] - (types * mask).sum(1) / 100.0

    return bi, cross


def per_batch_runners():
    """Like quantize_dynamic's graphs: every row is rounded on a grid set by the whole batch."""
    bi, cross = invariant_runners()

    def quantized(values: np.ndarray) -> np.ndarray:
        step = np.abs(values).max() / 127
        return np.round(values / step) * step

    return (lambda *a: tuple(quantized(v) for v in bi(*a))), (lambda *a: quantized(cross(*a)))


def test_gate_passes_batch_invariant_graphs(tokenizer):
    descriptions = [[101, 2000 + i, 3000 + 3 * i, 102] for i in range(6)]
    checks = batch_invariance(*invariant_runners(), tokenizer, rows(40), descriptions, 3, "test")
    assert checks["sentenceVector"] == 0 and checks["crossScore"] == 0
    assert checks["sentences"] == 40 and checks["pairs"] == 120 and len(checks["layouts"]) == 4


def test_gate_refuses_scores_that_depend_on_the_batch(tokenizer):
    descriptions = [[101, 2000 + i, 3000 + 3 * i, 102] for i in range(6)]
    with pytest.raises(ExportError, match="not batch-invariant.*per row"):
        batch_invariance(*per_batch_runners(), tokenizer, rows(40), descriptions, 3, "test")

"""training/expose_quantized.py: every QuantizeLinear output becomes a graph output of its own type."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("expose_quantized", ROOT / "training" / "expose_quantized.py")
expose_quantized = importlib.util.module_from_spec(spec)
spec.loader.exec_module(expose_quantized)


def _graph(zero_type: int) -> onnx.ModelProto:
    # x -> QuantizeLinear (scale 0.1, zero point of zero_type) -> DequantizeLinear -> y
    zero = helper.make_tensor("zero", zero_type, [], [0])
    scale = helper.make_tensor("scale", TensorProto.FLOAT, [], [0.1])
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "scale", "zero"], ["x_quantized"]),
        helper.make_node("DequantizeLinear", ["x_quantized", "scale", "zero"], ["y"]),
    ]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])], initializer=[zero, scale])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@pytest.mark.parametrize("zero_type, dtype", [(TensorProto.UINT8, np.uint8), (TensorProto.INT8, np.int8)])
def test_exposes_the_rounded_activations(tmp_path: Path, zero_type: int, dtype) -> None:
    source = tmp_path / "g.onnx"
    onnx.save(_graph(zero_type), str(source))
    out = tmp_path / "exposed" / "g.onnx"
    assert expose_quantized.expose(source, out) == ["x_quantized"]
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["y", "x_quantized"]
    y, rounded = session.run(None, {"x": np.array([0.04, 0.06, 0.26, -0.5], dtype=np.float32)})
    assert rounded.dtype == dtype
    # 0.4 -> 0, 0.6 -> 1, 2.6 -> 3; -5 saturates to 0 for uint8
    assert rounded.tolist() == ([0, 1, 3, 0] if dtype == np.uint8 else [0, 1, 3, -5])
    np.testing.assert_allclose(y, rounded.astype(np.float32) * 0.1, rtol=1e-6)


def test_a_graph_without_quantize_nodes_exposes_nothing(tmp_path: Path) -> None:
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    source = tmp_path / "relu.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(source))
    assert expose_quantized.expose(source, tmp_path / "out.onnx") == []

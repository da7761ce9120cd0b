"""Per-row activation scales for dynamically quantized int8 graphs, so that a row's result does not
depend on the batch it runs in.

onnxruntime's `quantize_dynamic` inserts DynamicQuantizeLinear before each int8 MatMul: one
uint8 scale and zero point for the whole activation tensor, computed from every row of the
batch, padded positions included. A sentence's vector then moves with its neighbours and with
the batch's padding (up to 0.02 in a sentence vector, 0.5 in a cross score on the shipped model).

`per_row_activations` replaces each DynamicQuantizeLinear by the same asymmetric quantization
(range including 0, zero point = round(-min / scale)) computed per row of the last axis, i.e. per
token, on 7 bits (0..127, scale = range / 127). Each token is then quantized from its own values
only; with padding kept out of every other op (masked attention, per-token LayerNorm), a row's
outputs are bit-identical in any batch size, order or company.

Two constraints of onnxruntime's CPU kernels shape it:
- MatMulInteger takes only a scalar zero point for its first input, so the MatMulInteger nodes
  after it get zero point 0 and their int32 output is corrected exactly, in int32:
  sum_k (q_k - zp) w_k = sum_k q_k w_k - zp * sum_k w_k (w with its own zero point removed; the
  column sums are constants of the graph). The scale, now shaped [..., 1], broadcasts through
  the Mul that rescales their output.
- On AVX2 CPUs without VNNI the uint8 x int8 kernel adds products in pairs into int16
  (vpmaddubsw), which saturates once a0*w0 + a1*w1 passes 32767: with 8-bit activations a
  MatMulInteger was off by up to 60,000 of its int32 output in a test (the per-tensor graphs that
  quantize_dynamic writes have the same flaw on such CPUs). With activations <= 127 the pair sum is
  at most 2 * 127 * 127 = 32258, so the integer arithmetic is exact on every CPU. int8 x int8
  activations would be exact too, but that kernel is 2.5-4x slower on AVX2.

Measured on the shipped model (2 busy AVX2 cores, CPU time per row, batches of 32): bi-encoder
14.9-15.4 ms against 13.5-14.5 for the per-tensor graph, cross-encoder 24.9-26.2 against
21.0-23.3; running the per-tensor graph one row per call instead (also batch-invariant) cost
18 and 25 ms. Bi-encoder accuracy on the 1500 held-out calibration sentences: 0.921 per row
against 0.919 per tensor (0.921 fp32 at export). Rejected: symmetric 8-bit per row (saturating,
-5 points), int8 x int8 (slow), weight-only int8 with fp32 MatMuls (exact too, 1.6-2x slower).

Only the int8 graph's DynamicQuantizeLinear nodes change; weights and everything else stay as
they are, so a model whose fp32 weights are gone can still be converted (training/requantize_rows.py).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .onnx_graphs import ExportError

MARKER = "row_quant_zero"  # the uint8 zero fed to MatMulInteger; its presence marks a converted graph
# 7-bit activations (0..127): onnxruntime's uint8 x int8 kernel on AVX2 CPUs without VNNI adds
# products in pairs into int16 (vpmaddubsw), which saturates once 2 * a * |w| passes 32767; with
# a <= 127 it cannot, so the integer arithmetic is exact on every CPU (see the module docstring).
LEVELS = 127
# ReduceMin/ReduceMax take their axes as an attribute up to opset 17 and as an input from opset 18 on.
_AXES_AS_INPUT_FROM = 18


def _constants(opset: int) -> list[onnx.TensorProto]:
    values = {MARKER: np.array(0, dtype=np.uint8), "row_quant_0": np.array(0.0, dtype=np.float32),
              "row_quant_top": np.array(float(LEVELS), dtype=np.float32),
              # an all-zero row gets a tiny scale instead of a division by zero (its values quantize to 0)
              "row_quant_eps": np.array(1e-12, dtype=np.float32)}
    if opset >= _AXES_AS_INPUT_FROM:
        values["row_quant_axes"] = np.array([-1], dtype=np.int64)
    return [numpy_helper.from_array(value, name) for name, value in values.items()]


def _reduce(op: str, x: str, out: str, opset: int) -> onnx.NodeProto:
    if opset >= _AXES_AS_INPUT_FROM:
        return helper.make_node(op, [x, "row_quant_axes"], [out], name=out, keepdims=1)
    return helper.make_node(op, [x], [out], name=out, axes=[-1], keepdims=1)


def _quantize_rows(node: onnx.NodeProto, opset: int) -> tuple[list[onnx.NodeProto], str]:
    """Nodes computing the DynamicQuantizeLinear outputs per row; returns them and the int32 zero point."""
    x = node.input[0]
    quantized, scale, _ = node.output
    p = f"{node.name or quantized}_row_quant"
    zero_point = p + "_zero_point_i32"
    nodes = [
        _reduce("ReduceMin", x, p + "_min", opset),
        _reduce("ReduceMax", x, p + "_max", opset),
        helper.make_node("Min", [p + "_min", "row_quant_0"], [p + "_low"], name=p + "_low"),  # the range holds 0
        helper.make_node("Max", [p + "_max", "row_quant_0"], [p + "_high"], name=p + "_high"),
        helper.make_node("Sub", [p + "_high", p + "_low"], [p + "_span"], name=p + "_span"),
        helper.make_node("Max", [p + "_span", "row_quant_eps"], [p + "_range"], name=p + "_range"),
        helper.make_node("Div", [p + "_range", "row_quant_top"], [scale], name=p + "_scale"),
        helper.make_node("Neg", [p + "_low"], [p + "_neg_low"], name=p + "_neg_low"),
        helper.make_node("Div", [p + "_neg_low", scale], [p + "_zp_raw"], name=p + "_zp_raw"),
        helper.make_node("Round", [p + "_zp_raw"], [p + "_zp_round"], name=p + "_zp_round"),
        helper.make_node("Clip", [p + "_zp_round", "row_quant_0", "row_quant_top"], [p + "_zp"], name=p + "_zp"),
        helper.make_node("Cast", [p + "_zp"], [zero_point], name=zero_point, to=TensorProto.INT32),
        helper.make_node("Div", [x, scale], [p + "_scaled"], name=p + "_scaled"),
        helper.make_node("Round", [p + "_scaled"], [p + "_rounded"], name=p + "_rounded"),
        helper.make_node("Add", [p + "_rounded", p + "_zp"], [p + "_shifted"], name=p + "_shifted"),
        helper.make_node("Clip", [p + "_shifted", "row_quant_0", "row_quant_top"], [p + "_clipped"], name=p + "_clipped"),
        helper.make_node("Cast", [p + "_clipped"], [quantized], name=p + "_cast", to=TensorProto.UINT8),
    ]
    return nodes, zero_point


def _column_sums(weight: onnx.TensorProto, weight_zero_point: onnx.TensorProto) -> np.ndarray:
    """sum_k (w_kn - w_zp_n) as int32, the constant of the zero-point correction."""
    w = numpy_helper.to_array(weight).astype(np.int64)
    zp = numpy_helper.to_array(weight_zero_point).astype(np.int64)
    if w.ndim != 2:
        raise ExportError(f"MatMulInteger weight {weight.name} has shape {w.shape}, expected a 2-D matrix")
    return (w - zp.reshape(1, -1) if zp.ndim == 1 else w - zp).sum(axis=0).astype(np.int32)


def per_row_activations(source: Path, target: Path) -> int:
    """Rewrites `source` (an int8 graph from quantize_dynamic) to `target`; returns how many
    DynamicQuantizeLinear nodes were replaced. Raises ExportError on a graph without any, on one
    already converted, or on a quantized MatMul whose weight is not a constant."""
    model = onnx.load(str(source))
    graph = model.graph
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    initializers = {i.name: i for i in graph.initializer}
    if MARKER in initializers:
        raise ExportError(f"{source.name} already has per-row activation scales")
    row_zero_point: dict[str, str] = {}  # quantized tensor -> its per-row int32 zero point
    replaced: set[str] = set()
    nodes: list[onnx.NodeProto] = []
    column_sums: list[onnx.TensorProto] = []
    for node in graph.node:
        if node.op_type == "DynamicQuantizeLinear":
            quantize, zero_point = _quantize_rows(node, opset)
            nodes.extend(quantize)
            row_zero_point[node.output[0]] = zero_point
            replaced.update(node.output[1:])
            continue
        if node.op_type == "MatMulInteger" and node.input[0] in row_zero_point:
            weight, weight_zp = node.input[1], node.input[3] if len(node.input) > 3 else ""
            if weight not in initializers or weight_zp not in initializers:
                raise ExportError(f"{source.name}: MatMulInteger {node.name} has no constant weight and zero point to correct with")
            sums = f"{node.name}_row_quant_column_sums"
            column_sums.append(numpy_helper.from_array(_column_sums(initializers[weight], initializers[weight_zp]), sums))
            out = node.output[0]
            p = f"{node.name}_row_quant"
            nodes.append(helper.make_node("MatMulInteger", [node.input[0], weight, MARKER, weight_zp], [p + "_uncorrected"], name=node.name))
            nodes.append(helper.make_node("Mul", [row_zero_point[node.input[0]], sums], [p + "_correction"], name=p + "_correction"))
            nodes.append(helper.make_node("Sub", [p + "_uncorrected", p + "_correction"], [out], name=p + "_corrected"))
            continue
        nodes.append(node)
    if not replaced:
        raise ExportError(f"{source.name} has no DynamicQuantizeLinear node: is it a dynamically quantized int8 graph?")
    uncorrected = [n.name for n in nodes if n.op_type == "MatMulInteger" and any(i in replaced for i in n.input)]
    if uncorrected:
        raise ExportError(f"{source.name}: MatMulInteger nodes {uncorrected} read a zero point that is now per row")
    del graph.node[:]
    graph.node.extend(nodes)
    graph.initializer.extend(_constants(opset) + column_sums)
    # The scale and zero point were scalars and are [..., 1] now: drop stale shape annotations.
    kept = [v for v in graph.value_info if v.name not in replaced]
    del graph.value_info[:]
    graph.value_info.extend(kept)
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as error:
        raise ExportError(f"the per-row rewrite of {source.name} is not a valid ONNX graph: {error}") from error
    onnx.save(model, str(target))
    return len(replaced) // 2


def has_per_tensor_activations(path: Path) -> bool:
    """True when the graph still quantizes activations per tensor (batch-dependent results)."""
    graph = onnx.load(str(path), load_external_data=False).graph
    return any(n.op_type == "DynamicQuantizeLinear" for n in graph.node)

"""Rewrites of an int8 graph's activation quantization, for the graph benchmark and the static converter (issue 23).

Every variant is derived from the dynamic int8 form that onnxruntime's `quantize_dynamic` writes
(DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul(scales) before each quantized MatMul), so
that all variants share the very same int8 weights:

- `per_tensor`: that form itself (one activation scale per batch tensor: NOT batch-invariant).
  `restore_per_tensor` rebuilds it from a per-row graph (row_quant.py), whose rewrite keeps
  every DynamicQuantizeLinear output name, so the shipped graphs need no history to recover it.
- `static_activations`: a fixed scale and zero point per quantized tensor, calibrated once on
  sentences of seen relations (`activation_ranges`), in a QuantizeLinear: each element is
  quantized on its own, so a row's result cannot depend on the batch. On `levels=127` a uint8
  Clip keeps activations at 7 bits, which onnxruntime's AVX2 (non-VNNI) uint8 x int8 kernel adds
  exactly (row_quant.py's docstring); on `levels=255` that kernel may saturate on such CPUs
  unless `seven_bit_weights` bounds the weights. `fuse_int8_matmuls` then writes onnxruntime's
  fused MatMulIntegerToFloat, which its optimizer does not form by itself for static scales.
- `dequantized_fp32`: the int8 weights dequantized into fp32 MatMuls (the shipped model's fp32
  weights are not kept; this is their int8 approximation run in float).
- `per_row_fused`: row_quant.py's per-row scales with the five elementwise ops that quantize
  (Div, Round, Add, Clip, Cast) replaced by one per-axis QuantizeLinear on a [rows, features]
  view; same zero-point correction.
"""
from __future__ import annotations

import copy
from typing import Callable, Iterable

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .onnx_graphs import ExportError
from .row_quant import MARKER, _constants, _reduce

STATIC_MARKER = "zsre.activationQuantization"  # metadata key static_activations sets to "static"
STATIC_HIGH = "static_quant_high"  # the 7-bit Clip's upper bound


def _opset(model: onnx.ModelProto) -> int:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)


def _prune(model: onnx.ModelProto) -> None:
    """Drop nodes whose outputs nothing reads, and initializers no node reads."""
    graph = model.graph
    wanted = {o.name for o in graph.output}
    kept: list[onnx.NodeProto] = []
    for node in reversed(list(graph.node)):
        if any(o in wanted for o in node.output if o):
            kept.append(node)
            wanted.update(i for i in node.input if i)
            for attr in node.attribute:  # subgraphs (If) read outer names
                for sub in ([attr.g] if attr.type == onnx.AttributeProto.GRAPH else list(attr.graphs)):
                    for n in sub.node:
                        wanted.update(i for i in n.input if i)
    kept.reverse()
    del graph.node[:]
    graph.node.extend(kept)
    inits = [i for i in graph.initializer if i.name in wanted]
    del graph.initializer[:]
    graph.initializer.extend(inits)
    values = [v for v in graph.value_info if v.name in wanted]
    del graph.value_info[:]
    graph.value_info.extend(values)


def is_per_row(model: onnx.ModelProto) -> bool:
    return any(i.name == MARKER for i in model.graph.initializer)


def is_static(model: onnx.ModelProto) -> bool:
    return any(p.key == STATIC_MARKER and p.value == "static" for p in model.metadata_props)


def _restore_from_static(model: onnx.ModelProto) -> onnx.ModelProto:
    """Undo static_activations: each marked QuantizeLinear (and its 7-bit Clip) becomes the DynamicQuantizeLinear it replaced."""
    graph = model.graph
    clips = {n.input[0]: n for n in graph.node if n.op_type == "Clip" and len(n.input) > 2 and n.input[2] == STATIC_HIGH}
    constants: set[str] = set()
    nodes = []
    for node in graph.node:
        if node.op_type == "Clip" and node.input[0] in clips and clips[node.input[0]] is node:
            continue
        if node.op_type == "QuantizeLinear":  # quantize_dynamic writes none: each is one static_activations wrote
            quantized = clips[node.output[0]].output[0] if node.output[0] in clips else node.output[0]
            constants.update(node.input[1:])
            nodes.append(helper.make_node("DynamicQuantizeLinear", [node.input[0]], [quantized, node.input[1], node.input[2]], name=node.name))
            continue
        nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    inits = [i for i in graph.initializer if i.name not in constants]
    del graph.initializer[:]
    graph.initializer.extend(inits)
    _prune(model)
    kept = [p for p in model.metadata_props if p.key != STATIC_MARKER]
    del model.metadata_props[:]
    model.metadata_props.extend(kept)
    return model


def restore_per_tensor(model: onnx.ModelProto) -> onnx.ModelProto:
    """The DynamicQuantizeLinear form of a per-row or static graph (a copy); a dynamic graph is returned as a copy."""
    model = copy.deepcopy(model)
    graph = model.graph
    if any(n.op_type == "DynamicQuantizeLinear" for n in graph.node):
        return model
    if is_static(model):
        if any(n.op_type == "MatMulIntegerToFloat" for n in graph.node):
            raise ExportError("the graph has static activation scales fused into MatMulIntegerToFloat (and maybe 7-bit weights): "
                              "start from the graphs before the static conversion (git history of the model directory)")
        return _restore_from_static(model)
    if not is_per_row(model):
        raise ExportError("the graph has neither DynamicQuantizeLinear nor per-row activation quantization: not a dynamic int8 graph")
    by_name = {n.name: n for n in graph.node}
    nodes: list[onnx.NodeProto] = []
    zero_of: dict[str, str] = {}  # quantized tensor -> its restored per-tensor zero point
    corrections: dict[str, str] = {}  # uncorrected MatMulInteger output -> corrected output name
    for node in graph.node:
        if node.name.endswith("_row_quant_corrected"):
            corrections[node.input[0]] = node.output[0]
    for node in graph.node:
        if node.op_type == "ReduceMin" and node.name.endswith("_row_quant_min"):
            p = node.name[: -len("_min")]
            scale = by_name[p + "_scale"].output[0]
            quantized = by_name[p + "_cast"].output[0]
            zero = p[: -len("_row_quant")] + "_zero_point"
            zero_of[quantized] = zero
            nodes.append(helper.make_node("DynamicQuantizeLinear", [node.input[0]], [quantized, scale, zero], name=p[: -len("_row_quant")]))
            continue
        if "_row_quant" in node.name and node.op_type != "MatMulInteger":
            continue
        if node.op_type == "MatMulInteger" and len(node.input) > 2 and node.input[2] == MARKER:
            out = corrections[node.output[0]]
            nodes.append(helper.make_node("MatMulInteger", [node.input[0], node.input[1], zero_of[node.input[0]], node.input[3]], [out], name=node.name))
            continue
        nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    _prune(model)
    return model


def _dynamic_nodes(model: onnx.ModelProto) -> list[onnx.NodeProto]:
    found = [n for n in model.graph.node if n.op_type == "DynamicQuantizeLinear"]
    if not found:
        raise ExportError("no DynamicQuantizeLinear node: restore_per_tensor first")
    return found


def quantized_activations(model: onnx.ModelProto) -> list[str]:
    """The float tensors that the graph quantizes (inputs of its DynamicQuantizeLinear nodes)."""
    return [n.input[0] for n in _dynamic_nodes(model)]


def probe(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of a dynamic graph that also outputs every tensor it quantizes (for calibration)."""
    model = copy.deepcopy(model)
    known = {o.name for o in model.graph.output}
    for name in quantized_activations(model):
        if name not in known:
            model.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    return model


def activation_ranges(run: Callable[[dict], dict[str, np.ndarray]], feeds: Iterable[dict], names: list[str]) -> dict[str, tuple[float, float]]:
    """Min and max of each tensor over the real (unpadded) tokens of every feed; `run` returns the probe's outputs."""
    low = {n: np.inf for n in names}
    high = {n: -np.inf for n in names}
    for feed in feeds:
        outputs = run(feed)
        mask = feed["attention_mask"].astype(bool)
        for name in names:
            value = outputs[name]
            rows = value[mask] if value.ndim == 3 and value.shape[:2] == mask.shape else value.reshape(-1, value.shape[-1])
            low[name] = min(low[name], float(rows.min()))
            high[name] = max(high[name], float(rows.max()))
    return {n: (low[n], high[n]) for n in names}


def static_scale(low: float, high: float, levels: int) -> tuple[float, int]:
    """Asymmetric uint8 scale and zero point whose range [0, levels] holds [low, high] and 0."""
    low, high = min(low, 0.0), max(high, 0.0)
    scale = max(high - low, 1e-12) / levels
    zero = int(np.clip(np.round(-low / scale), 0, levels))
    return float(np.float32(scale)), zero


def static_activations(model: onnx.ModelProto, ranges: dict[str, tuple[float, float]], levels: int) -> onnx.ModelProto:
    """A copy of a dynamic graph with fixed activation scales (calibrated `ranges`) in QuantizeLinear."""
    if levels not in (127, 255):
        raise ExportError(f"levels must be 127 (7-bit, exact on AVX2) or 255, got {levels}")
    model = copy.deepcopy(model)
    graph = model.graph
    nodes: list[onnx.NodeProto] = []
    inits: list[onnx.TensorProto] = []
    if levels < 255:
        inits += [numpy_helper.from_array(np.array(0, np.uint8), "static_quant_low"),
                  numpy_helper.from_array(np.array(levels, np.uint8), STATIC_HIGH)]
    for node in graph.node:
        if node.op_type != "DynamicQuantizeLinear":
            nodes.append(node)
            continue
        x = node.input[0]
        if x not in ranges:
            raise ExportError(f"no calibrated range for {x}")
        quantized, scale_name, zero_name = node.output
        scale, zero = static_scale(*ranges[x], levels)
        inits += [numpy_helper.from_array(np.array(scale, np.float32), scale_name),
                  numpy_helper.from_array(np.array(zero, np.uint8), zero_name)]
        if levels == 255:
            nodes.append(helper.make_node("QuantizeLinear", [x, scale_name, zero_name], [quantized], name=node.name))
        else:
            full = quantized + "_8bit"
            nodes.append(helper.make_node("QuantizeLinear", [x, scale_name, zero_name], [full], name=node.name))
            nodes.append(helper.make_node("Clip", [full, "static_quant_low", STATIC_HIGH], [quantized], name=node.name + "_7bit"))
    del graph.node[:]
    graph.node.extend(nodes)
    graph.initializer.extend(inits)
    onnx.helper.set_model_props(model, {**{p.key: p.value for p in model.metadata_props}, STATIC_MARKER: "static"})
    _check(model, "static")
    return model


def fuse_int8_matmuls(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy where each MatMulInteger -> Cast -> Mul(activation scale * weight scale) [-> Add(bias)] with a
    constant activation scale becomes one com.microsoft MatMulIntegerToFloat (onnxruntime's fused int8 kernel).

    onnxruntime fuses that chain itself only when the activation scale is computed at run time: with a
    static scale its constant folding first folds Mul(activation scale, weight scale) into one constant,
    and the fusion no longer matches, leaving three elementwise passes over every MatMul's output."""
    model = copy.deepcopy(model)
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    producer = {o: n for n in graph.node for o in n.output}
    readers: dict[str, list[onnx.NodeProto]] = {}
    for n in graph.node:
        for i in n.input:
            readers.setdefault(i, []).append(n)
    graph_outputs = {o.name for o in graph.output}
    replaced: dict[int, onnx.NodeProto | None] = {}
    for node in graph.node:
        if node.op_type != "MatMulInteger" or len(node.input) < 4:
            continue
        a_zero, weight, w_zero = node.input[2], node.input[1], node.input[3]
        if not all(name in inits for name in (a_zero, weight, w_zero)):
            continue
        chain = readers.get(node.output[0], [])
        cast = chain[0] if len(chain) == 1 and chain[0].op_type == "Cast" else None
        mul = readers.get(cast.output[0], []) if cast is not None else []
        mul = mul[0] if len(mul) == 1 and mul[0].op_type == "Mul" else None
        scales = producer.get(next((i for i in mul.input if i != cast.output[0]), "")) if mul is not None else None
        if scales is None or scales.op_type != "Mul" or not all(i in inits for i in scales.input):
            continue
        a_scale, w_scale = sorted(scales.input, key=lambda name: len(numpy_helper.to_array(inits[name]).shape))  # scalar first
        out, nodes_done = mul.output[0], [node, cast, mul]
        add = readers.get(out, [])
        bias = None
        if len(add) == 1 and add[0].op_type == "Add" and out not in graph_outputs:
            other = next(i for i in add[0].input if i != out)
            if other in inits and numpy_helper.to_array(inits[other]).ndim == 1:
                bias, out = other, add[0].output[0]
                nodes_done.append(add[0])
        fused = helper.make_node("MatMulIntegerToFloat", [node.input[0], weight, a_scale, w_scale, a_zero, w_zero] + ([bias] if bias else []),
                                 [out], name=node.name + "_fused", domain="com.microsoft")
        replaced[id(node)] = fused
        for n in nodes_done[1:]:
            replaced[id(n)] = None
    nodes = [replaced.get(id(n), n) for n in graph.node]
    del graph.node[:]
    graph.node.extend(n for n in nodes if n is not None)
    if replaced and not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    _prune(model)
    return model


def seven_bit_weights(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy whose int8 MatMul weights are requantized to 7 bits (|w| <= 64: w' = round(w / 2), its scale doubled).

    With |w| <= 64, a pair of uint8 x int8 products stays within int16 (2 * 255 * 64 = 32640), so
    onnxruntime's AVX2 kernel (vpmaddubsw) adds 8-bit activations exactly: the other way, besides
    7-bit activations, to integer arithmetic that is exact on every CPU. Needs symmetric weights
    (zero point 0, as quantize_dynamic's per-channel int8 writes them)."""
    model = copy.deepcopy(model)
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    producer = {o: n for n in graph.node for o in n.output}
    readers: dict[str, list[onnx.NodeProto]] = {}
    for n in graph.node:
        for i in n.input:
            readers.setdefault(i, []).append(n)
    activation_scales = {n.output[1] for n in graph.node if n.op_type == "DynamicQuantizeLinear"} | {
        n.input[1] for n in graph.node if n.op_type == "QuantizeLinear"}
    done: set[str] = set()
    for node in graph.node:
        if node.op_type != "MatMulInteger" or node.input[1] not in inits or node.input[1] in done:
            continue
        weight, zero = inits[node.input[1]], inits.get(node.input[3]) if len(node.input) > 3 else None
        if zero is not None and np.any(numpy_helper.to_array(zero) != 0):
            raise ExportError(f"{node.name}: 7-bit weights need symmetric int8 weights (zero point 0)")
        cast = readers[node.output[0]][0]
        mul = readers[cast.output[0]][0] if cast.op_type == "Cast" else None
        scales = producer.get(next((i for i in mul.input if i != cast.output[0]), "")) if mul is not None else None
        weight_scale = (next((i for i in scales.input if i in inits and i not in activation_scales), None)
                        if scales is not None and scales.op_type == "Mul" else None)
        if weight_scale is None or len(readers[weight_scale]) != 1 or len(readers[node.input[1]]) != 1:
            raise ExportError(f"{node.name}: expected MatMulInteger -> Cast -> Mul(activation scale * own weight scale)")
        w = numpy_helper.to_array(weight).astype(np.int32)
        halved = np.clip(np.round(w / 2), -64, 64).astype(np.int8)
        weight.CopyFrom(numpy_helper.from_array(halved, weight.name))
        ws = numpy_helper.to_array(inits[weight_scale])
        inits[weight_scale].CopyFrom(numpy_helper.from_array((ws * 2).astype(ws.dtype), weight_scale))
        done.add(node.input[1])
    _check(model, "7-bit weights")
    return model


def _drop_value_info(model: onnx.ModelProto, names: set[str]) -> None:
    kept = [v for v in model.graph.value_info if v.name not in names]
    del model.graph.value_info[:]
    model.graph.value_info.extend(kept)


def _check(model: onnx.ModelProto, label: str) -> None:
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as error:
        raise ExportError(f"the {label} rewrite is not a valid ONNX graph: {error}") from error


def dequantized_fp32(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of a dynamic graph whose quantized MatMuls run in fp32 on the dequantized int8 weights."""
    model = copy.deepcopy(model)
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    producer = {o: n for n in graph.node for o in n.output}
    readers: dict[str, list[onnx.NodeProto]] = {}
    for n in graph.node:
        for i in n.input:
            readers.setdefault(i, []).append(n)
    dynamic = {n.output[0]: n for n in _dynamic_nodes(model)}
    replace: dict[str, onnx.NodeProto | None] = {}  # node name -> replacement (None: drop)
    weights: list[onnx.TensorProto] = []
    for node in graph.node:
        if node.op_type != "MatMulInteger" or node.input[0] not in dynamic:
            continue
        cast = readers[node.output[0]][0]
        mul = readers[cast.output[0]][0]
        if cast.op_type != "Cast" or mul.op_type != "Mul" or len(readers[node.output[0]]) != 1:
            raise ExportError(f"{node.name}: expected MatMulInteger -> Cast -> Mul(scales)")
        scales = producer[next(i for i in mul.input if i != cast.output[0])]
        weight_scale = next(i for i in scales.input if i in inits)
        w = numpy_helper.to_array(inits[node.input[1]]).astype(np.float32)
        zp = numpy_helper.to_array(inits[node.input[3]]).astype(np.float32) if len(node.input) > 3 else np.float32(0)
        ws = numpy_helper.to_array(inits[weight_scale]).astype(np.float32)
        name = node.input[1] + "_dequantized"
        weights.append(numpy_helper.from_array(((w - zp) * ws).astype(np.float32), name))
        x = dynamic[node.input[0]].input[0]
        replace[node.name] = helper.make_node("MatMul", [x, name], [mul.output[0]], name=node.name + "_fp32")
        replace[cast.name or cast.output[0]] = None
        replace[mul.name or mul.output[0]] = None
    nodes = []
    for node in graph.node:
        key = node.name or node.output[0]
        if key in replace:
            if replace[key] is not None:
                nodes.append(replace[key])
            continue
        nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    graph.initializer.extend(weights)
    _prune(model)
    if any(n.op_type in ("DynamicQuantizeLinear", "MatMulInteger") for n in graph.node):
        raise ExportError("dequantized_fp32 left int8 MatMuls in the graph")
    _check(model, "fp32")
    return model


def per_row_fused(model: onnx.ModelProto) -> onnx.ModelProto:
    """row_quant.per_row_activations' math with one per-axis QuantizeLinear doing the quantization."""
    from .row_quant import _column_sums  # same correction constants as the shipped per-row graphs

    model = copy.deepcopy(model)
    graph = model.graph
    opset = _opset(model)
    inits = {i.name: i for i in graph.initializer}
    rescaled = {o for n in _dynamic_nodes(model) for o in n.output[1:]}  # scalars before, per row after
    nodes: list[onnx.NodeProto] = []
    extra: list[onnx.TensorProto] = [numpy_helper.from_array(np.array([-1], np.int64), "row_fused_flat")]
    zero_of: dict[str, str] = {}
    for node in graph.node:
        if node.op_type == "DynamicQuantizeLinear":
            x = node.input[0]
            quantized, scale, _ = node.output
            p = f"{node.name}_row_fused"
            zero_i32 = p + "_zero_point_i32"
            nodes += [
                _reduce("ReduceMin", x, p + "_min", opset),
                _reduce("ReduceMax", x, p + "_max", opset),
                helper.make_node("Min", [p + "_min", "row_quant_0"], [p + "_low"], name=p + "_low"),
                helper.make_node("Max", [p + "_max", "row_quant_0"], [p + "_high"], name=p + "_high"),
                helper.make_node("Sub", [p + "_high", p + "_low"], [p + "_span"], name=p + "_span"),
                helper.make_node("Max", [p + "_span", "row_quant_eps"], [p + "_range"], name=p + "_range"),
                helper.make_node("Div", [p + "_range", "row_quant_top"], [scale], name=p + "_scale"),
                helper.make_node("Neg", [p + "_low"], [p + "_neg_low"], name=p + "_neg_low"),
                helper.make_node("Div", [p + "_neg_low", scale], [p + "_zp_raw"], name=p + "_zp_raw"),
                helper.make_node("Round", [p + "_zp_raw"], [p + "_zp_round"], name=p + "_zp_round"),
                helper.make_node("Clip", [p + "_zp_round", "row_quant_0", "row_quant_top"], [p + "_zp"], name=p + "_zp"),
                helper.make_node("Cast", [p + "_zp"], [zero_i32], name=zero_i32, to=TensorProto.INT32),
                helper.make_node("Cast", [p + "_zp"], [p + "_zp_u8"], name=p + "_zp_u8", to=TensorProto.UINT8),
                helper.make_node("Reshape", [p + "_zp_u8", "row_fused_flat"], [p + "_zp_flat"], name=p + "_zp_flat"),
                helper.make_node("Reshape", [scale, "row_fused_flat"], [p + "_scale_flat"], name=p + "_scale_flat"),
                helper.make_node("Flatten", [x], [p + "_rows"], name=p + "_rows", axis=-1),
                helper.make_node("QuantizeLinear", [p + "_rows", p + "_scale_flat", p + "_zp_flat"], [p + "_q_rows"], name=p + "_quantize", axis=0),
                helper.make_node("Shape", [x], [p + "_shape"], name=p + "_shape"),
                helper.make_node("Reshape", [p + "_q_rows", p + "_shape"], [quantized], name=p + "_unflatten"),
            ]
            zero_of[quantized] = zero_i32
            continue
        if node.op_type == "MatMulInteger" and node.input[0] in zero_of:
            weight, weight_zp = node.input[1], node.input[3]
            sums = f"{node.name}_row_fused_column_sums"
            extra.append(numpy_helper.from_array(_column_sums(inits[weight], inits[weight_zp]), sums))
            p = f"{node.name}_row_fused"
            nodes.append(helper.make_node("MatMulInteger", [node.input[0], weight, MARKER, weight_zp], [p + "_uncorrected"], name=node.name))
            nodes.append(helper.make_node("Mul", [zero_of[node.input[0]], sums], [p + "_correction"], name=p + "_correction"))
            nodes.append(helper.make_node("Sub", [p + "_uncorrected", p + "_correction"], [node.output[0]], name=p + "_corrected"))
            continue
        nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    graph.initializer.extend(_constants(opset) + extra)
    _drop_value_info(model, rescaled)
    _prune(model)
    _check(model, "per-row fused")
    return model

"""The cross-encoder's last transformer layer computed only where the graph pools (issue 23).

A cross-encoder that pools one fixed position (its [CLS] token: a Gather of index 0 on the last
layer's output) reads one row of that layer's output, yet the exported graph computes the layer
for every token. Only its keys and values need every token; the query projection, the attention
of that one query, the output projection, both LayerNorms and the feed-forward block (about 5/6
of the layer's MatMul work, and the layer's L x L attention scores) are needed at the pooled
position alone. `pool_before_last_layer` rewires the graph so:

    X = the last layer's input [B, L, d]          (keys and values still read X)
    X0 = Slice(X, position, position + 1, axis 1) [B, 1, d]
    query  <- X0 (through a copy of X's QuantizeLinear / Clip chain, same fixed scale)
    Q reshape [B, L, heads, dh] -> [B, 1, heads, dh];  attention mask [B, 1, L|1, L] -> [B, 1, 1, L]
    context reshape [B, L, d] -> [B, 1, d];  residual X -> X0;  final Gather index -> 0

The pooled vector is the same function of the input: the rows removed were never read. In
float it can differ in the last bits (the query MatMul runs with one row instead of L, which
may take a different kernel path), and a static int8 graph can round an activation the other way
there, so the converter (training/pool_cross_encoder.py) gates it on the held-out sentences and on
batch invariance like every graph rewrite. Only graphs that pool a constant position are
rewritten; a graph that pools at the entity markers (head_index / tail_index inputs) raises.

The rewire is recorded in the model's metadata (POOLED_MARKER) so `restore_full_last_layer` can
undo it exactly.
"""
from __future__ import annotations

import copy
import json

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .onnx_graphs import ExportError

POOLED_MARKER = "zsre.pooledLastLayer"  # metadata: JSON {"position": p, "rewired": [[node, input index, original], ...]}
_PREFIX = "pooled_last_layer_"  # names of every node and initializer the rewrite adds
_PASS_THROUGH = {"QuantizeLinear", "Clip"}  # single-data-input ops between X and the query MatMul


def is_pooled(model: onnx.ModelProto) -> bool:
    return any(p.key == POOLED_MARKER for p in model.metadata_props)


def _constant_value(graph: onnx.GraphProto, name: str) -> np.ndarray | None:
    for init in graph.initializer:
        if init.name == name:
            return numpy_helper.to_array(init)
    for node in graph.node:
        if node.op_type == "Constant" and node.output[0] == name:
            return numpy_helper.to_array(node.attribute[0].t)
    return None


def _pooling_gather(graph: onnx.GraphProto, producer: dict[str, onnx.NodeProto]) -> tuple[onnx.NodeProto, int]:
    """The Gather that pools one constant position (axis 1) of a LayerNormalization's output."""
    found = []
    for node in graph.node:
        if node.op_type != "Gather":
            continue
        axis = next((a.i for a in node.attribute if a.name == "axis"), 0)
        source = producer.get(node.input[0])
        index = _constant_value(graph, node.input[1])
        if axis == 1 and source is not None and source.op_type == "LayerNormalization" and index is not None and index.ndim == 0:
            found.append((node, int(index)))
    if len(found) != 1:
        readers = "head_index / tail_index" if any(i.name == "head_index" for i in graph.input) else "none found"
        raise ExportError(f"the graph does not pool one constant position of its last layer ({len(found)} such Gathers; markers: {readers}): "
                          "only a cross-encoder pooled at [CLS] alone can compute its last layer at the pooled position alone")
    return found[0]


def pool_before_last_layer(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of `model` whose last layer computes its query side only at the pooled position (module docstring)."""
    if is_pooled(model):
        raise ExportError("the graph already computes its last layer at the pooled position only")
    model = copy.deepcopy(model)
    graph = model.graph
    producer = {o: n for n in graph.node for o in n.output}
    readers: dict[str, list[onnx.NodeProto]] = {}
    for n in graph.node:
        for i in n.input:
            readers.setdefault(i, []).append(n)
    by_name = {n.name: n for n in graph.node}
    pool, position = _pooling_gather(graph, producer)
    others = [n.name or n.op_type for n in readers.get(pool.input[0], []) if n is not pool]
    if others:
        raise ExportError(f"the last layer's output is read at other positions too ({others}, e.g. the entity markers): "
                          "only a cross-encoder pooled at [CLS] alone can compute its last layer at the pooled position alone")
    last_norm = producer[pool.input[0]]
    if "/output/LayerNorm/" not in last_norm.name:
        raise ExportError(f"unexpected last LayerNormalization {last_norm.name!r}: expected a transformer layer's output/LayerNorm")
    layer = last_norm.name.split("output/LayerNorm/")[0]  # e.g. /encoder/bert/encoder/layer.5/

    def only(prefix: str, ops: set[str]) -> onnx.NodeProto:
        nodes = [n for n in graph.node if n.name.startswith(layer + prefix) and n.op_type in ops]
        if len(nodes) != 1:
            raise ExportError(f"expected one {'/'.join(sorted(ops))} under {layer + prefix}, found {len(nodes)}")
        return nodes[0]

    residual = by_name.get(layer + "attention/output/Add")
    if residual is None:
        raise ExportError(f"no {layer}attention/output/Add (the attention block's residual) in the graph")
    inside = [i for i in residual.input if producer.get(i) is not None and producer[i].name.startswith(layer)]
    outside = [i for i in residual.input if i not in inside]
    if len(inside) != 1 or len(outside) != 1:
        raise ExportError(f"cannot tell the last layer's input from its attention output in {residual.name}")
    layer_input = outside[0]

    query = only("attention/self/query/", {"MatMulIntegerToFloat", "MatMul"})
    chain = []  # X -> ... -> query's data input, through quantize / clip nodes
    name = query.input[0]
    while name != layer_input:
        node = producer.get(name)
        if node is None or node.op_type not in _PASS_THROUGH:
            raise ExportError(f"the query projection's input is not X through {sorted(_PASS_THROUGH)} ({name!r})")
        chain.append(node)
        name = node.input[0]

    def first_reshape(start: str) -> onnx.NodeProto:
        name = start
        for _ in range(3):  # query output [-> Add(bias)] -> Reshape
            nxt = readers.get(name, [])
            if len(nxt) != 1:
                break
            if nxt[0].op_type == "Reshape":
                return nxt[0]
            name = nxt[0].output[0]
        raise ExportError(f"no Reshape after {start!r}")

    def shape_concat(reshape: onnx.NodeProto, inputs: int) -> onnx.NodeProto:
        concat = producer.get(reshape.input[1])
        if concat is None or concat.op_type != "Concat" or len(concat.input) != inputs:
            raise ExportError(f"{reshape.name}'s shape is not a Concat of {inputs} dimensions")
        return concat

    query_shape = shape_concat(first_reshape(query.output[0]), 4)
    softmax = only("attention/self/", {"Softmax"})
    scores = producer.get(softmax.input[0])
    if scores is None or scores.op_type != "Add":
        raise ExportError(f"{softmax.name}'s input is not the Add of scores and attention mask")
    mask_inputs = [i for i in scores.input if producer.get(i) is None or not producer[i].name.startswith(layer)]
    if len(mask_inputs) != 1:
        raise ExportError(f"cannot tell the attention mask among {list(scores.input)}")
    dense = only("attention/output/dense/", {"MatMulIntegerToFloat", "MatMul"})
    name = dense.input[0]
    while producer.get(name) is not None and producer[name].op_type in _PASS_THROUGH:
        name = producer[name].input[0]
    context = producer.get(name)
    if context is None or context.op_type != "Reshape":
        raise ExportError(f"{dense.name}'s input is not the attention context's Reshape")
    context_shape = shape_concat(context, 3)

    def constant(suffix: str, value) -> str:
        graph.initializer.append(numpy_helper.from_array(np.asarray(value, dtype=np.int64), _PREFIX + suffix))
        return _PREFIX + suffix

    start, end, one, axis1, axis2 = (constant("start", [position]), constant("end", [position + 1]), constant("one", [1]),
                                     constant("axis1", [1]), constant("axis2", [2]))
    zero = constant("zero", 0) if position != 0 else ""
    x0 = _PREFIX + "input"
    added = [helper.make_node("Slice", [layer_input, start, end, axis1], [x0], name=_PREFIX + "slice")]
    source = x0
    for k, node in enumerate(reversed(chain)):  # the quantization chain again, on the pooled row
        copied = helper.make_node(node.op_type, [source, *node.input[1:]], [f"{_PREFIX}chain_{k}"], name=f"{_PREFIX}chain_{k}")
        copied.attribute.extend(node.attribute)
        added.append(copied)
        source = copied.output[0]
    mask0 = _PREFIX + "mask"
    added.append(helper.make_node("Slice", [mask_inputs[0], constant("mask_start", [0]), one, axis2], [mask0], name=_PREFIX + "mask_slice"))

    rewired: list[list] = []

    def rewire(node: onnx.NodeProto, index: int, new: str) -> None:
        rewired.append([node.name, index, node.input[index]])
        node.input[index] = new

    rewire(query, 0, source)
    rewire(query_shape, 1, one)
    rewire(scores, list(scores.input).index(mask_inputs[0]), mask0)
    rewire(context_shape, 1, one)
    rewire(residual, list(residual.input).index(layer_input), x0)
    if position != 0:  # the pooled row is now row 0
        rewire(pool, 1, zero)
    # The copies of X's chain go right after the producer of X, the mask's slice right before the
    # Add that reads it: both places keep the node list topologically sorted.
    mask_slice = added.pop()
    nodes = list(graph.node)
    at = nodes.index(producer[layer_input]) + 1 if layer_input in producer else 0
    ordered = nodes[:at] + added + nodes[at:]
    ordered.insert(ordered.index(scores), mask_slice)
    del graph.node[:]
    graph.node.extend(ordered)
    del graph.value_info[:]  # shapes inferred for the full layer no longer hold (L -> 1 rows)
    helper.set_model_props(model, {**{p.key: p.value for p in model.metadata_props},
                                   POOLED_MARKER: json.dumps({"position": position, "rewired": rewired})})
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as error:
        raise ExportError(f"the pooled-last-layer rewrite is not a valid ONNX graph: {error}") from error
    return model


def restore_full_last_layer(model: onnx.ModelProto) -> onnx.ModelProto:
    """Undo pool_before_last_layer (a copy): the original wiring back, the added nodes and constants gone."""
    model = copy.deepcopy(model)
    record = next((p.value for p in model.metadata_props if p.key == POOLED_MARKER), None)
    if record is None:
        return model
    graph = model.graph
    by_name = {n.name: n for n in graph.node}
    for name, index, original in json.loads(record)["rewired"]:
        by_name[name].input[index] = original
    kept = [n for n in graph.node if not n.name.startswith(_PREFIX)]
    del graph.node[:]
    graph.node.extend(kept)
    inits = [i for i in graph.initializer if not i.name.startswith(_PREFIX)]
    del graph.initializer[:]
    graph.initializer.extend(inits)
    props = [p for p in model.metadata_props if p.key != POOLED_MARKER]
    del model.metadata_props[:]
    model.metadata_props.extend(props)
    return model

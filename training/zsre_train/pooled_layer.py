"""The cross-encoder's last transformer layer computed only where the graph pools (issue 23).

A cross-encoder reads a few rows of its last layer's output: its [CLS] token (a Gather of index 0)
and, for one pooled at the entity markers, the head and tail marker rows (GatherElements at the
positions the head_index / tail_index inputs give). Yet the exported graph computes that layer for
every token. Only its keys and values need every token; the query projection, the attention of
those few queries, the output projection, both LayerNorms and the feed-forward block (about 5/6
of the layer's MatMul work, and the layer's L x L attention scores) are needed at the pooled rows
alone. `pool_before_last_layer` rewires the graph so:

    X = the last layer's input [B, L, d]          (keys and values still read X)
    X0 = the pooled rows of X [B, n, d]           (n = 1 for [CLS], 3 for [CLS] + head + tail)
    query  <- X0 (through a copy of X's QuantizeLinear / Clip chain, same fixed scale)
    Q reshape [B, L, heads, dh] -> [B, n, heads, dh];  attention mask [B, 1, L|1, L] -> [B, 1, 1, L]
    context reshape [B, L, d] -> [B, n, d];  residual X -> X0;  each read -> its row of the n

The pooled vectors are the same function of the input: the rows removed were never read. In
float they can differ in the last bits (the query MatMul runs with n rows instead of L, which may
take a different kernel path), and a static int8 graph can round an activation the other way
there, so the converter (training/pool_cross_encoder.py) gates it on the held-out sentences and
on batch invariance like every graph rewrite. A graph whose last layer is read any other way
raises ExportError.

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

POOLED_MARKER = "zsre.pooledLastLayer"  # metadata: JSON {"rows": [...], "rewired": [[node, input index, original], ...]}
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


def _graph_input_behind(name: str, producer: dict[str, onnx.NodeProto], inputs: set[str]) -> str | None:
    """The graph input an index tensor is computed from (head_index / tail_index), if exactly one."""
    seen, stack, found = set(), [name], set()
    while stack:
        current = stack.pop()
        if current in seen or not current:
            continue
        seen.add(current)
        if current in inputs:
            found.add(current)
        elif current in producer:
            stack.extend(producer[current].input)
    return found.pop() if len(found) == 1 else None


def _pooled_reads(graph: onnx.GraphProto, producer: dict[str, onnx.NodeProto],
                  readers: dict[str, list[onnx.NodeProto]]) -> tuple[str, list[tuple[onnx.NodeProto, int | str]]]:
    """The last layer's output and where the graph reads it: per reader, a constant position (a Gather
    on axis 1: [CLS]) or the graph input holding the position (a GatherElements on axis 1: an entity marker)."""
    pools = []
    for node in graph.node:
        axis = next((a.i for a in node.attribute if a.name == "axis"), 0)
        source = producer.get(node.input[0]) if node.input else None
        if node.op_type == "Gather" and axis == 1 and source is not None and source.op_type == "LayerNormalization":
            index = _constant_value(graph, node.input[1])
            if index is not None and index.ndim == 0:
                pools.append(node)
    if len(pools) != 1:
        raise ExportError(f"the graph does not pool a constant position ([CLS]) of its last layer ({len(pools)} such Gathers): "
                          "only a cross-encoder that pools [CLS], alone or with the entity markers, can compute its last layer at the pooled positions alone")
    output = pools[0].input[0]
    inputs = {i.name for i in graph.input if i.name.endswith("_index")}  # head_index / tail_index, not the token inputs
    reads: list[tuple[onnx.NodeProto, int | str]] = []
    for node in readers.get(output, []):
        axis = next((a.i for a in node.attribute if a.name == "axis"), 0)
        if node.op_type == "Shape":
            continue  # shapes of the hidden size (the markers' index expansion): unchanged by the rewrite
        if node.op_type == "Gather" and axis == 1 and node is pools[0]:
            reads.append((node, int(_constant_value(graph, node.input[1]))))
            continue
        held = _graph_input_behind(node.input[1], producer, inputs) if node.op_type == "GatherElements" and axis == 1 else None
        if held is None:
            raise ExportError(f"the last layer's output is read by {node.op_type} {node.name!r}, which is neither [CLS] nor an entity marker: "
                              "only a cross-encoder that pools [CLS], alone or with the entity markers, can compute its last layer at the pooled positions alone")
        reads.append((node, held))
    return output, reads


def pool_before_last_layer(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of `model` whose last layer computes its query side only at the pooled positions (module docstring)."""
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
    last_output, reads = _pooled_reads(graph, producer, readers)
    last_norm = producer[last_output]
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

    rows, axis1, axis2 = constant("rows", [len(reads)]), constant("axis1", [1]), constant("axis2", [2])
    added: list[onnx.NodeProto] = []  # placed right after the producer of X
    selected = []  # per read: the [B, 1, d] row of X it pools
    for r, (reader, where) in enumerate(reads):
        row = f"{_PREFIX}row_{r}"
        if isinstance(where, int):  # a constant position: [CLS]
            added.append(helper.make_node("Slice", [layer_input, constant(f"row_{r}_start", [where]), constant(f"row_{r}_end", [where + 1]), axis1],
                                          [row], name=row))
        else:  # an entity marker: its position from the graph input, expanded over the hidden size
            size = f"{_PREFIX}hidden_{r}"
            added += [
                helper.make_node("Reshape", [where, constant(f"row_{r}_shape", [-1, 1, 1])], [f"{_PREFIX}index_{r}"], name=f"{_PREFIX}index_{r}"),
                helper.make_node("Shape", [layer_input], [f"{_PREFIX}shape_{r}"], name=f"{_PREFIX}shape_{r}"),
                helper.make_node("Slice", [f"{_PREFIX}shape_{r}", axis2, constant(f"row_{r}_three", [3])], [size], name=size),
                helper.make_node("Concat", [constant(f"row_{r}_ones", [1, 1]), size], [f"{_PREFIX}expand_{r}"], name=f"{_PREFIX}expand_{r}", axis=0),
                helper.make_node("Expand", [f"{_PREFIX}index_{r}", f"{_PREFIX}expand_{r}"], [f"{_PREFIX}indices_{r}"], name=f"{_PREFIX}indices_{r}"),
                helper.make_node("GatherElements", [layer_input, f"{_PREFIX}indices_{r}"], [row], name=row, axis=1),
            ]
        selected.append(row)
    x0 = _PREFIX + "input"
    if len(selected) == 1:
        added.append(helper.make_node("Identity", selected, [x0], name=x0))
    else:
        added.append(helper.make_node("Concat", selected, [x0], name=x0, axis=1))
    source = x0
    for k, node in enumerate(reversed(chain)):  # the quantization chain again, on the pooled rows
        copied = helper.make_node(node.op_type, [source, *node.input[1:]], [f"{_PREFIX}chain_{k}"], name=f"{_PREFIX}chain_{k}")
        copied.attribute.extend(node.attribute)
        added.append(copied)
        source = copied.output[0]
    # The mask's row for every query: BERT's mask hides padded keys alike for every query row.
    mask0 = _PREFIX + "mask"
    mask_slice = helper.make_node("Slice", [mask_inputs[0], constant("mask_start", [0]), constant("mask_end", [1]), axis2], [mask0], name=_PREFIX + "mask_slice")

    rewired: list[list] = []

    def rewire(node: onnx.NodeProto, index: int, new: str) -> None:
        rewired.append([node.name, index, node.input[index]])
        node.input[index] = new

    rewire(query, 0, source)
    rewire(query_shape, 1, rows)
    rewire(scores, list(scores.input).index(mask_inputs[0]), mask0)
    rewire(context_shape, 1, rows)
    rewire(residual, list(residual.input).index(layer_input), x0)
    before_reader: dict[int, onnx.NodeProto] = {}  # per reader: a node to place right before it
    for r, (reader, where) in enumerate(reads):  # each read now takes row r of the pooled output
        if isinstance(where, int):
            if where != r:
                rewire(reader, 1, constant(f"read_{r}", r))
        else:  # same index shape as before, every entry r
            index = f"{_PREFIX}read_{r}"
            before_reader[id(reader)] = helper.make_node("ConstantOfShape", [f"{_PREFIX}read_shape_{r}"], [index], name=index,
                                                         value=numpy_helper.from_array(np.array([r], np.int64)))
            shape = helper.make_node("Shape", [reader.input[1]], [f"{_PREFIX}read_shape_{r}"], name=f"{_PREFIX}read_shape_{r}")
            before_reader[id(shape)] = shape
            rewire(reader, 1, index)
    # X's rows and chain go right after the producer of X, the mask's slice right before the Add
    # that reads it, a marker read's index right before its reader: the list stays topologically sorted.
    nodes = list(graph.node)
    at = nodes.index(producer[layer_input]) + 1 if layer_input in producer else 0
    ordered = nodes[:at] + added + nodes[at:]
    ordered.insert(ordered.index(scores), mask_slice)
    for reader, _ in reads:
        if id(reader) in before_reader:
            index_node = before_reader[id(reader)]
            shape_node = next(n for n in before_reader.values() if n.op_type == "Shape" and n.output[0] == index_node.input[0])
            position = ordered.index(reader)
            ordered[position:position] = [shape_node, index_node]
    del graph.node[:]
    graph.node.extend(ordered)
    del graph.value_info[:]  # shapes inferred for the full layer no longer hold (L -> 1 rows)
    helper.set_model_props(model, {**{p.key: p.value for p in model.metadata_props},
                                   POOLED_MARKER: json.dumps({"rows": [w if isinstance(w, int) else f"marker at {w}" for _, w in reads],
                                                              "rewired": rewired})})
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

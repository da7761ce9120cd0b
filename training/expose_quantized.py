"""Writes a copy of an int8 graph whose every QuantizeLinear output (the activations the graph
rounds to 8 bits) is also a graph output, for benchmarks/web-parity-probe.ts: it runs the copy in
onnxruntime-node and in onnxruntime-web's WASM build and counts where the two round an activation
differently (issue 25: why the page's probabilities differ from Node's).

    .venv/bin/python training/expose_quantized.py --graph models/zsre-minilm-l6-general/bi_encoder.int8.onnx --out .zsre-cache/probe/bi_encoder.exposed.onnx
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import onnx
from onnx import helper


def expose(graph_path: Path, out: Path) -> list[str]:
    model = onnx.load(str(graph_path))
    initializers = {init.name: init for init in model.graph.initializer}
    constants = {node.output[0]: node for node in model.graph.node if node.op_type == "Constant"}
    existing = {output.name for output in model.graph.output}
    exposed: list[str] = []
    for node in model.graph.node:
        if node.op_type != "QuantizeLinear" or node.output[0] in existing:
            continue
        # The output's element type is the zero point's (uint8 or int8); uint8 when it has none.
        elem_type = onnx.TensorProto.UINT8
        if len(node.input) > 2:
            zero = node.input[2]
            if zero in initializers:
                elem_type = initializers[zero].data_type
            elif zero in constants:
                elem_type = constants[zero].attribute[0].t.data_type
        model.graph.output.append(helper.make_tensor_value_info(node.output[0], elem_type, None))
        exposed.append(node.output[0])
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(out))
    return exposed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graph", type=Path, required=True, help="an int8 graph with QuantizeLinear nodes")
    parser.add_argument("--out", type=Path, required=True, help="where to write the copy")
    args = parser.parse_args()
    if not args.graph.is_file():
        parser.error(f"--graph {args.graph}: no such file")
    exposed = expose(args.graph, args.out)
    if not exposed:
        parser.error(f"{args.graph} has no QuantizeLinear node: nothing to expose (a dynamic or fp32 graph?)")
    print(json.dumps({"out": str(args.out), "exposed": exposed}))


if __name__ == "__main__":
    main()

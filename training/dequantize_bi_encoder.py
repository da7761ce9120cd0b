"""A run folder from a shipped model's int8 bi-encoder graph, for training it further (issue 21).

The shipped model's fp32 weights were never kept (the GPU run's checkpoints stayed on the GPU
machine); its int8 graph holds every weight: per-channel int8 MatMul weights with their scales
(bias folded into MatMulIntegerToFloat), fp32 MatMul weights where the export kept layers fp32, uint8
embedding tables with a zero point, LayerNorm weights, the two description pools (pool_bias as the
first max_description_length columns of the padded bias the graph slices). This script dequantizes
them into the recipe's BiEncoder and writes a folder that `bi_encoder.init_from` and
evaluate_documents.py accept:

    python training/dequantize_bi_encoder.py --model models/zsre-minilm-l6-general \\
        --config training/configs/default_all_gpu_e2.yaml --out training/runs/shipped-fp32

bi_encoder.pt (the dequantized weights), cross_encoder.pt (the recipe's fresh, untrained
cross-encoder: evaluation here is bi-encoder only), config.yaml (the recipe), fusion.json (the
manifest's fusion, its bi-only block included) and run.json. It checks the result against the int8
graph on held-out FewRel sentences (the cosine of their sentence vectors: int8 activations make up
the difference) and refuses a weight it cannot place.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent))

from zsre_train.backbone import load_tokenizer  # noqa: E402
from zsre_train.config import load_config  # noqa: E402
from zsre_train.encode import prepare_sentences, sentence_vectors, torch_bi_runner  # noqa: E402
from zsre_train.data.splits import read_split  # noqa: E402
from zsre_train.corpus import split_path  # noqa: E402
from zsre_train.heldout import held_out_sentences  # noqa: E402
from zsre_train.machine import repository_path  # noqa: E402
from zsre_train.manifest import sha256  # noqa: E402
from zsre_train.onnx_graphs import ort_bi_runner, session  # noqa: E402
from zsre_train.recipe import build_models  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LAYER_PATH = "/encoder/bert/"  # torch.onnx names nodes by module path: /encoder/bert/encoder/layer.2/attention/self/query/...


def dequantized(init: dict[str, np.ndarray], name: str) -> np.ndarray:
    """An initializer as fp32: itself, or (q - zero point) x scale (per column for a MatMul weight)."""
    if not name.endswith("_quantized"):
        return init[name]
    base = name[: -len("_quantized")]
    q = init[name].astype(np.float32)
    scale = init[base + "_scale"].astype(np.float32)
    zero = init.get(base + "_zero_point", np.zeros_like(scale)).astype(np.float32)
    if scale.ndim == 1:  # per channel: the MatMul weight's output columns
        if q.ndim != 2 or scale.shape[0] != q.shape[1]:
            raise SystemExit(f"error: {name}: a per-channel scale of {scale.shape[0]} for a {q.shape} weight: not a MatMul weight")
        return (q - zero[None, :]) * scale[None, :]
    return (q - zero) * scale


def graph_weights(graph: onnx.GraphProto, max_description_length: int, hidden: int) -> dict[str, np.ndarray]:
    """The BiEncoder state dict's entries, by parameter name, read off the graph."""
    init = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    weights: dict[str, np.ndarray] = {}
    for node in graph.node:
        out = node.output[0]
        if node.op_type not in ("MatMul", "MatMulIntegerToFloat") or f"{LAYER_PATH}encoder/layer." not in out:
            continue
        matrices = [x for x in node.input if x in init and init[x].ndim == 2]
        if not matrices:  # attention's activation x activation MatMuls
            continue
        module = "encoder.bert." + out.split(LAYER_PATH, 1)[1].rsplit("/", 1)[0].replace("/", ".")
        weights[f"{module}.weight"] = dequantized(init, matrices[0]).T  # ONNX keeps [in, out]; nn.Linear [out, in]
        if node.op_type == "MatMulIntegerToFloat" and len(node.input) > 4 and node.input[4]:
            weights[f"{module}.bias"] = init[node.input[4]]
    for name in init:
        # Named parameters: embeddings, LayerNorms, the biases of fp32 layers, pool_weight.
        if (name.startswith("encoder.") or name == "pool_weight") and not name.endswith(("_scale", "_zero_point")):
            weights[name.removesuffix("_quantized")] = dequantized(init, name)
    # pool_bias padded to the maximum positions (2 x 512): the only other 2-row float table is pool_weight (2 x hidden).
    padded = [a for a in init.values() if a.ndim == 2 and a.shape[0] == 2 and a.shape[1] >= max_description_length and a.dtype == np.float32
              and a.shape[1] != hidden]
    if len(padded) != 1:
        raise SystemExit(f"error: expected one padded pool bias (2 x max positions) in the graph, found {len(padded)}")
    weights["pool_bias"] = padded[0][:, :max_description_length]
    return weights


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="model directory with the int8 bi-encoder graph")
    parser.add_argument("--config", type=Path, required=True, help="the recipe the model was trained with")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--check-per-relation", type=int, default=20)
    args = parser.parse_args(argv)
    manifest = json.loads((args.model / "manifest.json").read_text(encoding="utf-8"))
    graph_file = args.model / manifest["graphs"]["biEncoder"]["files"]["int8"]["file"]
    config = load_config(args.config)
    bi, cross = build_models(config)
    state = bi.state_dict()
    weights = graph_weights(onnx.load(str(graph_file)).graph, config.model.max_description_length, bi.hidden_size)
    missing, unknown = sorted(set(state) - set(weights)), sorted(set(weights) - set(state))
    if missing or unknown:
        raise SystemExit(f"error: the graph's weights do not fit the recipe's BiEncoder: missing {missing[:5]}, unknown {unknown[:5]}")
    for name, value in weights.items():
        if tuple(value.shape) != tuple(state[name].shape):
            raise SystemExit(f"error: {name}: {value.shape} in the graph, {tuple(state[name].shape)} in the recipe's BiEncoder")
    bi.load_state_dict({name: torch.tensor(np.ascontiguousarray(value), dtype=state[name].dtype) for name, value in weights.items()})
    bi.eval()

    tokenizer = load_tokenizer()
    part = "test" if read_split(split_path(config, args.data_dir))["test"] else "eval"  # the shipped split has no test relations
    held_out, _ = held_out_sentences(config, args.data_dir, args.check_per_relation, part)
    rows = prepare_sentences(tokenizer, held_out, config.model.max_sentence_length)
    graph_vectors = sentence_vectors(ort_bi_runner(session(graph_file, 2)), rows, tokenizer.pad_token_id)
    torch_vectors = sentence_vectors(torch_bi_runner(bi, torch.device("cpu")), rows, tokenizer.pad_token_id)
    cosine = (graph_vectors * torch_vectors).sum(axis=1)
    print(f"sentence vectors of {len(rows)} held-out sentences, int8 graph against the dequantized fp32 encoder: cosine min {cosine.min():.4f}, mean {cosine.mean():.4f}")

    args.out.mkdir(parents=True, exist_ok=True)
    torch.save(bi.state_dict(), args.out / "bi_encoder.pt")
    torch.save(cross.state_dict(), args.out / "cross_encoder.pt")
    shutil.copyfile(args.config, args.out / "config.yaml")
    fusion = manifest["fusion"]
    (args.out / "fusion.json").write_text(json.dumps({
        "topK": fusion["topK"], "biWeight": fusion["biWeight"], "crossWeight": fusion["crossWeight"], "noneLogit": fusion["noneLogit"],
        "threshold": fusion["threshold"], "biOnly": {key: fusion["biOnly"][key] for key in ("biWeight", "noneLogit", "threshold")}}, indent=2) + "\n")
    (args.out / "run.json").write_text(json.dumps({
        "recipe": config.name, "dequantizedFrom": {"model": repository_path(args.model), "graph": graph_file.name, "sha256": sha256(graph_file),
                                                  "manifestSha256": manifest.get("manifestSha256")},
        "checkAgainstGraph": {"sentences": len(rows), "cosineMin": round(float(cosine.min()), 4), "cosineMean": round(float(cosine.mean()), 4)},
        "note": "cross_encoder.pt is the recipe's untrained cross-encoder: this folder is for the bi-encoder only"}, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

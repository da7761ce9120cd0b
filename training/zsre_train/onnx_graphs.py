"""ONNX export of the two networks (opset 17, dynamic batch and sequence axes) and int8 quantization.

The names and dtypes here are the contract's `graphs` block; manifest.py writes them from
the same table so the two cannot drift apart.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import onnx
import onnxruntime as ort
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic

from .models import BiEncoder, CrossEncoder

OPSET = 17
BI_INPUTS = ["input_ids", "attention_mask", "head_index", "tail_index"]
BI_OUTPUTS = ["sentence_vector", "description_vector"]
CROSS_INPUTS = ["input_ids", "attention_mask", "token_type_ids"]
# A cross-encoder that pools at the entity markers also reads the sentence's marker positions.
CROSS_MARKER_INPUTS = [*CROSS_INPUTS, "head_index", "tail_index"]


def cross_inputs(model: CrossEncoder) -> list[str]:
    """The cross-encoder graph's input names: the model-directory contract for this model."""
    return CROSS_MARKER_INPUTS if model.uses_markers else CROSS_INPUTS
CROSS_OUTPUTS = ["score"]


class ExportError(RuntimeError):
    """Export, quantization or a check after it failed; the model directory must not be used."""


def _example(batch: int, seq: int) -> tuple[torch.Tensor, torch.Tensor]:
    # Batch 2 with one padded row, so tracing cannot specialise on batch 1 or on an all-ones mask.
    ids = torch.randint(1000, 2000, (batch, seq))
    mask = torch.ones_like(ids)
    mask[1, seq - 3:] = 0
    return ids, mask


def _export(model: torch.nn.Module, args: tuple, path: Path, inputs: list[str], outputs: list[str]) -> None:
    axes = {name: {0: "batch", 1: "sequence"} for name in inputs if name not in ("head_index", "tail_index")}
    axes.update({name: {0: "batch"} for name in inputs if name in ("head_index", "tail_index")})
    axes.update({name: {0: "batch"} for name in outputs})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about shape-dependent Python branches in transformers
        torch.onnx.export(model, args, str(path), dynamo=False, opset_version=OPSET, input_names=inputs,
                          output_names=outputs, dynamic_axes=axes, do_constant_folding=True)
    onnx.checker.check_model(str(path))


def export_bi_encoder(model: BiEncoder, path: Path) -> None:
    ids, mask = _example(2, 12)
    _export(model.eval().cpu(), (ids, mask, torch.tensor([1, 4]), torch.tensor([5, 7])), path, BI_INPUTS, BI_OUTPUTS)


def export_cross_encoder(model: CrossEncoder, path: Path) -> None:
    if model.head_kind != "linear":
        raise ExportError("Only the linear cross-encoder head scores one pair at a time as the contract needs: "
                          "train with cross_encoder.head: linear to export")
    ids, mask = _example(2, 16)
    types = torch.zeros_like(ids)
    types[:, 8:] = 1
    args = (ids, mask, types, torch.tensor([1, 3]), torch.tensor([4, 6])) if model.uses_markers else (ids, mask, types)
    _export(model.eval().cpu(), args, path, cross_inputs(model), CROSS_OUTPUTS)


def quantize(fp32: Path, int8: Path, op_types: list[str], per_channel: bool, exclude: list[str]) -> list[str]:
    """Dynamic quantization with int8 weights; raises instead of warning. Returns the excluded nodes.

    Only MatMuls with a constant weight are quantized (activation x activation products in
    attention stay fp32). "Gather" also quantizes the embedding tables: needed to keep a
    MiniLM int8 graph near 23 MB. `exclude` keeps matching MatMul nodes in fp32 when
    their activations have outliers that per-tensor int8 cannot represent.
    """
    graph = onnx.load(str(fp32), load_external_data=False).graph
    excluded = [n.name for n in graph.node if n.op_type == "MatMul" and any(p in n.name for p in exclude)]
    if exclude and not excluded:
        raise ExportError(f"export.quantize_exclude {exclude} matches no MatMul node of {fp32.name}: check the patterns")
    try:
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, op_types_to_quantize=list(op_types),
                         per_channel=per_channel, nodes_to_exclude=excluded, extra_options={"MatMulConstBOnly": True})
    except Exception as error:  # the quantizer raises many types; any of them means no int8 graph
        raise ExportError(f"int8 quantization of {fp32.name} failed: {error}") from error
    if not int8.is_file():
        raise ExportError(f"int8 quantization wrote no {int8.name}")
    return excluded


def session(path: Path, threads: int = 2) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def ort_bi_runner(sess: ort.InferenceSession):
    def run(ids, mask, head, tail):
        s, d = sess.run(BI_OUTPUTS, dict(zip(BI_INPUTS, (ids, mask, head, tail))))
        return s, d

    return run


def ort_cross_runner(sess: ort.InferenceSession):
    """Feeds the graph the inputs it declares: head/tail index only to a marker-pooling graph."""
    names = [i.name for i in sess.get_inputs()]

    def run(ids, mask, types, head, tail):
        feed = dict(zip(CROSS_MARKER_INPUTS, (ids, mask, types, head, tail)))
        return sess.run(CROSS_OUTPUTS, {name: feed[name] for name in names})[0]

    return run

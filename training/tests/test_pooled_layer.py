"""The cross-encoder's last layer computed only at its pooled position (zsre_train/pooled_layer.py, issue 23)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from zsre_train.graph_variants import (
    activation_ranges, fuse_int8_matmuls, probe, quantized_activations, restore_per_tensor, seven_bit_weights, static_activations)
from zsre_train.onnx_graphs import ExportError
from zsre_train.pooled_layer import POOLED_MARKER, is_pooled, pool_before_last_layer, restore_full_last_layer

FIXTURES = Path(__file__).resolve().parents[2] / "test" / "fixtures"
CLS_MODEL = FIXTURES / "tiny-model"  # a cross-encoder pooled at [CLS]
MARKER_MODEL = FIXTURES / "tiny-model-markers"  # one pooled at the entity markers


def session(model: onnx.ModelProto) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def pairs(seed: int, batch: int = 6, length: int = 24, markers: bool = False) -> dict[str, np.ndarray]:
    """Padded pairs of different lengths: [CLS] sentence [SEP] description [SEP], the rest padding;
    with `markers`, head and tail marker positions inside each sentence."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1000, 20000, (batch, length)).astype(np.int64)
    mask = np.zeros((batch, length), np.int64)
    types = np.zeros((batch, length), np.int64)
    head = np.zeros(batch, np.int64)
    tail = np.zeros(batch, np.int64)
    for row in range(batch):
        real = int(rng.integers(8, length + 1))
        mask[row, :real] = 1
        ids[row, 0], ids[row, real - 1] = 101, 102
        ids[row, real:] = 0
        types[row, real // 2:real] = 1
        head[row], tail[row] = rng.integers(1, real // 2, 2)
    feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    return {**feed, "head_index": head, "tail_index": tail} if markers else feed


def alone(run: ort.InferenceSession, feed: dict[str, np.ndarray]) -> np.ndarray:
    """Each row run by itself at its own length."""
    out = []
    for row in range(feed["input_ids"].shape[0]):
        real = int(feed["attention_mask"][row].sum())
        out.append(run.run(None, {k: v[row:row + 1, :real] if v.ndim == 2 else v[row:row + 1] for k, v in feed.items()})[0][0])
    return np.array(out)


def static_cross(model: onnx.ModelProto, markers: bool = False) -> onnx.ModelProto:
    """The shipped form: static 8-bit activations calibrated on random pairs, 7-bit weights, fused int8 MatMuls."""
    dynamic = restore_per_tensor(model)
    names = quantized_activations(dynamic)
    probing = session(probe(dynamic))
    outputs = [o.name for o in probing.get_outputs()]
    feeds = [pairs(seed, markers=markers) for seed in range(3)]
    ranges = activation_ranges(lambda feed: dict(zip(outputs, probing.run(outputs, feed))), feeds, names)
    return fuse_int8_matmuls(seven_bit_weights(static_activations(dynamic, ranges, 255)))


def test_fp32_pooled_graph_computes_the_same_scores_with_less_work():
    full = onnx.load(str(CLS_MODEL / "cross_encoder.fp32.onnx"))
    pooled = pool_before_last_layer(full)
    assert is_pooled(pooled) and not is_pooled(full)
    ops = [n.op_type for n in pooled.graph.node]
    assert ops.count("Slice") == len([n for n in full.graph.node if n.op_type == "Slice"]) + 2  # the pooled row, the mask's row
    for seed in (1, 2):
        feed = pairs(seed)
        expected = session(full).run(None, feed)[0]
        got = session(pooled).run(None, feed)[0]
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


@pytest.mark.parametrize("fixture, markers", [(CLS_MODEL, False), (MARKER_MODEL, True)])
def test_static_int8_pooled_graph_agrees_and_is_batch_invariant(fixture, markers):
    full = static_cross(onnx.load(str(fixture / "cross_encoder.int8.onnx")), markers)
    pooled = pool_before_last_layer(full)
    feed = pairs(7, batch=8, markers=markers)
    expected = session(full).run(None, feed)[0]
    got = session(pooled).run(None, feed)[0]
    # The same function; a last-bit float difference may round one int8 activation the other way.
    assert np.abs(got - expected).max() < 0.05 * max(1.0, float(np.abs(expected).max()))
    # Each row alone at its own length, in the batch, and in the reversed batch: identical bits.
    assert np.array_equal(alone(session(pooled), feed), got)
    reversed_feed = {k: v[::-1].copy() for k, v in feed.items()}
    assert np.array_equal(session(pooled).run(None, reversed_feed)[0][::-1], got)


def test_marker_pooled_graph_keeps_three_rows_and_computes_the_same_scores():
    full = onnx.load(str(MARKER_MODEL / "cross_encoder.fp32.onnx"))
    pooled = pool_before_last_layer(full)
    assert json.loads(next(p.value for p in pooled.metadata_props if p.key == POOLED_MARKER))["rows"] == [
        0, "marker at head_index", "marker at tail_index"]
    for seed in (1, 2):
        feed = pairs(seed, markers=True)
        np.testing.assert_allclose(session(pooled).run(None, feed)[0], session(full).run(None, feed)[0], rtol=0, atol=1e-5)
    restored = restore_full_last_layer(pooled)
    del full.graph.value_info[:]
    assert restored.graph.SerializeToString() == full.graph.SerializeToString()


def test_restore_gives_back_the_original_graph():
    full = onnx.load(str(CLS_MODEL / "cross_encoder.fp32.onnx"))
    restored = restore_full_last_layer(pool_before_last_layer(full))
    del full.graph.value_info[:]  # the rewrite drops inferred shapes
    assert restored.graph.SerializeToString() == full.graph.SerializeToString()
    assert not is_pooled(restored)


def test_refuses_a_pooled_graph_and_one_that_reads_its_last_layer_elsewhere():
    pooled = pool_before_last_layer(onnx.load(str(CLS_MODEL / "cross_encoder.fp32.onnx")))
    with pytest.raises(ExportError, match="already"):
        pool_before_last_layer(pooled)
    other = onnx.load(str(CLS_MODEL / "cross_encoder.fp32.onnx"))
    last = next(n for n in other.graph.node if n.op_type == "Gather" and n.input[0].endswith("output/LayerNorm/LayerNormalization_output_0"))
    other.graph.node.append(helper.make_node("ReduceMean", [last.input[0]], ["every_token"], name="every_token", axes=[1]))
    other.graph.output.append(helper.make_tensor_value_info("every_token", TensorProto.FLOAT, None))
    with pytest.raises(ExportError, match="neither \\[CLS\\] nor an entity marker"):
        pool_before_last_layer(other)


def test_refuses_a_dynamic_int8_graph_its_rewrite_does_not_cover():
    dynamic = restore_per_tensor(onnx.load(str(CLS_MODEL / "cross_encoder.int8.onnx")))
    with pytest.raises(ExportError, match="query/, found 0"):
        pool_before_last_layer(dynamic)

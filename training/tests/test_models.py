"""Model invariants and the ONNX round trip on a random tiny backbone."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from transformers import BertConfig

from zsre_train.models import BiEncoder, CrossEncoder, build_bert, keep_first_layers
from zsre_train.onnx_graphs import ExportError, export_bi_encoder, export_cross_encoder, ort_bi_runner, ort_cross_runner, quantize, session


def tiny_bert():
    torch.manual_seed(0)
    return build_bert(BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                 intermediate_size=32, max_position_embeddings=256), None)


@pytest.fixture()
def bi():
    return BiEncoder(tiny_bert(), max_description_length=8, vocab_buckets=64).eval()


def test_vectors_are_normalised_and_use_the_marker_positions(bi):
    ids = torch.randint(1, 64, (2, 10))
    mask = torch.ones_like(ids)
    with torch.no_grad():
        s, d = bi(ids, mask, torch.tensor([2, 3]), torch.tensor([5, 7]))
        hidden = bi.encoder(ids, mask)
    assert s.shape == (2, 48) and d.shape == (2, 48)
    assert torch.allclose(s.norm(dim=-1), torch.ones(2)) and torch.allclose(d.norm(dim=-1), torch.ones(2))
    raw = torch.cat([hidden[0, 0], hidden[0, 2], hidden[0, 5]])
    assert torch.allclose(s[0], raw / raw.norm(), atol=1e-6)


def test_description_pooling_ignores_padding_and_longer_inputs_work(bi):
    ids = torch.tensor([[1, 5, 6, 7, 2]])
    padded = torch.tensor([[1, 5, 6, 7, 2, 0, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 1, 1, 0, 0, 0]])
    zero = torch.zeros(1, dtype=torch.long)
    with torch.no_grad():
        _, d1 = bi(ids, torch.ones_like(ids), zero, zero)
        _, d2 = bi(padded, mask, zero, zero)
        _, long = bi(torch.randint(1, 64, (1, 40)), torch.ones(1, 40, dtype=torch.long), zero, zero)  # past the 8-position bias
    assert torch.allclose(d1, d2, atol=1e-6)
    assert torch.isfinite(long).all()


def test_description_pooling_excludes_cls(bi):
    ids = torch.tensor([[1, 5, 6, 7, 2]])
    zero = torch.zeros(1, dtype=torch.long)
    with torch.no_grad():
        hidden = bi.encoder(ids, torch.ones_like(ids))
        pools = bi._attention_pools(hidden, torch.ones_like(ids)).view(2, -1)
    # Each pool is a convex combination of rows 1..4 only: solve for its weights over all rows.
    weights = torch.linalg.lstsq(hidden[0].T, pools.T).solution.T
    assert weights[:, 0].abs().max() < 1e-4


def test_cross_encoder_heads():
    linear = CrossEncoder(tiny_bert(), "linear", vocab_buckets=64).eval()
    ids = torch.randint(1, 64, (6, 9))
    args = (ids, torch.ones_like(ids), torch.zeros_like(ids))
    assert linear(*args).shape == (6,)
    assert linear.group_scores(*args, k=3).shape == (2, 3)
    concat = CrossEncoder(tiny_bert(), "concat", k=3, vocab_buckets=64).eval()
    assert concat.group_scores(*args, k=3).shape == (2, 3)
    with pytest.raises(ValueError, match="group_scores"):
        concat(*args)


def test_quantize_rejects_exclusions_that_match_nothing(tmp_path, bi):
    export_bi_encoder(bi, tmp_path / "bi.onnx")
    with pytest.raises(ExportError, match="matches no MatMul"):
        quantize(tmp_path / "bi.onnx", tmp_path / "q.onnx", ["MatMul"], False, ["/no/such/layer/"])


def test_onnx_matches_torch_on_other_batch_and_sequence_sizes(tmp_path, bi):
    export_bi_encoder(bi, tmp_path / "bi.onnx")
    assert quantize(tmp_path / "bi.onnx", tmp_path / "bi.int8.onnx", ["MatMul", "Gather"], True, ["/output/dense/"]) == [
        "/encoder/bert/encoder/layer.0/attention/output/dense/MatMul", "/encoder/bert/encoder/layer.0/output/dense/MatMul"]
    ids = torch.randint(1, 5000, (3, 41))  # ids past the 64 buckets exercise the modulo in the graph
    mask = torch.ones_like(ids)
    mask[2, 30:] = 0
    head, tail = torch.tensor([1, 4, 9]), torch.tensor([6, 20, 29])
    with torch.no_grad():
        expected = bi(ids, mask, head, tail)
    for name in ("bi.onnx", "bi.int8.onnx"):
        got = ort_bi_runner(session(tmp_path / name))(ids.numpy(), mask.numpy(), head.numpy(), tail.numpy())
        tolerance = 1e-5 if name == "bi.onnx" else 0.1
        for a, b in zip(got, expected):
            assert np.abs(a - b.numpy()).max() < tolerance
    cross = CrossEncoder(tiny_bert(), "linear", vocab_buckets=64).eval()
    export_cross_encoder(cross, tmp_path / "cross.onnx")
    types = torch.zeros_like(ids)
    types[:, 20:] = 1
    with torch.no_grad():
        expected_scores = cross(ids, mask, types).numpy()
    got_scores = ort_cross_runner(session(tmp_path / "cross.onnx"))(ids.numpy(), mask.numpy(), types.numpy(), head.numpy(), tail.numpy())
    assert np.abs(got_scores - expected_scores).max() < 1e-5


def test_marker_pooling_cross_encoder_reads_the_marker_states_and_exports_with_their_indices(tmp_path, bi):
    cross = CrossEncoder(tiny_bert(), "linear", vocab_buckets=64, pooling="markers").eval()
    ids = torch.randint(1, 5000, (3, 23))
    mask = torch.ones_like(ids)
    mask[2, 15:] = 0
    types = torch.zeros_like(ids)
    types[:, 12:] = 1
    head, tail = torch.tensor([1, 2, 3]), torch.tensor([5, 6, 9])
    with torch.no_grad():
        expected = cross(ids, mask, types, head, tail).numpy()
        moved = cross(ids, mask, types, head, torch.tensor([7, 6, 9])).numpy()
    assert moved[0] != expected[0] and np.allclose(moved[1:], expected[1:])  # the score follows the tail marker's state
    with pytest.raises(ValueError, match="head_index and tail_index"):
        cross(ids, mask, types)
    export_cross_encoder(cross, tmp_path / "cross.onnx")
    sess = session(tmp_path / "cross.onnx")
    assert [i.name for i in sess.get_inputs()] == ["input_ids", "attention_mask", "token_type_ids", "head_index", "tail_index"]
    got = ort_cross_runner(sess)(ids.numpy(), mask.numpy(), types.numpy(), head.numpy(), tail.numpy())
    assert np.abs(got - expected).max() < 1e-5


def test_cross_encoder_can_start_from_the_bi_encoders_encoder(bi):
    cross = CrossEncoder(tiny_bert(), "linear", vocab_buckets=64, pooling="markers")
    cross.init_encoder_from(bi)
    for (name, a), (_, b) in zip(cross.encoder.state_dict().items(), bi.encoder.state_dict().items()):
        assert torch.equal(a, b), name
    with pytest.raises(ValueError, match="concat head"):
        CrossEncoder(tiny_bert(), "concat", k=3, vocab_buckets=64, pooling="markers")


def deep_bert(layers=3):
    torch.manual_seed(1)
    return build_bert(BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=layers, num_attention_heads=2,
                                 intermediate_size=32, max_position_embeddings=256), None)


def test_a_cross_encoder_with_fewer_layers_starts_from_the_first_layers_of_the_bi_encoder(tmp_path):
    """cross_encoder.layers (issue 23): the cut encoder keeps the embeddings and first N layers, takes
    the bi-encoder's first N at init, leaves a shared config alone and exports like the full one."""
    shared = BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=3, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=256)
    bi = BiEncoder(build_bert(shared, None), max_description_length=8, vocab_buckets=64).eval()
    cut = keep_first_layers(build_bert(shared, None), 2)
    assert len(cut.encoder.layer) == 2 and cut.config.num_hidden_layers == 2 and shared.num_hidden_layers == 3
    cross = CrossEncoder(cut, "linear", vocab_buckets=64, pooling="markers").eval()
    cross.init_encoder_from(bi)
    theirs = bi.encoder.state_dict()
    own = cross.encoder.state_dict()
    assert not any(".layer.2." in name for name in own)
    for name, weight in own.items():
        assert torch.equal(weight, theirs[name]), name
    # The cut encoder computes what the bi-encoder's first two layers compute.
    ids = torch.randint(1, 64, (2, 9))
    mask = torch.ones_like(ids)
    with torch.no_grad():
        states = bi.encoder.bert(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
        assert torch.allclose(cross.encoder(ids, mask), states[2], atol=1e-6)
    export_cross_encoder(cross, tmp_path / "cross.onnx")
    types = torch.zeros_like(ids)
    head, tail = torch.tensor([1, 2]), torch.tensor([4, 6])
    with torch.no_grad():
        expected = cross(ids, mask, types, head, tail).numpy()
    got = ort_cross_runner(session(tmp_path / "cross.onnx"))(ids.numpy(), mask.numpy(), types.numpy(), head.numpy(), tail.numpy())
    assert np.abs(got - expected).max() < 1e-5


def test_a_cross_encoder_cannot_keep_more_layers_than_its_backbone_has_or_start_from_a_shallower_one():
    with pytest.raises(ValueError, match="Cannot keep 4 layers of a backbone with 3"):
        keep_first_layers(deep_bert(3), 4)
    with pytest.raises(ValueError, match="Cannot keep 0 layers"):
        keep_first_layers(deep_bert(3), 0)
    shallow = BiEncoder(deep_bert(1), max_description_length=8, vocab_buckets=64)
    cross = CrossEncoder(deep_bert(3), "linear", vocab_buckets=64, pooling="markers")
    with pytest.raises(ValueError, match="at least this encoder's layers"):
        cross.init_encoder_from(shallow)

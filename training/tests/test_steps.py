"""Training steps encode in length groups: the same loss and gradients as one padded batch, on fewer tokens."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from transformers import BertConfig

from zsre_train.losses import candidate_loss, in_batch_contrastive_loss
from zsre_train.models import BiEncoder, CrossEncoder, build_bert
from zsre_train.steps import bi_encoder_step, choose_candidates, cross_encoder_step, length_groups
from zsre_train.text import SentenceInput, cross_pair, pad_batch


def tiny_bert():
    torch.manual_seed(0)
    return build_bert(BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                 intermediate_size=32, max_position_embeddings=256), None)


def padded_tokens(lengths, groups):
    return sum(len(g) * max(lengths[i] for i in g) for g in groups)


def test_length_groups_partition_the_rows_and_cut_padding():
    rng = np.random.default_rng(0)
    lengths = rng.integers(8, 128, size=32).tolist()
    groups = length_groups(lengths)
    assert sorted(i for g in groups for i in g) == list(range(32))
    # contiguous in length order: every row of a group is at most as long as every row of the next
    for a, b in zip(groups, groups[1:]):
        assert max(lengths[i] for i in a) <= min(lengths[i] for i in b)
    assert padded_tokens(lengths, groups) < 32 * max(lengths)
    assert len(length_groups(lengths, overhead=10**6)) == 1  # a pass costing more than any padding: one batch
    assert [len(g) for g in length_groups([5, 5, 5, 9, 9], overhead=0)] == [3, 2]  # no overhead: one group per length
    assert length_groups([7]) == [[0]]


def _rows(n, rng):
    rows = []
    for _ in range(n):
        length = int(rng.integers(6, 30))
        ids = [1] + rng.integers(3, 64, size=length - 2).tolist() + [2]
        rows.append(SentenceInput(ids, 1, int(rng.integers(2, length - 1))))
    return rows


def _grads(model):
    return [p.grad.clone() for p in model.parameters() if p.grad is not None]


def test_bi_encoder_step_in_length_groups_equals_one_padded_batch():
    rng = np.random.default_rng(1)
    sentences = _rows(12, rng)
    relations = [f"P{i % 5}" for i in range(12)]
    descriptions = {f"P{r}": [1] + rng.integers(3, 64, size=int(rng.integers(3, 40))).tolist() + [2] for r in range(5)}
    model = BiEncoder(tiny_bert(), max_description_length=64, vocab_buckets=64).eval()  # eval: no dropout, deterministic
    indices = [3, 0, 7, 11, 5, 8, 1]
    loss, n_seq = bi_encoder_step(model, sentences, relations, descriptions, 0, 0.05, torch.device("cpu"))(indices, 0)
    loss.backward()
    grouped = _grads(model)
    model.zero_grad()
    # the step before length groups: one padded batch of sentences, one of descriptions
    rels = [relations[i] for i in indices]
    distinct = sorted(set(rels))
    ids, mask = pad_batch([sentences[i].input_ids for i in indices], 0)
    sent, _ = model(torch.tensor(ids), torch.tensor(mask), torch.tensor([sentences[i].head_index for i in indices]),
                    torch.tensor([sentences[i].tail_index for i in indices]))
    d_ids, d_mask = pad_batch([descriptions[r] for r in distinct], 0)
    zeros = torch.zeros(len(distinct), dtype=torch.long)
    _, desc = model(torch.tensor(d_ids), torch.tensor(d_mask), zeros, zeros)
    reference = in_batch_contrastive_loss(sent, desc[torch.tensor([distinct.index(r) for r in rels])], rels, 0.05)
    reference.backward()
    assert n_seq == len(indices) + len(distinct)
    assert loss.item() == pytest.approx(reference.item(), abs=1e-5)
    for a, b in zip(grouped, _grads(model)):
        assert torch.allclose(a, b, atol=1e-5)


def test_bi_encoder_step_with_none_pairs_uses_the_none_column():
    from zsre_train.losses import none_aware_contrastive_loss
    rng = np.random.default_rng(2)
    sentences = _rows(8, rng)
    relations = ["P0", "__none__", "P1", "__none__", "P0", "P2", "__none__", "P1"]
    descriptions = {f"P{r}": [1] + rng.integers(3, 64, size=int(rng.integers(3, 20))).tolist() + [2] for r in range(3)}
    model = BiEncoder(tiny_bert(), max_description_length=64, vocab_buckets=64).eval()
    none_cosine = torch.nn.Parameter(torch.tensor(0.4))
    step = bi_encoder_step(model, sentences, relations, descriptions, 0, 0.05, torch.device("cpu"),
                           none_cosine=none_cosine, none_relation="__none__")
    indices = [1, 0, 2, 3, 5]
    loss, n_seq = step(indices, 0)
    loss.backward()
    assert n_seq == 5 + 3  # the none pairs bring no description
    assert none_cosine.grad is not None and none_cosine.grad.item() != 0
    # the reference: the same vectors through none_aware_contrastive_loss
    ids, mask = pad_batch([sentences[i].input_ids for i in indices], 0)
    sent, _ = model(torch.tensor(ids), torch.tensor(mask), torch.tensor([sentences[i].head_index for i in indices]),
                    torch.tensor([sentences[i].tail_index for i in indices]))
    d_ids, d_mask = pad_batch([descriptions[r] for r in ["P0", "P1", "P2"]], 0)
    _, desc = model(torch.tensor(d_ids), torch.tensor(d_mask), torch.zeros(3, dtype=torch.long), torch.zeros(3, dtype=torch.long))
    reference = none_aware_contrastive_loss(sent, desc, [-1, 0, 1, -1, 2], none_cosine, 0.05)
    assert loss.item() == pytest.approx(reference.item(), abs=1e-5)
    # a batch of none pairs only still trains the sentence side (no description to encode)
    only_none, n_only = step([1, 3, 6], 0)
    assert n_only == 3 and torch.isfinite(only_none)


@pytest.mark.parametrize("pooling", ["markers", "cls"])
def test_cross_encoder_step_in_length_groups_equals_one_padded_batch(tokenizer, pooling):
    rng = np.random.default_rng(2)
    sentences = _rows(10, rng)
    descriptions = [[1] + rng.integers(3, 64, size=int(rng.integers(3, 40))).tolist() + [2] for _ in range(6)]
    gold = [i % 6 for i in range(10)]
    hard = np.array([[(g + 1) % 6, (g + 2) % 6] for g in gold])
    model = CrossEncoder(tiny_bert(), "linear", 4, 64, pooling=pooling).eval()
    indices = [9, 2, 4, 0, 6]
    loss, n_pairs = cross_encoder_step(model, tokenizer, sentences, gold, hard, descriptions, 4, 1, 42, torch.device("cpu"))(indices, 1)
    loss.backward()
    grouped = _grads(model)
    model.zero_grad()
    pairs, positions, heads, tails = [], [], [], []
    for i in indices:  # the same draws as the step: seeded by (seed, epoch, sentence)
        columns, position = choose_candidates(gold[i], hard[i].tolist(), 6, 4, 1, np.random.default_rng([42, 1, i]))
        pairs += [cross_pair(tokenizer, sentences[i].input_ids, descriptions[c]) for c in columns]
        positions.append(position)
        heads += [sentences[i].head_index] * 4
        tails += [sentences[i].tail_index] * 4
    ids, mask = pad_batch([p[0] for p in pairs], tokenizer.pad_token_id)
    types, _ = pad_batch([p[1] for p in pairs], 0)
    scores = model.group_scores(torch.tensor(ids), torch.tensor(mask), torch.tensor(types), 4, torch.tensor(heads), torch.tensor(tails))
    reference = candidate_loss(scores, torch.tensor(positions))
    reference.backward()
    assert n_pairs == 20
    assert loss.item() == pytest.approx(reference.item(), abs=1e-5)
    for a, b in zip(grouped, _grads(model)):
        assert torch.allclose(a, b, atol=1e-5)

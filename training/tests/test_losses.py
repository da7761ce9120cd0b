"""The in-batch loss must not treat a second sentence of the same relation as a negative."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from zsre_train.losses import candidate_loss, in_batch_contrastive_loss, sentence_contrastive_loss


def test_same_relation_column_is_masked_not_negative():
    sentences = F.normalize(torch.tensor([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0]]), dim=-1)
    descriptions = F.normalize(torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]), dim=-1)  # rows 0, 1 share P1
    masked = in_batch_contrastive_loss(sentences, descriptions, ["P1", "P1", "P2"], temperature=0.02)
    unmasked = in_batch_contrastive_loss(sentences, descriptions, ["P1", "P3", "P2"], temperature=0.02)
    # Unmasked, sentence 0 fights its own relation's description in column 1: loss >= log 2 for it.
    assert unmasked.item() > math.log(2) / 3
    assert masked.item() < 1e-6


def test_loss_matches_cross_entropy_over_distinct_relations():
    torch.manual_seed(0)
    s = F.normalize(torch.randn(4, 6), dim=-1)
    d_distinct = F.normalize(torch.randn(3, 6), dim=-1)
    rels = ["A", "B", "A", "C"]
    col = {"A": 0, "B": 1, "C": 2}
    per_sentence = d_distinct[[col[r] for r in rels]]
    expected = F.cross_entropy(s @ d_distinct.T / 0.02, torch.tensor([col[r] for r in rels]))
    assert torch.allclose(in_batch_contrastive_loss(s, per_sentence, rels, 0.02), expected, atol=1e-5)


def test_candidate_loss_is_softmax_over_k():
    scores = torch.tensor([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0]])
    loss = candidate_loss(scores, torch.tensor([1, 0]))
    assert abs(loss.item() - (math.log(3) + 2 * math.exp(-10)) / 2) < 1e-3


def test_sentence_contrastive_loss_pulls_same_relation_sentences_together():
    together = torch.nn.functional.normalize(torch.tensor([[1.0, 0.1], [1.0, -0.1], [0.0, 1.0]]), dim=-1)
    apart = torch.nn.functional.normalize(torch.tensor([[1.0, 0.1], [0.0, 1.0], [1.0, -0.1]]), dim=-1)
    relations = ["P1", "P1", "P2"]
    assert sentence_contrastive_loss(together, relations, 0.1) < sentence_contrastive_loss(apart, relations, 0.1)


def test_sentence_contrastive_loss_is_zero_without_a_shared_relation_and_keeps_the_graph():
    vectors = torch.randn(3, 4, requires_grad=True)
    loss = sentence_contrastive_loss(vectors, ["P1", "P2", "P3"], 0.1)
    assert loss.item() == 0.0
    loss.backward()
    assert vectors.grad is not None and torch.count_nonzero(vectors.grad) == 0

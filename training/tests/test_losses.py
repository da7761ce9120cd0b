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


def test_none_aware_loss_is_cross_entropy_with_a_none_column():
    from zsre_train.losses import none_aware_contrastive_loss
    torch.manual_seed(1)
    s = F.normalize(torch.randn(3, 4), dim=-1)
    d = F.normalize(torch.randn(2, 4), dim=-1)
    c = torch.tensor(0.3)
    logits = torch.cat([s @ d.T, torch.full((3, 1), 0.3)], dim=1) / 0.05
    expected = F.cross_entropy(logits, torch.tensor([1, 2, 0]))  # the second row holds nothing: column 2
    assert torch.allclose(none_aware_contrastive_loss(s, d, [1, -1, 0], c, 0.05), expected, atol=1e-6)


def test_none_aware_loss_pushes_a_pair_holding_nothing_below_the_none_cosine():
    from zsre_train.losses import none_aware_contrastive_loss
    description = torch.tensor([[1.0, 0.0]])
    near, far = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]])  # cosine 1 and 0 with the relation
    none_cosine = torch.tensor(0.5, requires_grad=True)
    # A pair holding nothing that sits on the relation is costly; one far from it is not.
    assert none_aware_contrastive_loss(near, description, [-1], none_cosine, 0.05).item() > 5
    assert none_aware_contrastive_loss(far, description, [-1], none_cosine, 0.05).item() < 1e-4
    # A related pair must beat the none column: the learned cosine is pushed down by it.
    loss = none_aware_contrastive_loss(torch.tensor([[0.6, 0.8]]), description, [0], none_cosine, 0.05)
    loss.backward()
    assert none_cosine.grad.item() > 0
    # A batch of none pairs only (no relation in it) costs nothing.
    assert none_aware_contrastive_loss(near, torch.zeros((0, 2)), [-1], none_cosine, 0.05).item() < 1e-6

"""Distillation into the bi-encoder (zsre_train.distill): candidates, teacher weights, the step."""
from __future__ import annotations

import numpy as np
import torch
from transformers import BertConfig

from zsre_train.distill import candidates_with_gold, distillation_step, fit_teacher_weights
from zsre_train.models import BiEncoder, build_bert
from zsre_train.text import SentenceInput


def test_candidates_hold_the_gold_even_when_the_bi_encoder_misses_it():
    bi_all = np.array([[0.9, 0.8, 0.1, 0.0], [0.1, 0.2, 0.9, 0.8]])
    columns = candidates_with_gold(bi_all, np.array([1, 0]), 2)
    assert columns.tolist() == [[0, 1], [2, 0]]


def test_teacher_weights_follow_the_informative_score():
    rng = np.random.default_rng(0)
    n, k = 400, 4
    gold = rng.integers(k, size=n)
    bi = rng.normal(size=(n, k)) * 0.05  # noise
    cross = rng.normal(size=(n, k))
    cross[np.arange(n), gold] += 3.0  # the cross score knows the gold
    a, b = fit_teacher_weights(bi, cross, gold)
    assert b > 1.0 and abs(a) < 10 * b


def tiny_bi() -> BiEncoder:
    torch.manual_seed(0)
    config = BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                        max_position_embeddings=32)
    return BiEncoder(build_bert(config, None), max_description_length=8)


def test_the_student_moves_towards_the_teacher():
    model = tiny_bi()
    sentences = [SentenceInput([2, 5 + i, 1, 9, 3, 3], 2, 4) for i in range(6)]
    descriptions = [[2, 10 + c, 11, 3] for c in range(5)]
    columns = np.array([[c % 5, (c + 1) % 5, (c + 2) % 5] for c in range(6)])
    probs = np.tile(np.array([[0.8, 0.15, 0.05]]), (6, 1))
    relation_ids = [f"R{c}" for c in range(5)]
    relation_of = [f"R{c % 5}" for c in range(6)]  # the gold is each sentence's first candidate
    step = distillation_step(model, sentences, relation_of, relation_ids, descriptions, columns, probs, 0, 0.1, 0.0,
                             torch.device("cpu"))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-2)
    losses = []
    for _ in range(40):
        loss, n_seq = step(list(range(6)), 0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert n_seq == 6 + 5 and np.isfinite(losses).all()
    assert losses[-1] < 0.5 * losses[0]
    with_contrastive = distillation_step(model, sentences, relation_of, relation_ids, descriptions, columns, probs, 0, 0.1,
                                         1.0, torch.device("cpu"))
    assert with_contrastive(list(range(6)), 0)[0].item() > step(list(range(6)), 0)[0].item()

"""Frozen lower layers (issue 24 item 1): the embeddings and first N layers keep their weights,
the layers above get the same gradients as with nothing frozen, and the backward pass is shorter."""
from __future__ import annotations

import pytest
import torch
from transformers import BertConfig

from zsre_train.config import ConfigError
from zsre_train.freeze import frozen_lower_layers, lower_parameters
from zsre_train.models import BiEncoder, build_bert


def tiny_bi(layers=3):
    torch.manual_seed(0)
    bert = build_bert(BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=layers, num_attention_heads=2,
                                 intermediate_size=32, max_position_embeddings=64), None)
    return BiEncoder(bert, max_description_length=16).eval()  # eval: no dropout, so two passes agree


def batch():
    ids = torch.tensor([[1, 5, 9, 11, 2, 0], [1, 7, 8, 3, 4, 2]])
    mask = (ids != 0).long()
    return ids, mask, torch.tensor([1, 2]), torch.tensor([3, 4])


def loss_of(model):
    sentence, description = model(*batch())
    return (sentence @ description.T).diagonal().sum()


def test_lower_parameters_are_the_embeddings_and_first_layers():
    bert = tiny_bi().encoder.bert
    assert {id(p) for p in lower_parameters(bert, 0)} == {id(p) for p in bert.embeddings.parameters()}
    two = {id(p) for p in lower_parameters(bert, 2)}
    assert {id(p) for p in bert.encoder.layer[1].parameters()} <= two
    assert not {id(p) for p in bert.encoder.layer[2].parameters()} & two
    with pytest.raises(ConfigError, match="only 3 layers"):
        lower_parameters(bert, 4)


def test_frozen_layers_keep_their_weights_and_the_rest_get_the_same_gradients():
    free, frozen = tiny_bi(), tiny_bi()
    loss_of(free).backward()
    optimizer = torch.optim.AdamW(frozen.parameters(), lr=0.1, weight_decay=0.01)
    before = {name: p.detach().clone() for name, p in frozen.named_parameters()}
    with frozen_lower_layers(frozen.encoder.bert, 2) as n_frozen:
        assert n_frozen == sum(p.numel() for p in lower_parameters(frozen.encoder.bert, 2))
        loss_of(frozen).backward()
        torch.nn.utils.clip_grad_norm_(frozen.parameters(), 1.0)
        optimizer.step()
    lower = {id(p) for p in lower_parameters(frozen.encoder.bert, 2)}
    for (name, p), (_, q) in zip(frozen.named_parameters(), free.named_parameters()):
        if id(p) in lower:
            assert p.grad is None and torch.equal(p, before[name]), name  # no gradient, no weight decay
        elif q.grad is not None and q.grad.abs().sum() > 0:
            # The layers above see the same inputs and loss: the same gradients as with nothing frozen.
            torch.testing.assert_close(p.grad, q.grad, rtol=1e-5, atol=1e-7)
            assert not torch.equal(p, before[name]), name
    assert all(p.requires_grad for p in frozen.parameters())  # the next phase decides for itself


def test_none_freezes_nothing():
    model = tiny_bi()
    with frozen_lower_layers(model.encoder.bert, None) as n_frozen:
        assert n_frozen == 0 and all(p.requires_grad for p in model.parameters())

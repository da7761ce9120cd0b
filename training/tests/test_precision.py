"""Mixed precision for the training steps (issue 24 item 1): bf16 autocast changes the arithmetic of
the encoders only (weights, gradients and losses stay fp32, and the loss stays close to the fp32
one), the fused AdamW makes the same update as the per-tensor one, and the CPU check reads the flags."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from transformers import BertConfig

from test_steps import _rows
from zsre_train.models import BiEncoder, CrossEncoder, build_bert
from zsre_train.precision import adamw, cpu_has_native_bf16
from zsre_train.steps import bi_encoder_step, cross_encoder_step


def spread_bert():
    # Weights drawn 10x wider than BERT's default 0.02: a tiny model at the default scores every pair
    # alike, its loss sits at chance and its gradients (~1e-3) are below bf16's rounding, which no
    # real encoder is (MiniLM on FewRel m5_42, one batch: cosine 1.000 between the fp32 and bf16
    # gradients of both phases).
    torch.manual_seed(0)
    return build_bert(BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                                 max_position_embeddings=256, initializer_range=0.2), None)


def _flat_grads(model):
    return torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])


def _loss_and_grads(model, step, indices):
    model.zero_grad(set_to_none=True)
    loss, _ = step(indices, 0)
    loss.backward()
    return loss, _flat_grads(model)


def _assert_close_in_bf16(model, fp32_step, bf16_step, indices):
    loss32, grads32 = _loss_and_grads(model, fp32_step, indices)
    loss16, grads16 = _loss_and_grads(model, bf16_step, indices)
    assert loss16.dtype == torch.float32 and grads16.dtype == torch.float32
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert loss16.item() == pytest.approx(loss32.item(), rel=0.02)
    assert loss16.item() != loss32.item()  # autocast did run the encoder in bf16
    cosine = torch.nn.functional.cosine_similarity(grads16, grads32, dim=0).item()
    assert cosine > 0.98, f"bf16 gradients point elsewhere than fp32's (cosine {cosine:.4f})"


def test_bi_encoder_step_in_bf16_stays_close_to_fp32():
    rng = np.random.default_rng(1)
    sentences = _rows(12, rng)
    relations = [f"P{i % 5}" for i in range(12)]
    descriptions = {f"P{r}": [1] + rng.integers(3, 64, size=int(rng.integers(3, 40))).tolist() + [2] for r in range(5)}
    model = BiEncoder(spread_bert(), max_description_length=64, vocab_buckets=64).eval()
    cpu = torch.device("cpu")
    fp32 = bi_encoder_step(model, sentences, relations, descriptions, 0, 0.05, cpu)
    bf16 = bi_encoder_step(model, sentences, relations, descriptions, 0, 0.05, cpu, bf16=True)
    _assert_close_in_bf16(model, fp32, bf16, [3, 0, 7, 11, 5, 8, 1])


def test_cross_encoder_step_in_bf16_stays_close_to_fp32(tokenizer):
    rng = np.random.default_rng(2)
    sentences = _rows(10, rng)
    descriptions = [[1] + rng.integers(3, 64, size=int(rng.integers(3, 40))).tolist() + [2] for _ in range(6)]
    gold = [i % 6 for i in range(10)]
    hard = np.array([[(g + 1) % 6, (g + 2) % 6] for g in gold])
    model = CrossEncoder(spread_bert(), "linear", 4, 64, pooling="markers").eval()
    cpu = torch.device("cpu")
    fp32 = cross_encoder_step(model, tokenizer, sentences, gold, hard, descriptions, 4, 1, 42, cpu)
    bf16 = cross_encoder_step(model, tokenizer, sentences, gold, hard, descriptions, 4, 1, 42, cpu, bf16=True)
    _assert_close_in_bf16(model, fp32, bf16, [9, 2, 4, 0, 6])


def test_fused_adamw_makes_the_per_tensor_update():
    torch.manual_seed(0)
    models = [torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3)) for _ in range(2)]
    models[1].load_state_dict(models[0].state_dict())
    optimizers = [adamw(models[0].parameters(), 1e-2, fused=False), adamw(models[1].parameters(), 1e-2, fused=True)]
    assert optimizers[1].defaults["fused"] and not optimizers[0].defaults["fused"]
    x, y = torch.randn(32, 8), torch.randint(0, 3, (32,))
    for _ in range(5):
        for model, optimizer in zip(models, optimizers):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
    for a, b in zip(models[0].parameters(), models[1].parameters()):
        assert torch.allclose(a, b, atol=1e-6)
    # the update did something: the weights left their start
    torch.manual_seed(0)
    start = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))
    assert not torch.allclose(start[0].weight, models[1][0].weight, atol=1e-3)


@pytest.mark.parametrize("flags, expected", [
    ("fpu sse2 avx2 avx512f avx512_vnni avx512_bf16", True),  # AMD Zen 4
    ("fpu sse2 avx2 avx512f amx_bf16 amx_tile amx_int8", True),  # Intel Sapphire Rapids
    ("fpu sse2 avx2 fma", False),  # AVX2 only: bf16 emulated
])
def test_native_bf16_is_read_from_the_cpu_flags(tmp_path, flags, expected):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: {flags}\n")
    assert cpu_has_native_bf16(cpuinfo) is expected


def test_native_bf16_is_unknown_without_cpu_flags(tmp_path):
    assert cpu_has_native_bf16(tmp_path / "missing") is None
    (tmp_path / "noflags").write_text("processor\t: 0\n")
    assert cpu_has_native_bf16(tmp_path / "noflags") is None

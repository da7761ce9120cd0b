"""Mixed precision for the training steps (issue 24 item 1: training throughput on CPU).

bf16 autocast runs the encoders' matrix products in bfloat16 while the weights, their gradients
and AdamW's moments stay fp32; the losses read the encoders' outputs cast back to fp32, so the
cosines divided by a small temperature keep fp32 precision. On a CPU with native bf16 dot products
(AVX-512 BF16, AMX-BF16) a step of the FewRel m5_42 recipe on one core of an AMD EPYC with AVX-512
BF16 took 1.34 s against 2.00 s in fp32 (bi-encoder) and 3.20 s against 4.77 s (cross-encoder;
benchmarks/results/training-speed/fewrel_m5_42_1thread_bf16.json). Without them PyTorch emulates
bf16, ten times slower than fp32: the same CPU limited to AVX2 (ONEDNN_MAX_CPU_ISA=AVX2,
ATEN_CPU_CAPABILITY=avx2) took 13.4 s for a MiniLM forward + backward of 32 x 40 tokens in bf16
against 1.2 s in fp32. recipe.py warns in the log.

The fused AdamW (one kernel over all parameters instead of a loop of per-tensor ops) is the same
update, computed in one pass: 0.097 -> 0.026 s a bi-encoder step on that core.
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import ContextManager

import torch

NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def encoder_autocast(device: torch.device, bf16: bool) -> ContextManager:
    """The context an encoder's forward pass runs in: bf16 autocast, or nothing."""
    return torch.autocast(device.type, dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()


def cpu_has_native_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool | None:
    """Whether the processor has bf16 dot-product instructions (None where /proc/cpuinfo is unreadable)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            return any(flag in flags for flag in NATIVE_BF16_FLAGS)
    return None


def adamw(parameters, learning_rate: float, fused: bool) -> torch.optim.AdamW:
    """The phases' optimizer (weight decay 0.01, as every recipe has used)."""
    return torch.optim.AdamW(parameters, lr=learning_rate, weight_decay=0.01, fused=True if fused else None)

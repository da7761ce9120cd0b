"""Lower layers kept at their starting weights during a phase (issue 24 item 1: training throughput).

With the embeddings and the first N transformer layers frozen, nothing below layer N needs a
gradient: autograd records no graph there, the backward pass stops at layer N, and the optimizer
and gradient clipping skip the frozen weights (their .grad stays None). The forward pass is
unchanged. Measured on one core of the 2-core AMD EPYC, MiniLM-L6, the FewRel m = 5 recipe
(benchmarks/results/training-speed/): the embeddings alone are ~1.2x the sequences a second
(their dense 30,522-row gradient and AdamW update), two layers more ~1.5x for the bi-encoder.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from torch import nn

from .config import ConfigError


def lower_parameters(bert: nn.Module, frozen_layers: int) -> list[nn.Parameter]:
    """The parameters of a BertModel's embeddings and of its first `frozen_layers` layers."""
    layers = bert.encoder.layer
    if frozen_layers > len(layers):
        raise ConfigError(f"Invalid frozen_layers {frozen_layers}: the backbone has only {len(layers)} layers")
    params = list(bert.embeddings.parameters())
    for layer in layers[:frozen_layers]:
        params += list(layer.parameters())
    return params


@contextmanager
def frozen_lower_layers(bert: nn.Module, frozen_layers: int | None) -> Iterator[int]:
    """Within the block the lower parameters do not train; afterwards they train again (a later
    phase on the same model, e.g. distillation, decides for itself). Yields how many parameters
    were frozen (0 when frozen_layers is None)."""
    if frozen_layers is None:
        yield 0
        return
    params = [p for p in lower_parameters(bert, frozen_layers) if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield sum(p.numel() for p in params)
    finally:
        for p in params:
            p.requires_grad_(True)

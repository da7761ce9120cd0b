"""What one training step computes, for each phase (the loop around it is loop.py)."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from .losses import candidate_loss, in_batch_contrastive_loss
from .loop import StepFn
from .models import BiEncoder, CrossEncoder
from .text import SentenceInput, cross_pair, pad_batch


def _tensor(rows: Sequence[Sequence[int]], device: torch.device) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.long, device=device)


def bi_encoder_step(
    model: BiEncoder,
    sentences: Sequence[SentenceInput],
    relation_of: Sequence[str],
    description_ids: dict[str, list[int]],
    pad_id: int,
    temperature: float,
    device: torch.device,
) -> StepFn:
    """Encode the batch's sentences and the descriptions of its distinct relations once each."""

    def step(indices: list[int], epoch: int) -> tuple[torch.Tensor, int]:
        rels = [relation_of[i] for i in indices]
        distinct = sorted(set(rels))
        ids, mask = pad_batch([sentences[i].input_ids for i in indices], pad_id)
        head = _tensor([sentences[i].head_index for i in indices], device)
        tail = _tensor([sentences[i].tail_index for i in indices], device)
        sent, _ = model(_tensor(ids, device), _tensor(mask, device), head, tail)
        d_ids, d_mask = pad_batch([description_ids[r] for r in distinct], pad_id)
        zeros = torch.zeros(len(distinct), dtype=torch.long, device=device)
        _, desc = model(_tensor(d_ids, device), _tensor(d_mask, device), zeros, zeros)
        per_sentence = desc[torch.tensor([distinct.index(r) for r in rels], device=device)]
        return in_batch_contrastive_loss(sent, per_sentence, rels, temperature), len(indices) + len(distinct)

    return step


def choose_candidates(
    gold: int, hard: Sequence[int], n_relations: int, k: int, n_hard: int, rng: np.random.Generator
) -> tuple[list[int], int]:
    """k relation columns for one sentence: the gold, up to n_hard of `hard` (the bi-encoder's
    best wrong ones, in order), random others; the gold at a random position. Returns (columns, gold position)."""
    negatives = [c for c in hard if c != gold][:n_hard]
    pool = [c for c in range(n_relations) if c != gold and c not in negatives]
    negatives += rng.choice(pool, size=k - 1 - len(negatives), replace=False).tolist()
    position = int(rng.integers(k))
    columns = negatives[:position] + [gold] + negatives[position:]
    return columns, position


def cross_encoder_step(
    model: CrossEncoder,
    tokenizer,
    sentences: Sequence[SentenceInput],
    gold: Sequence[int],
    hard: np.ndarray,
    description_ids: Sequence[list[int]],
    k: int,
    n_hard: int,
    seed: int,
    device: torch.device,
) -> StepFn:
    """k pairs per sentence, softmax over them. Random negatives and the gold position are drawn
    from a generator seeded by (seed, epoch, sentence), so a resumed run sees the same batches."""

    def step(indices: list[int], epoch: int) -> tuple[torch.Tensor, int]:
        pairs, positions, heads, tails = [], [], [], []
        for i in indices:
            rng = np.random.default_rng([seed, epoch, i])
            columns, position = choose_candidates(gold[i], hard[i].tolist(), len(description_ids), k, n_hard, rng)
            pairs += [cross_pair(tokenizer, sentences[i].input_ids, description_ids[c]) for c in columns]
            positions.append(position)
            heads += [sentences[i].head_index] * k
            tails += [sentences[i].tail_index] * k
        ids, mask = pad_batch([p[0] for p in pairs], tokenizer.pad_token_id)
        types, _ = pad_batch([p[1] for p in pairs], 0)
        scores = model.group_scores(_tensor(ids, device), _tensor(mask, device), _tensor(types, device), k,
                                    _tensor(heads, device), _tensor(tails, device))
        return candidate_loss(scores, torch.tensor(positions, device=device)), len(pairs)

    return step

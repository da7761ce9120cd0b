"""What one training step computes, for each phase (the loop around it is loop.py)."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from .losses import candidate_loss, in_batch_contrastive_loss, none_aware_contrastive_loss, sentence_contrastive_loss
from .loop import StepFn
from .models import BiEncoder, CrossEncoder
from .precision import encoder_autocast
from .text import SentenceInput, cross_pair, pad_batch


def _tensor(rows: Sequence[Sequence[int]], device: torch.device) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.long, device=device)


# What one extra forward pass costs, in padded tokens: Python and per-call work, plus the smaller
# matrix products of a smaller group. A MiniLM token costs ~2 ms of one CPU core forward + backward.
GROUP_OVERHEAD_TOKENS = 32


def length_groups(lengths: Sequence[int], overhead: int = GROUP_OVERHEAD_TOKENS) -> list[list[int]]:
    """Row indices split into groups of similar length, each to be padded to its own longest row:
    the split of the rows sorted by length that minimises padded tokens + `overhead` per group
    (exact, by dynamic programming over the cut points). Rows are independent through the encoder
    (attention stays within a row, padding is masked), so encoding the groups separately and putting
    the outputs back in order computes the same vectors and loss as one padded batch, on fewer tokens."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    n = len(order)
    best = [0.0] + [float("inf")] * n  # best[j]: cost of the first j sorted rows
    cut = [0] * (n + 1)
    for j in range(1, n + 1):
        width = lengths[order[j - 1]]  # the longest of rows i..j-1 (sorted)
        for i in range(j):
            cost = best[i] + (j - i) * width + overhead
            if cost < best[j]:
                best[j], cut[j] = cost, i
    groups, j = [], n
    while j > 0:
        groups.append(order[cut[j]:j])
        j = cut[j]
    return groups[::-1]


def _in_groups(rows: Sequence[int], lengths: Sequence[int], encode, overhead: int = GROUP_OVERHEAD_TOKENS) -> torch.Tensor:
    """encode(group of row indices) -> (len(group), ...) tensor, for each length group; the outputs in `rows`' order."""
    groups = length_groups(lengths, overhead)
    out = torch.cat([encode([rows[i] for i in g]) for g in groups])
    position = torch.empty(len(rows), dtype=torch.long)
    position[torch.tensor([i for g in groups for i in g])] = torch.arange(len(rows))
    return out[position.to(out.device)]


def bi_encoder_step(
    model: BiEncoder,
    sentences: Sequence[SentenceInput],
    relation_of: Sequence[str],
    description_ids: dict[str, list[int]],
    pad_id: int,
    temperature: float,
    device: torch.device,
    sentence_weight: float = 0.0,
    none_cosine: torch.Tensor | None = None,
    none_relation: str | None = None,
    group_overhead: int = GROUP_OVERHEAD_TOKENS,
    bf16: bool = False,
) -> StepFn:
    """Encode the batch's sentences and the descriptions of its distinct relations once each.
    sentence_weight > 0 adds sentence_contrastive_loss (same-relation sentences close) at that weight.
    With none_cosine (a learned scalar), sentences whose relation is none_relation hold no relation
    and the loss is none_aware_contrastive_loss (issue 21). group_overhead: length_groups' cost of a
    pass; a huge value gives one padded batch (how steps ran before length groups, for benchmarks).
    bf16: the encoder runs in bf16 autocast (precision.py); the loss reads its vectors in fp32."""

    def encode_sentences(group: list[int]) -> torch.Tensor:
        ids, mask = pad_batch([sentences[i].input_ids for i in group], pad_id)
        head = _tensor([sentences[i].head_index for i in group], device)
        tail = _tensor([sentences[i].tail_index for i in group], device)
        with encoder_autocast(device, bf16):
            return model(_tensor(ids, device), _tensor(mask, device), head, tail)[0].float()

    def encode_descriptions(group: list[str]) -> torch.Tensor:
        d_ids, d_mask = pad_batch([description_ids[r] for r in group], pad_id)
        zeros = torch.zeros(len(group), dtype=torch.long, device=device)
        with encoder_autocast(device, bf16):
            return model(_tensor(d_ids, device), _tensor(d_mask, device), zeros, zeros)[1].float()

    def step(indices: list[int], epoch: int) -> tuple[torch.Tensor, int]:
        rels = [relation_of[i] for i in indices]
        distinct = sorted(set(rels) - {none_relation})
        # Sentences and descriptions encoded in length groups (length_groups): the same vectors, less padding.
        sent = _in_groups(indices, [len(sentences[i].input_ids) for i in indices], encode_sentences, group_overhead)
        if distinct:
            desc = _in_groups(distinct, [len(description_ids[r]) for r in distinct], encode_descriptions, group_overhead)
        else:  # a batch of none pairs only: no relation to push below the none column
            desc = sent.new_zeros((0, sent.shape[1]))
        if none_cosine is not None:
            targets = [-1 if r == none_relation else distinct.index(r) for r in rels]
            loss = none_aware_contrastive_loss(sent, desc, targets, none_cosine, temperature)
            related = [j for j, r in enumerate(rels) if r != none_relation]
            if sentence_weight > 0 and related:
                loss = loss + sentence_weight * sentence_contrastive_loss(sent[related], [rels[j] for j in related], temperature)
            return loss, len(indices) + len(distinct)
        per_sentence = desc[torch.tensor([distinct.index(r) for r in rels], device=device)]
        loss = in_batch_contrastive_loss(sent, per_sentence, rels, temperature)
        if sentence_weight > 0:
            loss = loss + sentence_weight * sentence_contrastive_loss(sent, rels, temperature)
        return loss, len(indices) + len(distinct)

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
    group_overhead: int = GROUP_OVERHEAD_TOKENS,
    bf16: bool = False,
) -> StepFn:
    """k pairs per sentence, softmax over them. Random negatives and the gold position are drawn
    from a generator seeded by (seed, epoch, sentence), so a resumed run sees the same batches.
    group_overhead and bf16: as in bi_encoder_step."""

    def step(indices: list[int], epoch: int) -> tuple[torch.Tensor, int]:
        pairs, positions, heads, tails = [], [], [], []
        for i in indices:
            rng = np.random.default_rng([seed, epoch, i])
            columns, position = choose_candidates(gold[i], hard[i].tolist(), len(description_ids), k, n_hard, rng)
            pairs += [cross_pair(tokenizer, sentences[i].input_ids, description_ids[c]) for c in columns]
            positions.append(position)
            heads += [sentences[i].head_index] * k
            tails += [sentences[i].tail_index] * k
        def encode(group: list[int]) -> torch.Tensor:
            ids, mask = pad_batch([pairs[p][0] for p in group], tokenizer.pad_token_id)
            types, _ = pad_batch([pairs[p][1] for p in group], 0)
            with encoder_autocast(device, bf16):
                return model(_tensor(ids, device), _tensor(mask, device), _tensor(types, device),
                             _tensor([heads[p] for p in group], device), _tensor([tails[p] for p in group], device)).float()

        if model.head_kind == "linear":
            # One score per pair: pairs encoded in length groups (length_groups), then laid out as groups of k.
            scores = _in_groups(list(range(len(pairs))), [len(p[0]) for p in pairs], encode, group_overhead).view(-1, k)
        else:  # the concat head reads the k pairs of a sentence together: one padded batch
            ids, mask = pad_batch([p[0] for p in pairs], tokenizer.pad_token_id)
            types, _ = pad_batch([p[1] for p in pairs], 0)
            with encoder_autocast(device, bf16):
                scores = model.group_scores(_tensor(ids, device), _tensor(mask, device), _tensor(types, device), k,
                                            _tensor(heads, device), _tensor(tails, device)).float()
        return candidate_loss(scores, torch.tensor(positions, device=device)), len(pairs)

    return step

"""Batched inference shared by training (hard negatives, fusion fitting) and export checks.

A runner is any callable taking int64 numpy arrays and returning numpy arrays, so the same
code drives the torch modules and the onnxruntime sessions.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch

from .data.instance import Instance, RelationInfo
from .models import BiEncoder, CrossEncoder
from .text import SentenceInput, cross_pair, pad_batch, prepare_description, prepare_sentence

BiRunner = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
# (input_ids, attention_mask, token_type_ids, head_index, tail_index) -> scores; a graph that
# pools [CLS] only ignores the two indices.
CrossRunner = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def torch_bi_runner(model: BiEncoder, device: torch.device) -> BiRunner:
    def run(ids: np.ndarray, mask: np.ndarray, head: np.ndarray, tail: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with torch.no_grad():
            s, d = model(*(torch.from_numpy(a).to(device) for a in (ids, mask, head, tail)))
        return s.cpu().numpy(), d.cpu().numpy()

    return run


def torch_cross_runner(model: CrossEncoder, device: torch.device) -> CrossRunner:
    def run(ids: np.ndarray, mask: np.ndarray, types: np.ndarray, head: np.ndarray, tail: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return model(*(torch.from_numpy(a).to(device) for a in (ids, mask, types, head, tail))).cpu().numpy()

    return run


def prepare_sentences(tokenizer, instances: Sequence[Instance], max_length: int) -> list[SentenceInput]:
    return [prepare_sentence(tokenizer, i.tokens, i.head, i.tail, max_length) for i in instances]


def prepare_descriptions(tokenizer, relations: Sequence[RelationInfo], max_length: int) -> list[list[int]]:
    return [prepare_description(tokenizer, r.name, r.description, max_length) for r in relations]


def _batches(n: int, size: int) -> list[range]:
    return [range(i, min(i + size, n)) for i in range(0, n, size)]


def sentence_vectors(run: BiRunner, rows: Sequence[SentenceInput], pad_id: int, batch_size: int = 64) -> np.ndarray:
    out = []
    for b in _batches(len(rows), batch_size):
        ids, mask = pad_batch([rows[i].input_ids for i in b], pad_id)
        head = np.array([rows[i].head_index for i in b], dtype=np.int64)
        tail = np.array([rows[i].tail_index for i in b], dtype=np.int64)
        out.append(run(np.array(ids, dtype=np.int64), np.array(mask, dtype=np.int64), head, tail)[0])
    return np.concatenate(out)


def description_vectors(run: BiRunner, rows: Sequence[Sequence[int]], pad_id: int, batch_size: int = 64) -> np.ndarray:
    out = []
    for b in _batches(len(rows), batch_size):
        ids, mask = pad_batch([rows[i] for i in b], pad_id)
        zeros = np.zeros(len(b), dtype=np.int64)  # head/tail index are fed as 0 for descriptions
        out.append(run(np.array(ids, dtype=np.int64), np.array(mask, dtype=np.int64), zeros, zeros)[1])
    return np.concatenate(out)


def cross_scores(
    run: CrossRunner,
    tokenizer,
    sentences: Sequence[SentenceInput],
    descriptions: Sequence[Sequence[int]],
    candidates: np.ndarray,
    batch_size: int = 64,
) -> np.ndarray:
    """Cross-encoder score of sentence i with description candidates[i, j]; shape of candidates."""
    owners = [i for i in range(len(sentences)) for _ in candidates[i]]
    pairs = [cross_pair(tokenizer, sentences[i].input_ids, descriptions[c]) for i in range(len(sentences)) for c in candidates[i]]
    out = []
    for b in _batches(len(pairs), batch_size):
        ids, mask = pad_batch([pairs[i][0] for i in b], tokenizer.pad_token_id)
        types, _ = pad_batch([pairs[i][1] for i in b], 0)
        # The sentence opens the pair, so its marker positions are the pair's too.
        head = np.array([sentences[owners[i]].head_index for i in b], dtype=np.int64)
        tail = np.array([sentences[owners[i]].tail_index for i in b], dtype=np.int64)
        out.append(run(np.array(ids, dtype=np.int64), np.array(mask, dtype=np.int64), np.array(types, dtype=np.int64), head, tail))
    return np.concatenate(out).reshape(candidates.shape)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k best per row, descending (stable on ties)."""
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]

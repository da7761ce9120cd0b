"""The reference scoring chain, written once: prepared sentences and descriptions -> vectors ->
bi-encoder scores -> candidate columns -> cross-encoder scores on those candidates.

Calibration, export checks, parity, hard negatives, the cross gate and held-out evaluation all
call `score` with keyword arguments, so they cannot drift apart in how they score (the
TypeScript runtime re-implements this chain, and parity.json ties the two).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .encode import BiRunner, CrossRunner, cross_scores, description_vectors, sentence_vectors, top_k
from .text import SentenceInput

# Which description columns each sentence's cross-encoder pairs use: an array (n, k) of column
# indices, an int k (the bi-encoder's top k), a function of the (n, m) bi scores, or None (all m).
Candidates = np.ndarray | int | Callable[[np.ndarray], np.ndarray] | None


@dataclass(frozen=True)
class Scores:
    sentence_vectors: np.ndarray  # (n, d)
    description_vectors: np.ndarray  # (m, d)
    bi_all: np.ndarray  # (n, m) cosine of every sentence with every description
    columns: np.ndarray  # (n, k) candidate columns
    bi: np.ndarray  # (n, k) bi scores of the candidates
    cross: np.ndarray | None  # (n, k) cross scores of the candidates; None without a cross runner


def score(
    *,
    bi_run: BiRunner,
    tokenizer,
    sentences: Sequence[SentenceInput],
    descriptions: Sequence[Sequence[int]],
    cross_run: CrossRunner | None = None,
    candidates: Candidates = None,
    float64: bool = False,
) -> Scores:
    """Score prepared `sentences` against prepared `descriptions` (see encode.prepare_*).

    `float64` computes the bi scores in double precision (parity.json's reference does)."""
    pad = tokenizer.pad_token_id
    s_vec = sentence_vectors(bi_run, sentences, pad)
    d_vec = description_vectors(bi_run, descriptions, pad)
    bi_all = s_vec.astype(np.float64) @ d_vec.astype(np.float64).T if float64 else s_vec @ d_vec.T
    if candidates is None:
        columns = np.tile(np.arange(len(descriptions)), (len(sentences), 1))
    elif isinstance(candidates, int):
        columns = top_k(bi_all, candidates)
    elif callable(candidates):
        columns = candidates(bi_all)
    else:
        columns = candidates
    cross = None if cross_run is None else cross_scores(cross_run, tokenizer, sentences, descriptions, columns)
    return Scores(s_vec, d_vec, bi_all, columns, np.take_along_axis(bi_all, columns, axis=1), cross)

"""Confusable relations: which test relations of a split have a partner among that split's test
relations (issue 12's hard subset, after RAIR's general vs. harder sets).

Two relations are confusable when either
- the cosine of their descriptions, embedded by the PRETRAINED backbone the way it is meant to be
  used (all-MiniLM-L6-v2: mean of the token states over the attention mask, L2-normalised), is at
  or above one threshold fixed once for all splits (training/hard_relations.py picks it from the
  distribution over all relation pairs, never from any model's results), or
- they form a hand-listed pair (an inverse or a near-synonym, with its reason).

The pretrained encoder is used, not a trained model, so that "hard" means the same thing for every
split and every recipe, and no benchmark model decides which of its own errors count as hard.
"""
from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np
import torch

from .backbone import load_tokenizer, package_model_dir


def mean_pooled_vectors(texts: Sequence[str], max_length: int = 128, batch_size: int = 32) -> np.ndarray:
    """all-MiniLM-L6-v2's native sentence embedding: mean over real tokens, then L2 norm. (n, 384)."""
    from transformers import AutoModel

    tokenizer = load_tokenizer()
    model = AutoModel.from_pretrained(str(package_model_dir())).eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(list(texts[start:start + batch_size]), padding=True, truncation=True, max_length=max_length,
                              return_tensors="pt")
            states = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            out.append(torch.nn.functional.normalize(pooled, dim=1).numpy())
    return np.concatenate(out)


def pair_cosines(vectors: np.ndarray) -> np.ndarray:
    """Cosines of every unordered pair (i < j) of L2-normalised rows, in row-major order."""
    sims = vectors @ vectors.T
    upper = np.triu_indices(len(vectors), k=1)
    return sims[upper]


def threshold_at_percentile(cosines: np.ndarray, percentile: float) -> float:
    """The `percentile`-th percentile of the pair cosines, rounded DOWN to 2 decimals (a value a
    reader can state; rounding down keeps every pair at the percentile above it)."""
    if not 0 < percentile < 100:
        raise ValueError(f"Invalid percentile {percentile}: expected a number between 0 and 100")
    return math.floor(float(np.percentile(cosines, percentile)) * 100) / 100


def confusable_partners(
    test: Sequence[str],
    similarity: dict[tuple[str, str], float],
    threshold: float,
    listed_pairs: Iterable[Sequence[str]],
) -> dict:
    """{"hard": [PID...], "partners": {PID: [PID...]}} for one split's `test` relations.

    `similarity[(a, b)]` holds the description cosine of a pair (either order is looked up); a pair
    is confusable at cosine >= threshold or when it is listed. Both lists keep the split's order.
    """
    listed = {frozenset(pair[:2]) for pair in listed_pairs}

    def cosine(a: str, b: str) -> float:
        if (a, b) in similarity:
            return similarity[(a, b)]
        if (b, a) in similarity:
            return similarity[(b, a)]
        raise KeyError(f"No description cosine for the pair {a}, {b}: embed every test relation of the split")

    partners = {a: [b for b in test if b != a and (frozenset((a, b)) in listed or cosine(a, b) >= threshold)] for a in test}
    hard = [a for a in test if partners[a]]
    return {"hard": hard, "partners": {a: partners[a] for a in hard}}

"""Export gate: a sentence's vectors and cross scores must not depend on the batch it ran in.

The TypeScript runtime groups rows by length and batches them (`batchSize`, default 32); the
Python reference pipeline (calibration, export checks, parity.json) batches them in input order
by 64. Both score the same only if the graphs are batch-invariant, so the gate runs the same
rows in each of those ways, plus one at a time and in reverse, and compares.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .encode import BiRunner, CrossRunner, cross_scores, description_vectors, sentence_vectors
from .onnx_graphs import ExportError
from .text import SentenceInput

MAX_DIFF = 1e-6
GATE_ROWS = 96  # sentences; their top-3 pairs go through the cross-encoder


def _layouts(n: int, lengths: Sequence[int]) -> dict[str, tuple[np.ndarray, int]]:
    """Row orders and batch sizes: each is one way a caller may batch the same rows."""
    return {
        "one at a time": (np.arange(n), 1),
        "input order, batches of 64 (Python reference)": (np.arange(n), 64),
        "length order, batches of 32 (runtime)": (np.argsort(np.asarray(lengths), kind="stable"), 32),
        "reversed, batches of 8": (np.arange(n)[::-1], 8),
    }


def _in_layout(compute, order: np.ndarray, batch: int) -> np.ndarray:
    out = compute(order, batch)
    restored = np.empty_like(out)
    restored[order] = out
    return restored


def batch_invariance(bi_run: BiRunner, cross_run: CrossRunner, tokenizer, sentences: Sequence[SentenceInput],
                     descriptions: Sequence[Sequence[int]], top_k: int, label: str, max_diff: float = MAX_DIFF) -> dict:
    """Largest difference, over the layouts, from the one-at-a-time result; raises ExportError above
    `max_diff` (pass math.inf to measure a graph that is not expected to pass)."""
    sentences = list(sentences[:GATE_ROWS])
    pad = tokenizer.pad_token_id
    d_vec = description_vectors(bi_run, descriptions, pad, batch_size=1)
    reference_s = sentence_vectors(bi_run, sentences, pad, batch_size=1)
    columns = np.argsort(-(reference_s @ d_vec.T), axis=1, kind="stable")[:, :top_k]
    diffs = {"sentenceVector": 0.0, "descriptionVector": 0.0, "crossScore": 0.0}
    references: dict[str, np.ndarray] = {}
    for name, (order, batch) in _layouts(len(sentences), [len(s.input_ids) for s in sentences]).items():
        s_vec = _in_layout(lambda o, b: sentence_vectors(bi_run, [sentences[i] for i in o], pad, batch_size=b), order, batch)
        # pairs of a sentence stay together, as the runtime builds them; their order follows the sentences'
        cross = _in_layout(lambda o, b: cross_scores(cross_run, tokenizer, [sentences[i] for i in o], descriptions, columns[o],
                                                     batch_size=b), order, batch)
        d_order = np.arange(len(descriptions))[::-1] if batch == 8 else np.arange(len(descriptions))
        d_now = _in_layout(lambda o, b: description_vectors(bi_run, [descriptions[i] for i in o], pad, batch_size=b), d_order, batch)
        if not references:
            references = {"sentenceVector": s_vec, "descriptionVector": d_now, "crossScore": cross}
            continue
        for key, value in (("sentenceVector", s_vec), ("descriptionVector", d_now), ("crossScore", cross)):
            diff = float(np.abs(value - references[key]).max())
            if diff > diffs[key]:
                diffs[key] = diff
            if diff > max_diff:
                raise ExportError(
                    f"{label} graphs are not batch-invariant: the {key} of the same rows differs by {diff:.2e} (> {max_diff}) "
                    f"between one at a time and {name}. Quantize activations per row (zsre_train.row_quant) so a "
                    "sentence's score does not depend on its neighbours")
    return {**diffs, "sentences": len(sentences), "pairs": int(columns.size), "layouts": list(_layouts(0, []).keys())}

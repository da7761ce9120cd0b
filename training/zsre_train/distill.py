"""Distillation back into the bi-encoder (issue 11, item 5; the MKD idea of a student learning
from a stronger teacher): after both encoders are trained, the fused bi + cross scores over the
bi-encoder's own top-k seen relations are the teacher, and the bi-encoder learns that
distribution, so the fast path (bi-encoder only, and EMMA's recall) improves too.

The teacher's two weights are fitted on the training sentences (gold known, seen relations
only): the eval relations stay reserved for fusion and threshold fitting afterwards.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from .encode import torch_bi_runner, torch_cross_runner, top_k
from .fusion import fit_logit_weights
from .losses import distillation_loss, in_batch_contrastive_loss
from .loop import StepFn
from .models import BiEncoder, CrossEncoder
from .precision import encoder_autocast
from .scoring import score
from .text import SentenceInput, pad_batch


def candidates_with_gold(bi_all: np.ndarray, gold: np.ndarray, k: int) -> np.ndarray:
    """The bi-encoder's top k columns per row; where the gold is missing it replaces the k-th."""
    columns = top_k(bi_all, k).copy()
    missing = ~(columns == gold[:, None]).any(axis=1)
    columns[missing, -1] = gold[missing]
    return columns


def fit_teacher_weights(bi: np.ndarray, cross: np.ndarray, gold_position: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood a, b of softmax(a * bi + b * cross) for the gold candidate (no none class)."""
    a, b, _ = fit_logit_weights(bi, cross, gold_position, with_none=False)
    return a, b


def teacher(bi: BiEncoder, cross: CrossEncoder, tokenizer, sentences: Sequence[SentenceInput], gold: np.ndarray,
            descriptions: Sequence[list[int]], k: int, device: torch.device, run_dir: Path) -> dict:
    """Candidate columns (n, k), teacher probabilities (n, k) and the fitted weights; cached in the run folder."""
    path = run_dir / f"teacher_top{k}.npz"
    if path.is_file():
        cached = np.load(path)
        return {"columns": cached["columns"], "probs": cached["probs"], "weights": tuple(cached["weights"].tolist())}
    scores = score(bi_run=torch_bi_runner(bi, device), cross_run=torch_cross_runner(cross, device), tokenizer=tokenizer,
                   sentences=sentences, descriptions=descriptions, candidates=lambda b: candidates_with_gold(b, gold, k))
    position = (scores.columns == gold[:, None]).argmax(axis=1)
    a, b = fit_teacher_weights(scores.bi, scores.cross, position)
    z = a * scores.bi + b * scores.cross
    z = z - z.max(axis=1, keepdims=True)
    probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.savez(path, columns=scores.columns, probs=probs, weights=np.array([a, b]))
    return {"columns": scores.columns, "probs": probs, "weights": (a, b)}


def distillation_step(model: BiEncoder, sentences: Sequence[SentenceInput], relation_of: Sequence[str],
                      relation_ids: Sequence[str], description_ids: Sequence[list[int]], columns: np.ndarray,
                      probs: np.ndarray, pad_id: int, temperature: float, contrastive_weight: float,
                      device: torch.device, bf16: bool = False) -> StepFn:
    """Student logits = cosine / temperature over each sentence's teacher candidates; KL to the
    teacher, plus the in-batch contrastive loss on the gold descriptions (weighted). bf16: the
    encoder in bf16 autocast, the losses in fp32 (precision.py)."""

    def tensor(rows) -> torch.Tensor:
        return torch.tensor(rows, dtype=torch.long, device=device)

    def step(indices: list[int], epoch: int) -> tuple[torch.Tensor, int]:
        distinct = sorted({int(c) for i in indices for c in columns[i]})
        slot = {c: j for j, c in enumerate(distinct)}
        ids, mask = pad_batch([sentences[i].input_ids for i in indices], pad_id)
        d_ids, d_mask = pad_batch([description_ids[c] for c in distinct], pad_id)
        zeros = torch.zeros(len(distinct), dtype=torch.long, device=device)
        with encoder_autocast(device, bf16):
            sent, _ = model(tensor(ids), tensor(mask), tensor([sentences[i].head_index for i in indices]),
                            tensor([sentences[i].tail_index for i in indices]))
            _, desc = model(tensor(d_ids), tensor(d_mask), zeros, zeros)
        sent, desc = sent.float(), desc.float()
        picked = desc[tensor([[slot[int(c)] for c in columns[i]] for i in indices])]  # (b, k, d)
        student = torch.einsum("bd,bkd->bk", sent, picked) / temperature
        teacher_probs = torch.tensor(probs[indices], dtype=student.dtype, device=device)
        loss = distillation_loss(student, teacher_probs)
        if contrastive_weight > 0:
            rels = [relation_of[i] for i in indices]
            gold_desc = desc[tensor([slot[relation_ids.index(r)] for r in rels])]
            loss = loss + contrastive_weight * in_batch_contrastive_loss(sent, gold_desc, rels, temperature)
        return loss, len(indices) + len(distinct)

    return step

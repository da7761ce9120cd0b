"""The bi-encoder's in-batch contrastive loss and the cross-encoder's k-way loss."""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F


def in_batch_contrastive_loss(
    sentence_vectors: torch.Tensor, description_vectors: torch.Tensor, relations: Sequence[str], temperature: float
) -> torch.Tensor:
    """Cross-entropy of each sentence against the descriptions of every sentence in the batch.

    Row i's positive is column i (its own relation's description). Another sentence of the
    same relation brings the same description: it is not a negative, so it is masked out
    rather than pushed away. A relation that several other sentences share counts as one
    negative (its first column), so the loss equals a softmax over the batch's distinct relations.
    """
    logits = sentence_vectors @ description_vectors.T / temperature
    n = len(relations)
    first = [relations.index(r) for r in relations]
    same = torch.tensor(
        [[j != i and (relations[j] == relations[i] or first[j] != j) for j in range(n)] for i in range(n)], device=logits.device
    )
    logits = logits.masked_fill(same, torch.finfo(logits.dtype).min)
    return F.cross_entropy(logits, torch.arange(n, device=logits.device))


def candidate_loss(group_scores: torch.Tensor, gold_position: torch.Tensor) -> torch.Tensor:
    """Softmax over each sentence's k candidates; gold_position says where the gold sits."""
    return F.cross_entropy(group_scores, gold_position)


def distillation_loss(student_logits: torch.Tensor, teacher_probs: torch.Tensor) -> torch.Tensor:
    """KL(teacher || student) over each sentence's candidates, averaged over sentences."""
    return F.kl_div(F.log_softmax(student_logits, dim=-1), teacher_probs, reduction="batchmean")

"""The bi-encoder's in-batch contrastive losses (sentence to description, and the optional
sentence to sentence term) and the cross-encoder's k-way loss."""
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


def none_aware_contrastive_loss(
    sentence_vectors: torch.Tensor, description_vectors: torch.Tensor, targets: Sequence[int], none_cosine: torch.Tensor,
    temperature: float,
) -> torch.Tensor:
    """Softmax of each sentence over the batch's distinct relations plus a "none" column (issue 21).

    description_vectors holds one row per distinct relation of the batch; targets[i] is the
    column of sentence i's relation, or -1 for a pair that holds no relation. The none column's
    score is a learned cosine (the same for every sentence), so a related pair must score its
    relation above it and a pair holding nothing must score every relation of the batch below it:
    a margin to every relation, which the runtime's constant noneLogit can express.
    """
    logits = sentence_vectors @ description_vectors.T
    none = none_cosine.reshape(1, 1).expand(logits.shape[0], 1)
    logits = torch.cat([logits, none], dim=1) / temperature
    m = description_vectors.shape[0]
    target = torch.tensor([m if t < 0 else t for t in targets], device=logits.device)
    return F.cross_entropy(logits, target)


def sentence_contrastive_loss(
    sentence_vectors: torch.Tensor, relations: Sequence[str], temperature: float
) -> torch.Tensor:
    """Supervised contrastive term between the batch's marked sentences (issue 22, item 6).

    Each sentence whose relation another sentence of the batch shares is an anchor: its
    positives are those sentences, its negatives every other sentence of the batch (itself
    excluded). The loss is the mean over anchors of -log of the softmax mass on its positives,
    so sentences of one relation gather, which is what prototypes built from a user's example
    sentences need. A batch without any shared relation contributes 0 (and no gradient).
    """
    n = len(relations)
    same = torch.tensor([[j != i and relations[j] == relations[i] for j in range(n)] for i in range(n)],
                        device=sentence_vectors.device)
    anchors = same.any(dim=1)
    if not bool(anchors.any()):
        return sentence_vectors.sum() * 0.0
    normed = F.normalize(sentence_vectors, dim=-1)
    logits = normed @ normed.T / temperature
    self_mask = torch.eye(n, dtype=torch.bool, device=logits.device)
    logits = logits.masked_fill(self_mask, torch.finfo(logits.dtype).min)
    log_all = torch.logsumexp(logits, dim=1)
    log_pos = torch.logsumexp(logits.masked_fill(~same, torch.finfo(logits.dtype).min), dim=1)
    return (log_all - log_pos)[anchors].mean()


def candidate_loss(group_scores: torch.Tensor, gold_position: torch.Tensor) -> torch.Tensor:
    """Softmax over each sentence's k candidates; gold_position says where the gold sits."""
    return F.cross_entropy(group_scores, gold_position)


def distillation_loss(student_logits: torch.Tensor, teacher_probs: torch.Tensor) -> torch.Tensor:
    """KL(teacher || student) over each sentence's candidates, averaged over sentences."""
    return F.kl_div(F.log_softmax(student_logits, dim=-1), teacher_probs, reduction="batchmean")

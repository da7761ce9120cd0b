"""The two networks of EMMA: the bi-encoder (one BERT, two views) and the cross-encoder."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from transformers import BertConfig, BertModel


class _Backbone(nn.Module):
    """A BertModel, optionally reading ids modulo `vocab_buckets`.

    vocab_buckets exists only for the tiny test fixture: a full 30,522-row embedding table
    would make the fixture megabytes even at hidden size 32, while the fixture must keep the
    real MiniLM tokenizer so that the TypeScript side sees real token ids.
    """

    def __init__(self, bert: BertModel, vocab_buckets: int | None) -> None:
        super().__init__()
        self.bert = bert
        self.vocab_buckets = vocab_buckets

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        if self.vocab_buckets is not None:
            input_ids = torch.remainder(input_ids, self.vocab_buckets)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        return out.last_hidden_state


def _pick(hidden: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """hidden[b, index[b], :] for every row b (a gather, which exports cleanly to ONNX)."""
    idx = index.view(-1, 1, 1).expand(-1, 1, hidden.size(-1))
    return hidden.gather(1, idx).squeeze(1)


class BiEncoder(nn.Module):
    """Sentence vector [CLS; h(head marker); h(tail marker)], description vector [CLS; pool_1; pool_2].

    pool_i = softmax(H w_i + b_i) H over the description's tokens without [CLS] and padding;
    b_i is a per-position bias of length max_description_length (positions past it get 0,
    which only happens when sentences run through the description view: that output is unused).
    Both vectors are L2-normalised so that a dot product is the cosine.
    """

    def __init__(self, bert: BertModel, max_description_length: int, vocab_buckets: int | None = None) -> None:
        super().__init__()
        self.encoder = _Backbone(bert, vocab_buckets)
        hidden = bert.config.hidden_size
        self.max_positions = bert.config.max_position_embeddings
        self.pool_weight = nn.Parameter(torch.randn(2, hidden) * bert.config.initializer_range)
        self.pool_bias = nn.Parameter(torch.zeros(2, max_description_length))

    @property
    def hidden_size(self) -> int:
        return self.pool_weight.size(1)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, head_index: torch.Tensor, tail_index: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.encoder(input_ids, attention_mask)
        cls = hidden[:, 0]
        sentence = torch.cat([cls, _pick(hidden, head_index), _pick(hidden, tail_index)], dim=-1)
        description = torch.cat([cls, self._attention_pools(hidden, attention_mask)], dim=-1)
        return F.normalize(sentence, dim=-1), F.normalize(description, dim=-1)

    def _attention_pools(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        seq = hidden.size(1)
        pad = self.max_positions - self.pool_bias.size(1)
        bias = torch.cat([self.pool_bias, self.pool_bias.new_zeros(2, pad)], dim=1)[:, :seq]  # (2, T)
        logits = torch.einsum("bth,ph->bpt", hidden, self.pool_weight) + bias.unsqueeze(0)  # (B, 2, T)
        keep = attention_mask.bool().clone()
        keep[:, 0] = False  # [CLS] is already the first third of the vector
        logits = logits.masked_fill(~keep.unsqueeze(1), torch.finfo(logits.dtype).min)
        weights = torch.softmax(logits, dim=-1)
        pools = torch.einsum("bpt,bth->bph", weights, hidden)  # (B, 2, H)
        return pools.reshape(pools.size(0), -1)


class CrossEncoder(nn.Module):
    """Scores one (sentence, description) pair from its [CLS] vector.

    head="linear" (default): one logit per pair, so k can change at run time and order does
    not matter. head="concat": EMMA's ablation, the k [CLS] vectors of a sentence concatenated
    into an MLP giving k logits; it fixes k and cannot be exported to the per-pair contract.
    """

    def __init__(self, bert: BertModel, head: str = "linear", k: int = 3, vocab_buckets: int | None = None) -> None:
        super().__init__()
        if head not in ("linear", "concat"):
            raise ValueError(f"Invalid cross-encoder head {head!r}: expected 'linear' or 'concat'")
        self.encoder = _Backbone(bert, vocab_buckets)
        self.head_kind = head
        self.k = k
        hidden = bert.config.hidden_size
        if head == "linear":
            self.head = nn.Linear(hidden, 1)
        else:
            self.head = nn.Sequential(nn.Linear(k * hidden, hidden), nn.Tanh(), nn.Linear(hidden, k))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
        """One score per pair, shape (batch,). Linear head only."""
        if self.head_kind != "linear":
            raise ValueError("The concat head scores groups of k pairs: call group_scores instead")
        cls = self.encoder(input_ids, attention_mask, token_type_ids)[:, 0]
        return self.head(cls).squeeze(-1)

    def group_scores(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor, k: int) -> torch.Tensor:
        """Scores of rows laid out as consecutive groups of k candidates; shape (batch / k, k)."""
        if self.head_kind == "linear":
            return self.forward(input_ids, attention_mask, token_type_ids).view(-1, k)
        if k != self.k:
            raise ValueError(f"The concat head was built for k={self.k}, received k={k}")
        cls = self.encoder(input_ids, attention_mask, token_type_ids)[:, 0]
        return self.head(cls.reshape(-1, k * cls.size(-1)))


def build_bert(config: BertConfig, weights_dir: str | None) -> BertModel:
    """Pretrained weights from a local folder, or a random initialisation of `config`.

    Eager attention: it traces to plain ONNX ops and gives the same numbers as SDPA.
    """
    if weights_dir is not None:
        return BertModel.from_pretrained(weights_dir, attn_implementation="eager", add_pooling_layer=False)
    config._attn_implementation = "eager"
    return BertModel(config, add_pooling_layer=False)

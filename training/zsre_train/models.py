"""The two networks of EMMA: the bi-encoder (one BERT, two views) and the cross-encoder."""
from __future__ import annotations

import copy

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
    """Scores one (sentence, description) pair.

    head="linear" (default): one logit per pair, so k can change at run time and order does
    not matter. head="concat": EMMA's ablation, the k [CLS] vectors of a sentence concatenated
    into an MLP giving k logits; it fixes k and cannot be exported to the per-pair contract.

    pooling="cls": the pair vector is [CLS] (a linear head). pooling="markers": the pair vector
    is [CLS; h(head start marker); h(tail start marker)] through a small MLP; the sentence comes
    first in the pair, so its head_index / tail_index point at the same tokens there. The entity
    states carry what [CLS] alone does not (all-MiniLM was trained with mean pooling, so its
    [CLS] is a weak start: the linear head's loss sat at chance for ~100 steps on the CPU budget).
    """

    def __init__(self, bert: BertModel, head: str = "linear", k: int = 3, vocab_buckets: int | None = None,
                 pooling: str = "cls") -> None:
        super().__init__()
        if head not in ("linear", "concat"):
            raise ValueError(f"Invalid cross-encoder head {head!r}: expected 'linear' or 'concat'")
        if pooling not in ("cls", "markers"):
            raise ValueError(f"Invalid cross-encoder pooling {pooling!r}: expected 'cls' or 'markers'")
        if head == "concat" and pooling != "cls":
            raise ValueError("The concat head (EMMA's ablation) reads [CLS] only: use pooling 'cls' with it")
        self.encoder = _Backbone(bert, vocab_buckets)
        self.head_kind = head
        self.pooling = pooling
        self.k = k
        hidden = bert.config.hidden_size
        if head == "linear" and pooling == "cls":
            self.head = nn.Linear(hidden, 1)
        elif head == "linear":
            self.head = nn.Sequential(nn.Linear(3 * hidden, hidden), nn.GELU(), nn.Linear(hidden, 1))
        else:
            self.head = nn.Sequential(nn.Linear(k * hidden, hidden), nn.Tanh(), nn.Linear(hidden, k))

    @property
    def uses_markers(self) -> bool:
        """Whether the graph reads head_index / tail_index (a model-directory input, see onnx_graphs)."""
        return self.pooling == "markers"

    def _pair_vectors(self, input_ids, attention_mask, token_type_ids, head_index, tail_index) -> torch.Tensor:
        hidden = self.encoder(input_ids, attention_mask, token_type_ids)
        if self.pooling == "cls":
            return hidden[:, 0]
        return torch.cat([hidden[:, 0], _pick(hidden, head_index), _pick(hidden, tail_index)], dim=-1)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor,
                head_index: torch.Tensor | None = None, tail_index: torch.Tensor | None = None) -> torch.Tensor:
        """One score per pair, shape (batch,). Linear head only; marker pooling needs head/tail index."""
        if self.head_kind != "linear":
            raise ValueError("The concat head scores groups of k pairs: call group_scores instead")
        if self.uses_markers and (head_index is None or tail_index is None):
            raise ValueError("pooling 'markers' needs head_index and tail_index (the sentence's marker positions)")
        vectors = self._pair_vectors(input_ids, attention_mask, token_type_ids, head_index, tail_index)
        return self.head(vectors).squeeze(-1)

    def group_scores(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor, k: int,
                     head_index: torch.Tensor | None = None, tail_index: torch.Tensor | None = None) -> torch.Tensor:
        """Scores of rows laid out as consecutive groups of k candidates; shape (batch / k, k)."""
        if self.head_kind == "linear":
            return self.forward(input_ids, attention_mask, token_type_ids, head_index, tail_index).view(-1, k)
        if k != self.k:
            raise ValueError(f"The concat head was built for k={self.k}, received k={k}")
        cls = self.encoder(input_ids, attention_mask, token_type_ids)[:, 0]
        return self.head(cls.reshape(-1, k * cls.size(-1)))

    def init_encoder_from(self, bi: BiEncoder) -> None:
        """Start from the trained bi-encoder's encoder: it already reads the markers and descriptions.
        A cross-encoder with fewer layers (keep_first_layers) takes the bi-encoder's first ones."""
        own = self.encoder.state_dict()
        theirs = bi.encoder.state_dict()
        missing = sorted(set(own) - set(theirs))
        if missing:
            raise ValueError(f"The bi-encoder's encoder lacks {missing[:3]}: it must have at least this encoder's layers")
        self.encoder.load_state_dict({name: theirs[name] for name in own})


def keep_first_layers(bert: BertModel, layers: int) -> BertModel:
    """Cut a BertModel to its first `layers` transformer layers, in place (cross_encoder.layers).

    The embeddings and those layers keep their weights; the model's config gets a copy of its own
    with num_hidden_layers set, so a config shared with another model (random init) is untouched.
    """
    have = len(bert.encoder.layer)
    if not 1 <= layers <= have:
        raise ValueError(f"Cannot keep {layers} layers of a backbone with {have}: expected 1..{have}")
    config = copy.deepcopy(bert.config)
    config.num_hidden_layers = layers
    bert.config = config
    bert.encoder.config = config
    bert.encoder.layer = nn.ModuleList(list(bert.encoder.layer)[:layers])
    return bert


def build_bert(config: BertConfig, weights_dir: str | None) -> BertModel:
    """Pretrained weights from a local folder, or a random initialisation of `config`.

    Eager attention: it traces to plain ONNX ops and gives the same numbers as SDPA.
    """
    if weights_dir is not None:
        return BertModel.from_pretrained(weights_dir, attn_implementation="eager", add_pooling_layer=False)
    config._attn_implementation = "eager"
    return BertModel(config, add_pooling_layer=False)

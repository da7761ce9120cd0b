"""The whole recipe: bi-encoder, then cross-encoder on its hard negatives, then fusion fitting.

Everything a later export needs lands in the run folder: config.yaml, bi_encoder.pt,
cross_encoder.pt, fusion.json and run.json (counts, timings, metrics).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import random
import shutil
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

from .backbone import bert_source, load_tokenizer, vocab_buckets
from .augment import replace_entities, typed_placeholders
from .calibrate import fit_fusion
from .config import Config, ConfigError
from .corpus import Corpus, load_corpus
from .distill import distillation_step, teacher
from .encode import prepare_descriptions, prepare_sentences, torch_bi_runner, torch_cross_runner
from .scoring import score
from .freeze import frozen_lower_layers
from .loop import PhaseSpec, run_phase, training_seconds
from .precision import cpu_has_native_bf16
from .models import BiEncoder, CrossEncoder, build_bert, keep_first_layers
from .none_pairs import NONE_RELATION, document_pairs
from .steps import bi_encoder_step, cross_encoder_step


def pick_device() -> torch.device:
    if not torch.cuda.is_available():
        return torch.device("cpu")
    torch.backends.cuda.matmul.allow_tf32 = True  # TF32 matmuls on a GPU: ~fp32 accuracy, several times faster
    return torch.device("cuda")


def build_models(config: Config) -> tuple[BiEncoder, CrossEncoder]:
    """Both networks from the backbone (the cross-encoder is a second, separate copy, as in EMMA)."""
    torch.manual_seed(config.seed)
    bert_config, weights = bert_source(config.model)
    buckets = vocab_buckets(config.model)
    bi = BiEncoder(build_bert(bert_config, weights), config.model.max_description_length, buckets)
    cross_bert = build_bert(bert_config, weights)
    if config.cross_encoder.layers is not None:
        keep_first_layers(cross_bert, config.cross_encoder.layers)
    cross = CrossEncoder(cross_bert, config.cross_encoder.head, config.cross_encoder.k, buckets,
                         pooling=config.cross_encoder.pooling)
    return bi, cross


def load_trained_models(config: Config, run_dir: Path) -> tuple[BiEncoder, CrossEncoder]:
    """A finished run's two networks on the CPU, in eval mode (for export and evaluation)."""
    torch.set_num_threads(config.run.torch_threads)
    bi, cross = build_models(config)
    bi.load_state_dict(torch.load(run_dir / "bi_encoder.pt", map_location="cpu"))
    cross.load_state_dict(torch.load(run_dir / "cross_encoder.pt", map_location="cpu"))
    return bi.eval(), cross.eval()


class _WithNoneColumn(torch.nn.Module):
    """The bi-encoder and the learned cosine of the loss's "none" column, trained together (issue 21).
    Only the bi-encoder is saved as bi_encoder.pt; the cosine goes to run.json."""

    def __init__(self, bi: BiEncoder, none_cosine: float) -> None:
        super().__init__()
        self.bi = bi
        self.none_cosine = torch.nn.Parameter(torch.tensor(float(none_cosine)))


def _init_from(config: Config) -> Path | None:
    """bi_encoder.init_from as the bi_encoder.pt it names, checked before any training starts."""
    if config.bi_encoder.init_from is None:
        return None
    folder = Path(config.bi_encoder.init_from)
    if not folder.is_absolute():
        folder = Path(__file__).resolve().parents[2] / folder
    weights = folder / "bi_encoder.pt"
    if not weights.is_file():
        raise ConfigError(f"bi_encoder.init_from: no bi_encoder.pt in {folder}: name a finished run folder")
    return weights


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _spec(name: str, phase, config: Config, n: int) -> PhaseSpec:
    return PhaseSpec(name, n, phase.epochs, phase.max_steps, phase.batch_size, phase.learning_rate,
                     phase.warmup_ratio, config.run.checkpoint_every, config.run.log_every, config.seed,
                     tuple(config.run.snapshot_steps), config.run.fused_optimizer)


def _commit() -> str | None:
    if os.environ.get("ZSRE_COMMIT"):  # a copy of the tree without .git (the GPU machine) names its commit
        return os.environ["ZSRE_COMMIT"]
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=Path(__file__).parent, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _hard_negatives(bi: BiEncoder, tokenizer, corpus: Corpus, config: Config, device: torch.device, run_dir: Path) -> np.ndarray:
    """The bi-encoder's own top (hard_negatives + 1) seen relations per training sentence (cached per count)."""
    path = run_dir / f"hard_negatives_top{config.cross_encoder.hard_negatives + 1}.npy"
    if path.is_file():
        return np.load(path)
    relations = [corpus.relations[r] for r in corpus.train_relations]
    hard = score(bi_run=torch_bi_runner(bi, device), tokenizer=tokenizer,
                 sentences=prepare_sentences(tokenizer, corpus.train, config.model.max_sentence_length),
                 descriptions=prepare_descriptions(tokenizer, relations, config.model.max_description_length),
                 candidates=config.cross_encoder.hard_negatives + 1).columns
    np.save(path, hard)
    return hard


def _distill(bi: BiEncoder, cross: CrossEncoder, tokenizer, corpus: Corpus, sentences, desc_ids: dict, config: Config,
             device: torch.device, run_dir: Path, resume: bool) -> dict:
    """The optional last phase: the bi-encoder learns the fused teacher over its top-k (distill.py).
    bi_encoder.pt becomes the distilled encoder; the one before is kept beside it."""
    spec = config.distillation
    relations = corpus.train_relations
    column = {r: c for c, r in enumerate(relations)}
    descriptions = [desc_ids[r] for r in relations]
    gold = np.array([column[s.relation] for s in corpus.train])
    taught = teacher(bi, cross, tokenizer, sentences, gold, descriptions, spec.top_k, device, run_dir)
    shutil.copyfile(run_dir / "bi_encoder.pt", run_dir / "bi_encoder.before_distillation.pt")
    step = distillation_step(bi, sentences, [s.relation for s in corpus.train], relations, descriptions, taught["columns"],
                             taught["probs"], tokenizer.pad_token_id, config.bi_encoder.temperature,
                             spec.contrastive_weight, device, bf16=config.run.bf16_autocast)
    stats = run_phase(_spec("distillation", spec, config, len(sentences)), bi, step, run_dir, resume)
    torch.save(bi.state_dict(), run_dir / "bi_encoder.pt")
    a, b = taught["weights"]
    probs = taught["probs"]
    stats["teacher"] = {"topK": spec.top_k, "biWeight": a, "crossWeight": b,
                        "meanGoldProbability": round(float(probs[np.arange(len(probs)), (taught["columns"] == gold[:, None]).argmax(axis=1)].mean()), 4)}
    return stats


def train(config: Config, config_path: Path, data_dir: Path, run_dir: Path, resume: bool) -> dict:
    torch.set_num_threads(config.run.torch_threads)
    random.seed(config.seed)
    np.random.seed(config.seed)
    run_dir.mkdir(parents=True, exist_ok=True)
    if not resume and (run_dir / "checkpoints").exists():
        raise FileExistsError(f"{run_dir} already holds a run: pass --resume to continue it or choose another --out")
    kept = run_dir / "config.yaml"
    if resume and kept.is_file() and kept.read_bytes() != Path(config_path).read_bytes():
        # A resumed phase must continue the recipe it started with; mixing two recipes in one run
        # would leave a model that neither recipe describes.
        raise ConfigError(f"{run_dir} was started with {kept}, which differs from {config_path}: "
                         f"resume with --config {kept}, or start the new recipe in another --out")
    if not (resume and kept.is_file()):
        shutil.copyfile(config_path, kept)
    device = pick_device()
    precision = {"bf16Autocast": config.run.bf16_autocast, "fusedOptimizer": config.run.fused_optimizer,
                 "nativeBf16": cpu_has_native_bf16() if device.type == "cpu" else None}
    if config.run.bf16_autocast and precision["nativeBf16"] is False:
        print(json.dumps({"warning": "run.bf16_autocast on a CPU without avx512_bf16 or amx_bf16: PyTorch emulates "
                                     "bf16, about ten times slower than fp32; set it to false on this machine"}), flush=True)
    started = time.perf_counter()
    commit = _commit()  # the code this process loaded; HEAD may move while a long run trains
    tokenizer = load_tokenizer()
    corpus = load_corpus(config, data_dir)
    replacement_stats = None
    if config.data.entity_replacement is not None:
        # Names replaced once, before tokenizing: every phase (and the hard negatives) reads the same sentences.
        augmented, replacement_stats = replace_entities(corpus.train, config.data.entity_replacement, config.seed,
                                                        typed_placeholders(data_dir))
        corpus = dataclasses.replace(corpus, train=augmented)
        print(json.dumps({"entityReplacement": replacement_stats}), flush=True)
    print(json.dumps({"device": str(device), "train_sentences": len(corpus.train), "train_relations": len(corpus.train_relations),
                      "eval_sentences": len(corpus.eval), "eval_relations": corpus.eval_relations}), flush=True)
    none_instances, none_counts = [], None
    if config.data.none_pairs is not None:
        found = document_pairs(config.data.none_pairs, data_dir, set(corpus.train_relations), config.seed)
        corpus = dataclasses.replace(corpus, train=corpus.train + found.positives)
        none_instances, none_counts = found.none, found.counts
        print(json.dumps({"nonePairs": none_counts}), flush=True)
    bi, cross = build_models(config)
    init_from = _init_from(config)
    if init_from is not None:
        # A resumed phase then loads its own checkpoint over these weights.
        bi.load_state_dict(torch.load(init_from, map_location="cpu"))
        print(json.dumps({"biEncoderInitFrom": config.bi_encoder.init_from}), flush=True)
    bi.to(device)
    cross.to(device)

    # The bi-encoder also reads the none pairs, after the training sentences: rows 0..len(train)-1
    # are the same for every phase, so the cross-encoder and distillation index `sentences` as before.
    sentences = prepare_sentences(tokenizer, corpus.train + none_instances, config.model.max_sentence_length)
    n_train = len(corpus.train)
    all_relations = corpus.train_relations
    desc_ids = dict(zip(all_relations, prepare_descriptions(tokenizer, [corpus.relations[r] for r in all_relations], config.model.max_description_length)))
    relation_of = [s.relation for s in corpus.train] + [NONE_RELATION] * len(none_instances)
    trained: torch.nn.Module = bi
    none_cosine = None
    if none_instances:
        trained = _WithNoneColumn(bi, config.data.none_pairs.none_cosine).to(device)
        none_cosine = trained.none_cosine
    bi_step = bi_encoder_step(bi, sentences, relation_of, desc_ids, tokenizer.pad_token_id,
                              config.bi_encoder.temperature, device, config.bi_encoder.sentence_contrastive_weight,
                              none_cosine=none_cosine, none_relation=NONE_RELATION if none_instances else None,
                              bf16=config.run.bf16_autocast)
    with frozen_lower_layers(bi.encoder.bert, config.bi_encoder.frozen_layers) as n_frozen:
        bi_stats = run_phase(_spec("bi_encoder", config.bi_encoder, config, len(sentences)), trained, bi_step, run_dir, resume)
    bi_stats = {**bi_stats, "frozenLayers": config.bi_encoder.frozen_layers, "frozenParameters": n_frozen}
    torch.save(bi.state_dict(), run_dir / "bi_encoder.pt")
    if none_counts is not None:
        none_counts["learnedNoneCosine"] = None if none_cosine is None else round(float(none_cosine.detach()), 4)
    sentences = sentences[:n_train]

    hard = _hard_negatives(bi, tokenizer, corpus, config, device, run_dir)
    if config.cross_encoder.init == "bi_encoder":
        cross.init_encoder_from(bi)  # a resumed cross phase then loads its own checkpoint over this
    column = {r: c for c, r in enumerate(all_relations)}
    cross_step = cross_encoder_step(cross, tokenizer, sentences, [column[s.relation] for s in corpus.train], hard,
                                    [desc_ids[r] for r in all_relations], config.cross_encoder.k,
                                    config.cross_encoder.hard_negatives, config.seed, device, bf16=config.run.bf16_autocast)
    with frozen_lower_layers(cross.encoder.bert, config.cross_encoder.frozen_layers) as n_frozen:
        cross_stats = run_phase(_spec("cross_encoder", config.cross_encoder, config, len(sentences)), cross, cross_step, run_dir, resume)
    cross_stats = {**cross_stats, "frozenLayers": config.cross_encoder.frozen_layers, "frozenParameters": n_frozen}
    torch.save(cross.state_dict(), run_dir / "cross_encoder.pt")

    distill_stats = None
    if config.distillation is not None:
        distill_stats = _distill(bi, cross, tokenizer, corpus, sentences, desc_ids, config, device, run_dir, resume)

    exportable = config.cross_encoder.head == "linear"
    fusion_block, fusion_metrics = fit_fusion(
        torch_bi_runner(bi, device), torch_cross_runner(cross, device) if exportable else None, tokenizer, corpus.eval,
        [corpus.relations[r] for r in corpus.eval_relations], config.model.max_sentence_length,
        config.model.max_description_length, config.fusion.top_k, config.fusion.target_precision, config.seed)
    (run_dir / "fusion.json").write_text(json.dumps(fusion_block, indent=2), encoding="utf-8")
    run_info = {
        "recipe": str(config_path), "split": corpus.split_name, "seed": config.seed, "dataDir": str(data_dir),
        "trainRelations": len(corpus.train_relations), "trainInstances": len(corpus.train),
        "evalRelations": corpus.eval_relations, "evalInstances": len(corpus.eval),
        "epochs": {"biEncoder": config.bi_encoder.epochs, "crossEncoder": config.cross_encoder.epochs},
        "commit": commit, "createdAt": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "device": str(device), "torchThreads": config.run.torch_threads, "precision": precision,
        "biEncoder": bi_stats, "crossEncoder": cross_stats, "distillation": distill_stats,
        "entityReplacement": replacement_stats, "nonePairs": none_counts, "biEncoderInitFrom": None if init_from is None else {"run": config.bi_encoder.init_from, "sha256": _sha256(init_from)},
        "evalMetrics": fusion_metrics, "seconds": round(time.perf_counter() - started, 1),
        # `seconds` is this process's wall time only: a run resumed from its checkpoints counts just
        # its last stretch (15_43 of cpu-cross1500, trained over three sessions, recorded 29 s).
        # The phases' own seconds are kept in their checkpoints and add up across resumes.
        "trainingSeconds": training_seconds(bi_stats, cross_stats, distill_stats),
    }
    (run_dir / "run.json").write_text(json.dumps(run_info, indent=2), encoding="utf-8")
    print(json.dumps({"event": "done", "run": str(run_dir), "fusion": fusion_block, "evalMetrics": fusion_metrics}), flush=True)
    return run_info

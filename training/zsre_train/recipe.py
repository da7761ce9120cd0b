"""The whole recipe: bi-encoder, then cross-encoder on its hard negatives, then fusion fitting.

Everything a later export needs lands in the run folder: config.yaml, bi_encoder.pt,
cross_encoder.pt, fusion.json and run.json (counts, timings, metrics).
"""
from __future__ import annotations

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
from .calibrate import fit_fusion
from .config import Config
from .corpus import Corpus, load_corpus
from .encode import prepare_descriptions, prepare_sentences, torch_bi_runner, torch_cross_runner
from .scoring import score
from .loop import PhaseSpec, run_phase
from .models import BiEncoder, CrossEncoder, build_bert
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
    cross = CrossEncoder(build_bert(bert_config, weights), config.cross_encoder.head, config.cross_encoder.k, buckets,
                         pooling=config.cross_encoder.pooling)
    return bi, cross


def load_trained_models(config: Config, run_dir: Path) -> tuple[BiEncoder, CrossEncoder]:
    """A finished run's two networks on the CPU, in eval mode (for export and evaluation)."""
    torch.set_num_threads(config.run.torch_threads)
    bi, cross = build_models(config)
    bi.load_state_dict(torch.load(run_dir / "bi_encoder.pt", map_location="cpu"))
    cross.load_state_dict(torch.load(run_dir / "cross_encoder.pt", map_location="cpu"))
    return bi.eval(), cross.eval()


def _spec(name: str, phase, config: Config, n: int) -> PhaseSpec:
    return PhaseSpec(name, n, phase.epochs, phase.max_steps, phase.batch_size, phase.learning_rate,
                     phase.warmup_ratio, config.run.checkpoint_every, config.run.log_every, config.seed)


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


def train(config: Config, config_path: Path, data_dir: Path, run_dir: Path, resume: bool) -> dict:
    torch.set_num_threads(config.run.torch_threads)
    random.seed(config.seed)
    np.random.seed(config.seed)
    run_dir.mkdir(parents=True, exist_ok=True)
    if not resume and (run_dir / "checkpoints").exists():
        raise FileExistsError(f"{run_dir} already holds a run: pass --resume to continue it or choose another --out")
    shutil.copyfile(config_path, run_dir / "config.yaml")
    device = pick_device()
    started = time.perf_counter()
    tokenizer = load_tokenizer()
    corpus = load_corpus(config, data_dir)
    print(json.dumps({"device": str(device), "train_sentences": len(corpus.train), "train_relations": len(corpus.train_relations),
                      "eval_sentences": len(corpus.eval), "eval_relations": corpus.eval_relations}), flush=True)
    bi, cross = build_models(config)
    bi.to(device)
    cross.to(device)

    sentences = prepare_sentences(tokenizer, corpus.train, config.model.max_sentence_length)
    all_relations = corpus.train_relations
    desc_ids = dict(zip(all_relations, prepare_descriptions(tokenizer, [corpus.relations[r] for r in all_relations], config.model.max_description_length)))
    bi_step = bi_encoder_step(bi, sentences, [s.relation for s in corpus.train], desc_ids, tokenizer.pad_token_id,
                              config.bi_encoder.temperature, device)
    bi_stats = run_phase(_spec("bi_encoder", config.bi_encoder, config, len(sentences)), bi, bi_step, run_dir, resume)
    torch.save(bi.state_dict(), run_dir / "bi_encoder.pt")

    hard = _hard_negatives(bi, tokenizer, corpus, config, device, run_dir)
    if config.cross_encoder.init == "bi_encoder":
        cross.init_encoder_from(bi)  # a resumed cross phase then loads its own checkpoint over this
    column = {r: c for c, r in enumerate(all_relations)}
    cross_step = cross_encoder_step(cross, tokenizer, sentences, [column[s.relation] for s in corpus.train], hard,
                                    [desc_ids[r] for r in all_relations], config.cross_encoder.k,
                                    config.cross_encoder.hard_negatives, config.seed, device)
    cross_stats = run_phase(_spec("cross_encoder", config.cross_encoder, config, len(sentences)), cross, cross_step, run_dir, resume)
    torch.save(cross.state_dict(), run_dir / "cross_encoder.pt")

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
        "commit": _commit(), "createdAt": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "device": str(device), "torchThreads": config.run.torch_threads,
        "biEncoder": bi_stats, "crossEncoder": cross_stats,
        "evalMetrics": fusion_metrics, "seconds": round(time.perf_counter() - started, 1),
    }
    (run_dir / "run.json").write_text(json.dumps(run_info, indent=2), encoding="utf-8")
    print(json.dumps({"event": "done", "run": str(run_dir), "fusion": fusion_block, "evalMetrics": fusion_metrics}), flush=True)
    return run_info

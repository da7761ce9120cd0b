"""Measure training throughput of one phase for a few steps, to plan a full run:
python training/measure.py --config training/configs/fewrel_m5_ori.yaml --phase bi --steps 30

Same step code as train.py; the cross-encoder phase uses the gold's neighbours in the relation
list in place of bi-encoder hard negatives (same cost, no trained bi-encoder needed).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from train import DEFAULT_DATA_DIR  # noqa: E402
from zsre_train.backbone import load_tokenizer  # noqa: E402
from zsre_train.config import load_config  # noqa: E402
from zsre_train.corpus import load_corpus  # noqa: E402
from zsre_train.encode import prepare_descriptions, prepare_sentences  # noqa: E402
from zsre_train.loop import PhaseSpec, run_phase  # noqa: E402
from zsre_train.recipe import build_models, pick_device  # noqa: E402
from zsre_train.steps import bi_encoder_step, cross_encoder_step  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, type=Path)
    parser.add_argument("--phase", required=True, choices=["bi", "cross"])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args()
    config = load_config(args.config)
    torch.set_num_threads(config.run.torch_threads)
    device = pick_device()
    tokenizer = load_tokenizer()
    corpus = load_corpus(config, args.data_dir)
    bi, cross = build_models(config)
    sentences = prepare_sentences(tokenizer, corpus.train, config.model.max_sentence_length)
    rels = corpus.train_relations
    desc = prepare_descriptions(tokenizer, [corpus.relations[r] for r in rels], config.model.max_description_length)
    if args.phase == "bi":
        phase, model = config.bi_encoder, bi.to(device)
        step = bi_encoder_step(model, sentences, [s.relation for s in corpus.train], dict(zip(rels, desc)),
                               tokenizer.pad_token_id, phase.temperature, device)
    else:
        phase, model = config.cross_encoder, cross.to(device)
        gold = [rels.index(s.relation) for s in corpus.train]
        hard = np.array([[(g + 1) % len(rels), (g + 2) % len(rels)] for g in gold])
        step = cross_encoder_step(model, tokenizer, sentences, gold, hard, desc, phase.k, phase.hard_negatives, config.seed, device)
    with tempfile.TemporaryDirectory() as tmp:
        spec = PhaseSpec(f"measure_{args.phase}", len(sentences), 1, args.steps, phase.batch_size, phase.learning_rate,
                         phase.warmup_ratio, 10**9, max(1, args.steps // 3), config.seed)
        stats = run_phase(spec, model, step, Path(tmp), resume=False)
    per_step = stats["seconds"] / stats["steps"]
    full_epoch_steps = -(-len(sentences) // phase.batch_size)
    print(json.dumps({"phase": args.phase, "device": str(device), "threads": config.run.torch_threads,
                      "steps": stats["steps"], "sequences_per_s": stats["sequences_per_s"], "seconds_per_step": round(per_step, 3),
                      "train_sentences": len(sentences), "estimated_epoch_minutes": round(full_epoch_steps * per_step / 60, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

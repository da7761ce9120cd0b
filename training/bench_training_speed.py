"""Training throughput of one recipe's steps, before and after each speed-up, on the same batches
(issue 24 item 1):

    python training/bench_training_speed.py --config training/runs/fewrel-cpu/configs/fewrel_m5_42.yaml \
        --steps 12 --out benchmarks/results/training-speed/fewrel_m5_42.json

Variants, each its own copy of the models and optimizer, stepped in turn on identical batches in one
process (so machine load falls on all of them alike). A variant is a base and optional modifiers:
  padded           one padded batch a step, every weight trained: the steps of 2026-12-01
  groups           length groups (steps.length_groups), every weight trained: the cpu profile
  +frozenN         embeddings and the first N layers frozen (freeze.py): cpu-frozen2 is groups+frozen2
  +bf16            the encoders' forward passes in bf16 autocast (precision.py; run.bf16_autocast)
  +fused           AdamW as one fused kernel (run.fused_optimizer)
e.g. groups+bf16+fused is the cpu-bf16 profile.
Each step is timed in three parts (forward with the loss, backward, clipping with the optimizer
step); the first step of each variant is a warm-up and not counted. The cross-encoder phase uses
the gold's neighbours in the relation list as hard negatives (same cost as mined ones, no trained
bi-encoder needed), as measure.py does.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from train import DEFAULT_DATA_DIR, REPO_ROOT  # noqa: E402
from zsre_train.backbone import load_tokenizer  # noqa: E402
from zsre_train.config import load_config  # noqa: E402
from zsre_train.corpus import load_corpus  # noqa: E402
from zsre_train.encode import prepare_descriptions, prepare_sentences  # noqa: E402
from zsre_train.freeze import lower_parameters  # noqa: E402
from zsre_train.machine import cpu_model, source_state  # noqa: E402
from zsre_train.precision import adamw, cpu_has_native_bf16  # noqa: E402
from zsre_train.recipe import build_models  # noqa: E402
from zsre_train.steps import GROUP_OVERHEAD_TOKENS, bi_encoder_step, cross_encoder_step  # noqa: E402

ONE_PADDED_BATCH = 10**9  # a pass overhead no split can beat: length_groups returns one group


@dataclass(frozen=True)
class Variant:
    group_overhead: int  # length_groups' cost of a pass; ONE_PADDED_BATCH for padded
    frozen_layers: int | None = None
    bf16: bool = False
    fused: bool = False


def parse_variant(name: str) -> Variant:
    """'padded' | 'groups', then any of '+frozenN', '+bf16', '+fused' (each at most once)."""
    base, *modifiers = name.split("+")
    if base not in ("padded", "groups"):
        raise SystemExit(f"error: unknown variant {name!r}: expected padded or groups, then +frozenN, +bf16 or +fused "
                         "(e.g. groups+bf16+fused)")
    fields: dict = {"group_overhead": ONE_PADDED_BATCH if base == "padded" else GROUP_OVERHEAD_TOKENS}
    for modifier in modifiers:
        if modifier.startswith("frozen") and modifier[len("frozen"):].isdigit() and "frozen_layers" not in fields:
            fields["frozen_layers"] = int(modifier[len("frozen"):])
        elif modifier in ("bf16", "fused") and modifier not in fields:
            fields[modifier] = True
        else:
            raise SystemExit(f"error: variant {name!r}: modifier {modifier!r} is unknown or repeated: expected frozenN, bf16 "
                             "or fused, each at most once")
    return Variant(**fields)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, type=Path, help="a recipe, e.g. a FewRel split's generated config")
    parser.add_argument("--phases", default="bi,cross", help="bi, cross or both (default bi,cross)")
    parser.add_argument("--variants", default="padded,groups,groups+frozen2", help="comma-separated (see the docstring)")
    parser.add_argument("--steps", type=int, default=12, help="timed steps per variant and phase, after one warm-up step")
    parser.add_argument("--threads", type=int, help="torch threads (default: the recipe's run.torch_threads)")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, help="write the result JSON here too")
    args = parser.parse_args(argv)
    phases = args.phases.split(",")
    if not set(phases) <= {"bi", "cross"} or not phases:
        raise SystemExit(f"error: --phases {args.phases!r}: expected bi, cross or bi,cross")
    if args.steps < 1:
        raise SystemExit("error: --steps must be at least 1")
    variants = {name: parse_variant(name) for name in args.variants.split(",")}
    config = load_config(args.config)
    threads = args.threads or config.run.torch_threads
    torch.set_num_threads(threads)
    torch.manual_seed(config.seed)
    device = torch.device("cpu")
    tokenizer = load_tokenizer()
    corpus = load_corpus(config, args.data_dir)
    sentences = prepare_sentences(tokenizer, corpus.train, config.model.max_sentence_length)
    relations = corpus.train_relations
    descriptions = prepare_descriptions(tokenizer, [corpus.relations[r] for r in relations], config.model.max_description_length)
    gold = [relations.index(s.relation) for s in corpus.train]
    neighbours = np.array([[(g + j) % len(relations) for j in range(1, config.cross_encoder.hard_negatives + 1)] for g in gold])

    results = []
    for phase in phases:
        spec = config.bi_encoder if phase == "bi" else config.cross_encoder
        runs = {}
        for name, variant in variants.items():
            bi, cross = build_models(config)  # the same starting weights for every variant
            model = bi if phase == "bi" else cross
            if variant.frozen_layers is not None:
                for p in lower_parameters(model.encoder.bert, variant.frozen_layers):
                    p.requires_grad_(False)
            if phase == "bi":
                step = bi_encoder_step(model, sentences, [s.relation for s in corpus.train], dict(zip(relations, descriptions)),
                                       tokenizer.pad_token_id, config.bi_encoder.temperature, device,
                                       group_overhead=variant.group_overhead, bf16=variant.bf16)
            else:
                step = cross_encoder_step(model, tokenizer, sentences, gold, neighbours, descriptions, spec.k,
                                          spec.hard_negatives, config.seed, device, group_overhead=variant.group_overhead,
                                          bf16=variant.bf16)
            optimizer = adamw(model.parameters(), spec.learning_rate, variant.fused)
            model.train()
            runs[name] = {"model": model, "step": step, "optimizer": optimizer,
                          "forward": 0.0, "backward": 0.0, "optimizer_s": 0.0, "sequences": 0, "sentences": 0}
        order = np.random.default_rng(config.seed).permutation(len(sentences))
        for n in range(args.steps + 1):
            batch = order[n * spec.batch_size:(n + 1) * spec.batch_size].tolist()
            for name, run in runs.items():
                t0 = time.perf_counter()
                loss, n_seq = run["step"](batch, 0)
                t1 = time.perf_counter()
                run["optimizer"].zero_grad(set_to_none=True)
                loss.backward()
                t2 = time.perf_counter()
                torch.nn.utils.clip_grad_norm_(run["model"].parameters(), 1.0)
                run["optimizer"].step()
                t3 = time.perf_counter()
                if n == 0:
                    continue  # warm-up: first-call allocations
                run["forward"] += t1 - t0
                run["backward"] += t2 - t1
                run["optimizer_s"] += t3 - t2
                run["sequences"] += n_seq
                run["sentences"] += len(batch)
            print(json.dumps({"phase": phase, "step": n, "of": args.steps}), file=sys.stderr, flush=True)
        base = None
        for name, run in runs.items():
            seconds = run["forward"] + run["backward"] + run["optimizer_s"]
            row = {
                "phase": phase, "variant": name, "steps": args.steps, "batchSize": spec.batch_size,
                "secondsPerStep": {"forward": round(run["forward"] / args.steps, 3), "backward": round(run["backward"] / args.steps, 3),
                                   "optimizer": round(run["optimizer_s"] / args.steps, 3), "total": round(seconds / args.steps, 3)},
                "sequencesPerSecond": round(run["sequences"] / seconds, 2),
                "sentencesPerSecond": round(run["sentences"] / seconds, 2),
            }
            base = base or row["sentencesPerSecond"]
            row["speedupOverFirst"] = round(row["sentencesPerSecond"] / base, 3)
            results.append(row)
            print(json.dumps(row), flush=True)

    record = {
        "benchmark": "training-speed",
        "recipe": os.path.relpath(args.config.resolve(), REPO_ROOT),
        "settings": {"phases": phases, "variants": list(variants), "steps": args.steps, "warmupSteps": 1, "threads": threads,
                     "sequences": "bi: sentences + distinct descriptions a step; cross: pairs (k a sentence)",
                     "speedupOverFirst": f"sentences a second over the first variant ({next(iter(variants))})"},
        "environment": {**source_state(),
                        "cpu": cpu_model(), "nativeBf16": cpu_has_native_bf16(), "cores": os.cpu_count(), "torch": torch.__version__,
                        "loadAverage": [round(x, 2) for x in os.getloadavg()],
                        "date": datetime.now(timezone.utc).isoformat(timespec="seconds")},
        "table": results,
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

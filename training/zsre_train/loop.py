"""One optimisation phase (bi-encoder or cross-encoder): batches, schedule, logging, checkpoints.

The batch order of each epoch is a permutation seeded by (seed, epoch), so a resumed run
skips exactly the batches it had already done and continues as if never stopped.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

from .precision import adamw

# step_fn(example indices, epoch) -> (loss, sequences encoded in the step)
StepFn = Callable[[list[int], int], tuple[torch.Tensor, int]]


@dataclass(frozen=True)
class PhaseSpec:
    name: str  # "bi_encoder" or "cross_encoder": checkpoint and weight file names
    n_examples: int
    epochs: int
    max_steps: int | None
    batch_size: int
    learning_rate: float
    warmup_ratio: float
    checkpoint_every: int
    log_every: int
    seed: int
    snapshot_steps: tuple[int, ...] = ()  # steps whose weights are kept in snapshots/ (a step curve)
    fused_optimizer: bool = False  # AdamW as one fused kernel (precision.adamw)


def _log(run_dir: Path, record: dict) -> None:
    line = json.dumps(record)
    print(line, flush=True)
    with (run_dir / "train_log.jsonl").open("a", encoding="utf-8") as f:
        f.write(line + "\n")


def _schedule(total: int, warmup: int) -> Callable[[int], float]:
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))

    return factor


def run_phase(spec: PhaseSpec, model: nn.Module, step_fn: StepFn, run_dir: Path, resume: bool) -> dict:
    """Train `model` in place; returns the phase's stats (steps, sequences/s, seconds per epoch)."""
    ckpt_path = run_dir / "checkpoints" / f"{spec.name}.pt"
    ckpt_path.parent.mkdir(parents=True, exist_ok=True)
    per_epoch = math.ceil(spec.n_examples / spec.batch_size)
    total = per_epoch * spec.epochs if spec.max_steps is None else min(spec.max_steps, per_epoch * spec.epochs)
    optimizer = adamw(model.parameters(), spec.learning_rate, spec.fused_optimizer)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _schedule(total, int(total * spec.warmup_ratio)))
    step, stats = 0, {"steps": 0, "sequences": 0, "seconds": 0.0, "epochs": []}
    if resume and ckpt_path.is_file():
        state = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step, stats = state["step"], state["stats"]
        _log(run_dir, {"phase": spec.name, "event": "resumed", "step": step, "of": total})

    # Training seconds are counted up to each checkpoint, so that a resumed run's sequences a second
    # divide the sequences it kept by the time they took (the minutes between the last checkpoint and
    # a stop are redone after resuming, and counted then).
    mark = [time.perf_counter()]

    def account() -> None:
        now = time.perf_counter()
        stats["seconds"] += now - mark[0]
        mark[0] = now

    def save() -> None:
        account()
        state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                 "scheduler": scheduler.state_dict(), "step": step, "stats": stats}
        torch.save(state, ckpt_path.with_suffix(".tmp"))
        ckpt_path.with_suffix(".tmp").replace(ckpt_path)  # never leave a half-written checkpoint

    def keep_snapshot() -> None:
        # Weights only: a snapshot is for evaluating, the rolling checkpoint is for resuming.
        path = run_dir / "snapshots" / f"{spec.name}.step{step}.pt"
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(model.state_dict(), path.with_suffix(".tmp"))
        path.with_suffix(".tmp").replace(path)
        _log(run_dir, {"phase": spec.name, "event": "snapshot", "step": step, "path": str(path.relative_to(run_dir))})

    model.train()
    while step < total:
        epoch, start = divmod(step, per_epoch)
        order = np.random.default_rng([spec.seed, epoch]).permutation(spec.n_examples)
        t_epoch, window_t, window_n = time.perf_counter(), time.perf_counter(), 0
        for batch_no in range(start, per_epoch):
            if step >= total:
                break
            indices = order[batch_no * spec.batch_size:(batch_no + 1) * spec.batch_size].tolist()
            loss, n_seq = step_fn(indices, epoch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            window_n += n_seq
            stats["steps"], stats["sequences"] = step, stats["sequences"] + n_seq
            if step % spec.log_every == 0 or step == total:
                elapsed = time.perf_counter() - window_t
                _log(run_dir, {"phase": spec.name, "step": step, "of": total, "epoch": epoch, "loss": round(loss.item(), 4),
                               "lr": scheduler.get_last_lr()[0], "sequences_per_s": round(window_n / elapsed, 2)})
                window_t, window_n = time.perf_counter(), 0
            if step in spec.snapshot_steps:
                keep_snapshot()
            if step % spec.checkpoint_every == 0:
                save()
        seconds = time.perf_counter() - t_epoch
        stats["epochs"].append({"epoch": epoch, "seconds": round(seconds, 2), "from_batch": start})
        _log(run_dir, {"phase": spec.name, "event": "epoch_end", "epoch": epoch, "seconds": round(seconds, 2)})
        save()
    model.eval()
    stats["sequences_per_s"] = round(stats["sequences"] / stats["seconds"], 2) if stats["seconds"] else None
    return stats


def training_seconds(*phase_stats: dict | None) -> float:
    """Seconds spent training, summed over the phases a run went through. Each phase keeps its
    seconds in its checkpoint, so the sum covers every session of a run resumed across several."""
    return round(sum(stats["seconds"] for stats in phase_stats if stats is not None), 1)

"""Checkpoints and --resume: an interrupted phase resumed from its checkpoint ends where an uninterrupted one does."""
from __future__ import annotations

import torch
from torch import nn

from zsre_train.loop import PhaseSpec, run_phase

X = torch.randn(20, 4, generator=torch.Generator().manual_seed(0))
Y = X @ torch.tensor([1.0, -2.0, 0.5, 3.0])


def make_model() -> nn.Module:
    torch.manual_seed(1)
    return nn.Linear(4, 1)


def spec() -> PhaseSpec:
    return PhaseSpec("toy", n_examples=20, epochs=2, max_steps=None, batch_size=4, learning_rate=0.05,
                     warmup_ratio=0.2, checkpoint_every=3, log_every=5, seed=7)


def step_for(model, crash_at=None):
    calls = {"n": 0}

    def step(indices, epoch):
        calls["n"] += 1
        if calls["n"] == crash_at:
            raise KeyboardInterrupt("simulated interruption")
        pred = model(X[indices]).squeeze(-1)
        return ((pred - Y[indices]) ** 2).mean(), len(indices)

    return step


def test_resume_continues_exactly(tmp_path):
    (tmp_path / "a").mkdir()
    straight = make_model()
    stats = run_phase(spec(), straight, step_for(straight), tmp_path / "a", resume=False)
    assert stats["steps"] == 10 and len(stats["epochs"]) == 2

    (tmp_path / "b").mkdir()
    interrupted = make_model()
    try:
        run_phase(spec(), interrupted, step_for(interrupted, crash_at=8), tmp_path / "b", resume=False)
        raise AssertionError("the simulated interruption did not happen")
    except KeyboardInterrupt:
        pass
    resumed = make_model()  # a fresh process: weights come only from the checkpoint (step 6)
    stats_b = run_phase(spec(), resumed, step_for(resumed), tmp_path / "b", resume=True)
    assert stats_b["steps"] == 10
    for a, b in zip(straight.parameters(), resumed.parameters()):
        assert torch.allclose(a, b, atol=1e-6)
    assert '"event": "resumed", "step": 6' in (tmp_path / "b" / "train_log.jsonl").read_text()


def test_snapshots_keep_the_weights_of_the_named_steps(tmp_path):
    """A step curve's points: at each named step the weights are kept apart (the rolling checkpoint
    moves on), and they equal those of a run stopped at that step with the same schedule."""
    import dataclasses

    curve = make_model()
    run_phase(dataclasses.replace(spec(), snapshot_steps=(2, 7)), curve, step_for(curve), tmp_path, resume=False)
    kept = sorted(p.name for p in (tmp_path / "snapshots").iterdir())
    assert kept == ["toy.step2.pt", "toy.step7.pt"]

    # The step-7 snapshot: replay the same run but interrupt it after step 7's update.
    (tmp_path / "b").mkdir()
    partial = make_model()
    try:
        run_phase(spec(), partial, step_for(partial, crash_at=8), tmp_path / "b", resume=False)
    except KeyboardInterrupt:
        pass
    snapshot = torch.load(tmp_path / "snapshots" / "toy.step7.pt")
    for name, value in partial.state_dict().items():
        assert torch.allclose(snapshot[name], value, atol=1e-7)
    final = curve.state_dict()
    assert not torch.allclose(snapshot["weight"], final["weight"])  # a snapshot, not the end weights


def test_a_resumed_phase_counts_the_time_of_the_steps_it_kept(tmp_path):
    """sequences_per_s of a resumed run: the kept steps' time is in the checkpoint (it once counted
    only the epochs finished in the last process, overstating a resumed run's throughput)."""
    import time

    def slow(model, crash_at=None):
        inner = step_for(model, crash_at)

        def step(indices, epoch):
            time.sleep(0.02)
            return inner(indices, epoch)

        return step

    first = make_model()
    try:
        run_phase(spec(), first, slow(first, crash_at=5), tmp_path, resume=False)  # checkpoint at step 3, stop in epoch 0
    except KeyboardInterrupt:
        pass
    resumed = make_model()
    stats = run_phase(spec(), resumed, slow(resumed), tmp_path, resume=True)
    assert stats["steps"] == 10 and stats["sequences"] == 40
    assert stats["seconds"] >= 10 * 0.02  # the 3 steps before the stop and the 7 after
    assert stats["sequences_per_s"] <= 40 / (10 * 0.02)


def test_training_seconds_add_up_the_phases_of_a_resumed_run():
    # A run resumed across sessions: each phase's seconds come from its checkpoint, so the sum is
    # the whole training, where run.json's `seconds` is only the last process's wall time.
    from zsre_train.fewrel_status import train_seconds
    from zsre_train.loop import training_seconds
    total = training_seconds({"seconds": 1200.04}, {"seconds": 5400.0}, None)
    assert total == 6600.0
    assert train_seconds({"seconds": 29.0, "trainingSeconds": total}) == 6600.0
    assert train_seconds({"seconds": 700.0, "trainingSeconds": 650.0}) == 700.0
    assert train_seconds({"seconds": 29.0}) == 29.0  # run.json written before trainingSeconds existed

"""Does the fine-grained stage earn its cost with more steps? (issue 24 item 4)

  python training/step_curve.py --run training/runs/curve/NAME --out benchmarks/results/ablation/step-curve/NAME.json \
      [--per-relation 50] [--data-dir ../shared/data]

For each cross-encoder snapshot the run kept (run.snapshot_steps: snapshots/cross_encoder.step<N>.pt)
and the run's bi-encoder: the fusion is refitted on the split's eval relations exactly as train.py
fits it (so each point is a model one could ship), then bi, full cross-encoder and EMMA F1 are
measured in torch fp32 on
- the split's `test` relations (held out from training by the recipe), all of them candidates;
- ChemProt's test file (held out by the recipe: no chemprot in extra_sets), all its relations candidates.
Resumable: points already in --out are kept; a snapshot written later (training still running)
is scored on the next call. Never use it to choose a benchmark model (those are chosen on their
split's eval relations).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

from zsre_train.backbone import load_tokenizer  # noqa: E402
from zsre_train.calibrate import fit_fusion  # noqa: E402
from zsre_train.config import load_config  # noqa: E402
from zsre_train.corpus import load_corpus  # noqa: E402
from zsre_train.data.descriptions import extra_relations  # noqa: E402
from zsre_train.data.extra import read_chemprot  # noqa: E402
from zsre_train.encode import torch_bi_runner, torch_cross_runner  # noqa: E402
from zsre_train.machine import cpu_model  # noqa: E402
from zsre_train.heldout import _method_scores, held_out_sentences  # noqa: E402
from zsre_train.recipe import build_models  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = re.compile(r"^cross_encoder\.step(\d+)\.pt$")


def snapshots(run_dir: Path) -> list[tuple[int, Path]]:
    """The run's cross-encoder snapshots, by step."""
    folder = run_dir / "snapshots"
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := SNAPSHOT.match(p.name))] if folder.is_dir() else []
    return sorted(found)


def chemprot_held_out(data_dir: Path, per_relation: int):
    """The first `per_relation` sentences (file order) of each ChemProt relation in its test file."""
    grouped = read_chemprot(data_dir / "extra" / "chemprot" / "test.txt")
    described = extra_relations()
    ids = sorted(r for r in grouped if r in described)
    return [row for r in ids for row in grouped[r][:per_relation]], [described[r] for r in ids]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cross-encoder step curve: bi / fullcross / EMMA F1 at each snapshot of a run.")
    parser.add_argument("--run", required=True, type=Path, help="run folder written by training/train.py with run.snapshot_steps")
    parser.add_argument("--out", required=True, type=Path, help="result JSON (points already there are kept)")
    parser.add_argument("--per-relation", type=int, default=50, help="sentences per held-out relation (default 50)")
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT.parent / "shared" / "data", help="data folder (default ../shared/data)")
    args = parser.parse_args(argv)
    if args.per_relation < 1:
        parser.error("--per-relation must be a positive integer")
    if not (args.run / "bi_encoder.pt").is_file():
        print(f"error: {args.run} has no bi_encoder.pt yet: the bi-encoder phase must finish first", file=sys.stderr)
        return 2
    points = snapshots(args.run)
    if not points:
        print(f"error: {args.run}/snapshots holds no cross_encoder.step<N>.pt: train with run.snapshot_steps "
              "(training/configs/ablation/cross_markers_bi_k5h3_steps1500.yaml)", file=sys.stderr)
        return 2
    result = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else None
    config = load_config(args.run / "config.yaml")
    if result is not None and result.get("run") != args.run.name:
        print(f"error: {args.out} holds the curve of run {result.get('run')!r}, not {args.run.name!r}: choose another --out", file=sys.stderr)
        return 2
    if result is None:
        result = {"benchmark": "cross-encoder step curve (issue 24 item 4)", "run": args.run.name,
                  "config": f"{args.run.name}/config.yaml (train.py's copy of the recipe)", "name": config.name,
                  "crossEncoder": {"pooling": config.cross_encoder.pooling, "init": config.cross_encoder.init,
                                   "k": config.cross_encoder.k, "hardNegatives": config.cross_encoder.hard_negatives,
                                   "batchSize": config.cross_encoder.batch_size, "maxSteps": config.cross_encoder.max_steps,
                                   "learningRate": config.cross_encoder.learning_rate, "warmupRatio": config.cross_encoder.warmup_ratio,
                                   "layers": config.cross_encoder.layers},  # None: every layer of the backbone
                  "precision": "fp32 (torch, the reference pipeline)", "perRelation": args.per_relation,
                  "fusion": "refitted at every point on the split's eval relations, as train.py fits it", "points": []}
    done = {p["step"] for p in result["points"]}
    todo = [(step, path) for step, path in points if step not in done]
    if not todo:
        print(f"every snapshot of {args.run} is already in {args.out}")
        return 0

    torch.set_num_threads(config.run.torch_threads)
    tokenizer = load_tokenizer()
    corpus = load_corpus(config, args.data_dir)
    bi, cross = build_models(config)
    bi.load_state_dict(torch.load(args.run / "bi_encoder.pt", map_location="cpu"))
    bi.eval()
    sets = {"fewrelHeldOut": held_out_sentences(config, args.data_dir, args.per_relation),
            "chemprot": chemprot_held_out(args.data_dir, args.per_relation)}
    result["sets"] = {name: {"relations": [r.id for r in rels], "sentences": len(rows)} for name, (rows, rels) in sets.items()}
    cpu = torch.device("cpu")
    for step, path in todo:
        started = time.perf_counter()
        cross.load_state_dict(torch.load(path, map_location="cpu"))
        cross.eval()
        fusion_block, eval_metrics = fit_fusion(
            torch_bi_runner(bi, cpu), torch_cross_runner(cross, cpu), tokenizer, corpus.eval,
            [corpus.relations[r] for r in corpus.eval_relations], config.model.max_sentence_length,
            config.model.max_description_length, config.fusion.top_k, config.fusion.target_precision, config.seed)
        point = {"step": step, "snapshot": str(path.relative_to(args.run)),
                 "fusion": {key: fusion_block[key] for key in ("topK", "biWeight", "crossWeight")}, "evalMetrics": eval_metrics}
        for name, (rows, rels) in sets.items():
            methods = _method_scores(bi, cross, tokenizer, config, rows, rels, fusion_block)
            emma = next(v for k, v in methods.items() if k.startswith("emma"))
            point[name] = {"methods": methods, "emmaMinusBi": round(emma["f1"] - methods["bi"]["f1"], 2),
                           "fullcrossMinusBi": round(methods["fullcross"]["f1"] - methods["bi"]["f1"], 2)}
        point["seconds"] = round(time.perf_counter() - started, 1)
        result["points"] = sorted(result["points"] + [point], key=lambda p: p["step"])
        result["machine"] = {"platform": platform.platform(), "processor": cpu_model(), "cpus": os.cpu_count(),
                             "torchThreads": config.run.torch_threads, "note": "shared with other jobs while it ran"}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        tmp.replace(args.out)  # each point lands as soon as it is scored
        print(json.dumps({"step": step, **{name: point[name]["emmaMinusBi"] for name in sets}, "seconds": point["seconds"]}), flush=True)
    return 0



if __name__ == "__main__":
    sys.exit(main())

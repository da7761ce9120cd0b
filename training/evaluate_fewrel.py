"""FewRel zero-shot result of an exported model, through the Python reference pipeline (int8 ONNX):

  python training/evaluate_fewrel.py --model EXPORT_DIR --split fewrel_m5_ori
      --out benchmarks/results/fewrel/fewrel_m5_ori.json [--data-dir ../shared/data]
      [--predictions FILE] [--max-per-relation N] [--run RUN_DIR] [--profile cpu|gpu|tiny]
      [--hard benchmarks/data/fewrel-hard-relations.json] [--threads 2]
      [--fullcross-sample 1000|all] [--sample-seed 0]

Methods and metrics as benchmarks/fewrel.ts (zsre_train/fewrel_eval.py says how). `--run` names
the training run folder, for the budget block (max per relation, steps); without it the budget
comes from the manifest's provenance alone. `--predictions` writes {"gold": [PID per sentence],
"<method>": [PID per sentence], ...} in the TypeScript benchmark's sentence order; `fullcross` holds
null for the sentences outside its sample.

Cost: the bi-encoder and EMMA (the cross-encoder on each sentence's bi-encoder top min(4, m)) on
every sentence; the full cross-encoder (every sentence against all m) on a fixed sample of
`--fullcross-sample` sentences (default 1,000, drawn with `--sample-seed`), recorded in the result's
`fullcrossSample`, its method row covering those sentences only (`sentences`). `--fullcross-sample
all` scores every sentence, as the first results did. Each pair is scored once (`crossPairs`).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from zsre_train.data.errors import DataFormatError  # noqa: E402
from zsre_train.machine import cpu_model  # noqa: E402
from zsre_train.fewrel_status import train_seconds  # noqa: E402
from zsre_train.fewrel_eval import (DEFAULT_FULLCROSS_SAMPLE, DEFAULT_SAMPLE_SEED, METHODS, EvaluationError,  # noqa: E402
                                    candidate_columns, hard_subset, load_hard_relations, method_rows, parse_split,
                                    read_manifest, score_split, test_items)

REPO_ROOT = Path(__file__).resolve().parent.parent


def _commit() -> str | None:
    if os.environ.get("ZSRE_COMMIT"):  # a copy of the tree without .git (the GPU machine) names its commit
        return os.environ["ZSRE_COMMIT"]
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=REPO_ROOT, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None



def _repo_path(path: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(REPO_ROOT)) if resolved.is_relative_to(REPO_ROOT) else str(resolved)


def budget(provenance: dict, run_dir: Path | None, profile: str | None) -> dict:
    """What the model was trained on: from the run folder when given, else the manifest's provenance."""
    block = {"profile": profile, "recipe": provenance.get("recipe"), "trainInstances": provenance.get("trainInstances"),
             "maxPerRelation": None, "biEncoderEpochs": (provenance.get("epochs") or {}).get("biEncoder"),
             "crossEncoderSteps": None, "device": (provenance.get("training") or {}).get("device"),
             "trainSeconds": None, "exportSeconds": None}
    if run_dir is not None:
        import yaml  # only for the run's config snapshot

        config = yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8"))
        run_info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
        block.update(maxPerRelation=config["data"]["max_per_relation"], biEncoderEpochs=config["bi_encoder"]["epochs"],
                     crossEncoderSteps=run_info["crossEncoder"]["steps"], trainInstances=run_info["trainInstances"],
                     device=run_info["device"], recipe=run_info["recipe"], trainSeconds=train_seconds(run_info))
        export_json = run_dir / "export.json"  # written by the drivers (fewrel_cpu.sh, device/train_fewrel.sh)
        if export_json.is_file():
            block["exportSeconds"] = json.loads(export_json.read_text(encoding="utf-8")).get("seconds")
    return block


def evaluate(args: argparse.Namespace) -> tuple[dict, dict]:
    started = time.perf_counter()
    m, seed = parse_split(args.split)
    manifest = read_manifest(args.model)
    hard = load_hard_relations(args.hard, args.split)
    items, relations = test_items(args.data_dir, args.split, args.max_per_relation)
    ids = [r.id for r in relations]

    def progress(done: int, total: int) -> None:
        print(f"{args.split}: scored {done}/{total} sentences x {m} relations", file=sys.stderr, flush=True)

    scoring_started = time.perf_counter()
    scores = score_split(args.model, manifest, items, relations, args.threads, progress,
                         fullcross_sample=args.fullcross_sample, sample_seed=args.sample_seed)
    scoring_seconds = time.perf_counter() - scoring_started
    gold = [item.relation for item in items]
    columns = candidate_columns(scores.bi_all, scores.top, scores.top_cross, manifest["fusion"], [x for x in METHODS if x != "fullcross"])
    predicted: dict[str, list[str | None]] = {method: [ids[c] for c in chosen] for method, chosen in columns.items()}
    fullcross: list[str | None] = [None] * len(items)
    for i, c in zip(scores.sample.tolist(), scores.sample_cross.argmax(axis=1).tolist()):
        fullcross[i] = ids[c]
    predicted["fullcross"] = fullcross
    sampled = len(scores.sample) < len(items)
    graphs = manifest["graphs"]
    result = {
        "benchmark": "fewrel-zero-shot",
        "split": args.split,
        "m": m,
        "seed": seed,
        "pipeline": "python-reference-onnx-int8",
        "testRelations": ids,
        "sentences": len(items),
        "perRelation": args.max_per_relation or "all",
        "model": {"directory": _repo_path(args.model), "name": manifest["name"],
                  "sha256": {"biEncoder": graphs["biEncoder"]["files"]["int8"]["sha256"],
                             "crossEncoder": graphs["crossEncoder"]["files"]["int8"]["sha256"]},
                  "provenance": manifest["provenance"]},
        "budget": budget(manifest["provenance"], args.run, args.profile),
        "settings": {"precision": "int8", "runtime": "onnxruntime (Python, CPU)", "threads": args.threads, "closedSet": True,
                     "scores": "bi-encoder scores of every sentence with all m test relations; cross-encoder scores of every "
                               f"sentence's bi-encoder top {scores.top.shape[1]} (emma2/3/4: manifest fusion over the top k) and, for "
                               + (f"a seeded sample of {len(scores.sample)} of the {len(items)} sentences" if sampled else "every sentence")
                               + ", with all m (fullcross); each pair scored once",
                     "fusion": {key: manifest["fusion"][key] for key in ("biWeight", "crossWeight")}},
        "environment": {"commit": _commit(), "machine": cpu_model(), "cpus": os.cpu_count(),
                        "createdAt": datetime.now(timezone.utc).isoformat(timespec="seconds")},
        "methods": method_rows(gold, predicted),
        "hardSubset": hard_subset(gold, predicted, hard),
        # The full cross-encoder's sentences: indices into the sentence order above (the predictions file's).
        "fullcrossSample": {"sentences": len(scores.sample), "of": len(items), "seed": args.sample_seed if sampled else None,
                            "sampled": sampled, "draw": "numpy default_rng(seed).choice(n, size, replace=False), sorted"},
        "crossPairs": scores.cross_pairs,
        "seconds": round(time.perf_counter() - started, 1),
        "scoringSeconds": round(scoring_seconds, 2),  # the encoders alone: n sentences x m bi + crossPairs cross
    }
    return result, {"gold": gold, **predicted}


def _sample_size(text: str) -> int | None:
    if text == "all":
        return None
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a positive number of sentences, or 'all'")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="FewRel zero-shot scores of an exported model (Python reference pipeline, int8 ONNX).")
    parser.add_argument("--model", required=True, type=Path, help="exported model directory (training/export.py)")
    parser.add_argument("--split", required=True, help="e.g. fewrel_m5_ori, fewrel_m15_43")
    parser.add_argument("--out", required=True, type=Path, help="result JSON, e.g. benchmarks/results/fewrel/fewrel_m5_ori.json")
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT.parent / "shared" / "data", help="data folder (default ../shared/data)")
    parser.add_argument("--predictions", type=Path, help="also write the gold and each method's predicted PID per sentence")
    parser.add_argument("--max-per-relation", type=int, help="first N sentences of each test relation (default: all)")
    parser.add_argument("--run", type=Path, help="the model's training run folder (budget block: max per relation, steps)")
    parser.add_argument("--profile", help="budget profile the recipe was written with (cpu, gpu, tiny)")
    parser.add_argument("--hard", type=Path, default=REPO_ROOT / "benchmarks" / "data" / "fewrel-hard-relations.json",
                        help="hard-relations file (training/hard_relations.py)")
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime intra-op threads (default 2)")
    parser.add_argument("--fullcross-sample", type=_sample_size, default=DEFAULT_FULLCROSS_SAMPLE,
                        help=f"sentences the full cross-encoder scores against all m: a number (default {DEFAULT_FULLCROSS_SAMPLE}) or 'all'")
    parser.add_argument("--sample-seed", type=int, default=DEFAULT_SAMPLE_SEED, help=f"seed of that sample (default {DEFAULT_SAMPLE_SEED})")
    args = parser.parse_args(argv)
    if args.max_per_relation is not None and args.max_per_relation < 1:
        parser.error("--max-per-relation: expected a positive integer")
    if args.run is not None and not (args.run / "run.json").is_file():
        parser.error(f"--run {args.run}: no run.json there; pass the finished run folder the model was exported from")
    try:
        result, predictions = evaluate(args)
    except (EvaluationError, DataFormatError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_name(args.out.name + ".partial")  # a killed run leaves no result file that looks finished
    partial.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    partial.replace(args.out)
    if args.predictions:
        args.predictions.parent.mkdir(parents=True, exist_ok=True)
        args.predictions.write_text(json.dumps(predictions) + "\n", encoding="utf-8")
    for row in result["methods"]:
        print(f"{args.split} {row['method']} ({row['sentences']} sentences): P={100 * row['precision']:.2f} R={100 * row['recall']:.2f} F1={100 * row['f1']:.2f} "
              f"macroF1={100 * row['macroF1']:.2f} acc={100 * row['accuracy']:.2f}")
    print(f"wrote {args.out} ({result['sentences']} sentences, {result['crossPairs']} cross-encoder pairs, {result['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

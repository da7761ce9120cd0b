"""Re-DocRED sentence pairs through a training run's bi-encoder, before any export (issue 21):

  python training/evaluate_documents.py --run training/runs/none/NAME --out benchmarks/results/none-training/NAME.json
      [--calibration-docs 50] [--measuring-docs 90] [--precision-target 0.7] [--data-dir ../shared/data]

Fits thresholds on the first --calibration-docs documents of the calibration part and measures on
the first --measuring-docs of the measuring part (the split and pairs of `npm run bench:documents`;
zsre_train/documents_eval.py), torch fp32, bi-encoder only. Rows: every relation, the relations
the run trained on, and those it never saw. For a run trained with none pairs keep
--measuring-docs <= 150 (redocred.RESERVED_MEASURING): later documents may have been trained on.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from zsre_train import documents_eval, fusion, redocred  # noqa: E402
from zsre_train.backbone import load_tokenizer  # noqa: E402
from zsre_train.config import load_config  # noqa: E402
from zsre_train.corpus import load_corpus, split_path  # noqa: E402
from zsre_train.data.descriptions import fewrel_relations, wikidata_relations  # noqa: E402
from zsre_train.data.splits import read_split  # noqa: E402
from zsre_train.heldout import held_out_sentences, macro_scores  # noqa: E402
from zsre_train.encode import prepare_descriptions, prepare_sentences, torch_bi_runner  # noqa: E402
from zsre_train.recipe import build_models  # noqa: E402
from zsre_train.machine import cpu_model  # noqa: E402
from zsre_train.scoring import score  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Re-DocRED sentence pairs through a run's bi-encoder (torch fp32).")
    parser.add_argument("--run", required=True, type=Path, help="run folder written by training/train.py")
    parser.add_argument("--out", required=True, type=Path, help="result JSON to write")
    parser.add_argument("--calibration-docs", type=int, default=50)
    parser.add_argument("--measuring-docs", type=int, default=90)
    parser.add_argument("--precision-target", type=float, default=documents_eval.PRECISION_TARGET)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--held-out-per-relation", type=int, default=100,
                        help="closed-set check: sentences per test relation of the run's FewRel split (default 100)")
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT.parent / "shared" / "data")
    args = parser.parse_args(argv)
    if not 1 <= args.calibration_docs <= redocred.RESERVED_CALIBRATION:
        parser.error(f"--calibration-docs must be 1..{redocred.RESERVED_CALIBRATION} (later calibration documents may be trained on)")
    if not 1 <= args.measuring_docs <= redocred.RESERVED_MEASURING:
        parser.error(f"--measuring-docs must be 1..{redocred.RESERVED_MEASURING} (later measuring documents may be trained on)")
    for name in ("run.json", "fusion.json", "bi_encoder.pt", "config.yaml"):
        if not (args.run / name).is_file():
            print(f"error: {args.run} has no {name}: finish training first", file=sys.stderr)
            return 2
    started = time.perf_counter()
    torch.set_num_threads(args.threads)
    config = load_config(args.run / "config.yaml")
    bi, _ = build_models(config)
    bi.load_state_dict(torch.load(args.run / "bi_encoder.pt", map_location="cpu"))
    bi.eval()
    block = json.loads((args.run / "fusion.json").read_text(encoding="utf-8"))
    params = fusion.FusionParams(block["biOnly"]["biWeight"], 0.0, block["biOnly"]["noneLogit"], block["biOnly"]["threshold"])
    trained = set(load_corpus(config, args.data_dir).train_relations)

    documents, pids = redocred.load_documents(args.data_dir)
    infos = {**wikidata_relations(args.data_dir), **fewrel_relations(args.data_dir)}
    relations = [infos[p] for p in pids]
    column = {p: c for c, p in enumerate(pids)}
    seen = {column[p] for p in pids if redocred.recipe_relation(p, trained) is not None}
    unseen = set(range(len(pids))) - seen
    calibration, measuring = redocred.split_documents(len(documents), redocred.DEFAULT_SEED, redocred.DEFAULT_CALIBRATION_SIZE)
    tokenizer = load_tokenizer()
    descriptions = prepare_descriptions(tokenizer, relations, config.model.max_description_length)
    runner = torch_bi_runner(bi, torch.device("cpu"))

    def part(indices: list[int]) -> documents_eval.PairDecisions:
        pairs = [p for i in indices for p in redocred.sentence_pairs(documents[i], i)]
        sentences = prepare_sentences(tokenizer, [p.instance for p in pairs], config.model.max_sentence_length)
        scores = score(bi_run=runner, tokenizer=tokenizer, sentences=sentences, descriptions=descriptions)
        gold = [frozenset(column[r] for r in p.gold) for p in pairs]
        return documents_eval.decisions(scores.bi_all, gold, params, block["topK"])

    fit_on = part(calibration[: args.calibration_docs])
    measured = part(measuring[: args.measuring_docs])
    thresholds = {"default (fusion.json biOnly, fitted on the FewRel eval relations)": params.threshold,
                  "best F1 (fitted on calibration)": documents_eval.best_f1_threshold(fit_on)}
    for_precision = documents_eval.precision_threshold(fit_on, args.precision_target)
    thresholds[f"precision {args.precision_target:.0%} (fitted on calibration)"] = for_precision
    rows = []
    for name, threshold in thresholds.items():
        if threshold is None:
            rows.append({"operatingPoint": name, "reachedOnCalibration": False})
            continue
        rows.append({"operatingPoint": name, "all": documents_eval.scores_at(measured, threshold),
                     "calibration": documents_eval.scores_at(fit_on, threshold),
                     "wrongAnswers": documents_eval.wrong_answers(measured, threshold),
                     "seenRelations": documents_eval.scores_at(measured, threshold, seen),
                     "unseenRelations": documents_eval.scores_at(measured, threshold, unseen)})
    oracle = documents_eval.best_f1_threshold(measured)
    rows.append({"operatingPoint": "best F1 of any threshold on the measuring documents (oracle, not a result)",
                 "all": documents_eval.scores_at(measured, oracle)})
    # Closed set on the split's test relations (never trained on): the none pairs must not cost this.
    # A split without test relations (the shipped model's: every FewRel relation but its 5 calibration
    # relations is trained on) is checked on its eval relations, the ones it never trained on.
    held_out_part = "test" if read_split(split_path(config, args.data_dir))["test"] else "eval"
    held_out, held_out_relations = held_out_sentences(config, args.data_dir, args.held_out_per_relation, held_out_part)
    closed = score(bi_run=runner, tokenizer=tokenizer,
                   sentences=prepare_sentences(tokenizer, held_out, config.model.max_sentence_length),
                   descriptions=prepare_descriptions(tokenizer, held_out_relations, config.model.max_description_length))
    closed_set = {"part": held_out_part, "relations": [r.id for r in held_out_relations], "sentences": len(held_out),
                  "bi": macro_scores([s.relation for s in held_out], [held_out_relations[c].id for c in closed.bi_all.argmax(axis=1)])}
    run_info = json.loads((args.run / "run.json").read_text(encoding="utf-8"))
    result = {
        "benchmark": "documents-python (Re-DocRED sentence pairs, bi-encoder of a training run)",
        "run": str(args.run), "recipe": run_info.get("recipe"), "commit": run_info.get("commit"),
        "nonePairs": run_info.get("nonePairs"), "trainInstances": run_info.get("trainInstances"),
        # bi_encoder.init_from as run.json records it ({run, sha256}); runs before that record kept only a path.
        "biEncoderInitFrom": run_info.get("biEncoderInitFrom") if isinstance(run_info.get("biEncoderInitFrom"), dict) else None,
        "biEncoderSteps": run_info.get("biEncoder", {}).get("steps"),
        "documents": {"seed": redocred.DEFAULT_SEED, "calibration": args.calibration_docs, "measuring": args.measuring_docs,
                      "calibrationPairs": len(fit_on.gold), "measuringPairs": len(measured.gold),
                      "measuringRelated": sum(1 for g in measured.gold if g)},
        "candidates": "the 96 DocRED relations (Wikidata ids; FewRel descriptions where FewRel has the relation, else Wikidata's)",
        "seenRelations": sorted(pids[c] for c in seen), "unseenRelations": sorted(pids[c] for c in unseen),
        "fusion": block["biOnly"], "rows": rows, "ranking": documents_eval.ranking(measured),
        "closedSetHeldOut": closed_set,
        "precision": "fp32 (torch, the reference pipeline)",
        "machine": {"cpu": cpu_model(), "cpus": os.cpu_count(), "threads": args.threads, "platform": platform.platform()},
        "createdAt": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    tmp.replace(args.out)
    for row in rows:
        print(row["operatingPoint"], json.dumps({k: v for k, v in row.items() if k != "operatingPoint"}))
    print(json.dumps(result["ranking"]))
    print("closed set, held-out FewRel relations:", json.dumps(closed_set["bi"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

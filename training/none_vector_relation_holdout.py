"""Does a "documents" calibration help relations it was not fitted with? (issue 21, a user's own relations)

The named calibration `documents` learns, from Re-DocRED calibration documents scored against the
96 DocRED relations, a per-sentence shift of the "no relation" logit (zsre_train.none_vector). Its
form knows nothing of the candidates, but what it learned is "this pair holds none of those 96":
on a user's own relations it might help (pairs of entities that hold nothing look alike whatever
the schema) or hurt (pairs holding a relation outside the 96 look like "none"). This trial measures
it, bi-encoder block only (no cross-encoder scores needed), with the relations split in two halves
by a seeded draw:

- candidates: half X of the relations only (a pair whose gold relations all lie in the other half
  holds "none" of X: what a user's schema sees);
- vectors fitted on the first `--fit-documents` calibration documents, measured on the rest;
- rows compared, each on X's candidates: no vector (the model's own biOnly block), a vector fitted
  with the *other* half Y as candidates (never saw X: a user's own relations), a vector fitted with
  X itself (what a calibration fitted on the user's schema gives), both halves swapped in turn.

Figures: best F1 over thresholds, recall where precision reaches 0.7 (on the measured documents'
curve), and precision / recall at the threshold read off the fitting documents for precision 0.7.
The sentence vectors come from fit_none_vector.py's score cache (documents-*.npz of the model's
manifest digest); the descriptions are encoded here.

    python training/none_vector_relation_holdout.py --model models/zsre-minilm-l6-general --cache DIR [--record FILE]
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fit_none_vector import builtin_relations  # noqa: E402
from evaluate_fewrel import _commit  # noqa: E402
from zsre_train import fusion, none_vector, redocred  # noqa: E402
from zsre_train.backbone import load_tokenizer  # noqa: E402
from zsre_train.encode import description_vectors, prepare_descriptions, top_k  # noqa: E402
from zsre_train.machine import cpu_model  # noqa: E402
from zsre_train.onnx_graphs import ort_bi_runner, session  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PRECISION = 0.7


def trial_parser(doc: str) -> argparse.ArgumentParser:
    """The arguments every trial on fit_none_vector.py's cached pairs takes; a trial adds its own."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True, help="fit_none_vector.py's --cache folder")
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--record", type=Path)
    return parser


def trial_inputs(args: argparse.Namespace, extra: tuple[str, ...] = ()) -> tuple[dict, dict]:
    """The model's manifest and its cached pairs (load_rows), from trial_parser's arguments."""
    manifest = json.loads((args.model / "manifest.json").read_text(encoding="utf-8"))
    return manifest, load_rows(args.cache / manifest["manifestSha256"][:12], extra)


def load_rows(cache: Path, extra: tuple[str, ...] = ()) -> dict:
    """The cached sentence pairs: vectors, document of each, gold sets, and any `extra` arrays (columns, bi, cross)."""
    parts = [np.load(file) for file in sorted(cache.glob("documents-*.npz"))]
    if not parts:
        raise SystemExit(f"error: no documents-*.npz in {cache}: run fit_none_vector.py with --cache first")
    return {**{key: np.concatenate([p[key] for p in parts]) for key in ("vectors", "groups", *extra)},
            "gold": [set(g.split("|")) - {""} for p in parts for g in p["gold"]]}


def candidates_of(rows: dict, d_vec: np.ndarray, ids: list[str], subset: np.ndarray, k: int) -> dict:
    """Top-k bi scores among the relations in `subset` (indices into ids) and which are gold."""
    bi_all = rows["vectors"] @ d_vec[subset].T
    columns = top_k(bi_all, k)
    bi = np.take_along_axis(bi_all, columns, axis=1)
    names = np.array(ids)[subset]
    right = np.array([[names[c] in gold for c in row] for row, gold in zip(columns, rows["gold"])])
    related = np.array([bool(gold & set(names)) for gold in rows["gold"]])
    return {"bi": bi, "right": right, "related": related, "target": np.where(right.any(axis=1), right.argmax(axis=1), -1),
            "top1": d_vec[subset][columns[:, 0]]}


def features_of(rows: dict, part: dict, kind: str) -> np.ndarray:
    """What the none shift reads: the sentence vector alone (the shipped form), or with its
    elementwise product with the top candidate's description vector (a form that can learn
    "the sentence does not match its best description" whatever the relation)."""
    if kind == "sentence":
        return rows["vectors"]
    return np.concatenate([rows["vectors"], rows["vectors"] * part["top1"]], axis=1)


def main(argv: list[str] | None = None) -> int:
    parser = trial_parser(__doc__)
    parser.add_argument("--fit-documents", type=int, default=150, help="calibration documents the vectors are fitted on; the rest are measured")
    parser.add_argument("--seed", type=int, default=0, help="draw of the relation halves")
    parser.add_argument("--l2", type=float, default=1e-6, help="L2 strength of the vectors (the shipped calibration's biOnly choice)")
    parser.add_argument("--features", choices=("sentence", "sentence+top1"), default="sentence")
    args = parser.parse_args(argv)
    manifest, rows = trial_inputs(args)
    _, ids = redocred.load_documents(args.data_dir)
    tokenizer = load_tokenizer()
    bi_run = ort_bi_runner(session(args.model / manifest["graphs"]["biEncoder"]["files"]["int8"]["file"], 2))
    d_vec = description_vectors(bi_run, prepare_descriptions(tokenizer, builtin_relations(ids), manifest["maxLength"]["description"]),
                                tokenizer.pad_token_id)
    block = manifest["fusion"]["biOnly"]
    params = fusion.FusionParams(block["biWeight"], 0.0, block["noneLogit"], 0.0)
    k = manifest["fusion"]["topK"]
    documents = np.unique(rows["groups"])
    fit_docs = np.isin(rows["groups"], documents[:args.fit_documents])
    halves = np.array_split(np.random.default_rng(args.seed).permutation(len(ids)), 2)
    l2 = args.l2

    def measure(part: dict, shift_fit, shift_measure) -> dict:
        fit_probs = fusion.probabilities(part["bi"][fit_docs], None, params, shift_fit)
        probs = fusion.probabilities(part["bi"][~fit_docs], None, params, shift_measure)
        right, related = part["right"][~fit_docs], int(part["related"][~fit_docs].sum())
        threshold = none_vector.threshold_for_precision(fit_probs, part["right"][fit_docs], int(part["related"][fit_docs].sum()), PRECISION)
        t_best, f1_best = none_vector.best_f1(probs, right, related)
        recall_at = max((none_vector.answered_f1(probs, right, related, t)[1] for t in np.unique(probs.max(axis=1))
                         if none_vector.answered_f1(probs, right, related, t)[0] >= PRECISION), default=0.0)
        p, r, f = none_vector.answered_f1(probs, right, related, threshold) if threshold is not None else (0.0, 0.0, 0.0)
        return {"bestF1": round(f1_best, 4), f"recallAtPrecision{PRECISION}": round(recall_at, 4),
                "thresholdFromFitDocuments": None if threshold is None else round(threshold, 4),
                "atThatThreshold": {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}}

    def vector(part: dict) -> tuple[np.ndarray, float]:
        fit_rows = none_vector.FitRows(features_of(rows, part, args.features)[fit_docs], part["bi"][fit_docs], None, part["target"][fit_docs])
        return none_vector.fit(fit_rows, params, l2)

    results = []
    for x, y in ((0, 1), (1, 0)):
        on_x = candidates_of(rows, d_vec, ids, np.sort(halves[x]), k)
        on_y = candidates_of(rows, d_vec, ids, np.sort(halves[y]), k)
        shifts = {}
        for name, part in (("fittedOnOtherRelations", on_y), ("fittedOnTheseRelations", on_x)):
            weights, bias = vector(part)
            features = features_of(rows, on_x, args.features)  # scored on X's candidates
            shifts[name] = (none_vector.none_shift(features[fit_docs], weights, bias),
                            none_vector.none_shift(features[~fit_docs], weights, bias))
        entry = {"candidates": sorted(np.array(ids)[halves[x]].tolist()),
                 "measuredPairs": int((~fit_docs).sum()), "measuredRelated": int(on_x["related"][~fit_docs].sum()),
                 "noVector": measure(on_x, None, None)}
        for name, (fit_shift, measure_shift) in shifts.items():
            entry[name] = measure(on_x, fit_shift, measure_shift)
        results.append(entry)
        print(json.dumps({k2: v for k2, v in entry.items() if k2 != "candidates"}), file=sys.stderr, flush=True)
    record = {"benchmark": "none-vector", "event": "relation-holdout", "model": str(args.model),
              "settings": {"fitDocuments": args.fit_documents, "measuredDocuments": int(len(documents) - args.fit_documents),
                           "seed": args.seed, "l2": l2, "features": args.features, "block": "biOnly", "precisionTarget": PRECISION,
                           "note": "documents only (the abstention set fit_none_vector.py adds is left out)"},
              "halves": results,
              "environment": {"commit": _commit(), "machine": cpu_model(), "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}}
    text = json.dumps(record, indent=2) + "\n"
    if args.record:
        args.record.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

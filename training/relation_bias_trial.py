"""Would per-relation biases improve the `documents` calibration? (issue 21: the trial that led to
fit_none_vector.py fitting them, and to the shipped calibration carrying them)

The shipped named calibration moves only the "no relation" logit, with the sentence's vector
(zsre_train.none_vector): it never reorders the relations. training/abstention_ceiling.py found
that knowing *which* relation is the top-1 adds a few points of best F1 to an abstainer: some
relations are answered right far more often than others. This trial adds one bias per relation id
to the relation logits of the fusion softmax,

    logit_j = biWeight * bi_j (+ crossWeight * cross_j) + beta[relation of candidate j]

fitted jointly with the none vector by maximum likelihood (L2 on both), on the calibration
documents' sentence pairs (candidates and scores from fit_none_vector.py's cache: the top-k of the
96 DocRED relations, with the cross-encoder's scores), and compares it with the none vector alone,
out of fold (4 folds by document, as fit_none_vector.py reads its threshold): best F1, and the
threshold for precision 0.7 read off those probabilities with its recall and F1. Unlike the none
vector, the biases can change which relation is the top-1: the share of related pairs whose gold
is the top-1 is reported too. Only the documents' pairs are fitted here (fit_none_vector.py also
adds the FewRel-style abstention set), so the no-bias row is this trial's own baseline.

    python training/relation_bias_trial.py --model models/zsre-minilm-l6-general --cache DIR [--record FILE]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from none_vector_relation_holdout import trial_inputs, trial_parser  # noqa: E402
from zsre_train import fusion, none_vector, redocred  # noqa: E402
from zsre_train.machine import repository_path, run_environment  # noqa: E402
from zsre_train.manifest import emit_record  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PRECISION = 0.7
FOLDS = 4
VECTOR_L2 = 1e-5  # the shipped calibration's choice for both blocks' vectors (fit record)
BIAS_L2 = (1e-4, 1e-3, 1e-2)


def main(argv: list[str] | None = None) -> int:
    args = trial_parser(__doc__).parse_args(argv)
    manifest, rows = trial_inputs(args, ("columns", "bi", "cross"))
    _, ids = redocred.load_documents(args.data_dir)
    gold = rows["gold"]
    right = np.array([[ids[c] in gold[i] for c in row] for i, row in enumerate(rows["columns"])])
    target = np.where(right.any(axis=1), right.argmax(axis=1), -1)
    related = int(sum(1 for g in gold if g))
    groups = rows["groups"]
    folds = np.array_split(np.random.default_rng(0).permutation(np.unique(groups)), FOLDS)

    results = []
    for block_name, use_cross in (("fused", True), ("biOnly", False)):
        block = manifest["fusion"]["biOnly"] if block_name == "biOnly" else manifest["fusion"]
        params = fusion.FusionParams(block["biWeight"], block["crossWeight"] if use_cross else 0.0, block["noneLogit"], 0.0)
        fit_rows = none_vector.FitRows(rows["vectors"], rows["bi"], rows["cross"] if use_cross else None, target, rows["columns"])
        for bias_l2 in (None, *BIAS_L2):
            probs = np.zeros(rows["bi"].shape)
            for part in folds:
                held = np.isin(groups, part)
                fitted = none_vector.fit_block(fit_rows.take(~held), params, VECTOR_L2, bias_l2, len(ids))
                probs[held] = fitted.probabilities(fit_rows.take(held), params)
            _, best = none_vector.best_f1(probs, right, related)
            threshold = none_vector.threshold_for_precision(probs, right, related, PRECISION)
            p, r, f = none_vector.answered_f1(probs, right, related, threshold) if threshold is not None else (0.0, 0.0, 0.0)
            top1 = probs.argmax(axis=1)
            results.append({"block": block_name, "relationBiases": bias_l2 is not None, "biasL2": bias_l2,
                            "outOfFoldBestF1": round(best, 4),
                            f"thresholdForPrecision{PRECISION}": None if threshold is None else round(threshold, 4),
                            "atThatThreshold": {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)},
                            "top1RightOfRelated": round(float(right[np.arange(len(top1)), top1].sum() / related), 4)})
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)

    record = {
        "benchmark": "none-vector", "event": "relation-bias-trial",
        "model": repository_path(args.model),
        "manifestSha256": manifest["manifestSha256"],
        "pairs": {"sentencePairs": len(target), "related": related, "documents": len(np.unique(groups)), "candidatesPerPair": int(rows["columns"].shape[1])},
        "settings": {"folds": FOLDS, "vectorL2": VECTOR_L2, "precision": PRECISION,
                     "fitted": "calibration documents' sentence pairs only (no abstention set)"},
        "results": results,
        "environment": run_environment(torch=torch.__version__),
    }
    emit_record(record, args.record)
    return 0


if __name__ == "__main__":
    sys.exit(main())

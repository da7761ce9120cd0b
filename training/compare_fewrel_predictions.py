"""Two runs of one FewRel split compared sentence by sentence: each method's F1 in both, the
difference, and a paired-bootstrap 95% interval of it (issue 24 item 1: "F1 unchanged within
noise" for a faster recipe).

    python training/compare_fewrel_predictions.py \\
        benchmarks/results/fewrel/fewrel_m10_ori.predictions.json \\
        benchmarks/results/fewrel-cpu-bf16/fewrel_m10_ori.predictions.json [--resamples 2000] [--out F]

Inputs are evaluate_fewrel.py's --predictions files ({"gold": [...], "<method>": [...]}, one label per
test sentence, None where a method did not score it: fullcross outside its sample). The bootstrap
draws the test sentences with replacement, the same draw for both runs, and recomputes the metric
of heldout.classification_scores (the papers' P/R/F1) on each draw; the interval covers the test
sample's noise only, not the noise between training runs (a reseeded run measures that).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from zsre_train.machine import repository_path  # noqa: E402


def weighted_f1(gold: np.ndarray, predicted: np.ndarray, weights: np.ndarray, n_labels: int) -> float:
    """classification_scores' f1 with each sentence counted `weights` times (integer label codes)."""
    gold_count = np.bincount(gold, weights=weights, minlength=n_labels)
    pred_count = np.bincount(predicted, weights=weights, minlength=n_labels)
    hits = np.bincount(gold, weights=weights * (gold == predicted), minlength=n_labels)
    classes = gold_count > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        p_c = np.where(pred_count > 0, hits / pred_count, 0.0)
    precision = p_c[classes].sum() / np.count_nonzero(pred_count > 0)
    recall = (hits[classes] / gold_count[classes]).mean()
    return float(2 * precision * recall / (precision + recall)) if precision + recall else 0.0


def compare(a: dict, b: dict, resamples: int, seed: int) -> list[dict]:
    if a["gold"] != b["gold"]:
        raise SystemExit("error: the two files have different gold labels: they are not the same split's test sentences")
    rng = np.random.default_rng(seed)
    rows = []
    for method in [m for m in a if m != "gold" and m in b]:
        keep = [i for i, (x, y) in enumerate(zip(a[method], b[method])) if x is not None and y is not None]
        if not keep:
            continue
        labels = sorted({a["gold"][i] for i in keep} | {a[method][i] for i in keep} | {b[method][i] for i in keep})
        code = {label: n for n, label in enumerate(labels)}
        gold = np.array([code[a["gold"][i]] for i in keep])
        pa = np.array([code[a[method][i]] for i in keep])
        pb = np.array([code[b[method][i]] for i in keep])
        ones = np.ones(len(keep))
        f1_a, f1_b = weighted_f1(gold, pa, ones, len(labels)), weighted_f1(gold, pb, ones, len(labels))
        diffs = []
        for _ in range(resamples):
            w = np.bincount(rng.integers(0, len(keep), len(keep)), minlength=len(keep)).astype(float)
            diffs.append(weighted_f1(gold, pb, w, len(labels)) - weighted_f1(gold, pa, w, len(labels)))
        low, high = np.percentile(diffs, [2.5, 97.5])
        rows.append({"method": method, "sentences": len(keep), "f1A": round(100 * f1_a, 2), "f1B": round(100 * f1_b, 2),
                     "difference": round(100 * (f1_b - f1_a), 2), "interval95": [round(100 * low, 2), round(100 * high, 2)],
                     "agreement": round(float(np.mean(pa == pb)), 4)})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path, help="predictions of the reference run")
    parser.add_argument("b", type=Path, help="predictions of the run compared with it")
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the comparison JSON here too")
    args = parser.parse_args(argv)
    if args.resamples < 100:
        raise SystemExit("error: --resamples must be at least 100 for a 95% interval")
    for path in (args.a, args.b):
        if not path.is_file():
            raise SystemExit(f"error: {path} not found: pass evaluate_fewrel.py --predictions files")
    rows = compare(json.loads(args.a.read_text(encoding="utf-8")), json.loads(args.b.read_text(encoding="utf-8")),
                   args.resamples, args.seed)
    for row in rows:
        print(f"{row['method']:>9}  {row['f1A']:6.2f} -> {row['f1B']:6.2f}  {row['difference']:+.2f} "
              f"[{row['interval95'][0]:+.2f}, {row['interval95'][1]:+.2f}]  agreement {100 * row['agreement']:.1f}%  "
              f"({row['sentences']} sentences)")
    if args.out:
        record = {"benchmark": "fewrel-paired-comparison", "a": repository_path(args.a), "b": repository_path(args.b),
                  "settings": {"resamples": args.resamples, "seed": args.seed, "interval": "paired bootstrap over test sentences, 2.5-97.5 percentiles"},
                  "methods": rows}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Builds the graph variants of a model's two encoders for the graph benchmark (benchmarks/graphs.ts), with
each variant's accuracy on the held-out calibration sentences and its batch invariance:

    python training/build_graph_variants.py --model models/zsre-minilm-l6-general --out tmp/graph-variants
                                            [--data-dir ../shared/data] [--threads 2] [--variants a,b,...]

Variants (zsre_train/graph_variants.py; all share the model's int8 weights):
  perTensor     dynamic int8, one activation scale per batch tensor (quantize_dynamic; before issue 13)
  perRow        per-row 7-bit activation scales (row_quant.py, what the exporter writes since issue 13)
  perRowFused   per-row scales, quantized by one per-axis QuantizeLinear
  static8       fixed activation scales calibrated on seen-relation sentences, uint8 (0..255), in
                onnxruntime's fused MatMulIntegerToFloat (as all static variants)
  static7       the same on 7 bits (0..127, exact on AVX2 CPUs without VNNI)
  static8w7     static8 with the int8 weights requantized to 7 bits (|w| <= 64: also exact on AVX2)
  fp32          the int8 weights dequantized into fp32 MatMuls (the model's fp32 weights are not kept)
  static8w7Pooled  static8w7 with the cross-encoder's last layer computed only at the rows it pools ([CLS]
                and any marker rows; zsre_train/pooled_layer.py); the bi-encoder is static8w7's

Writes OUT/<variant>/{bi,cross}_encoder.onnx, OUT/checks.json (calibration ranges, per-variant
accuracy and invariance, measured with Python's onnxruntime) and OUT/inputs.json (the token ids
the benchmark times: 32 held-out sentences padded to 40 tokens, 32 pairs padded to 64).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parent))

from zsre_train.graph_variants import (  # noqa: E402
    dequantized_fp32, fuse_int8_matmuls, per_row_fused, restore_per_tensor, seven_bit_weights, static_activations, static_scale)
from zsre_train.pooled_layer import pool_before_last_layer  # noqa: E402
from zsre_train.row_quant import per_row_activations  # noqa: E402
from zsre_train.text import cross_pair  # noqa: E402
from zsre_train.variant_checks import CALIBRATION_SENTENCES, calibrate, check_variant, load_check_data  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STEMS = {"biEncoder": "bi_encoder", "crossEncoder": "cross_encoder"}
VARIANTS = ["perTensor", "perRow", "perRowFused", "static8", "static7", "static8w7", "fp32", "static8w7Pooled"]
BI_TOKENS, CROSS_TOKENS, ROWS = 40, 64, 32


def per_row(dynamic: onnx.ModelProto) -> onnx.ModelProto:
    """row_quant.py's rewrite (what the exporter ships since issue 13), whatever the model ships now."""
    with tempfile.TemporaryDirectory() as tmp:
        onnx.save(dynamic, str(Path(tmp) / "dynamic.onnx"))
        per_row_activations(Path(tmp) / "dynamic.onnx", Path(tmp) / "per_row.onnx")
        return onnx.load(str(Path(tmp) / "per_row.onnx"))


def timing_inputs(data) -> dict:
    """Identical inputs for every variant: held-out sentences of <= BI_TOKENS tokens, padded to BI_TOKENS;
    pairs with their first description, of <= CROSS_TOKENS tokens, padded to CROSS_TOKENS."""
    pad = data.tokenizer.pad_token_id
    sentences = [s for s in data.sentences if len(s.input_ids) <= BI_TOKENS]
    sentences = sorted(sentences, key=lambda s: -len(s.input_ids))[:ROWS]  # the longest that fit: little padding
    pairs = [cross_pair(data.tokenizer, s.input_ids, data.descriptions[i % len(data.descriptions)]) for i, s in enumerate(data.sentences)]
    pairs = sorted([p for p in pairs if len(p[0]) <= CROSS_TOKENS], key=lambda p: -len(p[0]))[:ROWS]
    if len(sentences) < ROWS or len(pairs) < ROWS:
        raise SystemExit("not enough held-out sentences short enough for the timing inputs")
    return {
        "bi": {"tokens": BI_TOKENS, "rows": [{"ids": s.input_ids + [pad] * (BI_TOKENS - len(s.input_ids)), "length": len(s.input_ids),
                                               "headIndex": s.head_index, "tailIndex": s.tail_index} for s in sentences]},
        "cross": {"tokens": CROSS_TOKENS, "rows": [{"ids": ids + [pad] * (CROSS_TOKENS - len(ids)), "length": len(ids),
                                                     "typeIds": types + [0] * (CROSS_TOKENS - len(types))} for ids, types in pairs]},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build and check the graph variants that bench:graphs times.")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "zsre-minilm-l6-general")
    parser.add_argument("--out", type=Path, default=ROOT / "tmp" / "graph-variants")
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--source", type=Path, help="folder with the bi_encoder/cross_encoder int8 graphs to start from (dynamic or "
                        "per-row form; default: the model's own, which must not be static already)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated subset of {VARIANTS}")
    args = parser.parse_args(argv)
    chosen = [v for v in args.variants.split(",") if v]
    unknown = sorted(set(chosen) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown variants {unknown}; known: {VARIANTS}")
    started = time.time()
    manifest = json.loads((args.model / "manifest.json").read_text(encoding="utf-8"))
    shipped = {stem: args.model / manifest["graphs"][key]["files"]["int8"]["file"] for key, stem in STEMS.items()}
    cross_inputs = [i["name"] for i in manifest["graphs"]["crossEncoder"]["inputs"]]
    data = load_check_data(manifest, ROOT, args.data_dir)
    sources = shipped if args.source is None else {stem: args.source / path.name for stem, path in shipped.items()}
    per_tensor = {stem: restore_per_tensor(onnx.load(str(path))) for stem, path in sources.items()}
    with tempfile.TemporaryDirectory() as tmp:  # the calibration pairs come from the per-row graph (deterministic)
        pair_graph = Path(tmp) / "bi_encoder.onnx"
        onnx.save(per_row(per_tensor["bi_encoder"]), str(pair_graph))
        ranges = calibrate(per_tensor, data, pair_graph, cross_inputs, args.threads)
    build = {
        "perTensor": lambda stem: per_tensor[stem],
        "perRow": lambda stem: per_row(per_tensor[stem]),
        "perRowFused": lambda stem: per_row_fused(per_tensor[stem]),
        "static8": lambda stem: fuse_int8_matmuls(static_activations(per_tensor[stem], ranges[stem], 255)),
        "static7": lambda stem: fuse_int8_matmuls(static_activations(per_tensor[stem], ranges[stem], 127)),
        "static8w7": lambda stem: fuse_int8_matmuls(seven_bit_weights(static_activations(per_tensor[stem], ranges[stem], 255))),
        "fp32": lambda stem: dequantized_fp32(per_tensor[stem]),
    }
    build["static8w7Pooled"] = lambda stem: pool_before_last_layer(build["static8w7"](stem)) if stem == "cross_encoder" else build["static8w7"](stem)
    checks = {}
    for variant in chosen:
        folder = args.out / variant
        folder.mkdir(parents=True, exist_ok=True)
        for stem in STEMS.values():
            onnx.save(build[variant](stem), str(folder / f"{stem}.onnx"))
        t0 = time.time()
        checks[variant] = check_variant(folder / "bi_encoder.onnx", folder / "cross_encoder.onnx", data, args.threads, variant)
        print(f"{variant}: held-out {checks[variant]['heldOut']}, bit-identical across batches: "
              f"{checks[variant]['batchInvariance']['bitIdentical']} ({time.time() - t0:.0f} s)", flush=True)
    # A subset rebuild keeps the other variants' checks (the calibration is seeded, so their graphs are the same).
    previous = args.out / "checks.json"
    if previous.is_file():
        kept = json.loads(previous.read_text(encoding="utf-8"))["variants"]
        checks = {v: checks[v] if v in checks else kept[v] for v in VARIANTS if v in checks or (v in kept and (args.out / v).is_dir())}
    reference = checks.get("perRow")
    if reference is not None and "top1" in reference:
        for variant, result in [(v, r) for v, r in checks.items() if "top1" in r]:
            result["top1AgreementWithPerRow"] = {k: round(float(np.mean(np.array(result["top1"][k]) == np.array(reference["top1"][k]))), 4)
                                                 for k in ("fused", "biOnly")}
    record = {
        "model": str(args.model.resolve().relative_to(ROOT)) if args.model.resolve().is_relative_to(ROOT) else str(args.model),
        "builtAt": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "script": "training/build_graph_variants.py",
        "source": "the model's own int8 graphs" if args.source is None else str(args.source),
        "pythonOnnxruntime": ort.__version__,
        "threads": args.threads,
        "heldOutRelations": data.relations,
        "calibration": {"sentences": len(data.calibration_sentences), "descriptions": len(data.calibration_descriptions),
                        "pairsPerSentence": data.fusion["topK"], "relations": "the recipe's training (seen) relations, never the held-out ones",
                        "target": CALIBRATION_SENTENCES,
                        "ranges": {stem: {name: {"min": lo, "max": hi, "scale7": static_scale(lo, hi, 127)[0], "zeroPoint7": static_scale(lo, hi, 127)[1]}
                                          for name, (lo, hi) in r.items()} for stem, r in ranges.items()}},
        "variants": checks,
        "seconds": round(time.time() - started, 1),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "checks.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    (args.out / "inputs.json").write_text(json.dumps(timing_inputs(data)) + "\n", encoding="utf-8")
    print(f"wrote {args.out}/checks.json and inputs.json ({record['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Convert an exported model directory's int8 graphs to static activation quantization, in place:

    python training/requantize_static.py --model MODEL_DIR [--data-dir ../shared/data] [--activation-bits 8] [--weight-bits 7] [--record FILE]

Each DynamicQuantizeLinear (or row_quant.py's per-row quantization, which is undone first) becomes
a QuantizeLinear with a fixed scale and zero point per tensor, calibrated on sentences of the
recipe's seen (training) relations and their bi-encoder top-k cross-encoder pairs, never on the
held-out sentences that judge it (zsre_train/graph_variants.py, variant_checks.py). Each element
is then quantized on its own, so results are batch-invariant, without the per-row graphs' extra
reductions and corrections, and the MatMulInteger -> Cast -> Mul chain stays whole for
onnxruntime's fused int8 kernel. onnxruntime's AVX2 kernel without VNNI adds uint8 x int8 products
in pairs into int16 (row_quant.py's docstring); it stays exact when activations keep to 7 bits
(--activation-bits 7) or weights to 7 bits (--weight-bits 7: |w| <= 64, w' = round(w / 2) with its
scale doubled). The defaults, 8-bit activations and 7-bit weights, are the pair that passed the
accuracy gate on the shipped model (7-bit activations lost 0.8 points bi-encoder-only accuracy;
benchmarks/results/graphs.json).

Gates: the converted graphs give bit-identical outputs across batch size, order and padding (the
export gate's layouts, invariance.py), and on the held-out sentences of the calibration relations
(the manifest's exportChecks.heldOutRelations) neither accuracy nor macro F1, fused or
bi-encoder-only, falls more than MAX_DROP_POINTS below the graphs they replace. On success the
graphs and the manifest's sha256 fields are rewritten, the checks are recorded under
provenance.exportChecks.staticQuantization and the manifest is resealed; on any failure nothing in
the directory changes and the exit status is 1.
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import onnx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from zsre_train.graph_variants import (  # noqa: E402
    fuse_int8_matmuls, is_static, restore_per_tensor, seven_bit_weights, static_activations, static_scale)
from zsre_train.onnx_graphs import ExportError  # noqa: E402
from zsre_train.row_quant import per_row_activations  # noqa: E402
from zsre_train.variant_checks import calibrate, check_variant, load_check_data  # noqa: E402
from zsre_train.manifest import record_graph_sha256, write_edited_manifest  # noqa: E402
from zsre_train.conversion_cli import conversion_parser, run_conversion  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STEMS = {"biEncoder": "bi_encoder", "crossEncoder": "cross_encoder"}
MAX_DROP_POINTS = 0.3  # issue 23: never a silent accuracy loss


def gate(before: dict, after: dict) -> list[str]:
    """The accuracy and invariance failures of `after` (check_variant's result) against `before`."""
    problems = []
    if not after["batchInvariance"]["bitIdentical"]:
        problems.append(f"not bit-identical across batches: {after['batchInvariance']}")
    for kind, scores in after["heldOut"].items():
        for metric, value in scores.items():
            floor = before["heldOut"][kind][metric] - MAX_DROP_POINTS
            if value < floor - 1e-9:
                problems.append(f"{kind} {metric} {value} is more than {MAX_DROP_POINTS} points below {before['heldOut'][kind][metric]}")
    return problems


def convert(model: Path, data_dir: Path, threads: int, activation_bits: int, weight_bits: int) -> dict:
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    old = {stem: model / manifest["graphs"][key]["files"]["int8"]["file"] for key, stem in STEMS.items()}
    graphs = {stem: onnx.load(str(path)) for stem, path in old.items()}
    if any(is_static(graph) for graph in graphs.values()):
        raise ExportError(f"{model}: the int8 graphs already have static activation scales: nothing to convert")
    per_tensor = {stem: restore_per_tensor(graph) for stem, graph in graphs.items()}
    data = load_check_data(manifest, ROOT, data_dir)
    cross_inputs = [i["name"] for i in manifest["graphs"]["crossEncoder"]["inputs"]]
    with tempfile.TemporaryDirectory() as tmp:  # calibration pairs from the per-row form, as build_graph_variants.py
        pair_graph = Path(tmp) / "bi_encoder.onnx"
        onnx.save(per_tensor["bi_encoder"], str(Path(tmp) / "dynamic.onnx"))
        per_row_activations(Path(tmp) / "dynamic.onnx", pair_graph)
        ranges = calibrate(per_tensor, data, pair_graph, cross_inputs, threads)
    levels = {7: 127, 8: 255}[activation_bits]
    with tempfile.TemporaryDirectory() as tmp:
        new = {stem: Path(tmp) / path.name for stem, path in old.items()}
        for stem in old:
            graph = static_activations(per_tensor[stem], ranges[stem], levels)
            onnx.save(fuse_int8_matmuls(seven_bit_weights(graph) if weight_bits == 7 else graph), str(new[stem]))
        before = check_variant(old["bi_encoder"], old["cross_encoder"], data, threads, "current int8")
        after = check_variant(new["bi_encoder"], new["cross_encoder"], data, threads, "static int8")
        agreement = {k: round(sum(a == b for a, b in zip(before["top1"][k], after["top1"][k])) / len(after["top1"][k]), 4) for k in ("fused", "biOnly")}
        problems = gate(before, after)
        if problems:
            raise ExportError("static int8 fails the gate, keep the current graphs: " + "; ".join(problems))
        for stem, path in old.items():
            shutil.copyfile(new[stem], path)

    record_graph_sha256(manifest, {key: old[stem] for key, stem in STEMS.items()})
    record = {
        "convertedAt": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "script": "training/requantize_static.py",
        "bits": activation_bits,
        "weightBits": weight_bits,
        "replaced": "the per-row activation quantization of rowQuantization (undone to the DynamicQuantizeLinear form, then one fixed scale and zero point per tensor)",
        "calibration": {"sentences": len(data.calibration_sentences), "descriptions": len(data.calibration_descriptions),
                        "pairsPerSentence": data.fusion["topK"], "relations": "the recipe's training (seen) relations",
                        "tensors": {stem: len(r) for stem, r in ranges.items()},
                        "scales": {stem: {name: dict(zip(("scale", "zeroPoint"), static_scale(lo, hi, levels))) for name, (lo, hi) in r.items()}
                                   for stem, r in ranges.items()}},
        "heldOutSentences": after["heldOutSentences"],
        "heldOut": {"before": before["heldOut"], "after": after["heldOut"], "maxDropPoints": MAX_DROP_POINTS},
        "top1AgreementWithBefore": agreement,
        "batchInvariance": after["batchInvariance"],
    }
    manifest["provenance"]["exportChecks"]["staticQuantization"] = record
    write_edited_manifest(model, manifest)
    return record


def main(argv: list[str] | None = None) -> int:
    parser = conversion_parser("Give a model directory's int8 graphs static (calibrated) activation scales.", "data folder (calibration and held-out checks)")
    parser.add_argument("--activation-bits", type=int, choices=(7, 8), default=8, help="activation bits (uint8 range 0..127 or 0..255)")
    parser.add_argument("--weight-bits", type=int, choices=(7, 8), default=7, help="weight bits (7: requantize the int8 weights to |w| <= 64)")
    args = parser.parse_args(argv)
    if args.activation_bits == 8 and args.weight_bits == 8:
        print("warning: 8-bit activations and weights may saturate onnxruntime's AVX2 (non-VNNI) int8 kernel", file=sys.stderr)
    return run_conversion(args, lambda: convert(args.model, args.data_dir, args.threads, args.activation_bits, args.weight_bits),
                          "static-quantization", "requantized")


if __name__ == "__main__":
    sys.exit(main())

"""Convert an exported model directory's int8 graphs to per-row activation scales, in place:

    python training/requantize_rows.py --model MODEL_DIR [--data-dir ../shared/data] [--record FILE]

For models exported before the exporter did it itself (zsre_train.row_quant explains why).
Needs only the int8 graphs, not the fp32 weights. Gates, as the exporter's: the converted graphs
must be batch-invariant (invariance.py), and on the held-out sentences of the calibration
relations (the manifest's exportChecks.heldOutRelations, read with the recipe named in its
provenance) their accuracy may drop at most MAX_ACCURACY_DROP against the graphs they replace
(and against fp32 where the directory has it). On success the graphs and the manifest's sha256
fields are rewritten, the checks are recorded under provenance.exportChecks.rowQuantization;
on any failure nothing in the directory changes and the exit status is 1.
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from zsre_train.backbone import load_tokenizer  # noqa: E402
from zsre_train.config import load_config  # noqa: E402
from zsre_train.encode import prepare_descriptions, prepare_sentences  # noqa: E402
from zsre_train.export import MAX_ACCURACY_DROP, _held_out, _outputs  # noqa: E402
from zsre_train.invariance import batch_invariance  # noqa: E402
from zsre_train.onnx_graphs import ExportError, ort_bi_runner, ort_cross_runner, session  # noqa: E402
from zsre_train.row_quant import has_per_tensor_activations, per_row_activations  # noqa: E402
from zsre_train.manifest import record_graph_sha256, write_edited_manifest  # noqa: E402
from zsre_train.conversion_cli import conversion_parser, run_conversion  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STEMS = {"biEncoder": "bi_encoder", "crossEncoder": "cross_encoder"}


def _accuracy(outputs: dict, gold: np.ndarray) -> dict:
    return {name: round(float((outputs[key] == gold).mean()), 4) for name, key in (("fused", "fused_top1"), ("biOnly", "bi_top1"))}


def convert(model: Path, data_dir: Path, threads: int) -> dict:
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    old = {stem: model / manifest["graphs"][key]["files"]["int8"]["file"] for key, stem in STEMS.items()}
    if not all(has_per_tensor_activations(path) for path in old.values()):
        raise ExportError(f"{model}: the int8 graphs already quantize activations per row (or are not dynamic int8): nothing to convert")
    config = load_config(ROOT / manifest["provenance"]["recipe"])
    held_out, relations = _held_out(config, data_dir)
    expected = manifest["provenance"]["exportChecks"]["heldOutRelations"]
    if [r.id for r in relations] != expected:
        raise ExportError(f"the recipe's held-out relations {[r.id for r in relations]} are not the manifest's {expected}")
    tokenizer = load_tokenizer()
    sentences = prepare_sentences(tokenizer, held_out, manifest["maxLength"]["sentence"])
    descriptions = prepare_descriptions(tokenizer, relations, manifest["maxLength"]["description"])
    gold = np.array([[r.id for r in relations].index(s.relation) for s in held_out])
    fusion_block = manifest["fusion"]

    with tempfile.TemporaryDirectory() as tmp:
        new = {stem: Path(tmp) / path.name for stem, path in old.items()}
        replaced = {stem: per_row_activations(old[stem], new[stem]) for stem in old}
        runners = {"perTensor": old, "perRow": new}
        fp32 = {stem: model / manifest["graphs"][key]["files"]["fp32"]["file"] for key, stem in STEMS.items()}
        if all(path.is_file() for path in fp32.values()):
            runners["fp32"] = fp32
        runs = {name: (ort_bi_runner(session(paths["bi_encoder"], threads)), ort_cross_runner(session(paths["cross_encoder"], threads)))
                for name, paths in runners.items()}
        outputs = {name: _outputs(*run, tokenizer, sentences, descriptions, fusion_block) for name, run in runs.items()}
        accuracy = {name: _accuracy(out, gold) for name, out in outputs.items()}
        agreement = {key: round(float((outputs["perTensor"][key] == outputs["perRow"][key]).mean()), 4) for key in ("fused_top1", "bi_top1")}
        for baseline in [name for name in ("perTensor", "fp32") if name in accuracy]:
            for kind, value in accuracy["perRow"].items():
                if value < accuracy[baseline][kind] - MAX_ACCURACY_DROP:
                    raise ExportError(f"per-row int8 {kind} accuracy {value} is more than {MAX_ACCURACY_DROP} below {baseline}'s "
                                      f"{accuracy[baseline][kind]} on the held-out sentences: keep the old graphs")
        invariance = batch_invariance(*runs["perRow"], tokenizer, sentences, descriptions, fusion_block["topK"], "per-row int8")
        for stem, path in old.items():
            shutil.copyfile(new[stem], path)

    record_graph_sha256(manifest, {key: old[stem] for key, stem in STEMS.items()})
    record = {
        "convertedAt": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "script": "training/requantize_rows.py",
        "replacedNodes": replaced,
        "heldOutSentences": len(sentences),
        "heldOutAccuracy": accuracy,
        "top1AgreementWithPerTensor": {"fused": agreement["fused_top1"], "biOnly": agreement["bi_top1"]},
        "batchInvariance": invariance,
    }
    manifest["provenance"]["exportChecks"]["rowQuantization"] = record
    write_edited_manifest(model, manifest)
    return record


def main(argv: list[str] | None = None) -> int:
    parser = conversion_parser("Give a model directory's int8 graphs per-row activation scales (batch-invariant results).", "data folder for the held-out checks")
    args = parser.parse_args(argv)
    return run_conversion(args, lambda: convert(args.model, args.data_dir, args.threads), "row-quantization", "requantized")


if __name__ == "__main__":
    sys.exit(main())

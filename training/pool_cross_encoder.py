"""Make a model directory's int8 cross-encoder compute its last layer only at the rows it pools, in place:

    python training/pool_cross_encoder.py --model MODEL_DIR [--data-dir ../shared/data] [--threads 2] [--record FILE]

A cross-encoder reads one row of its last layer ([CLS]), or three (with the head and tail
markers); zsre_train/pooled_layer.py rewires the graph so that layer's query side (query
projection, attention, output projection, LayerNorms, feed-forward block) runs on those rows
alone, while keys and values still see every token (issue 23:
the cross-encoder is what EMMA pays over the bi-encoder). The bi-encoder is left alone: it reads
its sentence vector at the entity markers and its description vector as a mean over every token
from the same graph, so its last layer is needed at every token.

Gates, as training/requantize_static.py's: the rewired cross-encoder gives bit-identical outputs
across batch size, order and padding (the export gate's layouts), and on the held-out sentences of
the calibration relations (the manifest's exportChecks.heldOutRelations) neither accuracy nor macro
F1, fused or bi-encoder-only, falls more than MAX_DROP_POINTS below the graph it replaces. On
success the graph and the manifest's sha256 fields are rewritten, the checks are recorded under
provenance.exportChecks.pooledLastLayer and the manifest is resealed; on any failure nothing in the
directory changes and the exit status is 1.
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

from requantize_static import MAX_DROP_POINTS, gate  # noqa: E402
from zsre_train.conversion_cli import conversion_parser, run_conversion  # noqa: E402
from zsre_train.manifest import record_graph_sha256, write_edited_manifest  # noqa: E402
from zsre_train.onnx_graphs import ExportError  # noqa: E402
from zsre_train.pooled_layer import POOLED_MARKER, pool_before_last_layer  # noqa: E402
from zsre_train.variant_checks import check_variant, load_check_data  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def convert(model: Path, data_dir: Path, threads: int) -> dict:
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    if "crossEncoder" not in manifest["graphs"]:
        raise ExportError(f"{model}: the model has no cross-encoder")
    bi = model / manifest["graphs"]["biEncoder"]["files"]["int8"]["file"]
    cross = model / manifest["graphs"]["crossEncoder"]["files"]["int8"]["file"]
    pooled = pool_before_last_layer(onnx.load(str(cross)))  # raises on a graph it does not cover, or already pooled
    data = load_check_data(manifest, ROOT, data_dir)
    with tempfile.TemporaryDirectory() as tmp:
        new = Path(tmp) / cross.name
        onnx.save(pooled, str(new))
        before = check_variant(bi, cross, data, threads, "full last layer")
        after = check_variant(bi, new, data, threads, "pooled last layer")
        agreement = {k: round(sum(a == b for a, b in zip(before["top1"][k], after["top1"][k])) / len(after["top1"][k]), 4) for k in ("fused", "biOnly")}
        problems = gate(before, after)
        if problems:
            raise ExportError("the pooled last layer fails the gate, keep the current graph: " + "; ".join(problems))
        shutil.copyfile(new, cross)
    record_graph_sha256(manifest, {"crossEncoder": cross})
    record = {
        "convertedAt": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "script": "training/pool_cross_encoder.py",
        "graph": "crossEncoder",
        "rewrite": "the last layer's query side (query projection, attention, output projection, LayerNorms, feed-forward) "
                   "computed only at the rows the graph pools; keys and values over every token (zsre_train/pooled_layer.py)",
        "rows": json.loads(next(p.value for p in pooled.metadata_props if p.key == POOLED_MARKER))["rows"],
        "heldOutSentences": after["heldOutSentences"],
        "heldOut": {"before": before["heldOut"], "after": after["heldOut"], "maxDropPoints": MAX_DROP_POINTS},
        "top1AgreementWithBefore": agreement,
        "batchInvariance": after["batchInvariance"],
    }
    manifest["provenance"]["exportChecks"]["pooledLastLayer"] = record
    write_edited_manifest(model, manifest)
    return record


def main(argv: list[str] | None = None) -> int:
    parser = conversion_parser("Compute the int8 cross-encoder's last layer only at the rows it pools.", "data folder (held-out checks)")
    args = parser.parse_args(argv)
    return run_conversion(args, lambda: convert(args.model, args.data_dir, args.threads), "pooled-last-layer", "converted")


if __name__ == "__main__":
    sys.exit(main())

"""Fit the adaptive cross-encoder gate of an exported model and store it in its manifest:

    python training/fit_cross_gate.py --model MODEL_DIR [--data-dir ../shared/data] [--max-changed 0.01] [--record FILE]

Scores the calibration relations' sentences (manifest.fusion.fittedOn.relations, read with the
recipe named in the provenance, as fusion was fitted) with the model's int8 graphs, exactly as
the runtime does, and writes manifest.fusion.crossGate (zsre_train.cross_gate explains the gate).
Needs only the int8 graphs. Exits 1 without changing anything when no gate meets --max-changed.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from zsre_train import cross_gate  # noqa: E402
from zsre_train.backbone import load_tokenizer  # noqa: E402
from zsre_train.config import load_config  # noqa: E402
from zsre_train.export import _held_out  # noqa: E402
from zsre_train.onnx_graphs import ExportError, ort_bi_runner, ort_cross_runner, session  # noqa: E402
from zsre_train.manifest import write_edited_manifest, emit_record  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def fit(model: Path, data_dir: Path, max_changed: float, threads: int) -> dict:
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    block = manifest["fusion"]
    config = load_config(ROOT / manifest["provenance"]["recipe"])
    sentences, relations = _held_out(config, data_dir)
    fitted_on = block.get("fittedOn", {}).get("relations")
    if [r.id for r in relations] != fitted_on:
        raise ExportError(f"the recipe's calibration relations {[r.id for r in relations]} are not the ones fusion was fitted on ({fitted_on})")
    graphs = manifest["graphs"]
    bi_run = ort_bi_runner(session(model / graphs["biEncoder"]["files"]["int8"]["file"], threads))
    cross_run = ort_cross_runner(session(model / graphs["crossEncoder"]["files"]["int8"]["file"], threads))
    gate, report = cross_gate.fit_cross_gate(bi_run, cross_run, load_tokenizer(), sentences, relations, block,
                                             manifest["maxLength"]["sentence"], manifest["maxLength"]["description"],
                                             config.seed, "int8", max_changed)
    if gate is None:
        raise ExportError(f"no gate changes fewer than {max_changed} of the decisions: keep the cross-encoder always on ({report})")
    gate["fittedOn"]["script"] = "training/fit_cross_gate.py"
    block["crossGate"] = gate
    write_edited_manifest(model, manifest)
    return {"crossGate": gate, **report}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fit manifest.fusion.crossGate (skip the cross-encoder when the bi-encoder is sure).")
    parser.add_argument("--model", required=True, type=Path, help="model directory")
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data", help="data folder with the calibration relations")
    parser.add_argument("--max-changed", type=float, default=cross_gate.MAX_CHANGED, help="largest share of calibration decisions the gate may change")
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime intra-op threads")
    parser.add_argument("--record", type=Path, help="also write the fit as JSON to this file")
    args = parser.parse_args(argv)
    try:
        record = fit(args.model, args.data_dir, args.max_changed, args.threads)
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    emit_record({"benchmark": "cross-gate", "event": "cross-gate-fitted", "model": str(args.model), **record}, args.record)
    return 0


if __name__ == "__main__":
    sys.exit(main())

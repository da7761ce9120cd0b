"""Fit the adaptive cross-encoder gate of an exported model and store it in its manifest:

    python training/fit_cross_gate.py --model MODEL_DIR [--data-dir ../shared/data] [--criterion changed|harmed] [--budget 0.01]
        [--documents N] [--record FILE] [--held-out-check]

Scores the calibration relations' sentences (manifest.fusion.fittedOn.relations, read with the
recipe named in the provenance, as fusion was fitted) with the model's int8 graphs, exactly as
the runtime does, and writes manifest.fusion.crossGate (zsre_train.cross_gate explains the gate).
Needs only the int8 graphs. Exits 1 without changing anything when no gate meets --budget.
--criterion: zsre_train.cross_gate explains both; "changed" (the default) is the shipped one.

--documents N also scores every sentence pair of the first N Re-DocRED calibration documents (the
ones fit_none_vector.py fits on and bench:documents never measures on; 96 DocRED relations as
candidates; cached per 25 documents in .zsre-cache/fit-none-vector/, shared with fit_none_vector.py)
and keeps the budget there too: a gate fitted on FewRel sentences alone once answered far more
often on running text, where most pairs hold nothing (benchmarks/results/cross-gate-trial/).

--held-out-check also scores the calibration relations' other sentences (the ones neither fusion
nor the gate was fitted on; about 5 min on 2 threads) and reports there what the new gate, the
gate the model had before and the gate of the other criterion do: relation F1 against the
always-on pipeline, and cross-encoder pairs a sentence.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from zsre_train import cross_gate  # noqa: E402
from zsre_train.backbone import load_tokenizer  # noqa: E402
from zsre_train.config import load_config  # noqa: E402
from zsre_train.corpus import load_corpus  # noqa: E402
from zsre_train.export import _held_out  # noqa: E402
from zsre_train.onnx_graphs import ExportError, ort_bi_runner, ort_cross_runner, session  # noqa: E402
from zsre_train.manifest import write_edited_manifest, emit_record  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _other_sentences(config, data_dir: Path, used: list) -> list:
    """The calibration relations' sentences that _held_out (fusion's and the gate's fitting set) did not take."""
    wide = dataclasses.replace(config, data=dataclasses.replace(config.data, max_eval_per_relation=10**6, max_per_relation=1))
    taken = {(s.relation, s.tokens, s.head, s.tail) for s in used}
    return [s for s in load_corpus(wide, data_dir).eval if (s.relation, s.tokens, s.head, s.tail) not in taken]


def _documents(manifest: dict, data_dir: Path, count: int, runners, log) -> tuple:
    """(bi, cross, target) of the calibration documents' sentence pairs; target -1: no relation."""
    from fit_none_vector import score_documents  # the same scoring, cache and targets as the none-vector fit

    cache = ROOT / ".zsre-cache" / "fit-none-vector" / manifest.get("manifestSha256", "unsealed")[:12]
    docs = score_documents(manifest, data_dir, count, cache, runners, load_tokenizer(), log)
    return docs["bi"].astype("float64"), docs["cross"].astype("float64"), docs["target"]


def fit(model: Path, data_dir: Path, budget: float, threads: int, held_out_check: bool = False, criterion: str = "changed",
        documents: int = 0) -> dict:
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
    also = None
    if documents:
        also = {"documents": _documents(manifest, data_dir, documents, (bi_run, cross_run), lambda m: print(m, file=sys.stderr, flush=True))}
    gate, report = cross_gate.fit_cross_gate(bi_run, cross_run, load_tokenizer(), sentences, relations, block,
                                             manifest["maxLength"]["sentence"], manifest["maxLength"]["description"],
                                             config.seed, "int8", budget, criterion, also)
    check = None
    if held_out_check and gate is not None:
        others = _other_sentences(config, data_dir, sentences)
        bi, cross, target = cross_gate.score_with_targets(bi_run, cross_run, load_tokenizer(), others, relations, block["topK"],
                                                          manifest["maxLength"]["sentence"], manifest["maxLength"]["description"], config.seed)
        gates = {"fitted": (gate["minConfidence"], gate["minCandidateProbability"], gate.get("unscoredCrossScore"))}
        if block.get("crossGate"):
            before = block["crossGate"]
            gates["before"] = (before["minConfidence"], before.get("minCandidateProbability", 0.0), before.get("unscoredCrossScore"))
        if report.get("otherCriterion"):
            other = report["otherCriterion"]
            gates[f"{other['criterion']}Criterion"] = (other["minConfidence"], other["minCandidateProbability"], other.get("unscoredCrossScore"))
        check = {"sentences": len(others), "note": "the calibration relations' sentences that neither fusion nor the gate was fitted on, same protocol",
                 **{name: cross_gate.gate_outcome(bi, cross, target, block, *pair) for name, pair in gates.items()}}
    if gate is None:
        raise ExportError(f"no gate meets the {criterion} budget of {budget}: keep the cross-encoder always on ({report})")
    gate["fittedOn"]["script"] = "training/fit_cross_gate.py"
    block["crossGate"] = gate
    write_edited_manifest(model, manifest)
    return {"crossGate": gate, **report, **({} if check is None else {"heldOutCheck": check})}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fit manifest.fusion.crossGate (skip the cross-encoder when the bi-encoder is sure).")
    parser.add_argument("--model", required=True, type=Path, help="model directory")
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data", help="data folder with the calibration relations")
    parser.add_argument("--criterion", choices=cross_gate.CRITERIA, default="changed",
                        help="what the budget counts: decisions changed (default) or made wrong that the always-on pipeline gets right")
    parser.add_argument("--budget", type=float, default=cross_gate.BUDGET, help="largest share of calibration decisions the criterion allows")
    parser.add_argument("--documents", type=int, default=0,
                        help="also keep the budget on the sentence pairs of the first N Re-DocRED calibration documents (default 0: none)")
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime intra-op threads")
    parser.add_argument("--record", type=Path, help="also write the fit as JSON to this file")
    parser.add_argument("--held-out-check", action="store_true", help="also compare the gates on the calibration relations' other sentences")
    args = parser.parse_args(argv)
    try:
        if args.documents < 0:
            raise ExportError(f"--documents {args.documents}: expected a number of documents >= 0")
        record = fit(args.model, args.data_dir, args.budget, args.threads, args.held_out_check, args.criterion, args.documents)
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    emit_record({"benchmark": "cross-gate", "event": "cross-gate-fitted", "model": str(args.model), **record}, args.record)
    return 0


if __name__ == "__main__":
    sys.exit(main())

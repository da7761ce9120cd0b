"""Shorter cross-encoder pairs: what does reading only a window of the marked sentence around the
two entities, and a capped description, cost in accuracy and save in time?

    python training/measure_pair_window.py --model MODEL_DIR [--sentences 600] [--out FILE]

On the model's held-out calibration relations (never trained on; the recipe named in its
provenance), with its int8 graphs: the bi-encoder's top-k candidates as usual, then the
cross-encoder on pairs built from the sentence re-windowed to N tokens (the same window rules as
the full sentence: entities and markers kept, context cut around them) and the description cut
to D tokens. Reports fused and cross-only top-1 accuracy (closed set), mean pair length and CPU
seconds of the cross-encoder per pair, for each (N, D).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from zsre_train import fusion  # noqa: E402
from zsre_train.backbone import load_tokenizer  # noqa: E402
from zsre_train.config import load_config  # noqa: E402
from zsre_train.encode import cross_scores, description_vectors, prepare_descriptions, prepare_sentences, sentence_vectors, top_k  # noqa: E402
from zsre_train.export import _held_out  # noqa: E402
from zsre_train.onnx_graphs import ort_bi_runner, ort_cross_runner, session  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = [(128, 64), (64, 32), (48, 24), (32, 16)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--sentences", type=int, default=600)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    manifest = json.loads((args.model / "manifest.json").read_text(encoding="utf-8"))
    config = load_config(ROOT / manifest["provenance"]["recipe"])
    held_out, relations = _held_out(config, args.data_dir)
    held_out = held_out[: args.sentences]
    tokenizer = load_tokenizer()
    graphs = manifest["graphs"]
    bi_run = ort_bi_runner(session(args.model / graphs["biEncoder"]["files"]["int8"]["file"], args.threads))
    cross_run = ort_cross_runner(session(args.model / graphs["crossEncoder"]["files"]["int8"]["file"], args.threads))
    block = manifest["fusion"]
    params = fusion.FusionParams(block["biWeight"], block["crossWeight"], block["noneLogit"], block["threshold"])
    gold = np.array([[r.id for r in relations].index(s.relation) for s in held_out])

    full_sentences = prepare_sentences(tokenizer, held_out, manifest["maxLength"]["sentence"])
    full_descriptions = prepare_descriptions(tokenizer, relations, manifest["maxLength"]["description"])
    pad = tokenizer.pad_token_id
    bi_all = sentence_vectors(bi_run, full_sentences, pad) @ description_vectors(bi_run, full_descriptions, pad).T
    columns = top_k(bi_all, block["topK"])
    bi = np.take_along_axis(bi_all, columns, axis=1)
    rows = []
    for sentence_length, description_length in SETTINGS:
        sentences = prepare_sentences(tokenizer, held_out, sentence_length)
        descriptions = prepare_descriptions(tokenizer, relations, description_length)
        started = time.process_time()
        cross = cross_scores(cross_run, tokenizer, sentences, descriptions, columns)
        seconds = time.process_time() - started
        probs = fusion.probabilities(bi, cross, params)
        fused_top1 = columns[np.arange(len(columns)), probs.argmax(axis=1)]
        cross_top1 = columns[np.arange(len(columns)), cross.argmax(axis=1)]
        lengths = [len(s.input_ids) + len(descriptions[c]) - 1 for s, row in zip(sentences, columns) for c in row]
        row = {"sentenceTokens": sentence_length, "descriptionTokens": description_length,
               "fusedAccuracy": round(float((fused_top1 == gold).mean()), 4),
               "crossTop1Accuracy": round(float((cross_top1 == gold).mean()), 4),
               "meanPairTokens": round(float(np.mean(lengths)), 1),
               "cpuMsPerPair": round(1000 * seconds / columns.size, 2)}
        print(json.dumps(row), flush=True)
        rows.append(row)
    result = {"benchmark": "pair-window", "model": str(args.model), "relations": [r.id for r in relations],
              "sentences": len(held_out), "topK": block["topK"], "precision": "int8", "threads": args.threads,
              "biOnlyTop1Accuracy": round(float((columns[:, 0] == gold).mean()), 4), "settings": rows,
              "note": "closed set among the 5 calibration relations; CPU time of the cross-encoder on a shared 2-core machine"}
    if args.out is not None:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

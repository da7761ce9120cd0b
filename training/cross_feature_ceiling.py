"""Does the cross-encoder know "no relation" better than the bi-encoder? (issue 21, a trial)

abstention_ceiling.py measured post-hoc abstainers on the bi-encoder's sentence vector: about
48 best F1 at most on Re-DocRED sentence pairs. The cross-encoder reads the pair and a
description together, so its pooled representation of (sentence pair, top-1 description) might
say "this sentence does not state that relation" where the sentence vector cannot. This trial
exposes the tensor the cross-encoder's head reads (its pooled [CLS] or marker vector, the int8
graph unchanged otherwise), runs every calibration sentence pair with its bi-encoder top-1
description through it, and fits the same out-of-fold abstainers (logistic, MLP; 4 folds by
document) on feature sets with and without it. Every feature set has the top-3 bi and cross
scores, the bi margin and the top-1 relation.

    python training/cross_feature_ceiling.py --model models/zsre-minilm-l6-general --cache DIR [--record FILE]

--cache is fit_none_vector.py's (documents-*.npz under the manifest digest, with their cross
scores); the pooled features are cached beside them (cross-pooled-top1.npy). The cross scores the
exposed graph returns are checked against the cached ones (they must be equal).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parent))

from abstention_ceiling import curve, out_of_fold, structure_features  # noqa: E402
from fit_none_vector import builtin_relations  # noqa: E402
from none_vector_relation_holdout import trial_inputs, trial_parser  # noqa: E402
from zsre_train import redocred  # noqa: E402
from zsre_train.backbone import load_tokenizer  # noqa: E402
from zsre_train.encode import prepare_descriptions  # noqa: E402
from zsre_train.machine import repository_path, run_environment  # noqa: E402
from zsre_train.manifest import emit_record  # noqa: E402
from zsre_train.text import cross_pair, pad_batch, prepare_sentence  # noqa: E402

BATCH = 64


def pooled_tensor(graph: onnx.ModelProto) -> str:
    """The float tensor the head's MatMul reads (before its QuantizeLinear, in an int8 graph)."""
    producers = {output: node for node in graph.graph.node for output in node.output}
    head = next(node for node in graph.graph.node if node.output[0].startswith("/head/"))
    name = head.input[0]
    while name in producers and producers[name].op_type == "QuantizeLinear":
        name = producers[name].input[0]
    return name


def pooled_features(model: Path, manifest: dict, sentences: list, descriptions: list, columns: np.ndarray, threads: int) -> tuple[np.ndarray, np.ndarray]:
    """Pooled vector and score of each (sentence, description column) pair; batches by length."""
    graph = onnx.load(str(model / manifest["graphs"]["crossEncoder"]["files"]["int8"]["file"]))
    pooled = pooled_tensor(graph)
    graph.graph.output.append(onnx.helper.make_tensor_value_info(pooled, onnx.TensorProto.FLOAT, None))
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    sess = ort.InferenceSession(graph.SerializeToString(), options, providers=["CPUExecutionProvider"])
    inputs = {i.name for i in sess.get_inputs()}
    tokenizer = load_tokenizer()
    encoded = [cross_pair(tokenizer, sentences[i].input_ids, descriptions[c]) for i, c in enumerate(columns)]
    order = sorted(range(len(encoded)), key=lambda p: len(encoded[p][0]))
    features, scores = None, np.zeros(len(encoded), dtype=np.float32)
    for start in range(0, len(order), BATCH):
        batch = order[start:start + BATCH]
        ids, mask = pad_batch([encoded[p][0] for p in batch], tokenizer.pad_token_id)
        types, _ = pad_batch([encoded[p][1] for p in batch], 0)
        feed = {"input_ids": np.array(ids, dtype=np.int64), "attention_mask": np.array(mask, dtype=np.int64),
                "token_type_ids": np.array(types, dtype=np.int64),
                "head_index": np.array([sentences[p].head_index for p in batch], dtype=np.int64),
                "tail_index": np.array([sentences[p].tail_index for p in batch], dtype=np.int64)}
        score, vector = sess.run(["score", pooled], {k: v for k, v in feed.items() if k in inputs})
        if features is None:
            features = np.zeros((len(encoded), vector.shape[1]), dtype=np.float32)
        features[batch], scores[batch] = vector, score.reshape(-1)
        if start % (BATCH * 50) == 0:
            print(f"pooled features: {start}/{len(order)} pairs", file=sys.stderr, flush=True)
    return features, scores


def main(argv: list[str] | None = None) -> int:
    parser = trial_parser(__doc__)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    manifest, rows = trial_inputs(args, ("columns", "bi", "cross"))
    documents, ids = redocred.load_documents(args.data_dir)
    calibration, _ = redocred.split_documents(len(documents), redocred.DEFAULT_SEED, redocred.DEFAULT_CALIBRATION_SIZE)
    calibration = calibration[:len(np.unique(rows["groups"]))]
    cache = args.cache / manifest["manifestSha256"][:12] / "cross-pooled-top1.npy"
    top = rows["columns"][:, 0]
    if cache.exists():
        features = np.load(cache)
    else:
        tokenizer = load_tokenizer()
        sentences = [prepare_sentence(tokenizer, pair.instance.tokens, pair.instance.head, pair.instance.tail, manifest["maxLength"]["sentence"])
                     for d in calibration for pair in redocred.sentence_pairs(documents[d], d)]
        if len(sentences) != len(top):
            raise SystemExit(f"error: {len(sentences)} sentence pairs enumerated, the cache holds {len(top)}: a cache of another document split?")
        descriptions = prepare_descriptions(tokenizer, builtin_relations(ids), manifest["maxLength"]["description"])
        features, scores = pooled_features(args.model, manifest, sentences, descriptions, top, args.threads)
        difference = float(np.abs(scores - rows["cross"][:, 0]).max())
        if difference != 0.0:
            raise SystemExit(f"error: the exposed graph's scores differ from the cached ones by up to {difference}: not the same graph?")
        np.save(cache, features)
    gold, groups = rows["gold"], rows["groups"]
    right = np.array([ids[t] in g for t, g in zip(top, gold)])
    related = int(sum(1 for g in gold if g))
    scores = np.hstack([rows["bi"], rows["cross"], rows["bi"][:, :1] - rows["bi"][:, 1:2]])
    relation = np.eye(len(ids))[top]
    structure = structure_features(documents, calibration)
    feature_sets = {
        "sentence vector": np.hstack([rows["vectors"], scores, relation]),
        "cross pooled vector": np.hstack([features, scores, relation]),
        "sentence vector + cross pooled vector": np.hstack([rows["vectors"], features, scores, relation]),
        "sentence vector + cross pooled vector + pair structure": np.hstack([rows["vectors"], features, scores, relation, structure]),
    }
    abstainers = []
    for name, x in feature_sets.items():
        for kind in ("logistic", "mlp"):
            abstainers.append({"features": name, "classifier": kind, **curve(out_of_fold(kind, x, right, groups), right, related)})
            print(abstainers[-1], file=sys.stderr, flush=True)
    record = {
        "benchmark": "none-vector", "event": "cross-feature-ceiling",
        "model": repository_path(args.model), "manifestSha256": manifest["manifestSha256"],
        "pairs": {"sentencePairs": len(right), "related": related, "documents": len(calibration),
                  "top1RightOfRelated": round(float(right.sum() / related), 4)},
        "settings": {"answer": "the bi-encoder's top-1 relation", "crossPooled": f"{features.shape[1]} floats the cross-encoder's head reads, for the pair with its top-1 description",
                     "everyFeatureSet": "top-3 bi and cross scores, the bi margin, the top-1 relation (one-hot)"},
        "abstainers": abstainers,
        "environment": run_environment(),
    }
    emit_record(record, args.record)
    return 0


if __name__ == "__main__":
    sys.exit(main())

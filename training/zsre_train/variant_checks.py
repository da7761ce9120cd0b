"""Data for the graph variants (graph_variants.py): calibration feeds from seen relations, and the
checks every variant gets, accuracy on the held-out calibration sentences and batch invariance.

Calibration never sees the evaluation sentences: its sentences come from the recipe's training
relations (the corpus' `train`), the held-out checks from its eval relations, exactly those
named by the manifest's provenance.exportChecks.heldOutRelations (as requantize_rows.py checks).
"""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import onnx
import onnxruntime as ort

from .backbone import load_tokenizer
from .config import load_config
from .corpus import load_corpus
from .encode import prepare_descriptions, prepare_sentences, sentence_vectors, description_vectors, top_k
from .export import _held_out, _outputs
from .graph_variants import activation_ranges, probe, quantized_activations
from .invariance import batch_invariance
from .onnx_graphs import ExportError, ort_bi_runner, ort_cross_runner, session
from .text import SentenceInput, cross_pair, pad_batch

CALIBRATION_SENTENCES = 512  # sentences of seen relations; their top-3 pairs calibrate the cross-encoder
CALIBRATION_BATCH = 32


@dataclass
class CheckData:
    tokenizer: object
    sentences: list[SentenceInput]
    descriptions: list[list[int]]
    gold: np.ndarray
    relations: list[str]
    fusion: dict
    calibration_sentences: list[SentenceInput]
    calibration_descriptions: list[list[int]]


def load_check_data(manifest: dict, root: Path, data_dir: Path) -> CheckData:
    config = load_config(root / manifest["provenance"]["recipe"])
    held_out, relations = _held_out(config, data_dir)
    expected = manifest["provenance"]["exportChecks"]["heldOutRelations"]
    if [r.id for r in relations] != expected:
        raise ExportError(f"the recipe's held-out relations {[r.id for r in relations]} are not the manifest's {expected}")
    tokenizer = load_tokenizer()
    # a few sentences of every seen relation (FewRel and extra sets), then a seeded sample of them
    small = dataclasses.replace(config, data=dataclasses.replace(config.data, max_per_relation=4, max_eval_per_relation=1,
                                                                 max_per_extra_relation=4))
    corpus = load_corpus(small, data_dir)
    if set(corpus.train_relations) & set(expected):
        raise ExportError("calibration relations overlap the held-out relations")
    rng = np.random.default_rng(config.seed)
    seen = [corpus.train[i] for i in rng.permutation(len(corpus.train))[:CALIBRATION_SENTENCES]]
    max_s, max_d = manifest["maxLength"]["sentence"], manifest["maxLength"]["description"]
    return CheckData(
        tokenizer=tokenizer,
        sentences=prepare_sentences(tokenizer, held_out, max_s),
        descriptions=prepare_descriptions(tokenizer, relations, max_d),
        gold=np.array([[r.id for r in relations].index(s.relation) for s in held_out]),
        relations=expected,
        fusion=manifest["fusion"],
        calibration_sentences=prepare_sentences(tokenizer, seen, max_s),
        calibration_descriptions=prepare_descriptions(tokenizer, [corpus.relations[p] for p in corpus.train_relations], max_d),
    )


def _bi_feed(ids, mask, head, tail) -> dict:
    return {"input_ids": np.array(ids, np.int64), "attention_mask": np.array(mask, np.int64),
            "head_index": np.array(head, np.int64), "tail_index": np.array(tail, np.int64)}


def bi_calibration_feeds(data: CheckData) -> Iterator[dict]:
    pad = data.tokenizer.pad_token_id
    rows = data.calibration_sentences
    for i in range(0, len(rows), CALIBRATION_BATCH):
        batch = rows[i:i + CALIBRATION_BATCH]
        ids, mask = pad_batch([r.input_ids for r in batch], pad)
        yield _bi_feed(ids, mask, [r.head_index for r in batch], [r.tail_index for r in batch])
    for i in range(0, len(data.calibration_descriptions), CALIBRATION_BATCH):
        batch = data.calibration_descriptions[i:i + CALIBRATION_BATCH]
        ids, mask = pad_batch(batch, pad)
        yield _bi_feed(ids, mask, [0] * len(batch), [0] * len(batch))


def cross_calibration_feeds(data: CheckData, bi_graph: Path, cross_inputs: list[str], k: int, threads: int) -> Iterator[dict]:
    """Each calibration sentence with its bi-encoder top-k seen-relation descriptions (what the cross-encoder sees)."""
    run = ort_bi_runner(session(bi_graph, threads))
    pad = data.tokenizer.pad_token_id
    s = sentence_vectors(run, data.calibration_sentences, pad)
    d = description_vectors(run, data.calibration_descriptions, pad)
    columns = top_k(s @ d.T, k)
    pairs = [(cross_pair(data.tokenizer, sent.input_ids, data.calibration_descriptions[c]), sent)
             for sent, cols in zip(data.calibration_sentences, columns) for c in cols]
    for i in range(0, len(pairs), CALIBRATION_BATCH):
        batch = pairs[i:i + CALIBRATION_BATCH]
        ids, mask = pad_batch([p[0][0] for p in batch], pad)
        types, _ = pad_batch([p[0][1] for p in batch], 0)
        feed = {"input_ids": np.array(ids, np.int64), "attention_mask": np.array(mask, np.int64),
                "token_type_ids": np.array(types, np.int64),
                "head_index": np.array([p[1].head_index for p in batch], np.int64),
                "tail_index": np.array([p[1].tail_index for p in batch], np.int64)}
        yield {name: feed[name] for name in cross_inputs}


def probe_runner(model: onnx.ModelProto, threads: int):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    sess = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return lambda feed: dict(zip(names, sess.run(names, feed)))


def calibrate(per_tensor: dict[str, onnx.ModelProto], data: CheckData, bi_for_pairs: Path, cross_inputs: list[str], threads: int) -> dict:
    """Activation ranges of each encoder's quantized tensors (dynamic form) over the seen-relation calibration data;
    the cross-encoder's pairs are each sentence with its top-k descriptions by the `bi_for_pairs` graph."""
    bi, cross = per_tensor["bi_encoder"], per_tensor["cross_encoder"]
    return {
        "bi_encoder": activation_ranges(probe_runner(probe(bi), threads), bi_calibration_feeds(data), quantized_activations(bi)),
        "cross_encoder": activation_ranges(probe_runner(probe(cross), threads),
                                           cross_calibration_feeds(data, bi_for_pairs, cross_inputs, data.fusion["topK"], threads),
                                           quantized_activations(cross)),
    }


def macro_f1(predicted: np.ndarray, gold: np.ndarray, classes: int) -> float:
    scores = []
    for c in range(classes):
        tp = float(((predicted == c) & (gold == c)).sum())
        fp = float(((predicted == c) & (gold != c)).sum())
        fn = float(((predicted != c) & (gold == c)).sum())
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


# check_variant's results by the graphs' bytes and the check data: an export's pooled-layer step
# checks as "before" the very static graphs the static step has just checked as "after".
_checked: dict[tuple, dict] = {}


def _check_key(bi: Path, cross: Path, data: CheckData, threads: int) -> tuple:
    digest = hashlib.sha256()
    for path in (bi, cross):
        digest.update(path.read_bytes())
    digest.update(json.dumps([[[int(i) for i in s.input_ids], int(s.head_index), int(s.tail_index)] for s in data.sentences]).encode())
    digest.update(json.dumps([[[int(i) for i in d] for d in data.descriptions], data.gold.tolist(), data.fusion], sort_keys=True).encode())
    return digest.hexdigest(), threads


def check_variant(bi: Path, cross: Path, data: CheckData, threads: int, label: str) -> dict:
    """Held-out accuracy and macro F1 (fused, bi-only; in points) and the batch-invariance diffs (never raises on them).
    The same graphs (by content) on the same data are checked once per process."""
    key = _check_key(bi, cross, data, threads)
    if key not in _checked:
        _checked[key] = _check_variant(bi, cross, data, threads, label)
    return copy.deepcopy(_checked[key])


def _check_variant(bi: Path, cross: Path, data: CheckData, threads: int, label: str) -> dict:
    runs = (ort_bi_runner(session(bi, threads)), ort_cross_runner(session(cross, threads)))
    out = _outputs(*runs, data.tokenizer, data.sentences, data.descriptions, data.fusion)
    classes = len(data.descriptions)
    held_out = {name: {"accuracy": round(100 * float((out[key] == data.gold).mean()), 2),
                       "macroF1": round(100 * macro_f1(out[key], data.gold, classes), 2)}
                for name, key in (("fused", "fused_top1"), ("biOnly", "bi_top1"))}
    diffs = batch_invariance(*runs, data.tokenizer, data.sentences, data.descriptions, data.fusion["topK"], label, max_diff=math.inf)
    invariant = all(diffs[key] == 0.0 for key in ("sentenceVector", "descriptionVector", "crossScore"))
    return {"heldOut": held_out, "heldOutSentences": len(data.sentences), "batchInvariance": {**diffs, "bitIdentical": invariant},
            "top1": {"fused": out["fused_top1"].tolist(), "biOnly": out["bi_top1"].tolist()}}

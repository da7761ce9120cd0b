"""FewRel zero-shot scores of an EXPORTED model directory through the Python reference pipeline:
the int8 ONNX graphs in onnxruntime (CPU), scored by scoring.score, the chain that export.py's
gates and parity.json use and that the TypeScript runtime reproduces.

Mirrors benchmarks/fewrel.ts so that the two can be compared sentence by sentence:
- sentences: every instance of each `test` relation in split-file order, training file then
  validation file, first mention of each entity (benchmarks/lib/datasets.ts `fewrelItems`);
- relations: fewrel/pid2name.json names and descriptions; all m test relations are candidates
  (closed set, no abstention);
- methods (a pair's cross score does not depend on the other candidates nor on its batch: graphs
  with per-row activation scales are batch-invariant, so each pair is scored once, in any order):
    bi        argmax of the bi-encoder cosine, every sentence against all m;
    emmaK     the manifest's fusion (biWeight * bi + crossWeight * cross) over the bi-encoder's
              top min(K, m) (stable order on ties), argmax (lib/emmaFromScores.ts); the
              cross-encoder scores every sentence's top min(4, m) once, and emma2/3 read the
              prefix of those columns (the same numbers as scoring all m);
    fullcross argmax of the cross-encoder score over all m (the cross-encoder alone), on a fixed,
              seeded sample of the sentences (`fullcross_sample`; None = every sentence): at
              m = 15 it is most of the cost (m pairs per sentence instead of 4);
- metrics: heldout.classification_scores (lib/metrics.ts): P/R/F1 of ZS-BERT / RE-Matching /
  EMMA, accuracy and macroF1, as fractions.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from transformers import AutoTokenizer

from .data.descriptions import pid2name_relations
from .data.fewrel import read_fewrel
from .data.instance import Instance, RelationInfo
from .data.splits import read_split
from .encode import CrossRunner, prepare_descriptions, prepare_sentences, top_k
from .heldout import classification_scores
from .manifest import sha256
from .onnx_graphs import ort_bi_runner, ort_cross_runner, session
from .scoring import score
from .text import DESCRIPTION_TEMPLATE, MARKERS, NAME_ONLY_TEMPLATE, SentenceInput, cross_pair, pad_batch

METHODS = ("bi", "emma2", "emma3", "emma4", "fullcross")
EMMA_MAX_K = 4  # the cross-encoder scores each sentence's bi-encoder top min(EMMA_MAX_K, m)
DEFAULT_FULLCROSS_SAMPLE = 1000  # sentences the full cross-encoder scores against all m
DEFAULT_SAMPLE_SEED = 0
FEWREL_FILES = ("fewrel/train_wiki_rebuilt.json", "fewrel/val_wiki.json")  # the order fewrelItems reads them in
CHUNK = 1000  # sentences scored per pass: bounds the memory of the m x n pair lists at m = 15


class EvaluationError(RuntimeError):
    """The model directory, split or hard-relations file cannot be evaluated as asked."""


def parse_split(split: str) -> tuple[int, str]:
    """"fewrel_m10_41" -> (10, "41")."""
    parts = split.split("_")
    if len(parts) != 3 or parts[0] != "fewrel" or not parts[1].startswith("m") or not parts[1][1:].isdigit():
        raise EvaluationError(f"Invalid split {split!r}: expected fewrel_m<m>_<seed>, e.g. fewrel_m5_ori")
    return int(parts[1][1:]), parts[2]


def test_items(data_dir: Path, split: str, max_per_relation: int | None = None) -> tuple[list[Instance], list[RelationInfo]]:
    """The split's test sentences in the TypeScript benchmark's order, and its m test relations."""
    m, seed = parse_split(split)
    test = read_split(data_dir / "fewrel" / "splits" / f"fewrel_rel2id_{m}_{seed}.json")["test"]
    files = [read_fewrel(data_dir / name) for name in FEWREL_FILES]
    items: list[Instance] = []
    for pid in test:
        instances = [row for file in files for row in file.get(pid, [])]
        if not instances:
            raise EvaluationError(f"FewRel has no instances of {pid} in {data_dir}/fewrel: pass the data folder that holds them")
        items.extend(instances[:max_per_relation])
    return items, pid2name_relations(test, data_dir)


def method_columns(bi_all: np.ndarray, cross_all: np.ndarray, fusion: dict, methods: Sequence[str] = METHODS) -> dict[str, np.ndarray]:
    """Each method's chosen candidate column per sentence, from (n, m) bi and cross scores."""
    m = bi_all.shape[1]
    chosen = {}
    top = top_k(bi_all, min(EMMA_MAX_K, m))
    top_cross = np.take_along_axis(cross_all, top, axis=1)
    for method in methods:
        if method == "fullcross":
            chosen[method] = cross_all.argmax(axis=1)
        else:
            chosen.update(candidate_columns(bi_all, top, top_cross, fusion, [method]))
    return chosen


def candidate_columns(bi_all: np.ndarray, top: np.ndarray, top_cross: np.ndarray, fusion: dict,
                      methods: Sequence[str] = ("bi", "emma2", "emma3", "emma4")) -> dict[str, np.ndarray]:
    """bi and emmaK columns per sentence from the (n, m) bi scores and the cross scores of the
    bi-encoder's top columns only: `top` (n, K) = top_k(bi_all, K), `top_cross` (n, K) their cross
    scores; emmaK needs min(k, m) <= K and reads the first columns of `top` (top_k is stable, so the
    top k is the prefix of the top K)."""
    m = bi_all.shape[1]
    rows = np.arange(len(bi_all))
    chosen = {}
    for method in methods:
        if method == "bi":
            chosen[method] = bi_all.argmax(axis=1)
        elif method.startswith("emma") and method[4:].isdigit():
            k = min(int(method[4:]), m)
            if k > top.shape[1]:
                raise EvaluationError(f"{method} needs the cross scores of the bi-encoder's top {k}; only {top.shape[1]} were scored")
            columns = top[:, :k]
            fused = fusion["biWeight"] * np.take_along_axis(bi_all, columns, axis=1) + fusion["crossWeight"] * top_cross[:, :k]
            chosen[method] = columns[rows, fused.argmax(axis=1)]
        else:
            raise EvaluationError(f"Unknown method {method!r}: expected some of {', '.join(METHODS)}")
    return chosen


def sample_indices(n: int, size: int | None, seed: int) -> np.ndarray:
    """Sorted indices of a fixed, seeded sample of `size` of n sentences (all n when size is None or >= n)."""
    if size is None or size >= n:
        return np.arange(n)
    if size < 1:
        raise EvaluationError(f"fullcross sample of {size} sentences: expected a positive number, or None for all")
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def method_rows(gold: Sequence[str], predicted: dict[str, list[str | None]]) -> list[dict]:
    """[{method, precision, recall, f1, accuracy, macroF1, sentences}] in `predicted`'s order; a
    method's None labels (sentences it did not score: fullcross outside its sample) are left out
    of its row, and `sentences` says how many it covers."""
    rows = []
    for method, labels in predicted.items():
        keep = [i for i, label in enumerate(labels) if label is not None]
        if keep:
            rows.append({"method": method, **classification_scores([gold[i] for i in keep], [labels[i] for i in keep])})
    return rows


def hard_subset(gold: Sequence[str], predicted: dict[str, list[str | None]], hard: Sequence[str]) -> dict:
    """The same scores on the sentences whose gold relation is hard (candidates stay all m)."""
    keep = [i for i, g in enumerate(gold) if g in set(hard)]
    if not keep:
        return {"relations": list(hard), "sentences": 0, "methods": []}
    sub_gold = [gold[i] for i in keep]
    return {"relations": list(hard), "sentences": len(keep),
            "methods": method_rows(sub_gold, {method: [labels[i] for i in keep] for method, labels in predicted.items()})}


def load_hard_relations(path: Path, split: str) -> list[str]:
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise EvaluationError(f"Hard-relations file not found: {path}; write it with python training/hard_relations.py") from error
    if split not in table.get("splits", {}):
        raise EvaluationError(f"{path} has no entry for {split}: regenerate it with python training/hard_relations.py")
    return list(table["splits"][split]["hard"])


def read_manifest(model_dir: Path) -> dict:
    """The manifest, checked for what this pipeline can reproduce: the int8 graphs' sha256 and the text rules."""
    path = model_dir / "manifest.json"
    if not path.is_file():
        raise EvaluationError(f"{model_dir} has no manifest.json: export a finished run with python training/export.py")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for graph in ("biEncoder", "crossEncoder"):
        entry = manifest["graphs"][graph]["files"]["int8"]
        actual = sha256(model_dir / entry["file"])
        if actual != entry["sha256"]:
            raise EvaluationError(f"{model_dir / entry['file']}: sha256 {actual[:12]}... differs from the manifest's "
                                  f"{entry['sha256'][:12]}...: the folder was changed after export; export it again")
    if manifest["markers"] != MARKERS or manifest["description"] != {"template": DESCRIPTION_TEMPLATE, "nameOnlyTemplate": NAME_ONLY_TEMPLATE}:
        raise EvaluationError(f"{path}: markers or description templates differ from zsre_train/text.py's; "
                              "this Python pipeline prepares text only by those rules")
    return manifest


Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SplitScores:
    bi_all: np.ndarray  # (n, m) bi-encoder cosine of every sentence with every test relation
    top: np.ndarray  # (n, K) the bi-encoder's top K columns, K = min(EMMA_MAX_K, m)
    top_cross: np.ndarray  # (n, K) cross-encoder scores of those columns
    sample: np.ndarray  # (s,) sorted indices of the sentences the full cross-encoder scored
    sample_cross: np.ndarray  # (s, m) their cross-encoder scores with all m relations
    cross_pairs: int  # cross-encoder pairs scored (each pair once)


def pair_scores(run: CrossRunner, tokenizer, sentences: Sequence[SentenceInput], descriptions: Sequence[Sequence[int]],
                pairs: Sequence[tuple[int, int]], batch_size: int = 64) -> np.ndarray:
    """Cross-encoder score of each (sentence, description column) pair, in `pairs`' order. Batches
    are formed after sorting the pairs by length (less padding; the runtime batches this way too,
    and the int8 graphs are batch-invariant, checked by the export gates)."""
    if not pairs:
        return np.zeros(0, dtype=np.float32)
    encoded = [cross_pair(tokenizer, sentences[i].input_ids, descriptions[c]) for i, c in pairs]
    order = sorted(range(len(pairs)), key=lambda p: len(encoded[p][0]))
    out = np.zeros(len(pairs), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        b = order[start:start + batch_size]
        ids, mask = pad_batch([encoded[p][0] for p in b], tokenizer.pad_token_id)
        types, _ = pad_batch([encoded[p][1] for p in b], 0)
        # The sentence opens the pair, so its marker positions are the pair's too.
        head = np.array([sentences[pairs[p][0]].head_index for p in b], dtype=np.int64)
        tail = np.array([sentences[pairs[p][0]].tail_index for p in b], dtype=np.int64)
        scores = run(np.array(ids, dtype=np.int64), np.array(mask, dtype=np.int64), np.array(types, dtype=np.int64), head, tail)
        out[b] = np.asarray(scores).reshape(-1)
    return out


def score_split(model_dir: Path, manifest: dict, items: Sequence[Instance], relations: Sequence[RelationInfo],
                threads: int, on_progress: Progress | None = None, fullcross_sample: int | None = None,
                sample_seed: int = DEFAULT_SAMPLE_SEED) -> SplitScores:
    """Bi-encoder scores of every sentence with every relation; cross-encoder scores of every
    sentence's bi-encoder top K, and of the sampled sentences with all m (each pair once); int8
    graphs, chunk by chunk."""
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))  # the exported tokenizer, as the runtime loads it
    files = {g: model_dir / manifest["graphs"][g]["files"]["int8"]["file"] for g in ("biEncoder", "crossEncoder")}
    bi_run = ort_bi_runner(session(files["biEncoder"], threads))
    cross_run = ort_cross_runner(session(files["crossEncoder"], threads))
    descriptions = prepare_descriptions(tokenizer, relations, manifest["maxLength"]["description"])
    m, n = len(relations), len(items)
    k = min(EMMA_MAX_K, m)
    sample = sample_indices(n, fullcross_sample, sample_seed)
    in_sample = np.zeros(n, dtype=bool)
    in_sample[sample] = True
    bi_parts, top_parts, top_cross_parts, sample_cross_parts = [], [], [], []
    pairs_scored = 0
    for start in range(0, n, CHUNK):
        chunk = prepare_sentences(tokenizer, items[start:start + CHUNK], manifest["maxLength"]["sentence"])
        # Sentences encoded shortest first (less padding; batch-invariant graphs), rows put back in order.
        by_length = sorted(range(len(chunk)), key=lambda i: len(chunk[i].input_ids))
        bi_all = np.empty((len(chunk), m), dtype=np.float32)
        bi_all[by_length] = score(bi_run=bi_run, tokenizer=tokenizer, sentences=[chunk[i] for i in by_length],
                                  descriptions=descriptions).bi_all
        top = top_k(bi_all, k)
        sampled = np.flatnonzero(in_sample[start:start + len(chunk)])
        # Sampled sentences: all m pairs (their top K is read from them); the others: the top K only.
        pairs = [(i, int(c)) for i in range(len(chunk)) if not in_sample[start + i] for c in top[i]]
        pairs += [(int(i), c) for i in sampled for c in range(m)]
        flat = pair_scores(cross_run, tokenizer, chunk, descriptions, pairs)
        pairs_scored += len(pairs)
        cross = np.full((len(chunk), m), np.nan, dtype=np.float32)
        for (i, c), value in zip(pairs, flat):
            cross[i, c] = value
        bi_parts.append(bi_all)
        top_parts.append(top)
        top_cross_parts.append(np.take_along_axis(cross, top, axis=1))
        sample_cross_parts.append(cross[sampled])
        if on_progress:
            on_progress(min(start + CHUNK, n), n)
    return SplitScores(bi_all=np.concatenate(bi_parts), top=np.concatenate(top_parts), top_cross=np.concatenate(top_cross_parts),
                       sample=sample, sample_cross=np.concatenate(sample_cross_parts).reshape(len(sample), m), cross_pairs=pairs_scored)

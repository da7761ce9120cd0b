"""How far can "no relation" on real text go without training the encoders? (issue 21, a trial)

The shipped model's `documents` calibration is a linear function of the sentence's bi-encoder
vector that moves the "no relation" logit (zsre_train.none_vector). This trial asks whether a
richer post-hoc abstainer on the same frozen encoder would reach the issue's target (precision
70% and F1 60 on sentence pairs), or whether only a model trained with pairs that hold nothing can:

1. **Abstainer**: a classifier of "the bi-encoder's top-1 relation is right" (a pair holding no
   relation never is), out of fold (4 folds by document) on the calibration documents' sentence
   pairs, with the 96 DocRED relations as candidates. Feature sets: the sentence vector; plus the
   top-3 bi scores and the top-1 margin; plus the top-1 relation (one-hot, a per-relation bias);
   plus the pair's structure (log token distance between the two mentions, other entity mentions
   between them, log sentence length, head first, the entity-type pair of Re-DocRED's gold
   entities: 36 one-hots). Classifiers: L2 logistic regression and a one-hidden-layer MLP (torch).
2. **Examples from labelled documents**: each relation's description vector moved toward the
   prototype (normalised mean) of K of its related sentence pairs from the first half of the
   calibration documents, descriptions ∥d + alpha * prototype∥-normalised; measured on the second
   half with the logistic abstainer on vector + scores + top-1 relation, out of fold there.

Figures: best F1 over thresholds of the classifier's probability (answering the top-1 relation)
and recall where precision reaches 0.7; the ceiling is the share of related pairs whose gold is
the top-1 relation (an abstainer can only choose which top-1 answers to give).

    python training/abstention_ceiling.py --model models/zsre-minilm-l6-general --cache DIR [--record FILE]

--cache is fit_none_vector.py's: the sentence vectors of the calibration documents (documents-*.npz
under the manifest digest); nothing is scored here but the 96 descriptions.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fit_none_vector import builtin_relations  # noqa: E402
from none_vector_relation_holdout import trial_inputs, trial_parser  # noqa: E402
from zsre_train import redocred  # noqa: E402
from zsre_train.backbone import load_tokenizer  # noqa: E402
from zsre_train.encode import description_vectors, prepare_descriptions  # noqa: E402
from zsre_train.machine import repository_path, run_environment  # noqa: E402
from zsre_train.manifest import emit_record  # noqa: E402
from zsre_train.onnx_graphs import ort_bi_runner, session  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PRECISION = 0.7
FOLDS = 4
LOGISTIC_C = 0.01  # strong L2: 1,000+ features, ~18,000 pairs
ENTITY_TYPES = ["PER", "ORG", "LOC", "TIME", "NUM", "MISC"]


def structure_features(documents: list[dict], calibration: list[int]) -> np.ndarray:
    """Per sentence pair, in redocred.sentence_pairs' order: distance, mentions between, length, order, type pair."""
    rows = []
    for index in calibration:
        document = documents[index]
        for pair in redocred.sentence_pairs(document, index):
            (head, tail), s = pair.entities, pair.sentence
            a = (pair.instance.head[0], pair.instance.head[-1] + 1)
            b = (pair.instance.tail[0], pair.instance.tail[-1] + 1)
            mentions = [(m["pos"], e) for e, ms in enumerate(document["vertexSet"]) for m in ms if m["sent_id"] == s]
            low, high = min(a[1], b[1]), max(a[0], b[0])
            between = sum(1 for p, e in mentions if p[0] >= low and p[1] <= high and e not in (head, tail))

            def type_of(entity: int) -> str:  # of its first mention in the sentence, the one marked
                return min((m for m in document["vertexSet"][entity] if m["sent_id"] == s), key=lambda m: m["pos"][0])["type"]
            types = np.zeros(len(ENTITY_TYPES) ** 2)
            types[ENTITY_TYPES.index(type_of(head)) * len(ENTITY_TYPES) + ENTITY_TYPES.index(type_of(tail))] = 1
            rows.append(np.concatenate([[np.log1p(max(0, high - low)), between, np.log1p(len(pair.instance.tokens)), float(a[0] < b[0])], types]))
    return np.array(rows)


def standardise(train: np.ndarray, test: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    mean, std = train.mean(axis=0), train.std(axis=0) + 1e-6
    return torch.tensor((train - mean) / std, dtype=torch.float32), torch.tensor((test - mean) / std, dtype=torch.float32)


def fit_predict(kind: str, x: torch.Tensor, y: torch.Tensor, test: torch.Tensor, seed: int) -> np.ndarray:
    torch.manual_seed(seed)
    if kind == "logistic":
        model = torch.nn.Linear(x.shape[1], 1)
        optimiser = torch.optim.LBFGS(model.parameters(), max_iter=300, line_search_fn="strong_wolfe")
        l2 = 1.0 / (2 * LOGISTIC_C * len(y))  # scikit-learn's C on standardised features, on the mean loss

        def closure() -> torch.Tensor:
            optimiser.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x).squeeze(1), y) + l2 * model.weight.pow(2).sum()
            loss.backward()
            return loss
        optimiser.step(closure)
    else:  # one hidden layer, early epochs: a small non-linear head
        model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 256), torch.nn.ReLU(), torch.nn.Dropout(0.2), torch.nn.Linear(256, 1))
        optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
        generator = torch.Generator().manual_seed(seed)
        for _ in range(15):
            model.train()
            for batch in torch.randperm(len(y), generator=generator).split(256):
                optimiser.zero_grad()
                torch.nn.functional.binary_cross_entropy_with_logits(model(x[batch]).squeeze(1), y[batch]).backward()
                optimiser.step()
    model.eval()
    with torch.no_grad():
        return torch.sigmoid(model(test).squeeze(1)).numpy()


def out_of_fold(kind: str, features: np.ndarray, right: np.ndarray, groups: np.ndarray) -> np.ndarray:
    documents = np.unique(groups)
    fold_of = {d: i % FOLDS for i, d in enumerate(np.random.default_rng(0).permutation(documents))}
    folds = np.array([fold_of[g] for g in groups])
    probabilities = np.zeros(len(right))
    for fold in range(FOLDS):
        train, test = folds != fold, folds == fold
        x, t = standardise(features[train], features[test])
        probabilities[test] = fit_predict(kind, x, torch.tensor(right[train], dtype=torch.float32), t, fold)
    return probabilities


def curve(scores: np.ndarray, right: np.ndarray, related: int) -> dict:
    order = np.argsort(-scores, kind="stable")
    hits = np.cumsum(right[order])
    precision = hits / np.arange(1, len(order) + 1)
    recall = hits / related
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0)
    best = int(f1.argmax())
    reached = precision >= PRECISION
    return {"bestF1": round(float(f1[best]), 4), "precisionAtBest": round(float(precision[best]), 4), "recallAtBest": round(float(recall[best]), 4),
            f"recallAtPrecision{PRECISION}": round(float(recall[reached].max()), 4) if reached.any() else 0.0}


def main(argv: list[str] | None = None) -> int:
    args = trial_parser(__doc__).parse_args(argv)
    manifest, rows = trial_inputs(args)
    documents, ids = redocred.load_documents(args.data_dir)
    calibration, _ = redocred.split_documents(len(documents), redocred.DEFAULT_SEED, redocred.DEFAULT_CALIBRATION_SIZE)
    calibration = calibration[:len(np.unique(rows["groups"]))]
    tokenizer = load_tokenizer()
    bi_run = ort_bi_runner(session(args.model / manifest["graphs"]["biEncoder"]["files"]["int8"]["file"], 2))
    d_vec = description_vectors(bi_run, prepare_descriptions(tokenizer, builtin_relations(ids), manifest["maxLength"]["description"]), tokenizer.pad_token_id)
    vectors, groups, gold = rows["vectors"], rows["groups"], rows["gold"]
    related = np.array([bool(g) for g in gold])
    structure = structure_features(documents, calibration)
    if len(structure) != len(vectors):
        raise SystemExit(f"error: {len(structure)} sentence pairs enumerated, the cache holds {len(vectors)}: a cache of another document split?")

    def scored(descriptions: np.ndarray, rows_mask: np.ndarray) -> dict:
        bi_all = vectors[rows_mask] @ descriptions.T
        top = bi_all.argmax(axis=1)
        right = np.array([ids[t] in g for t, g in zip(top, (gold[i] for i in np.flatnonzero(rows_mask)))])
        ranked = np.sort(bi_all, axis=1)[:, ::-1][:, :3]
        scores = np.hstack([ranked, ranked[:, :1] - ranked[:, 1:2]])
        return {"right": right, "scores": scores, "relation": np.eye(len(ids))[top], "top1": ranked[:, 0]}

    everything = np.ones(len(vectors), dtype=bool)
    base = scored(d_vec, everything)
    n_related = int(related.sum())
    feature_sets = {
        "sentence vector": vectors,
        "+ top-3 scores": np.hstack([vectors, base["scores"]]),
        "+ top-1 relation": np.hstack([vectors, base["scores"], base["relation"]]),
        "+ pair structure": np.hstack([vectors, base["scores"], base["relation"], structure]),
        "scores, relation and structure only": np.hstack([base["scores"], base["relation"], structure]),
    }
    abstainers = [{"features": "top-1 bi score alone", "classifier": "none", **curve(base["top1"], base["right"], n_related)}]
    for name, features in feature_sets.items():
        for kind in ("logistic", "mlp"):
            probabilities = out_of_fold(kind, features, base["right"], groups)
            abstainers.append({"features": name, "classifier": kind, **curve(probabilities, base["right"], n_related)})
            print(json.dumps(abstainers[-1]), file=sys.stderr, flush=True)

    # Examples from labelled documents: prototypes from the first half, measured on the second.
    halves = np.unique(groups)
    pool = np.isin(groups, halves[: len(halves) // 2])
    measured = ~pool
    measured_related = int(related[measured].sum())
    rng = np.random.default_rng(0)
    examples = []
    for shots in (0, 1, 5, 10, None):
        for alpha in ((0.0,) if shots == 0 else (0.5, 1.0)):
            adapted = d_vec.copy()
            taught = 0
            for column, relation in enumerate(ids):
                own = np.flatnonzero(pool & np.array([relation in g for g in gold]))
                if shots == 0 or len(own) == 0:
                    continue
                chosen = own if shots is None else rng.choice(own, min(shots, len(own)), replace=False)
                prototype = vectors[chosen].mean(axis=0)
                moved = d_vec[column] + alpha * prototype / np.linalg.norm(prototype)
                adapted[column] = moved / np.linalg.norm(moved)
                taught += 1
            part = scored(adapted, measured)
            features = np.hstack([vectors[measured], part["scores"], part["relation"]])
            probabilities = out_of_fold("logistic", features, part["right"], groups[measured])
            examples.append({"examplesPerRelation": "all" if shots is None else shots, "alpha": alpha, "relationsTaught": taught,
                             "top1RightOfRelated": round(float(part["right"].sum() / measured_related), 4),
                             **curve(probabilities, part["right"], measured_related)})
            print(json.dumps(examples[-1]), file=sys.stderr, flush=True)

    record = {
        "benchmark": "none-vector", "event": "abstention-ceiling",
        "model": repository_path(args.model),
        "manifestSha256": manifest["manifestSha256"],
        "pairs": {"sentencePairs": len(vectors), "related": n_related, "documents": len(halves),
                  "top1RightOfRelated": round(float(base["right"].sum() / n_related), 4)},
        "settings": {"folds": FOLDS, "precision": PRECISION, "candidates": len(ids), "answer": "the bi-encoder's top-1 relation",
                     "examplesPool": f"sentence pairs of the first {len(halves) // 2} calibration documents",
                     "examplesMeasured": f"sentence pairs of the other {len(halves) - len(halves) // 2} ({measured_related} related)"},
        "abstainers": abstainers, "examples": examples,
        "environment": run_environment(torch=torch.__version__),
    }
    emit_record(record, args.record)
    return 0


if __name__ == "__main__":
    sys.exit(main())

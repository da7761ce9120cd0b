"""Trial of a triple verifier on Re-DocRED sentence pairs (issue 21; zsre_train/verifier.py says what it is).

    python training/verifier_trial.py --model models/zsre-minilm-l6-general --init-run training/runs/shipped-fp32 \\
        --work training/runs/verifier-trial --out benchmarks/results/none-verifier/trial.json \\
        [--data-dir ../shared/data] [--train-docs 250] [--none-keep 0.5] [--steps 900] [--batch 16] [--threads 2]
        [--bench-scores DIR]

Stages, each cached in --work so an interrupted run resumes where it stopped:
1. candidates: every sentence pair of three document sets, scored by the shipped model's int8
   bi-encoder graph (as the runtime scores them) against the 96 DocRED relations, top 3 kept:
   - train: the documents training may read (redocred.training_documents; never fitted or measured
     on by bench:documents), the first --train-docs of them;
   - calibration: the first 100 documents of the benchmark's calibration part (thresholds only);
   - measuring: the first 90 of its measuring part, the documents of the committed
     bench:documents figures, so the rows here stand beside them.
2. train: the verifier (markers-pooling cross-encoder, encoder started from --init-run's
   bi-encoder: the shipped one, dequantized) with a binary loss on zsre_train.verifier.training_rows,
   checkpointed every 50 steps. A fifth of the 96 relations (seeded) never appears in its training
   rows: the measuring figures on them are the "relations it never saw" row.
3. score: the verifier's probability of each of the 3 candidates, calibration and measuring pairs.
4. report: thresholds fitted on calibration (precision 70% and best F1), figures on measuring, for
   the ranker's first candidate verified and for the verifier's own best candidate, beside the bi-encoder
   cosine of the first candidate as the confidence (the same candidates, no verifier).
   With --bench-scores (the --scores-dir of `npm run bench:documents -- --calibration documents
   --calibration-docs 50 --max-docs 90 --window 0`: the library's own answers to the same pairs),
   two more rows: the library's answer with its probability as the confidence, and the same answer
   with a logistic blend of that probability and the verifier's probability of it, fitted on the
   calibration documents: does the verifier know anything the calibrated model does not? And the
   same blend with the pair's shape instead of the verifier (words and entities between the two).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaluate_fewrel import _commit  # noqa: E402
from fit_none_vector import builtin_relations  # noqa: E402
from zsre_train import redocred, verifier  # noqa: E402
from zsre_train.backbone import bert_source, load_tokenizer  # noqa: E402
from zsre_train.config import load_config  # noqa: E402
from zsre_train.encode import prepare_descriptions  # noqa: E402
from zsre_train.machine import cpu_model  # noqa: E402
from zsre_train.models import BiEncoder, CrossEncoder, build_bert  # noqa: E402
from zsre_train.onnx_graphs import ort_bi_runner, session  # noqa: E402
from zsre_train.scoring import score  # noqa: E402
from zsre_train.text import cross_pair, pad_batch, prepare_sentence  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
K = 3
CALIBRATION_DOCS = 50
MEASURING_DOCS = 90
CHECKPOINT_EVERY = 50
HELD_OUT_SHARE = 0.2


def record_stage(work: Path, stage: str, seconds: float) -> None:
    """Seconds a finished stage took, kept beside its cache: a resumed run still reports them."""
    file = work / "stages.json"
    stages = json.loads(file.read_text()) if file.exists() else {}
    stages[stage] = round(seconds)
    file.write_text(json.dumps(stages, indent=2))


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


def document_sets(count: int, train_docs: int) -> dict[str, list[int]]:
    calibration, measuring = redocred.split_documents(count, redocred.DEFAULT_SEED, redocred.DEFAULT_CALIBRATION_SIZE)
    return {"train": redocred.training_documents(count)[:train_docs], "calibration": calibration[:CALIBRATION_DOCS],
            "measuring": measuring[:MEASURING_DOCS]}


def pairs_of(documents: list[dict], docs: list[int], tokenizer, max_length: int, ids: list[str]):
    """Prepared sentences and gold column sets of every sentence pair of `docs` (nested pairs cut by
    the window are left out, as the library refuses them), and each pair's key as bench:documents
    writes it (document, head entity, tail entity, sentence)."""
    column = {pid: i for i, pid in enumerate(ids)}
    rows, gold, keys, skipped = [], [], [], 0
    for d in docs:
        for pair in redocred.sentence_pairs(documents[d], d):
            i = pair.instance
            try:
                rows.append(prepare_sentence(tokenizer, i.tokens, i.head, i.tail, max_length))
            except ValueError:
                skipped += 1
                continue
            gold.append(frozenset(column[r] for r in pair.gold))
            keys.append((d, *pair.entities, pair.sentence))
    return rows, gold, keys, skipped


def candidates(work: Path, name: str, rows, manifest: dict, model: Path, descriptions, tokenizer, threads: int) -> dict:
    file = work / f"candidates-{name}.npz"
    if not file.exists():
        started = time.time()
        bi = ort_bi_runner(session(model / manifest["graphs"]["biEncoder"]["files"]["int8"]["file"], threads))
        s = score(bi_run=bi, tokenizer=tokenizer, sentences=rows, descriptions=descriptions, candidates=K)
        tmp = work / f"candidates-{name}.partial.npz"
        np.savez(tmp, columns=s.columns, bi=s.bi)
        tmp.replace(file)
        record_stage(work, f"candidates-{name}", time.time() - started)
        log(f"candidates {name}: {len(rows)} pairs scored by the int8 bi-encoder in {time.time() - started:.0f} s")
    z = np.load(file)
    if len(z["columns"]) != len(rows):
        raise SystemExit(f"{file} holds {len(z['columns'])} pairs, the data gives {len(rows)}: delete it and run again")
    return {"columns": z["columns"], "bi": z["bi"]}


def batch_tensors(tokenizer, rows, descriptions, items: list[tuple[int, int]]):
    pairs = [cross_pair(tokenizer, rows[p].input_ids, descriptions[c]) for p, c in items]
    ids, mask = pad_batch([p[0] for p in pairs], tokenizer.pad_token_id)
    types, _ = pad_batch([p[1] for p in pairs], 0)
    head = [rows[p].head_index for p, _ in items]
    tail = [rows[p].tail_index for p, _ in items]
    return [torch.tensor(a, dtype=torch.long) for a in (ids, mask, types, head, tail)]


def build_verifier(init_run: Path) -> CrossEncoder:
    config = load_config(init_run / "config.yaml")
    bert_config, weights = bert_source(config.model)
    bi = BiEncoder(build_bert(bert_config, weights), config.model.max_description_length)
    bi.load_state_dict(torch.load(init_run / "bi_encoder.pt", map_location="cpu"))
    torch.manual_seed(17)
    model = CrossEncoder(build_bert(bert_config, weights), pooling="markers")
    model.init_encoder_from(bi)
    return model


def train(work: Path, model: CrossEncoder, training: list[verifier.Row], rows, descriptions, tokenizer, steps: int, batch: int, lr: float) -> dict:
    final = work / "verifier.pt"
    if final.exists():
        model.load_state_dict(torch.load(final, map_location="cpu"))
        return json.loads((work / "train.json").read_text())
    order = np.random.default_rng(5).permutation(len(training))
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))
    checkpoint, start, losses, seconds = work / "checkpoint.pt", 0, [], 0.0
    if checkpoint.exists():
        state = torch.load(checkpoint, map_location="cpu")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        start, losses, seconds = state["step"], state["losses"], state["seconds"]
        log(f"resumed at step {start}")
    positives = sum(r.label for r in training)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    for step in range(start, steps):
        began = time.time()
        picked = [training[order[(step * batch + j) % len(training)]] for j in range(batch)]
        tensors = batch_tensors(tokenizer, rows, descriptions, [(r.pair, r.column) for r in picked])
        logits = model(*tensors)
        loss = loss_fn(logits, torch.tensor([r.label for r in picked]))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        losses.append(float(loss.detach()))
        seconds += time.time() - began
        done = step + 1
        if done % 10 == 0:
            log(f"step {done}/{steps} loss {np.mean(losses[-50:]):.4f} ({batch * done / seconds:.1f} rows/s)")
        if done % CHECKPOINT_EVERY == 0 or done == steps:
            tmp = work / "checkpoint.partial.pt"
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
                        "step": done, "losses": losses, "seconds": seconds}, tmp)
            tmp.replace(checkpoint)
    summary = {"steps": steps, "batch": batch, "learningRate": lr, "rows": len(training), "positiveRows": int(positives),
               "epochs": round(steps * batch / len(training), 2), "seconds": round(seconds), "rowsPerSecond": round(steps * batch / seconds, 1),
               "lossFirst50": round(float(np.mean(losses[:50])), 4), "lossLast50": round(float(np.mean(losses[-50:])), 4)}
    torch.save(model.state_dict(), work / "verifier.partial.pt")
    (work / "verifier.partial.pt").replace(final)
    (work / "train.json").write_text(json.dumps(summary, indent=2))
    return summary


def verify(work: Path, name: str, model: CrossEncoder, rows, columns: np.ndarray, descriptions, tokenizer) -> np.ndarray:
    file = work / f"verified-{name}.npy"
    if file.exists():
        return np.load(file)
    started = time.time()
    model.eval()
    items = [(p, int(c)) for p in range(len(rows)) for c in columns[p]]
    # Similar lengths together: padding is most of the cost on a CPU.
    order = sorted(range(len(items)), key=lambda i: len(rows[items[i][0]].input_ids) + len(descriptions[items[i][1]]))
    out = np.zeros(len(items), dtype=np.float32)
    with torch.no_grad():
        for first in range(0, len(order), 64):
            chunk = order[first:first + 64]
            out[chunk] = torch.sigmoid(model(*batch_tensors(tokenizer, rows, descriptions, [items[i] for i in chunk]))).numpy()
    verified = out.reshape(len(rows), K)
    np.save(work / f"verified-{name}.partial.npy", verified)
    (work / f"verified-{name}.partial.npy").replace(file)
    record_stage(work, f"verify-{name}", time.time() - started)
    log(f"verified {name}: {len(items)} (pair, relation) rows in {time.time() - started:.0f} s")
    return verified


def held_out_relations(count: int) -> set[int]:
    chosen = np.random.default_rng(2026).permutation(count)[: round(HELD_OUT_SHARE * count)]
    return {int(c) for c in chosen}


def restricted(answers: verifier.Answers, gold, relations: set[int]):
    """Answers and gold limited to `relations`: an answer outside them is withdrawn, gold outside them dropped."""
    inside = np.isin(answers.best, list(relations))
    kept = verifier.Answers(answers.best, np.where(inside, answers.confidence, -1.0))
    return kept, [frozenset(g & relations) for g in gold]


def rows_for(answers_of, part_gold: dict, relations: set[int] | None) -> dict:
    cal, mea = answers_of("calibration"), answers_of("measuring")
    cal_gold, mea_gold = part_gold["calibration"], part_gold["measuring"]
    if relations is not None:
        cal, cal_gold = restricted(cal, cal_gold, relations)
        mea, mea_gold = restricted(mea, mea_gold, relations)
    at70 = verifier.precision_threshold(cal, cal_gold, 0.7)
    best = verifier.best_f1_threshold(cal, cal_gold)
    here = verifier.best_f1_threshold(mea, mea_gold)
    return {"precision70": None if at70 is None else verifier.prf(mea, mea_gold, at70),
            "calibrationBestF1": verifier.prf(mea, mea_gold, best),
            "bestF1Here": verifier.prf(mea, mea_gold, here)}


def library_answers(bench_dir: Path, name: str, keys: list[tuple], ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The library's answer (top-1 column) and its probability for each pair, from bench:documents' scores."""
    file = bench_dir / f"{name}-sentence-w0.jsonl"
    if not file.is_file():
        raise SystemExit(f"{file} is missing: run bench:documents with --scores-dir {bench_dir} (see --help)")
    scored = {}
    for line in file.read_text().splitlines():
        if line.strip():
            for p in json.loads(line)["pairs"]:
                scored[(p["doc"], p["head"], p["tail"], p["sentences"][0])] = p
    missing = [k for k in keys if k not in scored]
    if missing:
        raise SystemExit(f"{file} lacks {len(missing)} of the {len(keys)} {name} pairs (first {missing[0]}): score the same documents")
    column = {pid: i for i, pid in enumerate(ids)}
    best = np.array([column.get(scored[k]["top1"], -1) for k in keys])
    return best, np.array([scored[k]["p1"] for k in keys], dtype=np.float64)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def fit_blend(features: np.ndarray, right: np.ndarray, l2: float = 1e-3, steps: int = 3000):
    """Logistic regression (standardised features, gradient descent): returns score(features) and the weights."""
    mean, scale = features.mean(0), features.std(0) + 1e-9
    z = (features - mean) / scale
    w, b = np.zeros(z.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        w -= 0.5 * (z.T @ (p - right) / len(right) + l2 * w)
        b -= 0.5 * float((p - right).mean())
    return (lambda x: 1 / (1 + np.exp(-(((x - mean) / scale) @ w + b)))), w


def pair_shape(documents: list[dict], key: tuple) -> list[float]:
    """What the text says about a pair without any model: log of the words between the two
    entities, and how many other entities of the sentence stand between them (a pair separated by
    other entities is more often one that holds nothing)."""
    doc, head, tail, sentence = key
    document = documents[doc]

    def first(entity: int) -> list[int]:
        return min((m["pos"] for m in document["vertexSet"][entity] if m["sent_id"] == sentence), key=lambda pos: pos[0])

    a, b = sorted((first(head), first(tail)), key=lambda pos: pos[0])
    low, high = a[1], b[0]
    between = sum(1 for entity, mentions in enumerate(document["vertexSet"]) if entity not in (head, tail)
                  and any(m["sent_id"] == sentence and low <= m["pos"][0] < high for m in mentions))
    return [float(np.log1p(max(0, high - low))), float(between)]


def stacked(bench_dir: Path, keys: dict, gold: dict, parts: dict, verified: dict, ids: list[str], documents: list[dict]):
    """Answer functions for the library's answers alone and blended with the verifier, and the blend's weights."""
    answers, features = {}, {}
    for name in ("calibration", "measuring"):
        best, probability = library_answers(bench_dir, name, keys[name], ids)
        columns = parts[name][1]["columns"]
        # The library's answer is among the bi-encoder's 3 candidates the verifier judged (recall k = top k = 3);
        # a pair the library gave no candidate (best -1) keeps the verifier's first.
        at = np.array([int(np.flatnonzero(row == b)[0]) if b in row else 0 for row, b in zip(columns, best)])
        checked = verified[name][np.arange(len(best)), at]
        answers[name] = best
        features[name] = np.stack([_logit(probability), _logit(checked.astype(np.float64))], axis=1)
    right = np.array([int(b) in g for b, g in zip(answers["calibration"], gold["calibration"])], dtype=np.float64)
    blend, weights = fit_blend(features["calibration"], right)
    shape = {name: np.column_stack([features[name][:, 0], np.array([pair_shape(documents, k) for k in keys[name]])]) for name in features}
    shaped, shape_weights = fit_blend(shape["calibration"], right)
    return ({"libraryProbability": lambda n: verifier.Answers(answers[n], 1 / (1 + np.exp(-features[n][:, 0]))),
             "libraryPlusVerifier": lambda n: verifier.Answers(answers[n], blend(features[n])),
             "libraryPlusPairShape": lambda n: verifier.Answers(answers[n], shaped(shape[n]))},
            {"libraryLogit": round(float(weights[0]), 3), "verifierLogit": round(float(weights[1]), 3),
             "pairShape": {"libraryLogit": round(float(shape_weights[0]), 3), "logWordsBetween": round(float(shape_weights[1]), 3),
                           "entitiesBetween": round(float(shape_weights[2]), 3)},
             "note": "weights on standardised logits, fitted on the calibration documents"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--init-run", type=Path, required=True, help="a run folder whose bi_encoder.pt starts the verifier's encoder")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--train-docs", type=int, default=250)
    parser.add_argument("--none-keep", type=float, default=0.5)
    parser.add_argument("--steps", type=int, default=900)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--bench-scores", type=Path, help="bench:documents' --scores-dir for the same documents (adds the blend rows)")
    args = parser.parse_args(argv)
    if not 1 <= args.train_docs <= 250:
        parser.error("--train-docs must be 1..250: the other documents are the benchmark's")
    torch.set_num_threads(args.threads)
    args.work.mkdir(parents=True, exist_ok=True)
    settings = {"model": str(args.model), "initRun": str(args.init_run), "trainDocs": args.train_docs, "noneKeep": args.none_keep,
                "steps": args.steps, "batch": args.batch, "lr": args.lr}
    recorded = args.work / "settings.json"
    if recorded.exists() and json.loads(recorded.read_text()) != settings:
        raise SystemExit(f"{args.work} was started with other settings ({recorded}): use another --work or the same settings")
    recorded.write_text(json.dumps(settings, indent=2))
    manifest = json.loads((args.model / "manifest.json").read_text(encoding="utf-8"))
    tokenizer = load_tokenizer()
    documents, ids = redocred.load_documents(args.data_dir)
    descriptions = prepare_descriptions(tokenizer, builtin_relations(ids), manifest["maxLength"]["description"])
    sets = document_sets(len(documents), args.train_docs)
    parts, gold, skipped, keys = {}, {}, {}, {}
    for name, docs in sets.items():
        rows, part_gold, keys[name], skipped[name] = pairs_of(documents, docs, tokenizer, manifest["maxLength"]["sentence"], ids)
        parts[name] = (rows, candidates(args.work, name, rows, manifest, args.model, descriptions, tokenizer, args.threads))
        gold[name] = part_gold

    held_out = held_out_relations(len(ids))
    rows, cands = parts["train"]
    training = [r for r in verifier.training_rows(cands["columns"], gold["train"], args.none_keep, seed=11) if r.column not in held_out]
    log(f"training rows: {len(training)} ({int(sum(r.label for r in training))} positive), {len(held_out)} relations held out")
    model = build_verifier(args.init_run)
    summary = train(args.work, model, training, rows, descriptions, tokenizer, args.steps, args.batch, args.lr)

    verified = {name: verify(args.work, name, model, parts[name][0], parts[name][1]["columns"], descriptions, tokenizer)
                for name in ("calibration", "measuring")}
    seen = set(range(len(ids))) - held_out

    def methods():
        yield "biCosineFirst", lambda n: verifier.Answers(parts[n][1]["columns"][:, 0], parts[n][1]["bi"][:, 0])
        yield "verifyFirst", lambda n: verifier.verify_first(parts[n][1]["columns"], verified[n])
        yield "verifyBest", lambda n: verifier.verify_best(parts[n][1]["columns"], verified[n])
        if blends is not None:
            yield from blends[0].items()

    blends = None if args.bench_scores is None else stacked(args.bench_scores, keys, gold, parts, verified, ids, documents)

    results = {name: {"allRelations": rows_for(f, gold, None), "trainedRelations": rows_for(f, gold, seen),
                      "heldOutRelations": rows_for(f, gold, held_out)} for name, f in methods()}
    related = [g for g in gold["measuring"] if g]
    first_right = float(np.mean([int(c) in g for c, g in zip(parts["measuring"][1]["columns"][:, 0], gold["measuring"]) if g]))
    stages = json.loads((args.work / "stages.json").read_text()) if (args.work / "stages.json").exists() else {}
    stages["train"] = summary["seconds"]
    bench = ROOT / "benchmarks" / "results" / "documents_zsre-minilm-l6-general_documents.json"
    shipped = json.loads(bench.read_text())["measuring"]["sentencePairs"] if bench.exists() else None
    record = {
        "benchmark": "verifier-trial",
        "model": settings.pop("model"), "initRun": settings.pop("initRun"),
        "settings": {**settings, "k": K, "heldOutShare": HELD_OUT_SHARE, "heldOutRelations": sorted(ids[c] for c in held_out)},
        "documents": {name: {"count": len(docs), "pairs": len(parts[name][0]), "related": sum(1 for g in gold[name] if g),
                             "skipped": skipped[name]} for name, docs in sets.items()},
        "measuringFirstCandidateRightAmongRelated": round(100 * first_right, 2),
        "measuringRelated": len(related),
        "training": summary,
        "results": results,
        "blend": None if blends is None else {**blends[1], "libraryRun": "npm run bench:documents -- --calibration documents --calibration-docs 50 --max-docs 90 --window 0"},
        "shippedDocumentsCalibration": None if shipped is None else {
            "note": "bench:documents with the 'documents' calibration (EMMA, fitted on 200 calibration documents), the same 90 measuring documents",
            # bench:documents keeps shares; the rows here are percent.
            **{point: {key: round(100 * shipped["probability"][point][key], 2) for key in ("precision", "recall", "f1")}
               for point in ("atDefaultThreshold", "bestF1Here")}},
        "time": {"stageSeconds": stages, "totalSeconds": sum(stages.values())},
        "environment": {"commit": _commit(), "cpu": cpu_model(), "threads": args.threads, "torch": torch.__version__,
                        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d")},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    for name, r in results.items():
        for scope in ("allRelations", "heldOutRelations"):
            p = r[scope]
            log(f"{name} {scope}: P70 {p['precision70']} | calibration best-F1 {p['calibrationBestF1']} | best here {p['bestF1Here']['f1']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

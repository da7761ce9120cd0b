"""Does a bi-encoder training option help relations taught by example sentences? Paired comparison
of trained bi-encoders on FewRel few-shot episodes of their split's held-out (test) relations:

  python training/compare_fewshot_encoders.py --split fewrel_m10_ori \\
      --run baseline=training/runs/fewrel-cpu/fewrel_m10_ori \\
      --run sentence-contrastive-0.5=training/runs/fewshot-ablation/m10_ori_sc05 \\
      [--data-dir ../shared/data] [--per-relation 700] [--episodes 1000] [--seed 7] [--out FILE]

Why: an option such as bi_encoder.sentence_contrastive_weight (same-relation sentences pulled
together) is meant for prototypes built from a user's examples, so it has to be judged where the
library uses examples, not on the zero-shot score alone. This script needs only bi_encoder.pt
(not an export), so an option can be judged as soon as its bi-encoder phase has finished.

Every run is loaded in torch fp32 on the CPU (recipe.build_models + bi_encoder.pt), encodes the same
sentences (the first --per-relation of each test relation, FewRel files in recipe order, as
zsre_train/heldout.py) and the relations' descriptions (as the recipe loads them), and is scored on:

- zero-shot: closed-set argmax of sentence . description over the m test relations, all sentences;
- episodes: N-way K-shot closed-set episodes (3 queries per relation, examples and queries disjoint
  sentences of the same relation), drawn once from numpy default_rng(seed) per setting and used for
  every run, so the comparison is paired (a per-episode difference with its own interval). Scorers:
  description (q . d_j), prototype (q . normalised mean of the examples) and adapted, a numpy port
  of the library's rule (src/examples/adapt.ts, the reference: descriptions fitted to the examples
  under a Gaussian prior, by gradient steps on the coefficients of the examples' span).

The adapted rule reads the run's bi-only fusion (fusion.json "biOnly": biWeight, noneLogit); a
run without one (the bi-encoder phase only) gets fixed defaults, and the result says which it used.
"""
from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from zsre_train.backbone import load_tokenizer  # noqa: E402
from zsre_train.config import Config, load_config  # noqa: E402
from zsre_train.corpus import split_path  # noqa: E402
from zsre_train.data.instance import Instance, RelationInfo  # noqa: E402
from zsre_train.encode import (description_vectors, prepare_descriptions, prepare_sentences,  # noqa: E402
                               sentence_vectors, torch_bi_runner)
from zsre_train.heldout import classification_scores, held_out_sentences  # noqa: E402
from zsre_train.recipe import build_models  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT_DIR = REPO_ROOT / "benchmarks" / "results" / "fewshot"
SPLIT_NAME = re.compile(r"^fewrel_m(\d+)_(ori|\d+)$")
# The library's unfitted example rule (src/examples/adapt.ts unfittedExampleRule).
STRENGTH, STEPS, COMPETITORS = 10.0, 100, 8
# For a run without fusion.json: round values of the bi-only fusion the FewRel runs fit (biWeight ~24, noneLogit ~10.5).
DEFAULT_BI_ONLY = {"biWeight": 24.0, "noneLogit": 10.5}
QUERIES_PER_RELATION = 3
SETTINGS = [(5, 0), (5, 1), (5, 5), (10, 0), (10, 1), (10, 5)]  # (ways, shots)
SCORERS = ("description", "prototype", "adapted")


@dataclass(frozen=True)
class Episode:
    """Positions in the test relation list, and per chosen relation the indices (into that
    relation's sentence list) of its examples and of its queries."""
    relations: np.ndarray  # (ways,)
    supports: np.ndarray  # (ways, shots)
    queries: np.ndarray  # (ways, queries)


# ---------------------------------------------------------------- pure parts (tested)

def draw_episodes(sizes: Sequence[int], ways: int, shots: int, queries: int, episodes: int, seed: int) -> list[Episode]:
    """`episodes` closed-set episodes: `ways` distinct relations, per relation shots + queries
    distinct sentences (examples first, the rest queries: never the same sentence)."""
    usable = [r for r, size in enumerate(sizes) if size >= shots + queries]
    if len(usable) < ways:
        raise ValueError(f"{len(usable)} relations have {shots + queries} sentences or more, fewer than {ways} ways")
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(episodes):
        chosen = rng.choice(np.array(usable), size=ways, replace=False)
        drawn = np.stack([rng.choice(sizes[r], size=shots + queries, replace=False) for r in chosen])
        out.append(Episode(chosen, drawn[:, :shots], drawn[:, shots:]))
    return out


def prototype_of(vectors: np.ndarray) -> np.ndarray:
    """Normalised mean of unit vectors, summed in double, stored as float32 (adapt.ts prototypeOf)."""
    mean = vectors.astype(np.float64).sum(axis=0)
    norm = np.linalg.norm(mean)
    return (mean if norm == 0 else mean / norm).astype(np.float32)


def _top(scores: np.ndarray, k: int) -> list[int]:
    """Indices of the k best, best first, ties to the lower index (src/labels/topK.ts)."""
    return [int(i) for i in np.argsort(-scores, kind="stable")[:k]]


def adapt_descriptions(descriptions: np.ndarray, supports: Sequence[np.ndarray], bi_weight: float, none_logit: float,
                       strength: float = STRENGTH, steps: int = STEPS, competitors: int = COMPETITORS) -> np.ndarray:
    """Port of src/examples/adapt.ts adaptDescriptions for a closed relation set (the episode is the
    whole relation set, its descriptions the label index, searched exactly) and a constant "no
    relation" logit. descriptions: (R, dim) unit vectors; supports[j]: (K_j, dim) example vectors of
    relation j (K_j may be 0). Returns (R, dim) float32: adapted vectors, descriptions where no examples."""
    descriptions = np.asarray(descriptions, dtype=np.float32)
    taught = [j for j in range(len(descriptions)) if len(supports[j]) > 0]  # ascending relation index
    if not taught:
        return descriptions.copy()
    x = np.concatenate([np.asarray(supports[j], dtype=np.float32) for j in taught]).astype(np.float64)
    own = np.concatenate([np.full(len(supports[j]), position) for position, j in enumerate(taught)])
    n, count, relations = len(x), len(taught), len(descriptions)
    d64 = descriptions.astype(np.float64)
    description_dots = x @ d64.T  # (n, R)
    prototype_dots = x @ np.stack([prototype_of(np.asarray(supports[j])) for j in taught]).astype(np.float64).T  # (n, count)

    member = np.zeros((n, relations), dtype=bool)  # C_i
    for i in range(n):
        own_index = taught[own[i]]
        member[i, own_index] = True
        for index in [h for h in _top(description_dots[i], competitors + 1) if h != own_index][:competitors]:
            member[i, index] = True
        for p in [p for p in _top(prototype_dots[i], count) if p != own[i]][:competitors]:
            member[i, taught[p]] = True

    taught_columns = np.array(taught)
    taught_member = member[:, taught_columns]  # (n, count): example i competes with taught relation j
    target = np.zeros((n, count))
    target[np.arange(n), own] = 1.0
    gram = x @ x.T
    involved = taught_member.sum(axis=0)
    step = 1.0 / (bi_weight * bi_weight * involved / 2 + strength)

    coefficients = np.zeros((count, n))  # a_jk
    for _ in range(steps):
        values = description_dots.copy()
        values[:, taught_columns] += gram @ coefficients.T  # x_i . w_j = x_i . d_j + sum_k a_jk x_i . x_k
        logits = np.where(member, bi_weight * values, -np.inf)
        top = np.maximum(logits.max(axis=1), none_logit)
        exps = np.exp(logits - top[:, None])
        total = exps.sum(axis=1) + np.exp(none_logit - top)
        probability = (exps / total[:, None])[:, taught_columns]
        gradient = strength * coefficients + (bi_weight * np.where(taught_member, probability - target, 0.0)).T
        coefficients -= step[:, None] * gradient

    adapted = descriptions.copy()
    for position, j in enumerate(taught):
        adapted[j] = (d64[j] + coefficients[position] @ x).astype(np.float32)
    return adapted


def episode_accuracy(scores: np.ndarray, gold: np.ndarray) -> float:
    """Top-1 accuracy of (queries, R) scores; ties to the first relation, as benchmarks/lib/fewshotEpisodes.ts."""
    return float(np.mean(scores.argmax(axis=1) == gold))


def mean_interval(values: Sequence[float]) -> dict:
    """Mean and half-width of its 95% interval, 1.96 * sample std / sqrt(n)."""
    values = np.asarray(values, dtype=np.float64)
    std = values.std(ddof=1) if len(values) > 1 else 0.0
    return {"mean": float(values.mean()), "interval95": float(1.96 * std / np.sqrt(len(values)))}


def paired_difference(variant: Sequence[float], baseline: Sequence[float]) -> dict:
    """Per-episode variant - baseline over the same episodes: mean and 95% interval."""
    variant, baseline = np.asarray(variant, dtype=np.float64), np.asarray(baseline, dtype=np.float64)
    if variant.shape != baseline.shape:
        raise ValueError(f"paired difference needs the same episodes: {variant.shape} vs {baseline.shape}")
    return mean_interval(variant - baseline)


def score_episodes(episodes: Sequence[Episode], by_relation: Sequence[np.ndarray], descriptions: np.ndarray,
                   bi_only: dict) -> dict[str, list[float]]:
    """Per scorer, the accuracy of every episode. by_relation[r]: (n_r, dim) sentence vectors of relation r."""
    out: dict[str, list[float]] = {}
    for episode in episodes:
        ways, shots = episode.supports.shape
        d = descriptions[episode.relations]
        queries = np.concatenate([by_relation[r][episode.queries[p]] for p, r in enumerate(episode.relations)]).astype(np.float64)
        gold = np.repeat(np.arange(ways), episode.queries.shape[1])
        out.setdefault("description", []).append(episode_accuracy(queries @ d.astype(np.float64).T, gold))
        if shots == 0:
            continue
        supports = [by_relation[r][episode.supports[p]] for p, r in enumerate(episode.relations)]
        prototypes = np.stack([prototype_of(s) for s in supports]).astype(np.float64)
        out.setdefault("prototype", []).append(episode_accuracy(queries @ prototypes.T, gold))
        adapted = adapt_descriptions(d, supports, bi_only["biWeight"], bi_only["noneLogit"]).astype(np.float64)
        out.setdefault("adapted", []).append(episode_accuracy(queries @ adapted.T, gold))
    return out


# ---------------------------------------------------------------- models and data

def parse_run(text: str) -> tuple[str, Path]:
    name, sep, folder = text.partition("=")
    if not sep or not name or not folder:
        raise argparse.ArgumentTypeError(f"expected NAME=DIR, received {text!r}")
    return name, Path(folder)


def load_bi_encoder(config: Config, run_dir: Path):
    """The run's bi-encoder in fp32 on the CPU, eval mode (recipe.build_models + bi_encoder.pt)."""
    bi, _ = build_models(config)
    bi.load_state_dict(torch.load(run_dir / "bi_encoder.pt", map_location="cpu"))
    return bi.eval()


def encode(bi, tokenizer, config: Config, sentences: Sequence[Instance], relations: Sequence[RelationInfo]) -> tuple[np.ndarray, np.ndarray]:
    """Unit sentence and description vectors (the model normalises; checked, then renormalised in
    double and stored as float32). Sentences go through in length order (less padding), returned in input order."""
    rows = prepare_sentences(tokenizer, sentences, config.model.max_sentence_length)
    order = np.argsort([len(r.input_ids) for r in rows], kind="stable")
    run = torch_bi_runner(bi, torch.device("cpu"))
    encoded = sentence_vectors(run, [rows[i] for i in order], tokenizer.pad_token_id)
    s = np.empty_like(encoded)
    s[order] = encoded
    d = description_vectors(run, prepare_descriptions(tokenizer, relations, config.model.max_description_length), tokenizer.pad_token_id)
    for name, v in (("sentence", s), ("description", d)):
        norms = np.linalg.norm(v.astype(np.float64), axis=1)
        if np.abs(norms - 1).max() > 1e-3:
            raise RuntimeError(f"{name} vectors are not unit length (norms {norms.min():.4f}..{norms.max():.4f}): the model no longer normalises?")
    unit = lambda v: (v.astype(np.float64) / np.linalg.norm(v.astype(np.float64), axis=1, keepdims=True)).astype(np.float32)  # noqa: E731
    return unit(s), unit(d)


def bi_only_fusion(run_dir: Path) -> tuple[dict, str]:
    path = run_dir / "fusion.json"
    if path.is_file():
        block = json.loads(path.read_text(encoding="utf-8")).get("biOnly")
        if block:
            return {"biWeight": block["biWeight"], "noneLogit": block["noneLogit"]}, f"{path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path} biOnly"
    return dict(DEFAULT_BI_ONLY), "defaults (no fusion.json biOnly in the run)"


def run_info(name: str, run_dir: Path, config: Config) -> dict:
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8")) if (run_dir / "run.json").is_file() else {}
    bi_phase_seconds = None
    log = run_dir / "train_log.jsonl"
    if log.is_file():
        ends = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if '"epoch_end"' in line]
        bi_phase_seconds = round(sum(e["seconds"] for e in ends if e.get("phase", "bi_encoder") == "bi_encoder"), 1) or None
    block = {key: value for key, value in vars(config.bi_encoder).items()}
    block.setdefault("sentence_contrastive_weight", 0.0)
    return {"name": name, "dir": str(run_dir), "recipeName": config.name, "biEncoder": block,
            "trainSeconds": info.get("seconds"), "biEncoderPhaseSecondsFromLog": bi_phase_seconds,
            "trainCommit": info.get("commit")}


def environment() -> dict:
    def git(*args: str) -> str | None:
        try:
            return subprocess.run(["git", *args], capture_output=True, text=True, cwd=REPO_ROOT, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return None
    cpu = None
    try:
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), None)
    except OSError:
        pass
    return {"commit": git("rev-parse", "HEAD"), "workingTreeDirty": bool(git("status", "--porcelain")), "cpu": cpu,
            "platform": platform.platform(), "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "torchThreads": torch.get_num_threads(), "torch": torch.__version__, "note": "CPU shared with other jobs while it ran"}


# ---------------------------------------------------------------- driver

def _pct(value: float) -> float:
    return round(100 * value, 2) + 0.0  # no -0.0


def _summary(entry: dict) -> dict:
    return {"accuracy": _pct(entry["mean"]), "interval95": _pct(entry["interval95"])}


def print_table(result: dict) -> None:
    names = [r["name"] for r in result["runs"]]
    print(f"zero-shot closed set over {len(result['relations'])} test relations ({result['zeroShotSentences']} sentences):")
    for name in names:
        z = result["results"][name]["zeroShot"]
        print(f"  {name:32s} macroF1 {z['macroF1']:6.2f}  accuracy {z['accuracy']:6.2f}")
    print(f"episodes ({result['episodes']} per setting, {QUERIES_PER_RELATION} queries per relation), accuracy % +- 95%:")
    header = f"  {'setting':9s} {'scorer':12s}" + "".join(f" {n[:24]:>24s}" for n in names)
    header += "".join(f" {('diff ' + n)[:24]:>24s}" for n in names[1:])
    print(header)
    for setting, by_scorer in result["settings"].items():
        for scorer in SCORERS:
            if scorer not in by_scorer["runs"][names[0]]:
                continue
            cells = [by_scorer["runs"][n][scorer] for n in names]
            line = f"  {setting:9s} {scorer:12s}" + "".join(f" {c['accuracy']:16.2f} +-{c['interval95']:5.2f}" for c in cells)
            line += "".join(f" {by_scorer['paired'][n][scorer]['difference']:+16.2f} +-{by_scorer['paired'][n][scorer]['interval95']:5.2f}"
                            for n in names[1:])
            print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Paired few-shot comparison of trained bi-encoders on a FewRel split's test relations (torch fp32, CPU).")
    parser.add_argument("--split", required=True, help="FewRel split name, e.g. fewrel_m10_ori")
    parser.add_argument("--run", required=True, action="append", type=parse_run, metavar="NAME=DIR",
                        help="a run folder with config.yaml and bi_encoder.pt; repeat; the first is the baseline of the paired differences")
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT.parent / "shared" / "data", help="data folder (default ../shared/data)")
    parser.add_argument("--per-relation", type=int, default=700, help="sentences per test relation, file order (default 700)")
    parser.add_argument("--episodes", type=int, default=1000, help="episodes per setting (default 1000)")
    parser.add_argument("--seed", type=int, default=7, help="numpy default_rng seed of every setting's episodes (default 7)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--out", type=Path, help="result JSON (default benchmarks/results/fewshot/training-option_<split>.json)")
    args = parser.parse_args(argv)
    if not SPLIT_NAME.match(args.split):
        parser.error(f"--split must name a FewRel split like fewrel_m10_ori, received {args.split!r}")
    for flag, value in (("--per-relation", args.per_relation), ("--episodes", args.episodes), ("--threads", args.threads)):
        if value < 1:
            parser.error(f"{flag} must be a positive integer, received {value}")
    names = [name for name, _ in args.run]
    if len(set(names)) != len(names):
        parser.error(f"--run names must differ, received {names}")
    if len(names) < 2:
        parser.error("give at least two --run folders to compare")
    m, seed = SPLIT_NAME.match(args.split).groups()
    expected_split = f"fewrel/splits/fewrel_rel2id_{m}_{seed}.json"
    configs: dict[str, Config] = {}
    for name, run_dir in args.run:
        for file in ("config.yaml", "bi_encoder.pt"):
            if not (run_dir / file).is_file():
                print(f"error: run {name}: {run_dir} has no {file} (finish its bi-encoder phase first: python training/train.py --config ... --out {run_dir})",
                      file=sys.stderr)
                return 2
        configs[name] = load_config(run_dir / "config.yaml")
        if configs[name].data.split != expected_split:
            print(f"error: run {name} was trained on {configs[name].data.split}, not {expected_split} (--split {args.split})", file=sys.stderr)
            return 2
    first = configs[names[0]]
    for name in names[1:]:
        c = configs[name]
        if (c.data.files, vars(c.model)) != (first.data.files, vars(first.model)):
            print(f"error: run {name} reads other FewRel files or has another model block than {names[0]}: not a paired comparison", file=sys.stderr)
            return 2
    if not split_path(first, args.data_dir).is_file():
        print(f"error: no split file {split_path(first, args.data_dir)}: pass --data-dir", file=sys.stderr)
        return 2

    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    sentences, relations = held_out_sentences(first, args.data_dir, args.per_relation)
    ids = [r.id for r in relations]
    gold = [s.relation for s in sentences]
    members = [[i for i, s in enumerate(sentences) if s.relation == pid] for pid in ids]
    episodes = {(ways, shots): draw_episodes([len(x) for x in members], ways, shots, QUERIES_PER_RELATION, args.episodes, args.seed)
                for ways, shots in SETTINGS if ways <= len(ids)}
    skipped = [f"{w}-way" for w, _ in SETTINGS if w > len(ids)]
    tokenizer = load_tokenizer()

    per_run: dict[str, dict] = {}
    accuracies: dict[str, dict] = {}
    for name, run_dir in args.run:
        t0 = time.perf_counter()
        config = configs[name]
        s, d = encode(load_bi_encoder(config, run_dir), tokenizer, config, sentences, relations)
        encode_seconds = time.perf_counter() - t0
        zero = classification_scores(gold, [ids[c] for c in (s.astype(np.float64) @ d.astype(np.float64).T).argmax(axis=1)])
        fusion, fusion_source = bi_only_fusion(run_dir)
        by_relation = [s[idx] for idx in members]
        t1 = time.perf_counter()
        accuracies[name] = {setting: score_episodes(drawn, by_relation, d, fusion) for setting, drawn in episodes.items()}
        per_run[name] = {"zeroShot": {"macroF1": _pct(zero["macroF1"]), "accuracy": _pct(zero["accuracy"]),
                                      "f1EmmaMetric": _pct(zero["f1"])},
                         "adaptation": {**fusion, "source": fusion_source, "strength": STRENGTH, "steps": STEPS, "competitors": COMPETITORS},
                         "seconds": {"encode": round(encode_seconds, 1), "episodes": round(time.perf_counter() - t1, 1)}}
        print(f"{name}: encoded {len(s)} sentences in {encode_seconds:.0f} s, episodes in {time.perf_counter() - t1:.0f} s "
              f"(adaptation: biWeight {fusion['biWeight']:.3f}, noneLogit {fusion['noneLogit']:.3f} from {fusion_source})", flush=True)

    settings: dict[str, dict] = {}
    for (ways, shots) in episodes:
        key = f"{ways}w{shots}s"
        runs = {name: {scorer: _summary(mean_interval(values)) for scorer, values in accuracies[name][(ways, shots)].items()} for name in names}
        paired = {}
        for name in names[1:]:
            paired[name] = {}
            for scorer, values in accuracies[name][(ways, shots)].items():
                diff = paired_difference(values, accuracies[names[0]][(ways, shots)][scorer])
                paired[name][scorer] = {"difference": _pct(diff["mean"]), "interval95": _pct(diff["interval95"])}
        settings[key] = {"ways": ways, "shots": shots, "runs": runs, "paired": paired}

    result = {
        "benchmark": "fewshot-training-option",
        "what": "paired comparison of trained bi-encoders (torch fp32, CPU) on FewRel episodes of the split's test relations; "
                "accuracy in %, interval95 = 1.96 x sample std over episodes / sqrt(episodes); paired = per-episode "
                f"difference run - {names[0]} over the same episodes; K = 0 is the description alone",
        "runs": [run_info(name, run_dir, configs[name]) for name, run_dir in args.run],
        "baseline": names[0],
        "split": {"name": args.split, "file": first.data.split, "part": "test", "files": list(first.data.files)},
        "relations": ids,
        "perRelation": args.per_relation,
        "zeroShotSentences": len(sentences),
        "episodes": args.episodes,
        "queriesPerRelation": QUERIES_PER_RELATION,
        "seed": args.seed,
        "episodeDrawing": "per setting numpy default_rng(seed): relations without replacement, then per relation shots + queries "
                          "sentences without replacement (examples first); the same episodes for every run",
        "scorers": {"description": "q . d_j", "prototype": "q . normalised mean of the K examples",
                    "adapted": "numpy port of src/examples/adapt.ts adaptDescriptions (episode = relation set, constant noneLogit)"},
        "skippedSettings": skipped,
        "results": per_run,
        "settings": settings,
        "environment": environment(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    out = args.out or DEFAULT_OUT_DIR / f"training-option_{args.split}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    tmp.replace(out)
    print_table(result)
    print(f"wrote {out} ({result['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

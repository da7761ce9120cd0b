"""Write benchmarks/data/fewrel-hard-relations.json: the hard subset of every FewRel split (issue 12).

    python training/hard_relations.py [--data-dir ../shared/data] [--out benchmarks/data/fewrel-hard-relations.json]

For each of the 15 splits, the test relations that have a confusable partner among the same
split's test relations (zsre_train/confusable.py): description cosine under the PRETRAINED
all-MiniLM-L6-v2 (mean pooling, its native use) at or above THRESHOLD_PERCENTILE's value, or a
pair of LISTED_PAIRS.

Why the 97.5th percentile of all 3,160 pairs of the 80 FewRel relations: a test relation at
m = 15 has 14 rivals; were pairs above the cut independent, a relation would have one with
probability 1 - 0.975^14 = 30%, so the hard subset stays a minority of the relations (a quarter to
a third at m = 15, often none or one pair at m = 5), as a harder subset should. It was fixed
before any model was scored on it, from this distribution alone, and it is not to be tuned on
results. The listed pairs add what a general-purpose sentence encoder misses: inverses (mother /
child) often have descriptions that read differently although their sentences are the same kind.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from zsre_train.backbone import BACKBONE_NAME, BACKBONE_SOURCE  # noqa: E402
from zsre_train.confusable import confusable_partners, mean_pooled_vectors, pair_cosines, threshold_at_percentile  # noqa: E402
from zsre_train.data.descriptions import fewrel_relations  # noqa: E402
from zsre_train.data.splits import read_split  # noqa: E402
from zsre_train.text import description_text  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
THRESHOLD_PERCENTILE = 97.5
M_VALUES = (5, 10, 15)
SPLIT_SEEDS = ("ori", "40", "41", "42", "43")

# Inverses and near-synonyms among the 80 FewRel relations: [a, b, why]. Kept to pairs whose
# sentences can name the same two entity types, so that the sentence alone barely tells them apart.
LISTED_PAIRS: list[list[str]] = [
    ["P25", "P40", "inverse: mother / child (a sentence naming a mother and her child fits both directions)"],
    ["P22", "P40", "inverse: father / child"],
    ["P22", "P25", "the two parents: father / mother differ only in the parent's sex"],
    ["P26", "P3373", "two person-person kinship relations: spouse / sibling"],
    ["P155", "P156", "inverse: follows / followed by"],
    ["P361", "P527", "inverse: part of / has part"],
    ["P131", "P150", "inverse: located in the administrative territorial entity / contains administrative territorial entity"],
    ["P131", "P1001", "near-synonym: located in an administrative entity / applies to jurisdiction (both point to a territory)"],
    ["P131", "P276", "near-synonym: located in the administrative territorial entity / location"],
    ["P276", "P706", "near-synonym: location / located on terrain feature"],
    ["P206", "P403", "near-synonym: located in or next to body of water / mouth of the watercourse"],
    ["P403", "P974", "inverse: mouth of the watercourse / tributary"],
    ["P710", "P1344", "inverse: participant / participant of"],
    ["P710", "P1923", "near-synonym: participant / participating team"],
    ["P1344", "P1923", "inverse: participant of / participating team"],
    ["P991", "P1346", "near-synonym: successful candidate (of an election) / winner (of an event)"],
    ["P159", "P466", "inverse: headquarters location / occupant"],
    ["P159", "P740", "near-synonym: headquarters location / location of formation (an organisation and a place)"],
    ["P127", "P355", "near-inverse: owned by / subsidiary (a company and its parent)"],
    ["P364", "P407", "near-synonym: original language of film or TV show / language of work or name"],
    ["P17", "P495", "near-synonym: country / country of origin"],
    ["P27", "P17", "near-synonym: country of citizenship / country"],
    ["P551", "P937", "near-synonym: residence / work location (a person and a place)"],
    ["P101", "P106", "near-synonym: field of work / occupation"],
    ["P101", "P136", "near-synonym: field of work / genre (an artist's field)"],
    ["P135", "P136", "near-synonym: movement / genre"],
    ["P57", "P58", "near-synonym: director / screenwriter (a film and a person)"],
    ["P176", "P178", "near-synonym: manufacturer / developer"],
    ["P123", "P750", "near-synonym: publisher / distributor"],
    ["P264", "P750", "near-synonym: record label / distributor"],
    ["P306", "P400", "near-synonym: operating system / platform"],
    ["P118", "P3450", "near-synonym: league / sports season of league or competition"],
    ["P39", "P413", "near-synonym: position held / position played on team"],
    ["P102", "P463", "near-synonym: member of political party / member of"],
]


def split_names() -> list[str]:
    return [f"fewrel_m{m}_{seed}" for m in M_VALUES for seed in SPLIT_SEEDS]


def build(data_dir: Path) -> dict:
    relations = fewrel_relations(data_dir)  # the 80 FewRel relations, pid2name wording (what the benchmark feeds the model)
    ids = list(relations)
    for a, b, _ in LISTED_PAIRS:
        if a not in relations or b not in relations:
            raise ValueError(f"Listed pair {a} / {b} is not a pair of FewRel relations: fix LISTED_PAIRS")
    vectors = mean_pooled_vectors([description_text(r.name, r.description) for r in relations.values()])
    cosines = pair_cosines(vectors)
    threshold = threshold_at_percentile(cosines, THRESHOLD_PERCENTILE)
    sims = vectors @ vectors.T
    similarity = {(a, b): float(sims[i, j]) for i, a in enumerate(ids) for j, b in enumerate(ids) if i < j}
    above = sorted(([a, b, round(c, 4)] for (a, b), c in similarity.items() if c >= threshold), key=lambda row: -row[2])
    splits = {}
    for name in split_names():
        _, m, seed = name.split("_")
        test = read_split(data_dir / "fewrel" / "splits" / f"fewrel_rel2id_{m[1:]}_{seed}.json")["test"]
        splits[name] = confusable_partners(test, similarity, threshold, LISTED_PAIRS)
    return {
        "encoder": f"{BACKBONE_NAME} ({BACKBONE_SOURCE}), pretrained, mean pooling over the attention mask, L2-normalised",
        "text": "'{name} is {description}' from fewrel/pid2name.json (the wording the benchmark gives the model)",
        "threshold": threshold,
        "thresholdRule": (f"the {THRESHOLD_PERCENTILE}th percentile of the cosines of all {len(cosines)} pairs of the "
                          f"{len(ids)} FewRel relations, rounded down to 2 decimals; fixed once from that distribution, "
                          "never from model results (why: training/hard_relations.py)"),
        "pairsAboveThreshold": above,
        "listedPairs": LISTED_PAIRS,
        "splits": splits,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the FewRel hard-subset file (confusable test relations per split).")
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT.parent / "shared" / "data", help="data folder (default ../shared/data)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "data" / "fewrel-hard-relations.json")
    args = parser.parse_args(argv)
    result = build(args.data_dir)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    for name, split in result["splits"].items():
        print(f"{name}: {len(split['hard'])} hard of {name.split('_')[1][1:]}: {' '.join(split['hard'])}")
    print(f"threshold {result['threshold']} ({len(result['pairsAboveThreshold'])} pairs above), wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

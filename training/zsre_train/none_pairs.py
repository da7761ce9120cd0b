"""Training sentences from Re-DocRED documents: pairs that hold no relation, and related pairs (issue 21).

The models never saw a pair that holds nothing, so on real text, where most pairs sharing a
sentence hold none of the candidate relations, they answer far too often. Re-DocRED marks every
unlabelled pair as holding no relation (its revision filled most of DocRED's missing labels), so
its co-occurring unlabelled pairs are "none" pairs without building any from training sentences
(which would risk false negatives). Only the documents of redocred.training_documents are read.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from . import redocred
from .config import NonePairsConfig
from .data.instance import Instance

# The relation id of a "none" training pair: not a relation, the loss's none column.
NONE_RELATION = "__none__"


@dataclass(frozen=True)
class DocumentPairs:
    none: list[Instance]  # relation NONE_RELATION, the seeded sample of max_pairs
    positives: list[Instance]  # related pairs of training relations (empty unless config.positives)
    documents: list[int]  # the document indices read
    counts: dict  # what was read, kept and left out (run.json)


def document_pairs(config: NonePairsConfig, data_dir: Path, train_relations: set[str], seed: int) -> DocumentPairs:
    documents, _ = redocred.load_documents(data_dir)
    chosen = redocred.training_documents(len(documents))[: config.documents]
    none, positives, other = [], [], 0
    for index in chosen:
        for pair in redocred.sentence_pairs(documents[index], index):
            if not pair.gold:
                none.append(pair.instance)
                continue
            trained = [redocred.recipe_relation(r, train_relations) for r in pair.gold]
            if None in trained:
                other += 1  # holds a relation this recipe does not train on: neither none nor a positive
                continue
            # A pair with several trained relations: its first (the in-batch loss takes one positive).
            positives.append(Instance(pair.instance.tokens, pair.instance.head, pair.instance.tail, trained[0], "redocred"))
    rng = random.Random(seed)
    kept_none = rng.sample(none, config.max_pairs) if config.max_pairs < len(none) else none
    kept_none = [Instance(i.tokens, i.head, i.tail, NONE_RELATION, "redocred") for i in kept_none]
    counts = {"documents": len(chosen), "nonePairs": len(none), "noneKept": len(kept_none),
              "positivePairs": len(positives), "positivesKept": len(positives) if config.positives else 0,
              "otherRelationPairs": other}
    return DocumentPairs(kept_none, positives if config.positives else [], chosen, counts)

"""The abstention-ceiling trial's pieces: pair features in redocred.sentence_pairs' order, its curve, its classifiers."""
from __future__ import annotations

import numpy as np

from abstention_ceiling import ENTITY_TYPES, curve, out_of_fold, structure_features
from zsre_train import redocred


def document() -> dict:
    words = "Ada Lovelace met Charles Babbage in London in 1833 .".split()
    return {
        "sents": [words, "She wrote notes .".split()],
        "vertexSet": [
            [{"sent_id": 0, "pos": [0, 2], "type": "PER"}, {"sent_id": 1, "pos": [0, 1], "type": "PER"}],
            [{"sent_id": 0, "pos": [3, 5], "type": "PER"}],
            [{"sent_id": 0, "pos": [6, 7], "type": "LOC"}],
            [{"sent_id": 0, "pos": [8, 9], "type": "TIME"}],
        ],
        "labels": [],
    }


def test_structure_features_follow_the_sentence_pairs_order():
    doc = document()
    pairs = redocred.sentence_pairs(doc, 0)
    features = structure_features([doc], [0])
    assert len(features) == len(pairs) == 12  # 4 entities share sentence 0: 4 x 3 ordered pairs
    for pair, row in zip(pairs, features):
        head, tail = pair.instance.head, pair.instance.tail
        low, high = min(head[-1] + 1, tail[-1] + 1), max(head[0], tail[0])
        assert row[0] == np.log1p(high - low)  # tokens between the two mentions
        assert row[3] == float(head[0] < tail[0])
        assert row[4:].sum() == 1
    # Ada Lovelace -> London: Charles Babbage lies between them; the type pair is PER x LOC.
    ada_london = next(i for i, p in enumerate(pairs) if p.instance.head == (0, 1) and p.instance.tail == (6,))
    assert features[ada_london][1] == 1
    assert features[ada_london][4 + ENTITY_TYPES.index("PER") * len(ENTITY_TYPES) + ENTITY_TYPES.index("LOC")] == 1


def test_curve_reads_best_f1_and_recall_at_precision():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    right = np.array([True, True, False, True, False])
    result = curve(scores, right, related=4)  # one related pair was never ranked first
    # Answering the top 2: P 1, R 0.5, F1 0.667; the top 4: P 0.75, R 0.75, F1 0.75.
    assert result["bestF1"] == 0.75
    assert result["recallAtPrecision0.7"] == 0.75
    assert curve(scores, np.zeros(5, dtype=bool), related=4)["recallAtPrecision0.7"] == 0.0


def test_both_classifiers_learn_a_separable_signal_out_of_fold():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(400, 5))
    right = features[:, 0] + 0.1 * rng.normal(size=400) > 0
    groups = np.repeat(np.arange(40), 10)
    for kind in ("logistic", "mlp"):
        probabilities = out_of_fold(kind, features, right, groups)
        assert ((probabilities > 0.5) == right).mean() > 0.9, kind

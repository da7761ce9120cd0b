"""The pure parts of training/compare_fewshot_encoders.py: episode drawing, the adapted scorer
(a port of src/examples/adapt.ts) and the paired difference."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compare_fewshot_encoders import (adapt_descriptions, draw_episodes, mean_interval, paired_difference,  # noqa: E402
                                      prototype_of, score_episodes)


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def test_episodes_are_disjoint_and_reproducible():
    sizes = [12, 9, 30, 8, 15, 20, 8]
    drawn = draw_episodes(sizes, ways=5, shots=5, queries=3, episodes=200, seed=3)
    assert len(drawn) == 200
    for episode in drawn:
        assert len(set(episode.relations.tolist())) == 5
        assert episode.supports.shape == (5, 5) and episode.queries.shape == (5, 3)
        for position, relation in enumerate(episode.relations):
            examples, queries = set(episode.supports[position].tolist()), set(episode.queries[position].tolist())
            assert len(examples) == 5 and len(queries) == 3 and not examples & queries
            assert max(examples | queries) < sizes[relation]
    again = draw_episodes(sizes, ways=5, shots=5, queries=3, episodes=200, seed=3)
    assert all((a.relations == b.relations).all() and (a.supports == b.supports).all() and (a.queries == b.queries).all()
               for a, b in zip(drawn, again))


def test_episodes_skip_small_relations_and_refuse_too_few():
    drawn = draw_episodes([4, 20, 20], ways=2, shots=5, queries=3, episodes=50, seed=0)
    assert all(0 not in episode.relations.tolist() for episode in drawn)  # 4 < 5 + 3 sentences
    with pytest.raises(ValueError, match="fewer than 3 ways"):
        draw_episodes([4, 20, 20], ways=3, shots=5, queries=3, episodes=1, seed=0)


def test_zero_shot_episodes_have_no_examples():
    episode = draw_episodes([5, 5], ways=2, shots=0, queries=3, episodes=1, seed=1)[0]
    assert episode.supports.shape == (2, 0) and episode.queries.shape == (2, 3)


def _wrong_description_case():
    """Three relations on three axes; relation 1's description points at relation 2's axis, so
    relation 1's sentences are misread by their descriptions, and its examples fix that."""
    rng = np.random.default_rng(0)
    axes = np.eye(3, 8)
    descriptions = _unit(np.stack([axes[0], axes[2] + 0.05 * axes[1], axes[2]]))
    sentences = [_unit(axes[r] + 0.15 * rng.standard_normal((20, 8))) for r in range(3)]
    return descriptions, sentences


def test_adapted_scorer_fixes_a_wrong_description():
    descriptions, sentences = _wrong_description_case()
    supports = [s[:5] for s in sentences]
    queries = np.concatenate([s[5:] for s in sentences]).astype(np.float64)
    gold = np.repeat(np.arange(3), 15)
    before = (queries @ descriptions.astype(np.float64).T).argmax(axis=1) == gold
    adapted = adapt_descriptions(descriptions, supports, bi_weight=24.0, none_logit=10.5)
    after = (queries @ adapted.astype(np.float64).T).argmax(axis=1) == gold
    assert before[gold == 1].mean() < 0.5 and before.mean() < 0.7  # relations 1 and 2 are confused
    assert after[gold == 1].mean() == 1.0 and after.mean() > 0.95
    assert adapted.dtype == np.float32 and adapted.shape == descriptions.shape
    # the good descriptions move little, the wrong one a lot, toward its examples' direction
    moved = np.linalg.norm(adapted - descriptions, axis=1)
    assert moved[1] > 3 * max(moved[0], moved[2])
    assert adapted[1] @ prototype_of(supports[1]) > descriptions[1] @ prototype_of(supports[1])


def test_adapted_scorer_without_examples_is_the_description():
    descriptions, sentences = _wrong_description_case()
    empty = np.zeros((0, 8), dtype=np.float32)
    assert np.array_equal(adapt_descriptions(descriptions, [empty, empty, empty], 24.0, 10.5), descriptions)
    # a relation without examples keeps its description while the others adapt
    adapted = adapt_descriptions(descriptions, [sentences[0][:3], empty, sentences[2][:3]], 24.0, 10.5)
    assert np.array_equal(adapted[1], descriptions[1])


def test_adapted_scorer_with_no_steps_is_the_description():
    descriptions, sentences = _wrong_description_case()
    adapted = adapt_descriptions(descriptions, [s[:2] for s in sentences], 24.0, 10.5, steps=0)
    np.testing.assert_allclose(adapted, descriptions, atol=1e-7)


def test_score_episodes_scorers():
    descriptions, sentences = _wrong_description_case()
    episodes = draw_episodes([len(s) for s in sentences], ways=3, shots=5, queries=3, episodes=20, seed=2)
    scores = score_episodes(episodes, sentences, descriptions, {"biWeight": 24.0, "noneLogit": 10.5})
    assert set(scores) == {"description", "prototype", "adapted"} and all(len(v) == 20 for v in scores.values())
    assert np.mean(scores["adapted"]) > np.mean(scores["description"])
    zero = draw_episodes([len(s) for s in sentences], ways=3, shots=0, queries=3, episodes=5, seed=2)
    assert set(score_episodes(zero, sentences, descriptions, {"biWeight": 24.0, "noneLogit": 10.5})) == {"description"}


def test_paired_difference():
    baseline = [0.5, 0.6, 0.7, 0.8]
    variant = [0.6, 0.7, 0.8, 0.9]
    diff = paired_difference(variant, baseline)
    assert diff["mean"] == pytest.approx(0.1)
    assert diff["interval95"] == pytest.approx(0.0, abs=1e-12)  # a constant shift is certain when paired
    unpaired = mean_interval(variant)
    assert unpaired["interval95"] == pytest.approx(1.96 * np.std(variant, ddof=1) / 2)
    with pytest.raises(ValueError, match="same episodes"):
        paired_difference([0.1, 0.2], [0.1])

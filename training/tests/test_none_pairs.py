"""Re-DocRED pairs for training (issue 21): which documents, which pairs are "none", which are left out."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from zsre_train import none_pairs, redocred
from zsre_train.config import ConfigError, NonePairsConfig, parse_config


def test_training_documents_never_touch_what_the_benchmark_fits_or_measures():
    calibration, measuring = redocred.split_documents(500, 21, 200)
    training = redocred.training_documents(500)
    assert len(training) == 500 - redocred.RESERVED_CALIBRATION - redocred.RESERVED_MEASURING
    assert not set(training) & set(calibration[:100]) and not set(training) & set(measuring[:150])
    assert set(training) <= set(calibration) | set(measuring)


def test_recipe_relation_maps_docred_names():
    assert redocred.recipe_relation("P17", {"P17"}) == "P17"
    assert redocred.recipe_relation("P527", {"docred:has part"}) == "docred:has part"
    assert redocred.recipe_relation("P527", {"P17"}) is None


def _document() -> dict:
    return {
        "title": "t",
        "sents": [["Ada", "Lovelace", "met", "Charles", "Babbage", "in", "London", "."]],
        "vertexSet": [
            [{"name": "Ada Lovelace", "sent_id": 0, "pos": [0, 2], "type": "PER"}],
            [{"name": "Charles Babbage", "sent_id": 0, "pos": [3, 5], "type": "PER"}],
            [{"name": "London", "sent_id": 0, "pos": [6, 7], "type": "LOC"}],
        ],
        "labels": [{"h": 0, "t": 2, "r": "P551", "evidence": [0]}, {"h": 1, "t": 2, "r": "P527", "evidence": [0]}],
    }


def test_document_pairs_split_none_positives_and_other_relations(tmp_path: Path):
    folder = tmp_path / "extra" / "redocred"
    folder.mkdir(parents=True)
    (folder / "dev_revised.json").write_text(json.dumps([_document()] * 500), encoding="utf-8")
    (folder / "rel2id.json").write_text(json.dumps({"Na": 0, "P551": 1, "P527": 2}), encoding="utf-8")
    config = NonePairsConfig(documents=2, max_pairs=100, positives=True, none_cosine=0.5)
    found = none_pairs.document_pairs(config, tmp_path, {"P551"}, seed=1)
    # 6 ordered pairs per document: Ada->London holds P551 (trained), Babbage->London P527 (not trained: left out).
    assert found.counts == {"documents": 2, "nonePairs": 8, "noneKept": 8, "positivePairs": 2, "positivesKept": 2,
                            "otherRelationPairs": 2}
    assert all(i.relation == none_pairs.NONE_RELATION for i in found.none)
    assert [i.relation for i in found.positives] == ["P551", "P551"]
    assert found.documents == redocred.training_documents(500)[:2]
    fewer = none_pairs.document_pairs(NonePairsConfig(2, 3, False, 0.5), tmp_path, {"P551"}, seed=1)
    assert len(fewer.none) == 3 and fewer.positives == [] and fewer.counts["positivesKept"] == 0


def test_none_pairs_config_is_checked():
    raw = json.loads(json.dumps(_raw_config()))
    raw["data"]["none_pairs"] = {"documents": 0, "max_pairs": 1, "positives": True, "none_cosine": 0.5}
    with pytest.raises(ConfigError, match="none_pairs"):
        parse_config(raw)
    raw["data"]["none_pairs"] = {"documents": 5, "max_pairs": 1, "positives": True, "none_cosine": 0.5, "extra": 1}
    with pytest.raises(ConfigError, match="Unknown key"):
        parse_config(raw)


def _raw_config() -> dict:
    import yaml
    root = Path(__file__).resolve().parents[1]
    return yaml.safe_load((root / "configs" / "none" / "holdout_docs_none.yaml").read_text(encoding="utf-8"))


def test_the_ablation_recipes_differ_only_in_the_none_pairs():
    root = Path(__file__).resolve().parents[1] / "configs" / "none"
    import yaml
    a = yaml.safe_load((root / "holdout_docs_positives.yaml").read_text(encoding="utf-8"))
    b = yaml.safe_load((root / "holdout_docs_none.yaml").read_text(encoding="utf-8"))
    assert a["data"]["none_pairs"]["max_pairs"] == 0 and b["data"]["none_pairs"]["max_pairs"] > 0
    a["data"]["none_pairs"]["max_pairs"] = b["data"]["none_pairs"]["max_pairs"]
    parse_config(b)
    a.pop("name"), b.pop("name")
    assert a == b

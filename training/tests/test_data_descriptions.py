"""Relation inventories: FewRel (two sources), Wiki-ZSL, Wikidata, and the parser they share."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from zsre_train.data.descriptions import (
    fewrel_relations, split_name_is_description, wikidata_label_index, wikidata_relations, wikizsl_relations,
)
from zsre_train.data.errors import DataFormatError
from zsre_train.data.instance import RelationInfo
from zsre_train.data.paths import DEFAULT_DATA_DIR
from zsre_train.data.splits import FEWREL_PIDS


def test_split_name_is_description_uses_first_is() -> None:
    assert split_name_is_description("country of citizenship is the object is a country") == (
        "country of citizenship", "the object is a country")
    assert split_name_is_description("original language of work is  language of it") == ("original language of work", "language of it")
    assert split_name_is_description("sibling") == ("sibling", None)


def _tiny_data_dir(tmp_path: Path) -> Path:
    (tmp_path / "fewrel").mkdir()
    (tmp_path / "wikidata").mkdir()
    (tmp_path / "wikizsl").mkdir()
    (tmp_path / "fewrel" / "pid2name.json").write_text(json.dumps({"P26": ["spouse", "has spouse"], "P9": ["x", "No description defined"]}))
    (tmp_path / "wikidata" / "properties.json").write_text(json.dumps([
        {"property": "http://www.wikidata.org/entity/P569", "propertyLabel": "date of birth", "propertyDescription": "born on"},
        {"property": "http://www.wikidata.org/entity/P26", "propertyLabel": "spouse"},
        {"property": "http://www.wikidata.org/entity/P7", "propertyLabel": "dup"},
        {"property": "http://www.wikidata.org/entity/P8", "propertyLabel": "dup", "propertyDescription": ""}]))
    (tmp_path / "wikizsl" / "relation_descriptions.json").write_text(json.dumps(
        {"P569": "date of birth is date on which the subject was born", "P26": "spouse is old wording", "P9": "x is y"}))
    return tmp_path


def test_wikidata_relations_and_label_index_on_fixture(tmp_path: Path) -> None:
    data_dir = _tiny_data_dir(tmp_path)
    relations = wikidata_relations(data_dir)
    assert relations["P569"] == RelationInfo("P569", "date of birth", "born on")
    assert relations["P26"].description is None and relations["P8"].description is None
    assert wikidata_label_index(data_dir) == {"date of birth": "P569", "spouse": "P26"}  # "dup" is ambiguous


def test_wikizsl_relations_on_fixture_fall_back_to_wikidata(tmp_path: Path) -> None:
    data_dir = _tiny_data_dir(tmp_path)
    relations = wikizsl_relations(data_dir)
    assert list(relations) == ["P26", "P569", "P9"]
    assert relations["P26"] == RelationInfo("P26", "spouse", "has spouse")
    assert relations["P569"].description == "born on"
    assert relations["P9"].description is None  # pid2name's placeholder is not a description
    assert wikizsl_relations(data_dir, "re_matching")["P26"].description == "old wording"


def test_fewrel_relations_fixture_missing_relation_raises(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="no pid2name entry for FewRel relations"):
        fewrel_relations(_tiny_data_dir(tmp_path))
    with pytest.raises(DataFormatError, match="not found"):
        fewrel_relations(tmp_path / "nowhere")


def test_shared_fewrel_relations_cover_all_80_with_descriptions() -> None:
    relations = fewrel_relations(DEFAULT_DATA_DIR)
    assert tuple(relations) == FEWREL_PIDS
    assert all(r.name and r.description for r in relations.values())
    assert relations["P26"].name == "spouse"
    assert relations["P26"].description.startswith("the subject has the object as their spouse")


def test_shared_re_matching_strings_disagree_with_pid2name_as_reported() -> None:
    ours = fewrel_relations(DEFAULT_DATA_DIR)
    theirs = fewrel_relations(DEFAULT_DATA_DIR, "re_matching")
    assert tuple(theirs) == FEWREL_PIDS
    assert sorted(p for p in FEWREL_PIDS if ours[p].name != theirs[p].name) == ["P1923", "P3450", "P364"]
    assert sum(ours[p] != theirs[p] for p in FEWREL_PIDS) == 44
    assert theirs["P364"].name == "original language of work"


def test_shared_wikizsl_and_wikidata_inventories() -> None:
    wikizsl = wikizsl_relations(DEFAULT_DATA_DIR)
    assert len(wikizsl) == 113 and list(wikizsl) == sorted(wikizsl)
    assert wikizsl["P569"].name == "date of birth"
    wikidata = wikidata_relations(DEFAULT_DATA_DIR)
    assert len(wikidata) == 11_665
    assert sum(r.description is None for r in wikidata.values()) == 93

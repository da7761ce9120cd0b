"""FewRel reader: a hand-made file for the format rules, the shared files for the counts."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from zsre_train.data.errors import DataFormatError
from zsre_train.data.fewrel import read_fewrel
from zsre_train.data.instance import Instance
from zsre_train.data.paths import DEFAULT_DATA_DIR
from zsre_train.data.splits import FEWREL_TRAIN_PIDS, FEWREL_VALIDATION_PIDS


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "fewrel.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_reads_first_mention_positions_and_ignores_names(tmp_path: Path) -> None:
    path = _write(tmp_path, {
        "P26": [{"tokens": ["Ann", "married", "Bob", "and", "Bob", "smiled"],
                 "h": ["", "", [[0]]], "t": ["WRONG NAME", "Q1", [[2], [4]]], "source": "x"}],
        "P17": [{"tokens": ["Paris", "is", "in", "France", "."], "h": ["paris", "Q90", [[0]]], "t": ["france", "Q142", [[3]]]},
                {"tokens": ["New", "York", "City", "lies", "in", "the", "US"], "h": ["x", "", [[0, 1, 2]]], "t": ["us", "", [[6]]]}],
    })
    data = read_fewrel(path)
    assert list(data) == ["P26", "P17"]
    assert data["P26"][0] == Instance(("Ann", "married", "Bob", "and", "Bob", "smiled"), (0,), (2,), "P26", "fewrel")
    assert [len(v) for v in data.values()] == [1, 2]
    assert data["P17"][1].head == (0, 1, 2) and data["P17"][1].tail == (6,)


@pytest.mark.parametrize(("h_positions", "reason"), [
    ([[0, 2]], "head not contiguous"),
    ([[5]], "head outside the sentence"),
    ([[1]], "head and tail overlap"),
    ([[]], "empty head"),
])
def test_bad_positions_raise_with_the_record_named(tmp_path: Path, h_positions: list[list[int]], reason: str) -> None:
    path = _write(tmp_path, {"P1": [{"tokens": ["a", "b", "c"], "h": ["", "", h_positions], "t": ["", "", [[1]]]}]})
    with pytest.raises(DataFormatError, match=f"relation P1, instance 0: {reason}"):
        read_fewrel(path)


def test_wrong_shape_and_missing_file_raise(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="expected a JSON object"):
        read_fewrel(_write(tmp_path, [1, 2]))
    with pytest.raises(DataFormatError, match="expected an entity"):
        read_fewrel(_write(tmp_path, {"P1": [{"tokens": ["a"], "h": ["a"], "t": ["", "", [[0]]]}]}))
    with pytest.raises(DataFormatError, match="FewRel file not found"):
        read_fewrel(tmp_path / "missing.json")


def test_shared_validation_file_has_16_relations_of_700() -> None:
    data = read_fewrel(DEFAULT_DATA_DIR / "fewrel" / "val_wiki.json")
    assert set(data) == set(FEWREL_VALIDATION_PIDS)
    assert [len(v) for v in data.values()] == [700] * 16
    assert all(i.source == "fewrel" and i.relation == pid for pid, rows in data.items() for i in rows)


def test_shared_training_file_has_64_relations_44759_instances_in_protocol_order() -> None:
    data = read_fewrel(DEFAULT_DATA_DIR / "fewrel" / "train_wiki_rebuilt.json")
    assert tuple(data) == FEWREL_TRAIN_PIDS
    assert sum(len(v) for v in data.values()) == 44_759
    assert min(len(v) for v in data.values()) >= 690

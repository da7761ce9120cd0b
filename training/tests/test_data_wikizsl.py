"""Wiki-ZSL reader and split protocol: a hand-made file, the shipped sample and split files."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from zsre_train.data.descriptions import wikizsl_relations
from zsre_train.data.errors import DataFormatError
from zsre_train.data.instance import Instance
from zsre_train.data.paths import DEFAULT_DATA_DIR
from zsre_train.data.splits import PARTS, read_split
from zsre_train.data.wikizsl import WIKIZSL_SEEDS, make_wikizsl_split, read_wikizsl, wikizsl_split_path


def test_reads_fixture_keeps_first_mention_and_counts_skips(tmp_path: Path) -> None:
    path = tmp_path / "wikizsl.json"
    path.write_text(json.dumps({
        "P460": [{"tokens": ["Mars", "is", "Ares", ";", "Mars", "."], "head": [0, 4], "tail": [2], "label": "said to be the same as"},
                 {"tokens": ["a", "b"], "head": [], "tail": [1], "label": "said to be the same as"}],
        "P17": [{"tokens": ["Paris", ",", "France"], "head": [0], "tail": [2], "label": "country"},
                {"tokens": ["Paris", ",", "France"], "head": [0], "tail": [0], "label": "country"}],
    }))
    counts: Counter[str] = Counter()
    data = read_wikizsl(path, counts)
    assert data == {
        "P460": [Instance(("Mars", "is", "Ares", ";", "Mars", "."), (0,), (2,), "P460", "wikizsl")],
        "P17": [Instance(("Paris", ",", "France"), (0,), (2,), "P17", "wikizsl")],
    }
    assert counts == Counter({"kept": 2, "skipped: empty head": 1, "skipped: head and tail overlap": 1,
                              "note: several mentions, first kept": 1})


def test_malformed_record_raises(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"P1": [{"tokens": ["a"], "head": [0]}]}))
    with pytest.raises(DataFormatError, match="relation P1, instance 0"):
        read_wikizsl(path)


def test_shared_sample_counts() -> None:
    counts: Counter[str] = Counter()
    data = read_wikizsl(DEFAULT_DATA_DIR / "wikizsl" / "sample_6rel.json", counts)
    assert sorted(data) == ["P106", "P118", "P17", "P460", "P58", "P991"]
    assert counts == Counter({"kept": 599, "skipped: empty head": 1, "note: several mentions, first kept": 1})


def test_make_wikizsl_split_sorts_keys_first() -> None:
    pids = [f"P{i}" for i in range(20)]
    assert make_wikizsl_split(pids, 3, 40) == make_wikizsl_split(reversed(pids), 3, 40)


@pytest.mark.parametrize("m", [5, 10, 15])
@pytest.mark.parametrize("seed", WIKIZSL_SEEDS)
def test_protocol_reproduces_shipped_wikizsl_split_as_sets(m: int, seed: int) -> None:
    pids = list(wikizsl_relations(DEFAULT_DATA_DIR))
    shipped = read_split(wikizsl_split_path(DEFAULT_DATA_DIR, m, seed))
    derived = make_wikizsl_split(pids, m, seed)
    for part in PARTS:
        assert set(derived[part]) == set(shipped[part]), part

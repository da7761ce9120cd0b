"""Split files and the split protocol, checked against every shipped FewRel split."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from zsre_train.data.errors import DataFormatError
from zsre_train.data.paths import DEFAULT_DATA_DIR
from zsre_train.data.splits import (
    FEWREL_PIDS, FEWREL_SEEDS, PARTS, fewrel_split_path, make_fewrel_split, read_split, shuffle_split,
)


def test_read_split_orders_by_id_and_accepts_lists(tmp_path: Path) -> None:
    path = tmp_path / "split.json"
    path.write_text(json.dumps({"train": {"P2": 1, "P1": 0}, "eval": ["P3"], "test": {"P4": 0}}))
    assert read_split(path) == {"train": ["P1", "P2"], "eval": ["P3"], "test": ["P4"]}


def test_read_split_rejects_overlap_and_missing_parts(tmp_path: Path) -> None:
    path = tmp_path / "split.json"
    path.write_text(json.dumps({"train": {"P1": 0}, "eval": {"P1": 0}, "test": {}}))
    with pytest.raises(DataFormatError, match=r"\['P1'\] appear in more than one part"):
        read_split(path)
    path.write_text(json.dumps({"train": {}, "test": {}}))
    with pytest.raises(DataFormatError, match="keys train, eval, test"):
        read_split(path)


def test_shuffle_split_matches_global_random_protocol() -> None:
    keys = [f"P{i}" for i in range(30)]
    expected = list(keys)
    random.seed(7)
    random.shuffle(expected)
    split = shuffle_split(keys, 4, 7)
    assert split == {"train": expected[9:], "eval": expected[4:9], "test": expected[:4]}
    with pytest.raises(ValueError, match="Invalid m"):
        shuffle_split(keys, 26, 7)


def test_make_fewrel_split_rejects_ori() -> None:
    with pytest.raises(ValueError, match="read_split"):
        make_fewrel_split(5, "ori")  # type: ignore[arg-type]


def test_fewrel_protocol_keys_are_the_80_relations() -> None:
    assert len(FEWREL_PIDS) == len(set(FEWREL_PIDS)) == 80


@pytest.mark.parametrize("m", [5, 10, 15])
@pytest.mark.parametrize("seed", FEWREL_SEEDS)
def test_protocol_reproduces_shipped_fewrel_split_as_sets(m: int, seed: int) -> None:
    shipped = read_split(fewrel_split_path(DEFAULT_DATA_DIR, m, seed))
    derived = make_fewrel_split(m, seed)
    assert len(derived["test"]) == m and len(derived["eval"]) == 5
    for part in PARTS:
        assert set(derived[part]) == set(shipped[part]), part


def test_shipped_fewrel_files_do_not_keep_shuffle_order() -> None:
    # The finding behind "compare as sets": the order inside a shipped file is not the shuffle's.
    shipped = read_split(fewrel_split_path(DEFAULT_DATA_DIR, 5, 40))
    derived = make_fewrel_split(5, 40)
    assert derived["test"] == ["P135", "P403", "P1411", "P105", "P101"]
    assert shipped["test"] == ["P403", "P1411", "P135", "P105", "P101"]


@pytest.mark.parametrize("m", [5, 10, 15])
def test_ori_split_tests_on_validation_relations(m: int) -> None:
    split = read_split(fewrel_split_path(DEFAULT_DATA_DIR, m, "ori"))
    assert len(split["test"]) == m and len(split["eval"]) == 5
    assert sorted(p for part in PARTS for p in split[part]) == sorted(FEWREL_PIDS)


def test_ori_splits_follow_val_file_order_without_p2094() -> None:
    # Finding: 'ori' is not "the first m validation relations, then the next 5" in any one order.
    # It takes val_wiki.json's order with P2094 left out; at m=15 no validation relation is left,
    # and eval is the last 4 training relations plus P2094.
    order = ["P177", "P364", "P361", "P641", "P59", "P413", "P206", "P412", "P155", "P26",
             "P410", "P25", "P463", "P40", "P921"]
    for m in (5, 10):
        split = read_split(fewrel_split_path(DEFAULT_DATA_DIR, m, "ori"))
        assert split["test"] == order[:m] and split["eval"] == order[m : m + 5]
    split = read_split(fewrel_split_path(DEFAULT_DATA_DIR, 15, "ori"))
    assert split["test"] == order and split["eval"] == ["P407", "P1001", "P800", "P131", "P2094"]

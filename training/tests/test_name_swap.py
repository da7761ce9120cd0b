"""The held-out name-swap probe (zsre_train.heldout.name_swapped), as benchmarks/lib/nameSwap.ts does it."""
from __future__ import annotations

import pytest

from zsre_train.data.instance import Instance
from zsre_train.heldout import name_swapped


def row(tokens: str, head: tuple[int, ...], tail: tuple[int, ...], relation: str) -> Instance:
    return Instance(tuple(tokens.split()), head, tail, relation, "fewrel")


def names(instance: Instance) -> tuple[str, str]:
    return (" ".join(instance.tokens[i] for i in instance.head), " ".join(instance.tokens[i] for i in instance.tail))


def test_each_sentence_takes_the_names_of_the_next_relations_sentence_cyclically():
    rows = [row("Ann married Bob Lee", (0,), (2, 3), "P26"), row("Cleo married Dan", (0,), (2,), "P26"),
            row("Paris lies in France", (0,), (3,), "P17"), row("the river Rhine flows through Basel", (2,), (5,), "P206")]
    out = name_swapped(rows)
    assert [names(r) for r in out] == [("Paris", "France"), ("Paris", "France"), ("Rhine", "Basel"), ("Ann", "Bob Lee")]
    assert out[0].tokens == ("Paris", "married", "France") and out[3].tokens == ("the", "river", "Ann", "flows", "through", "Bob", "Lee")
    assert [r.relation for r in out] == [r.relation for r in rows]


def test_the_tail_first_order_is_kept():
    rows = [row("Bob , husband of Ann", (4,), (0,), "P26"), row("Rome is in Italy", (0,), (3,), "P17")]
    out = name_swapped(rows)
    assert out[0].tokens == ("Italy", ",", "husband", "of", "Rome") and names(out[0]) == ("Rome", "Italy")


def test_one_relation_is_refused():
    with pytest.raises(ValueError, match="at least two relations"):
        name_swapped([row("a b c", (0,), (2,), "P1")])

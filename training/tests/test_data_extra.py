"""Readers of the extra sets: hand-made lines for each format, then the shared files' counts."""
from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from zsre_train.data.descriptions import extra_relations, wikidata_relations
from zsre_train.data.errors import DataFormatError
from zsre_train.data.extra import (
    directed_label, read_chemprot, read_docred_sentences, read_extra, read_kbp37, read_semeval,
)
from zsre_train.data.instance import Instance
from zsre_train.data.paths import DEFAULT_DATA_DIR


def _jsonl(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "data.txt"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_directed_label() -> None:
    assert directed_label("Cause-Effect(e1,e2)") == ("Cause-Effect", False)
    assert directed_label("org:founded_by(e2,e1)") == ("org:founded_by", True)
    assert directed_label("INHIBITOR") == ("INHIBITOR", False)


def test_semeval_swaps_e2_e1_and_skips_other(tmp_path: Path) -> None:
    words = ["the", "virus", "caused", "the", "flu", "."]
    path = _jsonl(tmp_path, [
        {"token": words, "h": {"name": "virus", "pos": [1, 2]}, "t": {"name": "flu", "pos": [4, 5]}, "relation": "Cause-Effect(e1,e2)"},
        {"token": words, "h": {"name": "virus", "pos": [1, 2]}, "t": {"name": "flu", "pos": [4, 5]}, "relation": "Cause-Effect(e2,e1)"},
        {"token": words, "h": {"name": "virus", "pos": [1, 2]}, "t": {"name": "flu", "pos": [4, 5]}, "relation": "Other"},
    ])
    counts: Counter[str] = Counter()
    data = read_semeval(path, counts)
    assert data == {"semeval:Cause-Effect": [
        Instance(tuple(words), (1,), (4,), "semeval:Cause-Effect", "semeval2010"),
        Instance(tuple(words), (4,), (1,), "semeval:Cause-Effect", "semeval2010"),
    ]}
    assert counts == Counter({"kept": 2, "skipped: label Other": 1})


def test_semeval_missing_field_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match=r"data.txt:1: expected field h.pos"):
        read_semeval(_jsonl(tmp_path, [{"token": ["a"], "h": {"name": "a"}, "t": {}, "relation": "x"}]))


def test_kbp37_finds_names_prefers_nearest_e1_before_e2(tmp_path: Path) -> None:
    words = "Acme said Acme Corp chief Jo Lee and Acme".split()
    path = _jsonl(tmp_path, [
        {"token": words, "h": {"name": "Acme"}, "t": {"name": "Jo Lee"}, "relation": "org:top_members/employees(e1,e2)"},
        {"token": words, "h": {"name": "Jo Lee"}, "t": {"name": "Acme"}, "relation": "per:employee_of(e1,e2)"},
        {"token": words, "h": {"name": "Zed"}, "t": {"name": "Acme"}, "relation": "per:employee_of(e1,e2)"},
        {"token": words, "h": {"name": ""}, "t": {"name": "Acme"}, "relation": "per:employee_of(e1,e2)"},
        {"token": words, "h": {"name": "Acme"}, "t": {"name": "Jo"}, "relation": "no_relation"},
        {"token": words, "h": {"name": "Acme"}, "t": {"name": "Jo Lee"}, "relation": "per:employee_of(e2,e1)"},
    ])
    counts: Counter[str] = Counter()
    data = read_kbp37(path, counts)
    top = data["kbp37:org:top_members/employees"][0]
    assert (top.head, top.tail) == ((2,), (5, 6))  # the second "Acme", nearest before "Jo Lee"
    employee = data["kbp37:per:employee_of"]
    assert [(i.head, i.tail) for i in employee] == [((5, 6), (8,)), ((5, 6), (2,))]
    assert counts == Counter({"kept": 3, "skipped: entity name not found in the words": 1, "skipped: entity name empty": 1,
                              "skipped: label no_relation": 1, "note: a name occurs several times, nearest pair taken": 3})


def test_chemprot_strips_markers_and_splits_words(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, [
        {"text": "The << Ang II >>-induced rise; [[ valsartan ]], 51%.", "label": "INDIRECT-DOWNREGULATOR", "metadata": []},
        {"text": "[[ x ]] then << y >>", "label": "INHIBITOR", "metadata": []},
        {"text": "2(S)- [[(1,1-dimethyl)amino]] and << A >> with [[ B ]]", "label": "SUBSTRATE", "metadata": []},
        {"text": "<< A >> only", "label": "AGONIST", "metadata": []},
    ])
    counts: Counter[str] = Counter()
    data = read_chemprot(path, counts)
    first = data["chemprot:INDIRECT-DOWNREGULATOR"][0]
    assert first.tokens == ("The", "Ang", "II", "-", "induced", "rise", ";", "valsartan", ",", "51", "%", ".")
    assert (first.head, first.tail) == ((1, 2), (7,))
    second = data["chemprot:INHIBITOR"][0]
    assert second.tokens == ("x", "then", "y") and (second.head, second.tail) == ((2,), (0,))
    third = data["chemprot:SUBSTRATE"][0]  # a "[[" inside a chemical name is not a marker
    assert [third.tokens[i] for i in third.head] == ["A"] and [third.tokens[i] for i in third.tail] == ["B"]
    assert counts == Counter({"kept": 3, "skipped: markers not exactly one << >> and one [[ ]]": 1})


def test_docred_markers_labels_and_malformed_rows(tmp_path: Path) -> None:
    path = tmp_path / "docred.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sentences", "labels"])
        writer.writerow(["<e1> Pasay City </e1> , in the <e2> Philippines </e2> .", "country"])
        writer.writerow(["<e2> Metro Manila </e2> in the <e1> Philippines </e1>", "contains administrative territorial entity"])
        writer.writerow(["capital of <e1> Helmand </e1> <e2> Province", "country"])
        writer.writerow(["<e2> A <e1> B </e1> </e2>", "country"])
    counts: Counter[str] = Counter()
    data = read_docred_sentences(path, {"country": "P17"}, counts)
    assert data["P17"] == [Instance(("Pasay", "City", ",", "in", "the", "Philippines", "."), (0, 1), (5,), "P17", "docred_sentences")]
    reverse = data["docred:contains administrative territorial entity"][0]
    assert reverse.tokens == ("Metro", "Manila", "in", "the", "Philippines") and (reverse.head, reverse.tail) == ((4,), (0, 1))
    assert counts == Counter({"kept": 2, "skipped: malformed <e1>/<e2> markers": 2})


def test_docred_wrong_header_raises(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("text,label\nx,y\n")
    with pytest.raises(DataFormatError, match="sentences,labels"):
        read_docred_sentences(path, {})


@pytest.fixture(scope="module")
def shared_extra() -> tuple[dict[str, list[Instance]], Counter[str]]:
    counts: Counter[str] = Counter()
    return read_extra(DEFAULT_DATA_DIR, counts), counts


def test_shared_extra_counts(shared_extra: tuple[dict[str, list[Instance]], Counter[str]]) -> None:
    _, counts = shared_extra
    assert counts == Counter({
        "semeval2010: kept": 8853, "semeval2010: skipped: label Other": 1864,
        "kbp37: kept": 4473, "kbp37: skipped: label no_relation": 629, "kbp37: skipped: entity name empty": 27,
        "kbp37: note: a name occurs several times, nearest pair taken": 722,
        "chemprot: kept": 10065,
        "docred_sentences: kept": 16692, "docred_sentences: skipped: malformed <e1>/<e2> markers": 71,
    })


def test_every_emitted_relation_has_a_description(shared_extra: tuple[dict[str, list[Instance]], Counter[str]]) -> None:
    data, _ = shared_extra
    team = extra_relations()
    wikidata = wikidata_relations(DEFAULT_DATA_DIR)
    namespaced = {r for r in data if not r.startswith("P")}
    assert namespaced == set(team)  # every emitted label described, and no description left unused
    assert all(team[r].name and team[r].description for r in namespaced)
    pids = {r for r in data if r.startswith("P")}
    assert len(pids) == 84 and all(wikidata[p].description for p in pids)
    assert sum(1 for r in data if r.startswith("semeval:")) == 9
    assert sum(1 for r in data if r.startswith("kbp37:")) == 18
    assert sum(1 for r in data if r.startswith("chemprot:")) == 13


def test_extra_relations_rejects_bad_entries(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"semeval:X": {"name": "x"}}))
    with pytest.raises(DataFormatError, match="semeval:X"):
        extra_relations(path)

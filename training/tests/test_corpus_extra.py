"""Default-model corpora: extra sets join training, held-out relations never do."""
from __future__ import annotations

from pathlib import Path

from zsre_train.config import load_config
from zsre_train.corpus import load_corpus
from zsre_train.data.paths import DEFAULT_DATA_DIR
from zsre_train.data.splits import read_split

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def test_holdout_corpus_keeps_held_out_relations_and_chemprot_out() -> None:
    config = load_config(CONFIGS / "default_holdout.yaml")
    corpus = load_corpus(config, DEFAULT_DATA_DIR)
    split = read_split(DEFAULT_DATA_DIR / config.data.split)
    held_out = set(split["test"]) | set(split["eval"])
    assert not held_out & set(corpus.train_relations)
    assert not held_out & {instance.relation for instance in corpus.train}
    assert not set(config.data.exclude_relations) & set(corpus.train_relations)
    sources = {instance.source for instance in corpus.train}
    assert sources == {"fewrel", "semeval2010", "kbp37", "docred_sentences"}
    assert all(relation in corpus.relations for relation in corpus.train_relations)


def test_benchmark_corpus_has_no_extra_sets() -> None:
    corpus = load_corpus(load_config(CONFIGS / "fewrel_m5_ori.yaml"), DEFAULT_DATA_DIR)
    assert {instance.source for instance in corpus.train} == {"fewrel"}
    assert len(corpus.train_relations) == 70


def test_all_corpus_reads_its_split_from_the_repository() -> None:
    config = load_config(CONFIGS / "default_all.yaml")
    corpus = load_corpus(config, DEFAULT_DATA_DIR)
    assert len([r for r in corpus.train_relations if r.startswith("P")]) >= 75
    assert "chemprot" in {instance.source for instance in corpus.train}
    assert not set(corpus.eval_relations) & {instance.relation for instance in corpus.train}

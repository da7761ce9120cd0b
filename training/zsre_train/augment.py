"""Entity-name replacement in training sentences (issue 11, "context over names").

A relation extractor can learn a shortcut from names alone ("Paris" -> capital of, two person
names -> spouse) and then fails on sentences whose names it never saw: the name-bias probe
(`npm run bench:name-bias`) measures that. Replacing names at random while keeping the sentence
forces the models to read the context, as the CIBi paper cuts the question-only shortcut in VQA.

Replacements are drawn once per run from a generator seeded with the recipe's seed, so a resumed
run sees the same sentences. Only the training sentences change; eval and held-out ones never do.
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Sequence

from .config import EntityReplacementConfig
from .data.instance import Instance

GENERIC_PLACEHOLDER = ("entity",)


def _replace_span(tokens: tuple[str, ...], span: tuple[int, ...], words: Sequence[str]) -> tuple[tuple[str, ...], int]:
    """tokens with the words of `span` replaced; returns the new tokens and the length change."""
    new = tokens[:span[0]] + tuple(words) + tokens[span[-1] + 1:]
    return new, len(words) - len(span)


def _shift(span: tuple[int, ...], at: int, by: int) -> tuple[int, ...]:
    return tuple(i + by for i in span) if span[0] > at else span


def replace_mention(instance: Instance, slot: str, words: Sequence[str]) -> Instance:
    """The instance with its head (slot "head") or tail mention replaced by `words`.

    Only apart spans are handled (the training readers skip nested ones); the other span moves
    by the length change when it comes after the replaced one.
    """
    if not words:
        raise ValueError("A replacement mention needs at least one word")
    head, tail = instance.head, instance.tail
    if not (head[-1] < tail[0] or tail[-1] < head[0]):
        raise ValueError(f"Cannot replace a mention of nested or overlapping spans (head {list(head)}, tail {list(tail)})")
    target, other = (head, tail) if slot == "head" else (tail, head)
    tokens, delta = _replace_span(instance.tokens, target, words)
    new_target = tuple(range(target[0], target[0] + len(words)))
    new_other = _shift(other, target[0], delta)
    new_head, new_tail = (new_target, new_other) if slot == "head" else (new_other, new_target)
    return Instance(tokens, new_head, new_tail, instance.relation, instance.source)


def mention_pools(instances: Sequence[Instance]) -> dict[tuple[str, str], list[tuple[str, ...]]]:
    """Distinct mentions per (relation, slot), in first-seen order: names of the same kind."""
    pools: dict[tuple[str, str], dict[tuple[str, ...], None]] = {}
    for row in instances:
        pools.setdefault((row.relation, "head"), {})[tuple(row.tokens[i] for i in row.head)] = None
        pools.setdefault((row.relation, "tail"), {})[tuple(row.tokens[i] for i in row.tail)] = None
    return {key: list(names) for key, names in pools.items()}


def typed_placeholders(data_dir: Path) -> dict[tuple[str, str], tuple[str, ...]]:
    """{(PID, slot): type words} from RE-Matching's typed FewRel descriptions (first type listed).

    Missing file: no typed placeholders (every slot gets the generic one).
    """
    path = data_dir / "fewrel" / "relation_descriptions_typed.json"
    if not path.is_file():
        return {}
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for record in json.loads(path.read_text(encoding="utf-8")):
        for slot, key in (("head", "h"), ("tail", "t")):
            types = record.get(key) or []
            if types and isinstance(types[0], str) and types[0].strip():
                out[(record["relation"], slot)] = tuple(types[0].split())
    return out


def replace_entities(instances: Sequence[Instance], config: EntityReplacementConfig, seed: int,
                     placeholders: dict[tuple[str, str], tuple[str, ...]] | None = None) -> tuple[list[Instance], dict]:
    """Training sentences with names replaced at random; returns them and counts for run.json."""
    rng = random.Random(f"entity-replacement:{seed}")
    pools = mention_pools(instances) if config.mode == "corpus" else {}
    placeholders = placeholders or {}
    out, replaced, kept_alone = [], 0, 0
    for row in instances:
        nested = not (row.head[-1] < row.tail[0] or row.tail[-1] < row.head[0])
        for slot in ("head", "tail"):
            if nested or rng.random() >= config.probability:
                continue
            span = row.head if slot == "head" else row.tail
            current = tuple(row.tokens[i] for i in span)
            if config.mode == "placeholder":
                words = placeholders.get((row.relation, slot), GENERIC_PLACEHOLDER)
            else:
                others = [name for name in pools[(row.relation, slot)] if name != current]
                if not others:
                    kept_alone += 1  # the only name this slot ever had: nothing of the same kind to swap in
                    continue
                words = others[rng.randrange(len(others))]
            row = replace_mention(row, slot, words)
            replaced += 1
        out.append(row)
    return out, {"mode": config.mode, "probability": config.probability, "mentionsReplaced": replaced,
                 "mentionsWithoutAlternative": kept_alone, "sentences": len(instances)}

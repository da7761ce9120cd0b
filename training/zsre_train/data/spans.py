"""Word-span helpers shared by the readers: checks, first mentions, word splitting, name search.

Downstream code (zsre_train.text) requires head and tail to be non-empty, contiguous,
ascending, inside the sentence and disjoint; readers check that here once, so a bad
record is caught (and reported or counted) where its file and line are still known.
"""
from __future__ import annotations

import re
from typing import Sequence

# Words and single punctuation characters. BERT's basic tokenizer splits text on whitespace and
# on every punctuation character before word pieces are made, so splitting raw text this way
# yields the same word pieces as tokenizing the raw text, while giving word positions.
_WORD = re.compile(r"\w+|[^\w\s]")


def split_words(text: str) -> list[str]:
    """Split raw text into words and punctuation characters."""
    return _WORD.findall(text)


def span_problem(n_words: int, head: Sequence[int], tail: Sequence[int]) -> str | None:
    """Why head/tail cannot be used (a short reason), or None when they are fine."""
    for name, span in (("head", head), ("tail", tail)):
        if not span:
            return f"empty {name}"
        if list(span) != list(range(span[0], span[0] + len(span))):
            return f"{name} not contiguous"
        if span[0] < 0 or span[-1] >= n_words:
            return f"{name} outside the sentence"
    if set(head) & set(tail):
        return "head and tail overlap"
    return None


def first_run(indices: Sequence[int]) -> list[int]:
    """The first contiguous run of word indices.

    Wiki-ZSL lists every mention of an entity in one flat list (e.g. [7, 30] for two
    one-word mentions); like FewRel's "first mention", the first run is the entity.
    """
    if not indices:
        return []
    run = [indices[0]]
    for index in indices[1:]:
        if index != run[-1] + 1:
            break
        run.append(index)
    return run


def find_word_sequence(tokens: Sequence[str], words: Sequence[str]) -> list[tuple[int, int]]:
    """All (start, end) half-open spans where `words` occurs in `tokens`, exact match."""
    n = len(words)
    if n == 0:
        return []
    return [(i, i + n) for i in range(len(tokens) - n + 1) if list(tokens[i : i + n]) == list(words)]

"""Text preparation exactly as docs/model-directory.md ("Text preparation") states it.

The TypeScript runtime re-implements these rules, and parity.json checks that both sides
produce the same token ids, so every rule here is deterministic and written down.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from transformers import PreTrainedTokenizerBase

# The RE-Matching / EMMA convention; both are single tokens in the uncased BERT vocabulary.
MARKERS = {"headStart": "#", "headEnd": "#", "tailStart": "@", "tailEnd": "@"}
DESCRIPTION_TEMPLATE = "{name} is {description}"
NAME_ONLY_TEMPLATE = "{name}"


@dataclass(frozen=True)
class SentenceInput:
    """One prepared sentence: ids with [CLS]/[SEP], and the positions of the head and tail start markers."""

    input_ids: list[int]
    head_index: int
    tail_index: int


def _check_span(name: str, span: Sequence[int], n_words: int) -> None:
    if not span:
        raise ValueError(f"Invalid {name} span: expected at least one word index, received none")
    if list(span) != list(range(span[0], span[0] + len(span))):
        raise ValueError(f"Invalid {name} span {list(span)}: expected contiguous ascending word indices")
    if span[0] < 0 or span[-1] >= n_words:
        raise ValueError(f"Invalid {name} span {list(span)}: sentence has {n_words} words")


def _span_layout(head: Sequence[int], tail: Sequence[int]) -> tuple[list[int], bool, bool]:
    """Word boundaries of the five segments, whether the head's markers open first, and nesting.

    Apart: before | first entity | between | second entity | after.
    Nested (one span inside the other, not identical): before | outer words before the inner
    entity | inner entity | outer words after it | after; the outer entity's markers open first.
    Identical or crossing spans cannot be marked and are refused.
    """
    h0, h1 = head[0], head[-1] + 1
    t0, t1 = tail[0], tail[-1] + 1
    if h1 <= t0 or t1 <= h0:
        head_first = h0 < t0
        (a0, a1), (b0, b1) = ((h0, h1), (t0, t1)) if head_first else ((t0, t1), (h0, h1))
        return [a0, a1, b0, b1], head_first, False
    if (h0, h1) == (t0, t1):
        raise ValueError(f"Invalid entities: head {list(head)} and tail {list(tail)} are the same span; give different spans")
    tail_in_head = h0 <= t0 and t1 <= h1
    head_in_tail = t0 <= h0 and h1 <= t1
    if not (tail_in_head or head_in_tail):
        raise ValueError(f"Invalid entities: head {list(head)} and tail {list(tail)} partly overlap; give apart or nested spans")
    (o0, o1), (i0, i1) = ((h0, h1), (t0, t1)) if tail_in_head else ((t0, t1), (h0, h1))
    return [o0, i0, i1, o1], tail_in_head, True


def _segment_token_ids(
    tokenizer: PreTrainedTokenizerBase, words: Sequence[str], head: Sequence[int], tail: Sequence[int]
) -> tuple[list[list[int]], bool, bool]:
    """Token ids of the five segments (see `_span_layout`), whether the head opens first, and nesting.

    The words are tokenized once with is_split_into_words; word_ids() assigns every token to its
    word, hence to its segment. BERT's pre-tokenizer splits on whitespace and punctuation, so
    this equals tokenizing each segment (its words joined with one space) on its own, as the
    contract states.
    """
    _check_span("head", head, len(words))
    _check_span("tail", tail, len(words))
    inner_bounds, head_first, nested = _span_layout(head, tail)
    bounds = [0, *inner_bounds, len(words)]
    segment_of_word = [0] * len(words)
    for seg in range(5):
        for w in range(bounds[seg], bounds[seg + 1]):
            segment_of_word[w] = seg
    encoding = tokenizer(list(words), is_split_into_words=True, add_special_tokens=False)
    segments: list[list[int]] = [[] for _ in range(5)]
    for token_id, word_id in zip(encoding["input_ids"], encoding.word_ids()):
        segments[segment_of_word[word_id]].append(token_id)
    return segments, head_first, nested


def window_lengths(lengths: Sequence[int], budget: int, nested: bool = False) -> tuple[int, int, int, int, int]:
    """How many tokens of each segment survive when the five together must fit `budget`.

    Rules (contract step 3), in order:
    1. Entities and the between-segment fit: the remaining budget r goes to the context,
       keeping the END of seg0 and the START of seg4:
       left = min(L0, max(r // 2, r - L4)), right = min(L4, r - left).
    2. Otherwise no context; the between-segment keeps its first ceil(a/2) and last floor(a/2)
       tokens, a = budget - L1 - L3 (see `window_segments`).
    3. If the two entities alone do not fit, between is empty and the longer entity loses a token
       from its end, repeatedly (on a tie the second entity loses it).
    Nested entities (seg1 + seg2 + seg3 is the outer entity, seg2 the inner one): when the outer
    entity does not fit, there is no context and it keeps its first `budget` tokens.
    """
    l0, l1, l2, l3, l4 = lengths
    if nested and l1 + l2 + l3 > budget:
        k1 = min(l1, budget)
        k2 = min(l2, budget - k1)
        return 0, k1, k2, min(l3, budget - k1 - k2), 0
    if l1 + l2 + l3 <= budget:
        rest = budget - (l1 + l2 + l3)
        left = min(l0, max(rest // 2, rest - l4))
        right = min(l4, rest - left)
        return left, l1, l2, l3, right
    if l1 + l3 <= budget:
        return 0, l1, budget - l1 - l3, l3, 0
    e1, e2 = l1, l3
    while e1 + e2 > budget:
        if e1 > e2:
            e1 -= 1
        else:
            e2 -= 1
    return 0, e1, 0, e2, 0


def window_segments(segments: list[list[int]], budget: int, nested: bool = False) -> list[list[int]]:
    """Apply `window_lengths` to the token lists: which tokens of each segment are kept.

    The between-segment keeps its two ends when apart; nested, it is the inner entity and keeps its start.
    """
    keep = window_lengths([len(s) for s in segments], budget, nested)
    seg0, seg1, seg2, seg3, seg4 = segments
    kept0 = seg0[len(seg0) - keep[0]:] if keep[0] else []
    front = keep[2] if nested else (keep[2] + 1) // 2
    back = 0 if nested else keep[2] // 2
    kept2 = seg2[:front] + (seg2[len(seg2) - back:] if back else [])
    return [kept0, seg1[: keep[1]], kept2, seg3[: keep[3]], seg4[: keep[4]]]


class NestedEntityCut(ValueError):
    """A nested pair whose inner entity starts past the window: the runtime's NESTED_ENTITY_CUT.

    Cutting the outer entity from its end (contract step 3) would leave the inner markers around
    nothing, so the pair is refused rather than encoded, as src/tokenizer/sequences.ts does.
    The training readers skip nested pairs, so only evaluation of such inputs can meet it.
    """


def prepare_sentence(
    tokenizer: PreTrainedTokenizerBase,
    words: Sequence[str],
    head: Sequence[int],
    tail: Sequence[int],
    max_length: int,
) -> SentenceInput:
    """[CLS] seg0 M1 seg1 M2 seg2 M3 seg3 M4 seg4 [SEP], windowed to max_length tokens.

    Apart, M1/M2 enclose the first entity and M3/M4 the second; nested, M1/M4 enclose the outer
    entity and M2/M3 the inner one ("# Gulf of @ Thailand @ #").
    head_index / tail_index are computed from the segment lengths, never by searching for the
    marker id: the text itself may contain '#' or '@'.
    """
    if max_length < 7:
        raise ValueError(f"Invalid max_length {max_length}: need room for [CLS], 4 markers, 1 token and [SEP]")
    segments, head_first, nested = _segment_token_ids(tokenizer, words, head, tail)
    kept = window_segments(segments, max_length - 6, nested)
    if nested and segments[2] and not kept[2]:
        inner, outer = ("tail", "head") if head_first else ("head", "tail")
        raise NestedEntityCut(
            f"The {inner} entity lies inside the {outer} entity and starts {len(segments[1])} tokens into it, "
            f"past the {max_length - 6} tokens the model reads of a sentence: give a shorter {outer} entity, or split the text"
        )
    marker_id = {k: tokenizer.convert_tokens_to_ids(v) for k, v in MARKERS.items()}
    open1, close1, open2, close2 = (
        ("headStart", "headEnd", "tailStart", "tailEnd") if head_first else ("tailStart", "tailEnd", "headStart", "headEnd")
    )
    m1, m2, m3, m4 = (open1, open2, close2, close1) if nested else (open1, close1, open2, close2)
    ids = [tokenizer.cls_token_id, *kept[0]]
    first_start = len(ids)
    ids += [marker_id[m1], *kept[1]]
    second_if_nested = len(ids)
    ids += [marker_id[m2], *kept[2]]
    second_start = second_if_nested if nested else len(ids)
    ids += [marker_id[m3], *kept[3], marker_id[m4], *kept[4], tokenizer.sep_token_id]
    head_index, tail_index = (first_start, second_start) if head_first else (second_start, first_start)
    return SentenceInput(input_ids=ids, head_index=head_index, tail_index=tail_index)


def description_text(name: str, description: str | None) -> str:
    """The template of step 4; relations without a description use the name alone."""
    if description:
        return DESCRIPTION_TEMPLATE.format(name=name, description=description)
    return NAME_ONLY_TEMPLATE.format(name=name)


def prepare_description(
    tokenizer: PreTrainedTokenizerBase, name: str, description: str | None, max_length: int
) -> list[int]:
    """[CLS] tokens [SEP], truncated to max_length with the final [SEP] kept."""
    ids = tokenizer(description_text(name, description), add_special_tokens=False)["input_ids"]
    return [tokenizer.cls_token_id, *ids[: max_length - 2], tokenizer.sep_token_id]


def cross_pair(
    tokenizer: PreTrainedTokenizerBase, sentence_ids: Sequence[int], description_ids: Sequence[int]
) -> tuple[list[int], list[int]]:
    """[CLS] sentence [SEP] description [SEP] and its token_type_ids (0 through the first [SEP], 1 after)."""
    first = list(sentence_ids)  # already [CLS] ... [SEP]
    second = list(description_ids[1:])  # drop the description's [CLS], keep its [SEP]
    return first + second, [0] * len(first) + [1] * len(second)


def pad_batch(rows: Sequence[Sequence[int]], pad_id: int) -> tuple[list[list[int]], list[list[int]]]:
    """Pad to the longest row; returns (ids, attention_mask)."""
    width = max(len(r) for r in rows)
    ids = [list(r) + [pad_id] * (width - len(r)) for r in rows]
    mask = [[1] * len(r) + [0] * (width - len(r)) for r in rows]
    return ids, mask

"""Text preparation per docs/model-directory.md: markers, head/tail index, windowing, descriptions, pairs."""
from __future__ import annotations

import pytest

from zsre_train.text import NestedEntityCut, cross_pair, pad_batch, prepare_description, prepare_sentence, window_lengths, window_segments


def tokens(tokenizer, ids):
    return tokenizer.convert_ids_to_tokens(ids)


def test_markers_surround_head_and_tail(tokenizer):
    words = "John Smith married Mary Jones in Paris".split()
    s = prepare_sentence(tokenizer, words, head=[0, 1], tail=[3, 4], max_length=128)
    assert tokens(tokenizer, s.input_ids) == ["[CLS]", "#", "john", "smith", "#", "married", "@", "mary", "jones", "@",
                                              "in", "paris", "[SEP]"]
    assert (s.head_index, s.tail_index) == (1, 6)


def test_tail_before_head_puts_tail_markers_first(tokenizer):
    words = "Paris is the capital of France".split()
    s = prepare_sentence(tokenizer, words, head=[5], tail=[0], max_length=128)
    assert tokens(tokenizer, s.input_ids) == ["[CLS]", "@", "paris", "@", "is", "the", "capital", "of", "#", "france", "#", "[SEP]"]
    assert (s.head_index, s.tail_index) == (8, 1)


def test_hash_and_at_in_the_text_do_not_move_the_indices(tokenizer):
    words = "# tags : Alice # Smith met @bob ## at @ noon".split()
    s = prepare_sentence(tokenizer, words, head=[3, 4, 5], tail=[7], max_length=128)
    toks = tokens(tokenizer, s.input_ids)
    assert toks[:4] == ["[CLS]", "#", "tags", ":"]  # a '#' from the text comes before the head marker
    assert toks[s.head_index] == "#" and toks[s.head_index + 1] == "alice"
    assert toks[s.tail_index] == "@" and toks[s.tail_index + 1:s.tail_index + 3] == ["@", "bob"]
    assert (s.head_index, s.tail_index) == (4, 10)


def test_word_pieces_of_one_word_stay_in_its_segment(tokenizer):
    words = "Tokenization happens in Llanfairpwllgwyngyll today".split()
    s = prepare_sentence(tokenizer, words, head=[0], tail=[3], max_length=128)
    toks = tokens(tokenizer, s.input_ids)
    assert toks[s.head_index + 1:s.head_index + 3] == ["token", "##ization"]
    end = toks.index("@", s.tail_index + 1)
    assert "".join(t.replace("##", "") for t in toks[s.tail_index + 1:end]) == "llanfairpwllgwyngyll"


@pytest.mark.parametrize(
    "lengths, budget, expected",
    [
        ((3, 1, 2, 1, 3), 20, (3, 1, 2, 1, 3)),  # fits: nothing dropped
        ((50, 2, 4, 2, 50), 20, (6, 2, 4, 2, 6)),  # balanced context
        ((50, 2, 4, 2, 50), 21, (6, 2, 4, 2, 7)),  # odd remainder goes to the right
        ((2, 2, 4, 2, 50), 20, (2, 2, 4, 2, 10)),  # short left side: the right side takes the rest
        ((50, 2, 4, 2, 1), 20, (11, 2, 4, 2, 1)),
        ((9, 2, 30, 2, 9), 20, (0, 2, 16, 2, 0)),  # between cut, no context
        ((5, 15, 3, 12, 5), 20, (0, 10, 0, 10, 0)),  # entities cut from their end, longer first
        ((0, 11, 0, 11, 0), 21, (0, 11, 0, 10, 0)),  # tie: the second entity loses the token
    ],
)
def test_window_lengths(lengths, budget, expected):
    assert window_lengths(lengths, budget) == expected


def test_window_keeps_context_near_the_entities_and_both_ends_of_between():
    segs = [list(range(100, 110)), [1], list(range(200, 210)), [2], list(range(300, 310))]
    assert window_segments(segs, 8) == [[], [1], [200, 201, 202, 207, 208, 209], [2], []]
    assert window_segments(segs, 16) == [[108, 109], [1], list(range(200, 210)), [2], [300, 301]]


def test_long_sentence_is_windowed_to_max_length_with_markers_kept(tokenizer):
    filler = "the committee met again in the spring".split()
    words = filler * 20 + ["Ada", "met", "Alan"] + filler * 20
    n = len(filler) * 20
    s = prepare_sentence(tokenizer, words, head=[n], tail=[n + 2], max_length=32)
    toks = tokens(tokenizer, s.input_ids)
    assert len(s.input_ids) == 32 and toks[0] == "[CLS]" and toks[-1] == "[SEP]"
    assert toks[s.head_index:s.head_index + 3] == ["#", "ada", "#"]
    assert toks[s.tail_index:s.tail_index + 3] == ["@", "alan", "@"]
    left, right = s.head_index - 1, len(s.input_ids) - 1 - (s.tail_index + 3)
    assert (left, right) == (11, 12)  # 23 context tokens, as balanced as possible


def test_crossing_and_identical_entities_are_rejected(tokenizer):
    with pytest.raises(ValueError, match="partly overlap"):
        prepare_sentence(tokenizer, "a b c d".split(), head=[0, 1], tail=[1, 2], max_length=128)
    with pytest.raises(ValueError, match="same span"):
        prepare_sentence(tokenizer, "a b c d".split(), head=[1, 2], tail=[1, 2], max_length=128)


def test_nested_entities_get_nested_markers(tokenizer):
    words = "The Gulf of Thailand borders Cambodia".split()
    s = prepare_sentence(tokenizer, words, head=[1, 2, 3], tail=[3], max_length=128)
    toks = tokens(tokenizer, s.input_ids)
    assert toks == ["[CLS]", "the", "#", "gulf", "of", "@", "thailand", "@", "#", "borders", "cambodia", "[SEP]"]
    assert (toks[s.head_index], toks[s.tail_index]) == ("#", "@") and s.head_index < s.tail_index
    inner_head = prepare_sentence(tokenizer, words, head=[3], tail=[1, 2, 3], max_length=128)
    toks = tokens(tokenizer, inner_head.input_ids)
    assert toks == ["[CLS]", "the", "@", "gulf", "of", "#", "thailand", "#", "@", "borders", "cambodia", "[SEP]"]
    assert (toks[inner_head.head_index], toks[inner_head.tail_index]) == ("#", "@")


def test_nested_outer_entity_longer_than_the_window_keeps_its_start(tokenizer):
    words = ["In"] + ["Wolfgang"] * 8 + ["Mozart", "Amadeus"] + ["x"] * 30
    s = prepare_sentence(tokenizer, words, head=range(1, 41), tail=[9, 10], max_length=16)
    toks = tokens(tokenizer, s.input_ids)
    assert len(s.input_ids) == 16 and toks[1] == "#" and toks[s.head_index] == "#"
    # budget 10: 8 tokens of the outer entity before the inner one, then the inner entity's first 2 tokens
    assert toks[s.tail_index] == "@" and s.tail_index == 10 and toks[11] != "@"


def test_nested_inner_entity_past_the_window_is_refused(tokenizer):
    # As the runtime's NESTED_ENTITY_CUT (src/tokenizer/sequences.ts): never an empty marker pair.
    words = ["In"] + ["Wolfgang"] * 40 + ["Mozart"] + ["x"] * 3
    with pytest.raises(NestedEntityCut, match="The tail entity lies inside the head entity and starts 40 tokens into it"):
        prepare_sentence(tokenizer, words, head=range(1, 42), tail=[41], max_length=16)
    with pytest.raises(NestedEntityCut, match="The head entity lies inside the tail entity"):
        prepare_sentence(tokenizer, words, head=[41], tail=range(1, 42), max_length=16)


def test_description_template_truncation_and_name_only(tokenizer):
    ids = prepare_description(tokenizer, "spouse", "the subject has the object as their spouse", 64)
    assert tokens(tokenizer, ids) == ["[CLS]", "spouse", "is", "the", "subject", "has", "the", "object", "as", "their", "spouse", "[SEP]"]
    assert tokens(tokenizer, prepare_description(tokenizer, "custom link", None, 64)) == ["[CLS]", "custom", "link", "[SEP]"]
    long = prepare_description(tokenizer, "x", "word " * 100, 10)
    assert len(long) == 10 and long[-1] == tokenizer.sep_token_id


def test_cross_pair_and_padding(tokenizer):
    s = prepare_sentence(tokenizer, ["Ada", "met", "Alan"], head=[0], tail=[2], max_length=128)
    d = prepare_description(tokenizer, "met", None, 64)
    ids, types = cross_pair(tokenizer, s.input_ids, d)
    assert tokens(tokenizer, ids) == ["[CLS]", "#", "ada", "#", "met", "@", "alan", "@", "[SEP]", "met", "[SEP]"]
    assert types == [0] * 9 + [1] * 2
    padded, mask = pad_batch([[1, 2, 3], [4]], 0)
    assert padded == [[1, 2, 3], [4, 0, 0]] and mask == [[1, 1, 1], [1, 0, 0]]

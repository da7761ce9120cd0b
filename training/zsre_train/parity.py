"""parity.json: torch reference outputs that the TypeScript pipeline must reproduce.

Items are held-out eval sentences plus hand-made cases for the tricky rules: '#' and '@' in
the text, the tail before the head, windowing of long context, of a long between-segment and
of over-long entities; relations include one without a description and one whose
description is cut at maxLength.description.
"""
from __future__ import annotations

import numpy as np

from . import fusion, none_vector
from .data.instance import Instance, RelationInfo
from .encode import BiRunner, CrossRunner, prepare_descriptions, prepare_sentences
from .scoring import score

FILLER = "the committee met again in the spring and discussed the budget at great length".split()


def synthetic_items() -> list[Instance]:
    def item(words: list[str], head: range, tail: range) -> Instance:
        return Instance(tuple(words), tuple(head), tuple(tail), "synthetic", "parity")

    hashes = "Follow # tags : Alice # Smith married @bob_jones ## on 12 @ noon".split()
    tail_first = "Paris is the capital of France , said the guide".split()
    long_context = FILLER * 6 + ["Marie", "Curie", "won", "the", "Nobel", "Prize"] + FILLER * 6
    long_between = ["Ada"] + FILLER * 12 + ["London"]
    long_entities = ["x"] + ["Wolfgang"] * 70 + ["and"] + ["Mozart"] * 70 + ["y"]
    n = len(FILLER) * 6  # where "Marie" starts
    accents = "Société Générale hired Zoë Ñúñez in Montréal".split()
    # Nested pairs: markers nest ("# Gulf of @ Thailand @ #"), in both directions and with a shared edge.
    gulf = "The Gulf of Thailand borders Cambodia .".split()
    mickey = "The Mickey Mouse universe grew in the 1930s .".split()
    # The outer entity is cut from its end, and the inner one starts just inside the window (119 of
    # 122 tokens): an inner entity that starts past it is refused (NestedEntityCut), never encoded.
    long_nested = ["In"] + ["Wolfgang"] * 119 + ["Mozart", "Amadeus"] + ["x"] * 10
    return [
        item(gulf, range(1, 4), range(3, 4)),
        item(gulf, range(3, 4), range(1, 4)),
        item(mickey, range(1, 3), range(1, 4)),
        item(mickey, range(1, 5), range(2, 3)),
        item(long_nested, range(1, 131), range(120, 122)),
        item(hashes, range(4, 7), range(8, 9)),
        item(tail_first, range(5, 6), range(0, 1)),
        item(long_context, range(n, n + 2), range(n + 4, n + 6)),
        item(long_between, range(0, 1), range(len(long_between) - 1, len(long_between))),
        item(long_entities, range(1, 71), range(72, 142)),
        item(accents, range(0, 2), range(3, 5)),
    ]


def synthetic_relations() -> list[RelationInfo]:
    long_description = " ".join(["the subject is related to the object in a very long and detailed way"] * 8)
    return [RelationInfo("X1", "custom link", None), RelationInfo("X2", "long winded", long_description)]


def build_parity(
    bi_run: BiRunner,
    cross_run: CrossRunner,
    tokenizer,
    held_out: list[Instance],
    relations: list[RelationInfo],
    fusion_block: dict,
    max_sentence_length: int,
    max_description_length: int,
    n_real: int = 24,
) -> dict:
    items = held_out[:n_real] + synthetic_items()
    relations = relations + synthetic_relations()
    sentences = prepare_sentences(tokenizer, items, max_sentence_length)
    descriptions = prepare_descriptions(tokenizer, relations, max_description_length)
    k = fusion_block["topK"]
    scores = score(bi_run=bi_run, cross_run=cross_run, tokenizer=tokenizer, sentences=sentences, descriptions=descriptions,
                   candidates=k, float64=True)
    s_vec, d_vec, columns, bi = scores.sentence_vectors, scores.description_vectors, scores.columns, scores.bi
    cross = scores.cross.astype(np.float64)
    params = fusion.FusionParams(fusion_block["biWeight"], fusion_block["crossWeight"], fusion_block["noneLogit"], fusion_block["threshold"])
    vector = fusion_block.get("noneVector")
    shift = None if vector is None else none_vector.none_shift(s_vec, np.array(vector["weights"]), vector["bias"])
    probs = fusion.probabilities(bi, cross, params, shift)
    chosen = fusion.decide(probs, params.threshold)
    return {
        "precision": "fp32",
        "tolerance": 1e-4,
        "relations": [{"id": r.id, "name": r.name, "description": r.description} for r in relations],
        "items": [{"tokens": list(i.tokens), "head": list(i.head), "tail": list(i.tail)} for i in items],
        "sentenceInputIds": [s.input_ids for s in sentences],
        "descriptionInputIds": descriptions,
        "headIndex": [s.head_index for s in sentences],
        "tailIndex": [s.tail_index for s in sentences],
        "sentenceVectors": s_vec.tolist(),
        "descriptionVectors": d_vec.tolist(),
        "topK": k,
        "candidates": [
            [{"id": relations[c].id, "biScore": float(bi[i, j]), "crossScore": float(cross[i, j]), "probability": float(probs[i, j])}
             for j, c in enumerate(columns[i])]
            for i in range(len(items))
        ],
        "relation": [relations[columns[i, c]].id if c >= 0 else None for i, c in enumerate(chosen)],
    }

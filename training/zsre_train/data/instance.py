"""The two record types every data reader produces, whatever the source format."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Instance:
    """One labelled sentence: words, the head and tail word positions, and the relation id.

    Readers of text-based formats (ChemProt, DocRED sentences) split the text into words and
    give the word positions of the entities, so every source ends up in this one shape.
    """

    tokens: tuple[str, ...]
    head: tuple[int, ...]  # word indices of the head entity, ascending, contiguous
    tail: tuple[int, ...]  # word indices of the tail entity, ascending, contiguous
    relation: str  # relation id, e.g. "P26" or "semeval:Cause-Effect" (both directions, see extra.py)
    source: str  # data set name, e.g. "fewrel", "semeval2010"


@dataclass(frozen=True)
class RelationInfo:
    """A relation type as the model sees it: id, short name, one-sentence description."""

    id: str
    name: str
    description: str | None = None

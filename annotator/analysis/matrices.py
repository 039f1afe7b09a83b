"""Counts and matrices of the coded corpus (stub with the final types)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotator.analysis.query import Combine, PassageQuery
from annotator.model import Tag

if TYPE_CHECKING:
    from annotator.store import Store


class Axis(enum.StrEnum):
    TAGS = "tags"
    DOCUMENTS = "documents"
    SPEAKERS = "speakers"
    ANNOTATORS = "annotators"


class Measure(enum.StrEnum):
    COUNT = "count"
    DOCUMENTS = "documents"
    CHARACTERS = "characters"
    PRESENCE = "presence"
    JACCARD = "jaccard"


@dataclass(frozen=True, slots=True)
class Label:
    """One row or column heading."""

    key: str
    name: str
    color: str | None


@dataclass(frozen=True, slots=True)
class Matrix:
    """A table of counts over two axes, with the filters every cell shares."""

    rows: Axis
    cols: Axis
    measure: Measure
    row_labels: tuple[Label, ...]
    col_labels: tuple[Label, ...]
    values: tuple[tuple[float, ...], ...]
    base: PassageQuery

    def cell_query(self, row: int, col: int) -> PassageQuery:
        """The retrieval of exactly the passages this cell counts."""
        raise NotImplementedError


def matrix(
    store: Store,
    *,
    rows: Axis,
    cols: Axis,
    measure: Measure = Measure.COUNT,
    base: PassageQuery = PassageQuery(),
    same_paragraph: bool = False,
) -> Matrix:
    """Compute one matrix; unsupported combinations raise ValueError."""
    raise NotImplementedError


@dataclass(frozen=True, slots=True)
class TagFrequency:
    """How much one tag is used."""

    tag: Tag
    depth: int
    passages: int
    documents: int
    characters: int
    total_passages: int
    total_documents: int
    total_characters: int


def frequencies(store: Store, base: PassageQuery = PassageQuery()) -> list[TagFrequency]:
    """One row per tag, in palette order."""
    raise NotImplementedError


__all__ = ["Axis", "Combine", "Label", "Matrix", "Measure", "TagFrequency", "frequencies", "matrix"]

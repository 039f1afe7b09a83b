"""Coded retrieval: every passage of the corpus that a ``PassageQuery`` asks for (stub)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from annotator.analysis.query import Passage, PassageQuery

if TYPE_CHECKING:
    from annotator.store import Store


class Retrieval:
    """The passages of one query: counting is cheap, rows are read a page at a time."""

    def __init__(self, store: Store, query: PassageQuery) -> None:
        self.store = store
        self.query = query

    def __len__(self) -> int:
        raise NotImplementedError

    def rows(self, first: int, count: int) -> list[Passage]:
        """Passages ``first`` .. ``first + count - 1`` in corpus order (document position, start)."""
        raise NotImplementedError

    def __iter__(self) -> Iterator[Passage]:
        raise NotImplementedError


def retrieve(store: Store, query: PassageQuery) -> Retrieval:
    """The passages ``query`` asks for."""
    return Retrieval(store, query)


def passage_context(store: Store, passage: Passage, chars: int = 80) -> tuple[str, str, str]:
    """(text before, passage text, text after), before/after at most ``chars`` code points."""
    raise NotImplementedError

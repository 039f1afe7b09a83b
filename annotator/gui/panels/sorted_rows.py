"""Rows kept in sort order by the table model itself, with no proxy model in between.

A ``QSortFilterProxyModel`` sorts by calling back into Python for every
comparison: about 900,000 ``data()`` calls (7 s) to show a document's
50,000 annotations, 1.4 s to list 10,000 documents. Here the list is sorted
by Python with a key per row, or taken as it is when the store already
returned it in that order; a row added or removed later is found by
bisection, computing the keys of about 16 rows. Keys end with the row's id,
so every key is unique and bisection finds a row exactly. Descending order
is the same list read backwards.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

Row = TypeVar("Row")
SortKey = Callable[[Row], tuple]


class SortedRows(Generic[Row]):
    """Rows sorted by a key; view positions account for ascending or descending order."""

    def __init__(self, key: SortKey, row_id: Callable[[Row], str]):
        self._key, self._row_id = key, row_id
        self.descending = False
        self._rows: list[Row] = []
        self._by_id: dict[str, Row] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def reset(
        self,
        rows: Iterable[Row],
        key: SortKey | None = None,
        *,
        descending: bool | None = None,
        presorted: bool = False,
    ) -> None:
        """Replace every row (and optionally the key or the direction).

        ``presorted``: the caller promises ``rows`` already come in key order
        (the store's ORDER BY matches the default key), so nothing is sorted.
        """
        if key is not None:
            self._key = key
        if descending is not None:
            self.descending = descending
        self._rows = list(rows) if presorted else sorted(rows, key=self._full_key)
        self._by_id = dict(zip(map(self._row_id, self._rows), self._rows, strict=True))

    def _full_key(self, row: Row) -> tuple:
        return (*self._key(row), self._row_id(row))

    def _index(self, row: Row) -> int:
        return bisect.bisect_left(self._rows, self._full_key(row), key=self._full_key)

    def _view(self, index: int) -> int:
        return len(self._rows) - 1 - index if self.descending else index

    def at(self, view_row: int) -> Row:
        """The row shown at ``view_row``."""
        return self._rows[self._view(view_row)]

    def id_at(self, view_row: int) -> str | None:
        """The id of the row shown at ``view_row``, or None past the end."""
        return self._row_id(self.at(view_row)) if 0 <= view_row < len(self._rows) else None

    def rows_in_view_order(self) -> list[Row]:
        """Every row, as the table shows them."""
        return list(reversed(self._rows)) if self.descending else list(self._rows)

    def view_row_of(self, row_id: str) -> int | None:
        """Where the row with this id is shown, if it is here."""
        row = self._by_id.get(row_id)
        return None if row is None else self._view(self._index(row))

    def insertion_row(self, row: Row) -> int:
        """Where ``row`` would be shown once inserted (for beginInsertRows)."""
        index = self._index(row)
        return len(self._rows) - index if self.descending else index

    def insert(self, row: Row) -> None:
        """Add one row at its sorted place."""
        self._rows.insert(self._index(row), row)
        self._by_id[self._row_id(row)] = row

    def remove(self, row_id: str) -> None:
        """Drop the row with this id (it must be here)."""
        del self._rows[self._index(self._by_id.pop(row_id))]

    def replacement_rows(self, row: Row) -> tuple[int, int]:
        """(old, new) view rows of a row with this id once ``row`` replaces it; changes nothing."""
        old = self._index(self._by_id[self._row_id(row)])
        new = self._index(row)
        if new > old:
            new -= 1  # the old entry, before it, will be gone
        return self._view(old), self._view(new)

    def replace(self, row: Row) -> None:
        """Swap in a new value for the row with the same id, at its sorted place."""
        self.remove(self._row_id(row))
        self.insert(row)


def resort_model(model, shown: SortedRows, key: SortKey, *, descending: bool) -> None:
    """Re-sort a table model's ``shown`` rows by ``key``; selections and the current row follow their rows.

    ``model`` is the ``QAbstractItemModel`` showing ``shown`` (duck-typed so that this
    module stays free of Qt); its persistent indexes are moved to their rows' new places.
    """
    model.layoutAboutToBeChanged.emit()
    persistent = model.persistentIndexList()
    ids = [shown.id_at(index.row()) for index in persistent]
    shown.reset(shown.rows_in_view_order(), key, descending=descending)
    moved = []
    for index, row_id in zip(persistent, ids, strict=True):
        row = shown.view_row_of(row_id) if row_id is not None else None
        moved.append(model.index(-1, -1) if row is None else model.index(row, index.column()))
    model.changePersistentIndexList(persistent, moved)
    model.layoutChanged.emit()

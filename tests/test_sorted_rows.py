"""The tables' own sort order: every insert, removal and replacement lands where a full sort puts it."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.gui.panels.sorted_rows import SortedRows


@dataclass(frozen=True)
class Item:
    id: str
    value: int


def expected(items: dict[str, Item], descending: bool) -> list[Item]:
    ordered = sorted(items.values(), key=lambda i: (i.value, i.id))
    return ordered[::-1] if descending else ordered


operations = st.lists(
    st.tuples(st.sampled_from(["insert", "remove", "replace"]), st.integers(0, 30), st.integers(0, 5)),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(
    initial=st.dictionaries(st.integers(0, 30), st.integers(0, 5), max_size=20),
    steps=operations,
    descending=st.booleans(),
)
def test_rows_stay_in_the_order_a_full_sort_gives(initial, steps, descending):
    items = {str(k): Item(str(k), v) for k, v in initial.items()}
    rows = SortedRows(lambda i: (i.value,), lambda i: i.id)
    rows.reset(items.values(), descending=descending)
    for action, key, value in steps:
        item = Item(str(key), value)
        if action == "insert" and item.id not in items:
            place = rows.insertion_row(item)
            rows.insert(item)
            items[item.id] = item
            assert rows.at(place) == item
        elif action == "remove" and item.id in items:
            rows.remove(item.id)
            del items[item.id]
        elif action == "replace" and item.id in items:
            old, new = rows.replacement_rows(item)
            assert rows.at(old) == items[item.id]
            rows.replace(item)
            items[item.id] = item
            assert rows.at(new) == item
        assert rows.rows_in_view_order() == expected(items, descending)
        assert all(rows.view_row_of(i.id) == n for n, i in enumerate(expected(items, descending)))
    assert rows.view_row_of("missing") is None

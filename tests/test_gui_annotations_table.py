"""The annotations table: rows added or removed below the visible ones repaint nothing; others do."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication

from annotator.gui.panels.annotations import AnnotationsPanel
from annotator.model import Annotation, Tag, TagKind

TEXT = "word " * 2_000


def annotation(number: int) -> Annotation:
    start = number * 5
    return Annotation(f"a{number:05d}", "d", start, start + 4, "t", "ana", None, "2026-12-02", "2026-12-02")


class PaintCounter(QObject):
    def __init__(self):
        super().__init__()
        self.paints = 0

    def eventFilter(self, _watched, event):  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


@pytest.fixture
def panel(qtbot):
    panel = AnnotationsPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 300)
    tag = Tag(id="t", kind=TagKind.THEME, name="Theme", color="#ff0000")
    panel.model.set_rows(TEXT, [annotation(n) for n in range(0, 400, 2)], {"t": tag}, by_position=True)
    panel.show()
    qtbot.waitExposed(panel)
    counter = PaintCounter()
    panel.table.viewport().installEventFilter(counter)
    return panel, counter


def test_a_row_added_below_the_visible_ones_repaints_nothing_but_the_scroll_range_grows(panel, qtbot):
    panel, counter = panel
    bar = panel.table.verticalScrollBar()
    before = bar.maximum()
    counter.paints = 0
    panel.model.add_row(annotation(301))  # row 151 of 201, far below the dozen rows shown
    qtbot.waitUntil(lambda: bar.maximum() == before + 1, timeout=2000)  # Qt's layout ran (a zero-time timer)
    QApplication.processEvents()  # any repaint Qt posted is done now
    assert counter.paints == 0
    panel.model.remove_row("a00301")
    qtbot.waitUntil(lambda: bar.maximum() == before, timeout=2000)
    QApplication.processEvents()  # any repaint Qt posted is done now
    assert counter.paints == 0


def test_a_row_added_among_the_visible_ones_is_painted(panel, qtbot):
    panel, counter = panel
    counter.paints = 0
    panel.model.add_row(annotation(3))  # row 2: on screen
    qtbot.waitUntil(lambda: counter.paints > 0, timeout=2000)
    assert panel.table.model().data(panel.table.model().index(2, 0)) == 15


def test_after_a_sort_a_row_added_below_still_repaints_the_reordered_rows(panel, qtbot):
    panel, counter = panel
    panel.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # the rows on screen change
    panel.model.add_row(annotation(1))  # lands at the far end, below the rows shown
    counter.paints = 0
    qtbot.waitUntil(lambda: counter.paints > 0, timeout=2000)
    assert panel.table.model().data(panel.table.model().index(0, 0)) == 398 * 5

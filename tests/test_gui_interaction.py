"""The window by mouse and keyboard: hover, double-click, drag, right-click, the tables, search, zoom, status."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QHelpEvent
from PySide6.QtWidgets import QApplication, QMenu, QToolTip

from annotator.model import ImportedDocument
from annotator.scheme import load_scheme
from annotator.store import Store
from tests.conftest import EMOJI_TEXT, SEEDS, caret_point, drag, stored_texts

pytestmark = pytest.mark.gui


def inside_point(view, offset: int) -> QPoint:
    """Viewport point within the character at ``offset``."""
    start, end = caret_point(view, offset), caret_point(view, offset + 1)
    return QPoint((start.x() + end.x()) // 2, start.y())


def tag_word(qtbot, window, word: str, key=Qt.Key.Key_1) -> str:
    """Select ``word`` (first occurrence) and press a number; returns the new annotation's id."""
    start = EMOJI_TEXT.index(word)
    before = {a.id for a in window.store.annotations_for_document(window.current_document.id)}
    window.view.select_range(start, start + len(word))
    qtbot.keyClick(window.view, key)
    [new] = [
        a.id for a in window.store.annotations_for_document(window.current_document.id) if a.id not in before
    ]
    return new


def action_named(menu: QMenu, *path: str):
    """The action reached by following submenu titles, then an action text (before any tab)."""
    for title in path[:-1]:
        menu = next(a.menu() for a in menu.actions() if a.menu() and a.text().startswith(title))
    return next(a for a in menu.actions() if a.text().split("\t")[0] == path[-1])


def test_hovering_a_span_shows_its_tags_annotator_and_note(make_window, emoji_project, qtbot, monkeypatch):
    window = make_window(emoji_project)
    annotation_id = tag_word(qtbot, window, "Zürich")
    monkeypatch.setattr("annotator.gui.dialogs.ask_note", lambda parent, current: "place of the lab")
    window.annotating.edit_note(annotation_id)
    view = window.view
    point = inside_point(view, EMOJI_TEXT.index("Zürich") + 2)
    QApplication.sendEvent(
        view.viewport(), QHelpEvent(QEvent.Type.ToolTip, point, view.viewport().mapToGlobal(point))
    )
    qtbot.waitUntil(lambda: QToolTip.isVisible())
    text = QToolTip.text()
    assert "Regional security" in text and "tester" in text and "place of the lab" in text
    QToolTip.hideText()
    outside = inside_point(view, EMOJI_TEXT.index("results"))
    QApplication.sendEvent(
        view.viewport(), QHelpEvent(QEvent.Type.ToolTip, outside, view.viewport().mapToGlobal(outside))
    )
    qtbot.waitUntil(lambda: not QToolTip.isVisible())


def test_double_click_selects_a_word_and_a_number_tags_it(make_window, emoji_project, qtbot):
    window = make_window(emoji_project)
    start = EMOJI_TEXT.index("results")
    qtbot.mouseDClick(
        window.view.viewport(), Qt.MouseButton.LeftButton, pos=inside_point(window.view, start + 3)
    )
    assert window.view.selected_range() == (start, start + len("results"))
    qtbot.keyClick(window.view, Qt.Key.Key_3)
    [stored] = window.store.annotations_for_document(window.current_document.id)
    assert (stored.start, stored.end) == (start, start + len("results"))
    assert stored_texts(window) == [("results", "Drug trafficking")]


def test_dragging_selects_a_range_after_emoji_and_a_number_tags_it(make_window, emoji_project, qtbot):
    window = make_window(emoji_project)
    start = EMOJI_TEXT.index("🧪 in Zürich")
    end = start + len("🧪 in Zürich")
    drag(qtbot, window.view, start, end)
    assert window.view.selected_range() == (start, end)
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    [stored] = window.store.annotations_for_document(window.current_document.id)
    assert (stored.start, stored.end) == (start, end)
    assert EMOJI_TEXT[stored.start : stored.end] == "🧪 in Zürich"


def test_context_menu_applies_retags_and_deletes(make_window, emoji_project, qtbot):
    window = make_window(emoji_project)
    start = EMOJI_TEXT.index("found")
    window.view.select_range(start, start + 5)
    action_named(window.annotating.build_text_menu([]), "Apply tag", "Afghanistan").trigger()
    assert stored_texts(window) == [("found", "Afghanistan")]
    [annotation] = window.store.annotations_for_document(window.current_document.id)
    window.view.select_range(0, 0)
    menu = window.annotating.build_text_menu([annotation.id])
    assert [a.text() for a in menu.actions()] == [
        "Afghanistan · tester"
    ]  # no "Apply tag" without a selection
    action_named(menu, "Afghanistan · tester", "Retag as", "Drug trafficking").trigger()
    assert stored_texts(window) == [("found", "Drug trafficking")]
    assert window.view.own_spans()[0].label == "Drug trafficking"
    action_named(
        window.annotating.build_text_menu([annotation.id]), "Drug trafficking · tester", "Delete"
    ).trigger()
    assert window.store.annotations_for_document(window.current_document.id) == []
    assert window.view.own_spans() == [] and window.annotations_panel.model.rowCount() == 0


def test_right_click_on_a_span_offers_the_spans_under_the_mouse(
    make_window, emoji_project, qtbot, monkeypatch
):
    window = make_window(emoji_project)
    tag_word(qtbot, window, "found")
    window.view.select_range(0, 0)
    shown = []

    class ChoosingMenu:
        """Stands in for the menu's blocking exec(): records what is offered and picks Delete."""

        def __init__(self, menu: QMenu):
            self.menu = menu

        def exec(self, point) -> None:
            shown.append([a.text() for a in self.menu.actions()])
            action_named(self.menu, "Regional security · tester", "Delete").trigger()

        def deleteLater(self) -> None:
            self.menu.deleteLater()

    build = window.annotating.build_text_menu
    monkeypatch.setattr(window.annotating, "build_text_menu", lambda ids: ChoosingMenu(build(ids)))
    point = inside_point(window.view, EMOJI_TEXT.index("found") + 1)
    viewport = window.view.viewport()
    QApplication.sendEvent(
        viewport, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point, viewport.mapToGlobal(point))
    )
    assert shown == [["Regional security · tester"]]
    assert window.store.annotation_count() == 0


def test_clicking_a_span_selects_its_row_in_the_annotations_table(make_window, emoji_project, qtbot):
    window = make_window(emoji_project)
    tag_word(qtbot, window, "found")
    results = tag_word(qtbot, window, "results", Qt.Key.Key_2)
    window.view.select_range(0, 0)
    qtbot.mouseClick(
        window.view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=inside_point(window.view, EMOJI_TEXT.index("results") + 2),
    )
    assert window.annotating.current_annotation_id == results
    assert window.annotations_panel.selected_ids() == [results]
    [row] = window.annotations_panel.table.selectionModel().selectedRows()
    assert row.row() == 1  # sorted by start: "found" first, "results" second


def test_corpus_search_result_jumps_to_the_hit(make_window, emoji_project, qtbot):
    other_text = "Another 😀😀 interview: the needle is here."
    with Store.open(emoji_project) as store:
        other = store.add_document(
            ImportedDocument(title="other", text=other_text), annotator="x"
        ).document_id
    window = make_window(emoji_project)
    window.search.on_search_corpus()
    qtbot.keyClicks(window.search.panel.query, "needle")
    qtbot.keyClick(window.search.panel.query, Qt.Key.Key_Return)
    results = window.search.panel.results
    qtbot.waitUntil(lambda: window.search.panel.summary.text() == "1 hit(s)")  # searched off the UI thread
    assert results.count() == 1
    qtbot.waitUntil(lambda: results.isVisible())
    qtbot.mouseClick(
        results.viewport(), Qt.MouseButton.LeftButton, pos=results.visualItemRect(results.item(0)).center()
    )
    start = other_text.index("needle")
    assert window.current_document.id == other
    assert window.view.selected_range() == (start, start + len("needle"))


def test_zoom_in_and_out_change_the_text_size_and_ctrl_0_restores_it(make_window, emoji_project, qtbot):
    window = make_window(emoji_project)
    size = window.view.font().pointSizeF()
    qtbot.keyClick(window.view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.view.font().pointSizeF() == size + 2
    qtbot.keyClick(window.view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert window.view.font().pointSizeF() == size + 1
    for _ in range(3):
        qtbot.keyClick(window.view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert window.view.font().pointSizeF() == size - 2
    qtbot.keyClick(window.view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert window.view.font().pointSizeF() == size


def test_the_filter_box_filters_documents(make_window, qtbot):
    window = make_window()  # the sample project: 000_... and 003_...
    panel = window.documents.panel
    qtbot.keyClicks(panel.filter, "003")
    assert panel.model.rowCount() == 1
    assert panel.model.data(panel.model.index(0, 0)).startswith("003_")
    panel.filter.clear()
    assert panel.model.rowCount() == 2
    qtbot.keyClicks(panel.filter, "no such title")
    assert panel.model.rowCount() == 0


def test_clicking_a_column_header_sorts_the_annotations_table(make_window, emoji_project, qtbot):
    window = make_window(emoji_project)
    for word, key in (("found", Qt.Key.Key_5), ("Zürich", Qt.Key.Key_1), ("results", Qt.Key.Key_3)):
        tag_word(qtbot, window, word, key)
    table = window.annotations_panel.table
    header = table.horizontalHeader()

    def column(number: int) -> list:
        return [table.model().index(row, number).data() for row in range(table.model().rowCount())]

    assert column(3) == ["found", "Zürich", "results"]  # by start
    tag_column = 2
    click = QPoint(
        header.sectionViewportPosition(tag_column) + header.sectionSize(tag_column) // 2, header.height() // 2
    )
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=click)
    assert column(tag_column) == ["Afghanistan", "Drug trafficking", "Regional security"]
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=click)
    assert column(tag_column) == ["Regional security", "Drug trafficking", "Afghanistan"]


def test_the_status_bar_shows_document_selection_and_counts(make_window, emoji_project, qtbot):
    window = make_window(emoji_project)
    assert window.status_document.text() == f"emoji · {len(EMOJI_TEXT):,} characters"
    assert window.status_counts.text() == "0 annotations here"
    assert window.status_selection.text() == ""
    start = EMOJI_TEXT.index("Zürich")
    drag(qtbot, window.view, start, start + 6)
    assert window.status_selection.text() == (
        f"Selection {start:,}–{start + 6:,} (6 chars), press 1-9 to tag  ·"
    )
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    assert window.status_counts.text() == "1 annotations here"
    window.view.select_range(0, 0)
    assert window.status_selection.text() == ""


def test_a_span_added_or_undone_in_a_sorted_table_lands_at_its_place_and_the_selection_follows(
    make_window, emoji_project, qtbot
):
    window = make_window(emoji_project)
    for word, key in (("found", Qt.Key.Key_5), ("results", Qt.Key.Key_3)):
        tag_word(qtbot, window, word, key)
    model, table = window.annotations_panel.model, window.annotations_panel.table
    table.sortByColumn(2, Qt.SortOrder.DescendingOrder)  # by tag name, Z to A

    def tags() -> list:
        return [model.index(row, 2).data() for row in range(model.rowCount())]

    assert tags() == ["Drug trafficking", "Afghanistan"]
    selected = tag_word(qtbot, window, "Zürich", Qt.Key.Key_2)  # "Terrorism and extremism"
    assert tags() == ["Terrorism and extremism", "Drug trafficking", "Afghanistan"]
    window.annotations_panel.select(selected)
    table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    assert window.annotations_panel.selected_ids() == [selected]
    assert tags() == ["Afghanistan", "Drug trafficking", "Terrorism and extremism"]
    window.on_undo()
    assert tags() == ["Afghanistan", "Drug trafficking"]


def test_a_document_whose_count_changes_moves_in_a_table_sorted_by_count(make_window, tmp_path, qtbot):
    text = EMOJI_TEXT
    project = tmp_path / "three.annotator"
    with Store.create(project) as store:
        for title in ("a", "b", "c"):
            store.add_document(ImportedDocument(title=title, text=f"{title} {text}"), annotator="ana")
        store.import_scheme(load_scheme(SEEDS / "scheme.json"))
    window = make_window(project)
    panel = window.documents.panel
    panel.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)  # most spans first; ties in import order

    def titles() -> list:
        return [panel.model.index(row, 0).data() for row in range(panel.model.rowCount())]

    assert titles() == ["c", "b", "a"]
    window.show_document(panel.model.rows[0].id)  # "a"
    window.view.select_range(2, 7)
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    assert titles() == ["a", "c", "b"]
    assert panel.model.document_at(panel.table.currentIndex().row()).title == "a"
    window.on_undo()
    assert titles() == ["c", "b", "a"]


def test_corpus_search_runs_off_the_ui_thread_and_a_failure_is_said(
    make_window, emoji_project, qtbot, monkeypatch
):
    """The search opens its own connection in a job; an unexpected error reaches the summary line."""
    import threading

    from annotator.store.search import SearchMixin

    window = make_window(emoji_project)
    panel = window.search.panel
    threads = []
    real_search = SearchMixin.search

    def search_and_note_thread(self, query, **kwargs):
        threads.append(threading.current_thread())
        if query == "boom":
            raise RuntimeError("disk on fire")
        return real_search(self, query, **kwargs)

    monkeypatch.setattr(SearchMixin, "search", search_and_note_thread)
    panel.query.setText("found")
    panel.run_search()
    qtbot.waitUntil(lambda: panel.summary.text() == "1 hit(s)")
    assert threads and threads[0] is not threading.main_thread()
    panel.query.setText("boom")
    panel.run_search()
    qtbot.waitUntil(lambda: "disk on fire" in panel.summary.text())
    assert panel.results.count() == 0


def test_the_search_panel_says_when_there_are_more_hits_than_it_lists(
    make_window, emoji_project, qtbot, monkeypatch
):
    from annotator.gui.panels import search as search_panel

    monkeypatch.setattr(search_panel, "SEARCH_LIMIT", 3)
    with Store.open(emoji_project) as store:
        store.add_document(ImportedDocument(title="four", text="pin pin, pin. Pin"), annotator="x")
        store.add_document(ImportedDocument(title="three", text="nail nail nail"), annotator="x")
    panel = make_window(emoji_project).search.panel
    panel.query.setText("pin")
    panel.run_search()
    qtbot.waitUntil(lambda: panel.summary.text().startswith("More"))
    assert panel.summary.text() == "More than 3 hits — showing the first 3"
    assert panel.results.count() == 3
    panel.query.setText("nail")
    panel.run_search()
    qtbot.waitUntil(lambda: panel.summary.text() == "3 hit(s)")  # exactly as many as it lists: no "more"
    assert panel.results.count() == 3

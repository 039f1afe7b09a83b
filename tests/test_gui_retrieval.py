"""The Passages view in the real window: opened from the palette, listing hand-known passages, jumping to them.

The project is built by hand: two documents with emoji before the coded
words (so a UTF-16 position and a code point differ), a theme with a
sub-theme, a theme of its own, and two speakers' turns. Every expected
passage below is written out with its offsets in code points.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from annotator.analysis.query import Combine, PassageQuery
from annotator.model import DocumentStatus, ImportedDocument, TagKind
from annotator.store import Store

pytestmark = pytest.mark.gui

FIRST = "👩‍🔬 found 🧪 in Zürich: the results were clear.\nSecond paragraph 😀 here, about trade."
SECOND = "Ana: We must guard the border 🛂 now.\nBen: Trade matters more."


def span(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return start, start + len(words)


@pytest.fixture
def coded_project(tmp_path) -> Path:
    """Security > Borders, Economy; speakers Ana and Ben; spans at hand-known places."""
    path = tmp_path / "coded.annotator"
    with Store.create(path) as store:
        first = store.add_document(ImportedDocument(title="first", text=FIRST), annotator="x").document_id
        second = store.add_document(ImportedDocument(title="second", text=SECOND), annotator="x").document_id
        security = store.add_tag(kind=TagKind.THEME, name="Security", color="#d62728")
        borders = store.add_tag(kind=TagKind.THEME, name="Borders", color="#1f77b4", parent_id=security.id)
        economy = store.add_tag(kind=TagKind.THEME, name="Economy", color="#2ca02c")
        ana = store.add_tag(kind=TagKind.SPEAKER, name="Ana", color="#9467bd")
        ben = store.add_tag(kind=TagKind.SPEAKER, name="Ben", color="#8c564b")
        coding = [
            (first, FIRST, "the results were clear", security, "ana", "clear finding"),
            (first, FIRST, "Zürich", borders, "ana", None),
            (first, FIRST, "trade", economy, "ben", None),
            (second, SECOND, "Ana: We must guard the border 🛂 now.", ana, "x", None),
            (second, SECOND, "Ben: Trade matters more.", ben, "x", None),
            (second, SECOND, "guard the border", borders, "ben", None),
            (second, SECOND, "Trade matters", economy, "ana", None),
            (second, SECOND, "more", economy, "ana", None),
        ]
        for document, text, words, tag, annotator, note in coding:
            start, end = span(text, words)
            store.add_annotation(
                document_id=document, start=start, end=end, tag_id=tag.id, annotator=annotator, note=note
            )
        store.set_document_status(second, DocumentStatus.DONE)
    return path


def tag_id(window, name: str) -> str:
    return next(t.id for t in window.tags_by_id.values() if t.name == name)


def listed(panel) -> list[tuple[str, int, int]]:
    """(document title, start, end) of every listed row, read through the model as the view does."""
    model = panel.model
    return [
        (p.document_title, p.start, p.end)
        for p in (
            model.data(model.index(row, 0), Qt.ItemDataRole.UserRole) for row in range(model.rowCount())
        )
    ]


def show_passages_from_palette(window, name: str) -> None:
    menu = window.tags.palette.context_menu(tag_id(window, name))
    [action] = [a for a in menu.actions() if a.text() == "Show passages"]
    action.trigger()


def test_show_passages_on_a_palette_tag_lists_its_passages_and_those_of_its_sub_themes(
    make_window, coded_project
):
    window = make_window(coded_project)
    show_passages_from_palette(window, "Security")
    panel = window.analysis.passages
    assert window.pages.currentWidget() is panel
    assert window.pages.tabBar().isVisible()  # two pages now: the tabs show
    assert listed(panel) == [
        ("first", *span(FIRST, "Zürich")),
        ("first", *span(FIRST, "the results were clear")),
        ("second", *span(SECOND, "guard the border")),
    ]
    assert panel.count.text() == "3 passages"
    model = panel.model
    assert model.data(model.index(1, 1)) == "the results were clear"
    before, text, after = model.data(model.index(1, 1), Qt.ItemDataRole.UserRole + 1)
    assert (before.endswith("in Zürich: "), text, after.startswith(".")) == (
        True,
        "the results were clear",
        True,
    )
    assert model.data(model.index(1, 2)) == "Security"
    assert model.data(model.index(1, 4)) == "ana"
    assert model.data(model.index(1, 5)) == "clear finding"
    assert model.data(model.index(2, 3)) == "Ana"  # the turn the passage starts in


def test_clicking_a_passage_opens_it_in_the_text_selected_in_code_points(make_window, coded_project, qtbot):
    window = make_window(coded_project)
    window.show_document(window.documents.panel.model.rows[1].id)  # the other document is open
    show_passages_from_palette(window, "Security")
    table = window.analysis.passages.table
    index = table.model().index(1, 1)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center())
    assert window.pages.currentWidget() is window.text_page
    assert window.current_document.title == "first"
    start, end = span(FIRST, "the results were clear")
    assert window.view.selected_range() == (start, end)
    # 👩‍🔬 and 🧪 are astral: Qt's selection sits 3 UTF-16 units further on than the code points.
    assert window.view.textCursor().selectionStart() == start + 3
    assert FIRST[start:end] == "the results were clear"


def test_enter_on_a_passage_opens_it(make_window, coded_project, qtbot):
    window = make_window(coded_project)
    show_passages_from_palette(window, "Economy")
    table = window.analysis.passages.table
    table.setCurrentIndex(table.model().index(2, 0))
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert window.current_document.title == "second"
    assert window.view.selected_range() == span(SECOND, "more")


def test_the_query_controls_combine_filter_and_exclude(make_window, coded_project):
    window = make_window(coded_project)
    window.analysis.show_passages()
    panel = window.analysis.passages
    assert len(listed(panel)) == 8  # nothing ticked: every coded span
    security, economy = tag_id(window, "Security"), tag_id(window, "Economy")
    ben = tag_id(window, "Ben")
    panel.set_query(PassageQuery(tags=(security,), include_subthemes=False))
    assert listed(panel) == [("first", *span(FIRST, "the results were clear"))]
    panel.set_query(PassageQuery(tags=(economy,), speakers=(ben,)))
    assert listed(panel) == [("second", *span(SECOND, "Trade matters")), ("second", *span(SECOND, "more"))]
    panel.set_query(PassageQuery(tags=(economy,), annotators=("ben",)))
    assert listed(panel) == [("first", *span(FIRST, "trade"))]
    panel.set_query(PassageQuery(tags=(economy,), statuses=(DocumentStatus.DONE,)))
    assert [row[0] for row in listed(panel)] == ["second", "second"]
    ana = tag_id(window, "Ana")
    panel.set_query(PassageQuery(tags=(ana, tag_id(window, "Borders")), combine=Combine.ALL))
    assert listed(panel) == [("second", *span(SECOND, "guard the border"))]  # the overlap
    # The controls show the query they ran, and build the same one back.
    assert panel.query() == PassageQuery(tags=(tag_id(window, "Borders"), ana), combine=Combine.ALL)


def test_ticking_in_the_tag_tree_runs_the_query(make_window, coded_project, qtbot):
    window = make_window(coded_project)
    window.analysis.show_passages()
    panel = window.analysis.passages
    controls = panel.controls
    economy = next(i for i in controls._tag_items() if i.text(0) == "Economy")
    economy.setCheckState(0, Qt.CheckState.Checked)
    qtbot.waitUntil(lambda: len(listed(panel)) == 3)
    economy.setCheckState(1, Qt.CheckState.Checked)  # "Not": the same tag cannot be both
    assert economy.checkState(0) == Qt.CheckState.Unchecked
    qtbot.waitUntil(lambda: panel.query().exclude_tags == (tag_id(window, "Economy"),))
    # Every span overlapping no Economy span: Security, Borders twice, Ana's turn (Ben's holds "Trade matters").
    qtbot.waitUntil(lambda: len(listed(panel)) == 4)


def test_the_passages_follow_changes_to_the_project(make_window, coded_project, qtbot):
    window = make_window(coded_project)
    show_passages_from_palette(window, "Economy")
    panel = window.analysis.passages
    assert len(listed(panel)) == 3
    window.show_document(window.documents.panel.model.rows[0].id)
    window.pages.setCurrentWidget(panel)
    window.view.select_range(*span(FIRST, "Second paragraph"))
    window.annotating.apply_tag(tag_id(window, "Economy"))
    assert ("first", *span(FIRST, "Second paragraph")) in listed(panel)
    qtbot.waitUntil(lambda: panel.controls.annotators.texts() == ["ana", "ben", "tester", "x"])  # a new name
    window.on_undo()
    assert len(listed(panel)) == 3
    window.pages.setCurrentWidget(window.text_page)
    window.on_redo()  # not shown: only noted, read again when shown
    assert panel.stale
    window.pages.setCurrentWidget(panel)
    assert len(listed(panel)) == 4


def test_export_writes_the_listed_passages_as_a_job(make_window, coded_project, qtbot, tmp_path):
    window = make_window(coded_project)
    show_passages_from_palette(window, "Security")
    target = tmp_path / "security.csv"
    job = window.analysis.passages.export_to(target)
    with qtbot.waitSignal(job.ended, timeout=20000):
        pass
    assert job.error is None
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["document"], int(r["start"]), int(r["end"]), r["passage"]) for r in rows] == [
        ("first", *span(FIRST, "Zürich"), "Zürich"),
        ("first", *span(FIRST, "the results were clear"), "the results were clear"),
        ("second", *span(SECOND, "guard the border"), "guard the border"),
    ]
    assert "3 passages exported" in window.statusBar().currentMessage()


def test_file_report_writes_the_html_report_with_the_passages_filters(
    make_window, coded_project, qtbot, tmp_path
):
    window = make_window(coded_project)
    window.analysis.show_passages()
    window.analysis.passages.set_query(PassageQuery(speakers=(tag_id(window, "Ben"),)))
    target = tmp_path / "report.html"
    job = window.analysis.write_report(target)
    with qtbot.waitSignal(job.ended, timeout=30000):
        pass
    assert job.error is None
    page = target.read_text(encoding="utf-8")
    assert "Speakers: Ben" in page
    assert "Report written" in window.statusBar().currentMessage()


def test_closing_the_passages_tab_leaves_the_text_alone(make_window, coded_project):
    window = make_window(coded_project)
    window.analysis.show_passages()
    pages = window.pages
    pages.tabCloseRequested.emit(0)  # the text has no close button; a request is refused too
    assert pages.indexOf(window.text_page) == 0
    pages.tabCloseRequested.emit(pages.indexOf(window.analysis.passages))
    assert pages.count() == 1 and not pages.tabBar().isVisible()


def test_the_annotators_are_read_in_the_background_and_a_tick_asked_for_meanwhile_stays(
    make_window, coded_project, qtbot
):
    window = make_window(coded_project)
    panel = window.analysis.passages
    panel.set_query(PassageQuery(annotators=("ben",)))  # before the names have come
    assert panel.query().annotators == ("ben",)
    assert listed(panel) == [("first", *span(FIRST, "trade")), ("second", *span(SECOND, "guard the border"))]
    annotators = panel.controls.annotators
    qtbot.waitUntil(lambda: annotators.texts() == ["ana", "ben", "x"], timeout=20000)
    assert annotators.checked() == ("ben",)
    assert panel.controls.filters.itemText(1) == "Annotators (1 ticked)"


def test_ticking_a_document_in_the_filtered_list_keeps_only_its_passages(make_window, coded_project, qtbot):
    window = make_window(coded_project)
    window.analysis.show_passages()
    panel = window.analysis.passages
    documents = panel.controls.documents
    documents.filter.setText("SEC")  # case does not matter
    assert documents.proxy.rowCount() == 1
    index = documents.proxy.index(0, 0)
    assert documents.proxy.setData(index, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    second = window.documents.panel.model.rows[1].id
    assert panel.query().documents == (second,)
    qtbot.waitUntil(lambda: len(listed(panel)) == 5)  # the second document's five spans
    assert {row[0] for row in listed(panel)} == {"second"}
    assert panel.controls.filters.itemText(2) == "Documents (1 ticked)"


def test_a_page_past_the_first_is_read_in_the_background_and_then_shown(make_window, tmp_path, qtbot):
    path = tmp_path / "long.annotator"
    words = [f"w{i:03d}" for i in range(250)]
    text = " ".join(words)
    with Store.create(path) as store:
        document = store.add_document(ImportedDocument(title="long", text=text), annotator="x").document_id
        theme = store.add_tag(kind=TagKind.THEME, name="Word", color="#1f77b4")
        for word in words:
            start, end = span(text, word)
            store.add_annotation(document_id=document, start=start, end=end, tag_id=theme.id, annotator="x")
    window = make_window(path)
    show_passages_from_palette(window, "Word")
    model = window.analysis.passages.model
    assert model.rowCount() == 250
    assert model.data(model.index(0, 1)) == "w000"  # the first page at once
    assert model.data(model.index(249, 1)) == "…"  # the last one is being read
    assert model.data(model.index(249, 0), Qt.ItemDataRole.UserRole) is None
    qtbot.waitUntil(lambda: model.data(model.index(249, 1)) == "w249", timeout=20000)
    passage = model.data(model.index(249, 0), Qt.ItemDataRole.UserRole)
    assert (passage.start, passage.end) == span(text, "w249")
    before, middle, after = model.context(249)
    assert (middle, after) == ("w249", "") and text.endswith(before + middle)


def test_the_menu_commands_ask_for_a_file_and_add_its_suffix(
    make_window, coded_project, qtbot, tmp_path, monkeypatch
):
    """Export… and File > Report… through their save dialogs (answered here): the chosen type's suffix is added."""
    import zipfile

    from PySide6.QtWidgets import QFileDialog

    window = make_window(coded_project)
    show_passages_from_palette(window, "Economy")
    asked = []

    def answer(path: Path, chosen: str):
        def dialog(parent, title, default, filters):
            asked.append((title, filters))
            return str(path), chosen

        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(dialog))

    answer(tmp_path / "economy", "Excel workbook (*.xlsx)")
    window.analysis.passages.export_button.click()
    with qtbot.waitSignal(window.analysis.passages.job.ended, timeout=20000):
        pass
    assert zipfile.is_zipfile(tmp_path / "economy.xlsx")
    answer(tmp_path / "report", "Word document report (*.docx)")
    window.actions_by_key["report"].trigger()
    with qtbot.waitSignal(window.analysis.report_job.ended, timeout=30000):
        pass
    with zipfile.ZipFile(tmp_path / "report.docx") as docx:
        body = docx.read("word/document.xml").decode("utf-8")
    assert "Tags: Economy" in body
    assert asked[1][0] == "Write a report — coded Economy"  # the dialog says what the report covers


def test_back_to_the_passages_with_ctrl_r_the_next_one_is_a_key_away(make_window, coded_project, qtbot):
    window = make_window(coded_project)
    show_passages_from_palette(window, "Economy")
    table = window.analysis.passages.table
    table.setCurrentIndex(table.model().index(0, 1))
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert window.view.selected_range() == span(FIRST, "trade")
    window.actions_by_key["passages"].trigger()  # Ctrl+R
    assert window.pages.currentWidget() is window.analysis.passages
    assert table.hasFocus() and table.currentIndex().row() == 0
    qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert (window.current_document.title, window.view.selected_range()) == (
        "second",
        span(SECOND, "Trade matters"),
    )

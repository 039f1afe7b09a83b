"""Titles, tag names, descriptions and notes come from files and colleagues: the window shows them literally.

Qt guesses whether a label's, tooltip's or message box's text is HTML, so a
document titled ``<img src="file:///etc/passwd">`` would load a local file
into a tooltip. Each test checks both what is set and how it renders.
"""

from __future__ import annotations

import pytest
from PySide6 import QtGui
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent, QTextDocument
from PySide6.QtWidgets import QApplication, QToolTip

from annotator.model import ImportedDocument
from annotator.store import Store

pytestmark = pytest.mark.gui

HOSTILE_TITLE = '<img src="file:///etc/passwd"><b>bold</b>'
HOSTILE_TAG = "<b>Threat</b>"
HOSTILE_DESCRIPTION = '<a href="http://example.invalid">click</a> <i>me</i>'
HOSTILE_NOTE = "<script>alert(1)</script> & <u>note</u>"
TEXT = "An interview about <tags> and the word needle inside it."


def rendered(tooltip: str) -> str:
    """What a user reads in a tooltip: Qt renders it as rich text when it looks like HTML."""
    document = QTextDocument()
    if QtGui.Qt.mightBeRichText(tooltip):
        document.setHtml(tooltip)
    else:
        document.setPlainText(tooltip)
    return document.toPlainText()


@pytest.fixture
def hostile_project(tmp_path):
    path = tmp_path / "hostile.annotator"
    with Store.create(path) as store:
        doc = store.add_document(ImportedDocument(title=HOSTILE_TITLE, text=TEXT), annotator="x")
        tag = store.add_tag(kind="theme", name=HOSTILE_TAG, color="#cc0000", description=HOSTILE_DESCRIPTION)
        start = TEXT.index("needle")
        store.add_annotation(
            document_id=doc.document_id,
            start=start,
            end=start + 6,
            tag_id=tag.id,
            annotator="<i>eve</i>",
            note=HOSTILE_NOTE,
        )
    return path


def test_the_status_bar_shows_a_hostile_title_literally(make_window, hostile_project):
    window = make_window(hostile_project)
    label = window.status_document
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert label.text() == f"{HOSTILE_TITLE} · {len(TEXT):,} characters"
    for other in (window.status_selection, window.status_counts, window.notice):
        assert other.textFormat() == Qt.TextFormat.PlainText


def test_tag_tooltip_is_escaped(make_window, hostile_project):
    window = make_window(hostile_project)
    tag = window.tags.palette.tag_for_key(1)
    tooltip = window.tags.palette._items[tag.id].toolTip(0)
    assert "<a href" not in tooltip and "&lt;a href" in tooltip
    assert rendered(tooltip) == HOSTILE_DESCRIPTION
    assert window.tags.palette._items[tag.id].text(0) == HOSTILE_TAG  # item text is plain by nature


def test_search_hit_tooltip_is_escaped(make_window, hostile_project, qtbot):
    window = make_window(hostile_project)
    window.search.panel.query.setText("needle")
    window.search.panel.run_search()
    qtbot.waitUntil(lambda: window.search.panel.results.count() > 0)  # searched off the UI thread
    tooltip = window.search.panel.results.item(0).toolTip()
    assert "<img" not in tooltip and "&lt;img" in tooltip
    start = TEXT.index("needle")
    assert rendered(tooltip) == f"{HOSTILE_TITLE} [{start}, {start + 6})"
    assert window.search.panel.summary.textFormat() == Qt.TextFormat.PlainText


def test_table_tooltips_are_escaped(make_window, hostile_project):
    window = make_window(hostile_project)
    annotations = window.annotations_panel.model
    note_tip = annotations.data(annotations.index(0, 5), Qt.ItemDataRole.ToolTipRole)
    assert "<script>" not in note_tip and rendered(note_tip) == HOSTILE_NOTE
    documents = window.documents.panel.model
    doc_tip = documents.data(documents.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert "<img" not in doc_tip and rendered(doc_tip).startswith(HOSTILE_TITLE + "\n")


def test_hover_tooltip_in_the_text_is_escaped(make_window, hostile_project, qtbot):
    window = make_window(hostile_project)
    view = window.view
    cursor = view.textCursor()
    cursor.setPosition(TEXT.index("needle") + 2)
    point = view.cursorRect(cursor).center()
    event = QHelpEvent(QEvent.Type.ToolTip, point + view.viewport().pos(), view.viewport().mapToGlobal(point))
    QApplication.sendEvent(view, event)
    qtbot.waitUntil(lambda: QToolTip.text() != "")
    tooltip = QToolTip.text()
    assert "<script>" not in tooltip and "<u>" not in tooltip
    assert rendered(tooltip) == f"■ {HOSTILE_TAG} · <i>eve</i>\n{HOSTILE_NOTE}"
    QToolTip.hideText()


def test_hostile_names_in_message_boxes_are_plain_text(make_window, hostile_project, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    window = make_window(hostile_project)
    shown = []

    def fake_exec(box):
        shown.append((box.textFormat(), box.text()))
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    tag = window.tags.palette.tag_for_key(1)
    window.tags.delete_tag(tag.id)  # in use: asks first, naming the tag
    assert shown[0][0] == Qt.TextFormat.PlainText and HOSTILE_TAG in shown[0][1]
    assert window.store.tag(tag.id).name == HOSTILE_TAG  # "No" kept it
    window.open_project(hostile_project.parent / "missing<b>.annotator")
    assert shown[1][0] == Qt.TextFormat.PlainText


def test_span_colour_cannot_smuggle_markup_into_the_tooltip(qtbot):
    from annotator.gui.document_view import DocumentView, ViewSpan

    view = DocumentView()
    qtbot.addWidget(view)
    view.resize(500, 200)
    view.show()
    qtbot.waitExposed(view)
    view.set_document("plain words here", [ViewSpan("s", 0, 5, "red'><img src='file:///x'>", "Label")])
    cursor = view.textCursor()
    cursor.setPosition(2)
    point = view.cursorRect(cursor).center()
    QApplication.sendEvent(
        view,
        QHelpEvent(QEvent.Type.ToolTip, point + view.viewport().pos(), view.viewport().mapToGlobal(point)),
    )
    qtbot.waitUntil(lambda: QToolTip.text() != "")
    assert "<img" not in QToolTip.text()
    QToolTip.hideText()

"""The window's workflow by keyboard and mouse: keyboard selection, palette clicks, the table, tags, statuses."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from annotator.gui.app import create_window, make_application
from annotator.model import DocumentStatus, TagKind
from annotator.ops import SetDocumentStatus
from annotator.settings import Settings
from tests.conftest import EMOJI_TEXT, stored_texts

pytestmark = pytest.mark.gui


def test_shift_arrows_select_after_emoji_and_a_number_tags_it(make_window, emoji_project, qtbot):
    window = make_window(emoji_project)
    start = EMOJI_TEXT.index("found")
    window.view.select_range(start, start)
    for _ in range(len("found")):
        qtbot.keyClick(window.view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert window.view.selected_range() == (start, start + 5)
    qtbot.keyClick(window.view, Qt.Key.Key_3)
    assert stored_texts(window) == [("found", "Drug trafficking")]


def test_clicking_a_tag_in_the_palette_applies_it(make_window, emoji_project):
    window = make_window(emoji_project)
    start = EMOJI_TEXT.index("Second")
    window.view.select_range(start, start + len("Second paragraph "))  # trailing space is trimmed
    speaker = window.store.find_tag(TagKind.SPEAKER, "Thomas Greminger")
    item = window.tags.palette._items[speaker.id]
    rect = window.tags.palette.tree.visualItemRect(item)
    from pytestqt.qtbot import QtBot

    QtBot.mouseClick(window.tags.palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert stored_texts(window) == [("Second paragraph", "Thomas Greminger")]
    assert window.tags.palette.count(speaker.id) == 1


def test_clicking_a_row_of_the_annotations_table_selects_its_text(make_window, emoji_project, qtbot):
    window = make_window(emoji_project)
    for word in ("Zürich", "results"):
        start = EMOJI_TEXT.index(word)
        window.view.select_range(start, start + len(word))
        qtbot.keyClick(window.view, Qt.Key.Key_1)
    window.view.select_range(0, 0)
    table = window.annotations_panel.table
    index = table.model().index(1, 0)  # sorted by start: "results" is the second row
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center())
    start = EMOJI_TEXT.index("results")
    assert window.view.selected_range() == (start, start + len("results"))


def test_reordering_a_tag_changes_its_number_key_and_undo_restores_it(make_window, emoji_project):
    window = make_window(emoji_project)
    first, second = window.tags.palette.tag_for_key(2), window.tags.palette.tag_for_key(3)
    window.tags.move_tag(second.id, -1)
    assert (window.tags.palette.tag_for_key(2), window.tags.palette.tag_for_key(3)) == (
        window.store.tag(second.id),
        window.store.tag(first.id),
    )
    window.on_undo()
    assert (window.tags.palette.tag_for_key(2).id, window.tags.palette.tag_for_key(3).id) == (
        first.id,
        second.id,
    )


def test_merging_tags_moves_spans_and_undo_brings_the_tag_back(
    make_window, emoji_project, qtbot, monkeypatch
):
    window = make_window(emoji_project)
    window.view.select_range(0, 3)
    qtbot.keyClick(window.view, Qt.Key.Key_2)  # Terrorism and extremism
    source = window.tags.palette.tag_for_key(2)
    monkeypatch.setattr(
        "annotator.gui.features.tags.QInputDialog.getItem", lambda *args, **kwargs: ("Afghanistan", True)
    )
    window.tags.merge_tag(source.id)
    assert stored_texts(window) == [(EMOJI_TEXT[0:3], "Afghanistan")]
    assert window.store.find_tag(TagKind.THEME, source.name) is None
    assert window.view.own_spans()[0].label == "Afghanistan"
    window.on_undo()
    assert stored_texts(window) == [(EMOJI_TEXT[0:3], source.name)]
    assert window.tags.palette.count(source.id) == 1


def test_document_status_is_stored_shown_and_undoable(make_window, emoji_project):
    window = make_window(emoji_project)
    doc_id = window.current_document.id
    window.documents.panel.statusChangeRequested.emit(doc_id, DocumentStatus.DONE)
    assert window.store.document(doc_id).status is DocumentStatus.DONE
    row = window.documents.panel.model.row_of(doc_id)
    assert window.documents.panel.model.rows[row].status is DocumentStatus.DONE
    window.on_undo()
    assert window.store.document(doc_id).status is DocumentStatus.TODO


def test_first_start_asks_for_the_name_and_remembers_it(qtbot, monkeypatch, emoji_project):
    make_application()
    Settings().save()
    asked = []
    monkeypatch.setattr(
        "annotator.gui.dialogs.ask_annotator_name",
        lambda parent, suggestion: asked.append(suggestion) or "Dana",
    )
    window = create_window(str(emoji_project), Settings.load())
    qtbot.addWidget(window)
    try:
        assert window.annotator == "Dana" and len(asked) == 1
        assert Settings.load().annotator == "Dana"
        again = create_window(str(emoji_project), Settings.load())
        qtbot.addWidget(again)
        assert again.annotator == "Dana" and len(asked) == 1
        again.store.close()
    finally:
        window.store.close()


def test_the_palette_follows_the_system_colour_scheme(qtbot):
    from PySide6.QtGui import QGuiApplication, QPalette

    app = make_application()
    hints = QGuiApplication.styleHints()
    try:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert app.palette().color(QPalette.ColorRole.Base).lightness() < 60
        assert app.palette().color(QPalette.ColorRole.Text).lightness() > 200
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert app.palette().color(QPalette.ColorRole.Base).lightness() > 200
    finally:
        hints.colorSchemeChanged.emit(hints.colorScheme())
        assert app.style().name().lower() == "fusion"


def test_undo_of_a_span_deleted_elsewhere_says_so(make_window, emoji_project, qtbot):
    from annotator.store import Store

    window = make_window(emoji_project)
    window.view.select_range(0, 3)
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    [annotation] = window.store.annotations_for_document(window.current_document.id)
    with Store.open(emoji_project) as other:  # the command line deletes it meanwhile
        other.delete_annotation(annotation.id)
    window.on_undo()
    assert window.statusBar().currentMessage().startswith("Cannot undo: no annotation with id")
    assert window.view.own_spans() == [] and window.annotations_panel.model.rowCount() == 0
    assert not window.actions_by_key["undo"].isEnabled()


def test_the_first_span_marks_a_to_do_document_in_progress(make_window, emoji_project, qtbot):
    window = make_window(emoji_project)
    doc_id = window.current_document.id
    row = window.documents.panel.model.row_of(doc_id)

    def shown():
        summary = window.documents.panel.model.rows[row]
        return summary.status, summary.annotation_count

    window.view.select_range(0, 3)
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    assert window.store.document(doc_id).status is DocumentStatus.IN_PROGRESS
    assert shown() == (DocumentStatus.IN_PROGRESS, 1)
    assert window.tags.palette.count(window.tags.palette.tag_for_key(1).id) == 1
    window.on_undo()
    assert (window.store.document(doc_id).status, window.store.annotation_count()) == (DocumentStatus.TODO, 0)
    assert shown() == (DocumentStatus.TODO, 0) and window.view.own_spans() == []
    window.on_redo()
    assert shown() == (DocumentStatus.IN_PROGRESS, 1) and len(window.view.own_spans()) == 1
    window.run_op(SetDocumentStatus(doc_id, DocumentStatus.DONE))
    window.view.select_range(4, 9)
    qtbot.keyClick(window.view, Qt.Key.Key_2)
    assert window.store.document(doc_id).status is DocumentStatus.DONE  # only "to do" moves on by itself


def ten_interviews(tmp_path):
    """A folder of ten short text files, 00.txt to 09.txt."""
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(10):
        (folder / f"{number:02}.txt").write_text(f"Interview number {number}.", encoding="utf-8")
    return folder


def test_cancelling_an_import_keeps_the_files_done_and_says_so(
    make_window, emoji_project, qtbot, tmp_path, monkeypatch
):
    window = make_window(emoji_project)
    folder = ten_interviews(tmp_path)
    from annotator.gui.jobs import Job

    start = Job.start
    monkeypatch.setattr(Job, "start", lambda self: self)  # started below, once we listen
    worker = window.importing.start_import([str(folder)])
    # progress(done, ...) is reported before file ``done`` is read; cancelling at 1 lets files 0 and 1 finish
    worker.progressed.connect(
        lambda done, total, name: done == 1 and worker.cancel(), Qt.ConnectionType.DirectConnection
    )
    start(worker)
    with qtbot.waitSignal(worker.succeeded, timeout=20_000):
        pass
    qtbot.waitUntil(lambda: window.importing.last_report is not None)
    assert window.importing.last_report.summary() == (
        "2 document(s) imported, 0 already in the project, 0 failed (cancelled)"
    )
    assert sorted(d.title for d in window.store.documents()) == ["00", "01", "emoji"]
    assert window.documents.panel.model.rowCount() == 3


def test_opening_another_project_lists_it_first_in_recent_and_starts_a_fresh_undo(
    make_window, emoji_project, qtbot, tmp_path, monkeypatch
):
    window = make_window()
    sample = window.store.path
    window.view.select_range(0, 3)
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    assert window.actions_by_key["undo"].isEnabled()
    window.open_project(emoji_project)
    assert window.current_document.title == "emoji" and window.windowTitle().endswith("— Annotator")
    assert not window.actions_by_key["undo"].isEnabled()
    assert Settings.load().recent_projects[:2] == [str(emoji_project), str(sample)]
    window._fill_recent_menu()
    assert [a.text() for a in window.recent_menu.actions()][:2] == ["emoji.annotator", sample.name]
    warned = []
    monkeypatch.setattr("annotator.gui.main_window.warn", lambda parent, title, text: warned.append(text))
    (tmp_path / "junk.annotator").write_bytes(b"not a project at all" * 10)
    window.open_project(tmp_path / "junk.annotator")
    assert len(warned) == 1 and window.store.path == emoji_project


def test_dropping_a_file_on_the_window_imports_it(make_window, emoji_project, qtbot, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    window = make_window(emoji_project)
    dropped = tmp_path / "dropped.txt"
    dropped.write_text("Dropped\r\nwith Windows line endings.", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(window.rect().center(), *args)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    window.dropEvent(QDropEvent(QPointF(window.rect().center()), *args))
    qtbot.waitUntil(lambda: window.importing.last_report is not None, timeout=20_000)
    [new] = [d for d in window.store.documents() if d.title == "dropped"]
    assert window.store.document(new.id).text == "Dropped\nwith Windows line endings."


def test_the_progress_dialogs_cancel_button_stops_an_import(
    make_window, emoji_project, qtbot, tmp_path, monkeypatch
):
    import threading

    from PySide6.QtWidgets import QProgressDialog, QPushButton

    from annotator.gui.jobs import Job

    window = make_window(emoji_project)
    folder = ten_interviews(tmp_path)
    start = Job.start
    monkeypatch.setattr(Job, "start", lambda self: self)  # started below, once we listen
    worker = window.importing.start_import([str(folder)])
    [progress] = window.findChildren(QProgressDialog)
    paused, resume = threading.Event(), threading.Event()

    def hold_after_two_files(done, total, name) -> None:  # runs in the worker thread
        if done == 2:
            paused.set()
            resume.wait(20)

    worker.progressed.connect(hold_after_two_files, Qt.ConnectionType.DirectConnection)
    start(worker)
    try:
        qtbot.waitUntil(paused.is_set, timeout=20_000)
        qtbot.waitUntil(progress.isVisible, timeout=5_000)  # it appears after its minimum duration
        [cancel] = progress.findChildren(QPushButton)
        assert cancel.text() == "Cancel"
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    finally:
        resume.set()
    qtbot.waitUntil(lambda: window.importing.last_report is not None, timeout=20_000)
    assert window.importing.last_report.summary() == (
        "3 document(s) imported, 0 already in the project, 0 failed (cancelled)"
    )
    assert sorted(d.title for d in window.store.documents()) == ["00", "01", "02", "emoji"]

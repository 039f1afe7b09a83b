"""The real window, driven offscreen: select, press a number, check what was stored."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from annotator.model import TagKind
from annotator.settings import Settings
from annotator.store import Store
from tests.conftest import EMOJI_TEXT

pytestmark = pytest.mark.gui


def press(qtbot, window, key):
    qtbot.keyClick(window.view, key)


def test_opens_the_sample_project_on_its_first_document(make_window):
    window = make_window()
    assert window.current_document.title == "000_0976646cfc479a1b"
    assert window.tags.palette.tag_for_key(1).name == "Regional security"
    assert window.documents.panel.model.rowCount() == 2
    assert window.windowTitle() == "My project — Annotator"


def test_reopening_shows_the_document_open_last(make_window):
    window = make_window()
    second = window.documents.panel.model.rows[1].id
    window.show_document(second)
    path = window.store.path
    window.close()
    window.store.close()
    again = make_window(path)
    assert again.current_document.id == second


def test_the_open_document_is_remembered_shortly_after_opening_without_a_close(make_window, qtbot):
    window = make_window()
    first, second = (row.id for row in window.documents.panel.model.rows[:2])
    window.show_document(second)
    window.show_document(first)
    window.show_document(second)  # flicking through: one write at the end, not three commits
    assert window.store.get_meta("last_document") != second  # not written yet: no event has run
    qtbot.waitUntil(lambda: not window._last_document_timer.isActive(), timeout=5000)
    assert window.store.get_meta("last_document") == second  # there even if the app is killed now


def test_select_press_number_stores_trimmed_code_point_offsets_and_undo_redo(
    make_window, emoji_project, qtbot
):
    window = make_window(emoji_project)
    start = EMOJI_TEXT.index("the results")
    window.view.select_range(start - 1, start + len("the results") + 1)  # with a space on each side
    press(qtbot, window, Qt.Key.Key_1)
    with Store.open(emoji_project, read_only=True) as other:
        [stored] = other.annotations_for_document(window.current_document.id)
        assert (stored.start, stored.end) == (start, start + len("the results"))
        assert EMOJI_TEXT[stored.start : stored.end] == "the results"
        assert other.tag(stored.tag_id).name == "Regional security"
        assert stored.annotator == "tester"
    assert [s.id for s in window.view.own_spans()] == [stored.id]
    assert window.tags.palette.count(stored.tag_id) == 1
    window.on_undo()
    assert window.store.annotations_for_document(window.current_document.id) == []
    assert window.view.own_spans() == []
    window.on_redo()
    assert window.store.annotations_for_document(window.current_document.id) == [stored]
    assert window.annotations_panel.model.rowCount() == 1


def test_selection_after_emoji_maps_to_code_points(make_window, emoji_project, qtbot):
    window = make_window(emoji_project)
    # Select with Qt positions, as a mouse drag would: "Zürich" sits after two astral characters
    # (🔬 and 🧪; 👩 too), so its Qt position is 3 more than its code-point offset.
    start = EMOJI_TEXT.index("Zürich")
    cursor = window.view.textCursor()
    cursor.setPosition(start + 3)
    cursor.setPosition(start + 3 + len("Zürich"), cursor.MoveMode.KeepAnchor)
    window.view.setTextCursor(cursor)
    assert window.view.selected_range() == (start, start + 6)
    press(qtbot, window, Qt.Key.Key_5)
    [stored] = window.store.annotations_for_document(window.current_document.id)
    assert EMOJI_TEXT[stored.start : stored.end] == "Zürich"
    assert window.store.tag(stored.tag_id).name == "Afghanistan"


def test_delete_retag_and_note(make_window, emoji_project, qtbot, monkeypatch):
    window = make_window(emoji_project)
    window.view.select_range(0, 3)
    press(qtbot, window, Qt.Key.Key_2)
    [annotation] = window.store.annotations_for_document(window.current_document.id)
    speaker = window.store.find_tag(TagKind.SPEAKER, "Peter Burian")
    window.annotating.retag(annotation.id, speaker.id)
    assert window.store.annotation(annotation.id).tag_id == speaker.id
    assert window.view.own_spans()[0].label == "Peter Burian"
    monkeypatch.setattr("annotator.gui.dialogs.ask_note", lambda parent, current: "check this")
    window.annotating.edit_note(annotation.id)
    assert window.store.annotation(annotation.id).note == "check this"
    window.annotating.span_clicked(annotation.id)
    press(qtbot, window, Qt.Key.Key_Delete)
    assert window.store.annotations_for_document(window.current_document.id) == []
    window.on_undo()
    restored = window.store.annotation(annotation.id)
    assert (restored.note, restored.tag_id) == ("check this", speaker.id)


def test_fit_span_to_selection(make_window, emoji_project, qtbot):
    window = make_window(emoji_project)
    window.view.select_range(0, 3)
    press(qtbot, window, Qt.Key.Key_1)
    [annotation] = window.store.annotations_for_document(window.current_document.id)
    window.annotating.current_annotation_id = annotation.id
    start = EMOJI_TEXT.index("found")
    window.view.select_range(start, start + 5)
    window.annotating.on_fit_to_selection()
    moved = window.store.annotation(annotation.id)
    assert EMOJI_TEXT[moved.start : moved.end] == "found"


def test_deleting_a_used_tag_asks_and_can_be_undone(make_window, emoji_project, qtbot, monkeypatch):
    window = make_window(emoji_project)
    window.view.select_range(0, 3)
    press(qtbot, window, Qt.Key.Key_1)
    tag = window.tags.palette.tag_for_key(1)
    asked = []
    monkeypatch.setattr(
        "annotator.gui.dialogs.ask_yes_no", lambda parent, title, text: asked.append(text) or True
    )
    window.tags.delete_tag(tag.id)
    assert "and its 1 annotation(s)" in asked[0]
    assert window.store.find_tag(TagKind.THEME, tag.name) is None
    assert window.store.annotation_count() == 0
    window.on_undo()
    assert window.store.find_tag(TagKind.THEME, tag.name) == tag
    assert window.store.annotation_count() == 1
    assert window.tags.palette.tag_for_key(1).id == tag.id


def annotate_from_another_process(project, document_id) -> str:
    """What the command line does meanwhile: one annotation through a connection of its own; its tag id."""
    with Store.open(project) as other:
        tag = other.find_tag(TagKind.THEME, "Afghanistan")
        other.add_annotation(document_id=document_id, start=0, end=3, tag_id=tag.id, annotator="cli")
    return tag.id


def test_changes_from_another_process_show_on_refresh(make_window, emoji_project):
    window = make_window(emoji_project)
    annotate_from_another_process(emoji_project, window.current_document.id)
    assert window.refresh_if_changed_elsewhere()
    assert [s.annotator for s in window.view.own_spans()] == ["cli"]
    assert not window.refresh_if_changed_elsewhere()


def test_import_runs_in_a_worker_and_reports(make_window, tmp_path, qtbot):
    window = make_window()
    (tmp_path / "new.txt").write_text("A new interview.", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01" * 50)
    worker = window.importing.start_import([str(tmp_path / "new.txt"), str(tmp_path / "bad.txt")])
    with qtbot.waitSignal(worker.succeeded, timeout=20_000):
        pass
    qtbot.waitUntil(lambda: window.importing.last_report is not None)
    report = window.importing.last_report
    assert report.summary() == "1 document(s) imported, 0 already in the project, 1 failed"
    assert [d.title for d in window.documents.panel.model.rows][-1] == "new"


def test_memo_is_saved_and_undoable(make_window, emoji_project):
    window = make_window(emoji_project)
    window.memo.editor.setPlainText("interesting opening")
    window.memo.save()
    assert window.store.document(window.current_document.id).memo == "interesting opening"
    window.on_undo()
    assert window.store.document(window.current_document.id).memo == ""


def test_find_in_document_selects_matches(make_window, emoji_project):
    window = make_window(emoji_project)
    window.search.on_find()
    window.search.find_bar.field.setText("HERE")
    start = EMOJI_TEXT.index("here")
    assert window.view.selected_range() == (start, start + 4)
    assert window.search.find_bar.count.text() == "1 of 1"


def test_read_only_project_opens_with_a_notice(make_window, emoji_project, monkeypatch):
    monkeypatch.setattr("annotator.gui.main_window.os.access", lambda path, mode: False)
    window = make_window(emoji_project)
    assert window.store.read_only
    assert not window.notice.isHidden() and "read-only" in window.notice.text()
    assert window.memo.editor.isReadOnly()
    window.view.select_range(0, 3)
    window.apply_tag_number(1)
    assert window.store.annotation_count() == 0


def test_every_shortcut_is_in_the_readme():
    from annotator.gui.actions import ACTIONS
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [
        spec.shortcuts[0]
        for spec in ACTIONS
        if spec.shortcuts and spec.shortcuts[0] not in readme and spec.key not in {"new_theme", "new_speaker"}
    ]
    assert missing == []


def visible_tab_groups(window) -> list[list[str]]:
    from PySide6.QtWidgets import QTabBar

    return sorted(
        [bar.tabText(i) for i in range(bar.count())]
        for bar in window.findChildren(QTabBar)
        if bar.isVisible()
    )


def test_layout_has_one_tab_bar_per_group_and_a_tall_palette(make_window, qtbot):
    window = make_window()
    qtbot.waitUntil(lambda: not window._default_layout_pending)
    assert visible_tab_groups(window) == [["Documents", "Search"], ["Memo", "Review"]]
    assert window.dock("tags").height() > window.dock("memo").height()
    path = window.store.path
    window.close()
    window.store.close()
    again = make_window(path)  # the layout saved on closing comes back without stray tab bars
    assert not again._default_layout_pending
    assert visible_tab_groups(again) == [["Documents", "Search"], ["Memo", "Review"]]


def stored_memo(path, document_id) -> str:
    """The memo as a second connection (another process, or the file after a crash) reads it."""
    with Store.open(path, read_only=True) as other:
        return other.document(document_id).memo


def test_memo_typing_is_stored_at_once_and_one_ctrl_z_undoes_the_run(make_window, emoji_project, qtbot):
    window = make_window(emoji_project)
    doc_id = window.current_document.id
    window.memo.editor.setFocus()
    qtbot.keyClicks(window.memo.editor, "idea 1")
    assert stored_memo(emoji_project, doc_id) == "idea 1"  # no waiting: each keystroke is committed
    assert window.store.annotation_count() == 0  # digits typed in the memo are text, not tag keys
    qtbot.keyClicks(window.memo.editor, "!")
    assert stored_memo(emoji_project, doc_id) == "idea 1!"
    assert window.actions_by_key["undo"].text() == "&Undo edit memo"
    qtbot.keyClick(window.memo.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored_memo(emoji_project, doc_id) == "" and window.memo.editor.toPlainText() == ""
    assert not window.history.can_undo()  # the whole run was one step
    qtbot.keyClick(
        window.memo.editor,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert stored_memo(emoji_project, doc_id) == "idea 1!" and window.memo.editor.toPlainText() == "idea 1!"


def test_memo_runs_end_when_the_memo_loses_focus_or_the_document_changes(make_window, qtbot):
    window = make_window()  # the sample project: two documents
    first, second = (d.id for d in window.documents.panel.model.rows)
    window.memo.editor.setFocus()
    qtbot.keyClicks(window.memo.editor, "one")
    window.view.setFocus()
    qtbot.waitUntil(lambda: not window.memo.editor.hasFocus())
    window.memo.editor.setFocus()
    qtbot.keyClicks(window.memo.editor, " two")
    window.show_document(second)
    qtbot.keyClicks(window.memo.editor, "other")
    assert [window.store.document(d).memo for d in (first, second)] == ["one two", "other"]
    window.on_undo()
    assert window.store.document(second).memo == "" and window.memo.editor.toPlainText() == ""
    window.show_document(first)
    window.on_undo()
    assert window.store.document(first).memo == "one" and window.memo.editor.toPlainText() == "one"
    window.on_undo()
    assert window.store.document(first).memo == ""


def test_coming_back_to_the_app_shows_what_another_process_added(make_window, emoji_project):
    window = make_window(emoji_project)
    tag_id = annotate_from_another_process(emoji_project, window.current_document.id)
    app = QApplication.instance()
    app.applicationStateChanged.emit(Qt.ApplicationState.ApplicationInactive)
    assert window.view.own_spans() == []  # leaving the app reloads nothing
    app.applicationStateChanged.emit(Qt.ApplicationState.ApplicationActive)  # as Qt does on coming back
    assert [s.annotator for s in window.view.own_spans()] == ["cli"]
    assert window.annotations_panel.model.rowCount() == 1
    assert window.tags.palette.count(tag_id) == 1


def test_new_project_ctrl_n_creates_and_opens_it(make_window, emoji_project, qtbot, tmp_path, monkeypatch):
    window = make_window(emoji_project)
    asked = []

    def save_dialog(parent, title, directory, filters):
        asked.append(title)
        return str(tmp_path / "fresh"), filters

    monkeypatch.setattr("annotator.gui.main_window.QFileDialog.getSaveFileName", save_dialog)
    qtbot.keyClick(window.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    created = tmp_path / "fresh.annotator"
    assert asked == ["New project"] and created.exists()
    assert window.store.path == created and window.current_document is None
    assert window.documents.panel.model.rowCount() == 0 and window.view.text() == ""
    assert window.windowTitle() == "fresh — Annotator"
    assert Settings.load().recent_projects[0] == str(created)

"""Background jobs and the window's change stream.

Every slow job (import, export, agreement, merge) ends the same way whatever
goes wrong: its progress dialog closes and the user reads a message. Every
change reaches the panels once, through ``MainWindow.changes``.
"""

from __future__ import annotations

import sqlite3

import pytest
import shiboken6
from PySide6.QtWidgets import QMessageBox
from review_helpers import make_pair

from annotator.gui.jobs import Job, describe_failure
from annotator.ops import OpChanges
from annotator.store import Store

pytestmark = pytest.mark.gui

LOCKED = sqlite3.OperationalError("database is locked")


@pytest.fixture
def warnings(monkeypatch):
    """Warning boxes, recorded instead of shown: (title, text)."""
    shown = []
    monkeypatch.setattr(
        QMessageBox,
        "warning",
        staticmethod(
            lambda parent, title, text, *a: shown.append((title, text)) or QMessageBox.StandardButton.Ok
        ),
    )
    return shown


def closed(dialog) -> bool:
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def showing_progress(job: Job):
    """The job's progress dialog, shown at once (it would appear after its delay)."""
    dialog = job.progress_dialog
    assert dialog is not None
    dialog.show()
    return dialog


def test_failures_become_one_line_messages():
    assert describe_failure(LOCKED) == "the project file could not be used: database is locked"
    assert describe_failure(RuntimeError("boom\nsecond line")) == "boom (RuntimeError)"
    assert describe_failure(ValueError()) == "unexpected ValueError"


def test_a_job_that_raises_closes_its_dialog_and_says_why(qtbot, warnings):
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)

    def work(context):
        context.progress(1, 3, "first")
        raise RuntimeError("unexpected")

    job = Job(work, title="Thing", parent=parent, progress_parent=parent)
    dialog = showing_progress(job)
    with qtbot.waitSignal(job.failed, timeout=10_000) as failed:
        job.start()
    assert failed.args == ["unexpected (RuntimeError)"]
    assert closed(dialog) and warnings == [("Thing failed", "unexpected (RuntimeError)")]


def test_a_job_hands_back_its_result_and_can_be_cancelled(qtbot):
    job = Job(lambda context: "cancelled" if context.should_cancel() else "ran", title="Thing")
    job.cancel()
    with qtbot.waitSignal(job.succeeded, timeout=10_000) as done:
        job.start()
    assert done.args == ["cancelled"] and job.result == "cancelled" and job.error is None


@pytest.mark.parametrize("error", [LOCKED, RuntimeError("disk on fire")])
def test_an_import_that_fails_unexpectedly_closes_its_dialog_with_a_message(
    make_window, emoji_project, qtbot, tmp_path, monkeypatch, warnings, error
):
    window = make_window(emoji_project)
    (tmp_path / "new.txt").write_text("New text.", encoding="utf-8")

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr("annotator.gui.worker.import_paths", fail)
    monkeypatch.setattr(Job, "start", lambda self: self)  # started below, once the dialog shows
    job = window.importing.start_import([str(tmp_path / "new.txt")])
    dialog = showing_progress(job)
    with qtbot.waitSignal(job.ended, timeout=10_000):
        job._thread.start()
    assert closed(dialog)
    [(title, text)] = warnings
    assert title == "Import failed" and describe_failure(error) == text


def test_an_export_that_fails_unexpectedly_hides_its_progress_and_says_why(
    qtbot, emoji_project, tmp_path, monkeypatch
):
    from annotator.gui.export_dialog import ExportDialog

    def fail(*args, **kwargs):
        raise RuntimeError("printer on fire")

    monkeypatch.setattr("annotator.gui.export_dialog.export", fail)
    dialog = ExportDialog(emoji_project)
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "out.jsonl"))
    with qtbot.waitSignal(dialog.failed_export, timeout=10_000):
        dialog.start()
    assert dialog.progress.isHidden() and "printer on fire" in dialog.message.text()
    assert dialog.export_button.isEnabled()


def test_agreement_that_fails_unexpectedly_says_so_in_the_panel(make_window, tmp_path, qtbot, monkeypatch):
    ours, theirs = make_pair(tmp_path)
    window = make_window(ours)
    panel = window.review.panel
    panel.add_layer(theirs)

    def fail(*args, **kwargs):
        raise LOCKED

    monkeypatch.setattr("annotator.gui.review_panel.agreement_report", fail)
    monkeypatch.setattr(Job, "start", lambda self: self)
    panel.compute_agreement_in_background()
    job = panel._worker
    with qtbot.waitSignal(job.ended, timeout=10_000):
        job._thread.start()
    assert (
        panel.summary.text() == "Agreement could not be computed: the project file could not be used: "
        "database is locked"
    )
    assert panel.agreement.rowCount() == 0


@pytest.mark.parametrize("error", [LOCKED, RuntimeError("colleague's file vanished")])
def test_a_merge_that_fails_unexpectedly_closes_its_dialog_with_a_message(
    make_window, tmp_path, qtbot, monkeypatch, warnings, error
):
    ours, theirs = make_pair(tmp_path)
    window = make_window(ours)
    panel = window.review.panel
    panel.add_layer(theirs)

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr("annotator.gui.review_panel.merge_files", fail)
    monkeypatch.setattr(Job, "start", lambda self: self)
    job = panel.merge_now()
    dialog = showing_progress(job)
    with qtbot.waitSignal(job.ended, timeout=10_000):
        job._thread.start()
    assert closed(dialog)
    assert warnings == [("Merge failed", describe_failure(error))]
    assert panel.summary.text() == f"Merge failed: {describe_failure(error)}"


def test_a_merge_runs_off_the_ui_thread_and_every_panel_shows_its_result(make_window, tmp_path, qtbot):
    ours, theirs = make_pair(tmp_path)
    window = make_window(ours)
    panel = window.review.panel
    panel.add_layer(theirs)
    before = window.documents.panel.model.rowCount()
    with qtbot.waitSignal(window.changes, timeout=20_000) as announced:
        job = panel.merge_now()
    assert announced.args == [job.result.changes] and job.result.documents == 1
    assert window.documents.panel.model.rowCount() == before + 1
    assert "1 document(s)" in panel.summary.text()


# -- the change stream ---------------------------------------------------------------------


def counting(monkeypatch, obj, name: str) -> list:
    calls = []
    original = getattr(obj, name)
    monkeypatch.setattr(obj, name, lambda *a, **k: calls.append(1) or original(*a, **k))
    return calls


def test_accept_theirs_reloads_tags_and_spans_once(make_window, tmp_path, qtbot, monkeypatch):
    ours, theirs = make_pair(tmp_path)
    window = make_window(ours)
    panel = window.review.panel
    panel.add_layer(theirs)
    row = next(i for i, (_, d) in enumerate(panel._items) if d.theirs and d.theirs.id not in panel._mine)
    panel.disagreements.setCurrentRow(row)
    palette_reloads = counting(monkeypatch, window.tags, "reload")
    span_reloads = counting(monkeypatch, window.annotating, "reload")
    announced = []
    window.changes.connect(lambda changes: announced.append(changes))
    panel.accept_selected()
    assert len(announced) == 1 and len(announced[0].added) == 1
    assert len(palette_reloads) <= 1 and len(span_reloads) <= 1


def test_adding_a_span_patches_the_view_without_reading_the_document_again(
    make_window, emoji_project, monkeypatch
):
    window = make_window(emoji_project)
    reads = counting(monkeypatch, window.store, "shown_annotations")
    documents = counting(monkeypatch, window.store, "documents")
    window.view.select_range(0, 3)
    window.apply_tag_number(1)
    window.on_undo()
    window.on_redo()
    assert reads == [] and documents == []
    assert window.annotations_panel.model.rowCount() == 1


def test_a_change_by_another_program_arrives_as_everything(make_window, emoji_project, qtbot):
    window = make_window(emoji_project)
    with Store.open(emoji_project) as other:
        other.set_document_memo(window.current_document.id, "written elsewhere")
    with qtbot.waitSignal(window.changes) as announced:
        assert window.refresh_if_changed_elsewhere()
    assert announced.args == [OpChanges.all()]
    assert window.memo.editor.toPlainText() == "written elsewhere"

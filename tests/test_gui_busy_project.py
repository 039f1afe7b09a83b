"""Another program holds the project's write lock: the window never freezes, and says what was not saved.

A child process opens the project with plain ``sqlite3``, takes the write
lock (``BEGIN IMMEDIATE`` and an insert), prints READY and keeps the lock
until told to let go on stdin, or until ``HOLD_SECONDS`` have passed. That
bound is the structure of the timing checks: a key press that returns while
the child still holds the lock did not wait for it (the old window waited up
to ten seconds, so it would have outlasted the child and then saved).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from annotator.errors import InvalidInputError
from annotator.model import DocumentStatus, ImportedDocument
from annotator.ops import AddTag, History, Op, annotate_span, project_busy
from annotator.store import Store
from annotator.store.connection import StorageFullError

#: The child lets go of the lock by itself after this long: far longer than the window may wait
#: (a quarter of a second), far shorter than SQLite's usual busy timeout (ten seconds).
HOLD_SECONDS = 5.0

_HOLDER = r"""
import sqlite3, sys, threading
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO project(key, value) VALUES ('held-by-another-program', '1')")
print("READY", flush=True)
released = threading.Event()
threading.Thread(target=lambda: (sys.stdin.readline(), released.set()), daemon=True).start()
released.wait(float(sys.argv[2]))
conn.execute("ROLLBACK")
conn.close()
print("RELEASED", flush=True)
"""


class LockHolder:
    """Another program holding the project's write lock (a child process)."""

    def __init__(self, path: Path, hold_seconds: float = HOLD_SECONDS):
        self.path = path
        self.process = subprocess.Popen(
            [sys.executable, "-c", _HOLDER, str(path), str(hold_seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "READY"

    def holds_lock(self) -> bool:
        """Whether the write lock is still taken (a connection that does not wait cannot begin writing)."""
        probe = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            assert project_busy(exc)
            return True
        else:
            probe.execute("ROLLBACK")
            return False
        finally:
            probe.close()

    def release(self) -> None:
        """Let go of the lock and end (once; later calls do nothing)."""
        process = self.process
        if process.returncode is not None:
            return
        assert process.stdin is not None and process.stdout is not None
        if process.poll() is None:
            process.stdin.write("\n")
            process.stdin.flush()
        assert process.stdout.read().strip() == "RELEASED"
        process.wait(timeout=30)
        process.stdin.close()
        process.stdout.close()


@pytest.fixture
def hold_lock():
    """Start a lock holder on a project; every holder is released at the end."""
    holders: list[LockHolder] = []

    def start(path: Path, hold_seconds: float = HOLD_SECONDS) -> LockHolder:
        holder = LockHolder(path, hold_seconds)
        holders.append(holder)
        return holder

    yield start
    for holder in holders:
        holder.release()


def _found(window) -> tuple[int, int]:
    start = window.current_document.text.index("found")
    return start, start + len("found")


def test_a_tag_key_while_another_program_saves_says_not_saved_and_works_after(
    make_window, emoji_project, hold_lock, qtbot
):
    window = make_window(emoji_project)
    doc_id = window.current_document.id
    tag = window.tags.palette.tag_for_key(1)
    changes = []
    window.changes.connect(changes.append)
    window.view.select_range(*_found(window))
    holder = hold_lock(emoji_project)

    began = time.monotonic()
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    waited = time.monotonic() - began

    assert holder.holds_lock(), "the key press returned only after the other program let go"
    assert waited < HOLD_SECONDS
    message = window.statusBar().currentMessage()
    assert "Another program is saving to this project" in message
    assert f"tagging “found” as {tag.name} was not saved" in message
    assert changes == []
    assert window.view.own_spans() == [] and window.annotations_panel.model.rowCount() == 0
    assert window.store.annotations_for_document(doc_id) == []
    assert window.store.document_status(doc_id) is DocumentStatus.TODO
    assert not window.history.can_undo() and not window.actions_by_key["undo"].isEnabled()

    holder.release()
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    [annotation] = window.store.annotations_for_document(doc_id)
    assert window.current_document.text[annotation.start : annotation.end] == "found"
    assert [span.id for span in window.view.own_spans()] == [annotation.id]
    assert window.annotations_panel.model.rowCount() == 1
    assert window.actions_by_key["undo"].isEnabled()


def test_undo_while_another_program_saves_keeps_the_step(make_window, emoji_project, hold_lock, qtbot):
    window = make_window(emoji_project)
    doc_id = window.current_document.id
    window.view.select_range(*_found(window))
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    [annotation] = window.store.annotations_for_document(doc_id)
    holder = hold_lock(emoji_project)

    window.on_undo()

    assert holder.holds_lock()
    assert "nothing was undone" in window.statusBar().currentMessage()
    assert [span.id for span in window.view.own_spans()] == [annotation.id]
    assert window.actions_by_key["undo"].isEnabled()
    holder.release()
    window.on_undo()
    assert window.store.annotations_for_document(doc_id) == [] and window.view.own_spans() == []
    window.on_redo()
    assert [a.id for a in window.store.annotations_for_document(doc_id)] == [annotation.id]


def test_remembering_the_open_document_does_not_wait_for_the_lock(make_window, emoji_project, hold_lock):
    window = make_window(emoji_project)
    holder = hold_lock(emoji_project)
    window._last_document_pending = window.current_document.id
    window._write_last_document()
    assert holder.holds_lock()
    assert window.statusBar().currentMessage().startswith("Could not remember the open document")


def test_closing_the_project_waits_for_the_lock_to_save_a_pending_memo(make_window, emoji_project, hold_lock):
    window = make_window(emoji_project)
    doc_id = window.current_document.id
    holder = hold_lock(emoji_project, hold_seconds=2.0)  # lets go by itself, while the window waits
    window.memo.editor.setPlainText("written while the command line imported")
    assert "Another program is saving to this project" in window.statusBar().currentMessage()
    assert window.store.document(doc_id).memo == ""

    window.finish_writing()  # closing: what is pending is worth the usual wait

    assert not holder.holds_lock()
    assert window.store.document(doc_id).memo == "written while the command line imported"


def test_leaving_a_document_waits_for_the_lock_to_save_its_pending_memo(
    make_window, emoji_project, hold_lock
):
    """A memo that could not be saved while typing is saved before the editor shows the next document."""
    with Store.open(emoji_project) as store:
        from annotator.model import ImportedDocument

        other = store.add_document(
            ImportedDocument(title="next", text="Another text."), annotator="x"
        ).document_id
    window = make_window(emoji_project)
    doc_id = window.current_document.id
    holder = hold_lock(emoji_project, hold_seconds=2.0)  # lets go by itself, while the window waits
    window.memo.editor.setPlainText("typed while another program saved")
    assert window.store.document(doc_id).memo == ""  # not saved yet: the lock was taken

    window.show_document(other)

    assert not holder.holds_lock()
    assert window.store.document(doc_id).memo == "typed while another program saved"
    assert window.current_document.id == other and window.memo.editor.toPlainText() == ""


class _Failing(Op):
    description = "failing change"

    def __init__(self, exc: BaseException):
        self.exc = exc

    def apply(self, store: Store) -> None:
        raise self.exc


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (sqlite3.OperationalError("disk I/O error"), "Your change (failing change) was not saved: "),
        (
            StorageFullError("p.annotator: the disk is full; the last change was not saved"),
            "the disk is full",
        ),
        (InvalidInputError("span [0, 3) is only white space"), "span [0, 3) is only white space"),
        (sqlite3.DatabaseError("database disk image is malformed"), "could not be used"),
        (OSError("no space"), "Your change (failing change) was not saved: no space"),
    ],
)
def test_every_failure_of_a_change_shows_in_the_status_bar(make_window, emoji_project, exc, expected):
    window = make_window(emoji_project)
    changes = []
    window.changes.connect(changes.append)
    assert window.run_op(_Failing(exc)) is None
    assert expected in window.statusBar().currentMessage()
    assert changes == [] and not window.history.can_undo()


def test_a_failing_op_builder_shows_in_the_status_bar(make_window, emoji_project):
    window = make_window(emoji_project)

    def build() -> Op:
        raise InvalidInputError("span [0, 99999) is outside the document")

    assert window.run_op(build, what="tagging") is None
    assert window.statusBar().currentMessage() == "span [0, 99999) is outside the document"


def test_history_keeps_a_step_that_failed_because_the_project_was_busy(store, hold_lock):
    history = History(store)
    history.run(AddTag(kind="theme", name="Theme"))
    holder = hold_lock(store.path)
    store.db.conn.execute("PRAGMA busy_timeout = 0")
    with pytest.raises(sqlite3.OperationalError) as raised:
        history.undo()
    assert project_busy(raised.value) and history.can_undo()
    holder.release()
    assert history.undo() is not None and history.can_redo()
    holder = hold_lock(store.path)
    with pytest.raises(sqlite3.OperationalError):
        history.redo()
    assert history.can_redo() and not history.can_undo()
    holder.release()
    history.redo()
    assert [t.name for t in store.tags()] == ["Theme"]


def test_a_change_that_cannot_begin_writing_changes_nothing(store, hold_lock):
    doc_id = store.add_document(ImportedDocument(title="t", text="some text"), annotator="x").document_id
    tag = store.add_tag(kind="theme", name="T")
    history = History(store)
    hold_lock(store.path)
    store.db.conn.execute("PRAGMA busy_timeout = 0")
    op = annotate_span(store, document_id=doc_id, start=0, end=4, tag_id=tag.id, annotator="x")
    with pytest.raises(sqlite3.OperationalError):
        history.run(op)
    assert store.annotations_for_document(doc_id) == [] and not history.can_undo()

"""One helper for every slow job (import, export, merge, agreement): off the UI thread, with progress and cancel.

A ``Job`` runs a plain function in a ``QThread``. The function gets a
``JobContext`` (``progress(done, total, label)``, ``should_cancel()``) and
returns a value. Whatever happens, the job ends on the UI thread the same way:
its progress dialog (if any) is closed first, then ``succeeded(result)`` or
``failed(message)`` is emitted, then ``ended()``. *Every* exception becomes a
one-line message (a "database is locked" as much as the project's own errors),
and, unless the owner shows failures itself, a warning box says it.

SQLite connections must not cross threads: a job's function opens its own
``Store`` on the project path (through ``Store.open``, never plain file I/O)
and closes it before returning. The window reloads from its own connection
when the job ends, through its one change stream.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from annotator.errors import AnnotatorError

#: A dialog shows only for jobs that take longer than this.
PROGRESS_DELAY_MS = 300


def describe_failure(exc: BaseException) -> str:
    """One line for the user: the project's own errors as they are, anything else with its kind."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
        return "interrupted"
    text = str(exc).strip().splitlines()[0].strip() if str(exc).strip() else ""
    if isinstance(exc, AnnotatorError) and text:
        return text
    if isinstance(exc, sqlite3.Error):
        return f"the project file could not be used: {text or type(exc).__name__}"
    if isinstance(exc, OSError) and text:
        return text
    return f"{text} ({type(exc).__name__})" if text else f"unexpected {type(exc).__name__}"


@dataclass
class JobContext:
    """What a job's function may call from its thread."""

    progress: Callable[..., None]
    should_cancel: Callable[[], bool]


class _Thread(QThread):
    def __init__(self, job: Job):
        super().__init__(job)
        self._job = job

    def run(self) -> None:
        self._job._run()


class Job(QObject):
    """A function run off the UI thread; ends with ``succeeded`` or ``failed``, and always ``ended``."""

    #: (done, total, label), emitted from the job's thread (a queued connection reaches the UI).
    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(str)
    ended = Signal()

    def __init__(
        self,
        work: Callable[[JobContext], object],
        *,
        title: str,
        parent: QObject | None = None,
        label: str = "",
        progress_parent: QWidget | None = None,
        cancellable: bool = True,
        report_failure: bool = True,
    ):
        """``progress_parent``: show a window-modal progress dialog over this widget (None: no dialog).

        ``report_failure``: show a failure in a warning box titled ``"<title> failed"``
        (owners that show it themselves pass False; ``failed`` is emitted either way).
        """
        super().__init__(parent)
        self.title = title
        self._work = work
        self._cancel = threading.Event()
        self._result: object = None
        self._error: str | None = None
        self.report_failure = report_failure
        self.message_parent = (
            progress_parent
            if progress_parent is not None
            else (parent if isinstance(parent, QWidget) else None)
        )
        self.progress_dialog: QProgressDialog | None = None
        if progress_parent is not None:
            dialog = QProgressDialog(
                label or f"{title}…", "Cancel" if cancellable else "", 0, 0, progress_parent
            )
            if not cancellable:
                dialog.setCancelButton(None)
            dialog.setWindowTitle(title)
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(PROGRESS_DELAY_MS)
            dialog.setAutoClose(False)
            dialog.setAutoReset(False)
            dialog.canceled.connect(self.cancel)
            self.progressed.connect(self._show_progress)
            self.progress_dialog = dialog
        self._thread = _Thread(self)
        self._thread.finished.connect(self._end)

    # -- control --------------------------------------------------------------------

    def start(self) -> Job:
        """Start the work in its thread; returns the job."""
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the work to stop at its next check (what it did so far stays)."""
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def wait(self, msecs: int | None = None) -> bool:
        """Block until the thread ends (the outcome still arrives through the event loop)."""
        return self._thread.wait() if msecs is None else self._thread.wait(msecs)

    # -- the thread -------------------------------------------------------------------

    def _run(self) -> None:
        context = JobContext(progress=self._progress, should_cancel=self._cancel.is_set)
        try:
            self._result = self._work(context)
        except (KeyboardInterrupt, SystemExit) as exc:
            self._error = describe_failure(exc)
            raise
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the user, not kill the thread
            self._error = describe_failure(exc)

    def _progress(self, done: int, total: int, label: object = "") -> None:
        self.progressed.emit(int(done), int(total), str(label))

    # -- the UI thread ------------------------------------------------------------------

    def _show_progress(self, done: int, total: int, label: str) -> None:
        dialog = self.progress_dialog
        if dialog is None:
            return
        dialog.setMaximum(total)
        dialog.setValue(done)
        if label:
            dialog.setLabelText(f"{self.title}: {label}…")

    def close_progress(self) -> None:
        """Close the progress dialog (done before any outcome is announced)."""
        dialog, self.progress_dialog = self.progress_dialog, None
        if dialog is not None:
            dialog.reset()
            dialog.hide()
            dialog.deleteLater()

    def _end(self) -> None:
        self.close_progress()
        try:
            if self._error is not None:
                if self.report_failure:
                    QMessageBox.warning(self.message_parent, f"{self.title} failed", self._error)
                self.failed.emit(self._error)
            else:
                self.succeeded.emit(self._result)
        finally:
            self.ended.emit()

    @property
    def result(self) -> object:
        """What the work returned, once it succeeded."""
        return self._result

    @property
    def error(self) -> str | None:
        """The failure message, once ended with one."""
        return self._error

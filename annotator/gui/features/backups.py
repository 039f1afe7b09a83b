"""Keeping a project safe: a backup in the background on open, and the Backups dialog with restore.

A backup is taken in a background thread each time a project is opened for
writing (``maybe_backup``: at most one an hour), so a large project never
delays the window. A due backup that cannot be taken (a full disk, a data
folder out of reach) is said in the window's notice bar and status bar: the
work goes on, but the user knows no snapshot is being kept. Restoring closes the window's connection first (SQLite
must not have the file open while it is replaced), then reopens the project.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from annotator.backup import BackupFailed, BackupInfo, maybe_backup
from annotator.gui.backups_dialog import BackupsDialog
from annotator.gui.features.base import Feature

#: How long closing the window waits for a backup still being written.
BACKUP_JOIN_SECONDS = 30


class _Relay(QObject):
    """Carries a failure from the backup thread to the window's thread (a queued signal)."""

    failed = Signal(str)


def failure_text(reason: str) -> str:
    """What the window says when a due backup could not be taken."""
    return (
        f"Automatic backup failed ({reason}). Your changes are still saved in the project, but no "
        "backup of it is being kept: free some disk space or make the data folder reachable."
    )


class BackupsFeature(Feature):
    """Backups on open and the Backups dialog."""

    key = "backups"

    def __init__(self, window):
        super().__init__(window)
        self._thread: threading.Thread | None = None
        self.last_backup: BackupInfo | None = None
        #: Why the last due backup could not be taken (None when it was, or none was due).
        self.last_failure: str | None = None
        self._relay = _Relay(window)
        self._relay.failed.connect(self._show_failure)

    def actions(self):
        return {"backups": self.on_backups}

    def project_opened(self) -> None:
        self.start_backup()

    def start_backup(self) -> threading.Thread | None:
        """Snapshot the open project in the background if its newest backup is over an hour old."""
        path = self.window.store.path
        if path is None or self.window.store.read_only:
            return None
        self.wait_for_backup()

        def work() -> None:
            try:
                self.last_backup, self.last_failure = maybe_backup(path), None
            except BackupFailed as exc:  # said in the window; a failed backup must not stop work
                self.last_backup, self.last_failure = None, exc.reason
                self._relay.failed.emit(exc.reason)

        self._thread = threading.Thread(target=work, name="annotator-backup", daemon=True)
        self._thread.start()
        return self._thread

    def wait_for_backup(self, timeout: float = BACKUP_JOIN_SECONDS) -> None:
        """Let a running backup finish (before closing, restoring or switching projects)."""
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def release(self) -> None:
        self.wait_for_backup()

    def shutdown(self) -> None:
        self.wait_for_backup()

    def _show_failure(self, reason: str) -> None:
        text = failure_text(reason)
        self.window.notice.setText(text)
        self.window.notice.show()
        self.window.statusBar().showMessage(text, 15000)

    def backups_dialog(self) -> BackupsDialog | None:
        """The Backups dialog of the open project, wired to close and reopen it around a restore."""
        window = self.window
        if window.store.path is None:
            return None
        dialog = BackupsDialog(Path(window.store.path), window, release=window.release_project)
        dialog.restored.connect(self._reopen_after_restore)
        dialog.restoreFailed.connect(self._reopen_after_restore)
        return dialog

    def on_backups(self) -> None:
        dialog = self.backups_dialog()
        if dialog is not None:
            dialog.exec()

    def _reopen_after_restore(self, path: Path) -> None:
        self.window.reopen_project(Path(path))
        self.window.statusBar().showMessage(f"{Path(path).name} is open again as the backup left it", 8000)

"""Keeping a project safe: a backup in the background on open, and the Backups dialog with restore.

A backup is taken in a background thread each time a project is opened for
writing (``maybe_backup``: at most one an hour), so a large project never
delays the window. Restoring closes the window's connection first (SQLite
must not have the file open while it is replaced), then reopens the project.
"""

from __future__ import annotations

import threading
from pathlib import Path

from annotator.backup import BackupInfo, maybe_backup
from annotator.gui.backups_dialog import BackupsDialog
from annotator.gui.features.base import Feature

#: How long closing the window waits for a backup still being written.
BACKUP_JOIN_SECONDS = 30


class BackupsFeature(Feature):
    """Backups on open and the Backups dialog."""

    key = "backups"

    def __init__(self, window):
        super().__init__(window)
        self._thread: threading.Thread | None = None
        self.last_backup: BackupInfo | None = None

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
            self.last_backup = maybe_backup(path)  # never raises; a failed backup must not stop work

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

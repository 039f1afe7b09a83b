"""The window's side of keeping a project safe, and of transcripts: backups, restore, speaker turns.

A backup is taken in a background thread each time a project is opened for
writing (``maybe_backup``: at most one an hour), so a large project never
delays the window. Restoring closes the window's connection first (SQLite
must not have the file open while it is replaced), then reopens the project.
Importing transcripts (plain text, Word, PDF…, written as ``Name: words``)
shows the speakers found before their turns are tagged.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from annotator.backup import BackupInfo, maybe_backup
from annotator.errors import AnnotatorError
from annotator.gui.backups_dialog import BackupsDialog
from annotator.gui.transcript_preview import TranscriptPreviewDialog
from annotator.importers import ImportOptions, importer_for, supported_suffixes

#: Formats that hold many documents or are always transcripts: not offered by "Import Transcripts".
NOT_TRANSCRIPTS = {".csv", ".tsv", ".jsonl", ".srt", ".vtt"}

#: How long closing the window waits for a backup still being written.
BACKUP_JOIN_SECONDS = 30


class ProjectCareMixin:
    """Backups on open, the Backups dialog, and the transcript import of the main window."""

    _backup_thread: threading.Thread | None = None
    last_backup: BackupInfo | None = None

    # -- backups ------------------------------------------------------------------

    def start_backup(self) -> threading.Thread | None:
        """Snapshot the open project in the background if its newest backup is over an hour old."""
        path = self.store.path
        if path is None or self.store.read_only:
            return None
        self.wait_for_backup()

        def work() -> None:
            self.last_backup = maybe_backup(path)  # never raises; a failed backup must not stop work

        self._backup_thread = threading.Thread(target=work, name="annotator-backup", daemon=True)
        self._backup_thread.start()
        return self._backup_thread

    def wait_for_backup(self, timeout: float = BACKUP_JOIN_SECONDS) -> None:
        """Let a running backup finish (before closing, restoring or switching projects)."""
        if self._backup_thread is not None:
            self._backup_thread.join(timeout)
            self._backup_thread = None

    def backups_dialog(self) -> BackupsDialog | None:
        """The Backups dialog of the open project, wired to close and reopen it around a restore."""
        if self.store.path is None:
            return None
        path = Path(self.store.path)
        dialog = BackupsDialog(path, self, release=self._release_project)
        dialog.restored.connect(self._reopen_after_restore)
        dialog.restoreFailed.connect(self._reopen_after_restore)
        return dialog

    def on_backups(self) -> None:
        dialog = self.backups_dialog()
        if dialog is not None:
            dialog.exec()

    def _release_project(self) -> None:
        """Close every connection the window holds on the project, so the file can be replaced."""
        self.wait_for_backup()
        self._save_memo()
        self._write_last_document()
        self.review_panel.close_all()
        self.store.close()

    def _reopen_after_restore(self, path: Path) -> None:
        self.reopen_project(Path(path))
        self.statusBar().showMessage(f"{Path(path).name} is open again as the backup left it", 8000)

    # -- transcripts --------------------------------------------------------------

    def on_import_transcript(self) -> None:
        patterns = " ".join(f"*{s}" for s in supported_suffixes() if s not in NOT_TRANSCRIPTS)
        paths, _ = QFileDialog.getOpenFileNames(self, "Import transcripts", str(Path.home()),
                                                f"Transcripts ({patterns});;All files (*)")
        if paths:
            self.import_transcripts(paths)

    def transcript_preview(self, paths: list[str]) -> TranscriptPreviewDialog | None:
        """The speakers found in these files, in one dialog; None if a file cannot be read."""
        texts = []
        for path in map(Path, paths):
            importer = importer_for(path)
            try:
                if importer is None:
                    raise AnnotatorError(f"{path.name}: unsupported type of file")
                texts.extend(doc.text for doc in importer(path, ImportOptions()))
            except (AnnotatorError, OSError, ValueError, MemoryError) as exc:  # as the batch import reports
                QMessageBox.warning(self, "Cannot read transcript", f"{path.name}: {exc}")
                return None
        title = Path(paths[0]).name if len(paths) == 1 else f"{len(paths)} files"
        return TranscriptPreviewDialog("\n".join(texts), title=title, parent=self)

    def import_transcripts(self, paths: list[str], *, confirm=None):
        """Show the speakers found, then import with every turn tagged by its speaker.

        ``confirm`` decides on the preview (default: show it and wait); tests
        pass a function. Returns the import worker, or None when cancelled.
        """
        preview = self.transcript_preview(paths)
        if preview is None:
            return None
        accepted = confirm(preview) if confirm is not None else preview.exec() == preview.DialogCode.Accepted
        if not accepted or not preview.speakers:
            return None
        return self.start_import(paths, options=ImportOptions(transcript=True))

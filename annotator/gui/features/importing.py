"""Importing: files, folders and transcripts (dropped or chosen), as a background job with a report.

Transcripts (plain text, Word, PDF…, written as ``Name: words``) show the
speakers found before their turns are tagged. When the job ends, what it
added reaches every panel through the window's change stream.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from annotator.errors import AnnotatorError
from annotator.gui.dialogs import show_import_report
from annotator.gui.features.base import Feature
from annotator.gui.jobs import Job
from annotator.gui.transcript_preview import TranscriptPreviewDialog
from annotator.gui.worker import import_job
from annotator.importers import ImportOptions, importer_for, supported_suffixes
from annotator.importers.batch import ImportReport
from annotator.ops import OpChanges

#: Formats that hold many documents or are always transcripts: not offered by "Import Transcripts".
NOT_TRANSCRIPTS = {".csv", ".tsv", ".jsonl", ".srt", ".vtt", ".qdpx", ".qdc"}


class ImportFeature(Feature):
    """The import commands, dropping files on the window, and the import job."""

    key = "importing"

    def __init__(self, window):
        super().__init__(window)
        self.job: Job | None = None
        self.last_report: ImportReport | None = None

    def actions(self):
        return {
            "import_files": self.on_import_files,
            "import_folder": self.on_import_folder,
            "import_transcript": self.on_import_transcript,
        }

    def on_import_files(self) -> None:
        patterns = " ".join(f"*{s}" for s in supported_suffixes())
        paths, _ = QFileDialog.getOpenFileNames(
            self.window, "Import documents", str(Path.home()), f"Documents ({patterns});;All files (*)"
        )
        if paths:
            self.start_import(paths)

    def on_import_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Import a folder", str(Path.home()))
        if folder:
            self.start_import([folder])

    def start_import(self, paths: list[str], *, options: ImportOptions | None = None) -> Job | None:
        """Import off the UI thread with a cancellable progress dialog and a report at the end."""
        window = self.window
        if window.store.read_only or window.store.path is None:
            QMessageBox.information(
                window, "Read-only", "This project is open read-only; nothing can be imported."
            )
            return None
        if options is None or not options.text_column:
            from annotator.gui import csv_columns  # looked up per call, so tests can replace choose_columns

            options = csv_columns.choose_columns(window, paths, options)  # asks only when tables are imported
            if options is None:
                return None  # cancelled
        job = import_job(
            window.store.path,
            paths,
            annotator=window.annotator,
            options=options,
            parent=window,
            progress_parent=window,
        )
        job.succeeded.connect(self._imported)
        job.failed.connect(lambda _message: window.announce(OpChanges.all()))  # files before the failure stay
        self.job = job
        return job.start()

    def _imported(self, report: ImportReport) -> None:
        window = self.window
        window.announce(report.changes)  # its documents; everything when spans came too
        if window.current_document is None:
            rows = window.documents.panel.model.rows
            if rows:
                window.show_document(rows[0].id)
        self.last_report = report
        if not window.quiet_reports:
            show_import_report(window, report)

    def drop(self, paths: list[str]) -> None:
        if paths:
            self.start_import(paths)

    def shutdown(self) -> None:
        if self.job is not None and self.job.is_running():
            self.job.cancel()
            self.job.wait(10_000)

    # -- transcripts --------------------------------------------------------------

    def on_import_transcript(self) -> None:
        patterns = " ".join(f"*{s}" for s in supported_suffixes() if s not in NOT_TRANSCRIPTS)
        paths, _ = QFileDialog.getOpenFileNames(
            self.window, "Import transcripts", str(Path.home()), f"Transcripts ({patterns});;All files (*)"
        )
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
                QMessageBox.warning(self.window, "Cannot read transcript", f"{path.name}: {exc}")
                return None
        title = Path(paths[0]).name if len(paths) == 1 else f"{len(paths)} files"
        return TranscriptPreviewDialog("\n".join(texts), title=title, parent=self.window)

    def import_transcripts(self, paths: list[str], *, confirm=None) -> Job | None:
        """Show the speakers found, then import with every turn tagged by its speaker.

        ``confirm`` decides on the preview (default: show it and wait); tests
        pass a function. Returns the import job, or None when cancelled.
        """
        preview = self.transcript_preview(paths)
        if preview is None:
            return None
        accepted = confirm(preview) if confirm is not None else preview.exec() == preview.DialogCode.Accepted
        if not accepted or not preview.speakers:
            return None
        return self.start_import(paths, options=ImportOptions(transcript=True))

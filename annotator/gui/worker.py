"""Slow jobs off the UI thread: importing runs in a QThread with its own connection.

SQLite connections must not cross threads, so the worker opens the project
file itself; the window reloads from its own connection when the job ends.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QThread, Signal

from annotator.errors import AnnotatorError
from annotator.importers import ImportOptions
from annotator.importers.batch import ImportReport, import_paths
from annotator.store import Store


class ImportWorker(QThread):
    """Imports files into a project file; reports progress and can be cancelled."""

    progressed = Signal(int, int, str)
    finishedWithReport = Signal(object)
    failed = Signal(str)

    def __init__(self, project: Path, paths: list[str], *, annotator: str,
                 options: ImportOptions | None = None, parent=None):
        super().__init__(parent)
        self.project = project
        self.paths = paths
        self.annotator = annotator
        self.options = options or ImportOptions()
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Stop after the current file; what was imported stays."""
        self._cancel.set()

    def run(self) -> None:
        try:
            with Store.open(self.project) as store:
                report: ImportReport = import_paths(
                    store, self.paths, annotator=self.annotator, options=self.options,
                    progress=lambda done, total, path: self.progressed.emit(done, total, path.name),
                    should_cancel=self._cancel.is_set,
                )
        except AnnotatorError as exc:
            self.failed.emit(str(exc))
            return
        self.finishedWithReport.emit(report)

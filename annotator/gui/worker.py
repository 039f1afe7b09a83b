"""The import job: files into the project off the UI thread, on its own connection.

SQLite connections must not cross threads, so the job opens the project
file itself (through ``Store.open``); the window reloads from its own
connection when the job ends. Progress, cancel and every failure are the
``Job`` helper's (``annotator.gui.jobs``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from annotator.gui.jobs import Job, JobContext
from annotator.importers import ImportOptions
from annotator.importers.batch import ImportReport, import_paths
from annotator.store import Store


def import_into(
    project: Path, paths: list[str], *, annotator: str, options: ImportOptions, context: JobContext
) -> ImportReport:
    """Import ``paths`` into the project file ``project`` (runs in the job's thread)."""
    with Store.open(project) as store:
        return import_paths(
            store,
            paths,
            annotator=annotator,
            options=options,
            progress=lambda done, total, path: context.progress(done, total, path.name),
            should_cancel=context.should_cancel,
        )


def import_job(
    project: Path,
    paths: list[str],
    *,
    annotator: str,
    options: ImportOptions | None = None,
    parent: QObject | None = None,
    progress_parent: QWidget | None = None,
) -> Job:
    """A (not yet started) job importing files; ``succeeded`` carries the ``ImportReport``."""
    chosen = options or ImportOptions()
    return Job(
        lambda context: import_into(
            project, list(paths), annotator=annotator, options=chosen, context=context
        ),
        title="Import",
        label="Importing…",
        parent=parent,
        progress_parent=progress_parent,
    )

"""Importing many files: each succeeds or fails on its own, and a report says which.

Folders are walked recursively for supported files (hidden ones skipped);
a file named explicitly with an unsupported type is reported as such. Each
file's documents and spans are stored in one savepoint, so a failure
leaves nothing of that file behind. The same function serves the command
line (with a progress callback) and the window (with a cancel flag, run on
a worker thread). Files are committed in batches of about a second; a crash
loses at most the current batch, and importing again completes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from annotator.errors import AnnotatorError, ImportFailure
from annotator.importers import ImportOptions, importer_for
from annotator.model import DocumentId

ProgressCallback = Callable[[int, int, Path], None]

#: Files are committed together for at most this long: one commit (and one
#: fsync) per file would make a folder of small files ten times slower. Each
#: file still sits in its own savepoint, so a bad file never takes others down.
BATCH_SECONDS = 1.0


@dataclass(frozen=True)
class FileResult:
    """What happened to one file."""

    path: Path
    status: str  # "imported", "duplicate" or "failed"
    message: str = ""
    document_ids: tuple[DocumentId, ...] = ()
    annotations_added: int = 0
    #: Parts of the file (lines, rows) that were refused: (where, reason).
    part_failures: tuple[tuple[str, str], ...] = ()


@dataclass
class ImportReport:
    """The outcome of one import run, file by file."""

    results: list[FileResult] = field(default_factory=list)
    cancelled: bool = False

    @property
    def part_failures(self) -> list[tuple[Path, str, str]]:
        """(file, where, reason) of every refused line or row."""
        return [(r.path, where, why) for r in self.results for where, why in r.part_failures]

    def of_status(self, status: str) -> list[FileResult]:
        """Results with one status."""
        return [r for r in self.results if r.status == status]

    @property
    def failed(self) -> list[FileResult]:
        """Files that could not be imported."""
        return self.of_status("failed")

    def summary(self) -> str:
        """One line: how many imported, already present and failed."""
        imported = sum(len(r.document_ids) for r in self.of_status("imported"))
        line = (
            f"{imported} document(s) imported, {len(self.of_status('duplicate'))} already in the "
            f"project, {len(self.failed)} failed"
        )
        if self.part_failures:
            line += f", {len(self.part_failures)} line(s) or row(s) refused"
        return line + (" (cancelled)" if self.cancelled else "")


def collect_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[FileResult]]:
    """Expand folders into supported files; report paths that are missing or unsupported."""
    files: list[Path] = []
    problems: list[FileResult] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                p for p in sorted(path.rglob("*"))
                if p.is_file() and importer_for(p) is not None
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif not path.exists():
            problems.append(FileResult(path, "failed", "no such file or folder"))
        elif importer_for(path) is None:
            problems.append(FileResult(path, "failed", f"unsupported file type '{path.suffix or path.name}'"))
        else:
            files.append(path)
    return files, problems


def import_file(store, path: Path, *, annotator: str, options: ImportOptions) -> FileResult:
    """Import one file into ``store``; never raises for a bad file.

    Each document goes in its own savepoint: one that the store refuses is
    reported by its origin (a line, a row) and the others go in, unless the
    options are strict, in which case nothing of the file is stored.
    """
    importer = importer_for(path)
    if importer is None:
        return FileResult(path, "failed", f"unsupported file type '{path.suffix}'")
    try:
        documents = importer(path, options)
        failures = list(getattr(documents, "failures", []))
        if not documents and not failures:
            raise ImportFailure("no documents found in the file")
        ids, created, added = [], 0, 0
        with store.db.atomic():
            for doc in documents:
                try:
                    with store.db.atomic():
                        outcome = store.add_document(doc, annotator=annotator)
                except AnnotatorError as exc:
                    if options.strict or doc.origin is None:
                        raise
                    failures.append((doc.origin, str(exc)))
                    continue
                ids.append(outcome.document_id)
                created += outcome.created
                added += outcome.annotations_added
    except AnnotatorError as exc:
        return FileResult(path, "failed", str(exc))
    except (OSError, ValueError, MemoryError) as exc:  # a library's own complaint about the file
        return FileResult(path, "failed", f"{type(exc).__name__}: {exc}")
    if not ids:
        return FileResult(path, "failed", "no line or row could be imported", part_failures=tuple(failures))
    if created == 0:
        message = "already in the project" + (f"; {added} new annotation(s) added" if added else "")
        return FileResult(path, "duplicate", message, tuple(ids), added, tuple(failures))
    return FileResult(path, "imported", "", tuple(ids), added, tuple(failures))


def import_paths(
    store,
    paths: Iterable[str | Path],
    *,
    annotator: str,
    options: ImportOptions | None = None,
    progress: ProgressCallback | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> ImportReport:
    """Import files and folders into ``store``; each file in its own savepoint."""
    options = options or ImportOptions()
    files, problems = collect_files(paths)
    report = ImportReport(results=list(problems))
    index = 0
    while index < len(files) and not report.cancelled:
        with store.bulk_document_insert():
            deadline = time.monotonic() + BATCH_SECONDS
            while index < len(files) and time.monotonic() < deadline:
                if should_cancel is not None and should_cancel():
                    report.cancelled = True
                    break
                if progress is not None:
                    progress(index, len(files), files[index])
                report.results.append(
                    import_file(store, files[index], annotator=annotator, options=options)
                )
                index += 1
    if progress is not None and not report.cancelled:
        progress(len(files), len(files), Path())
    return report

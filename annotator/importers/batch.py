"""Importing many files: each succeeds or fails on its own, and a report says which.

Folders are walked recursively for supported files (hidden ones skipped);
a file named explicitly with an unsupported type is reported as such, and
so is a folder that cannot be opened, or a supported name that is not a
regular file (a named pipe, a link to a device): only regular files are
read, and the size limit is checked before a file is opened. Each
file's documents and spans are stored atomically (one statement, or one
savepoint when it takes more), so a failure leaves nothing of that file
behind. The same function serves the command
line (with a progress callback) and the window (with a cancel flag, run on
a worker thread). Files are committed in batches of about a second; a crash
loses at most the current batch, and importing again completes it.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from annotator.errors import AnnotatorError, ImportFailure
from annotator.importers import Importer, ImportOptions, importer_for
from annotator.model import DocumentId, ImportedDocument
from annotator.ops import Op, OpChanges, run
from annotator.safety import describe_os_error, reason_for, regular_file_size
from annotator.store.connection import StorageFullError

ProgressCallback = Callable[[int, int, Path], None]

#: Files are committed together for at most this long: one commit (and one
#: fsync) per file would make a folder of small files ten times slower. Each
#: file is still stored atomically, so a bad file never takes others down.
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
    #: Parts left out on purpose (a Prodigy "reject", a cancelled Label Studio annotation): (where, why).
    skipped_parts: tuple[tuple[str, str], ...] = ()
    #: Spans not stored because an identical one came earlier in the same document.
    spans_collapsed: int = 0
    #: Spans not stored because the project held them already (a file imported again).
    spans_present: int = 0
    #: Tags the file's codebook added (a REFI-QDA project or codebook).
    tags_added: int = 0


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

    @property
    def skipped_parts(self) -> list[tuple[Path, str, str]]:
        """(file, where, why) of every line or row left out on purpose."""
        return [(r.path, where, why) for r in self.results for where, why in r.skipped_parts]

    def summary(self) -> str:
        """One line: how many imported, already present and failed, and what was left out or collapsed."""
        imported = sum(len(r.document_ids) for r in self.of_status("imported"))
        line = (
            f"{imported} document(s) imported, {len(self.of_status('duplicate'))} already in the "
            f"project, {len(self.failed)} failed"
        )
        if self.part_failures:
            line += f", {len(self.part_failures)} line(s), row(s) or page(s) left out"
        if self.skipped_parts:
            line += f", {len(self.skipped_parts)} line(s) or row(s) skipped"
        collapsed = sum(r.spans_collapsed for r in self.results)
        if collapsed:
            line += f", {collapsed} identical span(s) collapsed"
        return line + (" (cancelled)" if self.cancelled else "")

    @property
    def changes(self) -> OpChanges:
        """What the import changed: the documents it stored or added spans to; with spans, tags and
        annotations too, too many to list, so then ``everything``."""
        ids = frozenset(i for r in self.results for i in r.document_ids)
        return OpChanges(
            documents=ids, everything=any(r.annotations_added or r.tags_added for r in self.results)
        )


class _ImporterLookup:
    """``importer_for``, asked once per suffix: each call reloads the registry (15 µs a file)."""

    def __init__(self) -> None:
        self._by_suffix: dict[str, Importer | None] = {}

    def __call__(self, path: Path) -> Importer | None:
        suffix = path.suffix.lower()
        if suffix not in self._by_suffix:
            self._by_suffix[suffix] = importer_for(path)
        return self._by_suffix[suffix]


def collect_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[FileResult]]:
    """Expand folders into supported files; report paths that are missing, unreachable or unsupported."""
    files: list[Path] = []
    problems: list[FileResult] = []
    lookup = _ImporterLookup()
    for raw in paths:
        path = Path(raw)
        try:
            is_folder = stat.S_ISDIR(os.stat(path).st_mode)
        except OSError as exc:  # missing, or inside a folder the user cannot enter
            problems.append(FileResult(path, "failed", describe_os_error(exc)))
            continue
        if is_folder:
            _walk_folder(path, lookup, files, problems)
        elif lookup(path) is None:
            problems.append(FileResult(path, "failed", f"unsupported file type '{path.suffix or path.name}'"))
        else:
            files.append(path)
    return files, problems


def _walk_folder(
    folder: Path, lookup: _ImporterLookup, found: list[Path], problems: list[FileResult]
) -> None:
    """Append the supported files under ``folder`` in sorted path order, hidden ones skipped.

    The order and choice are those of ``sorted(folder.rglob("*"))`` filtered
    on ``is_file()``: each folder's entries sorted by name (as paths compare
    them), sub-folders walked in place, symbolic links to folders not
    followed, broken links left out. Hidden entries are pruned rather than
    walked and filtered, and the entries' cached types spare a ``stat`` per
    file (a third of a second for 10,000 files). Unlike ``rglob``, a folder
    that cannot be opened is reported, not passed over: its files would be
    missing without a word. A supported name that is not a regular file (a
    named pipe, a link to a device) is kept, for ``import_file`` to refuse
    by name.
    """
    try:
        with os.scandir(folder) as scan:
            entries = sorted(
                (e for e in scan if not e.name.startswith(".")), key=lambda e: os.path.normcase(e.name)
            )
    except OSError as exc:
        problems.append(
            FileResult(folder, "failed", f"{describe_os_error(exc)} (the folder cannot be opened)")
        )
        return
    for entry in entries:
        path = folder / entry.name
        try:
            is_folder = entry.is_dir(follow_symlinks=False)
            is_file = not is_folder and entry.is_file()
        except OSError as exc:  # a link into a folder the user cannot enter
            problems.append(FileResult(path, "failed", describe_os_error(exc)))
            continue
        if is_folder:
            _walk_folder(path, lookup, found, problems)
        elif lookup(path) is None:
            continue
        elif is_file or _is_special(path, problems):
            found.append(path)


def _is_special(path: Path, problems: list[FileResult]) -> bool:
    """Whether ``path`` (not a regular file) exists as something else; a broken link is just left out."""
    try:
        os.stat(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        problems.append(FileResult(path, "failed", describe_os_error(exc)))
        return False
    return True


def import_file(
    store, path: Path, *, annotator: str, options: ImportOptions, importer: Importer | None = None
) -> FileResult:
    """Import one file into ``store``; never raises for a bad file.

    Reading and storing are two steps. Whatever goes wrong while the file
    is read is that file's failure, reported in one line, and nothing of it
    is stored yet. Each document is then stored atomically: one that
    the store refuses is reported by its origin (a line, a row) and the
    others go in, unless the options are strict, in which case nothing of
    the file is stored. Storage failures are not the file's: ``sqlite3.Error``
    propagates, and a full disk fails the whole file (never one line of it)
    with the store's message, after which ``bulk_document_insert`` stops the
    run if SQLite rolled the batch back. ``importer`` is the one for the
    file's type when the caller has already looked it up.
    """
    importer = importer or importer_for(path)
    if importer is None:
        return FileResult(path, "failed", f"unsupported file type '{path.suffix}'")
    try:
        regular_file_size(path, options.max_file_bytes)
        documents = read_documents(importer, path, options)
        op = StoreDocuments(documents, annotator=annotator, strict=options.strict)
        run(store, op)
        stored = op.stored
    except AnnotatorError as exc:
        return FileResult(path, "failed", str(exc))
    except (OSError, ValueError, MemoryError) as exc:  # raised while storing, not reading
        return FileResult(path, "failed", f"{type(exc).__name__}: {exc}")
    return stored.result(path)


def read_documents(importer: Importer, path: Path, options: ImportOptions) -> list[ImportedDocument]:
    """The importer's documents; any exception it lets out becomes a one-line ``ImportFailure``.

    Importers turn the failures they foresee into ``ImportFailure``; a
    library can still raise anything (RecursionError on deep nesting,
    lxml's XMLSyntaxError, KeyError, struct.error ...). Nothing is stored
    before this returns, so refusing the file on any exception loses
    nothing, and one hostile file can never abort a batch.
    """
    try:
        documents = importer(path, options)
    except AnnotatorError:
        raise
    except Exception as exc:  # noqa: BLE001 - every reading failure is the file's, see above
        raise ImportFailure(reason_for(exc)) from None
    if not documents and not any(getattr(documents, key, None) for key in ("failures", "skipped", "scheme")):
        raise ImportFailure("no documents found in the file")
    for index, document in enumerate(documents):
        documents[index] = _named_in_utf8(document)
    return documents


#: What a file name that is not UTF-8 holds once decoded (``os.fsdecode``'s surrogateescape).
_UNDECODED = re.compile("[\\ud800-\\udfff]")


def _named_in_utf8(document: ImportedDocument) -> ImportedDocument:
    """``document`` with each undecodable byte of its file's name shown as U+FFFD (title, path, meta).

    A name such as ``b"caf\\xe9.txt"`` (Latin-1, from an old disk or archive)
    reaches Python with lone surrogates in it, which no UTF-8 text, database
    or export can hold; the file itself imports like any other.
    """
    title, source, meta = document.title, document.source_path, document.meta
    repaired = (_repaired(title), _repaired(source), _repaired(meta))
    if repaired == (title, source, meta):
        return document
    return replace(document, title=repaired[0], source_path=repaired[1], meta=repaired[2])


def _repaired(value: Any) -> Any:
    if isinstance(value, str):
        return _UNDECODED.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_repaired(key): _repaired(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_repaired(item) for item in value]
    return value


@dataclass
class _Stored:
    """What storing one file's documents gave: ids in order (each once), counts, refused and skipped parts."""

    failures: list[tuple[str, str]]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: Lines for the report that are neither (a REFI-QDA source's offset counting).
    notes: list[str] = field(default_factory=list)
    #: Whether the file brought a codebook, and how many of its tags were new.
    codebook: bool = False
    tags_added: int = 0
    ids: list[DocumentId] = field(default_factory=list)
    created: int = 0
    added: int = 0
    collapsed: int = 0
    present: int = 0
    _seen: set[DocumentId] = field(default_factory=set)

    def add(self, outcome) -> None:
        """Count one stored document; lines of one text are one document, listed once."""
        if outcome.document_id not in self._seen:
            self._seen.add(outcome.document_id)
            self.ids.append(outcome.document_id)
        self.created += outcome.created
        self.added += outcome.annotations_added
        self.collapsed += outcome.spans_collapsed
        self.present += outcome.spans_present

    def result(self, path: Path) -> FileResult:
        parts = partial(
            FileResult,
            path,
            part_failures=tuple(self.failures),
            skipped_parts=tuple(self.skipped),
            spans_collapsed=self.collapsed,
            spans_present=self.present,
            tags_added=self.tags_added,
        )
        notes = [f"{self.tags_added} tag(s) added"] if self.tags_added else []
        notes += self.notes
        if not self.ids and not self.failures and self.codebook:  # a codebook alone
            if not self.tags_added:
                return parts("duplicate", "every code is in the project already")
            return parts("imported", "; ".join(notes))
        if not self.ids and self.skipped and not self.failures:
            return parts("imported", "every line or row was skipped")
        if not self.ids:
            return parts("failed", "no line or row could be imported")
        if self.created == 0:
            message = "already in the project" + (
                f"; {self.added} new annotation(s) added" if self.added else ""
            )
            message = "; ".join([message, *notes])
            return parts("duplicate", message, tuple(self.ids), self.added)
        return parts("imported", "; ".join(notes), tuple(self.ids), self.added)


@dataclass
class StoreDocuments(Op):
    """One file's documents and their spans, stored as the op of an import.

    Each document on its own, all of a file's documents inside one savepoint.
    ``add_document`` is atomic by itself (a savepoint when it writes more
    than once), so a document it refuses leaves nothing behind. The file's
    savepoint is what takes back its earlier documents when a later one
    fails the whole file; a file of one document needs none, which spares
    a folder of plain texts two statements per file: hence ``atomic_by_itself``.
    An import is taken back from a backup, not undone.
    """

    documents: list[ImportedDocument]
    annotator: str
    strict: bool
    description = "import"
    atomic_by_itself = True
    stored: _Stored = field(init=False)

    def apply(self, store) -> None:
        documents = self.documents
        self.stored = _Stored(
            failures=list(getattr(documents, "failures", [])),
            skipped=list(getattr(documents, "skipped", [])),
            notes=list(getattr(documents, "notes", [])),
        )
        # A project file (.qdpx) brings its codebook: its tags go in first, in the same transaction.
        scheme = getattr(documents, "scheme", None)
        with store.db.atomic() if len(documents) > 1 or scheme else contextlib.nullcontext():
            if scheme:
                self.stored.codebook = True
                self.stored.tags_added = store.import_scheme(scheme)[0]
            for doc in documents:
                self._store_one(store, doc)

    def _store_one(self, store, doc: ImportedDocument) -> None:
        """Store one document, or note why the store refused it when only that part of the file fails."""
        try:
            outcome = store.add_document(doc, annotator=self.annotator)
        except AnnotatorError as exc:
            if self.strict or doc.origin is None or isinstance(exc, StorageFullError):
                raise
            self.stored.failures.append((doc.origin, str(exc)))
            return
        self.stored.add(outcome)
        if doc.memo:
            self._keep_memo(store, outcome.document_id, doc.memo)
        if doc.status is not None and outcome.created:  # a document we had keeps our status
            store.set_document_status(outcome.document_id, doc.status)

    @staticmethod
    def _keep_memo(store, document_id: DocumentId, memo: str) -> None:
        """Store a memo that came with a document: as its memo, or after the one written already (once)."""
        current = store.document(document_id).memo
        if memo in current:
            return
        store.set_document_memo(document_id, f"{current}\n\n{memo}" if current.strip() else memo)

    def revert(self, store) -> None:
        raise NotImplementedError("an import is taken back from the backup made before it")

    def changed(self) -> OpChanges:
        return OpChanges(
            documents=frozenset(self.stored.ids),
            everything=bool(self.stored.added or self.stored.tags_added),
        )


@dataclass
class _ImportBatch(Op):
    """The files of about ``BATCH_SECONDS``, committed together in one bulk transaction.

    One commit (and one fsync) per file would make a folder of small files
    ten times slower; ``bulk_document_insert`` also indexes the batch for
    search in one pass. Each file inside is still its own ``StoreDocuments``.
    """

    files: list[Path]
    index: int
    report: ImportReport
    annotator: str
    options: ImportOptions
    lookup: Callable[[Path], Importer | None]
    progress: ProgressCallback | None
    should_cancel: Callable[[], bool] | None
    atomic_by_itself = True
    _first: int = field(default=0, init=False)

    def apply(self, store) -> None:
        files, report = self.files, self.report
        self._first = len(report.results)
        with store.bulk_document_insert():
            deadline = time.monotonic() + BATCH_SECONDS
            while self.index < len(files) and time.monotonic() < deadline:
                if self.should_cancel is not None and self.should_cancel():
                    report.cancelled = True
                    break
                if self.progress is not None:
                    self.progress(self.index, len(files), files[self.index])
                report.results.append(
                    import_file(
                        store,
                        files[self.index],
                        annotator=self.annotator,
                        options=self.options,
                        importer=self.lookup(files[self.index]),
                    )
                )
                self.index += 1

    def revert(self, store) -> None:
        raise NotImplementedError("an import is taken back from the backup made before it")

    def changed(self) -> OpChanges:
        return ImportReport(self.report.results[self._first :]).changes


def import_paths(
    store,
    paths: Iterable[str | Path],
    *,
    annotator: str,
    options: ImportOptions | None = None,
    progress: ProgressCallback | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> ImportReport:
    """Import files and folders into ``store``; each file stored atomically, on its own."""
    options = options or ImportOptions()
    files, problems = collect_files(paths)
    lookup = _ImporterLookup()
    report = ImportReport(results=list(problems))
    index = 0
    while index < len(files) and not report.cancelled:
        batch = _ImportBatch(files, index, report, annotator, options, lookup, progress, should_cancel)
        run(store, batch)
        index = batch.index
    if progress is not None and not report.cancelled:
        progress(len(files), len(files), Path())
    return report

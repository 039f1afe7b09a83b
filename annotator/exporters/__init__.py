"""Exporting the annotated corpus: JSONL (native, doccano, spaCy/Prodigy), CSV and Excel, streamed.

Each format lives in its own module and turns one ``ExportDocument`` into
output; ``REGISTRY`` names them, with the file suffix each one is saved
under, for the command line and the window alike. ``export`` streams
documents from the store into a temporary file beside the target, syncs it
and renames it over the target, so an interrupted export never leaves a
truncated file under the chosen name; the next export to that name removes
the temporary file a killed one left. ``-`` writes to standard output. No
export is ever written over the project or its SQLite side files, whatever
link or name leads there (``annotator.paths``).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from annotator.errors import InvalidInputError
from annotator.exporters import csv, doccano, native, spacy, xlsx
from annotator.exporters.base import ExportError, FormatWriter
from annotator.exporters.replacing import PARTIAL_SUFFIX, partial_prefix, remove_stale_partials, replace_with
from annotator.exporters.sync import synced_in_background
from annotator.paths import refuse_project_target

__all__ = ["FORMATS", "REGISTRY", "SUFFIXES", "WRITERS", "ExportError", "ExportFormat", "ExportSummary", "export",
           "format_for_path"]


@dataclass(frozen=True)
class ExportFormat:
    """One export format: its name (``--format``), its writer, and the suffix its files are saved under."""

    name: str
    writer: FormatWriter
    suffix: str
    description: str


#: Every format, in the order the command line and the window list them; the first is the default.
REGISTRY: tuple[ExportFormat, ...] = (
    ExportFormat("native", native.writer, ".jsonl", "JSONL, every field (re-importable)"),
    ExportFormat("doccano", doccano.writer, ".jsonl", "JSONL for doccano"),
    ExportFormat("spacy", spacy.writer, ".jsonl", "JSONL for spaCy and Prodigy"),
    ExportFormat("csv", csv.writer, ".csv", "CSV, one row per annotation"),
    ExportFormat("xlsx", xlsx.writer, ".xlsx", "Excel workbook, one row per annotation"),
)
#: Format name -> the function that opens a writer of documents on an output.
WRITERS: dict[str, FormatWriter] = {entry.name: entry.writer for entry in REGISTRY}
FORMATS = tuple(WRITERS)
#: Format name -> the suffix of its files.
SUFFIXES: dict[str, str] = {entry.name: entry.suffix for entry in REGISTRY}

#: Progress is reported every this many documents (and once at the end).
PROGRESS_EVERY = 200


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    documents: int
    spans: int
    path: str
    #: What the reader must know about the file, one sentence each (cells an xlsx had to cut ...).
    notes: tuple[str, ...] = ()


def format_for_path(path: str | Path) -> str:
    """The format a file name asks for: the one format saved under its suffix, else the default (native)."""
    suffix = Path(str(path)).suffix.lower()
    matching = [entry.name for entry in REGISTRY if entry.suffix == suffix]
    return matching[0] if len(matching) == 1 else REGISTRY[0].name


def _write(store, handle: BinaryIO, open_writer: FormatWriter, filters: dict, progress, should_cancel,
           cancelled_message: str) -> tuple[int, int, tuple[str, ...]]:
    """Stream the documents through one format's writer; a writer with ``finish`` completes the file last."""
    documents = spans = 0
    total = store.export_counts()[0]
    write = open_writer(handle)
    try:
        for doc in store.iter_export_documents(**filters):
            if should_cancel is not None and should_cancel():
                raise ExportError(cancelled_message)
            write(doc)
            documents += 1
            spans += len(doc.spans)
            if progress is not None and documents % PROGRESS_EVERY == 0:
                progress(documents, total)
    except BaseException:
        abort = getattr(write, "abort", None)
        if abort is not None:
            abort()
        raise
    finish = getattr(write, "finish", None)
    return documents, spans, tuple(finish()) if finish is not None else ()


def _new_file_mode(target: Path) -> int:
    """The mode a plainly created file would get (mkstemp makes it private)."""
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


class _TextSink:
    """A binary face on a text-only standard output (tests, IDEs): UTF-8 bytes become ``str`` again."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, data: bytes) -> None:
        self._stream.write(data.decode("utf-8"))


@contextlib.contextmanager
def _stdout_bytes() -> Iterator[BinaryIO]:
    """Standard output as bytes, so the export is UTF-8 with ``\n`` line ends whatever the console's encoding.

    A JSONL file is UTF-8 by definition; writing through the locale's encoding
    would fail (or, worse, transcode) on a cp1252 console or a pipe under LANG=C.
    """
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    sink = _TextSink(sys.stdout) if buffer is None else buffer
    yield sink
    if buffer is None:
        sys.stdout.flush()
    else:
        buffer.flush()


def export(
    store,
    out: str | Path,
    *,
    format: str = "native",
    annotators: Sequence[str] = (),
    tags: Sequence[str] = (),
    kind: str | None = None,
    only_annotated: bool = False,
    csv_raw: bool = False,
    progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> ExportSummary:
    """Write the corpus to ``out`` (``-`` for standard output) in one format.

    ``csv_raw`` writes CSV cells exactly as stored, without the leading ``'``
    that keeps spreadsheets from running formula-like cells.
    """
    if format not in FORMATS:
        raise InvalidInputError(f"unknown format '{format}'; choose one of {', '.join(FORMATS)}")
    if csv_raw and format != "csv":
        raise InvalidInputError(f"raw cells are a CSV choice; the {format} export has no formulas to guard against")
    open_writer = csv.raw_writer if csv_raw else WRITERS[format]
    filters = {"annotators": list(annotators), "tags": list(tags), "kind": kind, "only_annotated": only_annotated}
    if str(out) == "-":
        if format == "xlsx" and getattr(sys.stdout, "isatty", lambda: False)():
            raise InvalidInputError("an xlsx workbook is binary; give an output file or pipe standard output")
        with _stdout_bytes() as stdout:
            documents, spans, notes = _write(store, stdout, open_writer, filters, progress, should_cancel,
                                             "export cancelled")
        return ExportSummary(documents, spans, "-", notes)
    target = Path(out)
    refuse_project_target(target, getattr(store, "path", None))
    if target.is_dir():
        raise InvalidInputError(f"{target}: is a folder; give a file name")
    if not target.parent.is_dir():
        raise InvalidInputError(f"{target.parent}: folder does not exist")
    remove_stale_partials(target)
    try:
        fd, temporary = tempfile.mkstemp(prefix=partial_prefix(target), suffix=PARTIAL_SUFFIX, dir=target.parent)
    except OSError as exc:
        raise ExportError(f"{target.parent}: cannot write here ({exc.strerror or exc})") from None
    try:
        os.chmod(temporary, _new_file_mode(target))
        with open(fd, "wb") as handle, synced_in_background(handle) as output:
            documents, spans, notes = _write(store, output, open_writer, filters, progress, should_cancel,
                                             "export cancelled; nothing was written")
        replace_with(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ExportError(f"{target}: cannot be written ({exc.strerror or exc}); nothing was changed") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(documents, documents)
    return ExportSummary(documents, spans, str(target), notes)

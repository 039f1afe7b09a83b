"""Exporting the annotated corpus: JSONL (native, doccano, spaCy/Prodigy) and CSV, streamed.

Each format lives in its own module and turns one ``ExportDocument`` into
output. ``export`` streams documents from the store into a temporary file
beside the target, syncs it and renames it over the target, so an
interrupted export never leaves a truncated file under the chosen name; the
next export to that name removes the temporary file a killed one left.
``-`` writes to standard output.
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
from annotator.exporters import csv, doccano, native, spacy
from annotator.exporters.base import ExportError, FormatWriter
from annotator.exporters.replacing import PARTIAL_SUFFIX, partial_prefix, remove_stale_partials, replace_with
from annotator.exporters.sync import synced_in_background

__all__ = ["FORMATS", "WRITERS", "ExportError", "ExportSummary", "export"]

#: Format name -> the function that opens a writer of documents on an output.
WRITERS: dict[str, FormatWriter] = {
    "native": native.writer, "doccano": doccano.writer, "spacy": spacy.writer, "csv": csv.writer,
}
FORMATS = tuple(WRITERS)

#: Progress is reported every this many documents (and once at the end).
PROGRESS_EVERY = 200


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    documents: int
    spans: int
    path: str


def _write(store, handle: BinaryIO, fmt: str, filters: dict, progress, should_cancel,
           cancelled_message: str) -> tuple[int, int]:
    documents = spans = 0
    total = store.export_counts()[0]
    write = WRITERS[fmt](handle)
    for doc in store.iter_export_documents(**filters):
        if should_cancel is not None and should_cancel():
            raise ExportError(cancelled_message)
        write(doc)
        documents += 1
        spans += len(doc.spans)
        if progress is not None and documents % PROGRESS_EVERY == 0:
            progress(documents, total)
    return documents, spans


def _is_project_file(store, target: Path) -> bool:
    """Whether ``target`` is the project (or one of its SQLite side files): never overwrite it."""
    project = getattr(store, "path", None)
    if project is None or not target.exists():
        return False
    names = {Path(project).name + suffix for suffix in ("", "-wal", "-shm", "-journal")}
    return target.name in names and target.resolve().parent == Path(project).resolve().parent


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
    progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> ExportSummary:
    """Write the corpus to ``out`` (``-`` for standard output) in one format."""
    if format not in FORMATS:
        raise InvalidInputError(f"unknown format '{format}'; choose one of {', '.join(FORMATS)}")
    filters = {"annotators": list(annotators), "tags": list(tags), "kind": kind, "only_annotated": only_annotated}
    if str(out) == "-":
        with _stdout_bytes() as stdout:
            documents, spans = _write(store, stdout, format, filters, progress, should_cancel, "export cancelled")
        return ExportSummary(documents, spans, "-")
    target = Path(out)
    if target.is_dir():
        raise InvalidInputError(f"{target}: is a folder; give a file name")
    if not target.parent.is_dir():
        raise InvalidInputError(f"{target.parent}: folder does not exist")
    if _is_project_file(store, target):
        raise InvalidInputError(f"{target}: is the project itself; choose another output file")
    remove_stale_partials(target)
    try:
        fd, temporary = tempfile.mkstemp(prefix=partial_prefix(target), suffix=PARTIAL_SUFFIX, dir=target.parent)
    except OSError as exc:
        raise ExportError(f"{target.parent}: cannot write here ({exc.strerror or exc})") from None
    try:
        os.chmod(temporary, _new_file_mode(target))
        with open(fd, "wb") as handle, synced_in_background(handle) as output:
            documents, spans = _write(store, output, format, filters, progress, should_cancel,
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
    return ExportSummary(documents, spans, str(target))

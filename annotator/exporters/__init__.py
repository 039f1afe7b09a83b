"""Exporting the annotated corpus: JSONL (native, doccano, spaCy/Prodigy), CSV and Excel, streamed.

Each format is an ``ExportFormat`` class in its own module (the protocol is
described in ``annotator.exporters.base``): it declares its name, suffixes
and description once, and the registry here is the only list of formats the
command line, the window and the README's table read. ``export`` drives any
registered format the same way, a JSONL stream or a ZIP archive alike: it
streams documents from the store into a temporary file beside the target,
syncs it and renames it over the target, so an interrupted export never
leaves a truncated file under the chosen name; the next export to that name
removes the temporary file a killed one left. ``-`` writes to standard
output. No export is ever written over the project or its SQLite side
files, whatever link or name leads there (``annotator.paths``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO, cast

from annotator.errors import InvalidInputError
from annotator.exporters.base import ExportContext, ExportError, ExportFilters, ExportFormat, not_carried_note
from annotator.exporters.csv import CsvFormat
from annotator.exporters.doccano import DoccanoFormat
from annotator.exporters.native import NativeFormat
from annotator.exporters.qdpx import QdpxFormat
from annotator.exporters.replacing import sync_file, writing_beside
from annotator.exporters.spacy import SpacyFormat
from annotator.exporters.sync import synced_in_background
from annotator.exporters.xlsx import XlsxFormat

__all__ = [
    "ExportContext",
    "ExportError",
    "ExportFilters",
    "ExportFormat",
    "ExportSummary",
    "export",
    "format_for_path",
    "format_named",
    "formats",
    "register",
    "suffix_choices",
    "unregister",
]

#: Progress is reported every this many documents (and once at the end).
PROGRESS_EVERY = 200

_REGISTRY: dict[str, type[ExportFormat]] = {}


def register(fmt: type[ExportFormat]) -> type[ExportFormat]:
    """Add a format after those registered so far (usable as a class decorator); names are unique."""
    name, suffixes = getattr(fmt, "name", ""), getattr(fmt, "suffixes", ())
    if not name or not suffixes or not getattr(fmt, "description", ""):
        raise ValueError(f"{fmt.__name__}: an export format needs a name, suffixes and a description")
    if name in _REGISTRY:
        raise ValueError(f"an export format named '{name}' is already registered")
    if any(not suffix.startswith(".") or suffix != suffix.lower() for suffix in suffixes):
        raise ValueError(f"{name}: suffixes are lower case and start with a dot, not {suffixes}")
    _REGISTRY[name] = fmt
    return fmt


def unregister(name: str) -> None:
    """Remove a registered format (tests, plug-ins)."""
    del _REGISTRY[name]


for _builtin in (NativeFormat, DoccanoFormat, SpacyFormat, CsvFormat, XlsxFormat, QdpxFormat):
    register(_builtin)


def formats() -> tuple[type[ExportFormat], ...]:
    """Every registered format, in the order the command line and the window list them; the first is the default."""
    return tuple(_REGISTRY.values())


def format_named(name: str) -> type[ExportFormat]:
    """The registered format called ``name``."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise InvalidInputError(f"unknown format '{name}'; choose one of {', '.join(_REGISTRY)}") from None


def suffix_choices() -> dict[str, str]:
    """Suffix -> format name, for the suffixes exactly one format is saved under (a name ending so picks it)."""
    owners: dict[str, list[str]] = {}
    for fmt in _REGISTRY.values():
        for suffix in fmt.suffixes:
            owners.setdefault(suffix, []).append(fmt.name)
    return {suffix: names[0] for suffix, names in owners.items() if len(names) == 1}


def format_for_path(path: str | Path) -> str:
    """The format a file name asks for: the one format saved under its suffix, else the default (native)."""
    name = Path(str(path)).name.lower()
    matching = [(len(suffix), fmt) for suffix, fmt in suffix_choices().items() if name.endswith(suffix)]
    return max(matching)[1] if matching else next(iter(_REGISTRY))


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    documents: int
    spans: int
    path: str
    #: What the reader must know about the file, one sentence each (cells an xlsx had to cut ...).
    notes: tuple[str, ...] = ()


def _write(
    store, writer: ExportFormat, context: ExportContext, progress, should_cancel, cancelled_message: str
) -> tuple[int, int, tuple[str, ...]]:
    """Drive one format: ``start``, each document, ``finish``; ``abort`` if anything stops it on the way."""
    documents = spans = 0
    total = store.export_counts()[0]
    try:
        writer.start(context)
        write = writer.write_document
        for doc in store.iter_export_documents(**context.filters.as_arguments()):
            if should_cancel is not None and should_cancel():
                raise ExportError(cancelled_message)
            write(doc)
            documents += 1
            spans += len(doc.spans)
            if progress is not None and documents % PROGRESS_EVERY == 0:
                progress(documents, total)
        notes = tuple(writer.finish()) + not_carried_note(writer)
    except BaseException:
        writer.abort()
        raise
    return documents, spans, notes


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
    yield cast(BinaryIO, sink)  # a text stream wrapped to take bytes (pytest's capture, say)
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
    """Write the corpus to ``out`` (``-`` for standard output) in one registered format.

    ``csv_raw`` writes CSV cells exactly as stored, without the leading ``'``
    that keeps spreadsheets from running formula-like cells.
    """
    fmt = format_named(format)
    if csv_raw and not fmt.offers_raw_cells:
        raise InvalidInputError(
            f"raw cells are a CSV choice; the {format} export has no formulas to guard against"
        )
    filters = ExportFilters(tuple(annotators), tuple(tags), kind, only_annotated)
    context = ExportContext.of_store(store, filters, raw_cells=csv_raw)
    if str(out) == "-":
        if fmt.binary and getattr(sys.stdout, "isatty", lambda: False)():
            raise InvalidInputError(
                f"an {fmt.name} file is binary; give an output file or pipe standard output"
            )
        with _stdout_bytes() as stdout:
            if fmt.writes_to_path:
                with tempfile.TemporaryDirectory(prefix="annotator-export-") as scratch:
                    built = Path(scratch) / f"export{fmt.suffixes[0]}"
                    counts = _write(store, fmt(built), context, progress, should_cancel, "export cancelled")
                    with open(built, "rb") as finished:
                        shutil.copyfileobj(finished, stdout)
            else:
                counts = _write(store, fmt(stdout), context, progress, should_cancel, "export cancelled")
        return ExportSummary(*counts[:2], "-", counts[2])
    target = Path(out)
    cancelled = "export cancelled; nothing was written"
    with writing_beside(target, getattr(store, "path", None), error=ExportError) as (fd, temporary):
        if fmt.writes_to_path:  # the format builds its file at the temporary name; synced once complete
            os.close(fd)
            documents, spans, notes = _write(
                store, fmt(temporary), context, progress, should_cancel, cancelled
            )
            sync_file(temporary)
        else:
            with open(fd, "wb") as handle, synced_in_background(handle) as output:
                documents, spans, notes = _write(
                    store, fmt(output), context, progress, should_cancel, cancelled
                )
    if progress is not None:
        progress(documents, documents)
    return ExportSummary(documents, spans, str(target), notes)

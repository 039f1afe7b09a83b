"""The export format protocol, and what every format shares: the error, the span check, the JSON encoding.

An export format is a class, one instance per export, that ``export`` drives
in three steps:

- ``start(context)`` once, before any document: the project's name, its tags
  with their hierarchy, colours and descriptions, its annotators and the
  filters chosen (``ExportContext``). A CSV writes its header here, a
  workbook opens its first sheet, a REFI-QDA project its codebook.
- ``write_document(doc)`` for each ``ExportDocument`` that passed the filters.
- ``finish()`` after the last one, returning notes for the export's summary
  ("12 cells were cut"); or ``abort()`` instead, when the export stops early,
  to remove anything the format keeps outside the output (temporary folders).
- ``not_carried()`` after ``finish``: what the project holds that the format
  cannot carry (REFI-QDA's §7 asks that such losses be listed), which the
  summary gives as one note, "not carried by the … format: …", so the
  command line and the export dialog show it with the other notes.

Each format declares its ``name`` (``--format``), its ``suffixes`` (the
first is the one its files are saved under) and a one-line ``description``
once, on the class; the command line, the window's export dialog, the
README's table and ``format_for_path`` all read them from the registry
(``annotator.exporters``). A format writes either to the binary stream it is
built with or, when it sets ``writes_to_path``, to a file path: a ZIP or a
database a library must open by name, built at the temporary name that
``export`` renames into place when it is complete. Either way the export is
all or nothing, and no format knows where its bytes end up.

JSON is encoded by orjson: compact, UTF-8 and several times faster than the
json library on a million spans, the difference between an export that
waits and one that does not.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import orjson

from annotator.errors import AnnotatorError
from annotator.model import Tag
from annotator.store.export import ExportDocument

_START, _END = operator.itemgetter(0), operator.itemgetter(1)


class ExportError(AnnotatorError):
    """The project holds something that cannot be exported faithfully."""


@dataclass(frozen=True)
class ExportFilters:
    """Which spans and documents an export takes, as ``Store.iter_export_documents`` reads them."""

    annotators: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    kind: str | None = None
    only_annotated: bool = False

    def as_arguments(self) -> dict:
        """The filters as keyword arguments of ``iter_export_documents``."""
        return {
            "annotators": list(self.annotators),
            "tags": list(self.tags),
            "kind": self.kind,
            "only_annotated": self.only_annotated,
        }


@dataclass(frozen=True)
class ExportContext:
    """What a format may need before the first document: the project, its tags and annotators, the choices.

    ``tags`` and ``annotators`` are read from the project on first use, so a
    format that never asks (every JSONL format) costs the export nothing.
    """

    project_name: str = ""
    filters: ExportFilters = field(default_factory=ExportFilters)
    #: Write cells exactly as stored (a format with ``offers_raw_cells``: the CSV's ``--csv-raw``).
    raw_cells: bool = False
    read_tags: Callable[[], Sequence[Tag]] = field(default=tuple, repr=False, compare=False)
    read_annotators: Callable[[], Sequence[str]] = field(default=tuple, repr=False, compare=False)
    #: The project, open for reading, for a format that carries more than spans (REFI-QDA: memos,
    #: statuses, timestamps); None when the export has no store behind it.
    project: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def of_store(cls, store, filters: ExportFilters, *, raw_cells: bool = False) -> ExportContext:
        """The context of an export of ``store``; its tags and annotators are read when first asked for."""
        path = getattr(store, "path", None)
        return cls(
            project_name=Path(path).stem if path else "",
            filters=filters,
            raw_cells=raw_cells,
            read_tags=store.tags,
            read_annotators=store.annotators,
            project=store,
        )

    @cached_property
    def tags(self) -> tuple[Tag, ...]:
        """Every tag of the project (themes and speakers), with ``parent_id``, colour and description."""
        return tuple(self.read_tags())

    @cached_property
    def annotators(self) -> tuple[str, ...]:
        """Everyone who has annotated in the project, sorted."""
        return tuple(self.read_annotators())

    def children(self, parent_id: str | None) -> list[Tag]:
        """The tags directly under ``parent_id`` (``None``: the top level), in palette order."""
        return [tag for tag in self.tags if tag.parent_id == parent_id]


class ExportFormat:
    """One export format; ``export`` makes one instance per export and drives it (see the module's note).

    Subclasses set the class attributes and implement ``write_document``;
    ``start``, ``finish`` and ``abort`` do nothing unless overridden. The
    instance is built with the output: a binary stream with ``write``, or,
    for a format that ``writes_to_path``, the ``Path`` of the file to create.
    """

    #: The ``--format`` name; unique among the registered formats.
    name: ClassVar[str]
    #: Lower-case file suffixes with their dot; the first is the one new files get.
    suffixes: ClassVar[tuple[str, ...]]
    #: One line for ``--help``, the dialog's list and the README's table.
    description: ClassVar[str]
    #: The output is binary (a ZIP ...): never written to a terminal.
    binary: ClassVar[bool] = False
    #: The format is given a file path instead of a stream (archives written by a library that seeks or names).
    writes_to_path: ClassVar[bool] = False
    #: The format neutralises cells a spreadsheet would run, and can be asked not to (``raw_cells``).
    offers_raw_cells: ClassVar[bool] = False

    def __init__(self, output: Any) -> None:
        #: A binary stream (anything with ``write(bytes)``), or the ``Path`` to build for a format that
        #: ``writes_to_path``: each format knows which it gets.
        self.output: Any = output

    def start(self, context: ExportContext) -> None:
        """Called once before the first document."""

    def write_document(self, doc: ExportDocument) -> None:
        """Write one document; raise ``ExportError`` for what cannot be written faithfully."""
        raise NotImplementedError

    def finish(self) -> tuple[str, ...]:
        """Complete the output after the last document; return notes for the summary, one sentence each."""
        return ()

    def abort(self) -> None:
        """The export stopped before ``finish``: clean up what the format keeps outside its output."""

    def not_carried(self) -> tuple[str, ...]:
        """After ``finish``: what this export left behind because the format has no place for it, briefly."""
        return ()


def not_carried_note(fmt: ExportFormat) -> tuple[str, ...]:
    """The summary's note listing what ``fmt`` could not carry, or nothing when it carried everything."""
    lost = fmt.not_carried()
    return (f"not carried by the {fmt.name} format: {'; '.join(lost)}",) if lost else ()


class LineFormat(ExportFormat):
    """A format of one line per document, as ``encode_line`` renders it (without its line break)."""

    binary = False

    @staticmethod
    def encode_line(doc: ExportDocument) -> bytes:
        raise NotImplementedError

    def start(self, context: ExportContext) -> None:
        self._write, self._encode = self.output.write, self.encode_line

    def write_document(self, doc: ExportDocument) -> None:
        write = self._write
        write(self._encode(doc))
        write(b"\n")


def dumps(value: object) -> bytes:
    """One JSON object on one line as UTF-8 bytes, characters kept as they are (no ``\\u`` escapes).

    orjson refuses integers beyond 64 bits, which imported metadata may hold;
    those lines go through the json library, with the same compact separators.
    """
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def check_spans(doc: ExportDocument) -> None:
    """Refuse offsets that a damaged project could hold, before anything of ``doc`` is written.

    Three passes in C (``map``, ``min``, ``max``, ``all``) rather than one in
    Python: on a million spans that is the difference between 0.05 s and 0.5 s.
    """
    spans = doc.spans
    if not spans:
        return
    starts, ends = list(map(_START, spans)), list(map(_END, spans))
    if min(starts) >= 0 and max(ends) <= len(doc.text) and all(map(operator.lt, starts, ends)):
        return
    start, end = next(
        (start, end) for start, end in zip(starts, ends, strict=True) if not 0 <= start < end <= len(doc.text)
    )
    raise ExportError(
        f"document '{doc.title}': span [{start}, {end}) is outside its text; "
        "run 'annotator check' on the project"
    )

"""CSV, one row per annotation, for spreadsheets and statistics packages.

Columns: document title, document id, start, end, label, kind, annotator,
note (empty when there is none) and the annotated text. Rows end in ``\\n``;
fields holding commas, quotes or line breaks are quoted by the csv module.
"""

from __future__ import annotations

import csv
from typing import BinaryIO

from annotator.exporters.base import check_spans
from annotator.store.export import ExportDocument

HEADER = ("document_title", "document_id", "start", "end", "label", "kind", "annotator", "note", "text")


def csv_rows(doc: ExportDocument) -> list[tuple]:
    """One row per annotation of ``doc``."""
    check_spans(doc)
    text = doc.text
    return [(doc.title, doc.id, start, end, label, kind, annotator, note or "", text[start:end])
            for start, end, label, _, kind, annotator, note in doc.spans]


class _Utf8:
    """A text face on the binary output for the csv module, which writes ``str`` rows."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle

    def write(self, text: str) -> None:
        self._handle.write(text.encode("utf-8"))


def writer(handle: BinaryIO):
    """Write the header now; return a writer of each document's rows."""
    rows = csv.writer(_Utf8(handle), lineterminator="\n")
    rows.writerow(HEADER)

    def write(doc: ExportDocument) -> None:
        rows.writerows(csv_rows(doc))

    return write

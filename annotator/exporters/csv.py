"""CSV, one row per annotation, for spreadsheets and statistics packages.

Columns: document title, document id, start, end, label, kind, annotator,
note (empty when there is none) and the annotated text. Records end in
``\\r\\n`` as RFC 4180 says; fields holding commas, quotes or line breaks are
quoted by the csv module (a line break inside a quoted field stays ``\\n``).

Spreadsheets run a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return as a formula: an interview that quotes "=HYPERLINK(...)" or
a note "-5 for this" would be evaluated, or mangled, when the file is opened
in Excel or LibreOffice. So by default such a cell gets a leading single
quote (OWASP's advice for CSV injection), which spreadsheets take as "this is
text". A cell that already starts with quotes followed by one of those
characters gets one more, so the change is exactly reversible: remove one
leading ``'`` from every cell matching ``^'+[=+\\-@\\t\\r]``. The numbers (start,
end) are never touched. The raw choice (``raw_cells``, ``--csv-raw``) writes
every cell exactly as stored, for programs that read CSV as data (R, pandas)
and want ``text`` to equal the document's characters; the Excel workbook
export needs neither.
"""

from __future__ import annotations

import csv
from typing import BinaryIO

from annotator.exporters.base import ExportContext, ExportFormat, check_spans
from annotator.store.export import ExportDocument

HEADER = ("document_title", "document_id", "start", "end", "label", "kind", "annotator", "note", "text")
#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
#: The prefix that makes a spreadsheet read such a cell as text.
TEXT_MARK = "'"
#: First characters after which ``neutralise`` must look closer.
_RISKY_FIRST = FORMULA_TRIGGERS | {TEXT_MARK}


def neutralise(cell: str) -> str:
    """``cell`` with a leading ``'`` if a spreadsheet could run it as a formula (or it would read as one escaped)."""
    if not cell:
        return cell
    first = cell[0]
    if first in FORMULA_TRIGGERS or (first == TEXT_MARK and cell.lstrip(TEXT_MARK)[:1] in FORMULA_TRIGGERS):
        return TEXT_MARK + cell
    return cell


def csv_rows(doc: ExportDocument) -> list[tuple]:
    """One row per annotation of ``doc``, cells as stored."""
    check_spans(doc)
    text = doc.text
    return [
        (doc.title, doc.id, start, end, label, kind, annotator, note or "", text[start:end])
        for start, end, label, _, kind, annotator, note in doc.spans
    ]


def safe_rows(doc: ExportDocument) -> list[tuple]:
    """One row per annotation of ``doc``, every text cell ``neutralise``-d (the title and id once per document).

    The first-character test is written out inline rather than calling
    ``neutralise`` for every cell: on a million spans the calls alone cost a second.
    """
    check_spans(doc)
    text, n, risky = doc.text, neutralise, _RISKY_FIRST
    title, doc_id = n(doc.title), n(doc.id)
    return [
        (
            title,
            doc_id,
            start,
            end,
            label if label[:1] not in risky else n(label),
            kind if kind[:1] not in risky else n(kind),
            annotator if annotator[:1] not in risky else n(annotator),
            "" if note is None else note if note[:1] not in risky else n(note),
            piece if (piece := text[start:end])[:1] not in risky else n(piece),
        )
        for start, end, label, _, kind, annotator, note in doc.spans
    ]


class _Utf8:
    """A text face on the binary output for the csv module, which writes ``str`` rows."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle

    def write(self, text: str) -> None:
        self._handle.write(text.encode("utf-8"))


class CsvFormat(ExportFormat):
    """The header in ``start``, then each document's rows: formula-like cells neutralised unless ``raw_cells``."""

    name = "csv"
    suffixes = (".csv",)
    description = "CSV, one row per annotation"
    offers_raw_cells = True

    def start(self, context: ExportContext) -> None:
        rows = csv.writer(_Utf8(self.output), lineterminator="\r\n")
        rows.writerow(HEADER)
        self._writerows, self._rows_of = rows.writerows, csv_rows if context.raw_cells else safe_rows

    def write_document(self, doc: ExportDocument) -> None:
        self._writerows(self._rows_of(doc))

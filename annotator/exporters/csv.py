"""CSV, one row per annotation, for spreadsheets and statistics packages.

Columns: document title, document id, start, end, label, kind, annotator,
note (empty when there is none) and the annotated text. Rows end in ``\\n``;
fields holding commas, quotes or line breaks are quoted by the csv module.
"""

from __future__ import annotations

import csv
from typing import TextIO

from annotator.exporters.base import checked_text
from annotator.store.export import ExportDocument

HEADER = ("document_title", "document_id", "start", "end", "label", "kind", "annotator", "note", "text")


def csv_rows(doc: ExportDocument) -> list[tuple]:
    """One row per annotation of ``doc``."""
    return [(doc.title, doc.id, start, end, label, kind, annotator, note or "", checked_text(doc, start, end))
            for start, end, label, _, kind, annotator, note in doc.spans]


def writer(handle: TextIO):
    """Write the header now; return a writer of each document's rows."""
    rows = csv.writer(handle, lineterminator="\n")
    rows.writerow(HEADER)

    def write(doc: ExportDocument) -> None:
        rows.writerows(csv_rows(doc))

    return write

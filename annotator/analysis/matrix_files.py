"""A matrix (or the frequency table) as a file for R, SPSS or Excel (CSV, XLSX), as JSON, or as text.

CSV and XLSX have one header row and one row per row label: a matrix's
header is the row axis's name, then each column's label, and a document axis
adds the document id after the title, since titles need not be unique. The
frequency table has one row per tag (``tag``, ``path`` with its parents,
``depth``, then its own and its totals' passages, documents and characters).
CSV cells a spreadsheet would run as formulas get a leading ``'``
(``annotator.exporters.csv.neutralise``); the workbook writes labels as
strings and values as numbers. Counts are written as integers, Jaccard to
four decimals in CSV and in full in XLSX. Files are written under a
temporary name and renamed over the target.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.analysis.matrices import Axis, Matrix, Measure, TagFrequency

if TYPE_CHECKING:
    from annotator.store import Store

MATRIX_FORMATS = ("table", "csv", "xlsx", "json")
#: What one label of each axis is called in a header.
AXIS_NOUN = {
    Axis.TAGS: "tag",
    Axis.DOCUMENTS: "document",
    Axis.SPEAKERS: "speaker",
    Axis.ANNOTATORS: "annotator",
}
FREQUENCY_HEADER = (
    "tag",
    "path",
    "depth",
    "passages",
    "documents",
    "characters",
    "total_passages",
    "total_documents",
    "total_characters",
)


@dataclass(frozen=True)
class Table:
    """Rows of cells under a header; the first ``labels`` columns are text, the rest numbers."""

    title: str
    header: list[str]
    rows: list[list[Any]]
    labels: int
    json: Any


def matrix_table(m: Matrix) -> Table:
    """A matrix as a table: its label (and document id), then its values."""

    def number(value: float) -> int | float:
        return value if m.measure is Measure.JACCARD else int(value)

    documents = m.rows is Axis.DOCUMENTS
    header = [
        AXIS_NOUN[m.rows],
        *(["document_id"] if documents else []),
        *(label.name for label in m.col_labels),
    ]
    rows = [
        [label.name, *([label.key] if documents else []), *(number(v) for v in values)]
        for label, values in zip(m.row_labels, m.values, strict=True)
    ]
    value = {
        "rows": m.rows.value,
        "cols": m.cols.value,
        "measure": m.measure.value,
        "same_paragraph": m.same_paragraph,
        "row_labels": [{"id": label.key, "name": label.name} for label in m.row_labels],
        "col_labels": [{"id": label.key, "name": label.name} for label in m.col_labels],
        "values": [[number(v) for v in row] for row in m.values],
    }
    return Table(f"{AXIS_NOUN[m.rows]} x {AXIS_NOUN[m.cols]}", header, rows, 2 if documents else 1, value)


def frequency_table(frequencies: Sequence[TagFrequency], paths: dict[str, str]) -> Table:
    """The frequencies as a table; ``paths``: each tag's name with its parents ("Economy > Jobs")."""
    rows: list[list[Any]] = [
        [
            f.tag.name,
            paths.get(f.tag.id, f.tag.name),
            f.depth,
            f.passages,
            f.documents,
            f.characters,
            f.total_passages,
            f.total_documents,
            f.total_characters,
        ]
        for f in frequencies
    ]
    value = [
        {"id": f.tag.id, "kind": f.tag.kind.value, **dict(zip(FREQUENCY_HEADER, row, strict=True))}
        for f, row in zip(frequencies, rows, strict=True)
    ]
    return Table("frequencies", list(FREQUENCY_HEADER), rows, 2, value)


def csv_text(table: Table) -> str:
    from annotator.exporters.csv import neutralise

    def cell(value: Any) -> Any:
        if isinstance(value, str):
            return neutralise(value)
        return f"{value:.4f}" if isinstance(value, float) else value

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(c) for c in table.header])
    for row in table.rows:
        writer.writerow([cell(c) for c in row])
    return out.getvalue()


def table_lines(table: Table) -> list[str]:
    """The table as aligned plain-text lines (labels are escaped by the caller's printing)."""

    def text(value: Any) -> str:
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    body = [[text(c) for c in row] for row in table.rows]
    widths = [max(len(line[i]) for line in [table.header, *body]) for i in range(len(table.header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < table.labels else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(table.header)] + [line(r) for r in body]


def write_table(store: Store, table: Table, path: Path, fmt: str) -> None:
    """Write ``table`` to ``path`` as ``fmt`` (csv, xlsx, json or table) under a temporary name, then rename."""
    from annotator.analysis.passages_export import replacing

    with replacing(store, Path(path)) as temporary:
        if fmt == "xlsx":
            _write_xlsx(table, temporary)
        elif fmt == "json":
            temporary.write_text(
                json.dumps(table.json, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
        elif fmt == "csv":
            with open(temporary, "w", encoding="utf-8", errors="replace", newline="") as handle:
                handle.write(csv_text(table))
        else:
            temporary.write_text("\n".join(table_lines(table)) + "\n", encoding="utf-8", errors="replace")


def _write_xlsx(table: Table, path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    try:
        sheet = book.add_worksheet(table.title)
        bold = book.add_format({"bold": True})
        for col, cell in enumerate(table.header):
            sheet.write_string(0, col, cell, bold)
        for r, row in enumerate(table.rows, start=1):
            for col, cell in enumerate(row):
                if isinstance(cell, str):
                    sheet.write_string(r, col, cell)
                else:
                    sheet.write_number(r, col, cell)
        sheet.freeze_panes(1, table.labels)
    finally:
        book.close()

"""A matrix as a file for R, SPSS or Excel (CSV, XLSX), as JSON, or as a plain-text table.

CSV and XLSX have one header row (the row axis's name, then each column's
label) and one row per row label; a document axis adds the document id after
the title, since titles need not be unique. CSV cells a spreadsheet would
run as formulas get a leading ``'`` (``annotator.exporters.csv.neutralise``);
the workbook writes labels as strings and values as numbers. Counts are
written as integers, Jaccard to four decimals in CSV and in full in XLSX.
Files are written under a temporary name and renamed over the target.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.analysis.matrices import Axis, Matrix, Measure

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


def number(m: Matrix, value: float) -> int | float:
    """A cell as the measure means it: a count as an int, a Jaccard ratio as a float."""
    return value if m.measure is Measure.JACCARD else int(value)


def header(m: Matrix) -> list[str]:
    first = [AXIS_NOUN[m.rows]]
    if m.rows is Axis.DOCUMENTS:
        first.append("document_id")
    return first + [label.name for label in m.col_labels]


def rows(m: Matrix) -> list[list[Any]]:
    """Each row: its label (and document id), then its values."""
    found = []
    for label, values in zip(m.row_labels, m.values, strict=True):
        lead: list[Any] = [label.name] + ([label.key] if m.rows is Axis.DOCUMENTS else [])
        found.append(lead + [number(m, v) for v in values])
    return found


def as_json(m: Matrix) -> dict[str, Any]:
    """The matrix as JSON-ready values: axes, measure, labels (with ids) and values."""
    return {
        "rows": m.rows.value,
        "cols": m.cols.value,
        "measure": m.measure.value,
        "same_paragraph": m.same_paragraph,
        "row_labels": [{"id": label.key, "name": label.name} for label in m.row_labels],
        "col_labels": [{"id": label.key, "name": label.name} for label in m.col_labels],
        "values": [[number(m, v) for v in row] for row in m.values],
    }


def csv_text(m: Matrix) -> str:
    from annotator.exporters.csv import neutralise

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header(m)])
    for row in rows(m):
        writer.writerow(
            [
                neutralise(c) if isinstance(c, str) else (f"{c:.4f}" if isinstance(c, float) else c)
                for c in row
            ]
        )
    return out.getvalue()


def table_lines(m: Matrix) -> list[str]:
    """The matrix as aligned plain-text lines (labels are escaped by the caller's printing)."""
    head = header(m)
    body = [
        [c if isinstance(c, str) else (f"{c:.3f}" if isinstance(c, float) else str(c)) for c in r]
        for r in rows(m)
    ]
    widths = [max(len(str(line[i])) for line in [head, *body]) for i in range(len(head))]
    labels = 2 if m.rows is Axis.DOCUMENTS else 1

    def line(cells: list[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i < labels else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(head)] + [line(r) for r in body]


def write_matrix(store: Store, m: Matrix, path: Path, fmt: str) -> None:
    """Write ``m`` to ``path`` as ``fmt`` (csv, xlsx or json) under a temporary name, then rename."""
    from annotator.analysis.passages_export import replacing

    with replacing(store, Path(path)) as temporary:
        if fmt == "xlsx":
            _write_xlsx(m, temporary)
        elif fmt == "json":
            import json

            temporary.write_text(
                json.dumps(as_json(m), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
        elif fmt == "csv":
            with open(temporary, "w", encoding="utf-8", errors="replace", newline="") as handle:
                handle.write(csv_text(m))
        else:
            temporary.write_text("\n".join(table_lines(m)) + "\n", encoding="utf-8", errors="replace")


def _write_xlsx(m: Matrix, path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    try:
        sheet = book.add_worksheet(f"{AXIS_NOUN[m.rows]} x {AXIS_NOUN[m.cols]}")
        bold = book.add_format({"bold": True})
        for col, cell in enumerate(header(m)):
            sheet.write_string(0, col, cell, bold)
        for r, row in enumerate(rows(m), start=1):
            for col, cell in enumerate(row):
                if isinstance(cell, str):
                    sheet.write_string(r, col, cell)
                else:
                    sheet.write_number(r, col, cell)
        sheet.freeze_panes(1, 2 if m.rows is Axis.DOCUMENTS else 1)
    finally:
        book.close()

"""The report as a Word document (python-docx): the same sections as the HTML, tables in place of charts.

A picture of a chart would need Qt to draw the SVG, and the core never
loads Qt; so the frequency chart is the codebook table's counts, and each
heat map is a table whose cells are shaded as the chart's are (the same
``charts.cell_fill``, text black or white by contrast), which Word and
LibreOffice print as they show. The document says so where the charts
would be.

python-docx builds the whole document in memory; the report's bounds (a
capped number of passages per theme, capped heat maps) keep it small.
Text XML cannot hold (control characters, lone surrogates) is shown as
U+FFFD by ``xml_safe``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from annotator.analysis.charts import LIGHT, cell_fill, format_value, tag_color, text_color_on
from annotator.analysis.passages_export import docx_passage, xml_safe
from annotator.analysis.report_data import (
    BY_SPEAKER_CAPTION,
    COOCCURRENCE_CAPTION,
    PASSAGES_PER_THEME,
    ReportData,
    ShownMatrix,
    document_memos,
    theme_rows,
)
from annotator.model import TagKind

if TYPE_CHECKING:
    from docx.document import Document as WordDocument
    from docx.table import _Cell

    from annotator.analysis.matrices import TagFrequency
    from annotator.store import Store

CHARTS_NOTE = (
    "The charts of this report are in its HTML version (annotator report PROJECT OUT.html); "
    "here their values are given as tables."
)


def _shade(cell: _Cell, color: str) -> None:
    """Fill a table cell with ``#rrggbb``."""
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), color[1:].upper())
    properties.append(shading)


def _set_text(
    cell: _Cell, text: str, *, bold: bool = False, color: str | None = None, size: float | None = None
) -> None:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(xml_safe(text))
    run.bold = bold
    if color is not None:
        run.font.color.rgb = RGBColor.from_string(color[1:].upper())
    if size is not None:
        run.font.size = Pt(size)


def _table(document: WordDocument, header: list[str]) -> Any:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, header, strict=True):
        _set_text(cell, name, bold=True)
    return table


def _add_row(table: Any) -> Any:
    """A new row's cells (python-docx's ``add_row`` is untyped)."""
    return table.add_row().cells


def _codebook(document: WordDocument, frequencies: tuple[TagFrequency, ...], kind: TagKind) -> None:
    rows = [f for f in frequencies if f.tag.kind is kind]
    if not rows:
        document.add_paragraph("No themes." if kind is TagKind.THEME else "No speakers.")
        return
    header = [
        "Theme" if kind is TagKind.THEME else "Speaker",
        "Description",
        "Passages",
        "Documents",
        "Characters",
    ]
    if kind is TagKind.THEME:
        header += ["With sub-themes: passages", "documents", "characters"]
    table = _table(document, header)
    for f in rows:
        cells = _add_row(table)
        _set_text(cells[0], "    " * f.depth + "■ ", color=tag_color(f.tag.color))
        _set_text(cells[0], f.tag.name)
        _set_text(cells[1], f.tag.description)
        values = [f.passages, f.documents, f.characters]
        if kind is TagKind.THEME:
            values += [f.total_passages, f.total_documents, f.total_characters]
        for cell, value in zip(cells[2:], values, strict=True):
            _set_text(cell, f"{value:,}")


def _matrix_table(document: WordDocument, shown: ShownMatrix | None, caption: str, empty: str) -> None:
    if shown is None:
        document.add_paragraph(empty)
        return
    m = shown.matrix
    document.add_paragraph(caption)
    if shown.cut:
        document.add_paragraph(
            f"Showing the {len(m.row_labels)} of {shown.all_rows} rows and {len(m.col_labels)} of "
            f"{shown.all_cols} columns with the largest sums."
        )
    table = _table(document, [""] + [label.name for label in m.col_labels])
    top = max([v for line in m.values for v in line] + [0.0])
    for label, line in zip(m.row_labels, m.values, strict=True):
        cells = _add_row(table)
        _set_text(cells[0], label.name, bold=True)
        for cell, value in zip(cells[1:], line, strict=True):
            fill = cell_fill(value, top, LIGHT)
            _shade(cell, fill)
            _set_text(cell, format_value(value, m.measure), color=text_color_on(fill))


def _passages(document: WordDocument, store: Store, data: ReportData) -> None:
    document.add_heading("Passages by theme", level=2)
    document.add_paragraph(
        f"Each theme's own passages in corpus order, at most {PASSAGES_PER_THEME} per theme, "
        "the passage in bold within its context."
    )
    if not data.themes:
        document.add_paragraph("No coded passages.")
    for section in data.themes:
        plural = "s" if section.total != 1 else ""
        document.add_heading(xml_safe(f"{section.path} ({section.total:,} passage{plural})"), level=3)
        for row in theme_rows(store, section):
            docx_passage(document, row, show_tags=False)
        if section.more:
            document.add_paragraph().add_run(
                f"… and {section.more:,} more (annotator retrieve lists them all)."
            ).italic = True


def write_docx_report(store: Store, data: ReportData, path: Path) -> None:
    """Build the Word report and save it to ``path``."""
    document = docx.Document()
    document.add_heading(xml_safe(f"Report: {data.title}"), level=1)
    document.add_paragraph(f"Made {data.generated} by Annotator.")
    for line in data.filters:
        document.add_paragraph(xml_safe(line), style="List Bullet")
    document.add_paragraph(CHARTS_NOTE).runs[0].italic = True
    document.add_heading("Codebook", level=2)
    _codebook(document, data.frequencies, TagKind.THEME)
    if data.speaker_frequencies:
        document.add_heading("Speakers", level=3)
        _codebook(document, data.frequencies, TagKind.SPEAKER)
    document.add_heading("Co-occurrence", level=2)
    _matrix_table(
        document,
        data.cooccurrence,
        COOCCURRENCE_CAPTION,
        "No tags to compare.",
    )
    document.add_heading("Themes by speaker", level=2)
    _matrix_table(
        document,
        data.by_speaker,
        BY_SPEAKER_CAPTION,
        "No speakers in this project.",
    )
    _passages(document, store, data)
    document.add_heading("Document memos", level=2)
    memos = 0
    for title, memo in document_memos(store, data.base):
        document.add_heading(xml_safe(title), level=3)
        document.add_paragraph(xml_safe(memo))
        memos += 1
    if not memos:
        document.add_paragraph("No document memos.")
    document.save(str(path))


__all__ = ["CHARTS_NOTE", "write_docx_report"]

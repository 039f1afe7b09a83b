"""The project report: everything a researcher hands a supervisor or pastes into an appendix, in one file.

``write_report`` gathers, under the same filters as a retrieval (a
``PassageQuery`` used as the base of every count):

1. the codebook: every theme with its description and counts (its own
   passages, and with its sub-themes), then the speakers;
2. the frequency chart (``charts.bar_chart_svg``);
3. the co-occurrence heat map, tags by tags (``matrix(TAGS, TAGS)``);
4. theme by speaker (``matrix(TAGS, SPEAKERS)``), when speakers are coded;
5. the passages of each theme, with their context;
6. the memos of the documents in scope.

Two formats: ``html`` (``report_html``) is one self-contained file with the
charts inline as SVG, no scripts and no outside files (it opens offline and
prints); ``docx`` (``report_docx``) gives the charts' values as tables, since
pictures of the charts need Qt to draw them and the core never loads Qt.

Bounds for large projects, so a report stays readable and its size grows
with the codebook, not the corpus: each theme lists at most
``PASSAGES_PER_THEME`` passages, in corpus order, then "... and N more"
(``annotator retrieve`` lists them all); the heat maps keep the
``MAX_MATRIX_LABELS`` rows and columns with the largest sums (saying how many
were left out). Passages are read a page at a time and the HTML is written
as it is made; the Word document is built in memory (python-docx cannot
stream), which the per-theme bound keeps small.

"The passages of a theme" are the spans of that theme itself (sub-themes
have sections of their own), so a passage appears once per theme it is
coded with. When the filters name tags, only those themes (and their
sub-themes, unless sub-themes are off) get a section.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from annotator.analysis.passages_export import format_of, replacing
from annotator.analysis.query import PassageQuery
from annotator.analysis.report_data import (
    MAX_MATRIX_LABELS,
    PASSAGES_PER_THEME,
    REPORT_FORMATS,
    ReportData,
    ShownMatrix,
    bounded,
    gather,
)

if TYPE_CHECKING:
    from annotator.store import Store


def write_report(
    store: Store, path: Path, *, base: PassageQuery = PassageQuery(), fmt: str | None = None
) -> None:
    """Write the report to ``path`` as ``html`` or ``docx`` (from ``fmt`` or the suffix), under a temporary name."""
    path = Path(path)
    chosen = format_of(path, fmt, REPORT_FORMATS)
    with replacing(store, path) as temporary:
        data = gather(store, base)
        if chosen == "html":
            from annotator.analysis.report_html import write_html_report

            write_html_report(store, data, temporary)
        else:
            from annotator.analysis.report_docx import write_docx_report

            write_docx_report(store, data, temporary)


__all__ = [
    "MAX_MATRIX_LABELS",
    "PASSAGES_PER_THEME",
    "REPORT_FORMATS",
    "ReportData",
    "ShownMatrix",
    "bounded",
    "gather",
    "write_report",
]

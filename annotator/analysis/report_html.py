"""The report as one self-contained HTML file: opens offline, prints, holds no live content from the project.

Self-contained: the style is inline, the charts are inline SVG (the light
variant: it carries its own white background, so it reads on a dark page
too, and prints as it shows), and there are no scripts, images, fonts or
links to anywhere outside the file (only ``#`` anchors between sections).
The SVG namespace attribute is dropped when a chart is inlined, since HTML
places ``<svg>`` in its namespace itself; so nothing in the file names a
network address unless the project's own text does.

Every piece of project text (names, descriptions, titles, passages, notes,
memos, annotators) goes through ``esc``: a document holding
``<script>`` shows those characters and runs nothing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from annotator.analysis.charts import bar_chart_svg, heatmap_svg, tag_color
from annotator.analysis.passages_export import PASSAGE_CSS, esc, html_head, write_passages_html
from annotator.analysis.report_data import (
    BY_SPEAKER_CAPTION,
    COOCCURRENCE_CAPTION,
    PASSAGES_PER_THEME,
    ReportData,
    ShownMatrix,
    ThemePassages,
    document_memos,
    theme_rows,
)
from annotator.model import TagKind

if TYPE_CHECKING:
    from annotator.analysis.matrices import TagFrequency
    from annotator.store import Store

REPORT_CSS = (
    PASSAGE_CSS
    + """
h2 { margin-top: 2.2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
nav ul { columns: 2; }
.swatch { display: inline-block; width: .8em; height: .8em; margin-right: .4em; border: 1px solid #8c959f;
  vertical-align: -.05em; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
figure { margin: 1rem 0; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #57606a; font-size: .9rem; }
.more { font-style: italic; }
.memo { white-space: pre-wrap; margin: .3rem 0 1rem; }
@media print {
  nav { display: none; }
  h2 { break-before: auto; break-after: avoid; }
  h3 { break-after: avoid; }
  figure { overflow: visible; break-inside: avoid; }
  figure svg { max-height: 24cm; }
}
"""
)

_SVG_NAMESPACE = re.compile(r'\s+xmlns="[^"]*"')

SECTIONS = (
    ("codebook", "Codebook"),
    ("frequencies", "Frequencies"),
    ("cooccurrence", "Co-occurrence"),
    ("speakers", "Themes by speaker"),
    ("passages", "Passages by theme"),
    ("memos", "Document memos"),
)


def inline_svg(svg: str, label: str) -> str:
    """A chart for inlining in HTML: without its namespace attribute (HTML supplies it), labelled for readers."""
    opening_end = svg.index(">")
    opening = _SVG_NAMESPACE.sub("", svg[:opening_end], count=1)
    return f'{opening} role="img" aria-label="{esc(label)}"{svg[opening_end:]}'


def _swatch(color: str | None) -> str:
    return f'<span class="swatch" style="background:{tag_color(color)}"></span>'


def _header(out: TextIO, data: ReportData) -> None:
    out.write(f"<h1>Report: {esc(data.title)}</h1>\n")
    out.write(f'<p class="meta">Made {esc(data.generated)} by Annotator.</p>\n<ul class="filters">')
    out.write("".join(f"<li>{esc(line)}</li>" for line in data.filters))
    out.write("</ul>\n<nav><ul>")
    out.write("".join(f'<li><a href="#{key}">{name}</a></li>' for key, name in SECTIONS))
    out.write("</ul></nav>\n")


def _count(value: int) -> str:
    return f'<td class="num">{value:,}</td>'


def _codebook_row(f: TagFrequency) -> str:
    indent = f' style="padding-left:{0.5 + 1.2 * f.depth:.1f}rem"' if f.depth else ""
    cells = [f.passages, f.documents, f.characters]
    if f.tag.kind is TagKind.THEME:
        cells += [f.total_passages, f.total_documents, f.total_characters]
    return (
        f"<tr><td{indent}>{_swatch(f.tag.color)}{esc(f.tag.name)}</td>"
        f"<td>{esc(f.tag.description)}</td>" + "".join(_count(v) for v in cells) + "</tr>\n"
    )


def _codebook(out: TextIO, data: ReportData) -> None:
    out.write('<section id="codebook"><h2>Codebook</h2>\n')
    themes, speakers = data.theme_frequencies, data.speaker_frequencies
    if themes:
        out.write(
            "<table><thead><tr><th>Theme</th><th>Description</th>"
            '<th class="num">Passages</th><th class="num">Documents</th><th class="num">Characters</th>'
            '<th class="num">With sub-themes: passages</th><th class="num">documents</th>'
            '<th class="num">characters</th></tr></thead><tbody>\n'
        )
        out.write("".join(_codebook_row(f) for f in themes))
        out.write("</tbody></table>\n")
    else:
        out.write("<p>No themes.</p>\n")
    if speakers:
        out.write(
            "<h3>Speakers</h3><table><thead><tr><th>Speaker</th><th>Description</th>"
            '<th class="num">Turns</th><th class="num">Documents</th><th class="num">Characters</th>'
            "</tr></thead><tbody>\n"
        )
        out.write("".join(_codebook_row(f) for f in speakers))
        out.write("</tbody></table>\n")
    out.write(
        '<p class="meta">Passages: spans of the tag itself; characters: the coded characters '
        "(overlapping spans counted once). A theme's sub-themes add to its totals.</p>\n</section>\n"
    )


def _figure(out: TextIO, svg: str, label: str, caption: str) -> None:
    out.write(f"<figure>{inline_svg(svg, label)}<figcaption>{esc(caption)}</figcaption></figure>\n")


def _matrix_section(
    out: TextIO, key: str, heading: str, shown: ShownMatrix | None, caption: str, empty: str
) -> None:
    out.write(f'<section id="{key}"><h2>{heading}</h2>\n')
    if shown is None:
        out.write(f"<p>{esc(empty)}</p>\n</section>\n")
        return
    m = shown.matrix
    if shown.cut:
        caption += (
            f" Showing the {len(m.row_labels)} of {shown.all_rows} rows and {len(m.col_labels)} of "
            f"{shown.all_cols} columns with the largest sums."
        )
    _figure(out, heatmap_svg(m, title=heading), heading, caption)
    out.write("</section>\n")


def _theme_section(out: TextIO, store: Store, index: int, section: ThemePassages) -> None:
    f = section.frequency
    out.write(
        f'<section id="theme-{index}"><h3>{_swatch(f.tag.color)}{esc(section.path)} '
        f'<span class="where">{section.total:,} passage{"s" if section.total != 1 else ""}</span></h3>\n'
    )
    write_passages_html(out, theme_rows(store, section), show_tags=False)
    if section.more:
        out.write(
            f'<p class="more">… and {section.more:,} more (the first {PASSAGES_PER_THEME} are shown; '
            "<code>annotator retrieve</code> lists them all).</p>\n"
        )
    out.write("</section>\n")


def _passages(out: TextIO, store: Store, data: ReportData) -> None:
    out.write('<section id="passages"><h2>Passages by theme</h2>\n')
    out.write(
        f'<p class="meta">Each theme\'s own passages in corpus order, at most {PASSAGES_PER_THEME} per theme, '
        "the passage in bold within its context.</p>\n"
    )
    if not data.themes:
        out.write("<p>No coded passages.</p>\n")
    for index, section in enumerate(data.themes):
        _theme_section(out, store, index, section)
    out.write("</section>\n")


def _memos(out: TextIO, store: Store, data: ReportData) -> None:
    out.write('<section id="memos"><h2>Document memos</h2>\n')
    written = 0
    for title, memo in document_memos(store, data.base):
        out.write(f'<h3>{esc(title)}</h3>\n<div class="memo">{esc(memo)}</div>\n')
        written += 1
    if not written:
        out.write("<p>No document memos.</p>\n")
    out.write("</section>\n")


def write_html_report(store: Store, data: ReportData, path: Path) -> None:
    """Write the whole report to ``path``, section by section."""
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write(html_head(f"Report: {data.title}", REPORT_CSS))
        _header(out, data)
        _codebook(out, data)
        out.write('<section id="frequencies"><h2>Frequencies</h2>\n')
        _figure(
            out,
            bar_chart_svg(data.frequencies, title="Passages per tag"),
            "Passages per tag",
            "Passages per tag, a theme with its sub-themes; its own count in brackets where they differ.",
        )
        out.write("</section>\n")
        _matrix_section(
            out,
            "cooccurrence",
            "Co-occurrence",
            data.cooccurrence,
            COOCCURRENCE_CAPTION,
            "No tags to compare.",
        )
        _matrix_section(
            out,
            "speakers",
            "Themes by speaker",
            data.by_speaker,
            BY_SPEAKER_CAPTION,
            "No speakers in this project.",
        )
        _passages(out, store, data)
        _memos(out, store, data)
        out.write("</body>\n</html>\n")


__all__ = ["REPORT_CSS", "inline_svg", "write_html_report"]

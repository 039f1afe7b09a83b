"""Charts as SVG text: a bar chart of tag frequencies and a heat map of any matrix.

One renderer for every face: the window shows these strings with QtSvg
(``QSvgRenderer``, which implements SVG Tiny 1.2), the HTML report embeds
them inline, and a researcher may save them as ``.svg`` files. So the SVG is
deliberately plain: a ``viewBox`` in user units, and only ``g``, ``rect``,
``text`` and ``line`` with presentation attributes; no CSS classes, no
filters, no gradients, no ``foreignObject``, one generic font
(``sans-serif``). Everything is positioned from the data alone, so
``heatmap_cell_at`` can map a click (in viewBox units) back to a cell
without reading the SVG.

Untrusted text (tag names, document titles, annotator names, the title)
is escaped, and characters XML cannot hold (control characters, lone
surrogates) are shown as U+FFFD, so every chart parses as XML whatever the
project holds. Tag colours are used only when they are ``#rrggbb``.

Both palettes are readable: text on a coloured cell is black or white,
whichever contrasts more with that cell (WCAG's contrast ratio), and a bar
whose colour is close to the background gets an outline.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from annotator.analysis.matrices import Matrix, Measure, TagFrequency

FONT = "sans-serif"
FONT_SIZE = 12
#: Reserved above every chart, whether it has a title or not, so the layout never depends on it.
TITLE_BAND = 28.0
MARGIN = 12.0
#: Average advance of a character at FONT_SIZE, for sizing label columns (generic fonts vary).
CHAR_WIDTH = 7.0
#: Longest label shown whole; longer ones end in an ellipsis.
MAX_LABEL = 32
#: Colour of a tag whose stored colour is not ``#rrggbb``.
FALLBACK_COLOR = "#888888"


@dataclass(frozen=True, slots=True)
class Palette:
    """The colours of one appearance."""

    background: str
    text: str
    muted: str
    grid: str
    #: Heat map shading runs from ``low`` (zero) to ``high`` (the largest value).
    low: str
    high: str


LIGHT = Palette("#ffffff", "#1f2328", "#57606a", "#d0d7de", "#f3f6f9", "#1d4f91")
DARK = Palette("#1e1f22", "#e8eaed", "#a9adb3", "#4a4d52", "#2a2d32", "#8cc4ff")
BLACK, WHITE = "#000000", "#ffffff"

_HEX = re.compile(r"#[0-9a-fA-F]{6}")
#: Characters XML 1.0 cannot hold; they are shown as U+FFFD.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_VIEWBOX = re.compile(r'viewBox="\s*([-\d.]+)[\s,]+([-\d.]+)[\s,]+([-\d.]+)[\s,]+([-\d.]+)\s*"')


# -- colour ------------------------------------------------------------------


def tag_color(color: str | None) -> str:
    """``color`` lower-cased if it is ``#rrggbb``, else the fallback grey (never raw text in an attribute)."""
    return color.lower() if color is not None and _HEX.fullmatch(color) else FALLBACK_COLOR


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def luminance(color: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours, 1 to 21."""
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def text_color_on(fill: str) -> str:
    """Black or white, whichever reads better on ``fill``."""
    return BLACK if contrast(BLACK, fill) >= contrast(WHITE, fill) else WHITE


def mix(low: str, high: str, t: float) -> str:
    """The colour ``t`` (0..1) of the way from ``low`` to ``high``."""
    t = min(1.0, max(0.0, t))
    a, b = _rgb(low), _rgb(high)
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


# -- text and numbers --------------------------------------------------------


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def esc(text: str) -> str:
    """``text`` safe as XML character data and as a quoted attribute value."""
    return escape(_clean(text), quote=True)


def shorten(text: str, limit: int = MAX_LABEL) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _n(value: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_value(value: float, measure: Measure) -> str:
    """A cell's value as shown: two decimals for Jaccard, whole numbers otherwise (one decimal if fractional)."""
    if measure is Measure.JACCARD:
        return f"{value:.2f}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _text(
    x: float,
    y: float,
    content: str,
    fill: str,
    *,
    size: int = FONT_SIZE,
    anchor: str = "start",
    bold: bool = False,
    extra: str = "",
) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-family="{FONT}" font-size="{size}" fill="{fill}" '
        f'text-anchor="{anchor}"{weight}{extra}>{esc(content)}</text>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, extra: str = "") -> str:
    return f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{fill}"{extra}/>'


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str) -> str:
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}" stroke-width="1"/>'
    )


def _svg(width: float, height: float, palette: Palette, title: str, body: list[str]) -> str:
    """The document: the viewBox, a background rect, the title, then ``body``."""
    w, h = _n(width), _n(height)
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.2" baseProfile="tiny" '
        f'width="{w}" height="{h}" viewBox="0 0 {w} {h}">',
        _rect(0, 0, width, height, palette.background, ' id="background"'),
    ]
    if title:
        head.append(_text(MARGIN, MARGIN + 14, shorten(title, 90), palette.text, size=14, bold=True))
    return "\n".join([*head, *body, "</svg>"]) + "\n"


def chart_size(svg: str) -> tuple[float, float]:
    """The width and height of a chart's viewBox (its user units)."""
    found = _VIEWBOX.search(svg)
    if found is None:
        raise ValueError("not a chart: the SVG has no viewBox")
    return float(found.group(3)), float(found.group(4))


def _ticks(top: float, count: int = 5) -> list[float]:
    """Round axis ticks from 0 to at least ``top``."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 2.5, 5, 10) if power >= 10 or power < 1 else (1, 2, 5, 10)  # no 2.5 between whole ticks
    step = next(m * power for m in steps if m * power >= raw)
    n = math.ceil(top / step - 1e-9)
    return [i * step for i in range(n + 1)]


# -- bar chart ---------------------------------------------------------------

BAR_ROW = 22.0
BAR_HEIGHT = 14.0
BAR_AREA = 360.0
INDENT = 12.0


def bar_chart_svg(frequencies: Sequence[TagFrequency], *, dark: bool = False, title: str = "") -> str:
    """One horizontal bar per tag (palette order), in its colour, as long as its passages with sub-themes.

    The value at the end of a bar is ``total_passages``; when a theme's sub-themes
    add to it, its own count follows in brackets ("7 (3 itself)"). Themes are
    indented by depth under their parents.
    """
    palette = DARK if dark else LIGHT
    rows = list(frequencies)
    values = [_bar_value(f) for f in rows]
    x0, y0, width, height = _bar_geometry(rows, values)
    ticks = _ticks(max([f.total_passages for f in rows] + [0]))
    scale = BAR_AREA / ticks[-1]
    plot_h = max(1, len(rows)) * BAR_ROW
    body: list[str] = ['<g id="grid">']
    for tick in ticks:
        x = x0 + tick * scale
        body.append(_line(x, y0, x, y0 + plot_h, palette.grid))
        body.append(
            _text(
                x,
                y0 + plot_h + 16,
                format_value(tick, Measure.COUNT),
                palette.muted,
                size=10,
                anchor="middle",
            )
        )
    body.append("</g>")
    body.append(_line(x0, y0, x0, y0 + plot_h, palette.muted))
    if not rows:
        body.append(_text(x0 + 8, y0 + BAR_ROW / 2 + 4, "No tags", palette.muted))
    body.append('<g id="bars">')
    for i, (freq, value) in enumerate(zip(rows, values, strict=True)):
        body.append(_bar(i, freq, value, x0, y0, scale, palette))
    body.append("</g>")
    caption = "passages (a theme counts its sub-themes' too)"
    body.append(_text(x0 + BAR_AREA / 2, y0 + plot_h + 36, caption, palette.muted, size=11, anchor="middle"))
    return _svg(width, height, palette, title, body)


def _bar_geometry(rows: Sequence[TagFrequency], values: Sequence[str]) -> tuple[float, float, float, float]:
    """(x of the axis, y of the first row, width, height) of a bar chart: a pure function of its rows."""
    label_w = max([len(shorten(f.tag.name)) * CHAR_WIDTH + f.depth * INDENT for f in rows] + [60.0]) + 10
    value_w = max([len(v) * CHAR_WIDTH for v in values] + [40.0]) + 10
    x0 = MARGIN + label_w
    y0 = MARGIN + TITLE_BAND
    return x0, y0, x0 + BAR_AREA + value_w + MARGIN, y0 + max(1, len(rows)) * BAR_ROW + 44 + MARGIN


def bar_at(frequencies: Sequence[TagFrequency], x: float, y: float) -> int | None:
    """Index of the tag whose row (label, bar or value) holds a point in the bar chart's viewBox units."""
    rows = list(frequencies)
    _, y0, width, _ = _bar_geometry(rows, [_bar_value(f) for f in rows])
    if not (math.isfinite(x) and math.isfinite(y)) or not (MARGIN <= x < width - MARGIN):
        return None
    if not y0 <= y < y0 + len(rows) * BAR_ROW:
        return None
    return min(len(rows) - 1, math.floor((y - y0) / BAR_ROW))


def _bar_value(freq: TagFrequency) -> str:
    total = format_value(freq.total_passages, Measure.COUNT)
    if freq.total_passages == freq.passages:
        return total
    return f"{total} ({format_value(freq.passages, Measure.COUNT)} itself)"


def _bar(i: int, freq: TagFrequency, value: str, x0: float, y0: float, scale: float, palette: Palette) -> str:
    """One row of the bar chart: label, bar, value."""
    y = y0 + i * BAR_ROW
    middle = y + BAR_ROW / 2
    color = tag_color(freq.tag.color)
    length = freq.total_passages * scale
    outline = _outline(color, palette)
    parts = [
        f'<g id="bar-{i}">',
        _text(MARGIN + freq.depth * INDENT, middle + 4, shorten(freq.tag.name), palette.text),
        _rect(x0, middle - BAR_HEIGHT / 2, length, BAR_HEIGHT, color, outline),
        _text(x0 + length + 6, middle + 4, value, palette.text, size=11),
        "</g>",
    ]
    return "".join(parts)


# -- heat map ----------------------------------------------------------------

CELL_HEIGHT = 28.0
MIN_CELL_WIDTH = 44.0
SWATCH = 10.0
LEGEND_STEPS = 5
#: Column labels are drawn at -45 degrees; this is the vertical room per character they take.
_DIAGONAL = CHAR_WIDTH * 0.71


@dataclass(frozen=True, slots=True)
class HeatmapLayout:
    """Where a heat map's grid lies, in viewBox units (a pure function of the matrix)."""

    x0: float
    y0: float
    cell_width: float
    cell_height: float
    rows: int
    cols: int
    width: float
    height: float

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """(row, col) of the cell holding the point, or ``None`` outside the grid."""
        if not (math.isfinite(x) and math.isfinite(y)):
            return None
        right, bottom = self.x0 + self.cols * self.cell_width, self.y0 + self.rows * self.cell_height
        if not (self.x0 <= x < right and self.y0 <= y < bottom):
            return None
        col = min(self.cols - 1, math.floor((x - self.x0) / self.cell_width))
        row = min(self.rows - 1, math.floor((y - self.y0) / self.cell_height))
        return row, col

    def cell_origin(self, row: int, col: int) -> tuple[float, float]:
        """Top-left corner of a cell."""
        return self.x0 + col * self.cell_width, self.y0 + row * self.cell_height


def heatmap_layout(matrix: Matrix) -> HeatmapLayout:
    """The heat map's geometry: label columns sized by the longest names, cells by the widest value."""
    rows, cols = len(matrix.row_labels), len(matrix.col_labels)
    row_label_w = max([len(shorten(label.name)) * CHAR_WIDTH for label in matrix.row_labels] + [40.0])
    row_label_w += SWATCH + 14
    col_label_chars = max([len(shorten(label.name)) for label in matrix.col_labels] + [4])
    col_band = col_label_chars * _DIAGONAL + SWATCH + 16
    widest = max([len(format_value(v, matrix.measure)) for line in matrix.values for v in line] + [1])
    cell_w = max(MIN_CELL_WIDTH, widest * CHAR_WIDTH + 12)
    x0 = MARGIN + row_label_w
    y0 = MARGIN + TITLE_BAND + col_band
    width = x0 + max(1, cols) * cell_w + col_band + MARGIN  # the last column's label leans right
    legend_w = MARGIN + max(LEGEND_STEPS * 56, len(_measure_caption(matrix.measure)) * 6.5 + 40) + MARGIN
    height = y0 + max(1, rows) * CELL_HEIGHT + 68 + MARGIN
    # rounded as the SVG writes them, so the drawn cells and ``cell_at`` agree to the last digit
    return HeatmapLayout(
        round(x0, 2),
        round(y0, 2),
        round(cell_w, 2),
        CELL_HEIGHT,
        rows,
        cols,
        round(max(width, legend_w), 2),
        round(height, 2),
    )


def heatmap_cell_at(matrix: Matrix, x: float, y: float) -> tuple[int, int] | None:
    """(row, col) under a point given in the heat map's viewBox units, or ``None`` off the grid."""
    return heatmap_layout(matrix).cell_at(x, y)


def _measure_caption(measure: Measure) -> str:
    return {
        Measure.COUNT: "passages",
        Measure.DOCUMENTS: "documents",
        Measure.CHARACTERS: "coded characters",
        Measure.PRESENCE: "present (1) or not (0)",
        Measure.JACCARD: "Jaccard index of the coded regions",
    }[measure]


def heatmap_svg(matrix: Matrix, *, dark: bool = False, title: str = "") -> str:
    """Rows by columns of shaded cells, each with its value; tag labels carry their colour; a legend below.

    A cell is shaded from the palette's ``low`` colour at zero to ``high`` at
    the matrix's largest value; its number is black or white by contrast.
    """
    palette = DARK if dark else LIGHT
    layout = heatmap_layout(matrix)
    top = max([v for line in matrix.values for v in line] + [0.0])
    body = ['<g id="row-labels">']
    for r, label in enumerate(matrix.row_labels):
        middle = layout.y0 + r * layout.cell_height + layout.cell_height / 2
        if label.color is not None:
            body.append(_swatch(MARGIN, middle - SWATCH / 2, label.color, palette))
        body.append(_text(MARGIN + SWATCH + 6, middle + 4, shorten(label.name), palette.text))
    body.append('</g><g id="col-labels">')
    for c, label in enumerate(matrix.col_labels):
        cx = layout.x0 + c * layout.cell_width + layout.cell_width / 2
        base_y = layout.y0 - 6
        if label.color is not None:
            body.append(_swatch(cx - SWATCH / 2, base_y - SWATCH, label.color, palette))
        ty = base_y - SWATCH - 6
        rotate = f' transform="rotate(-45 {_n(cx)} {_n(ty)})"'
        body.append(_text(cx, ty, shorten(label.name), palette.text, extra=rotate))
    body.append('</g><g id="cells">')
    for r, line in enumerate(matrix.values):
        for c, value in enumerate(line):
            body.append(_cell(layout, r, c, value, top, matrix.measure, palette))
    body.append("</g>")
    if layout.rows == 0 or layout.cols == 0:
        body.append(_text(layout.x0 + 4, layout.y0 + 18, "Nothing to show", palette.muted))
    body.extend(_legend(layout, top, matrix, palette))
    return _svg(layout.width, layout.height, palette, title, body)


def _outline(color: str, palette: Palette) -> str:
    """A thin outline for a tag colour too close to the background to stand out on its own."""
    if contrast(color, palette.background) < 1.6:
        return f' stroke="{palette.muted}" stroke-width="1"'
    return ""


def _swatch(x: float, y: float, color: str, palette: Palette) -> str:
    fill = tag_color(color)
    return _rect(x, y, SWATCH, SWATCH, fill, _outline(fill, palette))


def cell_fill(value: float, top: float, palette: Palette) -> str:
    """The shade of a cell holding ``value`` when the largest value is ``top``."""
    return mix(palette.low, palette.high, value / top if top > 0 else 0.0)


def _cell(
    layout: HeatmapLayout, r: int, c: int, value: float, top: float, measure: Measure, palette: Palette
) -> str:
    x, y = layout.cell_origin(r, c)
    fill = cell_fill(value, top, palette)
    return (
        f'<g id="cell-{r}-{c}">'
        + _rect(
            x,
            y,
            layout.cell_width,
            layout.cell_height,
            fill,
            f' stroke="{palette.background}" stroke-width="1"',
        )
        + _text(
            x + layout.cell_width / 2,
            y + layout.cell_height / 2 + 4,
            format_value(value, measure),
            text_color_on(fill),
            size=11,
            anchor="middle",
        )
        + "</g>"
    )


def _legend(layout: HeatmapLayout, top: float, matrix: Matrix, palette: Palette) -> list[str]:
    """Five shaded steps from zero to the largest value, each with its value, and what the cells count."""
    y = layout.y0 + max(1, layout.rows) * layout.cell_height + 18
    parts = ['<g id="legend">']
    for i in range(LEGEND_STEPS):
        value = top * i / (LEGEND_STEPS - 1)
        x = MARGIN + i * 56
        fill = cell_fill(value, top, palette)
        parts.append(_rect(x, y, 52, 14, fill, f' stroke="{palette.grid}" stroke-width="1"'))
        shown = (
            format_value(value, matrix.measure)
            if matrix.measure is Measure.JACCARD
            else _legend_number(value)
        )
        parts.append(_text(x + 26, y + 28, shown, palette.muted, size=10, anchor="middle"))
    caption = f"cells: {_measure_caption(matrix.measure)}"
    parts.append(_text(MARGIN, y + 48, caption, palette.muted, size=11))
    parts.append("</g>")
    return parts


def _legend_number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or float(value).is_integer() else f"{value:.1f}"


__all__ = [
    "DARK",
    "bar_at",
    "LIGHT",
    "HeatmapLayout",
    "bar_chart_svg",
    "chart_size",
    "contrast",
    "heatmap_cell_at",
    "heatmap_layout",
    "heatmap_svg",
    "text_color_on",
]

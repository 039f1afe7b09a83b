"""Charts as SVG: plain shapes QtSvg draws, hand-computed bar lengths and cell shades, clicks mapped back to cells.

The frequencies and the matrix are built by hand (no store), so every
number below is worked out from the chart's constants: a bar chart's axis
runs to the first round tick at or above the largest value, and a cell's
shade is the linear mix from the palette's ``low`` colour (zero) to its
``high`` colour (the largest value).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from annotator.analysis import charts
from annotator.analysis.charts import (
    DARK,
    LIGHT,
    bar_chart_svg,
    chart_size,
    contrast,
    heatmap_cell_at,
    heatmap_layout,
    heatmap_svg,
    luminance,
    text_color_on,
)
from annotator.analysis.matrices import Axis, Label, Matrix, Measure, TagFrequency
from annotator.analysis.query import PassageQuery
from annotator.model import Tag, TagId, TagKind

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def _tag(key: str, name: str, color: str, kind: TagKind = TagKind.THEME, parent: str | None = None) -> Tag:
    return Tag(id=TagId(key), kind=kind, name=name, color=color, parent_id=TagId(parent) if parent else None)


def _frequencies() -> list[TagFrequency]:
    return [
        TagFrequency(_tag("fam", "Family <b>", "#e6194b"), 0, 3, 2, 40, 7, 3, 90),
        TagFrequency(_tag("sib", "Siblings", "#3CB44B", parent="fam"), 1, 4, 2, 50, 4, 2, 50),
        TagFrequency(_tag("work", "Work", "#000080"), 0, 12, 3, 300, 12, 3, 300),
        TagFrequency(_tag("int", "Interviewer", "#ffe119", TagKind.SPEAKER), 0, 0, 0, 0, 0, 0, 0),
    ]


def _matrix(values=((3, 1, 0), (1, 4, 2), (0, 2, 12)), measure=Measure.COUNT) -> Matrix:
    labels = (
        Label("fam", "Family", "#e6194b"),
        Label("sib", "Siblings", "#3cb44b"),
        Label("work", HOSTILE, "#000080"),
    )
    values = tuple(tuple(float(v) for v in line) for line in values)
    return Matrix(Axis.TAGS, Axis.TAGS, measure, labels, labels, values, PassageQuery())


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def _by_id(root: ET.Element, key: str) -> ET.Element:
    found = root.find(f".//*[@id='{key}']")
    assert found is not None, key
    return found


def _local(element: ET.Element) -> str:
    return element.tag.removeprefix(SVG)


def _assert_plain_svg(root: ET.Element) -> None:
    """Only what SVG Tiny 1.2 / QtSvg draw: rect, text, line, g; no classes, styles, scripts or links."""
    assert {_local(e) for e in root.iter()} <= {"svg", "rect", "text", "line", "g"}
    for element in root.iter():
        assert not {"class", "style", "href", "{http://www.w3.org/1999/xlink}href"} & set(element.attrib)
        assert not any(name.startswith("on") for name in element.attrib)
        font = element.get("font-family")
        assert font in (None, "sans-serif")


# -- bar chart ----------------------------------------------------------------------


def test_bar_chart_bars_have_hand_computed_lengths_colours_and_values():
    svg = bar_chart_svg(_frequencies(), title="Passages per tag")
    root = _parse(svg)
    _assert_plain_svg(root)
    # Largest total 12: ticks of 5 (raw step 12/5 = 2.4 -> 5), axis to 15, 360 units -> 24 per passage.
    expected = [("#e6194b", 7 * 24, "7 (3 itself)"), ("#3cb44b", 4 * 24, "4"), ("#000080", 12 * 24, "12")]
    expected.append(("#ffe119", 0, "0"))
    for i, (color, width, value) in enumerate(expected):
        bar = _by_id(root, f"bar-{i}")
        rect = bar.find(f"{SVG}rect")
        assert rect.get("fill") == color
        assert float(rect.get("width")) == pytest.approx(width)
        texts = [t.text for t in bar.iter(f"{SVG}text")]
        assert texts[1] == value
    assert [t.text for t in _by_id(root, "bar-0").iter(f"{SVG}text")][0] == "Family <b>"
    assert "Family &lt;b&gt;" in svg
    ticks = [t.text for t in _by_id(root, "grid").iter(f"{SVG}text")]
    assert ticks == ["0", "5", "10", "15"]
    # the sub-theme is indented one step (12 units) under its parent
    label_x = [float(_by_id(root, f"bar-{i}").find(f"{SVG}text").get("x")) for i in range(2)]
    assert label_x[1] - label_x[0] == pytest.approx(12)
    assert any(t.text == "Passages per tag" for t in root.iter(f"{SVG}text"))


def test_bar_chart_text_is_dark_on_light_and_light_on_dark():
    light = _parse(bar_chart_svg(_frequencies()))
    dark = _parse(bar_chart_svg(_frequencies(), dark=True))
    assert _by_id(light, "background").get("fill") == LIGHT.background
    assert _by_id(dark, "background").get("fill") == DARK.background
    light_label = _by_id(light, "bar-0").find(f"{SVG}text").get("fill")
    dark_label = _by_id(dark, "bar-0").find(f"{SVG}text").get("fill")
    assert luminance(light_label) < 0.1 and luminance(dark_label) > 0.7
    assert contrast(dark_label, DARK.background) >= 7  # WCAG AAA for text
    # navy (#000080) vanishes on the dark background: that bar alone gets an outline there
    assert _by_id(dark, "bar-2").find(f"{SVG}rect").get("stroke") == DARK.muted
    assert _by_id(light, "bar-2").find(f"{SVG}rect").get("stroke") is None


def test_bar_chart_of_nothing_and_a_bad_colour():
    root = _parse(bar_chart_svg([]))
    assert any(t.text == "No tags" for t in root.iter(f"{SVG}text"))
    bad = TagFrequency(_tag("x", "x", 'red" onload="alert(1)'), 0, 2, 1, 5, 2, 1, 5)
    root = _parse(bar_chart_svg([bad]))
    assert _by_id(root, "bar-0").find(f"{SVG}rect").get("fill") == charts.FALLBACK_COLOR
    assert all(not name.startswith("on") for e in root.iter() for name in e.attrib)


# -- heat map ---------------------------------------------------------------------------


def test_heatmap_cells_are_shaded_by_value_with_readable_numbers():
    m = _matrix()
    svg = heatmap_svg(m, title="Co-occurrence")
    root = _parse(svg)
    _assert_plain_svg(root)
    # low #f3f6f9 -> high #1d4f91; 3 of 12 is a quarter of the way:
    # red 243 + (29 - 243) / 4 = 189.5 -> 190 (be), green 246 - 167 / 4 = 204.25 (cc), blue 249 - 104 / 4 = 223 (df)
    expected = {(0, 0): ("#beccdf", "3"), (2, 2): ("#1d4f91", "12"), (0, 2): ("#f3f6f9", "0")}
    for (r, c), (fill, number) in expected.items():
        cell = _by_id(root, f"cell-{r}-{c}")
        assert cell.find(f"{SVG}rect").get("fill") == fill
        text = cell.find(f"{SVG}text")
        assert text.text == number
    assert _by_id(root, "cell-2-2").find(f"{SVG}text").get("fill") == "#ffffff"  # white on dark blue
    assert _by_id(root, "cell-0-2").find(f"{SVG}text").get("fill") == "#000000"  # black on near white
    cells = list(_by_id(root, "cells"))
    assert len(cells) == 9
    # labels: the hostile name is text, the tag colours are swatches
    labels = [t.text for t in _by_id(root, "row-labels").iter(f"{SVG}text")]
    assert labels[:2] == ["Family", "Siblings"] and labels[2].startswith("<script>alert(1)")
    swatches = [r.get("fill") for r in _by_id(root, "row-labels").iter(f"{SVG}rect")]
    assert swatches == ["#e6194b", "#3cb44b", "#000080"]
    assert "<script" not in svg and "<img" not in svg
    legend = [t.text for t in _by_id(root, "legend").iter(f"{SVG}text")]
    assert legend == ["0", "3", "6", "9", "12", "cells: passages"]


def test_dark_heat_map_uses_light_text_and_keeps_numbers_readable():
    root = _parse(heatmap_svg(_matrix(), dark=True))
    assert _by_id(root, "background").get("fill") == DARK.background
    label = _by_id(root, "row-labels").find(f"{SVG}text").get("fill")
    assert luminance(label) > 0.7
    for cell in _by_id(root, "cells"):
        fill = cell.find(f"{SVG}rect").get("fill")
        assert contrast(cell.find(f"{SVG}text").get("fill"), fill) >= 4.5  # WCAG AA
    assert _by_id(root, "cell-0-2").find(f"{SVG}rect").get("fill") == DARK.low
    assert _by_id(root, "cell-2-2").find(f"{SVG}rect").get("fill") == DARK.high


def test_jaccard_values_show_two_decimals():
    m = _matrix(((1, 0.5, 0), (0.5, 1, 0.25), (0, 0.25, 1)), Measure.JACCARD)
    root = _parse(heatmap_svg(m))
    assert _by_id(root, "cell-1-2").find(f"{SVG}text").text == "0.25"
    assert _by_id(root, "cell-0-0").find(f"{SVG}text").text == "1.00"


def test_heatmap_cell_at_maps_every_cell_centre_back_and_outside_to_none():
    m = _matrix()
    root = _parse(heatmap_svg(m))
    for r in range(3):
        for c in range(3):
            rect = _by_id(root, f"cell-{r}-{c}").find(f"{SVG}rect")
            x, y = float(rect.get("x")), float(rect.get("y"))
            w, h = float(rect.get("width")), float(rect.get("height"))
            assert heatmap_cell_at(m, x + w / 2, y + h / 2) == (r, c)
            assert heatmap_cell_at(m, x + 0.01, y + 0.01) == (r, c)
    layout = heatmap_layout(m)
    right, bottom = layout.x0 + 3 * layout.cell_width, layout.y0 + 3 * layout.cell_height
    for x, y in [
        (0, 0),
        (layout.x0 - 0.01, layout.y0 + 1),
        (layout.x0 + 1, layout.y0 - 0.01),
        (right, layout.y0 + 1),
        (layout.x0 + 1, bottom),
        (math.nan, 10),
        (math.inf, layout.y0 + 1),
    ]:
        assert heatmap_cell_at(m, x, y) is None


def test_the_title_never_moves_the_cells():
    m = _matrix()
    plain = _by_id(_parse(heatmap_svg(m)), "cell-1-1").find(f"{SVG}rect").attrib
    titled = _by_id(_parse(heatmap_svg(m, title="A long title " * 5)), "cell-1-1").find(f"{SVG}rect").attrib
    assert plain == titled


def test_chart_size_is_the_viewbox():
    svg = heatmap_svg(_matrix())
    root = _parse(svg)
    width, height = chart_size(svg)
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert (width, height) == (float(root.get("width")), float(root.get("height")))
    layout = heatmap_layout(_matrix())
    assert (width, height) == pytest.approx((layout.width, layout.height))
    with pytest.raises(ValueError):
        chart_size("<svg/>")


def test_untrusted_text_cannot_break_the_xml():
    odd = "ctrl\x01 and lone \ud800 & <tag> 'q' \"dq\""
    labels = (Label("a", odd, "#123456"),)
    m = Matrix(Axis.TAGS, Axis.DOCUMENTS, Measure.COUNT, labels, labels, ((1.0,),), PassageQuery())
    root = _parse(heatmap_svg(m, title=odd))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "ctrl\ufffd and lone \ufffd & <tag> 'q' \"dq\"" in texts


def test_text_colour_by_contrast():
    assert text_color_on("#ffe119") == "#000000"  # yellow
    assert text_color_on("#000080") == "#ffffff"  # navy
    assert contrast("#000000", "#ffffff") == pytest.approx(21)


def test_qtsvg_draws_the_cells_where_heatmap_cell_at_finds_them(qapp):
    from PySide6.QtCore import QByteArray, QRectF
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    m = _matrix()
    svg = heatmap_svg(m)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    assert renderer.isValid()
    width, height = chart_size(svg)
    assert renderer.viewBoxF() == QRectF(0, 0, width, height)
    image = QImage(math.ceil(width), math.ceil(height), QImage.Format.Format_RGB32)
    image.fill(QColor("#ff00ff"))
    painter = QPainter(image)
    renderer.render(painter, QRectF(0, 0, width, height))
    painter.end()
    layout = heatmap_layout(m)
    for (r, c), fill in {(0, 0): "#beccdf", (2, 2): "#1d4f91", (1, 2): None}.items():
        x, y = layout.cell_origin(r, c)
        px, py = x + 4, y + 4  # inside the cell, clear of its number
        assert heatmap_cell_at(m, px, py) == (r, c)
        if fill is not None:
            assert image.pixelColor(int(px), int(py)).name() == fill


def test_bar_at_maps_each_row_back_to_its_tag():
    frequencies = _frequencies()
    root = _parse(bar_chart_svg(frequencies, title="t"))
    width, _ = chart_size(bar_chart_svg(frequencies))
    for i in range(len(frequencies)):
        rect = _by_id(root, f"bar-{i}").find(f"{SVG}rect")
        middle = float(rect.get("y")) + float(rect.get("height")) / 2
        assert charts.bar_at(frequencies, float(rect.get("x")) + 1, middle) == i  # on the bar
        assert charts.bar_at(frequencies, 20, middle) == i  # on its label
    first = (
        float(_by_id(root, "bar-0").find(f"{SVG}rect").get("y")) - (charts.BAR_ROW - charts.BAR_HEIGHT) / 2
    )
    assert charts.bar_at(frequencies, 20, first - 0.01) is None
    assert charts.bar_at(frequencies, 20, first + 4 * charts.BAR_ROW) is None  # below the last row
    assert charts.bar_at(frequencies, width, first + 1) is None
    assert charts.bar_at([], 20, first + 1) is None

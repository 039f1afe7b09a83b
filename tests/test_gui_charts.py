"""The Charts view: a heat-map cell clicked lists its passages; charts saved as PNG and SVG; dark palettes.

Uses the hand-coded project of ``test_gui_retrieval`` (two documents, emoji
before the coded words, a theme with a sub-theme, two speakers' turns).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from annotator.analysis.charts import chart_size, heatmap_layout
from annotator.analysis.matrices import Axis, Matrix
from annotator.gui.app import dark_palette
from annotator.gui.panels.charts import PNG_SCALE
from tests.test_gui_retrieval import FIRST, SECOND, listed, span, tag_id
from tests.test_gui_retrieval import coded_project as coded_project  # the fixture

pytestmark = pytest.mark.gui


def computed(qtbot, charts) -> None:
    """Wait for the chart being counted to be drawn."""
    if charts.job is not None:
        with qtbot.waitSignal(charts.job.ended, timeout=20000, raising=False):
            pass
    qtbot.waitUntil(lambda: bool(charts.chart.svg), timeout=20000)


def cell_point(chart, matrix: Matrix, row: int, col: int):
    """The widget point at the middle of a heat-map cell, from the cell's rectangle in the SVG."""
    layout = heatmap_layout(matrix)
    x, y = layout.cell_origin(row, col)
    return chart.from_svg(x + layout.cell_width / 2, y + layout.cell_height / 2).toPoint()


def test_clicking_a_heat_map_cell_lists_exactly_its_passages(make_window, coded_project, qtbot):
    window = make_window(coded_project)
    window.analysis.show_heatmap(Axis.TAGS, Axis.SPEAKERS)
    charts = window.analysis.charts
    computed(qtbot, charts)
    matrix = charts.matrix
    assert matrix is not None and (matrix.rows, matrix.cols) == (Axis.TAGS, Axis.SPEAKERS)
    row = [label.key for label in matrix.row_labels].index(tag_id(window, "Economy"))
    col = [label.key for label in matrix.col_labels].index(tag_id(window, "Ben"))
    assert matrix.values[row][col] == 2  # "Trade matters" and "more", both in Ben's turn
    point = cell_point(charts.chart, matrix, row, col)
    assert charts.chart.cell_at(point.toPointF()) == (row, col)
    charts.area.ensureVisible(point.x(), point.y())
    qtbot.mouseClick(charts.chart, Qt.MouseButton.LeftButton, pos=point)
    panel = window.analysis.passages
    assert window.pages.currentWidget() is panel
    assert listed(panel) == [("second", *span(SECOND, "Trade matters")), ("second", *span(SECOND, "more"))]
    assert panel.query() == matrix.cell_query(row, col)


def test_a_click_outside_the_grid_opens_nothing(make_window, coded_project, qtbot):
    window = make_window(coded_project)
    window.analysis.show_heatmap(Axis.TAGS, Axis.DOCUMENTS)
    charts = window.analysis.charts
    computed(qtbot, charts)
    qtbot.mouseClick(charts.chart, Qt.MouseButton.LeftButton, pos=charts.chart.from_svg(2, 2).toPoint())
    assert window.pages.currentWidget() is charts


def test_the_bar_chart_is_saved_as_png_and_svg(make_window, coded_project, qtbot, tmp_path):
    window = make_window(coded_project)
    window.analysis.show_charts()
    charts = window.analysis.charts
    computed(qtbot, charts)
    assert charts.frequencies is not None and charts.matrix is None
    out = tmp_path / "out"
    out.mkdir()
    png, svg = out / "bars.png", out / "bars.svg"
    charts.save(png)
    charts.save(svg)
    width, height = chart_size(svg.read_text(encoding="utf-8"))
    image = QImage(str(png))
    assert not image.isNull()
    assert (image.width(), image.height()) == (math.ceil(width * PNG_SCALE), math.ceil(height * PNG_SCALE))
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    names = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"Security", "Borders", "Economy"} <= names
    assert sorted(p.name for p in out.iterdir()) == ["bars.png", "bars.svg"]  # no temporary left


def test_the_heat_map_is_saved_too(make_window, coded_project, qtbot, tmp_path):
    window = make_window(coded_project)
    window.analysis.show_heatmap(Axis.TAGS, Axis.TAGS)
    charts = window.analysis.charts
    computed(qtbot, charts)
    charts.save(tmp_path / "map.png")
    width, height = chart_size(charts.svg(dark=False))
    assert QImage(str(tmp_path / "map.png")).size().width() == math.ceil(width * PNG_SCALE)
    charts.save(tmp_path / "map.svg")
    view_box = ET.parse(tmp_path / "map.svg").getroot().get("viewBox")
    assert [float(v) for v in view_box.split()] == [0, 0, width, height]


def text_fills(svg: str) -> set[str]:
    root = ET.fromstring(svg)
    return {t.get("fill") for t in root.iter("{http://www.w3.org/2000/svg}text")}


def test_the_chart_follows_a_dark_palette(make_window, coded_project, qtbot):
    window = make_window(coded_project)
    window.analysis.show_charts()
    charts = window.analysis.charts
    computed(qtbot, charts)
    app = QApplication.instance()
    light_svg = charts.chart.svg
    light = charts.chart.grab().toImage()
    original = app.palette()
    try:
        app.setPalette(dark_palette())
        qtbot.waitUntil(lambda: charts.chart.svg != light_svg)
        dark = charts.chart.grab().toImage()
    finally:
        app.setPalette(original)
    assert text_fills(light_svg) != text_fills(charts.svg(dark=True))
    qtbot.waitUntil(lambda: text_fills(charts.chart.svg) == text_fills(light_svg))  # light again
    corner = charts.chart.chart_rect().topLeft().toPoint() + charts.chart.rect().topLeft()
    background_light = QColor(light.pixel(corner.x() + 2, corner.y() + 2)).lightness()
    background_dark = QColor(dark.pixel(corner.x() + 2, corner.y() + 2)).lightness()
    assert background_light > 200 > 80 > background_dark
    # The label text is drawn in a light colour on the dark chart: some pixels are much lighter than its ground.
    assert (
        max(
            QColor(dark.pixel(x, y)).lightness()
            for x in range(dark.width())
            for y in range(0, dark.height(), 3)
        )
        > 180
    )


def test_an_unsupported_matrix_says_why_in_one_line(make_window, coded_project, qtbot):
    window = make_window(coded_project)
    window.analysis.show_heatmap(Axis.DOCUMENTS, Axis.DOCUMENTS)
    charts = window.analysis.charts
    qtbot.waitUntil(lambda: "choose two different axes" in charts.status.text(), timeout=20000)
    assert "\n" not in charts.status.text() and "Error" not in charts.status.text()
    assert charts.matrix is None and not charts.chart.svg
    assert not charts.save_png.isEnabled() and not charts.save_svg.isEnabled()


def test_clicking_a_bar_lists_that_tags_passages_with_its_sub_themes(make_window, coded_project, qtbot):
    window = make_window(coded_project)
    window.analysis.show_charts()
    charts = window.analysis.charts
    computed(qtbot, charts)
    index = [f.tag.name for f in charts.frequencies].index("Security")
    chart = charts.chart
    x, y = bar_point(chart, index)
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=chart.from_svg(x, y).toPoint())
    panel = window.analysis.passages
    assert window.pages.currentWidget() is panel
    assert [row[0] for row in listed(panel)] == ["first", "first", "second"]  # Security and Borders
    assert charts.frequencies[index].total_passages == 3


def bar_point(chart, index: int) -> tuple[float, float]:
    """The middle of a bar chart's row in viewBox units, found by pointing down the chart."""
    width, height = chart_size(chart.svg)
    x = width / 2
    hits = [y / 2 for y in range(int(height * 2)) if chart.bar_at(chart.from_svg(x, y / 2)) == index]
    assert hits, "no row for that tag"
    return x, (hits[0] + hits[-1]) / 2


def test_a_same_paragraph_cell_lists_the_paragraph_both_tags_touch(make_window, coded_project, qtbot):
    window = make_window(coded_project)
    window.analysis.show_heatmap(Axis.TAGS, Axis.TAGS)
    charts = window.analysis.charts
    computed(qtbot, charts)
    charts.same_paragraph.setChecked(True)  # counted again, by paragraph
    qtbot.waitUntil(lambda: charts.matrix is not None and charts.matrix.same_paragraph, timeout=20000)
    matrix = charts.matrix
    keys = [label.key for label in matrix.row_labels]
    row, col = keys.index(tag_id(window, "Security")), keys.index(tag_id(window, "Borders"))
    assert matrix.values[row][col] == 1  # "Zürich" and "the results were clear" share the first line
    charts.chart.cellClicked.emit(row, col)
    panel = window.analysis.passages
    assert listed(panel) == [("first", 0, FIRST.index("\n") + 1)]
    assert panel.query().same_paragraph and panel.controls.combine.currentData() == "paragraph"
    assert "in one paragraph" in panel.summary.text()


def test_the_window_starts_without_the_analysis_core():
    """The charts and passages load the core's NumPy-backed modules when first used, not at start."""
    import subprocess
    import sys

    code = (
        "import sys; import annotator.gui.main_window; "
        "print(sorted(m for m in ('numpy', 'annotator.analysis.matrices', 'annotator.analysis.retrieval') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_heat_map_of_many_documents_shows_the_largest_forty_and_says_so(make_window, tmp_path, qtbot):
    from annotator.model import ImportedDocument, TagKind
    from annotator.store import Store

    path = tmp_path / "many.annotator"
    with Store.create(path) as store:
        theme = store.add_tag(kind=TagKind.THEME, name="Theme", color="#1f77b4")
        for n in range(45):
            text = f"document {n:02d} " + "word " * n
            document = store.add_document(ImportedDocument(title=f"d{n:02d}", text=text), annotator="x")
            for start in range(0, 3 if n == 44 else 1):  # d44 has three passages, the others one
                store.add_annotation(
                    document_id=document.document_id,
                    start=start,
                    end=start + 8,
                    tag_id=theme.id,
                    annotator="x",
                )
    window = make_window(path)
    window.analysis.show_heatmap(Axis.TAGS, Axis.DOCUMENTS)
    charts = window.analysis.charts
    computed(qtbot, charts)
    assert len(charts.matrix.col_labels) == 40
    assert "Showing the 1 of 1 rows and 40 of 45 columns" in charts.status.text()
    col = [label.name for label in charts.matrix.col_labels].index("d44")  # the largest stays
    assert charts.matrix.values[0][col] == 3
    charts.chart.cellClicked.emit(0, col)
    assert [row[0] for row in listed(window.analysis.passages)] == ["d44"] * 3


def test_save_as_png_asks_for_a_file_and_adds_the_suffix(
    make_window, coded_project, qtbot, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog

    window = make_window(coded_project)
    window.analysis.show_charts()
    charts = window.analysis.charts
    computed(qtbot, charts)
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        staticmethod(lambda *args: (str(tmp_path / "bars"), "PNG picture (*.png)")),
    )
    charts.save_png.click()
    assert not QImage(str(tmp_path / "bars.png")).isNull()
    assert window.statusBar().currentMessage() == f"Chart saved to {tmp_path / 'bars.png'}"


def test_the_chart_is_counted_again_after_a_change(make_window, coded_project, qtbot):
    window = make_window(coded_project)
    window.analysis.show_charts()
    charts = window.analysis.charts
    computed(qtbot, charts)

    def economy() -> int:
        return next(f.total_passages for f in charts.frequencies if f.tag.name == "Economy")

    assert economy() == 3
    window.show_document(window.documents.panel.model.rows[0].id)
    window.view.select_range(*span(FIRST, "Second paragraph"))
    window.annotating.apply_tag(tag_id(window, "Economy"))  # the Charts tab in front: counted at once
    qtbot.waitUntil(lambda: charts.frequencies is not None and economy() == 4, timeout=20000)
    window.pages.setCurrentWidget(window.text_page)
    window.on_undo()  # not shown: only noted
    assert charts.stale and economy() == 4
    window.pages.setCurrentWidget(charts)
    qtbot.waitUntil(lambda: charts.frequencies is not None and economy() == 3, timeout=20000)


def test_a_chart_is_never_saved_over_the_project(make_window, coded_project, qtbot, tmp_path):
    """Save as… under the project's own name (or its -wal) is refused; the project is untouched."""
    import hashlib

    from annotator.errors import InvalidInputError

    window = make_window(coded_project)
    window.analysis.show_charts()
    charts = window.analysis.charts
    computed(qtbot, charts)
    project = Path(window.store.path)
    link = tmp_path / "chart.svg"
    link.symlink_to(project)
    before = hashlib.sha256(project.read_bytes()).hexdigest()
    for target in (link, Path(f"{project}-wal")):
        with pytest.raises(InvalidInputError):
            charts.save(target)
    assert hashlib.sha256(project.read_bytes()).hexdigest() == before

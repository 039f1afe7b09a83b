"""The Charts view: tag frequencies as a bar chart, any code matrix as a heat map.

The pictures are the core's SVG (``annotator.analysis.charts``), the same the
report embeds, drawn here with Qt's SVG renderer: one renderer, so what the
window shows is what the report prints. Counting runs as a ``Job`` on a
read-only connection of its own (a matrix over a large corpus takes a while);
the SVG is made again on the UI thread when the palette turns light or dark.

A click on a heat-map cell asks for the passages that cell counts: the point
is mapped from the widget to the SVG's viewBox, the core says which cell lies
there (``heatmap_cell_at``) and the matrix says which passages it counts
(``Matrix.cell_query``); the window lists them in the Passages view.
"""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QImage, QPainter, QPalette
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from annotator.analysis.query import Combine, PassageQuery
from annotator.errors import AnnotatorError
from annotator.gui.dialogs import plain_tooltip
from annotator.gui.jobs import Job, JobContext
from annotator.store import Store

if TYPE_CHECKING:
    from annotator.analysis.matrices import Axis, Matrix, Measure, TagFrequency
    from annotator.analysis.report_data import ShownMatrix

#: A saved PNG has this many pixels per SVG unit: sharp in print and on high-DPI screens.
PNG_SCALE = 2
#: A heat map shows at most this many rows and columns, those with the largest sums: a wider one
#: is unreadable, and 10,000 documents made a 16 MB SVG that took five seconds to draw.
MAX_LABELS = 40
#: Room around the chart in the view.
CHART_MARGIN = 12
FREQUENCIES, MATRIX = "frequencies", "matrix"
#: The axes and measures by their values (``Axis`` and ``Measure`` are string enums): the core's
#: matrices module brings NumPy, loaded when a chart is first counted, not when the window starts.
AXIS_NAMES = {
    "tags": "Tags",
    "documents": "Documents",
    "speakers": "Speakers",
    "annotators": "Annotators",
}
MEASURE_NAMES = {
    "count": "Passages",
    "documents": "Documents",
    "characters": "Coded characters",
    "presence": "Present or not",
    "jaccard": "Overlap (Jaccard)",
}


def cut_note(shown: ShownMatrix) -> str:
    """A few words saying which rows and columns a cut heat map shows ("" when it shows them all)."""
    if not shown.cut:
        return ""
    m = shown.matrix
    return (
        f"  Showing the {len(m.row_labels)} of {shown.all_rows:,} rows and {len(m.col_labels)} of"
        f" {shown.all_cols:,} columns with the largest sums (as the report does; `annotator matrix` gives all)."
    )


def is_dark(palette: QPalette) -> bool:
    """A dark palette: its window colour is closer to black than to white."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def filters_of(query: PassageQuery) -> PassageQuery:
    """A query's filters (speakers, annotators, documents, statuses) without its tags: what every cell shares."""
    return dataclasses.replace(query, tags=(), exclude_tags=(), combine=Combine.ANY, same_paragraph=False)


@dataclasses.dataclass(frozen=True)
class Refused:
    """The core's one-line reason for not counting a matrix (two equal axes, say)."""

    reason: str


class SvgChart(QWidget):
    """One SVG drawn at its natural size (1 unit = 1 logical pixel), clickable where it is a heat map."""

    #: (row, col) of a heat-map cell clicked.
    cellClicked = Signal(int, int)
    #: Index (in the frequencies) of a bar chart's row clicked.
    barClicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.svg = ""
        self.matrix: Matrix | None = None
        self.frequencies: list[TagFrequency] | None = None
        self.renderer = QSvgRenderer(self)
        self.view_box = QRectF()
        self.setMouseTracking(True)

    def set_svg(
        self, svg: str, matrix: Matrix | None = None, frequencies: list[TagFrequency] | None = None
    ) -> None:
        """Show ``svg``: the heat map of ``matrix`` or the bar chart of ``frequencies`` (whose cells
        and bars answer clicks), or neither."""
        from annotator.analysis.charts import chart_size

        self.svg, self.matrix, self.frequencies = svg, matrix, frequencies
        if svg:
            self.renderer.load(QByteArray(svg.encode("utf-8")))
            width, height = chart_size(svg)
            self.view_box = QRectF(0, 0, width, height)
        else:
            self.renderer.load(QByteArray(b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>'))
            self.view_box = QRectF()
        self.setMinimumSize(self.sizeHint())
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        if self.view_box.isEmpty():
            return QSize(0, 0)
        return QSize(
            math.ceil(self.view_box.width()) + 2 * CHART_MARGIN,
            math.ceil(self.view_box.height()) + 2 * CHART_MARGIN,
        )

    def chart_rect(self) -> QRectF:
        """Where the chart is drawn in the widget: its natural size, centred across, at the top."""
        left = max(CHART_MARGIN, (self.width() - self.view_box.width()) / 2)
        return QRectF(left, CHART_MARGIN, self.view_box.width(), self.view_box.height())

    def to_svg(self, point: QPointF) -> QPointF:
        """A widget point in the SVG's viewBox units."""
        rect = self.chart_rect()
        scale_x = self.view_box.width() / rect.width() if rect.width() else 1.0
        scale_y = self.view_box.height() / rect.height() if rect.height() else 1.0
        return QPointF((point.x() - rect.left()) * scale_x, (point.y() - rect.top()) * scale_y)

    def from_svg(self, x: float, y: float) -> QPointF:
        """A viewBox point in widget coordinates (for tests and tooltips)."""
        rect = self.chart_rect()
        return QPointF(
            rect.left() + x * rect.width() / self.view_box.width(),
            rect.top() + y * rect.height() / self.view_box.height(),
        )

    def cell_at(self, point: QPointF) -> tuple[int, int] | None:
        """The heat-map cell under a widget point, if this is a heat map."""
        if self.matrix is None or self.view_box.isEmpty():
            return None
        from annotator.analysis.charts import heatmap_cell_at

        at = self.to_svg(point)
        return heatmap_cell_at(self.matrix, at.x(), at.y())

    def bar_at(self, point: QPointF) -> int | None:
        """The bar chart's row under a widget point, if this is a bar chart."""
        if not self.frequencies or self.view_box.isEmpty():
            return None
        from annotator.analysis.charts import bar_at

        at = self.to_svg(point)
        return bar_at(self.frequencies, at.x(), at.y())

    def paintEvent(self, event) -> None:
        if self.view_box.isEmpty():
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.renderer.render(painter, self.chart_rect())
        painter.end()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            cell = self.cell_at(event.position())
            if cell is not None:
                self.cellClicked.emit(*cell)
                return
            bar = self.bar_at(event.position())
            if bar is not None:
                self.barClicked.emit(bar)
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        tip = self._tip_at(event.position())
        if tip is None:
            self.unsetCursor()
            QToolTip.hideText()
        else:
            self.setCursor(QCursor(Qt.CursorShape.PointingHandCursor))
            QToolTip.showText(event.globalPosition().toPoint(), plain_tooltip(tip), self)
        super().mouseMoveEvent(event)

    def _tip_at(self, point: QPointF) -> str | None:
        """What a click here would list, or None where a click does nothing."""
        cell = self.cell_at(point)
        if cell is not None:
            assert self.matrix is not None
            row, col = cell
            m = self.matrix
            value = m.values[row][col]
            shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:.2f}"
            return (
                f"{m.row_labels[row].name} × {m.col_labels[col].name}: {shown}\nClick to list these passages"
            )
        bar = self.bar_at(point)
        if bar is not None:
            assert self.frequencies is not None
            frequency = self.frequencies[bar]
            return f"{frequency.tag.name}: {frequency.total_passages:,} passages\nClick to list them"
        return None

    def image(self, scale: float = PNG_SCALE) -> QImage:
        """The chart as a picture, ``scale`` pixels per SVG unit."""
        size = QSize(math.ceil(self.view_box.width() * scale), math.ceil(self.view_box.height() * scale))
        image = QImage(size, QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.renderer.render(painter, QRectF(0, 0, size.width(), size.height()))
        painter.end()
        return image


def write_replacing(target: Path, write, project: Path | None = None) -> None:
    """Call ``write(temporary path)``, then rename it over ``target``: never a half-written file, never the project."""
    from annotator.exporters.replacing import sync_file, writing_beside  # the exporters load when first used

    with writing_beside(Path(target), project) as (handle, temporary):
        os.close(handle)
        write(temporary)
        sync_file(temporary)


class ChartsPanel(QWidget):
    """Choose a chart (frequencies, or a matrix's rows, columns and measure), see it, save it."""

    #: The passages of one heat-map cell (a ``PassageQuery``).
    cellQueryRequested = Signal(object)
    #: A line for the status bar.
    message = Signal(str)

    def __init__(self, store: Store, parent=None):
        super().__init__(parent)
        self.store = store
        self.base = PassageQuery()
        self.job: Job | None = None
        self.stale = True
        self._generation = 0
        self.frequencies: list[TagFrequency] | None = None
        self.matrix: Matrix | None = None
        #: Says so when a heat map shows only the largest rows or columns.
        self.cut_note = ""
        self.kind = QComboBox(self)
        self.kind.addItem("Frequencies (bar chart)", FREQUENCIES)
        self.kind.addItem("Matrix (heat map)", MATRIX)
        self.rows = QComboBox(self)
        self.cols = QComboBox(self)
        for axis, name in AXIS_NAMES.items():
            self.rows.addItem(name, axis)
            self.cols.addItem(name, axis)
        self.cols.setCurrentIndex(self.cols.findData("documents"))
        self.measure = QComboBox(self)
        for measure, name in MEASURE_NAMES.items():
            self.measure.addItem(name, measure)
        self.same_paragraph = QCheckBox("Same paragraph", self)
        self.same_paragraph.setToolTip(
            "Tags by tags: count two tags together when they meet in one paragraph"
        )
        for combo in (self.kind, self.rows, self.cols, self.measure):
            combo.currentIndexChanged.connect(lambda _i: self.compute())
        self.same_paragraph.toggled.connect(lambda _on: self.compute())
        self.save_png = QPushButton("Save as PNG…", self)
        self.save_svg = QPushButton("Save as SVG…", self)
        self.save_png.clicked.connect(lambda: self.on_save("png"))
        self.save_svg.clicked.connect(lambda: self.on_save("svg"))
        self.status = QLabel(self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setStyleSheet("color: palette(mid);")
        self.chart = SvgChart(self)
        self.chart.cellClicked.connect(self._cell_clicked)
        self.chart.barClicked.connect(self._bar_clicked)
        self.area = QScrollArea(self)
        self.area.setWidget(self.chart)
        self.area.setWidgetResizable(True)
        self.area.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.area.setBackgroundRole(QPalette.ColorRole.Base)
        self.matrix_controls = QWidget(self)
        matrix_row = QHBoxLayout(self.matrix_controls)
        matrix_row.setContentsMargins(0, 0, 0, 0)
        for label, widget in (("Rows:", self.rows), ("Columns:", self.cols), ("Measure:", self.measure)):
            matrix_row.addWidget(QLabel(label, self))
            matrix_row.addWidget(widget)
        matrix_row.addWidget(self.same_paragraph)
        top = QHBoxLayout()
        top.addWidget(QLabel("Chart:", self))
        top.addWidget(self.kind)
        top.addWidget(self.matrix_controls)
        top.addStretch(1)
        top.addWidget(self.save_png)
        top.addWidget(self.save_svg)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.area, 1)
        self._show_controls()

    # -- what to draw --------------------------------------------------------------------------------

    def set_store(self, store: Store) -> None:
        self.store = store
        self.base = PassageQuery()
        self._generation += 1  # an answer still coming is about the project that was open
        self.frequencies = self.matrix = None
        self.chart.set_svg("")
        self.stale = True

    def set_base(self, base: PassageQuery) -> None:
        """The filters every chart shares (the Passages view's, without its tags); drawn again when shown."""
        base = filters_of(base)
        if base != self.base:
            self.base = base
            self.stale = True

    def show_matrix(self, rows: Axis, cols: Axis, measure: Measure | str = "count") -> None:
        """Choose a heat map and compute it."""
        for combo, value in (
            (self.kind, MATRIX),
            (self.rows, rows),
            (self.cols, cols),
            (self.measure, measure),
        ):
            combo.blockSignals(True)
            combo.setCurrentIndex(combo.findData(value))
            combo.blockSignals(False)
        self.compute()

    def _show_controls(self) -> None:
        kind = self.kind.currentData()
        self.matrix_controls.setVisible(kind == MATRIX)
        tags_by_tags = self.rows.currentData() == "tags" and self.cols.currentData() == "tags"
        self.same_paragraph.setEnabled(tags_by_tags)

    def compute(self) -> Job | None:
        """Count what the chosen chart shows, off the UI thread; draw it when the answer comes."""
        self._show_controls()
        self.stale = False
        self._generation += 1
        generation = self._generation
        kind = self.kind.currentData()
        base = self.base
        # Qt hands an enum's item data back as str: made enums again for the core.
        from annotator.analysis.matrices import Axis, Measure, frequencies, matrix

        rows, cols = Axis(self.rows.currentData()), Axis(self.cols.currentData())
        measure = Measure(self.measure.currentData())
        same_paragraph = self.same_paragraph.isEnabled() and self.same_paragraph.isChecked()

        def count(store: Store) -> object:
            if kind == FREQUENCIES:
                return frequencies(store, base)
            from annotator.analysis.report_data import bounded  # the report's cut, so both show the same

            try:
                full = matrix(
                    store, rows=rows, cols=cols, measure=measure, base=base, same_paragraph=same_paragraph
                )
            except ValueError as exc:  # a pair the core does not count: its one-line reason is shown
                return Refused(str(exc))
            return bounded(full, MAX_LABELS)

        path = self.store.path
        if path is None:  # an in-memory project: its connection is this thread's
            self._show(generation, count(self.store))
            return None
        self.status.setText("Counting…")
        self.save_png.setEnabled(False)
        self.save_svg.setEnabled(False)

        def work(context: JobContext) -> object:
            with Store.open(path, read_only=True) as store:
                return count(store)

        job = Job(work, title="Chart", parent=self, report_failure=False)
        job.succeeded.connect(lambda result: self._show(generation, result))
        job.failed.connect(lambda message: self._failed(generation, message))
        self.job = job.start()
        return job

    def _show(self, generation: int, result: object) -> None:
        if generation != self._generation:
            return  # another chart was asked for meanwhile
        if isinstance(result, Refused):
            self._failed(generation, result.reason)
            return
        self.cut_note = ""
        from annotator.analysis.report_data import ShownMatrix

        if isinstance(result, ShownMatrix):
            self.matrix, self.frequencies = result.matrix, None
            self.cut_note = cut_note(result)
        else:
            self.frequencies, self.matrix = list(result), None  # type: ignore[call-overload]
        self.draw()

    def _failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self.frequencies = self.matrix = None
        self.chart.set_svg("")
        self.status.setText(message)
        self.save_png.setEnabled(False)
        self.save_svg.setEnabled(False)

    def svg(self, *, dark: bool) -> str:
        """The current chart's SVG in the light or the dark palette ("" when there is none)."""
        from annotator.analysis.charts import bar_chart_svg, heatmap_svg

        if self.matrix is not None:
            return heatmap_svg(self.matrix, dark=dark, title=self.title())
        if self.frequencies is not None:
            return bar_chart_svg(self.frequencies, dark=dark, title=self.title())
        return ""

    def title(self) -> str:
        if self.matrix is not None:
            m = self.matrix
            return f"{MEASURE_NAMES[m.measure]}: {AXIS_NAMES[m.rows].lower()} by {AXIS_NAMES[m.cols].lower()}"
        return "Passages per tag"

    def draw(self) -> None:
        """Make the SVG again for the palette now in use, and show it."""
        svg = self.svg(dark=is_dark(self.palette()))
        self.chart.set_svg(svg, self.matrix, self.frequencies)
        self.save_png.setEnabled(bool(svg))
        self.save_svg.setEnabled(bool(svg))
        what = "a cell" if self.matrix is not None else "a bar"
        self.status.setText(
            f"Click {what} to list the passages it counts.{self.filters_note()}{self.cut_note}"
        )

    def filters_note(self) -> str:
        """The Passages view's filters the chart shares, in a few words ("" when there are none)."""
        base = self.base
        parts = [
            f"{len(values)} {name}"
            for values, name in (
                (base.speakers, "speaker(s)"),
                (base.annotators, "annotator(s)"),
                (base.documents, "document(s)"),
                (base.statuses, "status(es)"),
            )
            if values
        ]
        return f"  Filtered as in Passages: {', '.join(parts)}." if parts else ""

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange and self.chart.svg:
            self.draw()  # light or dark: the chart follows

    def _cell_clicked(self, row: int, col: int) -> None:
        if self.matrix is not None:
            self.cellQueryRequested.emit(self.matrix.cell_query(row, col))

    def _bar_clicked(self, index: int) -> None:
        """A bar counts its tag's passages with its sub-themes', under the shared filters."""
        if self.frequencies is not None:
            tag = self.frequencies[index].tag
            query = dataclasses.replace(self.base, tags=(tag.id,), include_subthemes=True)
            self.cellQueryRequested.emit(query)

    # -- saving ----------------------------------------------------------------------------------

    def on_save(self, fmt: str) -> None:
        described = "PNG picture (*.png)" if fmt == "png" else "SVG drawing (*.svg)"
        default = str(Path.home() / f"chart.{fmt}")
        path, _ = QFileDialog.getSaveFileName(self, f"Save chart as {fmt.upper()}", default, described)
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() != f".{fmt}":
            target = target.with_name(target.name + f".{fmt}")
        try:
            self.save(target)
        except (OSError, AnnotatorError) as exc:
            from annotator.gui.dialogs import warn

            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            warn(self, "Cannot save the chart", reason if str(target) in reason else f"{target}: {reason}")
            return
        self.message.emit(f"Chart saved to {target}")

    def save(self, target: Path) -> None:
        """Write the chart, light (for print), as PNG or SVG by the suffix; under a temporary name first."""
        svg = self.svg(dark=False)
        if not svg:
            raise OSError("there is no chart to save")
        if target.suffix.lower() == ".svg":
            write_replacing(
                target, lambda temporary: temporary.write_text(svg, encoding="utf-8"), self.store.path
            )
            return
        renderer = SvgChart()
        renderer.set_svg(svg)
        image = renderer.image()

        def write_png(temporary: Path) -> None:
            if not image.save(str(temporary), "PNG"):
                raise OSError(f"cannot write {target}")

        write_replacing(target, write_png, self.store.path)

    def wait_for_jobs(self) -> None:
        if self.job is not None and self.job.is_running():
            self.job.wait()

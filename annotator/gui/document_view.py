"""The document view: read-only text with every annotation painted, fast at any length.

Annotations are never drawn with ``setExtraSelections`` (Qt rescans the whole
list on every paint and every change). Instead each paint asks a
``SpanIndex`` for the spans that touch the visible blocks and draws only
those: a translucent fill under the text, then coloured underlines in
stacked lanes so that overlapping and nested spans stay distinguishable.
Colleagues' spans (review layers) get a dashed outline instead of a fill.
Positions cross between Qt (UTF-16) and the store (code points) only
through ``OffsetMap``.
"""

from __future__ import annotations

import bisect
import html
import itertools
import re
from collections.abc import Iterable
from typing import NamedTuple, Protocol

from PySide6.QtCore import QEvent, QPoint, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPen, QTextCharFormat, QTextCursor, QTextOption
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QToolTip, QWidget

from annotator.gui.offsets import OffsetMap
from annotator.spans import SpanIndex

#: Keys the window uses as shortcuts while the text has focus.
PASS_THROUGH_KEYS = {getattr(Qt.Key, f"Key_{n}") for n in range(1, 10)} | {Qt.Key.Key_Delete}
#: Right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko ... and their presentation forms).
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff\U0001e800-\U0001efff]")
#: Underline lanes stack up from the bottom of the line box (descender area); more would cross the glyphs.
MAX_LANES = 3
#: Lines whose direction is remembered (a few screens' worth many times over).
BIDI_LINES_REMEMBERED = 20_000
LANE_HEIGHT = 3
FILL_ALPHA = 56
FILL_ALPHA_DARK = 90


class ViewSpan(NamedTuple):
    """What the view needs to draw one span: a colleague's, or one of ours as shown (``shown``)."""

    id: str
    start: int
    end: int
    color: str
    label: str
    annotator: str = ""
    note: str | None = None
    layer: str | None = None


class TaggedSpan(Protocol):
    """One of the user's own annotations as the window hands it over (``ShownAnnotation`` or ``Annotation``).

    The view takes them as they are and looks the colour and name up by tag
    (``set_tag_looks``) only for the spans it paints: building a ``ViewSpan``
    for each of 50,000 spans took longer than reading them from the project.
    """

    id: str
    start: int
    end: int
    tag_id: str
    annotator: str
    note: str | None


#: How a span whose tag is unknown is drawn.
UNKNOWN_LOOK = ("#888888", "?")


def assign_lanes(spans: list[ViewSpan]) -> dict[str, int]:
    """Give overlapping spans different underline lanes (greedy interval colouring)."""
    lanes: dict[str, int] = {}
    lane_ends: list[int] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end, s.id)):
        for lane, lane_end in enumerate(lane_ends):
            if lane_end <= span.start:
                lane_ends[lane] = span.end
                lanes[span.id] = lane
                break
        else:
            lane_ends.append(span.end)
            lanes[span.id] = len(lane_ends) - 1
    return lanes


class DocumentView(QPlainTextEdit):
    """Read-only text of one document, with its annotations and review layers."""

    selectionRangeChanged = Signal(int, int)
    spanClicked = Signal(str)
    spanContextMenuRequested = Signal(object, int, list)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setMouseTracking(True)
        self.setCursorWidth(2)
        self._text = ""
        self._offsets = OffsetMap("")
        self._own: SpanIndex[TaggedSpan | ViewSpan] = SpanIndex()
        self._tag_looks: dict[str, tuple[str, str]] = {}
        self._layers: dict[str, SpanIndex[ViewSpan]] = {}
        self._hidden_layers: set[str] = set()
        self._zoom = 0
        self._press_position: QPoint | None = None
        self._lines: list[ScreenLine] | None = None  # lines on screen, during one paint only
        self._line_starts: list[int] = []
        # Span id -> its rectangles on the screen as last painted, valid while _screen_key() holds:
        # adding a span, undoing it or moving the mouse repaints, and only new spans are measured.
        self._rects: dict[str, list[QRectF]] = {}
        self._lane_marks: dict[str, tuple[int, list[QRectF]]] = {}  # span id -> (lane, its underlines)
        self._rects_key: tuple | None = None
        self._bidi_lines: dict[tuple[int, int], bool] = {}
        self._visible: tuple[int, int] = (0, 0)
        self.selectionChanged.connect(self._emit_selection)
        font = self.font()
        font.setPointSizeF(max(font.pointSizeF(), 10.5) + 1)
        self.setFont(font)
        self.document().setDocumentMargin(18)

    # -- content ------------------------------------------------------------

    def set_tag_looks(self, looks: dict[str, tuple[str, str]]) -> None:
        """Tag id -> (colour, name) for the user's own spans; repaints (a tag was renamed or recoloured)."""
        self._tag_looks = dict(looks)
        self.viewport().update()

    def shown(self, span: TaggedSpan | ViewSpan) -> ViewSpan:
        """A span as drawn: a ``ViewSpan`` as it is, an annotation with its tag's colour and name."""
        if isinstance(span, ViewSpan):
            return span
        color, label = self._tag_looks.get(span.tag_id, UNKNOWN_LOOK)
        return ViewSpan(span.id, span.start, span.end, color, label, span.annotator, span.note)

    def set_document(self, text: str, spans: Iterable[TaggedSpan | ViewSpan]) -> None:
        """Show ``text`` with the user's own ``spans``; scrolls to the top."""
        self._text = text
        self._offsets = OffsetMap(text)
        self._own = SpanIndex(spans)
        self._layers.clear()
        self._forget_rects()
        self._bidi_lines = {}
        self.setPlainText(text)
        self.moveCursor(QTextCursor.MoveOperation.Start)

    def clear_document(self) -> None:
        """Show nothing."""
        self.set_document("", [])

    def text(self) -> str:
        """The text shown (the stored text, never read back from Qt)."""
        return self._text

    def add_span(self, span: TaggedSpan | ViewSpan) -> None:
        """Show one more annotation."""
        self._forget_rects(span.id)
        self._own.add(span)
        self._repaint_range(span.start, span.end)

    def remove_span(self, span_id: str) -> None:
        """Stop showing an annotation."""
        span = self._own.remove(span_id)
        self._forget_rects(span_id)
        if span is not None:
            self._repaint_range(span.start, span.end)

    def update_span(self, span: TaggedSpan | ViewSpan) -> None:
        """Redraw an annotation that changed range, colour or note."""
        old = self._own.remove(span.id)
        self._forget_rects(span.id)
        self._own.add(span)
        if old is not None:
            self._repaint_range(old.start, old.end)
        self._repaint_range(span.start, span.end)

    def set_spans(self, spans: Iterable[TaggedSpan | ViewSpan]) -> None:
        """Replace all of the user's own annotations."""
        self._own = SpanIndex(spans)
        self._forget_rects()
        self.viewport().update()

    def own_spans(self) -> list[ViewSpan]:
        """The user's own annotations as shown."""
        return [self.shown(span) for span in self._own.all()]

    def set_layer_spans(self, layer: str, spans: Iterable[ViewSpan]) -> None:
        """Show a review layer's annotations (a colleague's file)."""
        self._layers[layer] = SpanIndex(spans)
        self._forget_rects()
        self.viewport().update()

    def remove_layer(self, layer: str) -> None:
        """Stop showing a review layer."""
        self._layers.pop(layer, None)
        self._hidden_layers.discard(layer)
        self.viewport().update()

    def set_layer_visible(self, layer: str, visible: bool) -> None:
        """Show or hide a review layer."""
        (self._hidden_layers.discard if visible else self._hidden_layers.add)(layer)
        self.viewport().update()

    # -- selection and navigation ---------------------------------------------

    def selected_range(self) -> tuple[int, int] | None:
        """The selection in code points, or None."""
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        return self._offsets.from_qt(cursor.selectionStart()), self._offsets.from_qt(cursor.selectionEnd())

    def select_range(self, start: int, end: int) -> None:
        """Select ``[start, end)`` (code points) and scroll it into view."""
        cursor = self.textCursor()
        cursor.setPosition(self._offsets.to_qt(max(0, min(start, len(self._text)))))
        cursor.setPosition(
            self._offsets.to_qt(max(0, min(end, len(self._text)))), QTextCursor.MoveMode.KeepAnchor
        )
        self.setTextCursor(cursor)
        self.centerCursor()

    def scroll_to_offset(self, offset: int) -> None:
        """Put the cursor at ``offset`` (code points) and scroll there."""
        cursor = self.textCursor()
        cursor.setPosition(self._offsets.to_qt(max(0, min(offset, len(self._text)))))
        self.setTextCursor(cursor)
        self.centerCursor()

    def offset_at(self, point: QPoint) -> int:
        """The code-point offset of the character under a viewport point."""
        return self._offsets.from_qt(self.cursorForPosition(point).position())

    def spans_at(self, offset: int) -> list[ViewSpan]:
        """The user's annotations covering ``offset``, innermost first."""
        return [self.shown(span) for span in self._own.at(offset)]

    def _all_spans_at(self, offset: int) -> list[ViewSpan]:
        spans = self.spans_at(offset)
        for layer, index in self._layers.items():
            if layer not in self._hidden_layers:
                spans.extend(index.at(offset))
        return spans

    def set_find_matches(self, ranges: list[tuple[int, int]], current: int | None) -> None:
        """Highlight find-in-document matches (few, so extra selections are fine)."""
        selections = []
        for number, (start, end) in enumerate(ranges[:2000]):
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.document())
            cursor.setPosition(self._offsets.to_qt(start))
            cursor.setPosition(self._offsets.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            fmt = QTextCharFormat()
            fmt.setBackground(QColor("#ffb000" if number == current else "#ffe27a"))
            fmt.setForeground(QColor("#000000"))
            selection.format = fmt
            selections.append(selection)
        self.setExtraSelections(selections)

    # -- zoom ---------------------------------------------------------------------

    def zoom_in(self) -> None:
        """Larger text."""
        self._zoom += 1
        self.zoomIn(1)

    def zoom_out(self) -> None:
        """Smaller text."""
        self._zoom -= 1
        self.zoomOut(1)

    def reset_zoom(self) -> None:
        """Back to the default size."""
        self.zoomIn(-self._zoom)
        self._zoom = 0

    # -- events -------------------------------------------------------------------

    def _emit_selection(self) -> None:
        selected = self.selected_range()
        if selected is None:
            offset = self._offsets.from_qt(self.textCursor().position())
            self.selectionRangeChanged.emit(offset, offset)
        else:
            self.selectionRangeChanged.emit(*selected)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if (
                event.key() in PASS_THROUGH_KEYS
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            ):
                event.ignore()
                return False
        if event.type() == QEvent.Type.ToolTip:
            self._show_tooltip(event)
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in PASS_THROUGH_KEYS:
            event.ignore()
            return
        super().keyPressEvent(event)

    def _show_tooltip(self, event) -> None:
        point = event.pos() - self.viewport().pos()
        spans = self._all_spans_at(self.offset_at(point)) if self._text else []
        if not spans:
            QToolTip.hideText()
            return
        rows = []
        for span in spans[:12]:
            who = html.escape(span.annotator or "")
            layer = f" <i>({html.escape(span.layer)})</i>" if span.layer else ""
            note = f"<br><span style='color:#666'>{html.escape(span.note)}</span>" if span.note else ""
            rows.append(
                f"<p style='margin:2px'><span style='color:{QColor(span.color).name()}'>■</span> "
                f"<b>{html.escape(span.label)}</b> · {who}{layer}{note}</p>"
            )
        QToolTip.showText(event.globalPos(), "".join(rows), self)

    def mousePressEvent(self, event) -> None:
        self._press_position = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        press, self._press_position = self._press_position, None
        moved = press is None or (event.position().toPoint() - press).manhattanLength() > 3
        if event.button() == Qt.MouseButton.LeftButton and not moved and not self.textCursor().hasSelection():
            spans = self.spans_at(self.offset_at(event.position().toPoint()))
            if spans:
                self.spanClicked.emit(spans[0].id)

    def contextMenuEvent(self, event) -> None:
        offset = self.offset_at(event.pos())
        ids = [span.id for span in self.spans_at(offset)]
        self.spanContextMenuRequested.emit(event.globalPos(), offset, ids)

    # -- painting -----------------------------------------------------------------

    def _visible_qt_range(self, lines: list[ScreenLine] | None = None) -> tuple[int, int]:
        """Qt positions ``[start, end)`` of the text on screen, to the line (blocks may be huge).

        Walks the visible blocks top to bottom, each block's top the previous
        one's plus its height (``blockBoundingGeometry`` sums the heights from
        the top of the screen on every call). With ``lines``, collects every
        line on screen on the way (see ``_screen_lines``).
        """
        block = self.firstVisibleBlock()
        if not block.isValid():
            return 0, 0
        offset = self.contentOffset()
        height = self.viewport().height()
        first = self.blockBoundingGeometry(block).translated(offset)
        top, left = first.top(), first.left()
        layout = block.layout()
        first_line = _line_index_at_y(layout, -top)
        first_line = first_line if first_line < layout.lineCount() else 0
        start = block.position() + (layout.lineAt(first_line).textStart() if first_line else 0)
        end = start
        while block.isValid() and top <= height:
            block_height = self.blockBoundingRect(block).height()  # lays the block out first if need be
            layout, position = block.layout(), block.position()
            count = layout.lineCount()
            last_line = min(_line_index_at_y(layout, height - top), count - 1)
            if lines is not None and count:
                _collect_lines(lines, block, layout, first_line, last_line, top, left)
            last = layout.lineAt(last_line) if count else None
            if last is not None and last.y() + last.height() + top >= height:
                return start, position + last.textStart() + last.textLength()
            end = position + block.length()
            top += block_height
            block, first_line = block.next(), 0
        return start, end

    def _repaint_range(self, start: int, end: int) -> None:
        visible_start, visible_end = self._shown_range()
        if self._offsets.to_qt(end) >= visible_start and self._offsets.to_qt(start) <= visible_end:
            self.viewport().update()

    def _line_is_bidi(self, line: ScreenLine) -> bool:
        """Whether a laid-out line holds right-to-left script; remembered by its text range,
        which only the text decides (a paint asks it for every piece of every span)."""
        key = (line.start, line.end)
        known = self._bidi_lines.get(key)
        if known is None:
            if len(self._bidi_lines) > BIDI_LINES_REMEMBERED:
                self._bidi_lines.clear()
            start, end = self._offsets.from_qt(line.start), self._offsets.from_qt(line.end)
            known = self._bidi_lines[key] = bool(_RTL.search(self._text, start, end))
        return known

    @staticmethod
    def _piece_extents(line, start: int, end: int, whole: bool, bidi: bool) -> list[tuple[float, float]]:
        """Horizontal extents of block characters ``[start, end)`` of a line, left to right.

        A whole line is its natural text rectangle. In mixed-direction text one
        logical range can be several visual pieces and a caret at a direction
        change is ambiguous, so there the glyph runs are asked; plain
        left-to-right text needs just two carets.
        """
        if whole:
            rect = line.naturalTextRect()
            return [(rect.left(), max(rect.right(), rect.left() + 4))]
        if bidi:
            boxes = (run.boundingRect() for run in line.glyphRuns(start, end - start))
            merged: list[tuple[float, float]] = []
            for left, right in sorted((box.left(), box.right()) for box in boxes):
                if merged and left <= merged[-1][1] + 0.5:
                    merged[-1] = (merged[-1][0], max(merged[-1][1], right))
                else:
                    merged.append((left, right))
            return merged
        x1, x2 = line.cursorToX(start)[0], line.cursorToX(end)[0]
        return [(min(x1, x2), max(x1, x2))]

    def _measure_screen(self) -> None:
        """Find the visible range and collect the lines on screen, in one walk of the visible blocks."""
        lines: list[ScreenLine] = []
        self._visible = self._visible_qt_range(lines)
        self._lines, self._line_starts = lines, [line.start for line in lines]

    def _screen_lines(self) -> tuple[list[ScreenLine], list[int]]:
        """The lines on screen and their start positions, collected once per paint."""
        if self._lines is None:
            self._measure_screen()
        return self._lines, self._line_starts

    def _shown_range(self) -> tuple[int, int]:
        """The visible Qt range: as last painted while the screen is the same, else walked for."""
        if self._rects_key is not None and self._rects_key == self._screen_key():
            return self._visible
        return self._visible_qt_range()

    def _forget_lines(self) -> None:
        """Drop the lines of this paint: Qt may rebuild a block's layout before the next one,
        and a kept Python wrapper would point at a dead object."""
        self._lines, self._line_starts = None, []

    def _span_rects(self, span: ViewSpan) -> list[QRectF]:
        """Rectangles covering the visible part of ``span``, one or more per line, in viewport coordinates.

        The lines come from the paint's table of lines on screen (found by
        bisection), so a span costs its carets and rectangles, not a walk
        through Qt's blocks and layouts.
        """
        visible_start, visible_end = self._visible
        qt_start = max(self._offsets.to_qt(span.start), visible_start)
        qt_end = min(self._offsets.to_qt(span.end), visible_end)
        rects: list[QRectF] = []
        if qt_start >= qt_end:
            return rects
        lines, starts = self._screen_lines()
        for screen in itertools.islice(lines, max(bisect.bisect_right(starts, qt_start) - 1, 0), None):
            if screen.start >= qt_end:
                break
            piece_start, piece_end = max(qt_start, screen.start), min(qt_end, screen.end)
            if piece_start >= piece_end:
                continue
            whole = piece_start == screen.start and piece_end == screen.end
            bidi = not whole and (screen.rtl_paragraph or self._line_is_bidi(screen))
            block_start = screen.block_position
            for x1, x2 in self._piece_extents(
                screen.line, piece_start - block_start, piece_end - block_start, whole, bidi
            ):
                rects.append(QRectF(screen.left + x1, screen.top, max(x2 - x1, 2.0), screen.height))
        return rects

    def span_rectangles(self, span: ViewSpan) -> list[QRectF]:
        """Where ``span`` is drawn now: viewport rectangles of its visible part (empty if off screen)."""
        self._forget_lines()
        self._measure_screen()
        try:
            return self._span_rects(span)
        finally:
            self._forget_lines()

    def _screen_key(self) -> tuple:
        """What the visible range and a span's rectangles depend on besides the span: the text,
        scroll position, size, font and pixel ratio."""
        offset = self.contentOffset()
        viewport = self.viewport()
        return (
            self.document().revision(),
            self.firstVisibleBlock().blockNumber(),
            offset.x(),
            offset.y(),
            viewport.width(),
            viewport.height(),
            self.font().pointSizeF(),
            viewport.devicePixelRatioF(),
        )

    def _forget_rects(self, span_id: str | None = None) -> None:
        """Measure one span (or, with no id, every span and the visible range) again at the next paint."""
        if span_id is None:
            self._rects, self._lane_marks, self._rects_key = {}, {}, None
        else:
            self._rects.pop(span_id, None)
            self._lane_marks.pop(span_id, None)

    def _screen_rects(self, span: ViewSpan) -> list[QRectF]:
        """``_span_rects``, measured once per span for as long as the screen stays as it is."""
        rects = self._rects.get(span.id)
        if rects is None:
            rects = self._rects[span.id] = self._span_rects(span)
        return rects

    def _visible_spans(self) -> tuple[list[ViewSpan], list[ViewSpan]]:
        """(own, review-layer) spans touching the visible text."""
        start, end = (self._offsets.from_qt(q) for q in self._visible)
        own = [self.shown(span) for span in self._own.overlapping(start, end)]
        layered = [
            span
            for layer, index in self._layers.items()
            if layer not in self._hidden_layers
            for span in index.overlapping(start, end)
        ]
        return own, layered

    def _fill_alpha(self) -> int:
        """Stronger tints on dark backgrounds, where a light wash disappears."""
        return FILL_ALPHA_DARK if self.palette().base().color().lightness() < 128 else FILL_ALPHA

    def paintEvent(self, event) -> None:
        if not self._text:
            super().paintEvent(event)
            return
        self._forget_lines()
        try:
            self._paint_spans(event)
        finally:
            self._forget_lines()

    def _paint_spans(self, event) -> None:
        """Fills under the text, then the text, then underline lanes and review outlines."""
        key = self._screen_key()
        if key != self._rects_key:  # scrolled, resized, zoomed: find the visible range and its lines again
            self._forget_rects()
            self._measure_screen()
            self._rects_key = key
        # else the range is as last painted; lines are collected only if a new span needs measuring
        own, layered = self._visible_spans()
        geometry = {span.id: self._screen_rects(span) for span in own}
        painter = QPainter(self.viewport())
        fills: dict[str, list[QRectF]] = {}
        for span in own:
            fills.setdefault(span.color, []).extend(geometry[span.id])
        _fill_rects(painter, fills, self._fill_alpha())
        painter.end()
        super().paintEvent(event)
        self._forget_lines()  # the text paint may have laid blocks out again
        painter = QPainter(self.viewport())
        self._paint_lanes(painter, own, geometry, self.viewport().devicePixelRatioF(), self._lane_marks)
        self._paint_layers(painter, layered)
        painter.end()

    @staticmethod
    def _paint_lanes(
        painter: QPainter,
        own: list[ViewSpan],
        geometry: dict[str, list[QRectF]],
        ratio: float = 1.0,
        kept: dict[str, tuple[int, list[QRectF]]] | None = None,
    ) -> None:
        """Coloured underlines, one lane per overlapping span; spans beyond the last lane get a corner tick.

        Sizes are logical pixels (they grow with the screen's scale); edges are
        snapped to device pixels so lanes stay crisp and equally thick at 125 %
        or 150 % too, where logical edges fall between device pixels.
        """
        lanes = assign_lanes(own)
        kept = (
            {} if kept is None else kept
        )  # span id -> (lane, underlines) from earlier paints of this screen
        by_color: dict[str, list[QRectF]] = {}
        for span in own:
            lane = lanes[span.id]
            known = kept.get(span.id)
            if known is None or known[0] != lane:
                known = kept[span.id] = (lane, _lane_marks(geometry[span.id], lane, ratio))
            by_color.setdefault(span.color, []).extend(known[1])
        _fill_rects(painter, by_color)

    def _paint_layers(self, painter: QPainter, layered: list[ViewSpan]) -> None:
        """Colleagues' spans: dashed outlines, no fill, so they never hide the user's own coding."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for span in layered:
            pen = QPen(
                QColor(span.color), 1.5, Qt.PenStyle.DashLine
            )  # logical width: as thick at 200 % as at 100 %
            painter.setPen(pen)
            for rect in self._screen_rects(span):
                painter.drawRoundedRect(rect.adjusted(0.75, 0.75, -0.75, -0.75), 2, 2)


def _lane_marks(rects: list[QRectF], lane: int, ratio: float) -> list[QRectF]:
    """The underlines of a span in ``lane`` (or, past the last lane, a corner tick on each piece)."""
    if lane < MAX_LANES:  # each rectangle's bottom, lifted by the lanes below this one
        return [
            snap_to_device(
                rect.left(), rect.bottom() - LANE_HEIGHT * lane, rect.width(), LANE_HEIGHT - 1, ratio
            )
            for rect in rects
        ]
    return [snap_to_device(rect.right() - 4, rect.top() + 4, 4, 4, ratio) for rect in rects]


def _fill_rects(painter: QPainter, by_color: dict[str, list[QRectF]], alpha: int = 255) -> None:
    """Fill rectangles, one call per colour: a paint fills a few hundred, a Python call each cost a millisecond."""
    painter.setPen(Qt.PenStyle.NoPen)
    for name, rects in by_color.items():
        color = QColor(name)
        color.setAlpha(alpha)
        painter.setBrush(color)
        painter.drawRects(rects)


def snap_to_device(left: float, bottom: float, width: float, height: float, ratio: float) -> QRectF:
    """A rectangle on whole device pixels: same bottom edge (rounded), a height of a whole number of them.

    Anchored at the bottom so an underline never spills into the next line.
    The edges are then pulled in by a hair, so that whichever way the paint
    engine rounds (nearest, or outward), ``x / ratio * ratio`` landing a float
    error past a whole pixel never adds a row. Takes plain numbers: a paint
    snaps a hundred lanes, and a QRectF per lane only to read it back cost more.
    """
    device_left, device_right = round(left * ratio), round((left + width) * ratio)
    device_height = max(1, round(height * ratio))
    device_top = round(bottom * ratio) - device_height
    device_width = max(1, device_right - device_left)
    hair = 0.01
    return QRectF(
        (device_left + hair) / ratio,
        (device_top + hair) / ratio,
        (device_width - 2 * hair) / ratio,
        (device_height - 2 * hair) / ratio,
    )


class ScreenLine(NamedTuple):
    """One laid-out line on the screen, valid for one paint (``line`` wraps Qt's live layout)."""

    start: int  # Qt position of its first character
    end: int  # Qt position after its last one (a paragraph separator excluded)
    block_position: int
    top: float  # viewport coordinates
    left: float
    height: float
    line: object  # QTextLine
    rtl_paragraph: bool


def _collect_lines(
    lines: list[ScreenLine], block, layout, first: int, last: int, top: float, left: float
) -> None:
    """Append lines ``first..last`` of a block whose top is at viewport ``top``."""
    position = block.position()
    text_end = position + block.length() - 1
    rtl = block.textDirection() == Qt.LayoutDirection.RightToLeft
    for index in range(first, last + 1):
        line = layout.lineAt(index)
        start = position + line.textStart()
        lines.append(
            ScreenLine(
                start,
                min(start + line.textLength(), text_end),
                position,
                top + line.y(),
                left,
                line.height(),
                line,
                rtl,
            )
        )


def _line_index_at_y(layout, y: float) -> int:
    """Index of the first line of ``layout`` whose bottom is below ``y`` (binary search)."""
    low, high = 0, layout.lineCount()
    while low < high:
        middle = (low + high) // 2
        line = layout.lineAt(middle)
        if line.y() + line.height() <= y:
            low = middle + 1
        else:
            high = middle
    return low

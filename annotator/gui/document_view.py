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

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPoint, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPen, QTextCharFormat, QTextCursor, QTextOption
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QToolTip, QWidget

from annotator.gui.offsets import OffsetMap
from annotator.spans import SpanIndex

#: Keys the window uses as shortcuts while the text has focus.
PASS_THROUGH_KEYS = {getattr(Qt.Key, f"Key_{n}") for n in range(1, 10)} | {Qt.Key.Key_Delete}
#: Right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko ... and their presentation forms).
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff\U0001e800-\U0001efff]")
MAX_LANES = 4
LANE_HEIGHT = 3
FILL_ALPHA = 56


@dataclass(frozen=True, slots=True)
class ViewSpan:
    """What the view needs to draw one annotation."""

    id: str
    start: int
    end: int
    color: str
    label: str
    annotator: str = ""
    note: str | None = None
    layer: str | None = None


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
        self._own: SpanIndex[ViewSpan] = SpanIndex()
        self._layers: dict[str, SpanIndex[ViewSpan]] = {}
        self._hidden_layers: set[str] = set()
        self._zoom = 0
        self._press_position: QPoint | None = None
        self._rtl_blocks: dict[int, bool] = {}
        self.selectionChanged.connect(self._emit_selection)
        font = self.font()
        font.setPointSizeF(max(font.pointSizeF(), 10.5) + 1)
        self.setFont(font)
        self.document().setDocumentMargin(18)

    # -- content ------------------------------------------------------------

    def set_document(self, text: str, spans: Iterable[ViewSpan]) -> None:
        """Show ``text`` with ``spans``; scrolls to the top."""
        self._text = text
        self._offsets = OffsetMap(text)
        self._own = SpanIndex(spans)
        self._layers.clear()
        self.setPlainText(text)
        self.moveCursor(QTextCursor.MoveOperation.Start)

    def clear_document(self) -> None:
        """Show nothing."""
        self.set_document("", [])

    def text(self) -> str:
        """The text shown (the stored text, never read back from Qt)."""
        return self._text

    def add_span(self, span: ViewSpan) -> None:
        """Show one more annotation."""
        self._own.add(span)
        self._repaint_range(span.start, span.end)

    def remove_span(self, span_id: str) -> None:
        """Stop showing an annotation."""
        span = self._own.remove(span_id)
        if span is not None:
            self._repaint_range(span.start, span.end)

    def update_span(self, span: ViewSpan) -> None:
        """Redraw an annotation that changed range, colour or note."""
        old = self._own.remove(span.id)
        self._own.add(span)
        if old is not None:
            self._repaint_range(old.start, old.end)
        self._repaint_range(span.start, span.end)

    def set_spans(self, spans: Iterable[ViewSpan]) -> None:
        """Replace all of the user's own annotations."""
        self._own = SpanIndex(spans)
        self.viewport().update()

    def own_spans(self) -> list[ViewSpan]:
        """The user's own annotations as shown."""
        return self._own.all()

    def set_layer_spans(self, layer: str, spans: Iterable[ViewSpan]) -> None:
        """Show a review layer's annotations (a colleague's file)."""
        self._layers[layer] = SpanIndex(spans)
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
        cursor.setPosition(self._offsets.to_qt(max(0, min(end, len(self._text)))),
                           QTextCursor.MoveMode.KeepAnchor)
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
        return self._own.at(offset)

    def _all_spans_at(self, offset: int) -> list[ViewSpan]:
        spans = list(self._own.at(offset))
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
            if event.key() in PASS_THROUGH_KEYS and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
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
                f"<p style='margin:2px'><span style='color:{span.color}'>■</span> "
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

    def _visible_qt_range(self) -> tuple[int, int]:
        block = self.firstVisibleBlock()
        start = block.position()
        offset = self.contentOffset()
        height = self.viewport().height()
        end = start
        while block.isValid():
            top = self.blockBoundingGeometry(block).translated(offset).top()
            if top > height:
                break
            end = block.position() + block.length()
            block = block.next()
        return start, end

    def _repaint_range(self, start: int, end: int) -> None:
        visible_start, visible_end = self._visible_qt_range()
        if self._offsets.to_qt(end) >= visible_start and self._offsets.to_qt(start) <= visible_end:
            self.viewport().update()

    def _block_has_rtl(self, block) -> bool:
        cached = self._rtl_blocks.get(block.blockNumber())
        if cached is None:
            start = self._offsets.from_qt(block.position())
            end = self._offsets.from_qt(block.position() + block.length() - 1)
            cached = self._rtl_blocks[block.blockNumber()] = bool(_RTL.search(self._text, start, end))
        return cached

    @staticmethod
    def _piece_extents(line, start: int, end: int, bidi: bool) -> list[tuple[float, float]]:
        """Horizontal extents of characters ``[start, end)`` of a line, left to right.

        In mixed-direction text one logical range can be several visual
        pieces, and a caret position at a direction change is ambiguous, so
        there the glyph runs are asked; plain text needs just two carets.
        """
        if bidi:
            extents = sorted((r.boundingRect().left(), r.boundingRect().right())
                             for r in line.glyphRuns(start, end - start))
            merged: list[tuple[float, float]] = []
            for left, right in extents:
                if merged and left <= merged[-1][1] + 0.5:
                    merged[-1] = (merged[-1][0], max(merged[-1][1], right))
                else:
                    merged.append((left, right))
            return merged
        x1, x2 = line.cursorToX(start)[0], line.cursorToX(end)[0]
        return [(min(x1, x2), max(x1, x2))]

    def _span_rects(self, span: ViewSpan, first_block, offset) -> list[QRectF]:
        """Rectangles covering ``span`` on each visible line, in viewport coordinates."""
        qt_start, qt_end = self._offsets.to_qt(span.start), self._offsets.to_qt(span.end)
        rects = []
        block = self.document().findBlock(max(qt_start, first_block.position()))
        height = self.viewport().height()
        while block.isValid() and block.position() < qt_end:
            geometry = self.blockBoundingGeometry(block).translated(offset)
            if geometry.top() > height:
                break
            layout = block.layout()
            bidi = self._block_has_rtl(block)
            local_start = max(qt_start - block.position(), 0)
            local_end = min(qt_end - block.position(), block.length() - 1)
            for index in range(layout.lineCount()):
                line = layout.lineAt(index)
                line_start, line_end = line.textStart(), line.textStart() + line.textLength()
                piece_start, piece_end = max(local_start, line_start), min(local_end, line_end)
                if piece_start >= piece_end:
                    continue
                for left, right in self._piece_extents(line, piece_start, piece_end, bidi):
                    rects.append(QRectF(geometry.left() + left, geometry.top() + line.y(),
                                        max(right - left, 2.0), line.height()))
            block = block.next()
        return rects

    def paintEvent(self, event) -> None:
        if not self._text:
            super().paintEvent(event)
            return
        visible_start, visible_end = self._visible_qt_range()
        start, end = self._offsets.from_qt(visible_start), self._offsets.from_qt(visible_end)
        own = self._own.overlapping(start, end)
        layered = [
            span for layer, index in self._layers.items() if layer not in self._hidden_layers
            for span in index.overlapping(start, end)
        ]
        first_block = self.firstVisibleBlock()
        offset = self.contentOffset()
        self._rtl_blocks: dict[int, bool] = {}
        geometry = {span.id: self._span_rects(span, first_block, offset) for span in own}
        painter = QPainter(self.viewport())
        painter.setPen(Qt.PenStyle.NoPen)
        for span in own:
            color = QColor(span.color)
            color.setAlpha(FILL_ALPHA)
            for rect in geometry[span.id]:
                painter.fillRect(rect, color)
        painter.end()
        super().paintEvent(event)
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        lanes = assign_lanes(own)
        for span in own:
            lane = lanes[span.id]
            color = QColor(span.color)
            for rect in geometry[span.id]:
                if lane < MAX_LANES:
                    y = rect.bottom() - LANE_HEIGHT * (lane + 1) + 1
                    painter.fillRect(QRectF(rect.left(), y, rect.width(), LANE_HEIGHT - 1), color)
                else:
                    painter.fillRect(QRectF(rect.right() - 3, rect.top(), 3, 3), color)
        for span in layered:
            pen = QPen(QColor(span.color), 1.5, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for rect in self._span_rects(span, first_block, offset):
                painter.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))
        painter.end()

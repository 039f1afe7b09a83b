"""The tag palette: the theme tree and the speakers, with colour, count and number key.

Clicking a tag applies it to the selected text; the first nine tags in
palette order answer to the keys 1-9, shown in the Key column. Management
(new, rename, recolour, nest, reorder, merge, delete) is on the context menu
and goes out as requests the window turns into undoable ops.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtWidgets import QHeaderView, QMenu, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from annotator.gui.dialogs import plain_tooltip
from annotator.model import Tag, TagKind
from annotator.palette import palette_order

KEY_COLUMN, COUNT_COLUMN = 1, 2


class SwatchEngine(QIconEngine):
    """Draws a tag's rounded colour square at whatever size and device pixel ratio Qt asks for.

    A pixmap made at one fixed ratio is scaled, and so blurred, on screens of
    any other (125 %, 150 %, 300 %, or a second monitor); painting on demand
    is sharp on all of them.
    """

    def __init__(self, color: str):
        super().__init__()
        self._color = QColor(color)

    def clone(self) -> QIconEngine:
        return SwatchEngine(self._color.name(QColor.NameFormat.HexArgb))

    def paint(self, painter: QPainter, rect: QRect, mode, state) -> None:
        side = min(rect.width(), rect.height())
        inset = max(side / 14, 0.5)  # the old 1 px margin and 3 px radius of a 14 px swatch, scaled
        box = QRectF(
            rect.left() + (rect.width() - side) / 2 + inset,
            rect.top() + (rect.height() - side) / 2 + inset,
            side - 2 * inset,
            side - 2 * inset,
        )
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(self._color)
        painter.setPen(self._color.darker(130))
        painter.drawRoundedRect(box, side * 3 / 14, side * 3 / 14)
        painter.restore()

    def pixmap(self, size: QSize, mode, state) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(self, size: QSize, mode, state, scale: float) -> QPixmap:
        """``size`` logical pixels at ``scale`` device pixels each (what QIcon.pixmap(size, ratio) asks for)."""
        pixmap = QPixmap(max(1, math.ceil(size.width() * scale)), max(1, math.ceil(size.height() * scale)))
        pixmap.setDevicePixelRatio(scale)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        self.paint(painter, QRect(0, 0, size.width(), size.height()), mode, state)
        painter.end()
        return pixmap


def swatch(color: str) -> QIcon:
    """A rounded colour square for a tag, sharp at any screen scale."""
    return QIcon(SwatchEngine(color))


class TagPalette(QWidget):
    """Themes and speakers; emits requests, never changes the store itself."""

    tagClicked = Signal(str)
    newTagRequested = Signal(str, object)  # kind, parent tag id or None
    editTagRequested = Signal(str)
    recolorTagRequested = Signal(str)
    moveTagRequested = Signal(str, int)  # tag id, -1 up / +1 down
    mergeTagRequested = Signal(str)
    deleteTagRequested = Signal(str)
    #: "Show passages": list the passages coded with this tag (the analysis's retrieval).
    showPassagesRequested = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Tag", "Key", "Uses"])
        self.tree.setIconSize(QSize(14, 14))
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(KEY_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COUNT_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemClicked.connect(self._clicked)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tree)
        self.ordered: list[Tag] = []
        self._items: dict[str, QTreeWidgetItem] = {}
        self._counts: dict[str, int] = {}

    def set_tags(self, tags: list[Tag], counts: dict[str, int]) -> None:
        """Rebuild the tree; keeps groups expanded."""
        self.ordered = palette_order(tags)
        self._counts = dict(counts)
        self.tree.clear()
        self._items.clear()
        groups = {}
        for kind, title in ((TagKind.THEME, "Themes"), (TagKind.SPEAKER, "Speakers")):
            group = QTreeWidgetItem(self.tree, [title])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setData(0, Qt.ItemDataRole.UserRole, f"group:{kind.value}")
            groups[kind] = group
        for number, tag in enumerate(self.ordered, start=1):
            parent_item = self._items.get(tag.parent_id) if tag.parent_id else None
            item = QTreeWidgetItem(parent_item or groups[tag.kind])
            item.setText(0, tag.name)
            item.setIcon(0, swatch(tag.color))
            item.setToolTip(0, plain_tooltip(tag.description or tag.name))
            item.setText(KEY_COLUMN, str(number) if number <= 9 else "")
            item.setTextAlignment(KEY_COLUMN, Qt.AlignmentFlag.AlignCenter)
            item.setTextAlignment(COUNT_COLUMN, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setData(0, Qt.ItemDataRole.UserRole, tag.id)
            self._items[tag.id] = item
        self._show_counts()
        self.tree.expandAll()

    def _show_counts(self) -> None:
        for tag_id, item in self._items.items():
            count = self._counts.get(tag_id, 0)
            item.setText(COUNT_COLUMN, f"{count:,}" if count else "")

    def adjust_count(self, tag_id: str, delta: int) -> None:
        """Change one tag's use count without rebuilding (after adding or removing spans)."""
        self._counts[tag_id] = max(0, self._counts.get(tag_id, 0) + delta)
        item = self._items.get(tag_id)
        if item is not None:
            count = self._counts[tag_id]
            item.setText(COUNT_COLUMN, f"{count:,}" if count else "")

    def count(self, tag_id: str) -> int:
        return self._counts.get(tag_id, 0)

    def tag_for_key(self, number: int) -> Tag | None:
        """The tag answering to number key ``number`` (1-9)."""
        return self.ordered[number - 1] if 1 <= number <= min(9, len(self.ordered)) else None

    def current_tag_id(self) -> str | None:
        item = self.tree.currentItem()
        value = item.data(0, Qt.ItemDataRole.UserRole) if item else None
        return value if value and not str(value).startswith("group:") else None

    def _clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        value = item.data(0, Qt.ItemDataRole.UserRole)
        if value and not str(value).startswith("group:"):
            self.tagClicked.emit(value)

    def _context_menu(self, point) -> None:
        item = self.tree.itemAt(point)
        value = item.data(0, Qt.ItemDataRole.UserRole) if item else None
        self.context_menu(value).exec(self.tree.viewport().mapToGlobal(point))

    def context_menu(self, value: str | None) -> QMenu:
        """The context menu of a tree row (its tag id, a group's ``group:...`` value, or None)."""
        menu = QMenu(self)
        is_tag = bool(value) and not str(value).startswith("group:")
        if is_tag:
            menu.addAction("Show passages", lambda: self.showPassagesRequested.emit(value))
            menu.addSeparator()
        menu.addAction("New theme…", lambda: self.newTagRequested.emit("theme", None))
        menu.addAction("New speaker…", lambda: self.newTagRequested.emit("speaker", None))
        if is_tag:
            tag_id = value
            is_theme = any(t.id == tag_id and t.kind is TagKind.THEME for t in self.ordered)
            if is_theme:
                menu.addAction("New theme inside…", lambda: self.newTagRequested.emit("theme", tag_id))
            menu.addSeparator()
            menu.addAction("Edit (name, parent, description)…", lambda: self.editTagRequested.emit(tag_id))
            menu.addAction("Colour…", lambda: self.recolorTagRequested.emit(tag_id))
            menu.addAction("Move up", lambda: self.moveTagRequested.emit(tag_id, -1))
            menu.addAction("Move down", lambda: self.moveTagRequested.emit(tag_id, 1))
            menu.addAction("Merge into…", lambda: self.mergeTagRequested.emit(tag_id))
            menu.addSeparator()
            menu.addAction("Delete…", lambda: self.deleteTagRequested.emit(tag_id))
        return menu

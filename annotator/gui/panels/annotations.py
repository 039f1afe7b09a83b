"""The annotations of the current document: a sortable table; a click jumps to the span.

Backed by a model over plain annotation tuples that keeps its own sort
order (see ``sorted_rows``), so a document with 50,000 spans lists at once
(the view asks only for visible rows), and adding or removing one span
inserts or removes one row at its place.
"""

from __future__ import annotations

from operator import attrgetter

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from annotator.gui.dialogs import plain_tooltip
from annotator.gui.panels.sorted_rows import SortedRows, resort_model
from annotator.model import Annotation, ShownAnnotation, Tag

#: A row: read for the document (``ShownAnnotation``) or just made by an edit (``Annotation``).
AnnotationRow = ShownAnnotation | Annotation

COLUMNS = ("Start", "End", "Tag", "Text", "Annotator", "Note")
SNIPPET = 80
#: Columns sized once per document from what they can hold (``AnnotationsPanel.fit_columns``):
#: sized to their contents instead, Qt measured them again after every row added or removed,
#: and every span added or undone repainted the table twice.
FITTED_COLUMNS = (0, 1, 2, 4)
CELL_PADDING = 18  # pixels beside a cell's text: margins, and the tag column's colour square


_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.UserRole,
    }
)


class AnnotationsModel(QAbstractTableModel):
    """One row per annotation of one document, kept in the table's sort order (no proxy)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.text = ""
        self.tags: dict[str, Tag] = {}
        self._sort_column = 0
        self._shown: SortedRows[AnnotationRow] = SortedRows(self._key_for(0), attrgetter("id"))

    @property
    def rows(self) -> list[AnnotationRow]:
        """The annotations in the order the table shows them."""
        return self._shown.rows_in_view_order()

    def _key_for(self, column: int):
        """The sort key of a column: its value, then the span's position."""
        if column == 1:
            return lambda a: (a.end, a.start)
        if column == 2:
            return lambda a: (self._tag_name(a).casefold(), a.start, a.end)
        if column == 3:
            return lambda a: (self._snippet(a).casefold(), a.start)
        if column == 4:
            return lambda a: (a.annotator.casefold(), a.start, a.end)
        if column == 5:
            return lambda a: ((a.note or "").casefold(), a.start, a.end)
        return lambda a: (
            a.start,
            a.end,
            a.tag_id,
        )  # the store's order (its index), so a document needs no sort

    def _tag_name(self, annotation: AnnotationRow) -> str:
        tag = self.tags.get(annotation.tag_id)
        return tag.name if tag else "?"

    def set_rows(
        self, text: str, annotations: list[AnnotationRow], tags: dict[str, Tag], *, by_position: bool = False
    ) -> None:
        """Replace everything; ``by_position``: they come ordered by start, end, tag id and id (as
        ``Store.shown_annotations`` gives them), this table's default order: 50,000 rows need no sorting."""
        self.beginResetModel()
        self.text, self.tags = text, tags
        self._shown.reset(annotations, presorted=by_position and self._sort_column == 0)
        self.endResetModel()

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column (the header's click); selections follow their rows."""
        self._sort_column = column
        resort_model(
            self, self._shown, self._key_for(column), descending=order == Qt.SortOrder.DescendingOrder
        )

    def add_row(self, annotation: AnnotationRow) -> None:
        row = self._shown.insertion_row(annotation)
        self.beginInsertRows(QModelIndex(), row, row)
        self._shown.insert(annotation)
        self.endInsertRows()

    def remove_row(self, annotation_id: str) -> None:
        row = self._shown.view_row_of(annotation_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        self._shown.remove(annotation_id)
        self.endRemoveRows()

    def replace_row(self, annotation: AnnotationRow) -> None:
        """A changed annotation (retagged, moved, noted): refreshed, and moved if its place changed."""
        if self._shown.view_row_of(annotation.id) is None:
            return
        old, new = self._shown.replacement_rows(annotation)
        if old != new:
            self.beginMoveRows(QModelIndex(), old, old, QModelIndex(), new + 1 if new > old else new)
        self._shown.replace(annotation)
        if old != new:
            self.endMoveRows()
        self.dataChanged.emit(self.index(new, 0), self.index(new, len(COLUMNS) - 1))

    def row_of(self, annotation_id: str) -> int | None:
        """The table row showing this annotation."""
        return self._shown.view_row_of(annotation_id)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent=QModelIndex()) -> int:
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def _snippet(self, annotation: AnnotationRow) -> str:
        piece = self.text[annotation.start : min(annotation.end, annotation.start + SNIPPET)]
        piece = " ".join(piece.split())
        return piece + ("…" if annotation.end - annotation.start > SNIPPET else "")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role not in _ROLES:  # Qt asks for eight roles per cell at each paint; these four are ours
            return None
        annotation = self._shown.at(index.row())
        column = index.column()
        tag = self.tags.get(annotation.tag_id)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return annotation.start
            if column == 1:
                return annotation.end
            if column == 2:
                return tag.name if tag else "?"
            if column == 3:
                return self._snippet(annotation)
            if column == 4:
                return annotation.annotator
            return annotation.note or ""
        if role == Qt.ItemDataRole.DecorationRole and column == 2 and tag:
            return QColor(tag.color)
        if role == Qt.ItemDataRole.ToolTipRole and column in (3, 5):
            tip = (
                (annotation.note or "")
                if column == 5
                else self.text[annotation.start : annotation.end][:2000]
            )
            return plain_tooltip(tip) or None
        if role == Qt.ItemDataRole.UserRole:
            return annotation.id
        return None


class AnnotationsTable(QTableView):
    """The table, left unpainted when rows come or go below the last one it shows.

    After rows are inserted or removed, Qt lays an item view out again and
    repaints its whole viewport: 4 ms for 25 rows here, on every span added
    or undone, although a row below the visible ones changes nothing on the
    screen but the scroll bar. Such a layout only updates the geometry
    (the scroll bar's range); any other change repaints as Qt would.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._changes_all_below: bool | None = None  # None: no row change waits for the layout

    def setModel(self, model) -> None:  # noqa: N802 - Qt's name
        super().setModel(model)
        model.rowsAboutToBeInserted.connect(self._rows_changing)
        model.rowsAboutToBeRemoved.connect(self._rows_changing)
        # A reset, a sort or a move rearranges rows on screen: the next layout repaints, whatever follows.
        for everything_moves in (model.modelReset, model.layoutChanged, model.rowsMoved):
            everything_moves.connect(self._rows_rearranged)

    def _rows_rearranged(self, *_args) -> None:
        self._changes_all_below = False

    def _rows_changing(self, _parent, first: int, _last: int) -> None:
        last_shown = self.rowAt(self.viewport().height() - 1)  # -1: the rows end above the bottom
        below = last_shown >= 0 and first > last_shown
        self._changes_all_below = (
            below if self._changes_all_below is None else self._changes_all_below and below
        )

    def doItemsLayout(self) -> None:  # noqa: N802 - Qt's name
        all_below, self._changes_all_below = self._changes_all_below, None
        if all_below:
            self.updateGeometries()
        else:
            super().doItemsLayout()


class AnnotationsPanel(QWidget):
    """The table of the current document's annotations."""

    annotationActivated = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = AnnotationsModel(self)
        self.table = AnnotationsTable(self)
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in FITTED_COLUMNS:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.model.modelReset.connect(self.fit_columns)
        self.table.clicked.connect(self._activated)
        self.table.activated.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table)

    def fit_columns(self) -> None:
        """Widths for the widest value each column can show in this document: the largest
        offset, the longest tag name, the longest annotator name (never narrower than the title)."""
        model, metrics = self.model, self.table.fontMetrics()
        header = self.table.horizontalHeader()
        widest = {
            0: str(len(model.text)),
            1: str(len(model.text)),
            2: max((tag.name for tag in model.tags.values()), key=metrics.horizontalAdvance, default=""),
            4: max({a.annotator for a in model.rows}, key=metrics.horizontalAdvance, default=""),
        }
        for column, text in widest.items():
            title = header.fontMetrics().horizontalAdvance(COLUMNS[column])
            extra = CELL_PADDING + (metrics.height() if column == 2 else 0)
            self.table.setColumnWidth(column, max(metrics.horizontalAdvance(text), title) + extra)

    def _activated(self, index) -> None:
        self.annotationActivated.emit(self.model.data(index, Qt.ItemDataRole.UserRole))

    def select(self, annotation_id: str) -> None:
        """Select an annotation's row (after a click on it in the text)."""
        row = self.model.row_of(annotation_id)
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def selected_ids(self) -> list[str]:
        """Ids of the selected rows."""
        return [
            self.model.data(i, Qt.ItemDataRole.UserRole) for i in self.table.selectionModel().selectedRows()
        ]

"""The annotations of the current document: a sortable table; a click jumps to the span.

Backed by a model over plain ``Annotation`` values, so a document with
50,000 spans lists instantly (the view asks only for visible rows), and
adding or removing one span inserts or removes one row.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from annotator.gui.dialogs import plain_tooltip
from annotator.model import Annotation, Tag

COLUMNS = ("Start", "End", "Tag", "Text", "Annotator", "Note")
SNIPPET = 80


class AnnotationsModel(QAbstractTableModel):
    """One row per annotation of one document."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[Annotation] = []
        self.text = ""
        self.tags: dict[str, Tag] = {}

    def set_rows(self, text: str, annotations: list[Annotation], tags: dict[str, Tag]) -> None:
        """Replace everything."""
        self.beginResetModel()
        self.text, self.rows, self.tags = text, list(annotations), tags
        self.endResetModel()

    def add_row(self, annotation: Annotation) -> None:
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows))
        self.rows.append(annotation)
        self.endInsertRows()

    def remove_row(self, annotation_id: str) -> None:
        for row, annotation in enumerate(self.rows):
            if annotation.id == annotation_id:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self.rows[row]
                self.endRemoveRows()
                return

    def replace_row(self, annotation: Annotation) -> None:
        for row, existing in enumerate(self.rows):
            if existing.id == annotation.id:
                self.rows[row] = annotation
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
                return

    def row_of(self, annotation_id: str) -> int | None:
        return next((i for i, a in enumerate(self.rows) if a.id == annotation_id), None)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def _snippet(self, annotation: Annotation) -> str:
        piece = self.text[annotation.start:min(annotation.end, annotation.start + SNIPPET)]
        piece = " ".join(piece.split())
        return piece + ("…" if annotation.end - annotation.start > SNIPPET else "")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        annotation = self.rows[index.row()]
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
            tip = (annotation.note or "") if column == 5 else self.text[annotation.start:annotation.end][:2000]
            return plain_tooltip(tip) or None
        if role == Qt.ItemDataRole.UserRole:
            return annotation.id
        return None


class AnnotationsPanel(QWidget):
    """The table of the current document's annotations."""

    annotationActivated = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = AnnotationsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in (0, 1, 2, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.clicked.connect(self._activated)
        self.table.activated.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table)

    def _activated(self, index) -> None:
        self.annotationActivated.emit(self.proxy.data(index, Qt.ItemDataRole.UserRole))

    def select(self, annotation_id: str) -> None:
        """Select an annotation's row (after a click on it in the text)."""
        row = self.model.row_of(annotation_id)
        if row is not None:
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            self.table.selectRow(index.row())
            self.table.scrollTo(index)

    def selected_ids(self) -> list[str]:
        """Ids of the selected rows."""
        return [self.proxy.data(i, Qt.ItemDataRole.UserRole) for i in self.table.selectionModel().selectedRows()]

"""The documents panel: every document with its annotation count and status, filterable."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.dialogs import plain_tooltip
from annotator.model import DocumentStatus, DocumentSummary

STATUS_LABELS = {
    DocumentStatus.TODO: "to do",
    DocumentStatus.IN_PROGRESS: "in progress",
    DocumentStatus.DONE: "done",
}
COLUMNS = ("Document", "Spans", "Status")


class DocumentsModel(QAbstractTableModel):
    """Document summaries (no texts) as a table."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[DocumentSummary] = []
        self._row_of: dict[str, int] = {}

    def set_documents(self, documents: list[DocumentSummary]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self.rows = list(documents)
        self._row_of = {d.id: i for i, d in enumerate(self.rows)}
        self.endResetModel()

    def row_of(self, document_id: str) -> int | None:
        return self._row_of.get(document_id)

    def update_document(self, summary: DocumentSummary) -> None:
        """Refresh one row in place (count or status changed)."""
        row = self._row_of.get(summary.id)
        if row is not None:
            self.rows[row] = summary
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        doc = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (doc.title, doc.annotation_count, STATUS_LABELS[doc.status])[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(f"{doc.title}\n{doc.length:,} characters · {doc.annotation_count:,} annotations")
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return doc.id
        if role == Qt.ItemDataRole.InitialSortOrderRole:
            return Qt.SortOrder.AscendingOrder
        return None


class _SortProxy(QSortFilterProxyModel):
    def lessThan(self, left, right) -> bool:
        if left.column() == 0:  # keep import order for the title column's default sort
            return self.sourceModel().rows[left.row()].position < self.sourceModel().rows[right.row()].position
        return super().lessThan(left, right)


class DocumentsPanel(QWidget):
    """Filter box above a sortable table of documents."""

    documentActivated = Signal(str)
    statusChangeRequested = Signal(str, object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = DocumentsModel(self)
        self.proxy = _SortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(0)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter documents…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.filter)
        layout.addWidget(self.table)
        self._quiet = False

    def set_documents(self, documents: list[DocumentSummary], current_id: str | None) -> None:
        """Show these documents and keep ``current_id`` selected."""
        self._quiet = True
        self.model.set_documents(documents)
        if current_id:
            self.select(current_id)
        self._quiet = False

    def select(self, document_id: str) -> None:
        """Highlight a document's row without emitting documentActivated."""
        row = self.model.row_of(document_id)
        if row is None:
            return
        quiet, self._quiet = self._quiet, True
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        self._quiet = quiet

    def _current_changed(self, current, _previous) -> None:
        if not self._quiet and current.isValid():
            self.documentActivated.emit(self.proxy.data(current, Qt.ItemDataRole.UserRole))

    def _context_menu(self, point) -> None:
        index = self.table.indexAt(point)
        if not index.isValid():
            return
        document_id = self.proxy.data(index, Qt.ItemDataRole.UserRole)
        menu = QMenu(self)
        for status, label in STATUS_LABELS.items():
            action = QAction(f"Mark as {label}", menu)
            action.triggered.connect(lambda _=False, s=status: self.statusChangeRequested.emit(document_id, s))
            menu.addAction(action)
        menu.exec(self.table.viewport().mapToGlobal(point))

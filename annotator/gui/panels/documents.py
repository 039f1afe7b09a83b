"""The documents panel: every document with its annotation count and status, filterable."""

from __future__ import annotations

from operator import attrgetter

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QMenu,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.dialogs import plain_tooltip
from annotator.gui.panels.sorted_rows import SortedRows, resort_model
from annotator.model import DocumentStatus, DocumentSummary

STATUS_LABELS = {
    DocumentStatus.TODO: "to do",
    DocumentStatus.IN_PROGRESS: "in progress",
    DocumentStatus.DONE: "done",
}
COLUMNS = ("Document", "Spans", "Status")


_STATUS_ORDER = {status: i for i, status in enumerate(STATUS_LABELS)}


class DocumentsModel(QAbstractTableModel):
    """Document summaries (no texts) as a table, filtered and sorted by the model itself.

    ``rows`` holds every document in import order (what "next document" and
    "the first document" mean); the table shows the ones whose title holds
    the filter text, in the chosen column's order.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[DocumentSummary] = []
        self._row_of: dict[str, int] = {}
        self._filter = ""
        self._sort_column = 0
        self._shown: SortedRows[DocumentSummary] = SortedRows(self._key_for(0), attrgetter("id"))

    @staticmethod
    def _key_for(column: int):
        """Title sorts as imported (the order researchers set); the others by value, then so."""
        if column == 1:
            return lambda d: (d.annotation_count, d.position)
        if column == 2:
            return lambda d: (_STATUS_ORDER[d.status], d.position)
        return lambda d: (d.position,)

    def _matches(self, doc: DocumentSummary) -> bool:
        return not self._filter or self._filter in doc.title.casefold()

    def set_documents(self, documents: list[DocumentSummary]) -> None:
        """Replace every row (given in import order, as the store lists them)."""
        self.beginResetModel()
        self.rows = list(documents)
        self._row_of = {d.id: i for i, d in enumerate(self.rows)}
        in_import_order = self._sort_column == 0 and all(
            a.position < b.position for a, b in zip(self.rows, self.rows[1:], strict=False)
        )
        self._shown.reset((d for d in self.rows if self._matches(d)), presorted=in_import_order)
        self.endResetModel()

    def set_filter(self, text: str) -> None:
        """Show only documents whose title contains ``text`` (ignoring case)."""
        self.beginResetModel()
        self._filter = text.strip().casefold()
        self._shown.reset(d for d in self.rows if self._matches(d))  # few rows: sorting is cheap
        self.endResetModel()

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column (the header's click); the selection follows its row."""
        self._sort_column = column
        resort_model(
            self, self._shown, self._key_for(column), descending=order == Qt.SortOrder.DescendingOrder
        )

    def row_of(self, document_id: str) -> int | None:
        """The document's place in ``rows`` (import order), if it is in the project."""
        return self._row_of.get(document_id)

    def view_row_of(self, document_id: str) -> int | None:
        """The table row showing the document, if the filter lets it through."""
        return self._shown.view_row_of(document_id)

    def document_at(self, view_row: int) -> DocumentSummary:
        """The document shown in a table row."""
        return self._shown.at(view_row)

    def update_document(self, summary: DocumentSummary) -> None:
        """Refresh one row in place (count or status changed)."""
        row = self._row_of.get(summary.id)
        if row is None:
            return
        self.rows[row] = summary
        shown = self._shown.view_row_of(summary.id)
        if shown is None:
            return
        old, new = self._shown.replacement_rows(summary)
        if old == new:
            self._shown.replace(summary)
            self.dataChanged.emit(self.index(new, 0), self.index(new, len(COLUMNS) - 1))
            return
        # Sorted by count or status, and that changed: the row moves (Qt counts the
        # destination before the move, hence + 1 downwards).
        self.beginMoveRows(QModelIndex(), old, old, QModelIndex(), new + 1 if new > old else new)
        self._shown.replace(summary)
        self.endMoveRows()
        self.dataChanged.emit(self.index(new, 0), self.index(new, len(COLUMNS) - 1))

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent=QModelIndex()) -> int:
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        doc = self._shown.at(index.row())
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (doc.title, doc.annotation_count, STATUS_LABELS[doc.status])[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(
                f"{doc.title}\n{doc.length:,} characters · {doc.annotation_count:,} annotations"
            )
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return doc.id
        if role == Qt.ItemDataRole.InitialSortOrderRole:
            return Qt.SortOrder.AscendingOrder
        return None


class DocumentsPanel(QWidget):
    """Filter box above a sortable table of documents."""

    documentActivated = Signal(str)
    statusChangeRequested = Signal(str, object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = DocumentsModel(self)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter documents…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter_changed)
        self.table = QTableView(self)
        self.table.setModel(self.model)
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
        self._size_fixed_columns()
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.filter)
        layout.addWidget(self.table)
        self._quiet = False

    def _size_fixed_columns(self) -> None:
        """Spans and Status get the width of their widest possible text, measured once.

        Sized to contents, Qt asked every row for its data whenever the selection
        moved before the window was shown: 160,000 calls (1.3 s) for 10,000 documents.
        """
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        padding = 4 * self.table.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin) + 8
        widest = {1: ["Spans", "888,888"], 2: ["Status", *STATUS_LABELS.values()]}
        for column, texts in widest.items():
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, max(metrics.horizontalAdvance(t) for t in texts) + padding)

    def changeEvent(self, event) -> None:
        """A new font or style (zoom, system theme) changes the widths the columns need."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._size_fixed_columns()

    def set_documents(self, documents: list[DocumentSummary], current_id: str | None) -> None:
        """Show these documents and keep ``current_id`` selected."""
        self._quiet = True
        self.model.set_documents(documents)
        if current_id:
            self.select(current_id)
        self._quiet = False

    def _filter_changed(self, text: str) -> None:
        current = self.table.currentIndex()
        current_id = self.model.document_at(current.row()).id if current.isValid() else None
        self._quiet = True
        self.model.set_filter(text)
        if current_id:
            self.select(current_id)
        self._quiet = False

    def select(self, document_id: str) -> None:
        """Highlight a document's row without emitting documentActivated."""
        row = self.model.view_row_of(document_id)
        if row is None:
            return
        quiet, self._quiet = self._quiet, True
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        self._quiet = quiet

    def _current_changed(self, current, _previous) -> None:
        if not self._quiet and current.isValid():
            self.documentActivated.emit(self.model.data(current, Qt.ItemDataRole.UserRole))

    def _context_menu(self, point) -> None:
        index = self.table.indexAt(point)
        if not index.isValid():
            return
        document_id = self.model.data(index, Qt.ItemDataRole.UserRole)
        menu = QMenu(self)
        for status, label in STATUS_LABELS.items():
            action = QAction(f"Mark as {label}", menu)
            action.triggered.connect(
                lambda _=False, s=status: self.statusChangeRequested.emit(document_id, s)
            )
            menu.addAction(action)
        menu.exec(self.table.viewport().mapToGlobal(point))

"""Corpus search: a query box and a list of hits; each hit jumps to its place."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from annotator.errors import AnnotatorError
from annotator.gui.dialogs import plain_tooltip
from annotator.store import Store


class SearchPanel(QWidget):
    """Full-text search over every document of the project."""

    hitActivated = Signal(str, int, int)

    def __init__(self, store: Store, parent=None):
        super().__init__(parent)
        self.store = store
        self.query = QLineEdit(self)
        self.query.setPlaceholderText('Search the corpus: words, "a phrase", prefix*')
        self.query.setClearButtonEnabled(True)
        self.query.returnPressed.connect(self.run_search)
        self.summary = QLabel(self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)  # may echo the query in an error
        self.summary.setStyleSheet("color: palette(mid);")
        self.results = QListWidget(self)
        self.results.setWordWrap(True)
        self.results.itemActivated.connect(self._activated)
        self.results.itemClicked.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.query)
        layout.addWidget(self.summary)
        layout.addWidget(self.results)

    def set_store(self, store: Store) -> None:
        self.store = store
        self.results.clear()
        self.summary.clear()

    def run_search(self) -> None:
        """Search for what is in the query box and list the hits."""
        self.results.clear()
        try:
            hits = self.store.search(self.query.text(), limit=500)
        except AnnotatorError as exc:
            self.summary.setText(str(exc))
            return
        for hit in hits:
            item = QListWidgetItem(f"{hit.title}  ·  {hit.snippet}")
            item.setData(Qt.ItemDataRole.UserRole, (hit.document_id, hit.start, hit.end))
            item.setToolTip(plain_tooltip(f"{hit.title} [{hit.start}, {hit.end})"))
            self.results.addItem(item)
        self.summary.setText(f"{len(hits)} hit(s)" + (" — showing the first 500" if len(hits) >= 500 else ""))

    def _activated(self, item: QListWidgetItem) -> None:
        document_id, start, end = item.data(Qt.ItemDataRole.UserRole)
        self.hitActivated.emit(document_id, start, end)

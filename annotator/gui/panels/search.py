"""Corpus search: a query box and a list of hits; each hit jumps to its place.

The search runs as a ``Job`` on a read-only connection of its own, so a
frequent word over a large corpus never freezes the window; a newer query
replaces the answer of an older one still running.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from annotator.errors import AnnotatorError
from annotator.gui.dialogs import plain_tooltip
from annotator.gui.jobs import Job, JobContext
from annotator.model import SearchHit
from annotator.store import Store

#: Hits listed at most; the summary says when there are more.
SEARCH_LIMIT = 500


class SearchPanel(QWidget):
    """Full-text search over every document of the project."""

    hitActivated = Signal(str, int, int)

    def __init__(self, store: Store, parent=None):
        super().__init__(parent)
        self.store = store
        self.job: Job | None = None
        self._generation = 0
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
        self._generation += 1  # an answer still coming is about the project that was open
        self.results.clear()
        self.summary.clear()

    def run_search(self) -> None:
        """Search for what is in the query box, off the UI thread, and list the hits when they come."""
        self.results.clear()
        query = self.query.text()
        self._generation += 1
        generation = self._generation
        path = self.store.path
        if path is None:  # an in-memory project (previews, tests): its connection is this thread's
            self._show_hits(generation, self._search(self.store, query))
            return
        self.summary.setText("Searching…")

        def work(context: JobContext) -> list[SearchHit] | str:
            with Store.open(path, read_only=True) as store:
                return self._search(store, query)

        job = Job(work, title="Search", parent=self, report_failure=False)
        job.succeeded.connect(lambda hits: self._show_hits(generation, hits))
        job.failed.connect(lambda message: self._show_hits(generation, message))
        self.job = job.start()

    def wait_for_search(self) -> None:
        """Let a search still running end (before its project closes, or the window)."""
        if self.job is not None and self.job.is_running():
            self.job.wait()

    @staticmethod
    def _search(store: Store, query: str) -> list[SearchHit] | str:
        """The hits, or the one-line reason a query cannot run (bad syntax, say)."""
        try:
            return store.search(query, limit=SEARCH_LIMIT + 1)  # one more: are there more than shown?
        except AnnotatorError as exc:
            return str(exc)

    def _show_hits(self, generation: int, hits: list[SearchHit] | str) -> None:
        if generation != self._generation:
            return  # a newer query was asked for meanwhile
        self.results.clear()
        if isinstance(hits, str):
            self.summary.setText(hits)
            return
        for hit in hits[:SEARCH_LIMIT]:
            item = QListWidgetItem(f"{hit.title}  ·  {hit.snippet}")
            item.setData(Qt.ItemDataRole.UserRole, (hit.document_id, hit.start, hit.end))
            item.setToolTip(plain_tooltip(f"{hit.title} [{hit.start}, {hit.end})"))
            self.results.addItem(item)
        if len(hits) > SEARCH_LIMIT:
            self.summary.setText(f"More than {SEARCH_LIMIT} hits — showing the first {SEARCH_LIMIT}")
        else:
            self.summary.setText(f"{len(hits)} hit(s)")

    def _activated(self, item: QListWidgetItem) -> None:
        document_id, start, end = item.data(Qt.ItemDataRole.UserRole)
        self.hitActivated.emit(document_id, start, end)

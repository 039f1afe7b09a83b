"""The documents list: open one, step through them, set a status; counts kept up to date from changes."""

from __future__ import annotations

import dataclasses

from annotator.gui.features.base import Area, Dock, Feature
from annotator.gui.panels.documents import DocumentsPanel
from annotator.ops import OpChanges, SetDocumentStatus


class DocumentsFeature(Feature):
    """The Documents dock and the next/previous document commands."""

    key = "documents"

    def __init__(self, window):
        super().__init__(window)
        self.panel = DocumentsPanel(window)
        self.panel.documentActivated.connect(window.show_document)
        self.panel.statusChangeRequested.connect(
            lambda doc, status: window.run_op(SetDocumentStatus(doc, status))
        )

    def docks(self) -> list[Dock]:
        return [Dock("documents", "Documents", self.panel, Area.LeftDockWidgetArea, width=290)]

    def actions(self):
        return {"next_document": lambda: self.step(1), "previous_document": lambda: self.step(-1)}

    def project_opened(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the whole list again."""
        current = self.window.current_document.id if self.window.current_document else None
        self.panel.set_documents(self.window.store.documents(), current)

    def document_shown(self, document, annotations) -> None:
        self.panel.select(document.id)

    def on_changes(self, changes: OpChanges) -> None:
        if changes.everything or changes.documents:
            self.reload()
            return
        counts: dict[str, int] = {}
        for annotation in changes.added:
            counts[annotation.document_id] = counts.get(annotation.document_id, 0) + 1
        for annotation in changes.removed:
            counts[annotation.document_id] = counts.get(annotation.document_id, 0) - 1
        for document_id in changes.span_documents | changes.statuses:
            self.refresh_row(document_id, count_change=counts.get(document_id, 0))

    def refresh_row(self, document_id: str, *, count_change: int | None = None) -> None:
        """Update one document's count and status in the list.

        ``count_change``: how many spans were added (negative: removed), so the count is
        adjusted rather than counted again (6 ms for 50,000 spans, on every key press).
        """
        model = self.panel.model
        row = model.row_of(document_id)
        if row is None:
            return
        store = self.window.store
        if count_change is None:
            summary = store.document_summary(document_id)
        else:
            known = model.rows[row]
            summary = dataclasses.replace(
                known,
                annotation_count=known.annotation_count + count_change,
                status=store.document_status(document_id),
            )
        model.update_document(summary)

    def step(self, step: int) -> None:
        """Open the next (1) or previous (-1) document of the list."""
        rows = self.panel.model.rows
        if not rows:
            return
        ids = [d.id for d in rows]
        current = self.window.current_document
        index = ids.index(current.id) if current and current.id in ids else -1
        self.window.show_document(ids[(index + step) % len(ids)])

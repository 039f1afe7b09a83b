"""What the window does when a researcher annotates: apply, retag, note, resize, delete.

A mixin of ``MainWindow``: every change becomes an op run through the
window's ``History``, and ``_on_history`` updates the panels from the op
alone (one span added means one span drawn, one row inserted, one count
changed), so annotating stays instant on documents with 50,000 spans.
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from annotator.errors import AnnotatorError
from annotator.gui.dialogs import ask_note
from annotator.gui.panels.tags import swatch
from annotator.ops import (
    AddAnnotation,
    Batch,
    Changed,
    DeleteAnnotations,
    Op,
    SetDocumentMemo,
    UpdateAnnotation,
    annotate_span,
)
from annotator.spans import trim_whitespace


class AnnotatingMixin:
    """Annotation commands of the main window (needs the window's fields)."""

    # -- applying -------------------------------------------------------------------

    def apply_tag(self, tag_id: str) -> None:
        """Tag the selected text (trimmed of surrounding white space)."""
        if self.store.read_only:
            self.statusBar().showMessage("This project is open read-only; nothing can be changed.", 5000)
            return
        selected = self.view.selected_range()
        if self.current_document is None or selected is None:
            self.statusBar().showMessage("Select some text first, then press 1-9 or click a tag.", 4000)
            return
        trimmed = trim_whitespace(self.current_document.text, *selected)
        if trimmed is None:
            self.statusBar().showMessage("The selection is only white space.", 4000)
            return
        # The core's builder also marks a "to do" document in progress, in the same undo step.
        self.run_op(annotate_span(self.store, document_id=self.current_document.id, start=trimmed[0],
                                  end=trimmed[1], tag_id=tag_id, annotator=self.annotator))

    def apply_tag_number(self, number: int) -> None:
        """The 1-9 keys: apply the tag with that number in the palette."""
        tag = self.palette.tag_for_key(number)
        if tag is None:
            self.statusBar().showMessage(f"No tag has the key {number} yet.", 3000)
            return
        self.apply_tag(tag.id)

    def run_op(self, op: Op, *, merge: bool = False) -> Op | None:
        """Run an op (``merge``: fold it into the open run, as typing does); a refusal shows, never a crash."""
        try:
            return self.history.run(op, merge=merge)
        except AnnotatorError as exc:
            self.statusBar().showMessage(str(exc), 6000)
            return None

    # -- the selected annotation ------------------------------------------------------

    def selected_annotation_ids(self) -> list[str]:
        """Rows selected in the annotations table, else the span last clicked in the text."""
        ids = self.annotations_panel.selected_ids()
        if ids:
            return ids
        return [self.current_annotation_id] if self.current_annotation_id else []

    def on_delete_annotation(self) -> None:
        ids = self.selected_annotation_ids()
        if not ids:
            self.statusBar().showMessage("Click a span (or select rows in Annotations) to delete it.", 4000)
            return
        self.run_op(DeleteAnnotations(ids))
        self.current_annotation_id = None

    def on_edit_note(self) -> None:
        ids = self.selected_annotation_ids()
        if ids:
            self.edit_note(ids[0])

    def edit_note(self, annotation_id: str) -> None:
        """Ask for a span's note and store it."""
        current = self.store.annotation(annotation_id).note
        note = ask_note(self, current)
        if note is not None and note != (current or ""):
            self.run_op(UpdateAnnotation(annotation_id, note=note or None))

    def on_fit_to_selection(self) -> None:
        ids = self.selected_annotation_ids()
        if ids:
            self.fit_to_selection(ids[0])

    def fit_to_selection(self, annotation_id: str) -> None:
        """Move a span's boundaries to the selected text."""
        selected = self.view.selected_range()
        trimmed = trim_whitespace(self.current_document.text, *selected) if selected else None
        if trimmed is None:
            self.statusBar().showMessage("Select the text the span should cover, then choose this again.", 4000)
            return
        self.run_op(UpdateAnnotation(annotation_id, start=trimmed[0], end=trimmed[1]))

    def retag(self, annotation_id: str, tag_id: str) -> None:
        """Give a span another tag."""
        self.run_op(UpdateAnnotation(annotation_id, tag_id=tag_id))

    def jump_to_annotation(self, annotation_id: str) -> None:
        """Select a span's text (from the annotations table)."""
        annotation = self.store.annotation(annotation_id)
        self.current_annotation_id = annotation_id
        self.view.select_range(annotation.start, annotation.end)

    def span_clicked(self, annotation_id: str) -> None:
        """A click on a span selects it in the annotations table."""
        self.current_annotation_id = annotation_id
        self.annotations_panel.select(annotation_id)

    # -- context menu ---------------------------------------------------------------------

    def _tag_menu(self, parent: QMenu, title: str, handler) -> QMenu:
        menu = parent.addMenu(title)
        for number, tag in enumerate(self.palette.ordered, start=1):
            label = f"{tag.name}\t{number}" if number <= 9 else tag.name
            action = QAction(swatch(tag.color), label, menu)
            action.triggered.connect(lambda _=False, t=tag.id: handler(t))
            menu.addAction(action)
        return menu

    def show_text_menu(self, global_point, offset: int, annotation_ids: list[str]) -> None:
        """Right click in the text: apply a tag, or act on the spans under the mouse."""
        menu = self.build_text_menu(annotation_ids)
        menu.exec(global_point)
        menu.deleteLater()  # a child of the window: without this every right click would keep one

    def build_text_menu(self, annotation_ids: list[str]) -> QMenu:
        """The text's context menu for the spans ``annotation_ids`` (built apart from showing it, for tests)."""
        menu = QMenu(self)
        writable = not self.store.read_only
        if self.view.selected_range() and writable:
            self._tag_menu(menu, "Apply tag", self.apply_tag)
        for annotation_id in annotation_ids[:8]:
            annotation = self.store.annotation(annotation_id)
            tag = self.tags_by_id.get(annotation.tag_id)
            sub = menu.addMenu(swatch(tag.color if tag else "#888888"),
                               f"{tag.name if tag else '?'} · {annotation.annotator}")
            sub.setEnabled(writable)
            self._tag_menu(sub, "Retag as", lambda t, a=annotation_id: self.retag(a, t))
            sub.addAction("Edit note…", lambda a=annotation_id: self.edit_note(a))
            fit = sub.addAction("Set span to selection", lambda a=annotation_id: self.fit_to_selection(a))
            fit.setEnabled(self.view.selected_range() is not None)
            sub.addSeparator()
            sub.addAction("Delete", lambda a=annotation_id: self.run_op(DeleteAnnotations([a])))
        if not menu.actions():
            menu.addAction("Select text to tag it").setEnabled(False)
        return menu

    # -- refreshing from history ------------------------------------------------------------

    def _on_history(self, op: Op, undone: bool) -> None:
        """Bring every panel up to date after an op ran, was undone or redone."""
        if isinstance(op, Batch):
            for part in reversed(op.ops) if undone else op.ops:
                self._on_history(part, undone)
            return
        self.update_undo_actions()
        if isinstance(op, (AddAnnotation, DeleteAnnotations, UpdateAnnotation)):
            self._apply_annotation_change(op, undone)
        elif op.changes & Changed.ANNOTATIONS and not op.changes & Changed.TAGS:
            self.reload_current_annotations()
        if op.changes & Changed.ANNOTATIONS and self.review_panel.layers:
            self.review_panel.refresh()
        if op.changes & Changed.TAGS:
            self.reload_tags()
            self.reload_current_annotations()
        if isinstance(op, SetDocumentMemo):
            self.show_memo_of(op, undone)
        if op.changes & Changed.DOCUMENTS and not op.changes & Changed.TAGS:
            counted = op.changes & Changed.ANNOTATIONS  # an annotation op counted for itself
            self.refresh_document_row(getattr(op, "document_id", None), count_change=None if counted else 0)
        if op.changes & Changed.DOCUMENTS and op.changes & Changed.TAGS:
            self.reload_documents()
        self.update_status()

    def _apply_annotation_change(self, op: Op, undone: bool) -> None:
        document_id = getattr(op, "document_id", None)
        if isinstance(op, AddAnnotation):
            added = [] if undone else [op.annotation]
            removed = [op.annotation] if undone else []
        elif isinstance(op, DeleteAnnotations):
            added = list(op._removed) if undone else []
            removed = [] if undone else list(op._removed)
        else:
            before, after = (op._after, op._before) if undone else (op._before, op._after)
            self.palette.adjust_count(before.tag_id, -1)
            self.palette.adjust_count(after.tag_id, 1)
            if self.current_document and after.document_id == self.current_document.id:
                self.view.update_span(after)
                self.annotations_panel.model.replace_row(after)
            return
        on_screen = self.current_document is not None and document_id == self.current_document.id
        for annotation in removed:
            self.palette.adjust_count(annotation.tag_id, -1)
            if on_screen:
                self.view.remove_span(annotation.id)
                self.annotations_panel.model.remove_row(annotation.id)
        for annotation in added:
            self.palette.adjust_count(annotation.tag_id, 1)
            if on_screen:
                self.view.add_span(annotation)
                self.annotations_panel.model.add_row(annotation)
        self.refresh_document_row(document_id, count_change=len(added) - len(removed))

"""Annotating: apply, retag, note, resize and delete spans; the Annotations table; the text's context menu.

Every change becomes an op run through the window's ``History``; the
window's change stream then tells this feature what changed, in values
(``OpChanges``), and the view and table are patched from that alone: one span
added means one span drawn and one row inserted, so annotating stays instant
on documents with 50,000 spans.
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from annotator.bulk import collector_paused
from annotator.gui import dialogs
from annotator.gui.features.base import Area, Dock, Feature
from annotator.gui.panels.annotations import AnnotationsPanel
from annotator.gui.panels.tags import swatch
from annotator.ops import DeleteAnnotations, OpChanges, UpdateAnnotation, annotate_span
from annotator.spans import trim_whitespace

#: How much of the selected text a message about it quotes.
SNIPPET_CHARS = 40


class AnnotatingFeature(Feature):
    """The Annotations dock, the annotation commands and the spans' context menu."""

    key = "annotating"

    def __init__(self, window):
        super().__init__(window)
        #: The span last clicked in the text (acted on when no table row is selected).
        self.current_annotation_id: str | None = None
        self.panel = AnnotationsPanel(window)
        self.panel.annotationActivated.connect(self.jump_to_annotation)
        view = window.view
        view.spanClicked.connect(self.span_clicked)
        view.spanContextMenuRequested.connect(self.show_text_menu)

    def docks(self) -> list[Dock]:
        return [Dock("annotations", "Annotations", self.panel, Area.BottomDockWidgetArea, height=200)]

    def actions(self):
        return {
            "delete_annotation": self.on_delete_annotation,
            "edit_note": self.on_edit_note,
            "fit_to_selection": self.on_fit_to_selection,
        }

    # -- showing ----------------------------------------------------------------------

    def document_shown(self, document, annotations) -> None:
        self.current_annotation_id = None
        self.panel.model.set_rows(document.text, annotations, self.window.tags_by_id, by_position=True)

    def project_opened(self) -> None:
        self.current_annotation_id = None
        if self.window.current_document is None:
            self.panel.model.set_rows("", [], self.window.tags_by_id, by_position=True)

    def reload(self) -> None:
        """Redraw the open document's spans and table from the store (tags changed)."""
        document = self.window.current_document
        if document is None:
            return
        with collector_paused():
            annotations = self.window.store.shown_annotations(document.id)
        self.window.view.set_spans(annotations)
        self.panel.model.set_rows(document.text, annotations, self.window.tags_by_id, by_position=True)

    def on_changes(self, changes: OpChanges) -> None:
        document = self.window.current_document
        if changes.everything or document is None:
            return  # the window shows the document again
        if changes.tags:
            shown = {row.tag_id for row in self.panel.model.rows}
            if changes.tags & shown or document.id in changes.span_documents:
                self.reload()  # names, colours or tags of spans shown changed: one read of the document's spans
            return
        if document.id not in changes.span_documents:
            return
        view, model = self.window.view, self.panel.model
        for annotation in changes.removed:
            if annotation.document_id == document.id:
                view.remove_span(annotation.id)
                model.remove_row(annotation.id)
        for annotation in changes.added:
            if annotation.document_id == document.id:
                view.add_span(annotation)
                model.add_row(annotation)
        for before, after in changes.updated:
            if after.document_id == document.id:
                view.update_span(after)
                model.replace_row(after)
            elif before.document_id == document.id:
                view.remove_span(before.id)
                model.remove_row(before.id)
        if self.current_annotation_id in {a.id for a in changes.removed}:
            self.current_annotation_id = None

    # -- applying -------------------------------------------------------------------

    def apply_tag(self, tag_id: str) -> None:
        """Tag the selected text (trimmed of surrounding white space)."""
        window = self.window
        if window.store.read_only:
            window.statusBar().showMessage("This project is open read-only; nothing can be changed.", 5000)
            return
        selected = window.view.selected_range()
        document = window.current_document
        if document is None or selected is None:
            window.statusBar().showMessage("Select some text first, then press 1-9 or click a tag.", 4000)
            return
        if trim_whitespace(document.text, *selected) is None:
            window.statusBar().showMessage("The selection is only white space.", 4000)
            return
        # The core's builder trims the span and marks a "to do" document in progress, in one undo step;
        # the window builds and saves it, and says so if it could not (the file busy elsewhere, say).
        window.run_op(
            lambda: annotate_span(
                window.store,
                document_id=document.id,
                start=selected[0],
                end=selected[1],
                tag_id=tag_id,
                annotator=window.annotator,
                text=document.text,
            ),
            what=self._tagging(tag_id, document.text, selected),
        )

    def _tagging(self, tag_id: str, text: str, selected: tuple[int, int]) -> str:
        """The change a tag key asks for, in words: 'tagging “found 🧪” as Person'."""
        tag = self.window.tags_by_id.get(tag_id)
        trimmed = trim_whitespace(text, *selected) or selected
        piece = " ".join(text[trimmed[0] : trimmed[1]].split())
        if len(piece) > SNIPPET_CHARS:
            piece = piece[: SNIPPET_CHARS - 1].rstrip() + "…"
        return f"tagging “{piece}” as {tag.name}" if tag is not None else f"tagging “{piece}”"

    # -- the selected annotation ------------------------------------------------------

    def selected_annotation_ids(self) -> list[str]:
        """Rows selected in the annotations table, else the span last clicked in the text."""
        ids = self.panel.selected_ids()
        if ids:
            return ids
        return [self.current_annotation_id] if self.current_annotation_id else []

    def on_delete_annotation(self) -> None:
        ids = self.selected_annotation_ids()
        if not ids:
            self.window.statusBar().showMessage(
                "Click a span (or select rows in Annotations) to delete it.", 4000
            )
            return
        self.window.run_op(DeleteAnnotations(ids))
        self.current_annotation_id = None

    def on_edit_note(self) -> None:
        ids = self.selected_annotation_ids()
        if ids:
            self.edit_note(ids[0])

    def edit_note(self, annotation_id: str) -> None:
        """Ask for a span's note and store it."""
        current = self.window.store.annotation(annotation_id).note
        note = dialogs.ask_note(self.window, current)
        if note is not None and note != (current or ""):
            self.window.run_op(UpdateAnnotation(annotation_id, note=note or None))

    def on_fit_to_selection(self) -> None:
        ids = self.selected_annotation_ids()
        if ids:
            self.fit_to_selection(ids[0])

    def fit_to_selection(self, annotation_id: str) -> None:
        """Move a span's boundaries to the selected text."""
        window = self.window
        selected = window.view.selected_range()
        document = window.current_document
        trimmed = trim_whitespace(document.text, *selected) if selected and document else None
        if trimmed is None:
            window.statusBar().showMessage(
                "Select the text the span should cover, then choose this again.", 4000
            )
            return
        window.run_op(UpdateAnnotation(annotation_id, start=trimmed[0], end=trimmed[1]))

    def retag(self, annotation_id: str, tag_id: str) -> None:
        """Give a span another tag."""
        self.window.run_op(UpdateAnnotation(annotation_id, tag_id=tag_id))

    def jump_to_annotation(self, annotation_id: str) -> None:
        """Select a span's text (from the annotations table)."""
        annotation = self.window.store.annotation(annotation_id)
        self.current_annotation_id = annotation_id
        self.window.view.select_range(annotation.start, annotation.end)

    def span_clicked(self, annotation_id: str) -> None:
        """A click on a span selects it in the annotations table."""
        self.current_annotation_id = annotation_id
        self.panel.select(annotation_id)

    # -- context menu ---------------------------------------------------------------------

    def _tag_menu(self, parent: QMenu, title: str, handler) -> QMenu:
        menu = parent.addMenu(title)
        for number, tag in enumerate(self.window.tags.palette.ordered, start=1):
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
        window = self.window
        menu = QMenu(window)
        writable = not window.store.read_only
        if window.view.selected_range() and writable:
            self._tag_menu(menu, "Apply tag", self.apply_tag)
        for annotation_id in annotation_ids[:8]:
            annotation = window.store.annotation(annotation_id)
            tag = window.tags_by_id.get(annotation.tag_id)
            sub = menu.addMenu(
                swatch(tag.color if tag else "#888888"),
                f"{tag.name if tag else '?'} · {annotation.annotator}",
            )
            sub.setEnabled(writable)
            self._tag_menu(sub, "Retag as", lambda t, a=annotation_id: self.retag(a, t))
            sub.addAction("Edit note…", lambda a=annotation_id: self.edit_note(a))
            fit = sub.addAction("Set span to selection", lambda a=annotation_id: self.fit_to_selection(a))
            fit.setEnabled(window.view.selected_range() is not None)
            sub.addSeparator()
            sub.addAction("Delete", lambda a=annotation_id: window.run_op(DeleteAnnotations([a])))
        if not menu.actions():
            menu.addAction("Select text to tag it").setEnabled(False)
        return menu

"""The memo on the open document: stored at every edit, undone a typing run at a time."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from annotator.gui.features.base import Area, Dock, Feature
from annotator.ops import OpChanges, SetDocumentMemo


class MemoEdit(QPlainTextEdit):
    """The memo editor: Ctrl+Z and Ctrl+Shift+Z go to the window's one undo history, not the editor's own.

    Every edit is stored at once (merged into one undo step per typing run),
    so an editor-local undo stack would only disagree with the store.
    """

    focusLeft = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setUndoRedoEnabled(False)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo):
                event.ignore()  # let the window's Undo/Redo actions take the shortcut
                return False
        return super().event(event)

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.focusLeft.emit()


class MemoFeature(Feature):
    """The Memo dock."""

    key = "memo"

    def __init__(self, window):
        super().__init__(window)
        self.editor = MemoEdit(window)
        self.editor.setPlaceholderText("Memo on this document: ideas, questions, context…")
        self.editor.textChanged.connect(self.save)
        self.editor.focusLeft.connect(lambda: self.window.history.seal())
        self._stored = ""  # the open document's memo as the store has it
        self._saving = False

    def docks(self) -> list[Dock]:
        return [Dock("memo", "Memo", self.editor, Area.RightDockWidgetArea, below="tags", height=170)]

    def project_opened(self) -> None:
        self.editor.setReadOnly(self.window.store.read_only)
        if self.window.current_document is None:
            self._set_text("")

    def document_shown(self, document, annotations) -> None:
        self._set_text(document.memo)

    def save(self) -> None:
        """Store the memo now (every edit, so a crash loses nothing); a typing run undoes as one step."""
        doc = self.window.current_document
        if doc is None or self.window.store.read_only:
            return
        text = self.editor.toPlainText()
        if text == self._stored:
            return
        self._saving = True
        try:
            if self.window.run_op(SetDocumentMemo(doc.id, text), merge=True) is not None:
                self._stored = text
        finally:
            self._saving = False

    def document_leaving(self) -> None:
        with self.window.patient_writes():  # the editor is about to show another memo: save this one now
            self.save()
        self.window.history.seal()  # typing in the next document's memo is a step of its own

    def on_changes(self, changes: OpChanges) -> None:
        doc = self.window.current_document
        if doc is None or self._saving or not (changes.everything or doc.id in changes.memos):
            return
        if changes.everything:
            return  # the window shows the document again, memo and all
        memo = self.window.store.document(doc.id).memo  # undone, redone, or changed elsewhere
        self._stored = memo
        if self.editor.toPlainText() != memo:
            self._set_text(memo)

    def _set_text(self, text: str) -> None:
        """Replace the editor's text without it counting as an edit; the cursor goes to the end."""
        self._stored = text
        self.editor.blockSignals(True)
        self.editor.setPlainText(text)
        self.editor.moveCursor(self.editor.textCursor().MoveOperation.End)
        self.editor.blockSignals(False)

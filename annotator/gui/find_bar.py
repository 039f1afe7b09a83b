"""Find in the current document: a slim bar above the text (Ctrl+F, Enter, Shift+Enter, Esc)."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget


def find_all(text: str, needle: str) -> list[tuple[int, int]]:
    """Case-insensitive matches of ``needle`` as code-point ranges (never shifted by case folding)."""
    if not needle:
        return []
    return [(m.start(), m.end()) for m in re.finditer(re.escape(needle), text, re.IGNORECASE)]


class FindBar(QWidget):
    """Query box with match count and next/previous buttons."""

    matchesChanged = Signal(list, object)  # ranges, current index or None
    closed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.text = ""
        self.matches: list[tuple[int, int]] = []
        self.current: int | None = None
        self.field = QLineEdit(self)
        self.field.setPlaceholderText("Find in document")
        self.field.setClearButtonEnabled(True)
        self.field.textChanged.connect(self._search)
        self.field.returnPressed.connect(self.next)
        self.count = QLabel(self)
        previous = QToolButton(self, text="▲", toolTip="Previous match (Shift+F3)")
        following = QToolButton(self, text="▼", toolTip="Next match (F3)")
        close = QToolButton(self, text="✕", toolTip="Close (Esc)")
        previous.clicked.connect(self.previous)
        following.clicked.connect(self.next)
        close.clicked.connect(self.close_bar)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.field, 1)
        layout.addWidget(self.count)
        layout.addWidget(previous)
        layout.addWidget(following)
        layout.addWidget(close)

    def set_text(self, text: str) -> None:
        """The document changed: search it again."""
        self.text = text
        self._search(self.field.text())

    def open_bar(self, initial: str = "") -> None:
        self.show()
        if initial:
            self.field.setText(initial)
        self.field.setFocus()
        self.field.selectAll()

    def close_bar(self) -> None:
        self.hide()
        self.matches, self.current = [], None
        self.matchesChanged.emit([], None)
        self.closed.emit()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close_bar()
        elif (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            self.previous()
        else:
            super().keyPressEvent(event)

    def _search(self, needle: str) -> None:
        self.matches = find_all(self.text, needle)
        self.current = 0 if self.matches else None
        self._announce()

    def _announce(self) -> None:
        if not self.field.text():
            self.count.setText("")
        elif not self.matches:
            self.count.setText("no matches")
        else:
            self.count.setText(f"{(self.current or 0) + 1} of {len(self.matches)}")
        self.matchesChanged.emit(self.matches, self.current)

    def next(self) -> None:
        if self.matches:
            self.current = ((self.current or 0) + 1) % len(self.matches) if self.current is not None else 0
            self._announce()

    def previous(self) -> None:
        if self.matches:
            self.current = ((self.current or 0) - 1) % len(self.matches)
            self._announce()

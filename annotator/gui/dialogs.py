"""Small dialogs: the annotator's name, a tag's details, a note, the import report.

Also the two helpers that keep untrusted text (titles, tag names, notes,
file names) from being read as HTML: Qt guesses the format of tooltips,
labels and message boxes, so ``<img src="file:///...">`` in a document
title would otherwise be rendered, not shown.
"""

from __future__ import annotations

from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.importers.batch import ImportReport
from annotator.model import Tag, TagKind


def plain_tooltip(text: str) -> str:
    """``text`` as a tooltip that shows it literally (tooltips have no plain-text switch, so: escaped HTML)."""
    return QtGui.Qt.convertFromPlainText(text, Qt.WhiteSpaceMode.WhiteSpaceNormal) if text else ""


def ask_yes_no(parent: QWidget | None, title: str, text: str) -> bool:
    """A Yes/No question whose text (often holding a tag or file name) is shown as plain text."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        parent,
    )
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box.exec() == QMessageBox.StandardButton.Yes


def warn(parent: QWidget | None, title: str, text: str, *, icon=QMessageBox.Icon.Warning) -> None:
    """A warning whose text (often an error naming a file) is shown as plain text."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.exec()


def ask_annotator_name(parent: QWidget | None, suggestion: str) -> str | None:
    """Ask once, at first start, whose annotations these are."""
    name, ok = QInputDialog.getText(
        parent,
        "Welcome to Annotator",
        "Your name, recorded on every annotation you make\n(colleagues will see it when you share files):",
        QLineEdit.EchoMode.Normal,
        suggestion,
    )
    return name.strip() if ok and name.strip() else None


def ask_note(parent: QWidget | None, current: str | None) -> str | None:
    """Edit a span's note; None if cancelled, '' to remove it."""
    text, ok = QInputDialog.getMultiLineText(parent, "Note", "Note on this span:", current or "")
    return text.strip() if ok else None


def ask_color(parent: QWidget | None, current: str) -> str | None:
    """Pick a colour; None if cancelled."""
    color = QColorDialog.getColor(QColor(current), parent, "Tag colour")
    return color.name() if color.isValid() else None


class TagDialog(QDialog):
    """Create or edit a tag: name, colour, parent theme, description."""

    def __init__(
        self,
        parent: QWidget | None,
        *,
        kind: str,
        themes: list[Tag],
        tag: Tag | None = None,
        parent_id: str | None = None,
        color: str = "#4e79a7",
    ):
        super().__init__(parent)
        self.setWindowTitle(("Edit " if tag else "New ") + kind)
        self.kind = kind
        self.name = QLineEdit(tag.name if tag else "", self)
        self.color = tag.color if tag else color
        self.color_button = QPushButton(self)
        self.color_button.clicked.connect(self._pick_color)
        self._paint_color_button()
        self.parent_box = QComboBox(self)
        self.parent_box.addItem("(top level)", None)
        for theme in themes:
            if tag is None or theme.id != tag.id:
                self.parent_box.addItem(theme.name, theme.id)
        wanted = tag.parent_id if tag else parent_id
        self.parent_box.setCurrentIndex(max(0, self.parent_box.findData(wanted)))
        self.parent_box.setEnabled(kind == TagKind.THEME.value)
        self.description = QPlainTextEdit(tag.description if tag else "", self)
        self.description.setFixedHeight(80)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Colour", self.color_button)
        form.addRow("Inside", self.parent_box)
        form.addRow("Description", self.description)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _paint_color_button(self) -> None:
        self.color_button.setText(self.color)
        text = "#000000" if QColor(self.color).lightness() > 140 else "#ffffff"
        self.color_button.setStyleSheet(f"background:{self.color}; color:{text}; padding:4px;")

    def _pick_color(self) -> None:
        chosen = ask_color(self, self.color)
        if chosen:
            self.color = chosen
            self._paint_color_button()

    def _accept(self) -> None:
        if self.name.text().strip():
            self.accept()
        else:
            self.name.setFocus()

    def values(self) -> dict:
        """What the user entered."""
        return {
            "name": self.name.text().strip(),
            "color": self.color,
            "parent_id": self.parent_box.currentData(),
            "description": self.description.toPlainText().strip(),
        }


def import_report_details(report: ImportReport) -> list[str]:
    """One line per failed file, refused or skipped part and file already present, as the command line says them."""
    details = [f"failed: {r.path.name}: {r.message}" for r in report.failed]
    details += [f"failed: {path.name} {where}: {why}" for path, where, why in report.part_failures]
    details += [f"skipped: {path.name} {where}: {why}" for path, where, why in report.skipped_parts]
    details += [f"skipped: {r.path.name}: {r.message}" for r in report.of_status("duplicate")]
    details += [f"imported: {r.path.name}: {r.message}" for r in report.of_status("imported") if r.message]
    return details


def show_import_report(parent: QWidget | None, report: ImportReport) -> None:
    """The summary line (counts of skipped lines and collapsed spans too), every failure in the details."""
    box = QMessageBox(parent)
    box.setWindowTitle("Import finished")
    box.setIcon(QMessageBox.Icon.Warning if report.failed else QMessageBox.Icon.Information)
    box.setTextFormat(Qt.TextFormat.PlainText)  # file names may look like HTML
    box.setText(report.summary())
    details = import_report_details(report)
    if details:
        box.setDetailedText("\n".join(details))
    box.exec()

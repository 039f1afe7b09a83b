"""Shows the speakers a plain-text transcript would be tagged with, before importing it.

Detection is a heuristic (any "Word: text" line opens a turn), so the
researcher sees what was found (each speaker, how many turns, the first
thing they said) and decides; nothing is stored by this dialog. The import
flow applies ``ImportOptions(transcript=True)`` when it is accepted.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.importers.transcript import SpeakerSummary, speakers_in

COLUMNS = ("Speaker", "Turns", "First line")
FIRST_LINE_CHARS = 80


class TranscriptPreviewDialog(QDialog):
    """Lists the speakers found in ``text``; accepting means "tag these turns"."""

    def __init__(self, text: str, *, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Speakers in {title}" if title else "Speakers found")
        self.speakers: list[SpeakerSummary] = speakers_in(text)
        self.summary = QLabel(self._summary_text())
        self.summary.setWordWrap(True)
        self.table = self._speaker_table()
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        apply_button = self.buttons.button(QDialogButtonBox.Ok)
        apply_button.setText("Tag speaker turns")
        apply_button.setEnabled(bool(self.speakers))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(self.buttons)
        self.resize(560, 320)

    def _summary_text(self) -> str:
        if not self.speakers:
            return "No speaker turns found: no line starts with 'Name: what they said'."
        turns = sum(s.turns for s in self.speakers)
        return (
            f"{len(self.speakers)} speaker(s) in {turns} turn(s). Each turn will be tagged with its "
            "speaker; the names stay in the text."
        )

    def _speaker_table(self) -> QTableWidget:
        table = QTableWidget(len(self.speakers), len(COLUMNS))
        table.setHorizontalHeaderLabels(COLUMNS)
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectRows)
        for row, speaker in enumerate(self.speakers):
            first = speaker.first_line
            if len(first) > FIRST_LINE_CHARS:
                first = first[: FIRST_LINE_CHARS - 1] + "…"
            for column, value in enumerate((speaker.name, str(speaker.turns), first)):
                table.setItem(row, column, QTableWidgetItem(value))
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.Stretch)
        return table

    def speaker_names(self) -> list[str]:
        """The names found, in order of first appearance."""
        return [s.name for s in self.speakers]

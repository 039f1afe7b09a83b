"""The Backups dialog: see a project's automatic backups and put one back.

It is a thin face over ``annotator.backup``: the list comes from
``list_backups`` and Restore calls ``restore_backup`` after asking, so the
window and ``annotator restore`` behave the same. Just before restoring it
calls ``release`` (the window closes its connections there); afterwards it
emits ``restored`` or, if the restore failed, ``restoreFailed``, and the
window reopens the project either way.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from annotator.backup import BackupInfo, list_backups, restore_backup
from annotator.errors import AnnotatorError

COLUMNS = ("Taken (local time)", "Size", "Documents", "Annotations")


def _size_text(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / (1024 * 1024):.1f} MB"


class BackupsDialog(QDialog):
    """Lists a project's backups with their date, size and counts; restores one after asking."""

    restored = Signal(Path)
    restoreFailed = Signal(Path)

    def __init__(self, project_path: Path, parent=None, *, release: Callable[[], None] | None = None):
        super().__init__(parent)
        self.project_path = Path(project_path)
        self.release = release
        self.backups: list[BackupInfo] = []
        self.setWindowTitle(f"Backups of {self.project_path.name}")
        self.notice = QLabel(self)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.restore_button = QPushButton("Restore…", self)
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.restore_button.clicked.connect(self.restore_selected)
        self.table.itemSelectionChanged.connect(self._update_button)
        layout = QVBoxLayout(self)
        for widget in (self.notice, self.table, buttons):
            layout.addWidget(widget)
        self.resize(640, 360)
        self.refresh()

    def refresh(self) -> None:
        """Reload the list of backups from disk."""
        self.backups = list_backups(self.project_path)
        self.table.setRowCount(len(self.backups))
        for row, backup in enumerate(self.backups):
            counts = backup.counts()
            cells = (
                backup.taken.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                _size_text(backup.size),
                str(counts[0]) if counts else "unreadable",
                str(counts[1]) if counts else "",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.notice.setText(
            f"{len(self.backups)} backup(s), taken hourly while you work and kept for 14 days."
            if self.backups
            else "No backups yet: one is taken when the project is opened for changes."
        )
        self._update_button()

    def _update_button(self) -> None:
        self.restore_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    def selected_backup(self) -> BackupInfo | None:
        """The backup of the selected row, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()] if rows else None

    def confirm(self, backup: BackupInfo) -> bool:
        """Ask before replacing the project (tests replace this)."""
        answer = QMessageBox.question(
            self,
            "Restore backup",
            f"Replace {self.project_path.name} with the backup from "
            f"{backup.taken.astimezone():%Y-%m-%d %H:%M}? The current state is backed up first.",
        )
        return answer == QMessageBox.StandardButton.Yes

    def restore_selected(self) -> bool:
        """Restore the selected backup after asking; True when the project was replaced."""
        backup = self.selected_backup()
        if backup is None or not self.confirm(backup):
            return False
        if self.release is not None:
            self.release()
        try:
            restore_backup(self.project_path, backup.path)
        except AnnotatorError as exc:
            QMessageBox.warning(self, "Restore failed", str(exc))
            self.restoreFailed.emit(self.project_path)
            return False
        self.refresh()
        self.restored.emit(self.project_path)
        return True

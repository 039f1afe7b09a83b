"""The export dialog (Ctrl+E): the command line's choices, run off the UI thread.

Formats, their descriptions, suffixes and file filters and the raw-cells
choice come from the exporters' registry only, so a format registered there
appears here with its file suffix and filter. Where
the export goes is checked by ``export`` itself (never over the project, by
any name), so the dialog and the command line refuse the same targets.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.exporters import export, format_for_path, format_named, formats
from annotator.gui.jobs import Job, JobContext
from annotator.store import Store

#: Shown under the format list; why a researcher would tick "raw".
CSV_RAW_HINT = (
    "Cells starting with = + - @ get a leading ' so spreadsheets show them as text "
    "instead of running them as formulas. Tick to write every cell exactly as stored."
)


def file_filter(name: str) -> str:
    """The save dialog's filter for one format: its description and suffixes, ``CSV, ... (*.csv)``."""
    fmt = format_named(name)
    return f"{fmt.description} ({' '.join('*' + suffix for suffix in fmt.suffixes)})"


def _suffix(name: str) -> str:
    return format_named(name).suffixes[0]


def export_job(project: Path, out: Path, options: dict, parent=None) -> Job:
    """A (not yet started) export on its own read-only connection; ``succeeded`` carries the summary."""

    def work(context: JobContext):
        with Store.open(project, read_only=True) as store:
            return export(
                store,
                out,
                progress=lambda done, total: context.progress(done, total),
                should_cancel=context.should_cancel,
                **options,
            )

    # the dialog shows progress and any failure itself
    return Job(work, title="Export", parent=parent, report_failure=False)


def _checklist(names: list[str]) -> QListWidget:
    widget = QListWidget()
    for name in names:
        item = QListWidgetItem(name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        widget.addItem(item)
    widget.setMaximumHeight(110)
    return widget


def _checked(widget: QListWidget) -> list[str]:
    return [
        widget.item(i).text()
        for i in range(widget.count())
        if widget.item(i).checkState() == Qt.CheckState.Checked
    ]


class ExportDialog(QDialog):
    """Choose format, filters and file; export with a progress bar."""

    finished_export = Signal(object)
    failed_export = Signal(str)

    def __init__(self, project_path: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export annotations")
        self.project_path = Path(project_path)
        with Store.open(self.project_path, read_only=True) as store:
            annotators = store.annotators()
            tags = [t.name for t in store.tags()]
        self.format = QComboBox(self)
        for index, entry in enumerate(formats()):
            self.format.addItem(entry.name)
            self.format.setItemData(index, entry.description, Qt.ItemDataRole.ToolTipRole)
        self.format.currentTextChanged.connect(self._format_changed)
        self.csv_raw = QCheckBox("CSV: write cells exactly as stored (no leading ' before = + - @)", self)
        self.csv_raw.setToolTip(CSV_RAW_HINT)
        self.csv_raw.setEnabled(False)
        self.annotators = _checklist(annotators)
        self.tags = _checklist(tags)
        self.kind = QComboBox(self)
        self.kind.addItem("themes and speakers", None)
        self.kind.addItem("themes only", "theme")
        self.kind.addItem("speakers only", "speaker")
        self.only_annotated = QCheckBox("Leave out documents without annotations", self)
        self.path = QLineEdit(
            str(
                self.project_path.with_name(
                    self.project_path.stem + "-export" + _suffix(self.format.currentText())
                )
            ),
            self,
        )
        browse = QPushButton("Choose…", self)
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Format", self.format)
        form.addRow("", self.csv_raw)
        form.addRow("Annotators (none = all)", self.annotators)
        form.addRow("Tags (none = all)", self.tags)
        form.addRow("Kind", self.kind)
        form.addRow("", self.only_annotated)
        form.addRow("File", path_row)
        self.progress = QProgressBar(self)
        self.progress.hide()
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.worker: Job | None = None

    def _format_changed(self, fmt: str) -> None:
        current = Path(self.path.text())
        if not current.name.lower().endswith(format_named(fmt).suffixes):
            self.path.setText(str(current.with_suffix(_suffix(fmt))))
        self.csv_raw.setEnabled(format_named(fmt).offers_raw_cells)

    def file_filters(self) -> list[str]:
        """The save dialog's filters, one per registered format, in the format list's order."""
        return [file_filter(entry.name) for entry in formats()]

    def _browse(self) -> None:
        filters = self.file_filters()
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export to", self.path.text(), ";;".join(filters), file_filter(self.format.currentText())
        )
        if path:
            self.choose_path(path, formats()[filters.index(chosen)].name if chosen in filters else None)

    def choose_path(self, path: str, fmt: str | None = None) -> None:
        """Export to ``path``, picking the format ``fmt`` (the save dialog's filter) or the one its suffix names.

        The filter's format wins when the name ends in one of its suffixes
        (``x.jsonl`` with the doccano filter) or in none at all, and then gets
        its first suffix; otherwise a suffix only one format uses (.csv, .xlsx)
        picks that format, and any other name keeps the current one.
        """
        if fmt is not None and (path.lower().endswith(format_named(fmt).suffixes) or not Path(path).suffix):
            if not path.lower().endswith(format_named(fmt).suffixes):
                path += _suffix(fmt)
            self.format.setCurrentText(fmt)
            self.path.setText(path)
            return
        self.path.setText(path)
        if not path.lower().endswith(format_named(self.format.currentText()).suffixes):
            named = format_for_path(path)
            if path.lower().endswith(format_named(named).suffixes):
                self.format.setCurrentText(named)

    def options(self) -> dict:
        """The chosen filters, as ``export`` takes them."""
        fmt = self.format.currentText()
        return {
            "format": fmt,
            "annotators": _checked(self.annotators),
            "tags": _checked(self.tags),
            "kind": self.kind.currentData(),
            "only_annotated": self.only_annotated.isChecked(),
            "csv_raw": format_named(fmt).offers_raw_cells and self.csv_raw.isChecked(),
        }

    def start(self) -> Job:
        """Run the export as a background job."""
        self.export_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.message.setText("Exporting…")
        self.worker = export_job(self.project_path, Path(self.path.text()), self.options(), self)
        self.worker.progressed.connect(
            lambda done, total, _label: (self.progress.setRange(0, total), self.progress.setValue(done))
        )
        self.worker.succeeded.connect(self._done)
        self.worker.failed.connect(self._failed)
        self.worker.start()
        return self.worker

    def _done(self, summary) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        notes = "".join(f"\n{note[:1].upper()}{note[1:]}." for note in summary.notes)
        self.message.setText(
            f"Exported {summary.documents:,} document(s) and {summary.spans:,} span(s) "
            f"to {summary.path}{notes}"
        )
        self.export_button.setEnabled(True)
        self.finished_export.emit(summary)

    def _failed(self, message: str) -> None:
        self.progress.hide()
        self.message.setText(message)
        self.export_button.setEnabled(True)
        self.failed_export.emit(message)

    def reject(self) -> None:
        """Cancel a running export (its temporary file is removed), then close."""
        if self.worker is not None and self.worker.is_running():
            self.worker.cancel()
            self.worker.wait(10_000)
        super().reject()

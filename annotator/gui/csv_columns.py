"""Choosing the text and title columns of CSV/TSV files before the window imports them.

The command line takes ``--text-column`` and ``--title-column``; the window
asks with this dialog whenever the files (or folders) being imported hold
tables, so a table with no guessable text column imports instead of failing
with a command-line hint. One import run has one ``ImportOptions``, so one
choice applies to every table in it: the dialog offers the columns that every
table has (names matched ignoring case, as the importer matches them), shows
each distinct header in its own preview tab, and when the tables share no
column it says to import them separately and only Cancel is possible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.errors import AnnotatorError
from annotator.importers import ImportOptions
from annotator.importers.batch import collect_files
from annotator.importers.tabular import TEXT_COLUMN_GUESSES, pick_column, read_table_head

TABLE_SUFFIXES = frozenset({".csv", ".tsv"})
PREVIEW_ROWS = 5
#: No preview column wider than this (device-independent pixels), so every column stays in view.
PREVIEW_COLUMN_MAX_PX = 320
NO_TITLE = "(none: “<file> row N”)"


@dataclass
class TableHead:
    """Files that share one header, with the first rows of the first of them."""

    header: list[str]
    rows: list[list[str]]
    paths: list[Path] = field(default_factory=list)


def table_files(paths: Iterable[str | Path]) -> list[Path]:
    """The CSV/TSV files among ``paths``, folders expanded as the import will expand them."""
    files, _ = collect_files(paths)
    return [f for f in files if f.suffix.lower() in TABLE_SUFFIXES]


def read_heads(files: list[Path], options: ImportOptions) -> tuple[list[TableHead], list[tuple[Path, str]]]:
    """Group the files by header (ignoring case); files that cannot be read are returned with the reason."""
    heads: dict[tuple[str, ...], TableHead] = {}
    problems: list[tuple[Path, str]] = []
    for path in files:
        try:
            header, rows = read_table_head(path, options, rows=PREVIEW_ROWS)
        except (AnnotatorError, OSError, ValueError, MemoryError) as exc:  # as the batch import reports
            problems.append((path, str(exc)))
            continue
        key = tuple(name.casefold() for name in header)
        heads.setdefault(key, TableHead(header, rows)).paths.append(path)
    return list(heads.values()), problems


def _matches(name: str, header: list[str]) -> bool:
    """Whether the importer finds ``name`` in ``header`` (exactly, else once ignoring case)."""
    return name in header or [n.casefold() for n in header].count(name.casefold()) == 1


def common_columns(heads: list[TableHead]) -> list[str]:
    """Column names every table has, in the first table's order."""
    if not heads:
        return []
    return [
        name
        for name in dict.fromkeys(heads[0].header)
        if name and all(_matches(name, h.header) for h in heads)
    ]


def guessed_text_column(columns: list[str]) -> str | None:
    """The column the importer would take as the text when none is named, if any."""
    try:
        return columns[pick_column(columns, None, role="text", guesses=TEXT_COLUMN_GUESSES)]
    except AnnotatorError:
        return None


def plain_label(text: str, parent: QWidget) -> QLabel:
    """A wrapping label that never renders file names or cell text as rich text."""
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


class CsvColumnsDialog(QDialog):
    """Pick the text column (required) and title column (optional) for the tables being imported."""

    def __init__(
        self,
        heads: list[TableHead],
        problems: Iterable[tuple[Path, str]] = (),
        parent=None,
        *,
        title_column: str | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Choose the columns")
        self.heads = heads
        self.columns = common_columns(heads)
        count = sum(len(h.paths) for h in heads)
        intro = plain_label(
            f"{count} table file(s): each row becomes a document. Choose the column holding "
            "the text; every other column is kept with the document.",
            self,
        )
        form = self._build_choices(title_column)
        self.tabs = QTabWidget(self)
        for head in heads:
            self.tabs.addTab(self._preview(head), self._tab_name(head))
        self.note = plain_label(self._note_text(problems), self)
        self.note.setVisible(bool(self.note.text()))
        buttons = QDialogButtonBox.StandardButton
        self.buttons = QDialogButtonBox(buttons.Ok | buttons.Cancel, self)
        self.import_button = self.buttons.button(buttons.Ok)
        self.import_button.setText("Import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for part in (intro, form, self.tabs, self.note, self.buttons):
            layout.addLayout(part) if isinstance(part, QFormLayout) else layout.addWidget(part)
        self.text_combo.currentTextChanged.connect(self._text_column_changed)
        self._text_column_changed(self.text_combo.currentText())
        self.resize(720, 420)

    def _build_choices(self, title_column: str | None) -> QFormLayout:
        """The two column choices: the text pre-set to the importer's guess, the title to none."""
        self.text_combo = QComboBox(self)
        self.text_combo.addItems(self.columns)
        self.text_combo.setPlaceholderText("choose…")
        guess = guessed_text_column(self.columns)
        # No guess, no pre-selection: importing an id column as the text by accident helps nobody.
        self.text_combo.setCurrentIndex(self.columns.index(guess) if guess is not None else -1)
        self.title_combo = QComboBox(self)
        self.title_combo.addItem(NO_TITLE, None)
        for name in self.columns:
            self.title_combo.addItem(name, name)
        if title_column is not None and title_column in self.columns:
            self.title_combo.setCurrentIndex(self.columns.index(title_column) + 1)
        form = QFormLayout()
        form.addRow("Text column:", self.text_combo)
        form.addRow("Title column:", self.title_combo)
        return form

    @staticmethod
    def _tab_name(head: TableHead) -> str:
        more = len(head.paths) - 1
        return head.paths[0].name + (f" +{more}" if more else "")

    def _note_text(self, problems) -> str:
        lines = [f"{path.name} cannot be read: {reason}" for path, reason in problems]
        if not self.columns:
            lines.insert(0, "These tables have no column in common; import them separately.")
        return "\n".join(lines)

    def _preview(self, head: TableHead) -> QWidget:
        """The files sharing a header and the first rows of the first one, read-only."""
        page = QWidget(self)
        layout = QVBoxLayout(page)
        caption = f"First rows of {head.paths[0].name}:"
        if len(head.paths) > 1:
            names = ", ".join(p.name for p in head.paths[:10]) + (" …" if len(head.paths) > 10 else "")
            caption = f"Files with these columns: {names}. {caption}"
        layout.addWidget(plain_label(caption, page))
        table = QTableWidget(len(head.rows), len(head.header), page)
        table.setHorizontalHeaderLabels(head.header)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectColumns)
        for row, cells in enumerate(head.rows):
            for column, value in enumerate(cells[: len(head.header)]):
                short = value if len(value) <= 200 else value[:200] + "…"
                table.setItem(row, column, QTableWidgetItem(short.replace("\n", " ⏎ ")))
        table.setWordWrap(False)  # one line per row: the answers are previews, not for reading whole
        table.resizeColumnsToContents()
        for column in range(table.columnCount()):  # long answers get room, not the whole width
            table.setColumnWidth(column, min(table.columnWidth(column), PREVIEW_COLUMN_MAX_PX))
        table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(table)
        return page

    def preview_table(self, index: int = 0) -> QTableWidget:
        """The preview table of one header (tab)."""
        return self.tabs.widget(index).findChild(QTableWidget)

    def _text_column_changed(self, name: str) -> None:
        """Enable Import once a text column is chosen, and select it in every preview to show the choice."""
        self.import_button.setEnabled(bool(name))
        for index, head in enumerate(self.heads):
            folded = [n.casefold() for n in head.header]
            if name and name.casefold() in folded:
                self.preview_table(index).selectColumn(folded.index(name.casefold()))

    def text_column(self) -> str | None:
        """The chosen text column's name."""
        return self.text_combo.currentText() or None

    def title_column(self) -> str | None:
        """The chosen title column's name, or None for "<file> row N"."""
        return self.title_combo.currentData()

    def options(self, base: ImportOptions | None = None) -> ImportOptions:
        """``base`` (or the defaults) with the chosen columns."""
        chosen = {"text_column": self.text_column(), "title_column": self.title_column()}
        return replace(base or ImportOptions(), **chosen)


def choose_columns(
    parent, paths: Iterable[str | Path], options: ImportOptions | None
) -> ImportOptions | None:
    """The options to import ``paths`` with: asks for the columns when tables are among them.

    Returns ``options`` (or the defaults) unchanged when there is nothing to
    ask (no tables, the text column already chosen, or no table readable: the
    import then reports each file's reason), and None only when the user cancels.
    """
    options = options or ImportOptions()
    if options.text_column:
        return options
    heads, problems = read_heads(table_files(paths), options)
    if not heads:
        return options
    dialog = CsvColumnsDialog(heads, problems, parent, title_column=options.title_column)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    chosen = dialog.options(options) if accepted else None
    dialog.deleteLater()
    return chosen

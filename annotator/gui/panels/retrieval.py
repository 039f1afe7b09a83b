"""The Passages view: which passages are coded with chosen tags, each with its context.

A researcher asks "show me everything coded *Regional security*, said by this
speaker, in the documents marked done" and reads the answers one under the
other, each passage bold between the words around it. The query controls
(tags with "any / all / not", sub-themes, speakers, annotators, documents,
statuses) build a ``PassageQuery``; the table is backed by the core's lazy
``Retrieval``: its count is read once, and rows (with their context) are read
a page at a time as the view scrolls to them, so a million passages list at
once. A click (or Enter) on a passage opens it in the text, selected.

The view never changes the project. It asks the core again when the window's
change stream says something it shows changed (``refresh``), and exports run
as a ``Job`` on a read-only connection of their own.
"""

from __future__ import annotations

import html
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.analysis.query import Passage, PassageQuery
from annotator.gui.dialogs import plain_tooltip
from annotator.gui.jobs import Job, JobContext
from annotator.gui.panels.query_controls import QueryControls, describe
from annotator.model import DocumentSummary, Tag
from annotator.store import Store

if TYPE_CHECKING:
    from annotator.analysis.retrieval import Retrieval


def core():
    """The core's retrieval module, loaded when first used: it brings NumPy (0.2 s), which the
    window's start does without."""
    from annotator.analysis import retrieval

    return retrieval


COLUMNS = ("Document", "Passage", "Tags", "Speaker", "Annotator", "Note")
PASSAGE_COLUMN = 1
#: Rows read from the core at a time, and pages kept (the rest are read again when scrolled back to).
PAGE = 100
PAGES_KEPT = 40
#: Code points of context shown on each side of a passage.
CONTEXT = 80
#: A longer passage is shown as its beginning and end around an ellipsis (the tooltip has it whole).
PASSAGE_SHOWN = 400
TOOLTIP_CHARS = 2000
#: Lines of text a row shows.
ROW_LINES = 3
#: Each column's share of the table's width, until the user drags a column's edge.
COLUMN_SHARES = (0.12, 0.46, 0.14, 0.09, 0.07, 0.12)
#: What a row shows while its page is read.
LOADING = "…"
#: (before, passage, after) of a row, for the delegate.
ContextRole = Qt.ItemDataRole.UserRole + 1
#: What ``Export…`` writes, as save-dialog filters (the format from the suffix).
EXPORT_FILTERS = {
    "csv": "CSV (*.csv)",
    "xlsx": "Excel workbook (*.xlsx)",
    "html": "Web page (*.html)",
    "docx": "Word document (*.docx)",
}


def one_line(text: str) -> str:
    """Line breaks shown as a pilcrow, runs of spaces as one: a passage reads on as one paragraph.

    White space at either end stays (as one space): the context before a passage ends where the
    passage begins, and the two must not run together.
    """
    joined = " ¶ ".join(" ".join(line.split()) for line in text.split("\n"))
    lead = " " if text[:1].isspace() and not joined.startswith(" ") else ""
    trail = " " if text[-1:].isspace() and not joined.endswith(" ") else ""
    return f"{lead}{joined}{trail}"


def shortened(text: str, limit: int = PASSAGE_SHOWN) -> str:
    """The beginning and the end of a long text around an ellipsis."""
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    return f"{text[:head]} … {text[len(text) - (limit - head) :]}"


class RetrievalModel(QAbstractTableModel):
    """The passages of one retrieval, read a page at a time as the view asks for rows.

    The first page is read at once (the first screen); any other is read by a job on a
    connection of its own, its rows showing "…" meanwhile: a page deep in a long retrieval
    takes the core up to a second, and dragging the scroll bar must not freeze the window.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.store: Store | None = None
        self.retrieval: Retrieval | None = None
        self.tags: dict[str, Tag] = {}
        self._count = 0
        self._pages: OrderedDict[int, list[Passage]] = OrderedDict()
        self._contexts: dict[int, tuple[str, str, str]] = {}
        self._generation = 0
        self.page_jobs: set[Job] = set()
        self._loading: int | None = None
        self._queued: int | None = None

    def set_retrieval(self, store: Store | None, retrieval: Retrieval | None, tags: dict[str, Tag]) -> None:
        """Show another retrieval (or none); only its count is read now."""
        self.beginResetModel()
        self.store, self.retrieval, self.tags = store, retrieval, tags
        self._count = len(retrieval) if retrieval is not None else 0
        self._pages.clear()
        self._contexts.clear()
        self._generation += 1  # a page still being read belongs to the retrieval shown before
        self._loading = self._queued = None
        self.endResetModel()

    def passage(self, row: int) -> Passage | None:
        """The passage of a row; None while its page is being read in the background."""
        number = row // PAGE
        page = self._pages.get(number)
        if page is None:
            assert self.retrieval is not None and self.store is not None
            if number > 0 and self.store.path is not None:
                self._request(number)
                return None
            self._keep(number, self.retrieval.rows(number * PAGE, PAGE), {})
            page = self._pages[number]
        else:
            self._pages.move_to_end(number)
        return page[row - number * PAGE]

    def _keep(self, number: int, page: list[Passage], contexts: dict[int, tuple[str, str, str]]) -> None:
        self._pages[number] = page
        self._contexts.update(contexts)
        while len(self._pages) > PAGES_KEPT:
            dropped, _ = self._pages.popitem(last=False)
            for r in range(dropped * PAGE, (dropped + 1) * PAGE):
                self._contexts.pop(r, None)

    def _request(self, number: int) -> None:
        """Read a page (with its rows' context) off the UI thread; the last one asked for waits its turn."""
        if number == self._loading:
            return
        if self._loading is not None:
            self._queued = number
            return
        assert self.retrieval is not None and self.store is not None and self.store.path is not None
        self._loading = number
        project, query, generation = self.store.path, self.retrieval.query, self._generation

        def work(context: JobContext) -> tuple[list[Passage], list[tuple[str, str, str]]]:
            with Store.open(project, read_only=True) as store:
                rows = core().retrieve(store, query).rows(number * PAGE, PAGE)
                return rows, [core().passage_context(store, p, CONTEXT) for p in rows]

        job = Job(work, title="Passages", parent=self, report_failure=False)
        job.succeeded.connect(lambda result: self._page_read(generation, number, result))
        job.ended.connect(lambda: self._page_ended(job, generation))
        self.page_jobs.add(job.start())

    def _page_read(self, generation: int, number: int, result) -> None:
        if generation != self._generation:
            return
        rows, contexts = result
        first = number * PAGE
        self._keep(number, rows, {first + i: c for i, c in enumerate(contexts)})
        last = min(self._count, first + len(rows)) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    def _page_ended(self, job: Job, generation: int) -> None:
        self.page_jobs.discard(job)
        job.deleteLater()
        if generation != self._generation:
            return
        self._loading = None
        queued, self._queued = self._queued, None
        if queued is not None and queued not in self._pages:
            self._request(queued)

    def wait_for_pages(self) -> None:
        """Let the pages still being read end (before the project closes)."""
        for job in list(self.page_jobs):
            if job.is_running():
                job.wait()

    def context(self, row: int) -> tuple[str, str, str] | None:
        """(before, passage, after) of a row, read once while its page is kept (None while it is read)."""
        found = self._contexts.get(row)
        if found is None:
            passage = self.passage(row)
            if passage is None:
                return None
            assert self.store is not None
            found = core().passage_context(self.store, passage, CONTEXT)
            self._contexts[row] = found
        return found

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent=QModelIndex()) -> int:
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def _tag_name(self, tag_id: str | None) -> str:
        tag = self.tags.get(tag_id) if tag_id else None
        return tag.name if tag else ""

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role not in _ROLES:
            return None
        row, column = index.row(), index.column()
        passage = self.passage(row)
        if passage is None:  # its page is being read
            return LOADING if role == Qt.ItemDataRole.DisplayRole and column == PASSAGE_COLUMN else None
        if role == ContextRole:
            return self.context(row)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column, passage)
        if role == Qt.ItemDataRole.DecorationRole and column == 2 and passage.tag_ids:
            tag = self.tags.get(passage.tag_ids[0])
            return QColor(tag.color) if tag else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column, passage)
        if role == Qt.ItemDataRole.UserRole:
            return passage
        return None

    def _display(self, row: int, column: int, passage: Passage) -> str:
        if column == 0:
            return passage.document_title
        if column == PASSAGE_COLUMN:
            context = self.context(row)
            return one_line(context[1]) if context is not None else LOADING
        if column == 2:
            return ", ".join(self._tag_name(t) for t in passage.tag_ids)
        if column == 3:
            return self._tag_name(passage.speaker_id)
        if column == 4:
            return ", ".join(passage.annotators)
        return one_line(" / ".join(passage.notes))

    def _tooltip(self, row: int, column: int, passage: Passage) -> str | None:
        if column == 0:
            return plain_tooltip(f"{passage.document_title}\ncharacters {passage.start:,}–{passage.end:,}")
        if column == PASSAGE_COLUMN:
            context = self.context(row)
            if context is None:
                return None
            return plain_tooltip(context[1][:TOOLTIP_CHARS]) or None
        if column == 5:
            return plain_tooltip("\n\n".join(passage.notes)[:TOOLTIP_CHARS]) or None
        return plain_tooltip(self._display(row, column, passage)) or None


_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.UserRole,
        ContextRole,
    }
)


def tail(text: str, limit: int) -> str:
    """The end of ``text``, at most about ``limit`` characters, cut at a space and led by an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[len(text) - limit :]
    space = cut.find(" ")
    return "…" + (cut[space + 1 :] if 0 <= space < len(cut) // 2 else cut)


def passage_html(before: str, passage: str, after: str, muted: QColor, before_chars: int = CONTEXT) -> str:
    """The passage in bold between its context in a muted colour; every piece escaped (it is the user's text).

    ``before_chars``: at most this much of the text before is shown, so the passage itself starts
    on the cell's first line whatever the column's width.
    """
    color = muted.name()
    return (
        f'<span style="color:{color}">{html.escape(tail(one_line(before), before_chars))}</span>'
        f"<b>{html.escape(shortened(one_line(passage)))}</b>"
        f'<span style="color:{color}">{html.escape(one_line(after))}</span>'
    )


def muted_color(palette: QPalette, selected: bool) -> QColor:
    """Context text: the text colour halfway to the background."""
    role = QPalette.ColorRole
    text = palette.color(role.HighlightedText if selected else role.Text)
    base = palette.color(role.Highlight if selected else role.Base)
    return QColor(
        (text.red() + base.red()) // 2, (text.green() + base.green()) // 2, (text.blue() + base.blue()) // 2
    )


class PassageDelegate(QStyledItemDelegate):
    """Paints the passage column as rich text: the passage bold, its context muted, wrapped to the cell."""

    def paint(self, painter, option, index) -> None:
        context = index.data(ContextRole)
        if context is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        document = QTextDocument()
        document.setDocumentMargin(2)
        document.setDefaultFont(opt.font)
        text_color = opt.palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        ).name()
        document.setDefaultStyleSheet(f"body {{ color: {text_color}; }}")
        rect = opt.rect.adjusted(4, 2, -4, -2)
        # Half a line of context before, so the passage starts on the first line.
        before_chars = max(8, rect.width() // max(1, opt.fontMetrics.averageCharWidth()) // 2)
        shown = passage_html(*context, muted_color(opt.palette, selected), before_chars)
        document.setHtml(f"<body>{shown}</body>")
        document.setTextWidth(rect.width())
        painter.save()
        painter.translate(rect.topLeft())
        painter.setClipRect(QRectF(0, 0, rect.width(), rect.height()))
        document.drawContents(painter, QRectF(0, 0, rect.width(), rect.height()))
        painter.restore()

    def sizeHint(self, option, index) -> QSize:
        return QSize(400, option.fontMetrics.lineSpacing() * ROW_LINES + 8)


class PassagesTable(QTableView):
    """The passages' table: its columns keep their shares of the width until the user resizes one."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.user_sized = False
        self._fitting = False

    def setModel(self, model) -> None:  # noqa: N802 - Qt's name
        super().setModel(model)
        self.horizontalHeader().sectionResized.connect(self._section_resized)

    def _section_resized(self, *_args) -> None:
        if not self._fitting:
            self.user_sized = True

    def fit_columns(self) -> None:
        """Each column its share of the visible width (never narrower than its title)."""
        width = self.viewport().width()
        header = self.horizontalHeader()
        metrics = header.fontMetrics()
        widths = [
            max(metrics.horizontalAdvance(title) + 20, int(width * share))
            for title, share in zip(COLUMNS, COLUMN_SHARES, strict=True)
        ]
        others = sum(widths) - widths[PASSAGE_COLUMN]
        widths[PASSAGE_COLUMN] = max(
            metrics.averageCharWidth() * 20, width - others
        )  # the passage takes the rest
        self._fitting = True
        try:
            for column, column_width in enumerate(widths):
                self.setColumnWidth(column, column_width)
        finally:
            self._fitting = False

    def viewportEvent(self, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize and not self.user_sized:
            self.fit_columns()
        return super().viewportEvent(event)


class RetrievalPanel(QWidget):
    """Query controls on the left, the passages on the right; a click opens a passage in the text."""

    #: (document id, start, end) in code points.
    passageActivated = Signal(str, int, int)
    #: A line for the status bar (an export done).
    message = Signal(str)
    #: The query changed (the charts and the report use its filters).
    queryChanged = Signal(object)

    #: How long the controls wait for more ticks before asking the core (ms).
    QUERY_DELAY_MS = 150

    def __init__(self, store: Store, parent=None):
        super().__init__(parent)
        self.store = store
        self.job: Job | None = None
        #: The project changed since the passages were read (they are read again when shown).
        self.stale = True
        #: Tags or documents changed since the lists were read; the annotators' names too.
        self.choices_stale = True
        self.annotators_stale = True
        self.annotators_job: Job | None = None
        #: Every document in import order (the window passes its documents list's; else the store's).
        self.documents_source: Callable[[], list[DocumentSummary]] = lambda: self.store.documents()
        self.controls = QueryControls(self)
        self.controls.changed.connect(self._schedule)
        self._timer = QTimer(self, singleShot=True, interval=self.QUERY_DELAY_MS)
        self._timer.timeout.connect(self.run_query)
        self.model = RetrievalModel(self)
        self.table = PassagesTable(self)
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(PASSAGE_COLUMN, PassageDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)  # rows are three lines high: a long tag name wraps
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.table.fontMetrics().lineSpacing() * ROW_LINES + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.clicked.connect(self._activated)
        self.table.activated.connect(self._activated)
        self.count = QLabel(self)
        self.count.setTextFormat(Qt.TextFormat.PlainText)
        font = self.count.font()
        font.setBold(True)
        self.count.setFont(font)
        self.summary = QLabel(self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)  # names tags, which may look like HTML
        self.summary.setStyleSheet("color: palette(mid);")
        self.export_button = QPushButton("Export…", self)
        self.export_button.setToolTip(
            "Save these passages with their context as CSV, Excel, a web page or Word"
        )
        self.export_button.clicked.connect(self.on_export)
        top = QHBoxLayout()
        top.addWidget(self.count)
        top.addWidget(self.summary, 1)
        top.addWidget(self.export_button)
        results = QWidget(self)
        results_layout = QVBoxLayout(results)
        results_layout.setContentsMargins(4, 4, 4, 4)
        results_layout.addLayout(top)
        results_layout.addWidget(self.table)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.controls)
        self.splitter.addWidget(results)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([250, 950])
        self.splitter.setCollapsible(1, False)  # the controls may be dragged away, the passages not
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

    # -- the project ----------------------------------------------------------------------------

    def set_store(self, store: Store) -> None:
        """Another project: an empty query; lists and passages are read when the view is next shown."""
        self.wait_for_jobs()
        self.store = store
        self.controls.set_query(PassageQuery())
        self.controls.forget_annotators()
        self.model.set_retrieval(None, None, {})
        self.choices_stale = self.annotators_stale = True
        self.stale = True

    def mark_choices_stale(self, *, annotators: bool = False) -> None:
        """Tags or documents (``annotators``: maybe the annotators too) changed: the lists are read
        again before the next query."""
        self.choices_stale = True
        self.annotators_stale = self.annotators_stale or annotators

    def reload_choices(self) -> None:
        """The tags and documents the controls offer, read again (ticks kept where they still apply).

        The annotators' names take a scan of every span (0.6 s for a million): they are read
        off the UI thread, when a project opens or changes wholesale, and fill their list when they come.
        """
        self.controls.set_choices(self.store.tags(), self.documents_source())
        self.choices_stale = False
        if self.annotators_stale:
            self.read_annotators()

    def read_annotators(self) -> None:
        """Read the annotators' names (a job on its own connection) and list them when they come."""
        self.annotators_stale = False
        project = self.store.path
        if project is None:  # an in-memory project: its connection is this thread's
            self.controls.set_annotators(self.store.annotators())
            return

        def work(context: JobContext) -> list[str]:
            with Store.open(project, read_only=True) as store:
                return store.annotators()

        job = Job(work, title="Annotators", parent=self, report_failure=False)
        job.succeeded.connect(lambda names: self._annotators_read(project, names))
        self.annotators_job = job.start()

    def _annotators_read(self, project: Path, names: list[str]) -> None:
        if project == self.store.path:  # not a project opened since
            self.controls.set_annotators(names)

    def _prepare(self) -> None:
        if self.choices_stale:
            self.reload_choices()

    # -- the query --------------------------------------------------------------------------------

    def query(self) -> PassageQuery:
        return self.controls.query()

    def set_query(self, query: PassageQuery) -> None:
        """Show the passages of ``query`` now (a tag from the palette, a heat-map cell)."""
        self._prepare()
        self.controls.set_query(query)
        self.run_query()

    def _schedule(self) -> None:
        self._timer.start()

    def run_query(self) -> None:
        """Ask the core for the query's passages: the count now, rows as they are shown."""
        self._timer.stop()
        self._prepare()
        self.stale = False
        query = self.query()
        tags = {t.id: t for t in self.store.tags()}
        self.model.set_retrieval(self.store, core().retrieve(self.store, query), tags)
        total = self.model.rowCount()
        self.count.setText(f"{total:,} passage" + ("" if total == 1 else "s"))
        self.summary.setText(describe(query, tags))
        self.export_button.setEnabled(total > 0)
        self.queryChanged.emit(query)

    def refresh(self) -> None:
        """The same query asked again (the project changed), keeping the place in the list."""
        place = self.table.verticalScrollBar().value()
        self.run_query()
        self.table.verticalScrollBar().setValue(place)

    def _activated(self, index) -> None:
        passage: Passage = self.model.data(index, Qt.ItemDataRole.UserRole)
        if passage is not None:
            self.passageActivated.emit(passage.document_id, passage.start, passage.end)

    # -- export --------------------------------------------------------------------------------

    def on_export(self) -> None:
        from annotator.analysis.passages_export import PASSAGE_FORMATS

        filters = ";;".join(EXPORT_FILTERS[f] for f in PASSAGE_FORMATS if f in EXPORT_FILTERS)
        name = str(Path.home() / "passages.csv")
        path, chosen = QFileDialog.getSaveFileName(self, "Export passages", name, filters)
        if not path:
            return
        fmt = next((f for f, label in EXPORT_FILTERS.items() if label == chosen), "csv")
        target = Path(path)
        if target.suffix.lower() != f".{fmt}":
            target = target.with_name(target.name + f".{fmt}")
        self.export_to(target)

    def export_to(self, target: Path) -> Job | None:
        """Write the listed passages to ``target`` (format from its suffix) as a background job."""
        from annotator.analysis.passages_export import export_passages  # loaded when first used

        query = self.query()
        project = self.store.path
        if project is None:  # an in-memory project (previews): its connection is this thread's
            written = export_passages(self.store, core().retrieve(self.store, query), target)
            self.message.emit(f"{written:,} passages exported to {target}")
            return None

        def work(context: JobContext) -> int:
            with Store.open(project, read_only=True) as store:
                return export_passages(store, core().retrieve(store, query), target)

        job = Job(
            work,
            title="Export passages",
            parent=self,
            progress_parent=self.window(),
            cancellable=False,
        )
        job.succeeded.connect(lambda written: self.message.emit(f"{written:,} passages exported to {target}"))
        self.job = job.start()
        return job

    def wait_for_jobs(self) -> None:
        """Let an export or a read still running end (before its project closes)."""
        for job in (self.job, self.annotators_job):
            if job is not None and job.is_running():
                job.wait()
        self.model.wait_for_pages()

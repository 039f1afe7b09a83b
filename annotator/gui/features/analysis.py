"""Analysis in the window: the Passages and Charts pages beside the text, and File > Report….

Passages and charts are working areas a researcher reads for a while, so
they are pages of the central area, tabbed beside the text (as NVivo and
ATLAS.ti open a code's references in the main area), not docks squeezed
into a side panel. A passage clicked opens in the Text tab, selected; the
Passages tab stays as it was, one click away. Each page appears when first
asked for (the palette's "Show passages", Analysis > Passages or Charts) and
can be closed; with the text alone, the tab bar hides.

The pages show the project as it is: a change reaches them through the
window's change stream, and a page not in front only notes that it is out
of date and asks the core again when it is shown (tagging in the text does
not recount anything until the passages are looked at).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QTabBar, QWidget

from annotator.analysis.query import PassageQuery
from annotator.gui.features.base import Feature
from annotator.gui.jobs import Job, JobContext
from annotator.gui.panels.charts import ChartsPanel
from annotator.gui.panels.query_controls import describe
from annotator.gui.panels.retrieval import RetrievalPanel
from annotator.ops import OpChanges
from annotator.store import Store

if TYPE_CHECKING:
    from annotator.analysis.matrices import Axis

#: How long a line in the status bar stays (an export or a report written).
MESSAGE_MS = 8000
REPORT_FILTERS = {"html": "Web page report (*.html)", "docx": "Word document report (*.docx)"}


class AnalysisFeature(Feature):
    """The Passages and Charts pages, the palette's "Show passages", and the report."""

    key = "analysis"

    def __init__(self, window):
        super().__init__(window)
        self.passages = RetrievalPanel(window.store, window)
        self.passages.documents_source = lambda: window.documents.panel.model.rows  # read once already
        self.passages.passageActivated.connect(window.jump_to)
        self.passages.message.connect(self._say)
        self.passages.queryChanged.connect(self._query_changed)
        self.charts = ChartsPanel(window.store, window)
        self.charts.cellQueryRequested.connect(self.show_passages_of)
        self.charts.message.connect(self._say)
        self.report_job: Job | None = None
        pages = window.pages
        pages.setTabsClosable(True)
        pages.tabBar().setTabButton(0, QTabBar.ButtonPosition.RightSide, None)  # the text stays
        pages.tabBar().setTabButton(0, QTabBar.ButtonPosition.LeftSide, None)
        pages.tabCloseRequested.connect(self._close_page)
        pages.currentChanged.connect(lambda _index: self._refresh_shown())
        window.tags.palette.showPassagesRequested.connect(self.show_tag_passages)

    def actions(self):
        return {"passages": self.show_passages, "charts": self.show_charts, "report": self.on_report}

    # -- pages ------------------------------------------------------------------------------------

    def _open_page(self, page: QWidget, title: str) -> None:
        pages = self.window.pages
        if pages.indexOf(page) < 0:
            pages.addTab(page, title)
        pages.setCurrentWidget(page)

    def _close_page(self, index: int) -> None:
        pages = self.window.pages
        if pages.widget(index) is not self.window.text_page:
            pages.removeTab(index)

    def is_shown(self, page: QWidget) -> bool:
        return self.window.pages.currentWidget() is page

    def show_passages(self) -> None:
        """Analysis > Passages: the Passages page, its query as it was."""
        self._open_page(self.passages, "Passages")
        if self.passages.stale:
            self.passages.run_query()
        # Back from a passage opened in the text: on with the list (arrows, Enter) where it was left.
        has_rows = self.passages.model.rowCount() > 0
        (self.passages.table if has_rows else self.passages.controls.tree).setFocus()

    def show_tag_passages(self, tag_id: str) -> None:
        """The palette's "Show passages": every passage coded with that tag (and its sub-themes)."""
        self.show_passages_of(PassageQuery(tags=(tag_id,)))

    def show_passages_of(self, query: PassageQuery) -> None:
        """The Passages page listing exactly ``query``'s passages (a tag, a heat-map cell)."""
        self.passages.set_query(query)  # before the page shows, so it is read once
        self._open_page(self.passages, "Passages")
        self.passages.table.setFocus()

    def show_charts(self) -> None:
        """Analysis > Charts: the Charts page, counted again if the project changed."""
        self._open_page(self.charts, "Charts")
        self._refresh_shown()

    def show_heatmap(self, rows: Axis, cols: Axis) -> None:
        """The Charts page with a heat map of ``rows`` by ``cols``."""
        self.charts.show_matrix(rows, cols)  # before the page shows, so it is counted once
        self._open_page(self.charts, "Charts")

    def _query_changed(self, query: PassageQuery) -> None:
        self.charts.set_base(query)

    def _refresh_shown(self) -> None:
        """Ask the core again for the page in front, if the project changed since it last did."""
        if self.is_shown(self.passages) and self.passages.stale:
            self.passages.refresh()
        if self.is_shown(self.charts) and self.charts.stale:
            self.charts.compute()

    # -- the project ------------------------------------------------------------------------------

    def project_opened(self) -> None:
        store = self.window.store
        self.passages.set_store(store)
        self.charts.set_store(store)
        self._refresh_shown()

    def on_changes(self, changes: OpChanges) -> None:
        if changes.everything or changes.tags or changes.documents:
            self.passages.mark_choices_stale(annotators=changes.everything)
        names = {a.annotator for a in changes.added} | {after.annotator for _, after in changes.updated}
        if names:
            self.passages.controls.add_annotators(names)  # a first span by someone new: listed at once
        shown_data = (changes.added, changes.removed, changes.updated, changes.tags, changes.documents)
        if changes.everything or changes.statuses or any(shown_data):
            self.passages.stale = True
            self.charts.stale = True
            self._refresh_shown()

    def release(self) -> None:
        self.passages.wait_for_jobs()
        self.charts.wait_for_jobs()
        if self.report_job is not None and self.report_job.is_running():
            self.report_job.wait()

    def shutdown(self) -> None:
        self.release()

    # -- the report -------------------------------------------------------------------------------

    def on_report(self) -> None:
        """File > Report…: the project's report, as a web page or Word document, with the Passages' filters."""
        project = self.window.store.path
        name = project.stem if project is not None else "project"
        default = str(Path.home() / f"{name} report.html")
        # The title says what the report covers: the Passages view's query.
        scope = describe(self.passages.query(), self.window.tags_by_id).removeprefix(" · ")
        path, chosen = QFileDialog.getSaveFileName(
            self.window, f"Write a report — {scope}", default, ";;".join(REPORT_FILTERS.values())
        )
        if not path:
            return
        fmt = next((f for f, label in REPORT_FILTERS.items() if label == chosen), "html")
        target = Path(path)
        if target.suffix.lower() not in {f".{f}" for f in REPORT_FILTERS}:
            target = target.with_name(target.name + f".{fmt}")
        self.write_report(target)

    def write_report(self, target: Path) -> Job | None:
        """Write the report to ``target`` (format from its suffix) as a background job."""
        from annotator.analysis.report import write_report  # loaded when first used

        base = self.passages.query()
        project = self.window.store.path
        if project is None:  # an in-memory project: its connection is this thread's
            write_report(self.window.store, target, base=base)
            self._say(f"Report written to {target}")
            return None

        def work(context: JobContext) -> None:
            with Store.open(project, read_only=True) as store:
                write_report(store, target, base=base)

        job = Job(
            work,
            title="Report",
            parent=self.window,
            progress_parent=self.window,
            label="Writing the report…",
            cancellable=False,
        )
        job.succeeded.connect(lambda _result: self._say(f"Report written to {target}"))
        self.report_job = job.start()
        return job

    def _say(self, message: str) -> None:
        self.window.statusBar().showMessage(message, MESSAGE_MS)

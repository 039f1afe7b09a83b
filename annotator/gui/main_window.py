"""The main window: composes the panels, menus and the document view; holds no business logic.

State kept here: the open store, its ``History``, the current document and
the tags by id. Everything that changes data goes through ops (see
``annotating.py`` and ``tag_editing.py``); everything shown is reloaded from
the store through a few ``reload_*`` methods.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import sys
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QScrollArea,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from annotator.bulk import collector_paused
from annotator.errors import AnnotatorError
from annotator.gui.actions import build_actions
from annotator.gui.annotating import AnnotatingMixin
from annotator.gui.dialogs import plain_tooltip, show_import_report, warn
from annotator.gui.document_view import DocumentView
from annotator.gui.find_bar import FindBar
from annotator.gui.panels.annotations import AnnotationsPanel
from annotator.gui.panels.documents import DocumentsPanel
from annotator.gui.panels.search import SearchPanel
from annotator.gui.panels.tags import TagPalette
from annotator.gui.project_care import ProjectCareMixin
from annotator.gui.review_panel import ReviewPanel
from annotator.gui.tag_editing import TagEditingMixin
from annotator.gui.worker import ImportWorker
from annotator.importers import ImportOptions, supported_suffixes
from annotator.model import Document
from annotator.ops import History, SetDocumentMemo, SetDocumentStatus
from annotator.settings import PROJECT_SUFFIX, Settings, config_dir
from annotator.store import Store

#: How long a document stays open before it is remembered as the one to reopen.
LAST_DOCUMENT_DELAY_MS = 1500


def open_store_for_window(path: Path) -> Store:
    """Open a project for the window: read-only (with a notice) when the file or folder is."""
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    return Store.open(path, read_only=not writable)


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


def scrollable(widget: QWidget) -> QScrollArea:
    """A tall panel in a scroll area, so its dock can be made short without squeezing its neighbours."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


class MainWindow(AnnotatingMixin, TagEditingMixin, ProjectCareMixin, QMainWindow):
    """Documents left, text in the middle, tags right, annotations below."""

    def __init__(self, store: Store, settings: Settings, *, annotator: str):
        super().__init__()
        self.settings = settings
        self.annotator = annotator
        self.store = store
        self.history = History(store)
        self.history.subscribe(self._on_history)
        self.current_document: Document | None = None
        self.current_annotation_id: str | None = None
        self._memo_stored = ""  # the current document's memo as the store has it
        self.tags_by_id: dict = {}
        self._data_version = 0
        self._import_worker: ImportWorker | None = None
        # Which document is open is written a moment after it opens (one commit, not one per
        # document flicked through), and at once before the project is closed.
        self._last_document_pending: str | None = None
        self._last_document_timer = QTimer(self, singleShot=True, interval=LAST_DOCUMENT_DELAY_MS)
        self._last_document_timer.timeout.connect(self._write_last_document)
        self.setAcceptDrops(True)
        self._build_central()
        self._build_docks()
        self.actions_by_key = build_actions(self)
        self._build_menus()
        self._build_status_bar()
        self._number_shortcuts = []
        for number in range(1, 10):
            shortcut = QShortcut(QKeySequence(str(number)), self)
            shortcut.activated.connect(lambda n=number: self.apply_tag_number(n))
            self._number_shortcuts.append(shortcut)
        QApplication.instance().applicationStateChanged.connect(self._application_state_changed)
        self._restore_layout()
        self.load_project()

    # -- construction -----------------------------------------------------------

    def _build_central(self) -> None:
        self.view = DocumentView(self)
        self.view.spanClicked.connect(self.span_clicked)
        self.view.spanContextMenuRequested.connect(self.show_text_menu)
        self.view.selectionRangeChanged.connect(lambda *_: self.update_status())
        self.find_bar = FindBar(self)
        self.find_bar.hide()
        self.find_bar.matchesChanged.connect(self._show_find_matches)
        self.find_bar.closed.connect(self.view.setFocus)
        self.notice = QLabel(self)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)  # shows a file path, which may look like HTML
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("background:#fff3cd; color:#5c4400; padding:6px 10px;")
        self.notice.hide()
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.notice)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.view)
        self.setCentralWidget(central)

    def _dock(self, title: str, name: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        left, right, bottom = (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea,
                               Qt.DockWidgetArea.BottomDockWidgetArea)
        self.documents_panel = DocumentsPanel(self)
        self.documents_panel.documentActivated.connect(self.show_document)
        self.documents_panel.statusChangeRequested.connect(
            lambda doc, status: self.run_op(SetDocumentStatus(doc, status)))
        self.documents_dock = self._dock("Documents", "documents", self.documents_panel, left)
        self.search_panel = SearchPanel(self.store, self)
        self.search_panel.hitActivated.connect(self.jump_to)
        self.search_dock = self._dock("Search", "search", self.search_panel, left)
        self.palette = TagPalette(self)
        self.connect_palette()
        self.tags_dock = self._dock("Tags", "tags", self.palette, right)
        self.memo = MemoEdit(self)
        self.memo.setPlaceholderText("Memo on this document: ideas, questions, context…")
        self.memo.textChanged.connect(self._save_memo)
        self.memo.focusLeft.connect(lambda: self.history.seal())
        self.memo_dock = self._dock("Memo", "memo", self.memo, right)
        self.annotations_panel = AnnotationsPanel(self)
        self.annotations_panel.annotationActivated.connect(self.jump_to_annotation)
        self.annotations_dock = self._dock("Annotations", "annotations", self.annotations_panel, bottom)
        self.review_panel = ReviewPanel(self.store, self.annotator, self.run_op, self)
        self.review_panel.layerSpansChanged.connect(self.view.set_layer_spans)
        self.review_panel.layerVisibilityChanged.connect(self.view.set_layer_visible)
        self.review_panel.layerRemoved.connect(self.view.remove_layer)
        self.review_panel.jumpRequested.connect(self.jump_to)
        self.review_panel.projectChanged.connect(self._reload_after_review)
        self.review_dock = self._dock("Review", "review", scrollable(self.review_panel), right)

    def arrange_default_layout(self) -> None:
        """Documents and Search tabbed left, Tags over Memo/Review right, Annotations below."""
        for dock in (self.documents_dock, self.search_dock, self.tags_dock, self.memo_dock, self.review_dock,
                     self.annotations_dock):
            dock.setFloating(False)
            dock.show()
        left, right, bottom = (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea,
                               Qt.DockWidgetArea.BottomDockWidgetArea)
        for dock, area in ((self.documents_dock, left), (self.tags_dock, right), (self.annotations_dock, bottom)):
            self.addDockWidget(area, dock)
        self.splitDockWidget(self.tags_dock, self.memo_dock, Qt.Orientation.Vertical)
        self.tabifyDockWidget(self.documents_dock, self.search_dock)
        self.tabifyDockWidget(self.memo_dock, self.review_dock)
        self.documents_dock.raise_()
        self.memo_dock.raise_()
        self.resizeDocks([self.documents_dock, self.tags_dock], [290, 340], Qt.Orientation.Horizontal)
        self.resizeDocks([self.annotations_dock], [200], Qt.Orientation.Vertical)
        self.resizeDocks([self.tags_dock, self.memo_dock], [500, 170], Qt.Orientation.Vertical)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._default_layout_pending:
            # Tabified docks are arranged once the window is shown: arranged before, Qt leaves a
            # second, stray tab bar for the second tab group floating over the window.
            self._default_layout_pending = False
            self.arrange_default_layout()

    def _build_menus(self) -> None:
        a = self.actions_by_key
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        for key in ("new_project", "open_project"):
            file_menu.addAction(a[key])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(a["import_files"])
        file_menu.addAction(a["import_folder"])
        file_menu.addAction(a["import_transcript"])
        file_menu.addAction(a["export"])
        file_menu.addSeparator()
        file_menu.addAction(a["backups"])
        file_menu.addSeparator()
        file_menu.addAction(a["quit"])
        edit_menu = bar.addMenu("&Edit")
        for key in ("undo", "redo", None, "find", "find_next", "find_previous", "search_corpus"):
            edit_menu.addAction(a[key]) if key else edit_menu.addSeparator()
        annotate_menu = bar.addMenu("&Annotate")
        for key in ("delete_annotation", "edit_note", "fit_to_selection", None, "new_theme", "new_speaker"):
            annotate_menu.addAction(a[key]) if key else annotate_menu.addSeparator()
        view_menu = bar.addMenu("&View")
        for key in ("zoom_in", "zoom_out", "zoom_reset", None, "next_document", "previous_document"):
            view_menu.addAction(a[key]) if key else view_menu.addSeparator()
        view_menu.addSeparator()
        for dock in (self.documents_dock, self.search_dock, self.tags_dock, self.memo_dock, self.review_dock,
                     self.annotations_dock):
            view_menu.addAction(dock.toggleViewAction())
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("main-toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for key in ("open_project", "import_files", "export", None, "undo", "redo", None, "find", "search_corpus"):
            toolbar.addAction(a[key]) if key else toolbar.addSeparator()
        self.addToolBar(toolbar)

    def _build_status_bar(self) -> None:
        self.status_document = QLabel(self)
        self.status_selection = QLabel(self)
        self.status_counts = QLabel(self)
        for label in (self.status_document, self.status_selection, self.status_counts):
            # Titles come from imported files: never let Qt guess that "<b>x</b>" or "<img src=...>" is HTML.
            label.setTextFormat(Qt.TextFormat.PlainText)
        bar = self.statusBar()
        bar.addWidget(self.status_document, 1)
        bar.addPermanentWidget(self.status_selection)
        bar.addPermanentWidget(self.status_counts)

    # -- projects -----------------------------------------------------------------

    def load_project(self) -> None:
        """Show the open store: tags, documents, and the document open last time."""
        name = self.store.get_meta("name", self.store.path.stem if self.store.path else "project")
        self.setWindowTitle(f"{name} — Annotator")
        if self.store.read_only:
            self.notice.setText(f"Opened read-only: {self.store.path} cannot be written (file or folder "
                                "permissions). You can read and search; changes are disabled.")
            self.notice.show()
        else:
            self.notice.hide()
        self.memo.setReadOnly(self.store.read_only)
        self.search_panel.set_store(self.store)
        self.reload_tags()
        self.reload_documents()
        summaries = self.documents_panel.model.rows
        last = self.store.get_meta("last_document")
        known = {d.id for d in summaries}
        target = last if last in known else (summaries[0].id if summaries else None)
        if target:
            self.show_document(target)
        else:
            self.view.clear_document()
        self._data_version = self.store.data_version()
        self.update_undo_actions()
        self.start_backup()

    def open_project(self, path: Path) -> None:
        """Switch to another project file."""
        try:
            store = open_store_for_window(path)
        except AnnotatorError as exc:
            warn(self, "Cannot open project", str(exc))
            return
        self.wait_for_backup()
        self._write_last_document()
        self.review_panel.set_store(store)
        self.store.close()
        self._use_store(store, path)

    def reopen_project(self, path: Path) -> None:
        """Open ``path`` again after its store was closed (a restore replaced the file)."""
        try:
            store = open_store_for_window(path)
        except AnnotatorError as exc:
            warn(self, "Cannot open project", str(exc), icon=QMessageBox.Icon.Critical)
            self.close()
            return
        self.review_panel.set_store(store)
        self._use_store(store, path)

    def _use_store(self, store: Store, path: Path) -> None:
        self.store = store
        self.history = History(store)
        self.history.subscribe(self._on_history)
        self.current_document = None
        self.settings.remember_project(path)
        self.settings.save()
        self.load_project()

    def on_new_project(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New project", str(Path.home() / f"Untitled{PROJECT_SUFFIX}"),
                                              f"Annotator projects (*{PROJECT_SUFFIX})")
        if not path:
            return
        path = Path(path) if path.endswith(PROJECT_SUFFIX) else Path(path + PROJECT_SUFFIX)
        try:
            Store.create(path).close()
        except AnnotatorError as exc:
            warn(self, "Cannot create project", str(exc))
            return
        self.open_project(path)

    def on_open_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open project", str(Path.home()),
                                              f"Annotator projects (*{PROJECT_SUFFIX});;All files (*)")
        if path:
            self.open_project(Path(path))

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for entry in self.settings.recent_projects:
            action = QAction(Path(entry).name, self.recent_menu)
            action.setToolTip(plain_tooltip(entry))
            action.triggered.connect(lambda _=False, p=entry: self.open_project(Path(p)))
            action.setEnabled(Path(entry).exists())
            self.recent_menu.addAction(action)
        if not self.settings.recent_projects:
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    # -- reloading ------------------------------------------------------------------

    def reload_tags(self) -> None:
        tags = self.store.tags()
        self.tags_by_id = {t.id: t for t in tags}
        self.view.set_tag_looks({t.id: (t.color, t.name) for t in tags})
        self.palette.set_tags(tags, self.store.tag_usage())

    def reload_documents(self) -> None:
        current = self.current_document.id if self.current_document else None
        self.documents_panel.set_documents(self.store.documents(), current)

    def refresh_document_row(self, document_id: str | None, *, count_change: int | None = None) -> None:
        """Update one document's count and status in the list.

        ``count_change``: the number of annotations the op added (negative: removed), so the
        count is adjusted rather than counted again (6 ms for 50,000 spans, on every key press).
        """
        if not document_id:
            return
        row = self.documents_panel.model.row_of(document_id)
        if row is None:
            return
        if count_change is None:
            summary = self.store.document_summary(document_id)
        else:
            known = self.documents_panel.model.rows[row]
            summary = dataclasses.replace(known, annotation_count=known.annotation_count + count_change,
                                          status=self.store.document_status(document_id))
        self.documents_panel.model.update_document(summary)

    def reload_current_annotations(self) -> None:
        """Redraw the current document's spans and table (tags changed)."""
        if self.current_document is None:
            return
        with collector_paused():
            annotations = self.store.shown_annotations(self.current_document.id)
        self.view.set_spans(annotations)
        self.annotations_panel.model.set_rows(self.current_document.text, annotations, self.tags_by_id,
                                              by_position=True)

    def show_document(self, document_id: str) -> None:
        """Open a document in the view."""
        with collector_paused():  # 50,000 rows become objects: see annotator.bulk
            self._show_document(document_id)

    def _show_document(self, document_id: str) -> None:
        self._save_memo()
        self.history.seal()  # typing in the next document's memo is a step of its own
        document = self.store.document(document_id)
        self.current_document = document
        self.current_annotation_id = None
        annotations = self.store.shown_annotations(document_id)
        self.view.set_document(document.text, annotations)
        self.annotations_panel.model.set_rows(document.text, annotations, self.tags_by_id, by_position=True)
        self._set_memo_text(document.memo)
        self.find_bar.set_text(document.text)
        self.documents_panel.select(document_id)
        self.review_panel.set_current_document(document_id)
        if not self.store.read_only:
            self._last_document_pending = document_id
            self._last_document_timer.start()
        self.update_status()

    def _write_last_document(self) -> None:
        """Remember the open document for the next start (``load_project`` opens it)."""
        self._last_document_timer.stop()
        pending, self._last_document_pending = self._last_document_pending, None
        if pending is None or self.store.read_only:
            return
        try:
            self.store.set_meta("last_document", pending)
        except AnnotatorError as exc:  # a locked or vanished file: only the reading position is lost
            self.statusBar().showMessage(f"Could not remember the open document: {exc}", 5000)

    def jump_to(self, document_id: str, start: int, end: int) -> None:
        """Open a document (if needed) and select a range in it."""
        if self.current_document is None or self.current_document.id != document_id:
            self.show_document(document_id)
        self.view.select_range(start, end)

    def _reload_after_review(self) -> None:
        """A colleague's annotation was accepted or their file merged."""
        self.reload_tags()
        self.reload_documents()
        self.reload_current_annotations()
        self._data_version = self.store.data_version()

    def _application_state_changed(self, state) -> None:
        """Coming back to the window: show what another process (the command line) changed."""
        if state == Qt.ApplicationState.ApplicationActive:
            self.refresh_if_changed_elsewhere()

    def refresh_if_changed_elsewhere(self) -> bool:
        """Reload everything if another connection committed since we last looked."""
        version = self.store.data_version()
        if version == self._data_version:
            return False
        self._data_version = version
        self.reload_tags()
        self.reload_documents()
        if self.current_document is not None:
            try:
                self.show_document(self.current_document.id)
            except AnnotatorError:
                self.view.clear_document()
                self.current_document = None
        return True

    # -- status, undo, memo ---------------------------------------------------------------

    def update_status(self) -> None:
        doc = self.current_document
        if doc is None:
            self.status_document.setText("No document — import some with Ctrl+I or drop files here")
            self.status_selection.setText("")
            self.status_counts.setText("")
            return
        self.status_document.setText(f"{doc.title} · {len(doc.text):,} characters")
        selected = self.view.selected_range()
        self.status_selection.setText(
            f"Selection {selected[0]:,}–{selected[1]:,} ({selected[1] - selected[0]:,} chars), press 1-9 to tag  ·"
            if selected else "")
        self.status_counts.setText(f"{self.annotations_panel.model.rowCount():,} annotations here")

    def update_undo_actions(self) -> None:
        a = self.actions_by_key
        a["undo"].setEnabled(self.history.can_undo())
        a["redo"].setEnabled(self.history.can_redo())
        a["undo"].setText(f"&Undo {self.history.undo_text()}".rstrip())
        a["redo"].setText(f"&Redo {self.history.redo_text()}".rstrip())
        self._data_version = self.store.data_version()

    def on_undo(self) -> None:
        self._step_history(self.history.undo, "undo")

    def on_redo(self) -> None:
        self._step_history(self.history.redo, "redo")

    def _step_history(self, step, verb: str) -> None:
        """Undo or redo; when another process changed the same data meanwhile, say so and show the project as it is."""
        try:
            step()
        except (AnnotatorError, sqlite3.Error) as exc:
            self._data_version = -1
            self.refresh_if_changed_elsewhere()
            self.update_undo_actions()
            self.statusBar().showMessage(f"Cannot {verb}: {exc} (changed elsewhere meanwhile)", 8000)

    def _save_memo(self) -> None:
        """Store the memo now (every edit, so a crash loses nothing); a typing run undoes as one step."""
        doc = self.current_document
        if doc is None or self.store.read_only:
            return
        text = self.memo.toPlainText()
        if text != self._memo_stored:
            self.run_op(SetDocumentMemo(doc.id, text), merge=True)

    def show_memo_of(self, op: SetDocumentMemo, undone: bool) -> None:
        """After a memo op ran, was undone or redone: the editor shows what the store now holds."""
        if self.current_document is None or op.document_id != self.current_document.id:
            return
        self._memo_stored = op.previous if undone else op.memo
        if self.memo.toPlainText() != self._memo_stored:
            self._set_memo_text(self._memo_stored)

    def _set_memo_text(self, text: str) -> None:
        """Replace the editor's text without it counting as an edit; the cursor goes to the end."""
        self._memo_stored = text
        self.memo.blockSignals(True)
        self.memo.setPlainText(text)
        self.memo.moveCursor(self.memo.textCursor().MoveOperation.End)
        self.memo.blockSignals(False)

    # -- find, search, zoom, navigation -----------------------------------------------------

    def on_find(self) -> None:
        selected = self.view.selected_range()
        initial = self.current_document.text[selected[0]:selected[1]] if selected and self.current_document else ""
        self.find_bar.open_bar(initial if "\n" not in initial else "")

    def on_find_next(self) -> None:
        self.find_bar.next()

    def on_find_previous(self) -> None:
        self.find_bar.previous()

    def _show_find_matches(self, ranges, current) -> None:
        self.view.set_find_matches(ranges, current)
        if current is not None and ranges:
            self.view.select_range(*ranges[current])

    def on_search_corpus(self) -> None:
        self.search_dock.show()
        self.search_dock.raise_()
        self.search_panel.query.setFocus()
        self.search_panel.query.selectAll()

    def on_zoom_in(self) -> None:
        self.view.zoom_in()

    def on_zoom_out(self) -> None:
        self.view.zoom_out()

    def on_zoom_reset(self) -> None:
        self.view.reset_zoom()

    def _step_document(self, step: int) -> None:
        rows = self.documents_panel.model.rows
        if not rows:
            return
        ids = [d.id for d in rows]
        index = ids.index(self.current_document.id) if self.current_document else -1
        self.show_document(ids[(index + step) % len(ids)])

    def on_next_document(self) -> None:
        self._step_document(1)

    def on_previous_document(self) -> None:
        self._step_document(-1)

    def on_export(self) -> None:
        from annotator.gui.export_dialog import ExportDialog

        if self.store.path is not None:
            ExportDialog(self.store.path, self).exec()

    # -- importing ----------------------------------------------------------------------------

    def on_import_files(self) -> None:
        patterns = " ".join(f"*{s}" for s in supported_suffixes())
        paths, _ = QFileDialog.getOpenFileNames(self, "Import documents", str(Path.home()),
                                                f"Documents ({patterns});;All files (*)")
        if paths:
            self.start_import(paths)

    def on_import_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a folder", str(Path.home()))
        if folder:
            self.start_import([folder])

    def start_import(self, paths: list[str], *, options: ImportOptions | None = None) -> ImportWorker | None:
        """Import off the UI thread with a cancellable progress dialog and a report at the end."""
        if self.store.read_only or self.store.path is None:
            QMessageBox.information(self, "Read-only", "This project is open read-only; nothing can be imported.")
            return None
        if options is None or not options.text_column:
            from annotator.gui import csv_columns  # looked up per call, so tests can replace choose_columns

            options = csv_columns.choose_columns(self, paths, options)  # asks only when tables are imported
            if options is None:
                return None  # cancelled
        progress = QProgressDialog("Importing…", "Cancel", 0, 0, self)
        progress.setWindowTitle("Import")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        worker = ImportWorker(self.store.path, paths, annotator=self.annotator, options=options, parent=self)
        worker.progressed.connect(lambda done, total, name: (progress.setMaximum(total), progress.setValue(done),
                                                              progress.setLabelText(f"Importing {name}…")))
        progress.canceled.connect(worker.cancel)

        def finished(report) -> None:
            progress.reset()
            self.reload_documents()
            self.reload_tags()
            if self.current_document is None and self.documents_panel.model.rows:
                self.show_document(self.documents_panel.model.rows[0].id)
            self._data_version = self.store.data_version()
            self.last_import_report = report
            if not getattr(self, "quiet_reports", False):
                show_import_report(self, report)

        worker.finishedWithReport.connect(finished)
        worker.failed.connect(lambda message: (progress.reset(), QMessageBox.warning(self, "Import failed", message)))
        self._import_worker = worker
        worker.start()
        return worker

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            self.start_import(paths)

    # -- layout and closing ----------------------------------------------------------------------

    def _layout_settings(self) -> QSettings:
        return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)

    def _restore_layout(self) -> None:
        stored = self._layout_settings()
        geometry, state = stored.value("geometry"), stored.value("state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        restored = isinstance(state, QByteArray) and self.restoreState(state)
        self._default_layout_pending = not restored

    def closeEvent(self, event) -> None:
        try:
            self._save_memo()
            self._write_last_document()
            self.review_panel.close_all()
        except Exception as exc:  # an exception escaping a Qt event handler during close crashes PySide
            print(f"annotator: while closing: {exc}", file=sys.stderr)
        if self._import_worker is not None and self._import_worker.isRunning():
            self._import_worker.cancel()
            self._import_worker.wait(10_000)
        self.wait_for_backup()
        config_dir().mkdir(parents=True, exist_ok=True)
        stored = self._layout_settings()
        stored.setValue("geometry", self.saveGeometry())
        stored.setValue("state", self.saveState())
        stored.sync()
        super().closeEvent(event)

    def on_quit(self) -> None:
        self.close()

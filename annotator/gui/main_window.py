"""The main window: composes the features, the text view, menus and layout; holds no business logic.

State kept here: the open store, its ``History``, the open document and the
tags by id. The window lists its features once (``annotator.gui.features``):
each brings its docks, its commands and its reactions to changes. Everything
that changes the project reaches the features through one stream,
``changes`` (an ``OpChanges``): ops run, undone or redone, imports, merges,
adjudications, and changes another program made to the file (noticed when
the window comes back to the front).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from annotator.bulk import collector_paused
from annotator.errors import AnnotatorError
from annotator.gui.actions import ACTIONS, MENUS, build_actions
from annotator.gui.changes import changes_of
from annotator.gui.dialogs import plain_tooltip, warn
from annotator.gui.document_view import DocumentView
from annotator.gui.features import FEATURES, Dock, Feature
from annotator.gui.features.annotating import AnnotatingFeature
from annotator.gui.features.backups import BackupsFeature
from annotator.gui.features.documents import DocumentsFeature
from annotator.gui.features.exporting import ExportFeature
from annotator.gui.features.importing import ImportFeature
from annotator.gui.features.memo import MemoFeature
from annotator.gui.features.review import ReviewFeature
from annotator.gui.features.search import SearchFeature
from annotator.gui.features.tags import TagsFeature
from annotator.gui.jobs import describe_failure
from annotator.model import Document
from annotator.ops import History, Op, OpChanges, project_busy
from annotator.settings import PROJECT_SUFFIX, Settings, config_dir
from annotator.store import Store
from annotator.store.connection import busy_timeout

#: How long a document stays open before it is remembered as the one to reopen.
LAST_DOCUMENT_DELAY_MS = 1500
#: How long a change made in the window waits for another program's write lock (the command line
#: importing, say). The wait is on the UI thread: a quarter of a second is not felt, and covers
#: most single writes of another program; after it the change is reported as not saved.
UI_BUSY_TIMEOUT_MS = 250
#: How long the status bar says that a change was not saved.
NOT_SAVED_MESSAGE_MS = 15_000
#: What saving a change from the window may fail with, all said in the status bar: the project's
#: own refusals (and a full disk), SQLite's errors (the write lock held elsewhere, a damaged
#: file), and the file system's.
CHANGE_FAILURES = (AnnotatorError, sqlite3.Error, OSError)

F = TypeVar("F", bound=Feature)


def open_store_for_window(path: Path) -> Store:
    """Open a project for the window: read-only (with a notice) when the file or folder is."""
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    return Store.open(path, read_only=not writable)


def scrollable(widget: QWidget) -> QScrollArea:
    """A tall panel in a scroll area, so its dock can be made short without squeezing its neighbours."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


class MainWindow(QMainWindow):
    """Documents left, text in the middle, tags right, annotations below."""

    #: What changed in the project, after every op, undo, redo, import, merge and outside change.
    changes = Signal(object)

    # The features, by their key (set from FEATURES; named here for readers and type checkers).
    documents: DocumentsFeature
    search: SearchFeature
    tags: TagsFeature
    memo: MemoFeature
    review: ReviewFeature
    annotating: AnnotatingFeature
    importing: ImportFeature
    exporting: ExportFeature
    backups: BackupsFeature

    def __init__(self, store: Store, settings: Settings, *, annotator: str):
        super().__init__()
        self.settings = settings
        self.annotator = annotator
        self.store = store
        self.history = History(store)
        self.history.subscribe(self._on_history)
        self.current_document: Document | None = None
        self.tags_by_id: dict = {}
        #: Set by tests and benchmarks: no import report box.
        self.quiet_reports = False
        self._data_version = 0
        #: Set while the project is being closed: writes then wait as long as the command line's.
        self._finishing = False
        # Which document is open is written a moment after it opens (one commit, not one per
        # document flicked through), and at once before the project is closed.
        self._last_document_pending: str | None = None
        self._last_document_timer = QTimer(self, singleShot=True, interval=LAST_DOCUMENT_DELAY_MS)
        self._last_document_timer.timeout.connect(self._write_last_document)
        self.setAcceptDrops(True)
        self._build_central()
        # The window's own reaction comes first (tags read again, the document shown again),
        # then each feature's in the order listed, then the status line.
        self.changes.connect(self._changes_first)
        self.features: list[Feature] = []
        for kind in FEATURES:
            feature = kind(self)
            setattr(self, feature.key, feature)
            self.features.append(feature)
            self.changes.connect(feature.on_changes)
        self.changes.connect(self._changes_last)
        self._docks: dict[str, tuple[QDockWidget, Dock]] = {}
        for feature in self.features:
            for dock in feature.docks():
                self._add_dock(dock)
        self.actions_by_key = build_actions(self, self._handlers())
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
        self.view.selectionRangeChanged.connect(lambda *_: self.update_status())
        self.notice = QLabel(self)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)  # shows a file path, which may look like HTML
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("background:#fff3cd; color:#5c4400; padding:6px 10px;")
        self.notice.hide()
        central = QWidget(self)
        self._central_layout = QVBoxLayout(central)
        self._central_layout.setContentsMargins(0, 0, 0, 0)
        self._central_layout.setSpacing(0)
        self._central_layout.addWidget(self.notice)
        # The text is the first page of the central area; features add working areas beside it
        # (the Passages and Charts of the analysis), whose tabs show only once there are two.
        self.pages = QTabWidget(central)
        self.pages.setDocumentMode(True)
        self.pages.setTabBarAutoHide(True)
        self.text_page = QWidget(self.pages)
        self._text_layout = QVBoxLayout(self.text_page)
        self._text_layout.setContentsMargins(0, 0, 0, 0)
        self._text_layout.setSpacing(0)
        self._text_layout.addWidget(self.view)
        self.pages.addTab(self.text_page, "Text")
        self._central_layout.addWidget(self.pages)
        self.setCentralWidget(central)

    def add_above_text(self, widget: QWidget) -> None:
        """Place a feature's bar (the find bar) above the text."""
        self._text_layout.insertWidget(self._text_layout.indexOf(self.view), widget)

    def _add_dock(self, spec: Dock) -> None:
        dock = QDockWidget(spec.title, self)
        dock.setObjectName(spec.name)
        dock.setWidget(scrollable(spec.widget) if spec.scroll else spec.widget)
        self.addDockWidget(spec.area, dock)
        self._docks[spec.name] = (dock, spec)

    def dock(self, name: str) -> QDockWidget:
        """The dock of that name (``Dock.name``)."""
        return self._docks[name][0]

    def feature(self, kind: type[F]) -> F:
        """The feature of that class."""
        return next(f for f in self.features if isinstance(f, kind))

    def _handlers(self) -> dict[str, Callable[[], object]]:
        handlers: dict[str, Callable[[], object]] = {
            "new_project": self.on_new_project,
            "open_project": self.on_open_project,
            "quit": self.close,
            "undo": self.on_undo,
            "redo": self.on_redo,
            "zoom_in": self.view.zoom_in,
            "zoom_out": self.view.zoom_out,
            "zoom_reset": self.view.reset_zoom,
        }
        for feature in self.features:
            for key, handler in feature.actions().items():
                if key in handlers:
                    raise ValueError(f"two handlers for the command {key!r}")
                handlers[key] = handler
        return handlers

    def arrange_default_layout(self) -> None:
        """Each dock where its feature asks: in its area, under or tabbed behind another; sizes as given."""
        docks = self._docks
        for dock, _ in docks.values():
            dock.setFloating(False)
            dock.show()
        for dock, spec in docks.values():
            if spec.below is None and spec.tab_with is None:
                self.addDockWidget(spec.area, dock)
        for dock, spec in docks.values():
            if spec.below is not None:
                self.splitDockWidget(docks[spec.below][0], dock, Qt.Orientation.Vertical)
        for dock, spec in docks.values():
            if spec.tab_with is not None:
                self.tabifyDockWidget(docks[spec.tab_with][0], dock)
                docks[spec.tab_with][0].raise_()
        wide = [(dock, spec.width) for dock, spec in docks.values() if spec.width]
        self.resizeDocks([d for d, _ in wide], [w for _, w in wide], Qt.Orientation.Horizontal)
        for area in (
            Qt.DockWidgetArea.BottomDockWidgetArea,
            Qt.DockWidgetArea.RightDockWidgetArea,
            Qt.DockWidgetArea.LeftDockWidgetArea,
        ):
            tall = [(dock, spec.height) for dock, spec in docks.values() if spec.height and spec.area == area]
            if tall:
                self.resizeDocks([d for d, _ in tall], [h for _, h in tall], Qt.Orientation.Vertical)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._default_layout_pending:
            # Tabified docks are arranged once the window is shown: arranged before, Qt leaves a
            # second, stray tab bar for the second tab group floating over the window.
            self._default_layout_pending = False
            self.arrange_default_layout()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        menus = {title: bar.addMenu(title) for title in MENUS}
        sections: dict[str, int] = {}
        for spec in ACTIONS:
            if not spec.menu:
                continue
            menu = menus[spec.menu]
            if spec.menu in sections and sections[spec.menu] != spec.section:
                menu.addSeparator()
            sections[spec.menu] = spec.section
            menu.addAction(self.actions_by_key[spec.key])
            if spec.key == "open_project":
                self.recent_menu = menu.addMenu("Open &Recent")
                self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        view_menu = menus["&View"]
        view_menu.addSeparator()
        for dock, _ in self._docks.values():
            view_menu.addAction(dock.toggleViewAction())
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("main-toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        section = None
        for spec in sorted((s for s in ACTIONS if s.toolbar), key=lambda s: s.toolbar):
            if section is not None and spec.toolbar != section:
                toolbar.addSeparator()
            section = spec.toolbar
            toolbar.addAction(self.actions_by_key[spec.key])
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

    # -- shortcuts kept on the window (the 1-9 keys, scripts and benchmarks use them) -----------

    @property
    def annotations_panel(self):
        """The Annotations table (the annotating feature's panel)."""
        return self.annotating.panel

    def apply_tag_number(self, number: int) -> None:
        """The 1-9 keys: apply the tag with that number in the palette."""
        tag = self.tags.palette.tag_for_key(number)
        if tag is None:
            self.statusBar().showMessage(f"No tag has the key {number} yet.", 3000)
            return
        self.annotating.apply_tag(tag.id)

    def wait_for_backup(self) -> None:
        """Let a running backup finish."""
        self.backups.wait_for_backup()

    # -- the change stream --------------------------------------------------------------

    def run_op(self, op: Op | Callable[[], Op], *, merge: bool = False, what: str | None = None) -> Op | None:
        """Run an op, or build it and run it (``merge``: fold it into the open run, as typing does).

        The one place where the window's changes are saved. Whatever goes wrong (a refusal,
        another program holding the write lock, a full disk, a damaged file) is said in the
        status bar, the change is not announced and the undo stack is unchanged: a change
        that was not saved is never shown as done. ``what`` names the change in that message
        (default: the op's description). Returns the op once saved, else None.
        """
        built: Op | None = None
        try:
            with self.ui_thread_wait():
                built = op if isinstance(op, Op) else op()  # a builder reads the store: its failures show too
                return self.history.run(built, merge=merge)
        except CHANGE_FAILURES as exc:
            described = what or (f"your change ({built.description})" if built is not None else "your change")
            self.show_not_saved(exc, described)
            return None

    def ui_thread_wait(self) -> contextlib.AbstractContextManager[None]:
        """A block in which the window's connection waits only a moment for another program's write lock.

        While the project is being closed (``finish_writing``) the usual wait applies: what is
        still pending (a memo, say) would otherwise be lost with the window.
        """
        if self._finishing:
            return contextlib.nullcontext()
        return busy_timeout(self.store.db.conn, UI_BUSY_TIMEOUT_MS)

    @contextlib.contextmanager
    def patient_writes(self) -> Iterator[None]:
        """A block whose changes wait for another program's write as long as the command line does.

        For what would be lost if it were not saved now: the memo of a document being left,
        what is pending when the project closes.
        """
        before, self._finishing = self._finishing, True
        try:
            yield
        finally:
            self._finishing = before

    def show_not_saved(self, exc: BaseException, what: str) -> None:
        """Say in the status bar that ``what`` was not saved, and why."""
        if project_busy(exc):
            message = f"Another program is saving to this project; {what} was not saved — try again."
        elif isinstance(exc, AnnotatorError):
            message = str(exc)  # a refusal (or a full disk) that says itself what happened
        else:
            message = f"{what[:1].upper()}{what[1:]} was not saved: {describe_failure(exc)}"
        self.statusBar().showMessage(message, NOT_SAVED_MESSAGE_MS)

    def _on_history(self, op: Op, undone: bool) -> None:
        self.announce(changes_of(op, undone))

    def announce(self, changes: OpChanges) -> None:
        """Tell every feature what changed (ops, imports, merges, other programs): the one way panels refresh."""
        self.changes.emit(changes)

    def _changes_first(self, changes: OpChanges) -> None:
        if changes.everything or changes.tags:
            self._read_tags()
        if changes.everything and self.current_document is not None:
            try:
                self.show_document(self.current_document.id)
            except AnnotatorError:  # deleted elsewhere
                self.current_document = None
                self.view.clear_document()

    def _changes_last(self, changes: OpChanges) -> None:
        self.update_undo_actions()
        self.update_status()

    def _read_tags(self) -> None:
        tags = self.store.tags()
        self.tags_by_id = {t.id: t for t in tags}
        self.view.set_tag_looks({t.id: (t.color, t.name) for t in tags})

    # -- projects -----------------------------------------------------------------

    def load_project(self) -> None:
        """Show the open store: tags, documents, and the document open last time."""
        name = self.store.get_meta("name", self.store.path.stem if self.store.path else "project")
        self.setWindowTitle(f"{name} — Annotator")
        if self.store.read_only:
            self.notice.setText(
                f"Opened read-only: {self.store.path} cannot be written (file or folder "
                "permissions). You can read and search; changes are disabled."
            )
            self.notice.show()
        else:
            self.notice.hide()
        self._read_tags()
        for feature in self.features:
            feature.project_opened()
        summaries = self.documents.panel.model.rows
        last = self.store.get_meta("last_document")
        known = {d.id for d in summaries}
        target = last if last in known else (summaries[0].id if summaries else None)
        if target:
            self.show_document(target)
        else:
            self.view.clear_document()
            self.update_status()
        self._data_version = self.store.data_version()
        self.update_undo_actions()

    def finish_writing(self) -> None:
        """Store what is pending (memo, open document) and let features finish, before the project closes.

        Here the window waits for another program's write as long as the command line does.
        """
        with self.patient_writes():
            for feature in self.features:
                feature.document_leaving()
            self._write_last_document()
        for feature in self.features:
            feature.release()

    def release_project(self) -> None:
        """Close every connection the window holds on the project, so the file can be replaced."""
        self.finish_writing()
        self.store.close()

    def open_project(self, path: Path) -> None:
        """Switch to another project file."""
        try:
            store = open_store_for_window(path)
        except AnnotatorError as exc:
            warn(self, "Cannot open project", str(exc))
            return
        self.release_project()
        self._use_store(store, path)

    def reopen_project(self, path: Path) -> None:
        """Open ``path`` again after its store was closed (a restore replaced the file)."""
        try:
            store = open_store_for_window(path)
        except AnnotatorError as exc:
            warn(self, "Cannot open project", str(exc), icon=QMessageBox.Icon.Critical)
            self.close()
            return
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
        path, _ = QFileDialog.getSaveFileName(
            self,
            "New project",
            str(Path.home() / f"Untitled{PROJECT_SUFFIX}"),
            f"Annotator projects (*{PROJECT_SUFFIX})",
        )
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
        path, _ = QFileDialog.getOpenFileName(
            self, "Open project", str(Path.home()), f"Annotator projects (*{PROJECT_SUFFIX});;All files (*)"
        )
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

    # -- documents ------------------------------------------------------------------

    def show_document(self, document_id: str) -> None:
        """Open a document in the view."""
        with collector_paused():  # 50,000 rows become objects: see annotator.bulk
            self._show_document(document_id)

    def _show_document(self, document_id: str) -> None:
        for feature in self.features:
            feature.document_leaving()
        document = self.store.document(document_id)
        self.current_document = document
        annotations = self.store.shown_annotations(document_id)
        self.view.set_document(document.text, annotations)
        for feature in self.features:
            feature.document_shown(document, annotations)
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
            with self.ui_thread_wait():
                self.store.set_meta("last_document", pending)
        except CHANGE_FAILURES as exc:  # a locked or vanished file: only the reading position is lost
            self.statusBar().showMessage(f"Could not remember the open document: {exc}", 5000)

    def jump_to(self, document_id: str, start: int, end: int) -> None:
        """Open a document (if needed) and select a range in it."""
        if self.current_document is None or self.current_document.id != document_id:
            self.show_document(document_id)
        self.pages.setCurrentWidget(self.text_page)
        self.view.select_range(start, end)

    def _application_state_changed(self, state) -> None:
        """Coming back to the window: show what another process (the command line) changed."""
        if state == Qt.ApplicationState.ApplicationActive:
            self.refresh_if_changed_elsewhere()

    def refresh_if_changed_elsewhere(self) -> bool:
        """Announce "everything changed" if another connection committed since we last looked."""
        version = self.store.data_version()
        if version == self._data_version:
            return False
        self._data_version = version
        self.announce(OpChanges.all())
        return True

    # -- status and undo ---------------------------------------------------------------

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
            if selected
            else ""
        )
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
            with self.ui_thread_wait():
                step()
        except CHANGE_FAILURES as exc:
            if project_busy(exc):  # nothing changed; the step stays, to be tried again
                done = {"undo": "undone", "redo": "redone"}[verb]
                self.update_undo_actions()
                self.statusBar().showMessage(
                    f"Another program is saving to this project; nothing was {done} — try again.",
                    NOT_SAVED_MESSAGE_MS,
                )
                return
            self._data_version = -1
            self.refresh_if_changed_elsewhere()
            self.update_undo_actions()
            self.statusBar().showMessage(f"Cannot {verb}: {exc} (changed elsewhere meanwhile)", 8000)

    # -- dropping files ---------------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        self.importing.drop([url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()])

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
            self.finish_writing()
        except Exception as exc:  # an exception escaping a Qt event handler during close crashes PySide
            print(f"annotator: while closing: {exc}", file=sys.stderr)
        for feature in self.features:
            feature.shutdown()
        config_dir().mkdir(parents=True, exist_ok=True)
        stored = self._layout_settings()
        stored.setValue("geometry", self.saveGeometry())
        stored.setValue("state", self.saveState())
        stored.sync()
        super().closeEvent(event)

"""The review panel: colleagues' files as layers, disagreements between annotators, agreement, merge.

Each added file is a private copy (``annotator.review.loading``); the
colleague's file itself is never written. Disagreements are computed between
annotators over the spans of our file and every layer pooled (a shared copy
repeats our spans: one UUID is one span), the same pairs as agreement.
Automatic spans (``auto:...`` annotators) are left out of both until the box
is ticked; agreement can be limited to themes, speakers or ticked tags, as
``annotator agree`` can. The panel emits what the window should show (layer
spans, jumps) and runs accept/dismiss through the window's undoable ``run_op``;
it refreshes itself from the window's change stream (``apply_changes``).
Agreement and merge run as background jobs (``annotator.gui.jobs``) on their
own connections: the window stays responsive, and any failure is shown.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.errors import AnnotatorError
from annotator.gui.changes import changes_of
from annotator.gui.dialogs import plain_tooltip  # Qt guesses rich text in tooltips: document text is escaped
from annotator.gui.document_view import ViewSpan
from annotator.gui.jobs import Job, JobContext
from annotator.ops import History, Op, OpChanges
from annotator.review.adjudication import AcceptAnnotation, DismissDisagreement
from annotator.review.compare import agreement_report, tag_labels
from annotator.review.disagreements import Disagreement, between_annotators, settled_keys, union_spans
from annotator.review.loading import ColleagueFile, open_colleague
from annotator.review.merge import MergeReport, merge_files
from annotator.review.share import share_copy
from annotator.store import Store

ADD_HINT = "Add a colleague's project file to compare your coding with theirs."
#: (label, ``kind`` for ``agreement_report``) of the agreement scope menu.
TAG_SCOPES = (("All tags", None), ("Themes only", "theme"), ("Speakers only", "speaker"))
#: (header, key in the report's metrics, header tooltip); A and B are the pair's first and second names.
METRIC_COLUMNS = (
    ("kappa", "cohen_kappa", "Cohen's kappa over characters"),
    ("alpha", "krippendorff_alpha", "Krippendorff's alpha over characters"),
    ("P exact", "precision_exact", "Precision, exact: the share of B's spans that A has exactly"),
    ("R exact", "recall_exact", "Recall, exact: the share of A's spans that B has exactly"),
    ("F1 exact", "f1_exact", "F1 of spans matching exactly"),
    ("F1 overlap", "f1_overlap", "F1 of spans that overlap (each span matched once)"),
)
#: (header, key in the report's counts, header tooltip): the counts behind the span figures.
COUNT_COLUMNS = (
    ("spans A", "spans_a", "Spans by A, the pair's first name"),
    ("spans B", "spans_b", "Spans by B, the pair's second name"),
    ("exact", "matches_exact", "Spans A and B both have exactly"),
    ("overlap", "matches_overlap", "Spans of A and B that overlap, each matched once"),
)


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def plain_label(text: str, parent: QWidget) -> QLabel:
    """A label that shows file names, annotator names and messages literally, never as rich text."""
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def counts_tooltip(a: str, b: str, tag: str, metrics: dict) -> str:
    """Every count behind one row's figures, in words, as a (plain) tooltip."""
    c = metrics["counts"]
    return plain_tooltip(
        "\n".join(
            (
                f"{a} / {b} · {tag}",
                f"{c['characters']:,} characters: {c['both']:,} marked by both, {c['only_a']:,} only by {a}, "
                f"{c['only_b']:,} only by {b}, {c['neither']:,} by neither",
                f"spans: {c['spans_a']:,} by {a}, {c['spans_b']:,} by {b}; {c['matches_exact']:,} match exactly, "
                f"{c['matches_overlap']:,} overlap",
                "precision / recall: exact {} / {}, overlap {} / {}".format(
                    *(
                        _figure(metrics[key])
                        for key in ("precision_exact", "recall_exact", "precision_overlap", "recall_overlap")
                    )
                ),
            )
        )
    )


def _excerpt(text: str, start: int, end: int, limit: int = 120) -> str:
    """The disputed text, shortened in the middle when long."""
    piece = text[start:end]
    return f"“{piece}”" if len(piece) <= limit else f"“{piece[: limit // 2]} … {piece[-limit // 2 :]}”"


def compute_agreement_on(paths: list[Path], options: dict) -> dict:
    """The agreement report over these project files, on read-only connections of this thread."""
    with ExitStack() as stack:
        stores = [stack.enter_context(Store.open(path, read_only=True)) for path in paths]
        return agreement_report(stores, **options)


def merge_into(project: Path, sources: list[Path]) -> MergeReport:
    """Merge the colleagues' files into the project file, on a connection of this thread."""
    with Store.open(project) as store:
        return merge_files(store, sources)


class ReviewPanel(QWidget):
    """Review layers, the disagreement list, and the agreement table."""

    layerSpansChanged = Signal(str, list)
    layerVisibilityChanged = Signal(str, bool)
    layerRemoved = Signal(str)
    jumpRequested = Signal(str, int, int)
    projectChanged = Signal()
    agreementReady = Signal(dict)

    def __init__(
        self,
        store: Store,
        annotator: str,
        run_op: Callable[[Op], Op | None] | None = None,
        parent=None,
        *,
        announce: Callable[[OpChanges], None] | None = None,
    ):
        """``run_op``: runs accept/dismiss (the window passes its own, so they join its undo history).

        ``announce``: where what changed goes (the window's change stream, which
        calls ``apply_changes`` back); without it the panel refreshes itself.
        """
        super().__init__(parent)
        self.store, self.annotator = store, annotator
        self.run_op = run_op or History(store).run
        self._own_history = run_op is None
        self._announced = announce is not None
        self.announce = announce or self.apply_changes
        self._merge_job: Job | None = None
        self._open_job: Job | None = None
        self._layers_generation = 0
        self.layers: dict[str, ColleagueFile] = {}
        #: Who annotated in each layer's file (a private copy: it never changes).
        self._layer_annotators: dict[str, list[str]] = {}
        self.document_id: str | None = None
        self.layer_list = QListWidget(self)
        self.layer_list.setMaximumHeight(90)
        self.layer_list.itemChanged.connect(self._visibility_changed)
        add, remove, merge = QPushButton("Add file…"), QPushButton("Remove"), QPushButton("Merge into mine…")
        add.clicked.connect(self._choose_files)
        remove.clicked.connect(self._remove_selected)
        merge.clicked.connect(self.merge_all)
        buttons = QHBoxLayout()
        share = QPushButton("Share a copy…")
        share.setToolTip(
            "Write one self-contained file of your project, safe to send or put on a shared drive"
        )
        share.clicked.connect(self.share_dialog)
        for button in (add, remove, merge, share):
            buttons.addWidget(button)
        self.disagreements = QListWidget(self)
        self.disagreements.itemClicked.connect(self._jump)
        self.disagreements.itemActivated.connect(self._jump)
        accept, dismiss = QPushButton("Accept theirs"), QPushButton("Dismiss")
        accept.clicked.connect(self.accept_selected)
        self.accept_button = accept
        self.disagreements.currentRowChanged.connect(self._update_accept_button)
        dismiss.clicked.connect(self.dismiss_selected)
        decide = QHBoxLayout()
        decide.addWidget(accept)
        decide.addWidget(dismiss)
        compute = QPushButton("Compute agreement")
        compute.clicked.connect(self.compute_agreement_in_background)
        self.tag_scope = QComboBox(self)
        for label, kind in TAG_SCOPES:
            self.tag_scope.addItem(label, kind)
        self.tag_scope.setToolTip("Compute agreement over every tag, the themes only or the speakers only")
        self.include_automatic = QCheckBox("Include automatic spans", self)
        self.include_automatic.setToolTip(
            "Also compare spans made by the program (annotators named auto:…, "
            "such as speaker turns found on import), as if someone had coded them"
        )
        self.include_automatic.toggled.connect(self._automatic_toggled)
        self.tag_choice = QListWidget(self)
        self.tag_choice.setMaximumHeight(90)
        self.tag_choice.setToolTip("Tick tags to compute agreement on those only; none ticked: every tag")
        options = QHBoxLayout()
        options.addWidget(compute)
        options.addWidget(self.tag_scope)
        self._worker: Job | None = None
        columns = (*METRIC_COLUMNS, *COUNT_COLUMNS)
        self.agreement = QTableWidget(0, 2 + len(columns), self)
        self.agreement.setHorizontalHeaderLabels(["Pair", "Tag", *(c[0] for c in columns)])
        for number, (_, _, tip) in enumerate(columns, start=2):
            self.agreement.horizontalHeaderItem(number).setToolTip(tip)
        self.agreement.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.agreement.verticalHeader().hide()
        self.summary = plain_label(ADD_HINT, self)
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(plain_label("Colleagues' files (shown as dashed outlines):", self))
        layout.addWidget(self.layer_list)
        layout.addLayout(buttons)
        layout.addWidget(self.include_automatic)
        layout.addWidget(plain_label("Disagreements between annotators in this document:", self))
        layout.addWidget(self.disagreements, 1)
        layout.addLayout(decide)
        layout.addWidget(plain_label("Agreement only on the ticked tags (none ticked: every tag):", self))
        layout.addWidget(self.tag_choice)
        layout.addLayout(options)
        layout.addWidget(self.agreement, 1)
        layout.addWidget(self.summary)
        self._items: list[tuple[str, Disagreement]] = []
        #: Ids of the spans in our own file, and the layer each other listed span was read from.
        self._mine: set[str] = set()
        self._source: dict[str, str] = {}

    # -- layers -------------------------------------------------------------------

    def _choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self,
            "Add colleagues' project files",
            str(Path.home()),
            "Annotator or REFI-QDA projects (*.annotator *.qdpx);;All files (*)",
        )
        if paths:
            self.add_layers_in_background([Path(path) for path in paths])

    def add_layer(self, path: Path) -> str | None:
        """Open a colleague's file (as a private copy) and show it as a layer, on this thread."""
        try:
            colleague = open_colleague(path)
        except AnnotatorError as exc:
            QMessageBox.warning(self, "Cannot add file", str(exc))
            return None
        return self._show_layer(colleague)

    def add_layers_in_background(self, paths: list[Path]) -> Job:
        """Copy (or convert) colleagues' files off the UI thread, then show each as a layer.

        A 500 MB project takes seconds to copy and a large ``.qdpx`` longer to
        convert; the window stays usable meanwhile, with a progress dialog that
        can stop between files. Each file that cannot be read is said on its own.
        """
        generation = self._layers_generation

        def work(context: JobContext) -> list[tuple[Path, ColleagueFile | str]]:
            opened: list[tuple[Path, ColleagueFile | str]] = []
            for number, path in enumerate(paths):
                if context.should_cancel():
                    break
                context.progress(number, len(paths), path.name)
                try:
                    opened.append((path, open_colleague(path)))
                except AnnotatorError as exc:
                    opened.append((path, str(exc)))
            return opened

        job = Job(work, title="Adding colleagues' files", parent=self, progress_parent=self.window())
        job.succeeded.connect(lambda opened: self._show_opened(opened, generation))
        self._open_job = job
        return job.start()

    def _show_opened(self, opened: list[tuple[Path, ColleagueFile | str]], generation: int) -> None:
        problems = []
        for path, colleague in opened:
            if isinstance(colleague, str):
                problems.append(colleague if path.name in colleague else f"{path.name}: {colleague}")
            elif generation != self._layers_generation:  # the project changed meanwhile
                colleague.close()
            else:
                self._show_layer(colleague)
        if problems:
            QMessageBox.warning(self, "Cannot add file", "\n".join(problems))

    def _show_layer(self, colleague: ColleagueFile) -> str:
        name = colleague.label
        while name in self.layers:
            name += "'"
        self.layers[name] = colleague
        self._layer_annotators[name] = colleague.store.annotators()
        item = QListWidgetItem(f"{name}  ({', '.join(self._layer_annotators[name]) or 'no annotations'})")
        item.setData(Qt.ItemDataRole.UserRole, name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked)
        self.layer_list.addItem(item)
        self.refresh()
        self.refresh_tag_choices()
        return name

    def _remove_selected(self) -> None:
        for item in self.layer_list.selectedItems():
            self.remove_layer(item.data(Qt.ItemDataRole.UserRole))

    def remove_layer(self, name: str) -> None:
        """Stop showing a colleague's file and delete its private copy."""
        for job in (self._worker, self._merge_job):
            if job is not None:
                job.wait()  # it may be reading the copy
        colleague = self.layers.pop(name, None)
        if colleague is None:
            return
        self._layer_annotators.pop(name, None)
        colleague.close()
        for row in range(self.layer_list.count()):
            if self.layer_list.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.layer_list.takeItem(row)
                break
        self.layerRemoved.emit(name)
        self.refresh()
        self.refresh_tag_choices()

    def _visibility_changed(self, item: QListWidgetItem) -> None:
        self.layerVisibilityChanged.emit(
            item.data(Qt.ItemDataRole.UserRole), item.checkState() == Qt.CheckState.Checked
        )

    def close_all(self) -> None:
        """Delete every private copy (the window is closing or the project changed)."""
        self._layers_generation += 1  # files still being opened are closed when they come
        if self._open_job is not None:
            self._open_job.cancel()
        for name in list(self.layers):
            self.remove_layer(name)

    # -- the current document --------------------------------------------------------

    def set_store(self, store: Store) -> None:
        """Review against another project (the window opened one): layers are closed."""
        self.close_all()
        self.store = store
        if self._own_history:
            self.run_op = History(store).run
        self.tag_choice.clear()

    def set_current_document(self, document_id: str | None) -> None:
        """Show the layers and disagreements of another document."""
        self.document_id = document_id
        self.refresh()

    def _their_spans(self, colleague: ColleagueFile):
        if self.document_id is None:
            return []
        sha = self.store.document(self.document_id).sha256
        theirs = colleague.store.document_by_sha256(sha)
        return list(colleague.store.iter_review_spans(theirs.id)) if theirs else []

    def refresh(self) -> None:
        """Recompute layer spans and disagreements for the current document."""
        self.disagreements.clear()
        self._items = []
        if self.document_id is None:
            return
        if self.layers:  # else nothing to compare: reading the text and every span would cost 0.1 s on 50,000
            self._find_disagreements()
        self._update_accept_button()
        self.summary.setText(
            f"{len(self._items)} disagreement(s) in this document" if self.layers else ADD_HINT
        )

    def _find_disagreements(self) -> None:
        """Emit each layer's spans (those we lack) and list the disagreements between annotators.

        Our spans come first in the pool, so a span a layer repeats (same
        UUID: a shared copy of ours, or one accepted or merged) is ours.
        """
        text = self.store.document(self.document_id).text
        mine = list(self.store.iter_review_spans(self.document_id))
        self._mine = {m.id for m in mine}
        self._source = {}
        lists = [mine]
        for name, colleague in self.layers.items():
            theirs = self._their_spans(colleague)
            lists.append(theirs)
            colors = {(t.kind.value, t.name.casefold()): t.color for t in colleague.store.tags()}
            shown = [s for s in theirs if s.id not in self._mine]
            for span in shown:
                self._source.setdefault(span.id, name)
            self.layerSpansChanged.emit(
                name,
                [
                    ViewSpan(
                        id=f"{name}:{s.id}",
                        start=s.start,
                        end=s.end,
                        color=colors.get((s.kind, s.tag.casefold()), "#888888"),
                        label=s.tag,
                        annotator=s.annotator,
                        note=s.note,
                        layer=name,
                    )
                    for s in shown
                ],
            )
        # you count even before your first span, so a colleague's coding can be accepted into an empty project
        annotators = {
            self.annotator,
            *self.store.annotators(),
            *(n for names in self._layer_annotators.values() for n in names),
        }
        found_all = between_annotators(
            union_spans(lists),
            annotators=annotators,
            you=self.annotator,
            include_automatic=self.include_automatic.isChecked(),
            settled=settled_keys(self.store),
        )
        for found in found_all:
            self._items.append((self._layer_of(found), found))
            item = QListWidgetItem(found.describe(self.annotator))
            item.setToolTip(plain_tooltip(_excerpt(text, found.start, found.end)))
            self.disagreements.addItem(item)

    def _layer_of(self, found: Disagreement) -> str:
        """The colleague's file a disagreement's spans were read from ("" when both are in ours)."""
        for side in (found.theirs, found.ours):
            if side is not None and side.id in self._source:
                return self._source[side.id]
        return ""

    def _update_accept_button(self, *_args) -> None:
        chosen = self._selected()
        theirs = chosen[1].theirs if chosen is not None else None
        # a span already in our file (ours, or merged or accepted before) has nothing to accept
        self.accept_button.setEnabled(theirs is not None and theirs.id not in self._mine)

    def _jump(self, item: QListWidgetItem) -> None:
        _, found = self._items[self.disagreements.row(item)]
        self.jumpRequested.emit(self.document_id, found.start, found.end)

    def _selected(self) -> tuple[str, Disagreement] | None:
        row = self.disagreements.currentRow()
        return self._items[row] if 0 <= row < len(self._items) else None

    def accept_selected(self) -> None:
        """Copy the colleague's side of the selected disagreement into your project."""
        chosen = self._selected()
        if chosen is None or chosen[1].theirs is None or chosen[1].theirs.id in self._mine:
            return
        name, found = chosen
        self._run(
            AcceptAnnotation(found.theirs, decided_by=self.annotator, source=name, disagreement=found.key)
        )

    def dismiss_selected(self) -> None:
        """Record that the selected disagreement needs no change."""
        chosen = self._selected()
        if chosen is None:
            return
        name, found = chosen
        side = found.ours or found.theirs
        self._run(DismissDisagreement(found.key, side.id, decided_by=self.annotator, source=name))

    def _run(self, op: Op) -> None:
        """Run an accept or dismiss; the window's stream refreshes the panel (or, alone, the panel itself)."""
        done = self.run_op(op)
        if not done:
            return
        if not self._announced:
            self.apply_changes(changes_of(op, False))
        self.projectChanged.emit()

    def apply_changes(self, changes: OpChanges) -> None:
        """Something changed in our project: list the disagreements again (only when there are layers)."""
        if not self.layers:
            return
        if changes.everything or changes.span_documents or changes.tags or changes.adjudications:
            self.refresh()
        if changes.everything or changes.tags or changes.added or changes.removed:
            self.refresh_tag_choices()

    # -- agreement and merge ----------------------------------------------------------

    def _automatic_toggled(self, _checked: bool) -> None:
        self.refresh()
        self.refresh_tag_choices()

    def refresh_tag_choices(self) -> None:
        """Offer the tags agreement would compare in our file and the layers; ticks are kept by name.

        Read only when there are layers: opening a project must not read every span.
        """
        ticked = self._ticked_tags()
        self.tag_choice.clear()
        if not self.layers:
            return
        try:
            labels = tag_labels(self._stores(), include_automatic=self.include_automatic.isChecked())
        except (AnnotatorError, sqlite3.Error):
            return
        self._offer_tags(labels, ticked)

    def _offer_tags(self, labels: list[str], ticked: list[str]) -> None:
        wanted = {label.casefold() for label in ticked}
        for label in labels:
            item = QListWidgetItem(label)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if label.casefold() in wanted else Qt.CheckState.Unchecked
            )
            self.tag_choice.addItem(item)

    def _ticked_tags(self) -> list[str]:
        return [
            item.text()
            for item in map(self.tag_choice.item, range(self.tag_choice.count()))
            if item.checkState() == Qt.CheckState.Checked
        ]

    def agreement_options(self) -> dict:
        """The limits chosen in the panel, as keyword arguments of ``agreement_report``."""
        return {
            "tags": self._ticked_tags(),
            "kind": self.tag_scope.currentData(),
            "include_automatic": self.include_automatic.isChecked(),
        }

    def _stores(self) -> list[Store]:
        return [self.store, *(c.store for c in self.layers.values())]

    def compute_agreement(self) -> dict | None:
        """Compute now (on this thread) and fill the table; returns the report (None when the limits fit nothing)."""
        try:
            report = agreement_report(self._stores(), **self.agreement_options())
        except AnnotatorError as exc:
            self.show_failure(f"Agreement could not be computed: {exc}")
            return None
        self.show_agreement(report)
        return report

    def compute_agreement_in_background(self) -> None:
        """Compute off the UI thread (large projects take a second or two); the table fills when done."""
        paths = [self.store.path, *(c.store.path for c in self.layers.values())]
        if any(path is None for path in paths):
            self.compute_agreement()
            return
        if self._worker is not None and self._worker.is_running():
            return
        self.summary.setText("Computing agreement…")
        options = self.agreement_options()
        # no progress dialog: the window stays usable, the summary line says what is going on
        self._worker = Job(
            lambda _context: compute_agreement_on(paths, options),
            title="Agreement",
            parent=self,
            report_failure=False,
        )
        self._worker.succeeded.connect(self.show_agreement)
        self._worker.failed.connect(
            lambda message: self.show_failure(f"Agreement could not be computed: {message}")
        )
        self._worker.start()

    def show_failure(self, message: str) -> None:
        """Empty the table and say why (a tag no annotation uses, a file that cannot be read)."""
        self.agreement.setRowCount(0)
        self.summary.setText(message)

    def show_agreement(self, report: dict) -> None:
        """Fill the table with every pair's figures, overall first, then per tag."""
        rows = []
        for pair in report["pairs"]:
            rows.append((pair, "(overall)", pair["overall"]))
            rows.extend((pair, tag, metrics) for tag, metrics in pair["per_tag"].items())
        self.agreement.setRowCount(len(rows))
        for row, (pair, tag, metrics) in enumerate(rows):
            self._fill_agreement_row(row, pair["a"], pair["b"], tag, metrics)
        everyone = report["all_annotators"]
        alpha_all = (
            f" Krippendorff's alpha, all {len(everyone['annotators'])}: {_figure(everyone['overall'])}."
            if len(everyone["annotators"]) > 2
            else ""
        )
        left_out = report.get("automatic_left_out") or []
        automatic = (
            f" Left out: spans made automatically by {', '.join(left_out)} (tick "
            "“Include automatic spans” to compare them)."
            if left_out
            else ""
        )
        self.summary.setText(
            f"{report['documents']} shared document(s), {report['characters']:,} characters, "
            f"{len(report['annotators'])} annotator(s).{alpha_all}{automatic}"
        )
        offered = {self.tag_choice.item(i).text() for i in range(self.tag_choice.count())}
        if not self._ticked_tags() and self.tag_scope.currentData() is None:  # a full report names every tag
            self._offer_tags([tag for tag in report["tags"] if tag not in offered], [])
        self.agreementReady.emit(report)

    def _fill_agreement_row(self, row: int, a: str, b: str, tag: str, metrics: dict) -> None:
        """One row: figures, then the span counts behind them; every count in the row's tooltip."""
        values = [
            f"{a} / {b}",
            tag,
            *(_figure(metrics[key]) for _, key, _ in METRIC_COLUMNS),
            *(f"{metrics['counts'][key]:,}" for _, key, _ in COUNT_COLUMNS),
        ]
        tip = counts_tooltip(a, b, tag, metrics)
        for column, value in enumerate(values):
            cell = QTableWidgetItem(value)
            cell.setToolTip(tip)
            if column >= 2:
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.agreement.setItem(row, column, cell)

    def merge_all(self) -> None:
        """Copy into your project what the colleagues' files have and it lacks (asks first)."""
        if not self.layers:
            return
        answer = QMessageBox.question(
            self,
            "Merge",
            "Copy into your project the documents, tags and annotations "
            "it lacks from the colleagues' files? A backup is written first.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.merge_now()

    def share_dialog(self) -> None:
        """Ask where to write a shareable snapshot of the project, then write it."""
        if self.store.path is None:
            return
        suggested = self.store.path.with_name(f"{self.store.path.stem} ({self.annotator}).annotator")
        path, _ = QFileDialog.getSaveFileName(
            self, "Share a copy", str(suggested), "Annotator projects (*.annotator)"
        )
        if path:
            self.share_to(Path(path))

    def share_to(self, path: Path) -> Path | None:
        """Write a single-file snapshot (no ``-wal``) at ``path``; a failure is shown, not raised."""
        try:
            written = share_copy(self.store, path)
        except AnnotatorError as exc:
            QMessageBox.warning(self, "Cannot share", str(exc))
            return None
        self.summary.setText(f"Wrote {written.name}: one self-contained file, safe to send or share.")
        return written

    def merge_now(self) -> Job | None:
        """Merge without asking, off the UI thread (a progress dialog blocks edits meanwhile).

        Returns the started job; its ``succeeded`` carries the ``MergeReport``.
        A failure of any kind closes the dialog and is shown in a message box.
        """
        if self._merge_job is not None and self._merge_job.is_running():
            return None
        project = self.store.path
        if project is None or not self.layers:
            return None
        sources = [c.source for c in self.layers.values()]
        job = Job(
            lambda _context: merge_into(project, sources),
            title="Merge",
            label="Merging the colleagues' files into yours…",
            parent=self,
            progress_parent=self.window(),
            cancellable=False,
        )
        job.succeeded.connect(self._merged)
        job.failed.connect(lambda message: self.summary.setText(f"Merge failed: {message}"))
        self._merge_job = job
        self.summary.setText("Merging…")
        return job.start()

    def _merged(self, report: MergeReport) -> None:
        self.announce(report.changes)  # what the merge added, as the core's op says
        self.summary.setText(report.summary())
        self.projectChanged.emit()

    def wait_for_jobs(self, msecs: int = 30_000) -> None:
        """Let a running merge or agreement finish (the window is closing or the project changing)."""
        for job in (self._worker, self._merge_job, self._open_job):
            if job is not None:
                job.wait(msecs)

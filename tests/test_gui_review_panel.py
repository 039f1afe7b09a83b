"""The review panel: layers, disagreements with jumps, accept/dismiss with undo, agreement, merge."""

from __future__ import annotations

import pytest
from review_helpers import SHARED, folder_digests, listing, make_pair, make_project

from annotator.gui.document_view import ViewSpan
from annotator.gui.review_panel import ReviewPanel
from annotator.ops import History
from annotator.review.compare import agreement_report
from annotator.review.share import share_copy
from annotator.store import Store

pytestmark = pytest.mark.gui


@pytest.fixture
def setup(qtbot, tmp_path):
    ours, theirs = make_pair(tmp_path)
    store = Store.open(ours)
    history = History(store)
    panel = ReviewPanel(store, "ana", history.run)
    qtbot.addWidget(panel)
    doc = store.documents()[0]
    panel.set_current_document(doc.id)
    yield panel, store, history, doc, theirs
    panel.close_all()
    store.close()


def rows(panel):
    return [panel.disagreements.item(i).text() for i in range(panel.disagreements.count())]


def test_adding_a_layer_emits_its_spans_for_the_current_document(setup, qtbot):
    panel, _, _, _, theirs = setup
    before = folder_digests(theirs.parent)
    with qtbot.waitSignal(panel.layerSpansChanged) as blocker:
        assert panel.add_layer(theirs) == "ben"
    layer, spans = blocker.args
    assert layer == "ben" and all(isinstance(s, ViewSpan) and s.layer == "ben" for s in spans)
    assert sorted((SHARED[s.start : s.end], s.label, s.annotator) for s in spans) == [
        ("Ben", "Ben", "ben"),
        ("security and trade", "security", "ben"),
    ]
    assert rows(panel) == [
        "only you, not ben: Ana [0, 3)",
        "only ben, not you: Ben [8, 11)",
        "Security: you [36, 44) vs ben [36, 54)",
    ]
    assert panel.disagreements.item(2).toolTip() == "<p>“security and trade”</p>"
    panel.disagreements.setCurrentRow(0)  # only ours: nothing of theirs to accept
    assert not panel.accept_button.isEnabled()
    panel.disagreements.setCurrentRow(1)
    assert panel.accept_button.isEnabled()
    assert folder_digests(theirs.parent) == before


def test_visibility_checkbox_and_removal(setup, qtbot):
    panel, _, _, _, theirs = setup
    panel.add_layer(theirs)
    item = panel.layer_list.item(0)
    with qtbot.waitSignal(panel.layerVisibilityChanged) as blocker:
        item.setCheckState(item.checkState().__class__.Unchecked)
    assert blocker.args == ["ben", False]
    folder = panel.layers["ben"].folder
    with qtbot.waitSignal(panel.layerRemoved) as removed:
        panel.remove_layer("ben")
    assert removed.args == ["ben"] and panel.layer_list.count() == 0 and panel.disagreements.count() == 0
    assert not folder.exists()


def test_clicking_a_disagreement_jumps_to_it(setup, qtbot):
    panel, _, _, doc, theirs = setup
    panel.add_layer(theirs)
    row = next(i for i, (_, d) in enumerate(panel._items) if d.kind == "boundaries")
    with qtbot.waitSignal(panel.jumpRequested) as blocker:
        panel.disagreements.itemClicked.emit(panel.disagreements.item(row))
    start = SHARED.index("security")
    assert blocker.args == [doc.id, start, start + len("security and trade")]


def test_accept_and_dismiss_are_undoable(setup, qtbot):
    panel, store, history, _, theirs = setup
    panel.add_layer(theirs)
    assert len(panel._items) == 3
    row = next(i for i, (_, d) in enumerate(panel._items) if d.kind == "missing" and d.theirs)
    ben_id = panel._items[row][1].theirs.id
    panel.disagreements.setCurrentRow(row)
    with qtbot.waitSignal(panel.projectChanged):
        panel.accept_selected()
    accepted = store.annotation(ben_id)
    [decision] = store.adjudications()
    assert accepted.annotator == "ben" and (decision["decided_by"], decision["source"]) == ("ana", "ben")
    assert decision["disagreement"] == f"missing:-:{ben_id}"
    assert len(panel._items) == 2
    row = next(i for i, (_, d) in enumerate(panel._items) if d.kind == "boundaries")
    panel.disagreements.setCurrentRow(row)
    panel.dismiss_selected()
    assert [d.kind for _, d in panel._items] == ["missing"]
    history.undo()
    history.undo()
    panel.refresh()
    assert len(panel._items) == 3 and store.adjudications() == [] and store.annotation_count() == 2


def test_agreement_table(setup):
    panel, _, _, _, theirs = setup
    panel.add_layer(theirs)
    report = panel.compute_agreement()
    assert [(p["a"], p["b"]) for p in report["pairs"]] == [("ana", "ben")]
    table = [
        [panel.agreement.item(r, c).text() for c in range(panel.agreement.columnCount())]
        for r in range(panel.agreement.rowCount())
    ]
    assert [row[1] for row in table] == ["(overall)", "Ana", "Ben", "Security"]
    security = report["pairs"][0]["per_tag"]["Security"]
    # kappa, alpha, P/R/F1 exact, F1 overlap, then spans A, spans B, exact and overlap matches
    assert table[3] == [
        "ana / ben",
        "Security",
        f"{security['cohen_kappa']:.3f}",
        f"{security['krippendorff_alpha']:.3f}",
        "0.000",
        "0.000",
        "0.000",
        "1.000",
        "1",
        "1",
        "0",
        "1",
    ]
    # "Ana": ana marks 3 of 55 characters, ben none: po = 52/55 = pe, so kappa = 0;
    # o = 3, n_in = 3, n_out = 107, n = 110: alpha = 1 - 109*3/(3*107) = -0.019; ben has no span: P n/a
    assert table[1][2:] == ["0.000", "-0.019", "n/a", "0.000", "0.000", "0.000", "1", "0", "0", "0"]


def test_agreement_counts_equal_the_core_result(setup):
    panel, _, _, _, theirs = setup
    panel.add_layer(theirs)
    report = panel.compute_agreement()
    headers = [panel.agreement.horizontalHeaderItem(c).text() for c in range(panel.agreement.columnCount())]
    overall = report["pairs"][0]["overall"]
    shown = {h: panel.agreement.item(0, c).text() for c, h in enumerate(headers)}
    counts = overall["counts"]
    # ana: "Ana" [0, 3), Security "security" [36, 44); ben: "Ben" [8, 11), "security and trade" [36, 54)
    spans = (counts["spans_a"], counts["spans_b"], counts["matches_exact"], counts["matches_overlap"])
    assert spans == (2, 2, 0, 1)
    assert [shown[h] for h in ("spans A", "spans B", "exact", "overlap")] == ["2", "2", "0", "1"]
    assert shown["P exact"] == shown["R exact"] == "0.000" and shown["F1 overlap"] == "0.500"
    security = report["pairs"][0]["per_tag"]["Security"]["counts"]
    assert (
        security["characters"],
        security["both"],
        security["only_a"],
        security["only_b"],
        security["neither"],
    ) == (55, 8, 0, 10, 37)
    tip = panel.agreement.item(3, 0).toolTip()
    assert panel.agreement.item(3, 5).toolTip() == tip  # the same on every cell of the row
    assert "55 characters: 8 marked by both, 0 only by ana, 10 only by ben, 37 by neither" in tip
    assert "spans: 1 by ana, 1 by ben; 0 match exactly, 1 overlap" in tip


def test_document_text_in_tooltips_and_names_in_labels_are_never_rich_text(qtbot, tmp_path):
    from PySide6 import QtGui
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QTextDocument
    from PySide6.QtWidgets import QLabel

    from annotator.model import ImportedDocument

    text = "Say <b>x</b> or <img src='file:///etc/passwd'> now"
    paths = []
    for name, piece in (("ana", "<b>x</b>"), ("ben", "<img src='file:///etc/passwd'>")):
        path = tmp_path / f"{name}.annotator"
        with Store.create(path) as project:
            doc = project.add_document(ImportedDocument(title="html", text=text), annotator=name).document_id
            tag = project.ensure_tag(kind="theme", name="Markup")
            start = text.index(piece)
            project.add_annotation(
                document_id=doc, start=start, end=start + len(piece), tag_id=tag.id, annotator=name
            )
        paths.append(path)
    with Store.open(paths[0]) as store:
        panel = ReviewPanel(store, "ana")
        qtbot.addWidget(panel)
        panel.set_current_document(store.documents()[0].id)
        panel.add_layer(paths[1])
        tips = [panel.disagreements.item(i).toolTip() for i in range(panel.disagreements.count())]
        assert any("&lt;b&gt;x&lt;/b&gt;" in tip for tip in tips)
        assert any("&lt;img src='file:///etc/passwd'&gt;" in tip for tip in tips)
        assert not any("<b>" in tip or "<img" in tip for tip in tips)
        shown = QTextDocument()
        shown.setHtml(tips[0])  # how Qt renders a tooltip it takes for rich text: the markup, literally
        assert QtGui.Qt.mightBeRichText(tips[0]) and shown.toPlainText().strip("“”") in text
        assert {label.textFormat() for label in panel.findChildren(QLabel)} == {Qt.TextFormat.PlainText}
        panel.close_all()


def test_merge_from_the_panel(setup, qtbot):
    panel, store, _, _, theirs = setup
    panel.add_layer(theirs)
    before = folder_digests(theirs.parent)
    with qtbot.waitSignal(panel.projectChanged, timeout=20_000):
        job = panel.merge_now()  # off the UI thread: the panel updates when it ends
    report = job.result
    assert (report.documents, report.annotations) == (1, 2) and report.backup.exists()
    # ben's spans are in our file now, still his: merging is not agreeing, so the list stays the same
    assert store.document_count() == 2
    assert rows(panel) == [
        "only you, not ben: Ana [0, 3)",
        "only ben, not you: Ben [8, 11)",
        "Security: you [36, 44) vs ben [36, 54)",
    ]
    panel.disagreements.setCurrentRow(1)
    assert not panel.accept_button.isEnabled()  # his span is already in the project: nothing to accept
    assert folder_digests(theirs.parent) == before


def test_a_panel_without_a_window_keeps_its_own_undo(qtbot, tmp_path):
    ours = make_project(tmp_path / "o.annotator", "ana", [])
    theirs = make_project(tmp_path / "t.annotator", "ben", [("Geneva", "Place", "theme")])
    with Store.open(ours) as store:
        panel = ReviewPanel(store, "ana")
        qtbot.addWidget(panel)
        panel.set_current_document(store.documents()[0].id)
        panel.add_layer(theirs)
        panel.disagreements.setCurrentRow(0)
        panel.accept_selected()
        assert store.annotation_count() == 1
        panel.close_all()


def test_agreement_in_the_background_equals_the_direct_computation(setup, qtbot, tmp_path):
    panel, _, _, _, theirs = setup
    panel.add_layer(theirs)
    cem = make_project(tmp_path / "cem.annotator", "cem", [("security and", "Security", "theme")])
    panel.add_layer(cem)
    direct = agreement_report([panel.store, *(c.store for c in panel.layers.values())])
    with qtbot.waitSignal(panel.agreementReady, timeout=20_000) as blocker:
        panel.compute_agreement_in_background()
    assert blocker.args[0] == direct
    assert [(p["a"], p["b"]) for p in direct["pairs"]] == [("ana", "ben"), ("ana", "cem"), ("ben", "cem")]
    assert panel.agreement.rowCount() == 3 * 4  # (overall) + Ana, Ben, Security for each pair
    assert "alpha, all 3:" in panel.summary.text()
    panel._worker.wait()


def test_share_a_copy_from_the_panel(setup, tmp_path):
    panel, store, _, _, _ = setup
    out_folder = tmp_path / "drive"
    out_folder.mkdir()
    written = panel.share_to(out_folder / "for-ben.annotator")
    assert written == out_folder / "for-ben.annotator" and listing(out_folder) == ["for-ben.annotator"]
    assert written.read_bytes()[18:20] == b"\x01\x01"  # rollback journal: no -wal needed
    with Store.open(written, read_only=True) as copy:
        assert copy.annotation_count() == store.annotation_count() == 2
    assert "for-ben.annotator" in panel.summary.text()


def test_without_layers_opening_a_document_reads_none_of_its_spans(setup, monkeypatch):
    panel, store, _, doc, _ = setup
    monkeypatch.setattr(
        store, "iter_review_spans", lambda *a: pytest.fail("spans read with nothing to compare")
    )
    panel.set_current_document(doc.id)  # a 50,000-span document opens without the 0.1 s of reading them
    assert panel.summary.text() == "Add a colleague's project file to compare your coding with theirs."


# -- annotators, not files; automatic spans; limiting agreement ---------------------------------


def shared_copy_of_ours(store, tmp_path):
    """Ben codes in a shared copy of our project: his file holds our spans too."""
    copy = tmp_path / "drive" / "ben.annotator"
    copy.parent.mkdir(exist_ok=True)
    share_copy(store, copy)
    with Store.open(copy) as theirs:
        doc = theirs.documents()[0]
        for piece, name, kind in (("security", "Security", "theme"), ("Geneva", "Place", "theme")):
            tag = theirs.ensure_tag(kind=kind, name=name)
            start = SHARED.index(piece)
            theirs.add_annotation(
                document_id=doc.id, start=start, end=start + len(piece), tag_id=tag.id, annotator="ben"
            )
    return copy


def test_a_shared_copy_lists_what_the_colleague_did_not_every_span(setup, tmp_path, qtbot):
    panel, store, _, _, _ = setup
    copy = shared_copy_of_ours(store, tmp_path)
    with qtbot.waitSignal(panel.layerSpansChanged) as blocker:
        panel.add_layer(copy)
    # the layer shows what ben's file has and ours lacks: his two spans, not our copied ones
    assert sorted(SHARED[s.start : s.end] for s in blocker.args[1]) == ["Geneva", "security"]
    # his "security" equals ours: agreement; ana's "Ana" and his "Geneva" are each one side's
    assert rows(panel) == ["only you, not ben: Ana [0, 3)", "only ben, not you: Place [15, 21)"]


def transcript_project(tmp_path):
    """Ours: a transcript imported with its speaker turns, and one theme by ana; ben codes a copy."""
    from annotator.importers import ImportOptions
    from annotator.importers.batch import import_paths

    source = tmp_path / "interview.txt"
    text = "Interviewer: How did it start?\nAna Lima: It started in 2019 with the flood.\n"
    source.write_text(text, encoding="utf-8")
    ours, theirs = tmp_path / "ours.annotator", tmp_path / "drive" / "ben.annotator"
    theirs.parent.mkdir()
    with Store.create(ours) as store:
        import_paths(store, [source], annotator="ana", options=ImportOptions(transcript=True))
        doc = store.documents()[0]
        flood = store.ensure_tag(kind="theme", name="Flood")
        store.add_annotation(
            document_id=doc.id,
            start=text.index("flood"),
            end=text.index("flood") + 5,
            tag_id=flood.id,
            annotator="ana",
        )
        share_copy(store, theirs)
    with Store.open(theirs) as store:
        doc = store.documents()[0]
        store.add_annotation(
            document_id=doc.id,
            start=text.index("the flood"),
            end=text.index("flood") + 5,
            tag_id=store.find_tag("theme", "Flood").id,
            annotator="ben",
        )
    return ours, theirs


def test_automatic_spans_are_left_out_until_the_box_is_ticked(qtbot, tmp_path):
    ours, theirs = transcript_project(tmp_path)
    with Store.open(ours) as store:
        panel = ReviewPanel(store, "ana")
        qtbot.addWidget(panel)
        panel.set_current_document(store.documents()[0].id)
        panel.add_layer(theirs)
        assert rows(panel) == ["Flood: you [69, 74) vs ben [65, 74)"]
        report = panel.compute_agreement()
        assert report["annotators"] == ["ana", "ben"] and report["tags"] == ["Flood"]
        assert "auto:transcript" in panel.summary.text()  # says what was left out
        panel.include_automatic.setChecked(True)  # refreshes the list at once
        assert "only auto:transcript, not you: Interviewer [13, 30)" in rows(panel)
        report = panel.compute_agreement()
        assert report["annotators"] == ["ana", "auto:transcript", "ben"]
        assert {"Interviewer", "Ana Lima"} <= set(report["tags"])
        panel.close_all()


def table_tags(panel):
    return [panel.agreement.item(r, 1).text() for r in range(panel.agreement.rowCount())]


def test_agreement_limited_to_themes_or_speakers(setup, qtbot):
    panel, _, _, _, theirs = setup
    panel.add_layer(theirs)
    assert [panel.tag_scope.itemText(i) for i in range(panel.tag_scope.count())] == [
        "All tags",
        "Themes only",
        "Speakers only",
    ]
    panel.tag_scope.setCurrentIndex(1)
    assert panel.compute_agreement()["tags"] == ["Security"]
    assert table_tags(panel) == ["(overall)", "Security"]
    panel.tag_scope.setCurrentIndex(2)
    assert panel.compute_agreement()["tags"] == ["Ana", "Ben"]
    with qtbot.waitSignal(panel.agreementReady, timeout=20_000) as blocker:
        panel.compute_agreement_in_background()  # the worker is given the same limits
    assert blocker.args[0]["tags"] == ["Ana", "Ben"]
    panel._worker.wait()


def test_agreement_limited_to_chosen_tags(setup):
    from PySide6.QtCore import Qt

    panel, _, _, _, theirs = setup
    panel.add_layer(theirs)
    offered = [panel.tag_choice.item(i).text() for i in range(panel.tag_choice.count())]
    assert offered == ["Ana", "Ben", "Security"]  # the tags either file uses, as the report names them
    for i in range(panel.tag_choice.count()):
        if panel.tag_choice.item(i).text() in ("Ben", "Security"):
            panel.tag_choice.item(i).setCheckState(Qt.CheckState.Checked)
    report = panel.compute_agreement()
    assert report["tags"] == ["Ben", "Security"]
    assert table_tags(panel) == ["(overall)", "Ben", "Security"]
    panel.tag_scope.setCurrentIndex(1)  # themes only, of the chosen ones
    assert panel.compute_agreement()["tags"] == ["Security"]


def test_the_tag_choice_survives_adding_another_layer(setup, tmp_path):
    from PySide6.QtCore import Qt

    panel, _, _, _, theirs = setup
    panel.add_layer(theirs)
    panel.tag_choice.item(2).setCheckState(Qt.CheckState.Checked)  # Security
    cem = make_project(tmp_path / "cem.annotator", "cem", [("Geneva", "Place", "theme")])
    panel.add_layer(cem)
    offered = {
        panel.tag_choice.item(i).text(): panel.tag_choice.item(i).checkState()
        for i in range(panel.tag_choice.count())
    }
    assert list(offered) == ["Ana", "Ben", "Place", "Security"]
    assert [name for name, state in offered.items() if state == Qt.CheckState.Checked] == ["Security"]


def test_a_limit_no_annotation_meets_is_said_not_raised(setup):
    panel, _, _, _, theirs = setup
    panel.add_layer(theirs)
    panel.tag_scope.setCurrentIndex(1)
    from PySide6.QtCore import Qt

    panel.tag_choice.item(0).setCheckState(Qt.CheckState.Checked)  # "Ana", a speaker: no theme of that name
    assert panel.compute_agreement() is None
    assert "Ana" in panel.summary.text() and panel.agreement.rowCount() == 0


def test_files_chosen_in_the_dialog_are_opened_off_the_ui_thread_each_on_its_own(
    setup, qtbot, tmp_path, monkeypatch
):
    """A large file takes seconds to copy: the dialog's files are opened in a job, a bad one said alone."""
    panel, _, _, _, theirs = setup
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    broken = tmp_path / "broken.annotator"
    broken.write_bytes(b"not a project at all")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(broken), str(theirs)], ""))
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, text: warned.append((title, text)))
    opened_on = []
    from annotator.gui import review_panel

    real_open = review_panel.open_colleague

    def recording_open(path):
        from PySide6.QtCore import QThread

        opened_on.append(QThread.currentThread() is panel.thread())
        return real_open(path)

    monkeypatch.setattr(review_panel, "open_colleague", recording_open)
    before = folder_digests(theirs.parent)
    panel._choose_files()
    with qtbot.waitSignal(panel._open_job.ended, timeout=30_000):
        pass
    assert opened_on == [False, False]  # both opened in the job's thread
    assert list(panel.layers) == ["ben"]
    [(title, text)] = warned
    assert title == "Cannot add file" and "broken.annotator" in text and "\n" not in text
    assert folder_digests(theirs.parent) == before  # nothing written beside their file


def test_a_file_still_being_opened_when_the_project_changes_is_not_shown(setup, qtbot):
    panel, store, _, _, theirs = setup
    job = panel.add_layers_in_background([theirs])
    panel.close_all()  # the window opened another project meanwhile
    with qtbot.waitSignal(job.ended, timeout=30_000):
        pass
    assert panel.layers == {}

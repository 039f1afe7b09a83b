"""Import, merge and scheme import run as ops through ``ops.run`` and say what they changed."""

from __future__ import annotations

import pytest
from review_helpers import make_pair

from annotator.errors import ReadOnlyProjectError
from annotator.importers.batch import import_paths
from annotator.model import ImportedDocument
from annotator.ops import AddTag, History, ImportScheme, OpChanges, run
from annotator.review.merge import merge_files
from annotator.store import Store

SCHEME = {"themes": [{"name": "Parent", "children": [{"name": "Child"}]}], "speakers": [{"name": "Ana"}]}


def test_an_import_reports_the_documents_it_stored(store, tmp_path):
    (tmp_path / "a.txt").write_text("first text", encoding="utf-8")
    (tmp_path / "b.txt").write_text("second text", encoding="utf-8")
    report = import_paths(store, [tmp_path], annotator="ana")
    assert report.changes == OpChanges(documents=frozenset(d.id for d in store.documents()))
    assert len(report.changes.documents) == 2 and not report.changes.everything


def test_an_import_with_spans_reports_everything(store, tmp_path):
    path = tmp_path / "spans.jsonl"
    path.write_text(
        '{"text": "alpha beta", "spans": [{"start": 0, "end": 5, "label": "A"}]}\n', encoding="utf-8"
    )
    report = import_paths(store, [path], annotator="ana")
    assert store.annotation_count() == 1 and report.changes.everything


def test_a_merge_reports_what_it_added(tmp_path):
    ours, theirs = make_pair(tmp_path)
    with Store.open(ours) as store:
        before = {d.id for d in store.documents()}
        report = merge_files(store, [theirs], backup=False)
        added = {d.id for d in store.documents()} - before
    assert report.changes.documents == added and len(added) == 1
    assert report.changes.everything and report.changes.tags  # the "Ben" speaker, and its spans


def test_a_merge_that_adds_nothing_reports_nothing(tmp_path):
    ours, _ = make_pair(tmp_path)
    with Store.open(ours) as store:
        report = merge_files(store, [ours.with_name("ours.annotator")], backup=False)
    assert report.changes.empty


def test_a_scheme_import_is_an_op_that_undo_takes_back(store):
    store.add_tag(kind="speaker", name="ana")  # present already, case aside: skipped
    history = History(store)
    op = history.run(ImportScheme(SCHEME))
    assert (op.added, op.skipped) == (2, 1)
    added = {t.id for t in store.tags() if t.name in ("Parent", "Child")}
    assert op.changed() == OpChanges(tags=frozenset(added))
    history.undo()
    assert [t.name for t in store.tags()] == ["ana"]


def test_run_is_one_transaction_and_refuses_a_read_only_project(store, tmp_path):
    doc = store.add_document(ImportedDocument(title="t", text="text"), annotator="x")
    assert doc.created
    op = AddTag(kind="theme", name="Theme")
    calls = []
    store.db.conn.set_trace_callback(calls.append)
    run(store, op)
    store.db.conn.set_trace_callback(None)
    assert calls[0] == "BEGIN IMMEDIATE" and calls[-1] == "COMMIT"
    path = tmp_path / "ro.annotator"
    Store.create(path).close()
    with Store.open(path, read_only=True) as read_only, pytest.raises(ReadOnlyProjectError):
        run(read_only, AddTag(kind="theme", name="Theme"))

"""Every op says, in values, what it changed, and what undoing it changes: the window refreshes from that alone."""

from __future__ import annotations

import pytest

from annotator.model import DocumentStatus, ImportedDocument
from annotator.ops import (
    AddAnnotation,
    AddTag,
    Batch,
    DeleteAnnotations,
    DeleteTag,
    History,
    MergeTags,
    OpChanges,
    ReorderTags,
    SetDocumentMemo,
    SetDocumentStatus,
    UpdateAnnotation,
    UpdateTag,
    annotate_span,
)


@pytest.fixture
def setup(store):
    doc = store.add_document(
        ImportedDocument(title="t", text="alpha beta gamma delta"), annotator="x"
    ).document_id
    theme = store.add_tag(kind="theme", name="Theme")
    child = store.add_tag(kind="theme", name="Child", parent_id=theme.id)
    speaker = store.add_tag(kind="speaker", name="Speaker")
    ann = store.add_annotation(document_id=doc, start=0, end=5, tag_id=theme.id, annotator="ana")
    return store, History(store), doc, theme, child, speaker, ann


def test_add_annotation_reports_the_stored_annotation(setup):
    store, history, doc, theme, *_ = setup
    op = history.run(AddAnnotation(document_id=doc, start=6, end=10, tag_id=theme.id, annotator="bo"))
    [added] = op.changed().added
    assert added == store.annotation(op.annotation_id)
    assert op.changed() == OpChanges(added=(added,))
    assert op.changed().span_documents == {doc}
    assert op.changed().reversed() == OpChanges(removed=(added,))


def test_delete_annotations_reports_what_was_removed(setup):
    store, history, doc, _, _, _, ann = setup
    op = history.run(DeleteAnnotations([ann.id]))
    assert op.changed() == OpChanges(removed=(ann,))
    assert op.changed().reversed().added == (ann,)


def test_update_annotation_reports_before_and_after_and_undo_flips_them(setup):
    store, history, doc, _, _, speaker, ann = setup
    op = history.run(UpdateAnnotation(ann.id, tag_id=speaker.id, start=1))
    [(before, after)] = op.changed().updated
    assert before == ann and after == store.annotation(ann.id) and after.tag_id == speaker.id
    assert op.changed().reversed().updated == ((after, before),)


def test_tag_ops_report_their_tag_ids(setup):
    store, history, doc, theme, child, speaker, ann = setup
    added = history.run(AddTag(kind="theme", name="New"))
    assert added.changed() == OpChanges(tags=frozenset([added.tag_id]))
    assert history.run(UpdateTag(theme.id, name="Renamed")).changed() == OpChanges(tags=frozenset([theme.id]))
    reorder = history.run(ReorderTags([speaker.id]))
    assert reorder.changed().tags == {theme.id, child.id, speaker.id, added.tag_id}


def test_delete_tag_reports_its_annotations_and_the_children_that_moved(setup):
    store, history, doc, theme, child, _, ann = setup
    op = history.run(DeleteTag(theme.id))
    assert op.changed() == OpChanges(removed=(ann,), tags=frozenset([theme.id, child.id]))
    history.undo()
    assert op.changed().reversed().added == (ann,) and store.annotation(ann.id) == ann


def test_merge_tags_reports_each_moved_annotation_before_and_after(setup):
    store, history, doc, theme, child, speaker, ann = setup
    op = history.run(MergeTags(theme.id, speaker.id))
    assert op.changed().updated == ((ann, store.annotation(ann.id)),)
    assert store.annotation(ann.id).tag_id == speaker.id
    assert op.changed().tags == {theme.id, speaker.id, child.id}


def test_document_ops_report_memos_and_statuses(setup):
    store, history, doc, *_ = setup
    assert history.run(SetDocumentMemo(doc, "m")).changed() == OpChanges(memos=frozenset([doc]))
    assert history.run(SetDocumentStatus(doc, DocumentStatus.DONE)).changed() == OpChanges(
        statuses=frozenset([doc])
    )


def test_a_batch_reports_the_union_of_its_parts(setup):
    store, history, doc, theme, *_ = setup
    store.set_document_status(doc, DocumentStatus.TODO)
    op = history.run(annotate_span(store, document_id=doc, start=6, end=10, tag_id=theme.id, annotator="bo"))
    assert isinstance(op, Batch)
    changes = op.changed()
    assert [a.start for a in changes.added] == [6] and changes.statuses == {doc}
    assert changes.reversed().removed == changes.added and changes.reversed().statuses == {doc}


def test_listeners_hear_the_changes_of_runs_undos_and_redos(setup):
    store, history, doc, theme, *_ = setup
    heard: list[OpChanges] = []
    history.subscribe(lambda op, undone: heard.append(op.changed().reversed() if undone else op.changed()))
    op = history.run(AddAnnotation(document_id=doc, start=6, end=10, tag_id=theme.id, annotator="bo"))
    history.undo()
    history.redo()
    added = store.annotation(op.annotation_id)
    assert [c.added for c in heard] == [(added,), (), (added,)]
    assert heard[1].removed == (added,)


def test_union_all_and_span_documents():
    a = OpChanges(tags=frozenset("a"), memos=frozenset(["d1"]))
    b = OpChanges(tags=frozenset("b"), documents=frozenset(["d2"]))
    assert a | b == OpChanges(tags=frozenset("ab"), memos=frozenset(["d1"]), documents=frozenset(["d2"]))
    assert (a | OpChanges.all()).everything and OpChanges.all().reversed().everything
    assert OpChanges().empty and not a.empty
    assert OpChanges().span_documents == frozenset()

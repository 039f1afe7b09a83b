"""Undo and redo restore exactly what was there, ids included, for every kind of change."""

from __future__ import annotations

import pytest

from annotator.errors import InvalidInputError
from annotator.model import DocumentStatus, ImportedDocument
from annotator.ops import (
    AddAnnotation,
    AddTag,
    Batch,
    Changed,
    DeleteAnnotations,
    DeleteTag,
    History,
    MergeTags,
    ReorderTags,
    SetDocumentMemo,
    SetDocumentStatus,
    UpdateAnnotation,
    UpdateTag,
)


@pytest.fixture
def setup(store):
    doc = store.add_document(ImportedDocument(title="t", text="😀 alpha beta gamma delta"), annotator="x")
    theme = store.add_tag(kind="theme", name="Theme")
    speaker = store.add_tag(kind="speaker", name="Speaker")
    return store, History(store), doc.document_id, theme, speaker


def snapshot(store):
    return (store.tags(), [store.annotations_for_document(d.id) for d in store.documents()],
            [(d.status, store.document(d.id).memo) for d in store.documents()])


def test_add_annotation_undo_redo_keeps_the_id(setup):
    store, history, doc, theme, _ = setup
    op = history.run(AddAnnotation(document_id=doc, start=2, end=7, tag_id=theme.id, annotator="ana"))
    [stored] = store.annotations_for_document(doc)
    assert (stored.start, stored.end, stored.id) == (2, 7, op.annotation_id)
    history.undo()
    assert store.annotations_for_document(doc) == []
    history.redo()
    assert store.annotations_for_document(doc) == [stored]


def test_bad_range_is_refused_and_not_recorded(setup):
    store, history, doc, theme, _ = setup
    with pytest.raises(InvalidInputError):
        history.run(AddAnnotation(document_id=doc, start=5, end=99, tag_id=theme.id, annotator="a"))
    assert not history.can_undo()


@pytest.mark.parametrize("make_op", [
    lambda s, doc, theme, speaker, ann: UpdateAnnotation(ann.id, tag_id=speaker.id),
    lambda s, doc, theme, speaker, ann: UpdateAnnotation(ann.id, start=8, end=12),
    lambda s, doc, theme, speaker, ann: UpdateAnnotation(ann.id, note="a note"),
    lambda s, doc, theme, speaker, ann: DeleteAnnotations([ann.id]),
    lambda s, doc, theme, speaker, ann: AddTag(kind="theme", name="New", parent_id=theme.id),
    lambda s, doc, theme, speaker, ann: UpdateTag(theme.id, name="Renamed", color="#000000"),
    lambda s, doc, theme, speaker, ann: DeleteTag(theme.id),
    lambda s, doc, theme, speaker, ann: MergeTags(theme.id, speaker.id),
    lambda s, doc, theme, speaker, ann: ReorderTags([speaker.id, theme.id]),
    lambda s, doc, theme, speaker, ann: SetDocumentMemo(doc, "memo text"),
    lambda s, doc, theme, speaker, ann: SetDocumentStatus(doc, DocumentStatus.DONE),
    lambda s, doc, theme, speaker, ann: Batch([UpdateAnnotation(ann.id, note="n"), DeleteTag(speaker.id),
                                               SetDocumentStatus(doc, DocumentStatus.IN_PROGRESS)]),
])
def test_every_op_reverts_exactly_and_redoes_exactly(setup, make_op):
    store, history, doc, theme, speaker = setup
    ann = store.add_annotation(document_id=doc, start=2, end=7, tag_id=theme.id, annotator="ana")
    before = snapshot(store)
    history.run(make_op(store, doc, theme, speaker, ann))
    after = snapshot(store)
    assert after != before
    history.undo()
    assert snapshot(store) == before
    history.redo()
    redone = snapshot(store)
    # timestamps of an edit may differ on redo only if re-applied from scratch; ours replay exactly
    assert redone == after


def test_listeners_hear_what_changed(setup):
    store, history, doc, theme, _ = setup
    heard = []
    history.subscribe(lambda op, undone: heard.append((op.changes, undone)))
    history.run(AddAnnotation(document_id=doc, start=0, end=1, tag_id=theme.id, annotator="a"))
    history.undo()
    assert heard == [(Changed.ANNOTATIONS, False), (Changed.ANNOTATIONS, True)]
    assert history.redo_text() == "add annotation" and history.undo_text() == ""


def test_a_batch_that_fails_midway_leaves_nothing_behind(setup):
    store, history, doc, theme, _ = setup
    before = snapshot(store)
    batch = Batch([AddAnnotation(document_id=doc, start=0, end=1, tag_id=theme.id, annotator="a"),
                   SetDocumentStatus(doc, DocumentStatus.DONE),
                   AddAnnotation(document_id=doc, start=5, end=999, tag_id=theme.id, annotator="a")])
    with pytest.raises(InvalidInputError):
        history.run(batch)
    assert snapshot(store) == before
    assert not history.can_undo()
    assert batch.changes == Changed.ANNOTATIONS | Changed.DOCUMENTS and batch.document_id == doc

"""A full disk while importing or annotating: one clear error, the project intact.

The disk is filled with SQLite's ``max_page_count``: the file may not grow
past its current size, which is exactly what a full disk looks like to it.
"""

from __future__ import annotations

import pytest

from annotator.errors import AnnotatorError
from annotator.importers.batch import import_paths
from annotator.model import ImportedDocument, TagKind
from annotator.store import Store
from annotator.store.connection import StorageFullError


def fill_disk(store: Store) -> None:
    pages = store.db.conn.execute("PRAGMA page_count").fetchone()[0]
    store.db.conn.execute(f"PRAGMA max_page_count = {pages}")


@pytest.fixture
def full_store(project_path):
    store = Store.create(project_path)
    doc = store.add_document(ImportedDocument(title="t", text="some words here " * 50), annotator="a")
    tag = store.add_tag(kind=TagKind.THEME, name="Joy")
    first = store.add_annotation(document_id=doc.document_id, start=0, end=4, tag_id=tag.id, annotator="a")
    fill_disk(store)
    yield store, doc.document_id, tag.id, first
    store.close()


def test_annotating_on_a_full_disk(full_store, project_path):
    store, document_id, tag_id, first = full_store
    with pytest.raises(StorageFullError) as caught:
        for i in range(200):  # notes make each row big, so the page limit is reached quickly
            store.add_annotation(
                document_id=document_id,
                start=5,
                end=10,
                tag_id=tag_id,
                annotator="a",
                note="n" * 3000 + str(i),
            )
    assert isinstance(caught.value, AnnotatorError)
    assert "disk is full" in str(caught.value) and "\n" not in str(caught.value)
    stored = store.annotation_count()
    store.close()
    with Store.open(project_path) as reopened:
        assert reopened.integrity_ok()
        assert reopened.annotation(first.id).start == 0
        assert reopened.annotation_count() == stored  # those confirmed before the error, no more


def test_import_on_a_full_disk_reports_each_file_and_keeps_the_project(full_store, project_path, tmp_path):
    store, *_ = full_store
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i in range(3):
        (folder / f"big{i}.txt").write_text(f"file {i} " * 40_000, encoding="utf-8")
    with pytest.raises(AnnotatorError) as caught:
        import_paths(store, [folder], annotator="a")
    assert "\n" not in str(caught.value)
    assert store.document_count() == 1
    store.close()
    with Store.open(project_path) as reopened:
        assert reopened.integrity_ok()
        assert [d.title for d in reopened.documents()] == ["t"]
        assert reopened.annotation_count() == 1


def _colleague_with_many_annotations(path, text: str) -> None:
    with Store.create(path) as theirs:
        doc = theirs.add_document(ImportedDocument(title="t", text=text), annotator="b")
        tag = theirs.add_tag(kind=TagKind.THEME, name="Joy")
        for i in range(100):  # notes make each row big: far more than the full disk holds
            theirs.add_annotation(
                document_id=doc.document_id, start=i, end=i + 4, tag_id=tag.id, annotator="b", note="n" * 3000
            )


def test_a_merge_that_runs_out_of_space_after_its_backup_says_the_disk_is_full(
    full_store, project_path, tmp_path
):
    from annotator.review.merge import merge_files

    store, document_id, *_ = full_store
    colleague = tmp_path / "colleague.annotator"
    _colleague_with_many_annotations(colleague, store.document(document_id).text)
    with pytest.raises(StorageFullError) as caught:
        merge_files(store, [colleague])
    message = str(caught.value)
    assert "disk is full" in message and "\n" not in message
    assert store.annotation_count() == 1
    store.close()
    with Store.open(project_path) as reopened:
        assert reopened.integrity_ok()
        assert reopened.annotation_count() == 1  # the merge left nothing behind


def test_a_merge_whose_whole_transaction_sqlite_rolled_back_says_the_disk_is_full(
    full_store, project_path, tmp_path
):
    """On a real full disk SQLite may roll the whole transaction back (a full disk while it spills
    its cache to the log), the merge's temporary tables with it: the error is still the full disk."""
    from annotator.review.merge import merge_files

    store, document_id, *_ = full_store
    colleague = tmp_path / "colleague.annotator"
    _colleague_with_many_annotations(colleague, store.document(document_id).text)
    conn = store.db.conn
    real_execute = conn.execute

    def execute(sql, *args):
        try:
            return real_execute(sql, *args)
        except StorageFullError:
            if conn.in_transaction:
                real_execute("ROLLBACK")  # what SQLite does itself when a spill fails
            raise

    conn.execute = execute
    with pytest.raises(StorageFullError) as caught:
        merge_files(store, [colleague])
    message = str(caught.value)
    assert "disk is full" in message and "\n" not in message
    del conn.execute
    assert store.annotation_count() == 1
    store.close()
    with Store.open(project_path) as reopened:
        assert reopened.integrity_ok()
        assert reopened.annotation_count() == 1
        assert [tag.name for tag in reopened.tags()] == ["Joy"]

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

"""The project file: creation, marking, migration, refusal of newer files, documents."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3

import pytest
from sqlite_utils import Database

from annotator import migrations
from annotator.errors import InvalidInputError, ProjectError, ProjectTooNewError, ReadOnlyProjectError
from annotator.model import DocumentStatus, ImportedDocument, ImportedSpan, TagKind
from annotator.store import Store
from annotator.textnorm import text_sha256
from tests.conftest import DATA


def sha_of(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_project_is_marked_and_versioned(store, project_path):
    conn = sqlite3.connect(project_path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x414E4E54
    assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.SCHEMA_VERSION
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"documents", "tags", "annotations", "project", "documents_fts"} <= tables
    conn.close()
    assert store.get_meta("name") == "test"


def test_creating_over_an_existing_file_is_refused(store, project_path):
    with pytest.raises(ProjectError, match="already exists"):
        Store.create(project_path)


def upgraded(tmp_path, version: int) -> Store:
    """A copy of the kept project file of schema ``version``, opened (so upgraded) and checked to be current."""
    old = tmp_path / f"v{version}.annotator"
    shutil.copy(DATA / f"project-v{version}.annotator", old)
    store = Store.open(old)
    assert store.schema_version() == migrations.SCHEMA_VERSION
    return store


def test_schema_1_file_is_upgraded_in_place(tmp_path):
    with upgraded(tmp_path, 1) as s:
        [doc] = s.documents()
        assert doc.status is DocumentStatus.TODO
        full = s.document(doc.id)
        assert full.text == "Café 😀 talks"
        assert full.memo == ""
        [ann] = s.annotations_for_document(doc.id)
        assert full.text[ann.start : ann.end] == "Café"
        applied = [r[0] for r in s.db.conn.execute("SELECT name FROM _sqlite_migrations")]
    assert applied == [step.name for step in migrations.migrations._migrations]


def test_newer_file_is_refused_and_left_untouched(tmp_path):
    newer = tmp_path / "newer.annotator"
    Store.create(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {migrations.SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = sha_of(newer)
    listing = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(ProjectTooNewError, match="newer version"):
        Store.open(newer)
    assert sha_of(newer) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


def test_unknown_migration_name_counts_as_newer(tmp_path):
    path = tmp_path / "future.annotator"
    Store.create(path).close()
    db = Database(path)
    db["_sqlite_migrations"].insert(
        {"migration_set": "annotator", "name": "m999_future", "applied_at": "2030-01-01"}
    )
    db.close()
    with pytest.raises(ProjectTooNewError):
        Store.open(path)


def test_a_file_that_is_not_sqlite_is_refused(tmp_path):
    bogus = tmp_path / "notes.annotator"
    bogus.write_text("just some notes")
    with pytest.raises(ProjectError, match="not a SQLite database"):
        Store.open(bogus)


def test_a_foreign_sqlite_file_is_refused(tmp_path):
    other = tmp_path / "other.db"
    Database(other)["things"].insert({"a": 1})
    with pytest.raises(ProjectError, match="not an Annotator project"):
        Store.open(other)


def test_read_only_open_refuses_changes(store, project_path):
    store.close()
    with Store.open(project_path, read_only=True) as ro:
        with pytest.raises(ReadOnlyProjectError):
            ro.add_tag(kind="theme", name="X")


def test_document_text_is_normalised_and_spans_remapped(store):
    text = "line one\r\nline two\rline three\u2029end 😀"
    # "two" sits at 10..13 in the raw text (after one \r\n pair)
    imported = ImportedDocument(
        title="t",
        text=text,
        spans=(
            ImportedSpan(start=15, end=18, label="Two", kind=TagKind.THEME),
            ImportedSpan(start=10, end=14, label="Two"),
        ),
    )
    result = store.add_document(imported, annotator="ana")
    doc = store.document(result.document_id)
    assert doc.text == "line one\nline two\nline three\nend 😀"
    assert doc.sha256 == text_sha256(doc.text)
    spans = store.annotations_for_document(doc.id)
    assert [doc.text[a.start : a.end] for a in spans] == ["line", "two"]


def test_same_text_twice_adds_nothing(store):
    first = store.add_document(ImportedDocument(title="a", text="Hello"), annotator="ana")
    second = store.add_document(ImportedDocument(title="b", text="Hello"), annotator="ana")
    assert first.created and not second.created
    assert second.document_id == first.document_id
    assert store.document_count() == 1


def test_spans_outside_the_text_store_nothing(store):
    bad = ImportedDocument(title="t", text="short", spans=(ImportedSpan(start=2, end=99, label="X"),))
    with pytest.raises(InvalidInputError, match="outside the text"):
        store.add_document(bad, annotator="ana")
    assert store.document_count() == 0
    assert store.tags() == []


def test_empty_and_lone_surrogate_texts_are_refused(store):
    with pytest.raises(InvalidInputError, match="empty"):
        store.add_document(ImportedDocument(title="t", text="  \n "), annotator="ana")
    with pytest.raises(InvalidInputError, match="surrogate"):
        store.add_document(ImportedDocument(title="t", text="a\ud800b"), annotator="ana")


def test_annotation_offsets_are_code_points(store):
    doc = store.add_document(ImportedDocument(title="t", text="👩‍🔬 found 🧪 results"), annotator="a")
    tag = store.add_tag(kind="theme", name="Science")
    text = store.document(doc.document_id).text
    start = text.index("results")
    ann = store.add_annotation(
        document_id=doc.document_id, start=start, end=start + 7, tag_id=tag.id, annotator="ana"
    )
    assert (ann.start, ann.end) == (12, 19)  # 👩‍🔬 is 3 code points, 🧪 one
    stored = store.annotation(ann.id)
    assert text[stored.start : stored.end] == "results"
    with pytest.raises(InvalidInputError):
        store.add_annotation(document_id=doc.document_id, start=5, end=5, tag_id=tag.id, annotator="a")
    with pytest.raises(InvalidInputError):
        store.add_annotation(
            document_id=doc.document_id, start=0, end=len(text) + 1, tag_id=tag.id, annotator="a"
        )


def test_update_and_restore_annotation(store):
    doc = store.add_document(ImportedDocument(title="t", text="abcdefghij"), annotator="a")
    one = store.add_tag(kind="theme", name="One")
    two = store.add_tag(kind="speaker", name="Two")
    ann = store.add_annotation(document_id=doc.document_id, start=0, end=3, tag_id=one.id, annotator="a")
    changed = store.update_annotation(ann.id, start=2, end=6, tag_id=two.id, note="check")
    assert (changed.start, changed.end, changed.tag_id, changed.note) == (2, 6, two.id, "check")
    assert changed.created == ann.created and changed.updated >= ann.updated
    store.replace_annotation(ann)
    assert store.annotation(ann.id) == ann
    removed = store.delete_annotation(ann.id)
    assert store.annotations_for_document(doc.document_id) == []
    store.insert_annotations([removed])
    assert store.annotation(ann.id) == ann


def test_document_status_memo_and_listing(store):
    a = store.add_document(ImportedDocument(title="first", text="one two"), annotator="x")
    b = store.add_document(ImportedDocument(title="second", text="three 😀"), annotator="x")
    tag = store.add_tag(kind="theme", name="T")
    store.add_annotation(document_id=b.document_id, start=0, end=5, tag_id=tag.id, annotator="x")
    store.set_document_status(b.document_id, DocumentStatus.DONE)
    store.set_document_memo(a.document_id, "interesting")
    docs = store.documents()
    assert [(d.title, d.length, d.annotation_count, d.status) for d in docs] == [
        ("first", 7, 0, DocumentStatus.TODO),
        ("second", 7, 1, DocumentStatus.DONE),
    ]
    assert store.document(a.document_id).memo == "interesting"
    assert store.find_document("seco").id == b.document_id
    store.delete_document(b.document_id)
    assert store.annotation_count() == 0 and store.document_count() == 1


def test_meta_round_trips_json(store):
    store.set_meta("last_document", {"id": "x", "offset": 3})
    assert store.get_meta("last_document") == {"id": "x", "offset": 3}
    assert store.get_meta("missing", "default") == "default"


def test_schema_2_file_is_upgraded_and_keeps_status_and_memo(tmp_path):
    with upgraded(tmp_path, 2) as s:
        [doc] = s.documents()
        assert doc.status is DocumentStatus.DONE
        assert s.document(doc.id).memo == "a memo from version 2"
        assert s.adjudications() == []
        assert s.get_meta("name") == "v2 sample"


def test_project_whose_changes_are_still_in_its_wal_log_opens(tmp_path):
    """A crash before the first checkpoint leaves a blank header and everything in -wal."""
    live = tmp_path / "live.annotator"
    conn = sqlite3.connect(live)  # made in place, as versions before the renamed creation did
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    store = Store(Database(conn), live)
    migrations.apply_all(store.db)
    store.add_document(ImportedDocument(title="t", text="kept in the log"), annotator="a")
    crashed = tmp_path / "crashed.annotator"
    shutil.copy(live, crashed)
    shutil.copy(f"{live}-wal", f"{crashed}-wal")
    store.close()
    assert crashed.read_bytes()[68:72] == b"\x00\x00\x00\x00"  # the header does not know yet
    with Store.open(crashed) as recovered:
        assert [d.title for d in recovered.documents()] == ["t"]
        assert recovered.integrity_ok()


def test_schema_3_file_moves_memos_to_their_own_table_and_keeps_everything(tmp_path):
    with upgraded(tmp_path, 3) as s:
        first, second = s.documents()
        assert (first.title, first.status, first.annotation_count) == ("interview", DocumentStatus.DONE, 1)
        assert s.document(first.id).memo == "a memo from version 3"
        assert s.document(second.id).memo == ""
        columns = [row[1] for row in s.db.conn.execute("PRAGMA table_info(documents)")]
        assert "memo" not in columns and "text" in columns
        assert s.db.conn.execute("SELECT count(*) FROM document_memos").fetchone()[0] == 1
        assert [h.start for h in s.search("Kabul")] == [15]
        assert s.integrity_ok()


def test_a_summary_and_a_memo_leave_the_text_unread_and_unwritten(store):
    """The summary is answered from its covering index; a memo is a row of its own."""
    doc = store.add_document(ImportedDocument(title="long", text="word " * 1000), annotator="a").document_id
    from annotator.store.documents import _ALL_SUMMARIES, _ONE_SUMMARY

    plan = " ".join(row[3] for row in store.db.conn.execute(f"EXPLAIN QUERY PLAN {_ONE_SUMMARY}", [doc]))
    assert "SEARCH d USING COVERING INDEX documents_summary (id=?)" in plan
    listing = " ".join(row[3] for row in store.db.conn.execute(f"EXPLAIN QUERY PLAN {_ALL_SUMMARIES}"))
    assert "SCAN d USING COVERING INDEX documents_summary" in listing
    assert store.document_summary(doc).length == 5000
    assert [d.length for d in store.documents()] == [5000]
    store.set_document_memo(doc, "first thoughts")
    store.set_document_memo(doc, "second thoughts")
    assert store.document(doc).memo == "second thoughts"
    assert store.db.conn.execute("SELECT memo FROM document_memos").fetchall() == [("second thoughts",)]
    store.delete_document(doc)
    assert store.db.conn.execute("SELECT count(*) FROM document_memos").fetchone()[0] == 0


def test_schema_4_file_gets_the_covering_span_index_and_keeps_everything(tmp_path):
    with upgraded(tmp_path, 4) as s:
        [doc] = s.documents()
        text = s.document(doc.id).text
        assert sorted(
            (a.start, text[a.start : a.end], a.annotator, a.note) for a in s.annotations_for_document(doc.id)
        ) == [
            (0, "Norov", "ana", None),
            (7, "Kabul", "ana", "the capital"),
            (7, "Kabul", "ben", None),
            (15, "talks on security.", "ana", None),
        ]
        indexes = {row[1] for row in s.db.conn.execute("PRAGMA index_list(annotations)")}
        assert "annotations_document_start" not in indexes
        assert [row[2] for row in s.db.conn.execute("PRAGMA index_info(annotations_document_span)")] == [
            "document_id",
            "start",
            "end",
            "tag_id",
            "id",
            "annotator",
            "note",
        ]
        assert s.integrity_ok()


def test_shown_annotations_are_the_stored_ones_read_from_the_index_alone(store):
    doc = store.add_document(ImportedDocument(title="t", text="abcdefghij"), annotator="x").document_id
    tag = store.add_tag(kind="theme", name="T")
    other = store.add_tag(kind="theme", name="U")
    for start, end, note, on in [
        (4, 6, None, tag),
        (1, 3, "n", tag),
        (1, 2, None, tag),
        (4, 6, "second", other),
        (4, 6, "third", tag),
    ]:
        store.add_annotation(document_id=doc, start=start, end=end, tag_id=on.id, annotator="x", note=note)
    shown = store.shown_annotations(doc)
    expected = sorted(
        (a.start, a.end, a.tag_id, a.id, a.annotator, a.note) for a in store.annotations_for_document(doc)
    )
    assert [(s.start, s.end, s.tag_id, s.id, s.annotator, s.note) for s in shown] == expected
    from annotator.store.annotations import _SHOWN_SQL

    [plan] = store.db.conn.execute(f"EXPLAIN QUERY PLAN {_SHOWN_SQL}", [doc])  # one step: no sort, no table
    assert "COVERING INDEX annotations_document_span" in plan[3]


def test_schema_5_file_stores_each_document_length_in_code_points(tmp_path):
    with upgraded(tmp_path, 5) as s:
        emoji, plain = s.documents()
        assert (emoji.title, emoji.length, emoji.annotation_count) == (
            "emoji",
            21,
            1,
        )  # 😀 and é's accent: 1 each
        assert (plain.title, plain.length) == ("plain", 13)
        assert s.db.conn.execute("SELECT length FROM documents ORDER BY position").fetchall() == [
            (21,),
            (13,),
        ]
        assert s.integrity_ok()

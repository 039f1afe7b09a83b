"""Merging colleagues' files: add what is missing, keep ids, settle conflicts by time, back up first."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from review_helpers import ONLY_THEIRS, SHARED, digest, folder_digests, make_pair, make_project

from annotator.backup import BEFORE_MERGE, backup_folder, list_backups, make_backup, prune_backups
from annotator.errors import ProjectError
from annotator.model import TagKind
from annotator.review.loading import open_colleague
from annotator.review.merge import later, merge_files
from annotator.store import Store


@pytest.fixture
def files(tmp_path):
    return make_pair(tmp_path)


def annotation_rows(store: Store) -> set[tuple]:
    """Every annotation as (id, document sha, start, end, tag kind, tag name, annotator, created, updated)."""
    return {
        (s.id, s.sha256, s.start, s.end, s.kind, s.tag, s.annotator, s.created, s.updated)
        for s in store.iter_review_spans()
    }


def test_merge_adds_what_is_missing_keeping_ids_and_annotators(files):
    ours, theirs = files
    with open_colleague(theirs) as colleague:
        theirs_rows = annotation_rows(colleague.store)
        their_doc_ids = {d.id for d in colleague.store.documents()}
    with Store.open(ours) as store:
        report = merge_files(store, [theirs])
        assert (report.documents, report.tags, report.annotations, report.conflicts) == (1, 1, 2, [])
        assert [d.title for d in store.documents()] == ["talk", "theirs"]
        only_theirs = store.document_by_sha256(store.documents()[1].sha256)
        assert only_theirs.text == ONLY_THEIRS and only_theirs.id in their_doc_ids  # keeps its id
        # "security" matched our "Security" theme (case-insensitive); the "Ben" speaker was added
        assert [t.name for t in store.tags(TagKind.THEME)] == ["Security"]
        assert store.find_tag(TagKind.SPEAKER, "Ben") is not None
        merged = {row for row in annotation_rows(store) if row[6] == "ben"}
        # same ids, offsets, annotator and timestamps; tag names are ours where they matched
        assert {(r[0], r[2], r[3], r[6], r[7], r[8]) for r in merged} == {
            (r[0], r[2], r[3], r[6], r[7], r[8]) for r in theirs_rows
        }
        assert {r[5] for r in merged} == {"Security", "Ben"}
        security = next(r for r in merged if r[4] == "theme")
        assert SHARED[security[2] : security[3]] == "security and trade"


def test_merging_twice_adds_nothing_and_writes_no_second_backup(files, tmp_path):
    ours, theirs = files
    with Store.open(ours) as store:
        first = merge_files(store, [theirs])
        after_first = annotation_rows(store)
        again = merge_files(store, [theirs])
        assert (again.documents, again.tags, again.annotations, again.conflicts, again.backup) == (
            0,
            0,
            0,
            [],
            None,
        )
        assert annotation_rows(store) == after_first and store.document_count() == 2
        assert "nothing changed" in again.summary()
    assert [b.path for b in list_backups(ours) if b.kind == BEFORE_MERGE] == [first.backup]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ours.annotator", "shared"]


def test_backup_is_kept_with_the_automatic_backups_before_it_changes(files):
    ours, theirs = files
    with Store.open(ours) as store:
        before_rows = annotation_rows(store)
        report = merge_files(store, [theirs])
    assert report.backup.parent == backup_folder(ours)  # nothing is written beside the project
    assert re.fullmatch(r"\d{8}T\d{12}Z-before-merge\.annotator", report.backup.name)
    [listed] = list_backups(ours)
    assert (listed.path, listed.kind) == (report.backup, BEFORE_MERGE)
    assert f"backup at {report.backup}" in report.summary()
    with Store.open(report.backup, read_only=True) as backup:
        assert annotation_rows(backup) == before_rows and backup.document_count() == 1
        assert backup.integrity_ok()


def test_the_backup_holds_changes_still_in_the_log_and_is_one_file(files):
    ours, theirs = files
    with Store.open(ours) as store:
        store.db.conn.execute("PRAGMA wal_autocheckpoint = 0")  # what we add stays in ours.annotator-wal
        doc = store.documents()[0].id
        tag = store.tags(TagKind.THEME)[0].id
        store.add_annotation(
            document_id=doc, start=0, end=3, tag_id=tag, annotator="ana", note="in the log only"
        )
        before_rows = annotation_rows(store)
        assert Path(f"{ours}-wal").stat().st_size > 0
        report = merge_files(store, [theirs])
    with Store.open(report.backup, read_only=True) as backup:
        assert annotation_rows(backup) == before_rows
        assert backup.integrity_ok()
    leftovers = sorted(p.name for p in report.backup.parent.iterdir())
    assert leftovers == [report.backup.name]  # no -wal, -shm or .part beside it


def test_the_other_file_stays_byte_identical(files):
    ours, theirs = files
    before = folder_digests(theirs.parent)
    with Store.open(ours) as store:
        merge_files(store, [theirs])
    assert folder_digests(theirs.parent) == before


def test_same_uuid_different_content_keeps_the_later_update_and_reports_it(files):
    ours, theirs = files
    with Store.open(ours) as store:
        merge_files(store, [theirs], backup=False)
        ben = next(a for a in store.iter_annotations() if a.annotator == "ben" and a.end - a.start > 5)
        store.update_annotation(ben.id, note="our later note")
        report = merge_files(store, [theirs], backup=False)
        assert report.conflicts == [f"{ben.id}: kept ours (updated {store.annotation(ben.id).updated})"]
        assert store.annotation(ben.id).note == "our later note" and report.annotations == 0
    conn = sqlite3.connect(theirs)  # the colleague edits it later than we did
    conn.execute(
        "UPDATE annotations SET note = 'their fix', start = 0, updated = '2999-01-01T00:00:00+00:00' "
        "WHERE id = ?",
        [ben.id],
    )
    conn.commit()
    conn.close()
    before = digest(theirs)
    with Store.open(ours) as store:
        report = merge_files(store, [theirs])
        assert report.conflicts == [
            f"{ben.id}: kept the colleague's version (updated 2999-01-01T00:00:00+00:00)"
        ]
        kept = store.annotation(ben.id)
        assert (kept.note, kept.start, kept.updated) == ("their fix", 0, "2999-01-01T00:00:00+00:00")
        assert report.backup is not None  # the replacement changed the project
    assert digest(theirs) == before


def test_tag_hierarchy_and_several_files_at_once(tmp_path):
    ours = make_project(tmp_path / "ours.annotator", "ana", [("Ana", "Ana", "speaker")])
    cem = make_project(tmp_path / "cem.annotator", "cem", [("Geneva", "Place", "theme")])
    dan = make_project(tmp_path / "dan.annotator", "dan", [("trade", "Economy", "theme")])
    with Store.open(dan) as store:
        parent = store.add_tag(kind="theme", name="Topics")
        store.update_tag(store.find_tag("theme", "Economy").id, parent_id=parent.id)
    with Store.open(ours) as store:
        report = merge_files(store, [cem, dan])
        assert (report.documents, report.tags, report.annotations) == (0, 3, 2)
        economy, topics = store.find_tag("theme", "Economy"), store.find_tag("theme", "Topics")
        assert economy.parent_id == topics.id
        assert sorted(store.annotators()) == ["ana", "cem", "dan"]


def test_a_read_only_project_is_not_merged_into(files):
    ours, theirs = files
    before = digest(ours)
    with Store.open(ours, read_only=True) as store, pytest.raises(ProjectError, match="read-only"):
        merge_files(store, [theirs])
    assert digest(ours) == before


def test_a_bad_colleague_file_changes_nothing(files, tmp_path):
    ours, _ = files
    bad = tmp_path / "bad.annotator"
    bad.write_text("not a project")
    with Store.open(ours) as store:
        before = annotation_rows(store)
        with pytest.raises(ProjectError, match="not a SQLite database"):
            merge_files(store, [bad])
        assert annotation_rows(store) == before


@pytest.mark.parametrize(
    "theirs, ours, expected",
    [
        ("2026-01-01T10:00:00Z", "2026-01-01T09:59:59.999999+00:00", True),
        ("2026-01-01T10:00:00+02:00", "2026-01-01T09:00:00+00:00", False),  # 08:00 UTC is earlier
        ("2026-01-01T10:00:00", "2026-01-01T10:00:00+00:00", False),  # no zone: UTC, equal is not later
        ("2026-01-02", "2026-01-01T23:00:00Z", True),
    ],
)
def test_update_times_compare_as_instants(theirs, ours, expected):
    assert later(theirs, ours) is expected


def test_every_file_is_checked_before_anything_is_merged(files, tmp_path):
    """A sound file first and one that is not an Annotator project second: nothing of the first is merged."""
    ours, theirs = files
    bad = tmp_path / "bad.annotator"
    make_project(bad, "cem", [("Geneva", "Place", "theme")])
    conn = sqlite3.connect(bad)
    conn.execute("CREATE TABLE extra (x)")
    conn.commit()
    conn.close()
    with Store.open(ours) as store:
        before = annotation_rows(store)
        with pytest.raises(
            ProjectError, match=f"^{re.escape(str(bad))}: not an Annotator project: unexpected table"
        ):
            merge_files(store, [theirs, bad])
        assert annotation_rows(store) == before
    assert list_backups(ours) == []  # not even a backup


def test_the_summary_says_what_was_left_out_one_line_per_kind_then_the_totals(files):
    ours, theirs = files
    conn = sqlite3.connect(theirs)
    conn.execute("UPDATE documents SET meta = 'oops' WHERE title = 'theirs'")
    conn.execute("UPDATE tags SET color = 'blue' WHERE name = 'Ben'")
    conn.commit()
    conn.close()
    with Store.open(ours) as store:
        lines = merge_files(store, [theirs]).summary().splitlines()
    assert [line.split(";")[0] for line in lines[:-1]] == [
        "ben.annotator: 1 document(s) not copied",
        "ben.annotator: 1 tag(s) not copied",
        "ben.annotator: 1 annotation(s) not copied",
    ]
    assert lines[0].endswith("its metadata is not a JSON object")
    assert lines[-1].startswith(
        "0 document(s), 0 tag(s) and 1 annotation(s) added; 0 conflict(s); backup at "
    )


def test_backups_before_merge_are_pruned_with_the_automatic_ones(files):
    ours, theirs = files
    with Store.open(ours) as store:
        report = merge_files(store, [theirs])
    old = datetime.now(UTC) - timedelta(days=40)
    aged = report.backup.with_name(old.strftime("%Y%m%dT%H%M%S%fZ") + "-before-merge.annotator")
    report.backup.rename(aged)
    for day in range(1, 5):
        make_backup(ours, now=datetime.now(UTC) - timedelta(days=day))
    assert aged in [b.path for b in list_backups(ours)]
    assert prune_backups(ours) == []  # one of the five newest: always kept
    make_backup(ours)  # a fifth newer one: the 40-day-old backup goes, as an automatic one would
    assert aged not in [b.path for b in list_backups(ours)] and not aged.exists()
    assert len(list_backups(ours)) == 5


def test_the_backups_command_lists_a_backup_before_merge(files, run_cli):
    ours, theirs = files
    result = run_cli("merge", ours, theirs)
    assert result.code == 0, result.err
    listing = run_cli("backups", ours)
    lines = [line for line in listing.out.splitlines() if "before-merge" in line]
    assert len(lines) == 1 and lines[0].endswith("(before merge)")
    assert "backup at " + lines[0].split()[-3] in result.out
    rows = json.loads(run_cli("backups", ours, "--json").out)
    assert [r["kind"] for r in rows].count("before merge") == 1

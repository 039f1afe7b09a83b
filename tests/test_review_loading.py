"""A colleague's file is only ever read: never written, nothing created beside it, newer ones refused."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from review_helpers import SHARED, digest, folder_digests, listing, make_pair, make_project

from annotator import migrations
from annotator.errors import ProjectError
from annotator.model import ImportedDocument
from annotator.review.compare import agreement_report
from annotator.review.loading import is_wal_database, open_colleague
from annotator.review.merge import merge_files
from annotator.store import Store

DATA = os.path.join(os.path.dirname(__file__), "data")
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def files(tmp_path):
    return make_pair(tmp_path)


def test_colleague_file_is_copied_and_never_touched(files):
    _, theirs = files
    before = folder_digests(theirs.parent)
    with open_colleague(theirs) as colleague:
        assert colleague.store.document_count() == 2
        assert colleague.folder != theirs.parent and colleague.label == "ben"
        assert folder_digests(theirs.parent) == before  # not even while it is open
    assert folder_digests(theirs.parent) == before
    assert not colleague.folder.exists()  # our private copy is gone once closed


def test_hash_unchanged_after_review_agreement_and_merge(files):
    ours, theirs = files
    before = folder_digests(theirs.parent)
    with Store.open(ours) as store:
        with open_colleague(theirs) as colleague:
            report = agreement_report([store, colleague.store])
            assert report["documents"] == 1
        merge_files(store, [theirs])
        merge_files(store, [theirs])
    assert folder_digests(theirs.parent) == before


def test_read_only_file_in_a_read_only_folder_is_read(files):
    _, theirs = files
    before = digest(theirs)
    theirs.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    theirs.parent.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with open_colleague(theirs) as colleague:
            assert colleague.store.annotation_count() == 2
            assert not colleague.store.read_only  # the copy is ours to migrate
        assert listing(theirs.parent) == ["ben.annotator"]
    finally:
        theirs.parent.chmod(stat.S_IRWXU)
        theirs.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert digest(theirs) == before


LIVE_WRITER = """
import sys
from annotator.model import ImportedDocument
from annotator.store import Store
writer = Store.create(sys.argv[1])
writer.db.conn.execute("PRAGMA wal_autocheckpoint = 0")
doc = writer.add_document(ImportedDocument(title="t", text=sys.argv[2]), annotator="w").document_id
tag = writer.add_tag(kind="theme", name="Latest")
writer.add_annotation(document_id=doc, start=0, end=3, tag_id=tag.id, annotator="w")
print("READY", flush=True)
sys.stdin.readline()
writer.close()
"""


@contextmanager
def _live_wal_project(folder):
    """A project left open by its owner's program: its latest changes only in the -wal log.

    The owner is another process, as a colleague's program is: a connection
    of this process would share SQLite's locks and index with the reader.
    """
    path = folder / "wal.annotator"
    owner = subprocess.Popen(
        [sys.executable, "-c", LIVE_WRITER, str(path), SHARED],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    try:
        assert owner.stdout.readline().strip() == "READY"
        yield path
    finally:
        owner.stdin.close()
        owner.wait(timeout=30)


def test_wal_colleague_file_with_log_and_shm_is_read_and_nothing_appears(tmp_path):
    folder = tmp_path / "drive"
    folder.mkdir()
    with _live_wal_project(folder) as path:
        assert (folder / "wal.annotator-wal").stat().st_size > 0
        assert is_wal_database(path)
        before = folder_digests(folder)
        with open_colleague(path) as colleague:
            assert colleague.store.annotation_count() == 1  # read from the -wal log
            assert [t.name for t in colleague.store.tags()] == ["Latest"]
        assert folder_digests(folder) == before


def test_wal_colleague_file_with_log_but_no_shm(tmp_path):
    """What a crash (or a copy made without -shm) leaves: SQLite would create -shm beside it."""
    source_folder, folder = tmp_path / "live", tmp_path / "drive"
    source_folder.mkdir()
    folder.mkdir()
    with _live_wal_project(source_folder) as path:
        shutil.copy(path, folder / "wal.annotator")
        shutil.copy(f"{path}-wal", folder / "wal.annotator-wal")
    before = folder_digests(folder)
    assert listing(folder) == ["wal.annotator", "wal.annotator-wal"]
    with open_colleague(folder / "wal.annotator") as colleague:
        assert colleague.store.annotation_count() == 1
    assert folder_digests(folder) == before


def test_colleague_file_behind_a_symlink_keeps_its_log(tmp_path):
    """The -wal log lies beside the real file, not the link: resolving first reads every change."""
    folder, elsewhere = tmp_path / "drive", tmp_path / "mine"
    folder.mkdir()
    elsewhere.mkdir()
    with _live_wal_project(folder) as path:
        link = elsewhere / "colleague.annotator"
        link.symlink_to(path)
        before = folder_digests(folder)
        with open_colleague(link) as colleague:
            assert colleague.store.annotation_count() == 1
            assert [t.name for t in colleague.store.tags()] == ["Latest"]
            assert colleague.label == "colleague"
        assert folder_digests(folder) == before
        assert listing(elsewhere) == ["colleague.annotator"]


def test_reviewing_my_own_open_project_reads_it_through_sqlite(tmp_path):
    """My own project, open in this process, is copied by SQLite: never read as bytes."""
    path = tmp_path / "mine.annotator"
    with Store.create(path) as mine:
        doc = mine.add_document(ImportedDocument(title="t", text=SHARED), annotator="me").document_id
        tag = mine.add_tag(kind="theme", name="Mine")
        mine.add_annotation(document_id=doc, start=0, end=3, tag_id=tag.id, annotator="me")
        with open_colleague(path) as colleague:
            assert colleague.store.annotation_count() == 1
        mine.add_annotation(document_id=doc, start=4, end=7, tag_id=tag.id, annotator="me")
    with Store.open(path, read_only=True) as reopened:
        assert reopened.annotation_count() == 2


def test_older_colleague_file_is_upgraded_in_the_copy_only(tmp_path):
    theirs = tmp_path / "old.annotator"
    shutil.copy(os.path.join(DATA, "project-v1.annotator"), theirs)
    before = folder_digests(tmp_path)
    with open_colleague(theirs) as colleague:
        assert colleague.store.schema_version() == migrations.SCHEMA_VERSION
        assert colleague.store.adjudications() == []
    assert folder_digests(tmp_path) == before
    assert (
        sqlite3.connect(f"file:{theirs}?mode=ro", uri=True).execute("PRAGMA user_version").fetchone()[0] == 1
    )


def test_newer_colleague_file_is_refused_untouched(files):
    _, theirs = files
    conn = sqlite3.connect(theirs)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = folder_digests(theirs.parent)
    with pytest.raises(ProjectError, match="newer version"):
        open_colleague(theirs)
    assert folder_digests(theirs.parent) == before


@pytest.mark.parametrize(
    "content, message",
    [
        (b"hello, not a database", "not a SQLite database"),
        (b"", "not a SQLite database"),
    ],
)
def test_a_file_that_is_not_a_project_is_refused(tmp_path, content, message):
    path = tmp_path / "x.annotator"
    path.write_bytes(content)
    with pytest.raises(ProjectError, match=message):
        open_colleague(path)
    assert listing(tmp_path) == ["x.annotator"] and path.read_bytes() == content


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(ProjectError, match="no such project file"):
        open_colleague(tmp_path / "nope.annotator")


def test_a_file_whose_last_write_was_cut_short_is_read_as_before_that_write(tmp_path):
    """A crash mid-transaction leaves a hot -journal; a read-only connection cannot roll it back."""
    live = make_project(tmp_path / "live.annotator", "ben", [("Ben", "Ben", "speaker")])
    writer = sqlite3.connect(live)
    writer.execute("PRAGMA cache_size = 1")  # spill to the file so the journal is needed
    writer.execute("BEGIN")
    writer.execute("UPDATE documents SET title = 'half-written'")
    writer.execute("CREATE TABLE filler (x)")
    writer.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,)] * 2000)
    folder = tmp_path / "drive"
    folder.mkdir()
    shutil.copy(live, folder / "ben.annotator")  # what the crash left on disk
    shutil.copy(f"{live}-journal", folder / "ben.annotator-journal")
    writer.rollback()
    writer.close()
    before = folder_digests(folder)
    with open_colleague(folder / "ben.annotator") as colleague:
        assert [d.title for d in colleague.store.documents()] == ["talk"]
        assert colleague.store.annotation_count() == 1 and colleague.store.integrity_ok()
    assert folder_digests(folder) == before


# -- copies a killed review or merge left in the temporary folder --------------------------------


@pytest.fixture
def private_temp(tmp_path, monkeypatch):
    """A temporary folder of the test's own, so other runs' copies are never looked at."""
    import tempfile

    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _pid_of_a_finished_process() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_copy_folder_is_named_with_the_owning_process(files, private_temp):
    _, theirs = files
    with open_colleague(theirs) as colleague:
        assert colleague.folder.parent == private_temp
        assert colleague.folder.name.startswith(f"annotator-review-{os.getpid()}-")


def test_a_killed_merge_leaves_its_copy_and_the_next_review_removes_it(files, private_temp):
    ours, theirs = files
    script = (
        "import os, signal, sys, tempfile\n"
        f"tempfile.tempdir = {str(private_temp)!r}\n"
        "from annotator.review.loading import open_colleague\n"
        "colleague = open_colleague(sys.argv[1])\n"
        "print(colleague.folder, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(theirs)], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == -9, done.stderr
    left = Path(done.stdout.strip())
    assert left.parent == private_temp and (left / "colleague.annotator").is_file()  # a whole copy, left
    with Store.open(ours) as store:
        merge_files(store, [theirs])
    assert not left.exists()
    assert list(private_temp.iterdir()) == []  # and the merge's own copy went when it closed


def test_only_our_stale_copy_folders_are_removed(private_temp):
    import time

    from annotator.review.loading import STALE_SECONDS, clean_stale_copies

    def folder(name: str, age: float = 0) -> Path:
        path = private_temp / name
        path.mkdir()
        (path / "colleague.annotator").write_bytes(b"x")
        stamp = time.time() - age
        os.utime(path, (stamp, stamp))
        return path

    dead = folder(f"annotator-review-{_pid_of_a_finished_process()}-abcd_123")
    running = folder(f"annotator-review-{os.getppid()}-efgh4567", age=3 * STALE_SECONDS)  # however old
    ours = folder(f"annotator-review-{os.getpid()}-ijkl8901")
    old_unnamed = folder("annotator-review-mnop2345", age=2 * STALE_SECONDS)  # from an older version
    new_unnamed = folder("annotator-review-qrst6789")
    not_ours = folder("annotator-review-notes-of-mine", age=3 * STALE_SECONDS)
    a_file = private_temp / "annotator-review-1-uvwx0123"
    a_file.write_bytes(b"keep")
    target = folder("elsewhere")
    link = private_temp / f"annotator-review-{_pid_of_a_finished_process()}-link0000"
    link.symlink_to(target)

    assert sorted(clean_stale_copies()) == sorted([dead, old_unnamed])
    assert not dead.exists() and not old_unnamed.exists()
    for kept in (running, ours, new_unnamed, not_ours, a_file, link, target / "colleague.annotator"):
        assert kept.exists()

"""Two processes writing to one project at once: no lost writes, no "database is locked".

Both children wait on their standard input until the test releases them
together, then write as fast as they can: single annotations (each its own
transaction, as in the window) and batches (as an import or a merge does).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from annotator.model import ImportedDocument, TagKind
from annotator.store import Store

REPO = Path(__file__).resolve().parent.parent

WRITER = """
    import sys
    from annotator.model import Annotation, new_id, utc_now
    from annotator.store import Store
    project, document_id, tag_id, who = sys.argv[1:5]
    store = Store.open(project)
    print("READY", flush=True)
    sys.stdin.readline()
    for i in range(150):
        a = store.add_annotation(document_id=document_id, start=i, end=i + 2, tag_id=tag_id, annotator=who)
        print(a.id, flush=True)
        if i % 25 == 0:
            now = utc_now()
            batch = [Annotation(new_id(), document_id, j, j + 1, tag_id, who, None, now, now) for j in range(20)]
            store.insert_annotations(batch)
            for b in batch:
                print(b.id, flush=True)
    store.close()
"""


def test_two_writers_lose_nothing(project_path):
    with Store.create(project_path) as store:
        doc = store.add_document(ImportedDocument(title="t", text="x" * 500), annotator="a")
        tag = store.add_tag(kind=TagKind.THEME, name="Joy")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    children = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(WRITER), str(project_path), doc.document_id, tag.id, who],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for who in ("ana", "ben")
    ]
    try:
        for child in children:
            assert child.stdout.readline().strip() == "READY"
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        outputs = [child.communicate(timeout=120) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait(timeout=60)
    for child, (_, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        assert "locked" not in err
    confirmed = {line for out, _ in outputs for line in out.split()}
    assert len(confirmed) == 2 * (150 + 6 * 20)
    with Store.open(project_path) as store:
        assert store.integrity_ok()
        stored = {a.id for a in store.annotations_for_document(doc.document_id)}
        assert store.annotators() == ["ana", "ben"]
    assert stored == confirmed


def _impatient_writer(path: Path) -> sqlite3.Connection:
    """A second connection that does not wait for the write lock (busy timeout 0)."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=0)
    conn.execute("PRAGMA busy_timeout = 0")
    return conn


def test_a_transaction_that_reads_first_holds_the_write_lock_from_its_start(project_path):
    """Deferred, another process's commit between our read and our write would fail our write
    at once with "database is locked"; with the lock taken at BEGIN, the other one waits instead."""
    with Store.create(project_path) as store:
        doc = store.add_document(ImportedDocument(title="t", text="some text"), annotator="a")
        other = _impatient_writer(project_path)
        try:
            with store.db.atomic():
                assert store.document_count() == 1  # the read that used to come first
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("INSERT INTO project(key, value) VALUES ('x', '1')")
                tag = store.add_tag(kind=TagKind.THEME, name="Joy")  # our write goes through
                store.add_annotation(
                    document_id=doc.document_id, start=0, end=4, tag_id=tag.id, annotator="a"
                )
            other.execute("INSERT INTO project(key, value) VALUES ('x', '1')")  # now it may
        finally:
            other.close()
        assert [a.start for a in store.annotations_for_document(doc.document_id)] == [0]
        assert store.get_meta("x") == 1


def test_a_merge_waits_for_another_writer_instead_of_failing(project_path, tmp_path):
    """The merge reads both files before its first write; another writer committing meanwhile
    must neither break it nor be lost."""
    from annotator.review.merge import merge_files

    colleague = tmp_path / "colleague.annotator"
    with Store.create(colleague) as theirs:
        doc = theirs.add_document(ImportedDocument(title="t", text="shared text"), annotator="ben")
        tag = theirs.add_tag(kind=TagKind.THEME, name="Joy")
        theirs.add_annotation(document_id=doc.document_id, start=0, end=6, tag_id=tag.id, annotator="ben")
    Store.create(project_path).close()
    with Store.open(project_path) as ours:
        other = _impatient_writer(project_path)
        original = ours.document_ids_by_sha
        refused = []

        def read_then_let_another_writer_try():
            found = original()
            try:
                other.execute("INSERT INTO project(key, value) VALUES ('x', '1')")
            except sqlite3.OperationalError as exc:
                refused.append(str(exc))
            return found

        ours.document_ids_by_sha = read_then_let_another_writer_try
        try:
            report = merge_files(ours, [colleague])
        finally:
            other.close()
        assert refused and "locked" in refused[0]
        assert (report.documents, report.tags, report.annotations) == (1, 1, 1)
        assert report.backup is not None and report.backup.exists()

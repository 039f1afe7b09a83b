"""Kill -9 in the middle of an import, a burst of annotating, an export and a merge.

Each child process prints a marker at a chosen point inside its write and
then waits on its standard input; the test kills it with SIGKILL as soon as
it reads the marker, so the kill always lands inside the operation (no
sleeps, no races). Afterwards the project must pass ``integrity_check``,
hold every change confirmed before the kill, and nothing half-done.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from annotator.model import ImportedDocument, TagKind
from annotator.store import Store

REPO = Path(__file__).resolve().parent.parent
MARKER = "KILL-ME-NOW"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def run_until_marker(script: str, *args: str) -> list[str]:
    """Run ``script`` in a child, SIGKILL it when it prints MARKER; return the lines before it."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines = []
    try:
        for line in child.stdout:
            if line.strip() == MARKER:
                break
            lines.append(line.strip())
        else:
            child.wait(timeout=60)
            pytest.fail(f"child ended without reaching the marker: {child.stderr.read()}")
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=60)
        for stream in (child.stdin, child.stdout, child.stderr):
            stream.close()
    return lines


def integrity(path: Path) -> str:
    with Store.open(path, read_only=True) as store:
        return store.db.conn.execute("PRAGMA integrity_check").fetchone()[0]


def write_corpus(folder: Path, count: int) -> dict[str, str]:
    """``count`` distinct text files; returns sha256 -> text."""
    folder.mkdir()
    shas = {}
    for i in range(count):
        text = f"Interview {i}: ✓ emoji 😀 line\r\n" + f"sentence {i} " * (200 + i * 37) + "\n"
        (folder / f"doc{i:03}.txt").write_bytes(text.encode("utf-8"))
        normalised = text.replace("\r\n", "\n")
        shas[hashlib.sha256(normalised.encode("utf-8")).hexdigest()] = normalised
    return shas


IMPORT_CHILD = """
    import sys
    from pathlib import Path
    from annotator.store import Store
    from annotator.importers.batch import import_paths
    project, folder, stop_at = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    store, _ = Store.open_or_create(project)
    def progress(index, total, path):
        if index == stop_at:
            print("KILL-ME-NOW", flush=True)
            sys.stdin.readline()
    import_paths(store, [folder], annotator="crash", progress=progress)
"""


def test_import_killed_halfway_leaves_whole_documents_and_rerun_completes(tmp_path, run_cli):
    project, folder = tmp_path / "p.annotator", tmp_path / "corpus"
    shas = write_corpus(folder, 40)
    run_until_marker(IMPORT_CHILD, str(project), str(folder), "20")

    assert integrity(project) == "ok"
    with Store.open(project) as store:
        survivors = list(store.iter_documents())
        fts_rows = store.db.conn.execute("SELECT count(*) FROM documents_fts").fetchone()[0]
    assert len(survivors) < 40
    assert fts_rows == len(survivors)
    for doc in survivors:  # nothing half-imported: each stored text is a whole file
        assert shas[doc.sha256] == doc.text

    result = run_cli("import", project, folder)
    assert result.code == 0, result.err
    with Store.open(project) as store:
        docs = list(store.iter_documents())
    assert sorted(d.sha256 for d in docs) == sorted(shas)
    assert integrity(project) == "ok"


ANNOTATE_CHILD = """
    import sys
    from annotator.store import Store
    project, document_id, tag_id = sys.argv[1:4]
    store = Store.open(project)
    for i in range(30):
        a = store.add_annotation(document_id=document_id, start=i, end=i + 5, tag_id=tag_id,
                                 annotator="crash")
        print(a.id, flush=True)
    with store.db.atomic():
        store.add_annotation(document_id=document_id, start=40, end=50, tag_id=tag_id,
                             annotator="crash")
        print("KILL-ME-NOW", flush=True)
        sys.stdin.readline()
"""


def make_project(path: Path) -> tuple[str, str]:
    with Store.create(path) as store:
        doc = store.add_document(ImportedDocument(title="t", text="word 😀 " * 100), annotator="x")
        tag = store.add_tag(kind=TagKind.THEME, name="Joy")
    return doc.document_id, tag.id


def test_annotating_burst_killed_keeps_every_confirmed_annotation(tmp_path):
    project = tmp_path / "p.annotator"
    document_id, tag_id = make_project(project)
    confirmed = run_until_marker(ANNOTATE_CHILD, str(project), document_id, tag_id)
    assert len(confirmed) == 30
    assert Path(f"{project}-wal").exists()  # the kill really left a live WAL behind

    assert integrity(project) == "ok"
    with Store.open(project) as store:
        stored = {a.id: (a.start, a.end) for a in store.annotations_for_document(document_id)}
    assert set(stored) == set(confirmed)  # every confirmed one, not the unfinished one
    assert sorted(stored.values()) == [(i, i + 5) for i in range(30)]


EXPORT_CHILD = """
    import sys
    from annotator.store import Store
    from annotator.exporters import export
    project, out = sys.argv[1:3]
    store = Store.open(project, read_only=True)
    original = Store.iter_export_documents
    def slow(self, **filters):
        for n, doc in enumerate(original(self, **filters)):
            if n == 3:
                print("KILL-ME-NOW", flush=True)
                sys.stdin.readline()
            yield doc
    Store.iter_export_documents = slow
    export(store, out, format="native")
"""


def test_export_killed_halfway_leaves_no_truncated_file(tmp_path, run_cli):
    project, folder, out = tmp_path / "p.annotator", tmp_path / "corpus", tmp_path / "out" / "corpus.jsonl"
    write_corpus(folder, 8)
    assert run_cli("import", project, folder).code == 0
    out.parent.mkdir()
    run_until_marker(EXPORT_CHILD, str(project), str(out))

    assert not out.exists()
    # Only the exporter's hidden temporary file may remain; never a file under the chosen name.
    assert all(p.name.startswith(".corpus.jsonl.") for p in out.parent.iterdir())
    assert integrity(project) == "ok"
    assert any(p.name.endswith(".partial") for p in out.parent.iterdir())
    assert run_cli("export", project, out).code == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 8
    # The next export to that name removed what the killed one left.
    assert [p.name for p in out.parent.iterdir()] == ["corpus.jsonl"]


MERGE_CHILD = """
    import sys
    from annotator.store import Store
    from annotator.review.merge import merge_files
    project, other = sys.argv[1:3]
    store = Store.open(project)
    original = Store.copy_new_annotations
    def paused(self, *args):
        copied = original(self, *args)
        print("KILL-ME-NOW", flush=True)
        sys.stdin.readline()
        return copied
    Store.copy_new_annotations = paused
    merge_files(store, [other], backup=False)
"""


def test_merge_killed_halfway_changes_nothing_and_rerun_completes(tmp_path, run_cli):
    ours, theirs = tmp_path / "ours.annotator", tmp_path / "theirs.annotator"
    document_id, tag_id = make_project(ours)
    with Store.create(theirs) as store:
        store.add_document(ImportedDocument(title="t", text="word 😀 " * 100), annotator="x")
        store.add_document(ImportedDocument(title="new", text="only theirs"), annotator="x")
        their_tag = store.add_tag(kind=TagKind.THEME, name="Anger")
        their_doc = store.document_by_sha256(hashlib.sha256(("word 😀 " * 100).encode("utf-8")).hexdigest())
        for i in range(10):
            store.add_annotation(
                document_id=their_doc.id, start=i, end=i + 3, tag_id=their_tag.id, annotator="colleague"
            )
    theirs_hash = hashlib.sha256(theirs.read_bytes()).hexdigest()
    run_until_marker(MERGE_CHILD, str(ours), str(theirs))

    assert integrity(ours) == "ok"
    with Store.open(ours) as store:  # the merge was one transaction: none of it is visible
        assert store.document_count() == 1
        assert [t.name for t in store.tags()] == ["Joy"]
        assert store.annotation_count() == 0
    assert hashlib.sha256(theirs.read_bytes()).hexdigest() == theirs_hash

    assert run_cli("merge", ours, theirs).code == 0
    assert run_cli("merge", ours, theirs).code == 0  # twice: nothing duplicated
    with Store.open(ours) as store:
        assert store.document_count() == 2
        assert sorted(t.name for t in store.tags()) == ["Anger", "Joy"]
        assert store.annotation_count() == 10


CREATE_CHILD = """
    import sys
    from pathlib import Path
    from annotator import migrations
    from annotator.store import Store
    step = migrations.migrations._migrations[-1]
    def stop(db):
        print("KILL-ME-NOW", flush=True)
        sys.stdin.readline()
    migrations.migrations._migrations[-1] = step._replace(fn=stop)
    Store.create(Path(sys.argv[1]))
"""


def test_create_killed_halfway_leaves_nothing_at_the_target_and_rerun_completes(tmp_path):
    project = tmp_path / "new.annotator"
    run_until_marker(CREATE_CHILD, str(project))
    assert not project.exists()
    with Store.create(project) as store:
        assert store.get_meta("name") == "new"
    assert integrity(project) == "ok"
    assert not [p.name for p in tmp_path.iterdir() if ".creating" in p.name]


def test_create_failing_in_a_schema_step_leaves_nothing_and_rerun_completes(tmp_path, monkeypatch):
    from annotator import migrations
    from annotator.errors import ProjectError

    project = tmp_path / "new.annotator"
    steps = migrations.migrations._migrations
    real = steps[-1]

    def fail(db):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(migrations.migrations, "_migrations", [*steps[:-1], real._replace(fn=fail)])
    with pytest.raises(ProjectError, match="cannot create project"):
        Store.create(project)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(migrations.migrations, "_migrations", steps)
    with Store.create(project) as store:
        assert store.schema_version() == migrations.SCHEMA_VERSION
        assert store.get_meta("created_by_version")
    with Store.open(project) as store:
        assert store.get_meta("name") == "new"

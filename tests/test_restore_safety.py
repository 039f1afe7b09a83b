"""Restoring a backup never leaves another program writing to a replaced file, nor installs a damaged one.

A program that has the project open keeps a descriptor of the file; had the
restore renamed a backup over it, that program's later saves would go into
the replaced (unlinked) file and be lost without a word. So a restore is
refused while any connection, of this process or another, has the project
open, and the project is held exclusively from the snapshot of its current
state until the backup is in place.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from annotator import backup
from annotator.errors import ProjectError
from annotator.model import ImportedDocument, TagKind
from annotator.store import Store

REPO = Path(__file__).resolve().parent.parent

HOLDER = """
    import sys
    from annotator.model import TagKind
    from annotator.store import Store
    store = Store.open(sys.argv[1])
    print("READY", flush=True)
    sys.stdin.readline()
    store.add_tag(kind=TagKind.THEME, name="Written later")
    store.close()
    print("WROTE", flush=True)
"""


def make(path: Path, tags=("Joy",)) -> None:
    with Store.create(path) as store:
        store.add_document(ImportedDocument(title="t", text="hello world"), annotator="a")
        for name in tags:
            store.add_tag(kind=TagKind.THEME, name=name)


def tag_names(path: Path) -> list[str]:
    with Store.open(path, read_only=True) as store:
        return sorted(t.name for t in store.tags())


@pytest.fixture
def project_with_backup(tmp_path) -> tuple[Path, Path]:
    project = tmp_path / "p.annotator"
    make(project)
    taken = backup.make_backup(project)
    with Store.open(project) as store:
        store.add_tag(kind=TagKind.THEME, name="Anger")
    return project, taken.path


class Holder:
    """Another program with the project open: a child that opens a Store and waits."""

    def __init__(self, project: Path):
        self.child = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(HOLDER), str(project)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ, PYTHONPATH=str(REPO)),
        )
        assert self.child.stdout.readline().strip() == "READY", self.child.stderr.read()

    def write_and_close(self) -> None:
        self.child.stdin.write("\n")
        self.child.stdin.flush()
        assert self.child.stdout.readline().strip() == "WROTE", self.child.stderr.read()
        assert self.child.wait(timeout=60) == 0

    def kill(self) -> None:
        if self.child.poll() is None:
            self.child.kill()
            self.child.wait(timeout=60)
        for stream in (self.child.stdin, self.child.stdout, self.child.stderr):
            stream.close()


def test_restore_is_refused_while_another_program_has_the_project_open(project_with_backup, run_cli):
    project, taken = project_with_backup
    holder = Holder(project)
    try:
        result = run_cli("restore", project, taken)
        assert result.code == 1
        assert "close it everywhere first" in result.err
        assert len(result.err.strip().splitlines()) == 1
        with pytest.raises(ProjectError, match="close it everywhere first"):
            backup.restore_backup(project, taken)
        holder.write_and_close()  # its later write lands in the project, not in a replaced file
    finally:
        holder.kill()
    assert tag_names(project) == ["Anger", "Joy", "Written later"]
    assert len(backup.list_backups(project)) == 1  # nothing was snapshotted for a refused restore
    backup.restore_backup(project, taken)  # closed everywhere: now it restores
    assert tag_names(project) == ["Joy"]


def test_restore_is_refused_while_this_program_has_the_project_open(project_with_backup):
    project, taken = project_with_backup
    with Store.open(project, read_only=True):
        with pytest.raises(ProjectError, match="close it everywhere first"):
            backup.restore_backup(project, taken)
    assert tag_names(project) == ["Anger", "Joy"]


def test_the_project_is_held_exclusively_through_the_swap(project_with_backup, monkeypatch):
    """A program opening the project while the backup is renamed over it waits: it cannot read it."""
    project, taken = project_with_backup
    seen = []
    real_replace = os.replace

    def replace_and_look(source, target):
        if Path(target) == project:
            probe = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                    "c.execute('PRAGMA busy_timeout = 0'); c.execute('SELECT count(*) FROM tags')",
                    str(project),
                ],
                capture_output=True,
                text=True,
            )
            seen.append(probe.stderr)
        real_replace(source, target)

    monkeypatch.setattr(backup.os, "replace", replace_and_look)
    saved = backup.restore_backup(project, taken)
    assert len(seen) == 1 and "database is locked" in seen[0]
    assert tag_names(project) == ["Joy"]
    assert saved is not None and tag_names(saved.path) == ["Anger", "Joy"]


def damage_an_index(path: Path) -> None:
    """An index that no longer matches its table, which ``quick_check`` does not see."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "UPDATE sqlite_master SET sql = replace(sql, 'ON documents(id, title', 'ON documents(id, sha256') "
        "WHERE name = 'documents_summary'"
    )
    conn.commit()
    conn.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok"
    conn.close()


def test_restore_refuses_a_backup_that_fails_the_full_integrity_check(project_with_backup, run_cli):
    project, taken = project_with_backup
    damage_an_index(taken)
    result = run_cli("restore", project, taken)
    assert result.code == 1
    assert "damaged backup" in result.err and len(result.err.strip().splitlines()) == 1
    assert tag_names(project) == ["Anger", "Joy"]

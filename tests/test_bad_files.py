"""Files that are not what they should be: each gives one clear line, and nothing is written.

"Nothing is written" is checked for real: the file's SHA-256 and the list of
files in its folder are the same before and after.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from annotator.errors import ProjectError
from annotator.model import ImportedDocument, TagKind
from annotator.store import Store

REPO = Path(__file__).resolve().parent.parent


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


def make_project(path: Path, documents: int = 30) -> None:
    with Store.create(path) as store:
        tag = store.add_tag(kind=TagKind.THEME, name="Joy")
        for i in range(documents):
            doc = store.add_document(ImportedDocument(title=f"d{i}", text=f"text {i} " * 500), annotator="a")
            store.add_annotation(document_id=doc.document_id, start=0, end=4, tag_id=tag.id, annotator="a")


def refused(run_cli, path: Path, *commands: tuple[str, ...]) -> list[str]:
    """Run each command on ``path``; each must fail with one line and change no file."""
    before = snapshot(path.parent)
    messages = []
    for command in commands:
        result = run_cli(*command, path)
        assert result.code == 1, result
        assert result.err.count("\n") == 1 and "Traceback" not in result.err
        messages.append(result.err)
    assert snapshot(path.parent) == before
    return messages


def tags_add(run_cli, path: Path):
    return run_cli("tags", "add", path, "New", "--kind", "theme")


@pytest.mark.parametrize("content", [b"hello, this is a text file\n", b"", b"PK\x03\x04" + bytes(200)])
def test_file_that_is_not_sqlite(tmp_path, run_cli, content):
    path = tmp_path / "p.annotator"
    path.write_bytes(content)
    for err in refused(run_cli, path, ("stats",), ("check",)):
        assert "not an Annotator project" in err or "damaged" in err or "not a SQLite" in err
    assert tags_add(run_cli, path).code == 1 and path.read_bytes() == content


def test_truncated_project(tmp_path, run_cli):
    full, path = tmp_path / "full.annotator", tmp_path / "p.annotator"
    make_project(full)
    path.write_bytes(full.read_bytes()[: full.stat().st_size // 3])
    for err in refused(run_cli, path, ("stats",), ("check",)):
        assert "damaged" in err
    before = snapshot(tmp_path)
    assert tags_add(run_cli, path).code == 1
    assert snapshot(tmp_path) == before


def test_corrupted_pages_are_refused_before_any_write(tmp_path, run_cli):
    path = tmp_path / "p.annotator"
    make_project(path)
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 5 : page * 9] = b"\xa5" * (page * 4)  # overwrite four pages in the middle
    path.write_bytes(bytes(data))
    before = snapshot(tmp_path)
    result = tags_add(run_cli, path)
    assert result.code == 1 and "damaged project file" in result.err
    assert "***" not in result.err and "\\x0a" not in result.err  # SQLite's lines made one readable line
    checked = run_cli("check", path)
    assert checked.code == 1 and "***" not in checked.err and "\\x0a" not in checked.err
    assert snapshot(tmp_path) == before


def test_project_from_a_newer_version(tmp_path, run_cli):
    path = tmp_path / "p.annotator"
    make_project(path, documents=1)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    before = snapshot(tmp_path)
    result = tags_add(run_cli, path)
    assert result.code == 1 and "newer version" in result.err
    assert snapshot(tmp_path) == before


def test_wal_without_its_shm_is_recovered_in_a_writable_folder(tmp_path):
    """A copy of a project taken while it was open: the -wal came along, the -shm did not."""
    source, path = tmp_path / "live.annotator", tmp_path / "copy" / "p.annotator"
    make_project(source, documents=2)
    live = Store.open(source)  # keep it open so the -wal is not folded back in
    tag = live.tags()[0]
    doc = live.documents()[0]
    added = live.add_annotation(document_id=doc.id, start=5, end=9, tag_id=tag.id, annotator="b")
    path.parent.mkdir()
    shutil.copy(source, path)
    shutil.copy(f"{source}-wal", f"{path}-wal")
    live.close()
    assert not Path(f"{path}-shm").exists()
    with Store.open(path) as store:
        assert store.annotation(added.id).start == 5
        assert store.integrity_ok()


def as_unprivileged(args: list[str], folder: Path) -> subprocess.CompletedProcess:
    """Run the command line in a child process, in ``folder``."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "annotator", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=folder,
    )


@pytest.fixture
def shared_folder():
    """A folder others may read (pytest's tmp_path is private to its owner)."""
    folder = Path(tempfile.mkdtemp(prefix="annotator-ro-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def write_protected(path: Path, *, mode: int):
    """Make ``path`` unwritable for this process: by its mode, or as root (whom modes do not stop)
    by the immutable attribute; skip when neither is possible. Restored on exit."""
    if os.geteuid() != 0:
        original = path.stat().st_mode & 0o777
        path.chmod(mode)
        try:
            yield
        finally:
            path.chmod(original)
        return
    if (
        shutil.which("chattr") is None
        or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0
    ):
        pytest.skip(
            "running as root where the immutable attribute cannot be set: nothing is read-only to root"
        )
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.mark.parametrize("read_only_part", ["file", "folder"])
def test_read_only_file_or_folder_opens_for_reading(shared_folder, read_only_part, monkeypatch):
    folder = shared_folder / "data"
    folder.mkdir()
    path = folder / "p.annotator"
    make_project(path, documents=2)
    for var in ("ANNOTATOR_DATA_DIR", "ANNOTATOR_CONFIG_DIR"):
        monkeypatch.setenv(var, str(shared_folder / var))  # unreachable for the user: no settings
    before = snapshot(folder)
    protected, mode = (path, 0o444) if read_only_part == "file" else (folder, 0o555)
    with write_protected(protected, mode=mode):
        reading = as_unprivileged(["documents", str(path)], folder)
        writing = as_unprivileged(["tags", "add", str(path), "New", "--kind", "theme"], folder)
        checking = as_unprivileged(["check", str(path)], folder)
    assert reading.returncode == 0, reading.stderr
    assert checking.returncode == 0 and "ok — 2 document(s)" in checking.stdout, checking.stderr
    assert "d0" in reading.stdout and "d1" in reading.stdout
    assert writing.returncode == 1
    assert "read-only" in writing.stderr and writing.stderr.count("\n") == 1
    assert snapshot(folder) == before


def test_read_only_store_carries_a_notice(tmp_path, monkeypatch):
    path = tmp_path / "p.annotator"
    make_project(path, documents=1)
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != path)
    with Store.open(path) as store:
        assert store.read_only
        assert store.read_only_reason.startswith("p.annotator is read-only")


def test_wal_without_its_shm_in_a_read_only_folder_is_explained_and_left_alone(shared_folder, monkeypatch):
    """SQLite cannot read a -wal log without creating its -shm index; where it may not, say so."""
    source, folder = shared_folder / "live.annotator", shared_folder / "received"
    make_project(source, documents=2)
    live = Store.open(source)  # keep it open so the -wal is not folded back in
    live.add_annotation(
        document_id=live.documents()[0].id, start=5, end=9, tag_id=live.tags()[0].id, annotator="b"
    )
    folder.mkdir()
    path = folder / "p.annotator"
    shutil.copy(source, path)
    shutil.copy(f"{source}-wal", f"{path}-wal")
    live.close()
    for var in ("ANNOTATOR_DATA_DIR", "ANNOTATOR_CONFIG_DIR"):
        monkeypatch.setenv(var, str(shared_folder / var))
    before = snapshot(folder)
    with write_protected(folder, mode=0o555):
        result = as_unprivileged(["documents", str(path)], folder)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert "'-wal' file but no '-shm' file" in result.stderr and "folder is read-only" in result.stderr
    assert snapshot(folder) == before
    assert not Path(f"{path}-shm").exists()


def _project_with_documents(path: Path) -> None:
    with Store.create(path) as store:
        for i in range(5):
            store.add_document(ImportedDocument(title=f"t{i}", text=f"text {i}"), annotator="a")


def test_an_index_that_disagrees_with_its_table_is_refused_for_writing(tmp_path):
    """``quick_check`` passes such a file; the full check run on files of usual size does not."""

    project = tmp_path / "p.annotator"
    _project_with_documents(project)
    conn = sqlite3.connect(project)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "UPDATE sqlite_master SET sql = replace(sql, 'ON documents(id, title', 'ON documents(id, sha256') "
        "WHERE name = 'documents_summary'"
    )
    conn.commit()
    conn.close()
    with pytest.raises(ProjectError, match="damaged project file.*documents_summary"):
        Store.open(project)
    with Store.open(project, read_only=True) as store:  # it can still be read (to export what it holds)
        assert len(store.documents()) == 5


def test_a_big_file_whose_index_misses_rows_is_refused_for_writing(tmp_path, monkeypatch):
    """Above the full check's size, every index's entries are counted against its table's rows."""

    from annotator.store import connection

    project = tmp_path / "p.annotator"
    _project_with_documents(project)
    conn = sqlite3.connect(project)
    conn.execute("PRAGMA writable_schema = ON")
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'documents_position'").fetchone()[0]
    conn.execute(  # while the index leaves a row out, one such row is added; then it is whole again
        "UPDATE sqlite_master SET sql = sql || ' WHERE title != ''t9''' WHERE name = 'documents_position'"
    )
    conn.commit()
    conn.close()
    with Store.open(project) as store:
        store.add_document(ImportedDocument(title="t9", text="text 9"), annotator="a")
    conn = sqlite3.connect(project)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'documents_position'", [sql])
    conn.commit()
    conn.close()
    conn = sqlite3.connect(project)
    assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    conn.close()
    monkeypatch.setattr(connection, "FULL_CHECK_MAX_BYTES", 0)
    with pytest.raises(ProjectError, match="index documents_position has 5 entries for 6 rows"):
        Store.open(project)

"""annotator._sqlite: a thin Database that loads sqlite-utils only for writes and migrations."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys

import pytest

from annotator import migrations
from annotator._sqlite import Database, Migrations
from annotator.store import Store
from tests.conftest import REPO

DATA = REPO / "tests" / "data"
OLD_PROJECTS = sorted(DATA.glob("project-v*.annotator"))


def _sqlite_utils_pending(db: Database) -> list[str]:
    from sqlite_utils.migrations import Migrations as SqliteUtilsMigrations

    steps = SqliteUtilsMigrations("annotator")
    for step in migrations.migrations._migrations:
        steps(name=step.name)(step.fn)
    return [step.name for step in steps.pending(db.sqlite_utils)]


@pytest.mark.parametrize("source", OLD_PROJECTS, ids=lambda p: p.name)
def test_pending_steps_read_with_plain_sql_are_sqlite_utils_own(tmp_path, source):
    copy = tmp_path / source.name
    shutil.copy(source, copy)
    db = Database(sqlite3.connect(copy))
    try:
        pending = migrations.pending_names(db)
        assert pending and pending == _sqlite_utils_pending(db)
        migrations.apply_all(db)
        assert migrations.pending_names(db) == [] == _sqlite_utils_pending(db)
        assert migrations.migrations.applied_names(db) == [s.name for s in migrations.migrations._migrations]
    finally:
        db.close()


def test_a_database_without_the_steps_table_needs_them_all():
    db = Database(memory=True)
    assert migrations.pending_names(db) == [s.name for s in migrations.migrations._migrations]
    assert _sqlite_utils_pending(db) == migrations.pending_names(db)


def test_steps_of_another_set_do_not_count():
    db = Database(memory=True)
    other = Migrations("other")

    @other(name="m001_initial")
    def make(db):
        db.execute("CREATE TABLE t (a)")

    other.apply(db)
    assert other.pending(db) == []
    assert migrations.pending_names(db)[0] == "m001_initial"
    with pytest.raises(ValueError, match="already registered"):
        other(name="m001_initial")(make)


def test_a_step_that_fails_is_rolled_back_and_stays_pending():
    db = Database(memory=True)
    steps = Migrations("s")

    @steps(name="ok")
    def ok(db):
        db.execute("CREATE TABLE a (x)")

    @steps(name="broken")
    def broken(db):
        db.execute("CREATE TABLE b (x)")
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        steps.apply(db)
    assert [s.name for s in steps.pending(db)] == ["broken"]
    assert "b" not in db.table_names()


def test_the_connection_has_recursive_triggers_like_sqlite_utils_gives():
    assert Database(memory=True).conn.execute("PRAGMA recursive_triggers").fetchone()[0] == 1


def test_writes_through_sqlite_utils_take_the_write_lock_at_once():
    db = Database(memory=True)
    statements = []
    db.conn.set_trace_callback(statements.append)
    db["t"].insert({"a": 1})  # sqlite-utils' own table code, on the same connection
    with db.atomic():
        with db.atomic():
            db.execute("INSERT INTO t VALUES (2)")
    assert "BEGIN" not in statements and statements.count("BEGIN IMMEDIATE") >= 2
    assert any(s.startswith("SAVEPOINT") for s in statements)
    assert [r[0] for r in db.conn.execute("SELECT a FROM t")] == [1, 2]


def test_an_atomic_block_that_raises_is_rolled_back():
    db = Database(memory=True)
    db.conn.execute("CREATE TABLE t (a)")
    with pytest.raises(ZeroDivisionError), db.atomic():
        db.conn.execute("INSERT INTO t VALUES (1)")
        raise ZeroDivisionError
    assert db.conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    assert not db.conn.in_transaction


def test_reading_a_project_never_imports_sqlite_utils_and_a_write_does(tmp_path):
    project = tmp_path / "p.annotator"
    Store.create(project).close()
    script = (
        "import sys\n"
        "from annotator.store import Store\n"
        f"store = Store.open({str(project)!r})\n"
        "store.tags(); store.documents(); store.annotation_count(); store.get_meta('name')\n"
        "print('sqlite_utils' in sys.modules)\n"
        "store.set_meta('note', 'written')\n"
        "print('sqlite_utils' in sys.modules)\n"
        "store.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert done.stdout.split() == ["False", "True"]
    with Store.open(project) as store:
        assert store.get_meta("note") == "written"


def test_a_plain_attribute_that_neither_has_is_an_attribute_error():
    db = Database(memory=True)
    with pytest.raises(AttributeError):
        db.no_such_thing  # noqa: B018
    with pytest.raises(ValueError):
        Database()

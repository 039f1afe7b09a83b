"""Ctrl+C ends any command cleanly: one line, exit 130, the open transaction rolled back.

Python runs a signal handler only between bytecodes, never while the main
thread is inside one long SQLite statement; so the command line's handler
sets a flag that every connection's progress handler reads. The end-to-end
tests run the real ``main()`` in a child process, with the merge replaced
by work that never ends (one endless SQL statement inside the merge's write
transaction, or a Python loop), and send SIGINT once the child says it is
inside that work; every wait is bounded by a timeout.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from review_helpers import make_pair

from annotator.store import Store
from annotator.store.connection import (
    INTERRUPT_CHECK_STEPS,
    clear_interrupt,
    connect,
    interrupt_requested,
    request_interrupt,
)

REPO = Path(__file__).resolve().parent.parent
ENDLESS = "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT count(*) FROM r"

#: The child: ``annotator merge`` whose merge takes the write lock, adds a tag, says "ready" from
#: inside the endless work, and never ends by itself.
CHILD = (
    textwrap.dedent("""
    import sys
    from annotator.cli import main, review_cmds

    def ready():
        print("ready", flush=True)
        return 1

    def endless_merge(store, others):
        with store.db.atomic():
            store.add_tag(kind="theme", name="Half-merged")
            if sys.argv[1] == "sql":
                store.db.conn.create_function("ready", 0, ready)
                store.db.conn.execute("SELECT ready() + (%s)").fetchone()
            else:
                ready()
                while True:
                    pass

    review_cmds.merge_files = endless_merge
    sys.exit(main(["merge", *sys.argv[2:]]))
""")
    % ENDLESS
)


@pytest.fixture(autouse=True)
def no_interrupt_left_behind():
    yield
    clear_interrupt()


def interrupted_merge(tmp_path: Path, work: str) -> subprocess.CompletedProcess:
    """Run the child, wait (bounded) for "ready", send SIGINT, and collect what it printed."""
    ours, theirs = make_pair(tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, work, str(ours), str(theirs)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = child.stdout.readline()  # the child prints it, or exits and closes the pipe
        assert ready == "ready\n", child.communicate(timeout=30)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    return subprocess.CompletedProcess(child.args, child.returncode, ready + out, err)


@pytest.mark.parametrize("work", ["sql", "python"])
def test_ctrl_c_ends_the_command_in_one_line_and_rolls_back(tmp_path, work):
    done = interrupted_merge(tmp_path, work)
    assert done.returncode == 130
    assert done.stderr == "annotator: interrupted; nothing was changed\n"
    ours = tmp_path / "ours.annotator"
    with Store.open(ours) as store:
        assert store.find_tag("theme", "Half-merged") is None  # the open transaction was rolled back
        assert store.integrity_ok()
    with Store.open(ours) as store, store.db.atomic():  # and nobody holds the write lock any more
        store.add_tag(kind="theme", name="Afterwards")


def test_an_interrupt_ends_a_long_statement_of_every_connection(tmp_path):
    conn = connect(str(tmp_path / "x.db"))
    try:
        assert conn.execute(
            "SELECT count(*) FROM (WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
            f"FROM r LIMIT {10 * INTERRUPT_CHECK_STEPS}) SELECT x FROM r)"
        ).fetchone() == (
            10 * INTERRUPT_CHECK_STEPS,
        )  # long statements run to the end while nobody interrupts
        request_interrupt()
        with pytest.raises(sqlite3.OperationalError, match="interrupted"):
            conn.execute(ENDLESS).fetchone()
        clear_interrupt()
        assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        conn.close()


def test_a_project_connection_is_interrupted_too(store):
    request_interrupt()
    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        store.db.conn.execute(ENDLESS).fetchone()


def test_an_interrupted_statement_in_process_gives_the_same_line_and_clears_the_flag(
    files_pair, run_cli, monkeypatch
):
    """What the signal handler does (the flag), then SQLite's "interrupted" wrapped in our own error."""
    ours, theirs = files_pair
    from annotator.cli import review_cmds

    def merge_then_interrupted(store, others):
        request_interrupt()
        store.db.conn.execute(ENDLESS).fetchone()

    monkeypatch.setattr(review_cmds, "merge_files", merge_then_interrupted)
    result = run_cli("merge", ours, theirs)
    assert (result.code, result.err) == (130, "annotator: interrupted; nothing was changed\n")
    assert not interrupt_requested()
    with Store.open(ours) as store:
        assert store.db.conn.execute("SELECT 1").fetchone() == (1,)


def test_sqlite_interrupted_alone_is_said_the_same_way(files_pair, run_cli, monkeypatch):
    ours, theirs = files_pair
    from annotator.cli import review_cmds

    def interrupted_elsewhere(store, others):  # as if another thread stopped it: no flag, SQLite's error
        store.db.conn.create_function("stop", 0, lambda: store.db.conn.interrupt() or 0)
        store.db.conn.execute(f"SELECT stop() + ({ENDLESS})").fetchone()

    monkeypatch.setattr(review_cmds, "merge_files", interrupted_elsewhere)
    result = run_cli("merge", ours, theirs)
    assert (result.code, result.err) == (130, "annotator: interrupted; nothing was changed\n")


def test_the_previous_sigint_handler_is_back_after_a_command(files_pair, run_cli):
    before = signal.getsignal(signal.SIGINT)
    ours, _ = files_pair
    assert run_cli("check", ours).code == 0
    assert signal.getsignal(signal.SIGINT) is before


@pytest.fixture
def files_pair(tmp_path):
    return make_pair(tmp_path)


def test_an_interrupted_check_says_interrupted_not_damaged(files_pair, run_cli, monkeypatch):
    """Ctrl+C during the integrity check says nothing about the file: no "damaged", no advice to restore."""
    ours, _ = files_pair
    from annotator.cli import safety_cmds

    def check_then_interrupted(path):
        request_interrupt()
        with connect(str(path), read_only=True) as conn:
            conn.execute(ENDLESS).fetchone()

    monkeypatch.setattr(safety_cmds, "check_file", check_then_interrupted)
    result = run_cli("check", ours)
    assert (result.code, result.err) == (130, "annotator: interrupted; nothing was changed\n")
    assert not interrupt_requested()


def test_ctrl_c_after_the_change_was_saved_does_not_say_nothing_changed(files_pair, run_cli, monkeypatch):
    """An import stopped while it lists its files has stored them: the line must not deny it."""
    ours, _ = files_pair
    from annotator.cli import project_cmds

    def stopped_while_reporting(line=""):
        raise KeyboardInterrupt

    monkeypatch.setattr(project_cmds, "say", stopped_while_reporting)
    result = run_cli("tags", "add", ours, "Saved before Ctrl+C", "--kind", "theme")
    assert result.code == 130
    assert result.err == (
        "annotator: interrupted; the changes it had made by then were saved, the rest was not done\n"
    )
    with Store.open(ours, read_only=True) as store:
        assert "Saved before Ctrl+C" in [t.name for t in store.tags()]

"""Special files and places the user cannot enter: one line naming the path, never a hang or a traceback.

A named pipe or a link to ``/dev/zero`` with a ``.txt`` name would block, or
fill memory, the moment it is read; they are imported in a child process
with a deadline and a memory ceiling, so that a regression fails the test
instead of hanging it. Permission errors are real ones: the commands run in
a child process as an unprivileged user (``setpriv`` when the tests run as
root, whom file modes do not stop), on a folder with mode 000.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from annotator.importers import ImportOptions
from annotator.importers.batch import collect_files, import_paths
from annotator.model import ImportedDocument
from annotator.store import Store

REPO = Path(__file__).resolve().parent.parent

#: Imports the paths given in a fresh in-memory project and prints each file's outcome as JSON.
IMPORT_CHILD = """
import json, resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (1024 * 1024 * 1024, 1024 * 1024 * 1024))
from annotator.importers import ImportOptions
from annotator.importers.batch import import_paths
from annotator.store import Store
store = Store.in_memory()
report = import_paths(store, sys.argv[1:], annotator="a", options=ImportOptions())
print(json.dumps([[str(r.path), r.status, r.message] for r in report.results]))
print(json.dumps(report.summary()))
"""


def import_in_child(*paths: Path) -> tuple[list[list[str]], str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    child = subprocess.run(
        [sys.executable, "-c", IMPORT_CHILD, *map(str, paths)],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert child.returncode == 0, child.stderr
    results, summary = child.stdout.splitlines()
    return json.loads(results), json.loads(summary)


needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
needs_dev_zero = pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")


@needs_fifo
def test_a_named_pipe_called_txt_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "x.txt"
    os.mkfifo(fifo)
    results, summary = import_in_child(fifo)
    assert results == [
        [str(fifo), "failed", "not a regular file (a named pipe); only regular files are imported"]
    ]
    assert summary == "0 document(s) imported, 0 already in the project, 1 failed"


@needs_dev_zero
def test_a_txt_link_to_dev_zero_is_refused_before_reading(tmp_path):
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")
    results, _ = import_in_child(link)
    assert results == [
        [
            str(link),
            "failed",
            "not a regular file (a device, reached through a link to /dev/zero); "
            "only regular files are imported",
        ]
    ]


@needs_fifo
@needs_dev_zero
def test_special_files_in_a_folder_are_reported_and_the_rest_imported(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("a real text", encoding="utf-8")
    os.mkfifo(folder / "pipe.txt")
    (folder / "zero.md").symlink_to("/dev/zero")
    os.mkfifo(folder / "pipe.unknown")  # not a type we import: left alone, as any unknown file
    results, summary = import_in_child(folder)
    assert sorted(results) == [
        [str(folder / "a.txt"), "imported", ""],
        [
            str(folder / "pipe.txt"),
            "failed",
            "not a regular file (a named pipe); only regular files are imported",
        ],
        [
            str(folder / "zero.md"),
            "failed",
            "not a regular file (a device, reached through a link to /dev/zero); "
            "only regular files are imported",
        ],
    ]
    assert summary == "1 document(s) imported, 0 already in the project, 2 failed"


def test_the_size_limit_is_checked_before_the_file_is_opened(store, tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 2048)
    opened = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda path, *a, **k: opened.append(path) or real_open(path, *a, **k))
    report = import_paths(store, [big], annotator="a", options=ImportOptions(max_file_bytes=1024))
    assert report.failed[0].message == "file is 0.002 MB; the limit is 0.001 MB"
    assert [p for p in opened if str(p).endswith("big.txt")] == []


def test_a_file_swapped_for_a_pipe_after_the_check_is_still_refused(store, tmp_path, monkeypatch):
    """The type is checked again on the open descriptor, so a swap between check and open cannot hang."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("named pipes are POSIX")
    path, fifo = tmp_path / "swap.txt", tmp_path / "fifo"
    path.write_text("text", encoding="utf-8")
    os.mkfifo(fifo)
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda p, flags, *a: real_open(fifo if Path(p) == path else p, flags, *a))
    report = import_paths(store, [path], annotator="a")
    assert report.failed[0].message == "not a regular file (a named pipe); only regular files are imported"


# -- places the user cannot enter ---------------------------------------------------


def test_an_import_folder_that_cannot_be_opened_fails_by_name(store, tmp_path, monkeypatch):
    """As root no mode stops a read, so the refusal is simulated here; the CLI test below is real."""
    locked, inner = tmp_path / "locked", tmp_path / "open" / "inner"
    locked.mkdir()
    inner.mkdir(parents=True)
    (tmp_path / "open" / "one.txt").write_text("one", encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path):
        if Path(path) in (locked, inner):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files, problems = collect_files([locked, tmp_path / "open"])
    assert files == [tmp_path / "open" / "one.txt"]
    assert [(p.path, p.status, p.message) for p in problems] == [
        (locked, "failed", "permission denied (the folder cannot be opened)"),
        (inner, "failed", "permission denied (the folder cannot be opened)"),
    ]


def test_a_path_whose_folder_cannot_be_entered_fails_by_name(store, tmp_path, monkeypatch):
    target = tmp_path / "locked" / "b.txt"
    real_stat = os.stat

    def guarded(path, *args, **kwargs):
        if Path(path).parent == tmp_path / "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", guarded)
    report = import_paths(store, [target], annotator="a")
    assert [(r.path, r.message) for r in report.failed] == [(target, "permission denied")]


CLI_CHILD = """
import contextlib, io, json, sys, traceback
from annotator.cli import main
out = []
for argv in json.loads(sys.argv[1]):
    err, std = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(std):
            code = main(argv)
    except SystemExit as exc:
        code = exc.code
    except BaseException:
        code, err = "traceback", io.StringIO(traceback.format_exc())
    out.append([argv, code, err.getvalue(), std.getvalue()])
print(json.dumps(out))
"""


def unprivileged(argv_lists: list[list[str]], cwd: Path, home: Path) -> list:
    """Run each command line in one child process as a user file modes apply to."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: no user to whom modes apply")
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO),
        HOME=str(home),
        ANNOTATOR_DATA_DIR=str(home / "data"),
        ANNOTATOR_CONFIG_DIR=str(home / "config"),
        QT_QPA_PLATFORM="offscreen",
    )
    child = subprocess.run(
        [*prefix, sys.executable, "-c", CLI_CHILD, json.dumps(argv_lists)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )
    assert child.returncode == 0, child.stderr
    return json.loads(child.stdout)


@pytest.fixture
def shared_place():
    """A folder others may enter (pytest's tmp_path is private to its owner), with a locked folder in it."""
    base = Path(tempfile.mkdtemp(prefix="annotator-perm-"))
    base.chmod(0o755)
    for name in ("ok", "home", "locked"):
        (base / name).mkdir()
        (base / name).chmod(0o777)
    with Store.create(base / "ok" / "p.annotator") as store:
        store.add_document(ImportedDocument(title="d", text="hello world"), annotator="a")
    shutil.copy(base / "ok" / "p.annotator", base / "locked" / "p.annotator")
    (base / "locked" / "b.txt").write_text("hi", encoding="utf-8")
    (base / "locked" / "scheme.json").write_text('{"themes": []}', encoding="utf-8")
    for path in (base / "ok").iterdir():
        path.chmod(0o666)
    (base / "locked").chmod(0)
    yield base
    (base / "locked").chmod(0o755)
    shutil.rmtree(base, ignore_errors=True)


def test_every_command_on_a_path_in_a_folder_the_user_cannot_enter_says_so_in_one_line(shared_place):
    from annotator.cli import command_names

    ok, locked = "ok/p.annotator", "locked/p.annotator"
    commands = {
        "import": [
            ["import", locked, "ok/new.txt"],
            ["import", ok, "locked/b.txt"],
            ["import", ok, "locked"],
        ],
        "tags": [
            ["tags", locked],
            ["tags", "add", locked, "X"],
            ["tags", "import", ok, "locked/scheme.json"],
        ],
        "stats": [["stats", locked]],
        "search": [["search", locked, "hello"]],
        "documents": [["documents", locked]],
        "annotate": [["annotate", locked, "d", "0", "5", "X"]],
        "annotations": [["annotations", locked]],
        "export": [["export", locked, "ok/out.jsonl"], ["export", ok, "locked/out.jsonl"]],
        "report": [["report", locked, "ok/r.html"], ["report", ok, "locked/r.html"]],
        "retrieve": [["retrieve", locked], ["retrieve", ok, "--out", "locked/p.csv"]],
        "matrix": [
            ["matrix", locked, "--rows", "tags", "--cols", "tags"],
            ["matrix", ok, "--rows", "tags", "--cols", "tags", "--out", "locked/m.csv"],
        ],
        "agree": [["agree", locked, ok], ["agree", ok, locked]],
        "disagreements": [["disagreements", locked, ok], ["disagreements", ok, locked]],
        "merge": [["merge", locked, ok], ["merge", ok, locked]],
        "share": [["share", locked, "ok/s.annotator"], ["share", ok, "locked/s.annotator"]],
        "restore": [["restore", locked, "1"]],
        "check": [["check", locked]],
    }
    # "gui" opens a window; "backups" lists copies kept elsewhere and never opens the project
    assert set(command_names()) - set(commands) - {"gui", "backups"} == set()
    (shared_place / "ok" / "new.txt").write_text("new", encoding="utf-8")
    (shared_place / "ok" / "new.txt").chmod(0o666)
    runs = unprivileged(
        [argv for group in commands.values() for argv in group], shared_place, shared_place / "home"
    )
    problems = []
    for argv, code, err, _out in runs:
        lines = err.splitlines()
        # the path named, or for an output written beside its target first, the locked folder
        if code != 1 or "Traceback" in err or not lines or "locked" not in lines[-1]:
            problems.append((argv, code, err[-300:]))
        elif argv[0] != "import" and len(lines) != 1:
            problems.append((argv, code, err))
    assert problems == []
    by_argv = {tuple(argv): err for argv, _code, err, _out in runs}
    assert by_argv[("stats", locked)] == f"annotator: error: {locked}: permission denied\n"
    assert by_argv[("import", ok, "locked/b.txt")] == "failed: locked/b.txt: permission denied\n"
    assert (
        by_argv[("import", ok, "locked")]
        == "failed: locked: permission denied (the folder cannot be opened)\n"
    )


def test_a_file_the_user_cannot_read_fails_alone(shared_place):
    secret = shared_place / "ok" / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    secret.chmod(0)
    (shared_place / "ok" / "fine.txt").write_text("fine", encoding="utf-8")
    (shared_place / "ok" / "fine.txt").chmod(0o644)
    [(argv, code, err, out)] = unprivileged(
        [["import", "ok/p.annotator", "ok"]], shared_place, shared_place / "home"
    )
    assert code == 1 and err == "failed: ok/secret.txt: permission denied\n"
    assert out.splitlines()[-1] == "1 document(s) imported, 0 already in the project, 1 failed"
    assert stat.S_IMODE(secret.stat().st_mode) == 0

"""A process holding a project keeps SQLite's locks whatever else it does with the file.

SQLite's locks are POSIX advisory locks owned by the process: closing any
descriptor of the project file (a header read with ``open()``, a byte copy)
drops all of them, including the live connection's. Another program that
then closes its own connection believes it is the last one, checkpoints and
deletes the ``-wal`` log, and the holder goes on writing into a deleted file.

Each scenario here is a "window-like" holder process: it opens the project,
writes, then does one more thing that touches the file (a second read-only
store, a backup, a check, a review of the project itself...). Another process
then runs ``annotator stats``; afterwards the log must still be there, a
later write of the holder must be visible to a third process, and it must
survive SIGKILL of the holder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from annotator.model import ImportedDocument, TagKind
from annotator.store import Store

REPO = Path(__file__).resolve().parent.parent

HOLDER = """
    import sys
    from pathlib import Path
    from annotator.store import Store
    project, action, scratch = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    store = Store.open(project)
    document_id = store.documents()[0].id
    tag_id = store.tags()[0].id
    store.add_annotation(document_id=document_id, start=0, end=3, tag_id=tag_id, annotator="holder")
    if action == "second-store":
        Store.open(project, read_only=True).close()
    elif action == "second-writable-store":
        Store.open(project).close()
    elif action == "backup":
        from annotator.backup import make_backup
        make_backup(project)
    elif action == "header":
        from annotator.store.connection import check_compatible
        check_compatible(project)
    elif action == "check":
        from annotator.store.files import check_file
        check_file(project)
    elif action == "share":
        from annotator.review.share import share_copy
        share_copy(store, scratch / "shared.annotator")
    elif action == "review-own-file":
        from annotator.review.loading import open_colleague
        open_colleague(project).close()
    elif action == "merge-backup":
        with store.db.atomic():
            store.backup_to(scratch / "before.annotator")
    print("READY", flush=True)
    sys.stdin.readline()
    later = store.add_annotation(document_id=document_id, start=5, end=9, tag_id=tag_id, annotator="holder")
    print(later.id, flush=True)
    sys.stdin.readline()
"""

ACTIONS = [
    "second-store",
    "second-writable-store",
    "backup",
    "header",
    "check",
    "share",
    "review-own-file",
    "merge-backup",
]


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO))


def _project(path: Path) -> None:
    with Store.create(path) as store:
        store.add_document(ImportedDocument(title="t", text="Hello there, researcher."), annotator="a")
        store.add_tag(kind=TagKind.THEME, name="Joy")


def _annotation_ids(path: Path) -> set[str]:
    with Store.open(path, read_only=True) as store:
        return {a.id for a in store.iter_annotations()}


@pytest.mark.parametrize("action", ACTIONS)
def test_holder_keeps_its_log_and_its_writes(tmp_path, action):
    project = tmp_path / "p.annotator"
    _project(project)
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(HOLDER), str(project), action, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        assert holder.stdout.readline().strip() == "READY", holder.stderr.read()
        stats = subprocess.run(
            [sys.executable, "-m", "annotator", "stats", str(project)],
            capture_output=True,
            text=True,
            env=_env(),
            timeout=60,
        )
        assert stats.returncode == 0, stats.stderr
        assert Path(f"{project}-wal").exists(), "another program deleted the holder's live log"
        holder.stdin.write("\n")
        holder.stdin.flush()
        later_id = holder.stdout.readline().strip()
        assert later_id, holder.stderr.read()
        assert later_id in _annotation_ids(project), "the holder's later write is invisible to others"
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    assert later_id in _annotation_ids(project), "a confirmed write did not survive SIGKILL"
    assert (
        subprocess.run(
            [sys.executable, "-m", "annotator", "check", str(project)],
            capture_output=True,
            text=True,
            env=_env(),
            timeout=60,
        ).returncode
        == 0
    )


def test_the_suite_catches_a_plain_open_of_a_live_project(tmp_path):
    """The audit hook in conftest sees package code opening a held project with ``open()``."""
    from conftest import LIVE_FILE_OPENS, PACKAGE_DIR

    project = tmp_path / "p.annotator"
    _project(project)
    free_file = tmp_path / "free.txt"
    free_file.write_text("x")
    plain_read = compile("open(target, 'rb').close()", PACKAGE_DIR + "pretend.py", "exec")
    with Store.open(project):
        exec(plain_read, {"target": str(free_file)})
        assert LIVE_FILE_OPENS == []
        for target in (project, Path(f"{project}-wal")):
            exec(plain_read, {"target": str(target)})
    caught, LIVE_FILE_OPENS[:] = list(LIVE_FILE_OPENS), []
    assert len(caught) == 2 and "pretend.py" in caught[0]
    exec(plain_read, {"target": str(project)})  # closed: plain reads are fine again
    assert LIVE_FILE_OPENS == []


def _merge_scene(folder: Path, spans: int) -> tuple[Path, Path]:
    """Our project and a colleague's file with ``spans`` spans on the document we share."""
    from annotator.model import Annotation, new_id, utc_now

    text = "A shared interview, long enough for many spans. " * 200
    ours, theirs = folder / "ours.annotator", folder / "theirs.annotator"
    with Store.create(ours) as store:
        store.add_document(ImportedDocument(title="shared", text=text), annotator="me")
        store.add_tag(kind=TagKind.THEME, name="Joy")
    with Store.create(theirs) as store:
        doc = store.add_document(ImportedDocument(title="shared", text=text), annotator="col").document_id
        tag = store.add_tag(kind=TagKind.THEME, name="Calm").id
        now = utc_now()
        store.insert_annotations(
            Annotation(new_id(), doc, i % 9000, i % 9000 + 7, tag, "col", None, now, now)
            for i in range(spans)
        )
    return ours, theirs


def _fresh_data_env(folder: Path) -> dict[str, str]:
    """A program run whose data folder holds no backup yet, so opening the project takes one."""
    folder.mkdir(parents=True)
    return dict(_env(), ANNOTATOR_DATA_DIR=str(folder))


def _annotate_repeatedly(
    project: Path, who: str, times: int, confirmed: list[str], failures: list[str]
) -> None:
    for i in range(times):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "annotator",
                "annotate",
                str(project),
                "shared",
                str(i),
                str(i + 3),
                "Joy",
                "--annotator",
                who,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=_fresh_data_env(project.parent / f"data-{who}-{i}"),
        )
        if done.returncode == 0:
            confirmed.append(done.stdout.split()[0])
        else:
            failures.append(done.stderr.strip())


@pytest.mark.parametrize("trial", range(3))
def test_merge_with_concurrent_annotators_loses_and_corrupts_nothing(tmp_path, trial):
    import threading

    ours, theirs = _merge_scene(tmp_path, spans=40_000)
    confirmed: list[str] = []
    failures: list[str] = []
    workers = [
        threading.Thread(target=_annotate_repeatedly, args=(ours, f"w{k}", 4, confirmed, failures))
        for k in range(3)
    ]
    merge = subprocess.Popen(
        [sys.executable, "-m", "annotator", "merge", str(ours), str(theirs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_fresh_data_env(tmp_path / "data-merge"),
    )
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out, err = merge.communicate(timeout=300)
    assert merge.returncode == 0, err
    assert failures == []  # each waits for the merge's lock, then writes
    check = subprocess.run(
        [sys.executable, "-m", "annotator", "check", str(ours)],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    stored = _annotation_ids(ours)
    assert set(confirmed) <= stored, f"{len(set(confirmed) - stored)} confirmed annotation(s) lost"
    assert len(stored) == 40_000 + len(confirmed)


def test_a_file_linking_to_the_open_project_is_refused_without_being_opened(tmp_path):
    """Import, a scheme or a codebook named by a link to the held project: one line, and no
    plain ``open()`` of it (the suite's audit hook fails the test on one)."""
    from annotator.importers import ImportOptions
    from annotator.importers.batch import import_file
    from annotator.refiqda.codebook import CodebookError, read_codebook
    from annotator.scheme import load_scheme
    from annotator.store.openfiles import HELD_HERE

    project = tmp_path / "p.annotator"
    _project(project)
    for name, target in (
        ("notes.txt", project),
        ("chapter.docx", project),
        ("scheme.json", project),
        ("codes.qdc", Path(f"{project}-shm")),  # its side file: a link, not a name ending in -shm
    ):
        (tmp_path / name).symlink_to(target)
    with Store.open(project) as store:
        for name in ("notes.txt", "chapter.docx"):
            result = import_file(store, tmp_path / name, annotator="a", options=ImportOptions())
            assert (result.status, result.message) == ("failed", HELD_HERE)
        with pytest.raises(CodebookError, match="choose another file"):
            read_codebook(tmp_path / "codes.qdc")
        with pytest.raises(Exception, match="choose another file"):
            load_scheme(tmp_path / "scheme.json")
        assert len(store.documents()) == 1

"""No command that writes a file may replace the project: not by a link, not by its own name or its ``-wal``.

The project's SHA-256 is taken by another process (a plain ``open()`` in this
one could drop a live connection's locks), before and after each refused
command, which must exit 1 with one line and leave the link itself alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.errors import InvalidInputError
from annotator.exporters import export
from annotator.model import ImportedDocument, ImportedSpan, TagKind
from annotator.paths import project_file_named, refuse_project_target, same_file
from annotator.review.share import share_copy
from annotator.store import Store

HASH = "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())"


def sha256_elsewhere(path: Path) -> str:
    """The file's SHA-256, read by a separate process."""
    done = subprocess.run(
        [sys.executable, "-c", HASH, str(path)], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def project(tmp_path) -> Path:
    path = tmp_path / "work" / "p.annotator"
    path.parent.mkdir()
    with Store.create(path) as store:
        store.add_document(
            ImportedDocument(
                title="t",
                text="keep me safe",
                spans=(ImportedSpan(0, 4, "Keep", TagKind.THEME, annotator="ana"),),
            ),
            annotator="ana",
        )
    return path


def _symlink(project: Path) -> Path:
    link = project.parent.parent / "link.annotator"
    link.symlink_to(project)
    return link


def _hard_link(project: Path) -> Path:
    link = project.parent.parent / "hard.annotator"
    os.link(project, link)
    return link


def _folder_link(project: Path) -> Path:
    folder = project.parent.parent / "elsewhere"
    folder.symlink_to(project.parent, target_is_directory=True)
    return folder / project.name


def _relative(project: Path) -> Path:
    return Path(os.path.relpath(project.parent / ".." / project.parent.name / project.name))


def _wal(project: Path) -> Path:
    return project.with_name(project.name + "-wal")


def _link_to_shm(project: Path) -> Path:
    link = project.parent.parent / "shm-link"
    link.symlink_to(project.with_name(project.name + "-shm"))  # dangling: the project is closed
    return link


TARGETS = {
    "symlink": (_symlink, "the project itself"),
    "hard link": (_hard_link, "the project itself"),
    "own path": (lambda p: p, "the project itself"),
    "through a linked folder": (_folder_link, "the project itself"),
    "relative with ..": (_relative, "the project itself"),
    "-wal name": (_wal, "the project's -wal file"),
    "link to -shm": (_link_to_shm, "the project's -shm file"),
}


def _present(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _check_refused(
    result, target: Path, what: str, project: Path, before: str, was: tuple[bool, bool]
) -> None:
    assert result.code == 1
    assert result.err == f"annotator: error: {target}: is {what}; choose another output file\n"
    assert sha256_elsewhere(project) == before
    assert (_present(target), target.is_symlink()) == was  # a link is left as it was; no -wal is made
    with Store.open(project, read_only=True) as store:
        assert [d.title for d in store.documents()] == ["t"] and store.annotation_count() == 1


@pytest.mark.parametrize("name", TARGETS)
@pytest.mark.parametrize(
    "command",
    [
        ("export", "--format", "native"),
        ("export", "--format", "csv"),
        ("export", "--format", "xlsx"),
        ("share",),
    ],
)
def test_a_command_never_writes_over_the_project(project, run_cli, monkeypatch, name, command):
    make, what = TARGETS[name]
    monkeypatch.chdir(project.parent)
    target = make(project)
    was = (_present(target), target.is_symlink())
    before = sha256_elsewhere(project)
    result = run_cli(command[0], project, target, *command[1:])
    _check_refused(result, target, what, project, before, was)


def test_a_plain_output_file_is_still_written_and_leaves_the_project_alone(project, run_cli):
    before = sha256_elsewhere(project)
    assert run_cli("export", project, project.parent / "out.jsonl").code == 0
    assert run_cli("share", project, project.parent / "copy.annotator").code == 0
    assert sha256_elsewhere(project) == before
    assert (project.parent / "out.jsonl").read_text(encoding="utf-8").count("\n") == 1


def test_the_library_refuses_while_the_project_is_open(project):
    link = _symlink(project)
    with Store.open(project) as store:
        for target in (link, _wal(project), project):
            with pytest.raises(InvalidInputError, match="choose another output file"):
                export(store, target)
            with pytest.raises(InvalidInputError, match="choose another output file"):
                share_copy(store, target)
        assert store.document_count() == 1
    assert link.is_symlink() and link.resolve() == project.resolve()


def test_same_file_compares_identity_not_names(tmp_path, project):
    other = tmp_path / "other.txt"
    other.write_text("x", encoding="utf-8")
    assert same_file(project, _hard_link(project)) and same_file(_symlink(project), project)
    assert not same_file(project, other)
    assert not same_file(tmp_path / "missing", tmp_path / "missing")  # nothing there: not "the same file"
    assert project_file_named(other, project) is None and project_file_named(other, None) is None
    refuse_project_target(other, project)  # an unrelated file passes


def test_a_file_named_like_the_project_elsewhere_is_fine(tmp_path, project):
    (tmp_path / "copy").mkdir()
    assert project_file_named(tmp_path / "copy" / project.name, project) is None
    assert project_file_named(project.with_name(project.name + "-wal.jsonl"), project) is None

"""The command line's standard output: a full disk is one line, a closed pipe ends quietly."""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.cli import main
from tests.conftest import REPO, SEEDS

FULL = Path("/dev/full")


@pytest.fixture
def project(run_cli, tmp_path):
    path = tmp_path / "p.annotator"
    long_text = tmp_path / "long.txt"
    long_text.write_text("a line of words that goes on for a while\n" * 20_000, encoding="utf-8")
    assert run_cli("import", path, SEEDS, long_text).code == 0
    return path


def _annotator(*args: object, stdout) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "annotator", *map(str, args)],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        timeout=120,
    )


@pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "command",
    [
        ["documents"],
        ["export", "{p}", "-"],
        ["stats"],
        ["tags", "list"],
        ["search", "{p}", "words"],
        ["--help"],
    ],
)
def test_a_full_disk_behind_standard_output_is_one_line(project, command):
    args = [part.format(p=project) for part in command]
    if "{p}" not in " ".join(command) and command != ["--help"]:
        args.append(str(project))
    with FULL.open("w") as full:
        result = _annotator(*args, stdout=full)
    assert result.returncode == 1, result.stderr
    assert result.stderr == "annotator: error: cannot write to standard output: no space left on device\n"


@pytest.mark.parametrize("command", [["export", "{p}", "-"], ["documents", "{p}", "--json"]])
def test_a_reader_that_stops_early_ends_the_command_quietly(project, command):
    args = [part.format(p=project) for part in command]
    process = subprocess.Popen(
        [sys.executable, "-m", "annotator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()  # as ``| head -1`` does
    err = process.stderr.read()
    process.stderr.close()
    assert process.wait(timeout=120) in (0, 141, -13)
    assert err == b""


class _FullDiskAtFlush(io.StringIO):
    """Standard output into a file on a full disk: writes are buffered, the flush fails."""

    def flush(self) -> None:
        if self.getvalue():
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_found_only_when_output_is_flushed_is_one_line(project, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", _FullDiskAtFlush())
    assert main(["stats", str(project)]) == 1
    assert capsys.readouterr().err == (
        "annotator: error: cannot write to standard output: no space left on device\n"
    )


def test_standard_output_is_put_back_after_a_command(project, capsys):
    before = sys.stdout
    assert main(["stats", str(project)]) == 0
    assert sys.stdout is before
    assert "documents:" in capsys.readouterr().out

"""Shared fixtures: every test runs with its own settings and data folders."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from annotator.cli import main  # noqa: E402
from annotator.store import Store  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Point settings and the default project at fresh folders."""
    base = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("ANNOTATOR_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("ANNOTATOR_DATA_DIR", str(base / "data"))
    return base


@pytest.fixture
def project_path(tmp_path) -> Path:
    """Where a test's project file goes (not created)."""
    return tmp_path / "test.annotator"


@pytest.fixture
def store(project_path) -> Store:
    """A new empty project on disk."""
    s = Store.create(project_path)
    yield s
    s.close()


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys) -> Callable[..., CliResult]:
    """Run the command line in-process; returns exit code, stdout and stderr."""

    def run(*argv: str) -> CliResult:
        capsys.readouterr()
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse usage errors and --help
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run

"""A command loads only what it needs, so the command line starts quickly.

``annotator stats`` once took 0.3 s, most of it importing the exporters
(xlsxwriter), the importers, the review code and sqlite-utils, none of which
it uses. These tests run the command in a fresh interpreter and fail when an
eager import brings one of them back; the speed itself is the benchmark's
row W8 (``python -m tests.bench``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.cli import COMMANDS, build_parser, command_names, deferred, main
from annotator.model import ImportedDocument, TagKind
from annotator.store import Store
from tests.conftest import REPO

#: What a reading command must not import: (module prefix, why it is heavy or irrelevant).
NOT_FOR_READING = (
    "sqlite_utils",
    "click",
    "pluggy",
    "dateutil",  # sqlite-utils and what it pulls in: ~85 ms
    "xlsxwriter",
    "annotator.exporters",
    "annotator.importers",
    "annotator.scheme",
    "docx",
    "pypdf",
    "striprtf",
    "markdown_it",
    "charset_normalizer",
    "defusedxml",
    "orjson",
    "annotator.review",
    "annotator.backup",
    "annotator.settings",
    "platformdirs",
    "annotator.gui",
    "PySide6",
)


def _project(path: Path) -> Path:
    with Store.create(path) as store:
        doc = store.add_document(ImportedDocument(title="t", text="hello world"), annotator="ana").document_id
        tag = store.add_tag(kind=TagKind.THEME, name="greeting")
        store.add_annotation(document_id=doc, start=0, end=5, tag_id=tag.id, annotator="ana")
    return path


def _modules_after(*argv: str) -> tuple[str, list[str]]:
    """Run ``annotator ARGV`` in a fresh interpreter; its output and the modules it imported."""
    script = (
        "import json, sys\n"
        "from annotator.cli import main\n"
        f"code = main({list(argv)!r})\n"
        "sys.stderr.write(json.dumps([code, sorted(sys.modules)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    code, modules = json.loads(done.stderr)
    assert code == 0, done
    return done.stdout, modules


def _loaded(modules: list[str], prefix: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for name in modules)


@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_stats_imports_nothing_it_does_not_use(tmp_path, extra):
    project = _project(tmp_path / "p.annotator")
    out, modules = _modules_after("stats", str(project), *extra)
    assert "annotations: 1" in out or json.loads(out)["per_tag"] == {"greeting": 1}
    assert "annotator.analysis.stats" in modules  # the command really ran
    assert [name for name in NOT_FOR_READING if _loaded(modules, name)] == []


def test_other_reading_commands_skip_sqlite_utils_and_other_commands_modules(tmp_path):
    project = _project(tmp_path / "p.annotator")
    for argv in (
        ["documents", str(project)],
        ["annotations", str(project)],
        ["search", str(project), "hello"],
    ):
        _, modules = _modules_after(*argv)
        assert not _loaded(modules, "sqlite_utils"), argv
        assert not _loaded(modules, "annotator.cli.export_cmds"), argv
        assert not _loaded(modules, "annotator.review"), argv


def test_a_writing_command_still_writes_through_sqlite_utils(tmp_path):
    project = _project(tmp_path / "p.annotator")
    _, modules = _modules_after("tags", "add", str(project), "farewell")
    assert _loaded(modules, "sqlite_utils")
    with Store.open(project) as store:
        assert {t.name for t in store.tags()} == {"greeting", "farewell"}


def _registered(module_name: str) -> list[str]:
    parser = argparse.ArgumentParser()
    importlib.import_module(module_name).register(parser.add_subparsers())
    return command_names(parser)


def test_commands_table_names_every_command_and_its_module():
    for module_name in dict.fromkeys(COMMANDS.values()):
        assert _registered(module_name) == [name for name, owner in COMMANDS.items() if owner == module_name]
    assert command_names(build_parser()) == list(COMMANDS) == command_names()


def test_a_command_runs_with_only_its_own_module_registered(tmp_path):
    parser = build_parser(["export"])
    assert command_names(parser) == ["export"]
    args = parser.parse_args(["export", "p.annotator", "out.csv", "--format", "csv"])
    assert (args.command, args.format) == ("export", "csv")
    project = _project(tmp_path / "p.annotator")
    out = tmp_path / "out.csv"
    assert main(["export", str(project), str(out)]) == 0
    assert "greeting" in out.read_text(encoding="utf-8")


def test_a_deferred_function_imports_its_module_when_called():
    dumps = deferred("json", "dumps")
    assert dumps.__name__ == "dumps"
    assert dumps([1, "é"], ensure_ascii=False) == '[1, "é"]'
    with pytest.raises(ModuleNotFoundError):
        deferred("annotator.no_such_module", "f")()

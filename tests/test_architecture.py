"""Structural promises: the core never imports Qt, and every command is documented."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

from annotator.cli import build_parser, command_names
from tests.conftest import REPO

PACKAGE = REPO / "annotator"


def core_modules() -> list[str]:
    """Dotted names of every module outside annotator/gui/."""
    names = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(REPO).with_suffix("")
        if "gui" in relative.parts:
            continue
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return sorted(names)


def test_core_sources_never_import_qt():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "gui" in path.relative_to(PACKAGE).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] in {"PySide6", "shiboken6", "PyQt5", "PyQt6"} for n in names):
                offenders.append(str(path.relative_to(REPO)))
    assert offenders == []


def test_importing_every_core_module_loads_no_qt():
    modules = core_modules()
    assert "annotator.store" in modules and "annotator.cli" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_every_command_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    documented = set(re.findall(r"`annotator ([a-z]+)", readme))
    assert set(command_names(parser)) <= documented
    # and every tags action
    tags_actions = set(re.findall(r"`annotator tags ([a-z]+)", readme))
    assert {"add", "import", "rename", "recolor", "delete", "merge"} <= tags_actions


def test_the_store_loads_without_pandas_and_leaves_it_importable():
    code = (
        "import sys, importlib.util\n"
        "import annotator.store\n"
        "print('pandas' in sys.modules, sys.modules.get('pandas', 'absent') is None)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]

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
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120
    )
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
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


#: Store methods that change the project: the names an op calls.
_WRITE_PREFIXES = ("add_", "insert_", "update_", "delete_", "set_", "replace_", "rename_", "ensure_")
_WRITE_NAMES = {
    "bulk_document_insert",
    "merge_tags",
    "reorder_tags",
    "restore_tag",
    "record_adjudication",
    "remove_adjudication",
    "import_scheme",
    "copy_new_annotations",
    "rebuild_search_index",
}
#: ``set_meta`` keeps the window's reading position (the last open document), not the project's data.
_NOT_DATA = {"set_meta"}
#: Where store writes belong besides the body of an op: the store itself and the schema steps.
_WRITERS = ("annotator/store/", "annotator/migrations.py", "annotator/ops.py")


def store_write_methods() -> set[str]:
    """Names of the Store's public methods that write."""
    from annotator.store import Store

    return {
        name
        for name in dir(Store)
        if not name.startswith("_")
        and callable(getattr(Store, name))
        and (name.startswith(_WRITE_PREFIXES) or name in _WRITE_NAMES)
    } - _NOT_DATA


def _is_op_class(module_path, class_name: str) -> bool:
    import importlib

    from annotator.ops import Op

    relative = module_path.relative_to(REPO).with_suffix("")
    module = importlib.import_module(".".join(relative.parts).removesuffix(".__init__"))
    cls = getattr(module, class_name, None)
    return isinstance(cls, type) and issubclass(cls, Op)


def store_writes_outside_ops() -> list[str]:
    """Calls of a store write method anywhere but the store, the schema steps and the body of an ``Op``."""
    writes = store_write_methods()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(REPO).as_posix()
        if relative.startswith(_WRITERS):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        owners: dict[ast.AST, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for inner in ast.walk(node):
                    owners.setdefault(inner, node.name)  # the outermost class wins, visited first
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in writes
                and not (node in owners and _is_op_class(path, owners[node]))
            ):
                found.append(f"{relative}:{node.lineno} {ast.unparse(node.func)}")
    return found


def test_the_store_write_list_names_real_methods():
    writes = store_write_methods()
    assert {
        "add_annotation",
        "insert_annotations",
        "update_tag",
        "delete_tag",
        "merge_tags",
        "import_scheme",
        "set_document_status",
        "add_document",
        "copy_new_annotations",
        "record_adjudication",
    } <= writes


def test_every_change_is_an_op_no_store_writes_outside_ops():
    """One write path: the window, the command line, import, merge and adjudication all change the
    project through ops run by ``ops.run`` (or ``History``), so the rules live once."""
    assert store_writes_outside_ops() == []


def test_no_mixins_compose_the_main_window():
    """The window composes feature objects; it does not inherit their methods from mixins."""
    import pytest

    pytest.importorskip("PySide6")
    from PySide6.QtWidgets import QMainWindow

    from annotator.gui.features import FEATURES, Feature
    from annotator.gui.main_window import MainWindow

    own = [cls for cls in MainWindow.__mro__ if cls.__module__.startswith("annotator")]
    assert own == [MainWindow] and MainWindow.__bases__ == (QMainWindow,)
    assert all(issubclass(kind, Feature) and not issubclass(kind, QMainWindow) for kind in FEATURES)
    mixins = [
        f"{path.relative_to(REPO)}: {node.name}"
        for path in (PACKAGE / "gui").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and node.name.endswith("Mixin")
    ]
    assert mixins == []


#: Where SQL may be written: the store, the schema steps, and the connection wrapper both use.
SQL_HOMES = ("annotator/store/", "annotator/migrations.py", "annotator/_sqlite.py")
#: The shapes SQL statements take here (keywords upper case, as the project writes them).
SQL_STATEMENT = re.compile(
    r"^\s*(SELECT\b.*\bFROM\b|INSERT\s+(OR\s+\w+\s+)?INTO\b|UPDATE\s+\w+\s+SET\b|DELETE\s+FROM\b|"
    r"(CREATE|DROP)\s+(TEMP\s+)?(TABLE|INDEX|TRIGGER|VIEW)\b|ALTER\s+TABLE\b|PRAGMA\s+\w+|"
    r"BEGIN(\s+IMMEDIATE|\s+EXCLUSIVE)?\s*$|COMMIT\s*$|ATTACH\s+DATABASE\b|VACUUM\b)",
    re.DOTALL,
)


def sql_outside_the_store() -> list[str]:
    """Every string constant that reads as an SQL statement, in a module outside ``SQL_HOMES``."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(REPO).as_posix()
        if relative.startswith(SQL_HOMES):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and SQL_STATEMENT.match(node.value)
            ):
                found.append(f"{relative}:{node.lineno} {node.value[:60]!r}")
    return found


def test_sql_lives_only_in_the_store():
    """Widgets, commands, importers and review code ask the store's named methods; none writes SQL."""
    assert sql_outside_the_store() == []


def test_the_sql_scan_finds_sql_and_not_prose():
    for statement in (
        "SELECT id FROM tags WHERE kind = ?",
        "INSERT INTO tags VALUES (?)",
        "PRAGMA user_version",
        "UPDATE tags SET name = ?",
        "BEGIN IMMEDIATE",
        "CREATE TEMP TABLE t (x)",
    ):
        assert SQL_STATEMENT.match(statement), statement
    for prose in ("Select ``[start, end)`` and scroll to it.", "Replace everything", "Update the view"):
        assert not SQL_STATEMENT.match(prose), prose

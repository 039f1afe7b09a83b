"""Issue 20, "never hang, never grow without bound": work that must stay linear, and input that
must be refused in one line rather than with a traceback.

Complexity is asserted structurally (counted statements or calls), never with a clock; the
speed targets themselves are benchmark rows (``python -m tests.bench --only W9,W10,W11``).
"""

from __future__ import annotations

import json

import pytest

from annotator.errors import InvalidInputError
from annotator.model import TagKind
from annotator.ops import ImportScheme, _revert, run
from annotator.scheme import load_scheme, scheme_entries


def _scheme(themes: int) -> dict:
    return {
        "themes": [
            {"name": f"theme {i}", "children": [f"child {i}.{j}" for j in range(3)]} for i in range(themes)
        ],
        "speakers": [f"speaker {i}" for i in range(themes)],
    }


def _statements(store, job) -> int:
    count = 0

    def trace(sql: str) -> None:
        nonlocal count
        count += not sql.lstrip().startswith("INSERT INTO tags")  # one per row under executemany

    store.db.conn.set_trace_callback(trace)
    try:
        job()
    finally:
        store.db.conn.set_trace_callback(None)
    return count


def test_scheme_import_runs_a_fixed_number_of_statements_whatever_its_size(store):
    store.add_tag(kind=TagKind.THEME, name="Theme 3")  # an existing name is kept, not duplicated
    small = _statements(store, lambda: store.import_scheme(_scheme(50)))
    large = _statements(store, lambda: store.import_scheme({"themes": _scheme(400)["themes"][50:]}))
    assert small == large  # not one lookup per tag
    tags = store.tags()
    assert len(tags) == 50 * 5 + 350 * 4
    by_name = {t.name: t for t in tags}
    assert by_name["child 3.1"].parent_id == by_name["Theme 3"].id
    assert by_name["child 399.2"].parent_id == by_name["theme 399"].id
    assert [t.position for t in tags] == sorted({t.position for t in tags})


def test_scheme_import_keeps_names_case_insensitively_and_counts_skips(store):
    store.add_tag(kind=TagKind.SPEAKER, name="ÉMILE")
    added, skipped = store.import_scheme(
        {"themes": ["a", "A", {"name": "b", "children": ["c"]}], "speakers": ["émile"]}
    )
    assert (added, skipped) == (3, 2)
    assert sorted(t.name for t in store.tags()) == ["a", "b", "c", "ÉMILE"]


def test_scheme_import_refuses_a_bad_colour_and_stores_nothing(store):
    with pytest.raises(InvalidInputError):
        store.import_scheme({"themes": ["fine", {"name": "bad", "color": "red"}]})
    assert store.tags() == []


def test_scheme_import_undo_removes_what_it_added(store):
    store.add_tag(kind=TagKind.THEME, name="kept")
    op = ImportScheme({"themes": [{"name": "kept", "children": ["new child"]}, "new"]})
    run(store, op)
    assert (op.added, op.skipped) == (2, 1)
    _revert(store, op)
    assert [t.name for t in store.tags()] == ["kept"]


def test_deeply_nested_themes_are_walked_without_recursion():
    depth = 5_000
    scheme: dict = {"name": "level 0"}
    root = scheme
    for level in range(1, depth):
        child = {"name": f"level {level}"}
        scheme["children"] = [child]
        scheme = child
    entries = list(scheme_entries({"themes": [root]}))
    assert len(entries) == depth
    assert entries[-1].parent == f"level {depth - 2}"


def test_a_scheme_file_nested_too_deeply_for_json_is_refused_in_one_line(tmp_path, run_cli):
    path = tmp_path / "deep.json"
    path.write_text('{"themes": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="nested too deeply"):
        load_scheme(path)
    result = run_cli("tags", "import", tmp_path / "p.annotator", path)
    assert result.code != 0
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1


def test_a_deep_but_valid_scheme_file_imports(tmp_path, run_cli):
    text = (
        '{"name": "x0"'
        + "".join(f', "children": [{{"name": "x{i}"' for i in range(1, 300))
        + "}]" * 299
        + "}"
    )
    path = tmp_path / "deep.json"
    path.write_text('{"themes": [' + text + "]}", encoding="utf-8")
    json.loads(path.read_text(encoding="utf-8"))
    result = run_cli("tags", "import", tmp_path / "p.annotator", path)
    assert result.code == 0, result.err
    assert "300 tag(s) added" in result.out

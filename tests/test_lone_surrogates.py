"""Half a character (a lone surrogate) in a name: refused in one line, nothing stored.

A command-line argument that is not UTF-8, or JSON escaping half of a
character, reaches Python as lone surrogates, which no UTF-8 file can hold.
"""

from __future__ import annotations

import hashlib

import pytest

from annotator.store import Store


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def project(run_cli, tmp_path):
    path = tmp_path / "p.annotator"
    source = tmp_path / "note.txt"
    source.write_text("a short note\n", encoding="utf-8")
    assert run_cli("import", path, source).code == 0
    assert run_cli("tags", "add", path, "Joy", "--kind", "theme").code == 0
    return path


def _refused_in_one_line(result, value: str) -> None:
    assert result.code == 1
    [line] = result.err.splitlines()
    assert line.startswith("annotator: error: ") and value in line and "lone surrogate" in line


def test_a_scheme_with_half_a_character_is_refused_whole(run_cli, project, tmp_path):
    scheme = tmp_path / "scheme.json"
    scheme.write_text('{"themes": [{"name": "Fine"}, {"name": "Jo\\ud800y"}]}', encoding="utf-8")
    before = _digest(project)
    _refused_in_one_line(run_cli("tags", "import", project, scheme), "Jo\\ud800y")
    with Store.open(project, read_only=True) as store:
        assert [t.name for t in store.tags()] == ["Joy"]
    assert _digest(project) == before


def test_a_tag_name_argument_that_is_not_utf8_is_refused(run_cli, project):
    _refused_in_one_line(run_cli("tags", "add", project, "a\udcffb", "--kind", "theme"), "a\\udcffb")


def test_an_annotator_argument_that_is_not_utf8_stores_no_span(run_cli, project):
    result = run_cli("annotate", project, "note", "2", "7", "Joy", "--annotator", "ev\udce9")
    _refused_in_one_line(result, "ev\\udce9")
    with Store.open(project, read_only=True) as store:
        assert store.annotation_count() == 0

"""What the command line prints of other people's text: control characters escaped, the rest as is."""

from __future__ import annotations

import json
import os

import pytest

from annotator.cli.common import shown
from annotator.store import Store

ESC = "\x1b"
RED = "\x1b[31m"
TITLE = "\x1b]0;owned\x07"  # sets the terminal's window title
CSI = "\x9b2J"  # C1 "clear the screen"


@pytest.mark.parametrize(
    ("raw", "printed"),
    [
        (f"{RED}red", "\\x1b[31mred"),
        (TITLE, "\\x1b]0;owned\\x07"),
        (CSI, "\\x9b2J"),
        ("two\nlines\r\tx\x7f", "two\\x0alines\\x0d\\x09x\\x7f"),
        ("caf\udce9.txt", "caf\\udce9.txt"),
        ("\ud800", "\\ud800"),
    ],
)
def test_controls_and_lone_surrogates_are_escaped(raw, printed):
    assert shown(raw) == printed


def test_normal_text_is_shown_as_it_is():
    text = "Zürich — naïve café 😀👩‍🔬 東京 עברית \u00a0"
    assert shown(text) == text


def _clean(text: str) -> None:
    assert ESC not in text and "\x07" not in text and "\x9b" not in text


@pytest.fixture
def hostile(run_cli, tmp_path):
    """A project whose file name, title, tag and annotator all hold escape sequences."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / f"{RED}report{CSI}.txt").write_text("the words of the report\n", encoding="utf-8")
    project = tmp_path / "p.annotator"
    imported = run_cli("import", project, folder)
    assert imported.code == 0
    _clean(imported.out + imported.err)
    assert "imported: " in imported.out and "\\x1b[31mreport\\x9b2J.txt" in imported.out
    added = run_cli("tags", "add", project, f"{TITLE}Joy", "--kind", "theme")
    assert added.code == 0
    _clean(added.out)
    assert "\\x1b]0;owned\\x07Joy" in added.out
    annotated = run_cli(
        "annotate", project, f"{RED}report{CSI}", "4", "9", f"{TITLE}Joy", "--annotator", f"{RED}eve"
    )
    assert annotated.code == 0, annotated.err
    _clean(annotated.out)
    return project


@pytest.mark.parametrize(
    "command",
    [
        ["documents"],
        ["tags"],
        ["stats"],
        ["annotations"],
        ["search", "{p}", "words"],
        ["disagreements", "{p}", "{p}"],
        ["agree", "{p}", "{p}"],
    ],
)
def test_listings_escape_what_the_files_hold(run_cli, hostile, command):
    args = [part.format(p=hostile) for part in command]
    if len(args) == 1:
        args.append(str(hostile))
    result = run_cli(*args)
    assert result.code == 0, result.err
    _clean(result.out + result.err)


def test_the_title_and_tag_names_are_shown_escaped(run_cli, hostile):
    assert "\\x1b[31mreport\\x9b2J" in run_cli("documents", hostile).out
    assert "\\x1b]0;owned\\x07Joy" in run_cli("tags", hostile).out
    stats = run_cli("stats", hostile).out
    assert "\\x1b]0;owned\\x07Joy" in stats and "\\x1b[31meve" in stats


def test_json_output_escapes_c1_controls_and_keeps_the_values(run_cli, hostile):
    result = run_cli("documents", hostile, "--json")
    _clean(result.out)
    [document] = json.loads(result.out)
    assert document["title"] == f"{RED}report{CSI}"


def test_errors_escape_the_names_they_quote(run_cli, hostile):
    result = run_cli("tags", "delete", hostile, f"{TITLE}nothing")
    assert result.code == 1
    _clean(result.err)
    assert "\\x1b]0;owned\\x07nothing" in result.err and result.err.count("\n") == 1


def test_a_file_whose_name_is_not_utf8_is_imported_and_named_escaped(run_cli, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    raw_name = os.fsencode(folder) + b"/caf\xe9.txt"
    try:
        with open(raw_name, "wb") as handle:
            handle.write(b"coffee notes\n")
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    project = tmp_path / "p.annotator"
    result = run_cli("import", project, folder)
    assert result.code == 0, result.err
    assert f"imported: {folder}/caf\\udce9.txt" in result.out
    with Store.open(project) as store:
        [document] = store.documents()
        assert document.title == "caf\ufffd"
        assert store.document(document.id).source_path == f"{folder}/caf\ufffd.txt"
    listed = run_cli("documents", project)
    assert listed.code == 0 and listed.out.rstrip().endswith("caf\ufffd")


def test_the_merge_summary_keeps_its_lines(run_cli, tmp_path):
    import sqlite3

    from review_helpers import make_pair

    ours, theirs = make_pair(tmp_path)
    conn = sqlite3.connect(theirs)
    conn.execute("UPDATE tags SET color = 'blue' WHERE name = 'Ben'")
    conn.commit()
    conn.close()
    result = run_cli("merge", ours, theirs)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("ben.annotator: 1 tag(s) not copied") and "\\x0a" not in result.out
    assert lines[-1].startswith("1 document(s), 0 tag(s) and 1 annotation(s) added; ")


def test_usage_errors_escape_the_arguments_they_quote(run_cli, tmp_path):
    result = run_cli("stats", tmp_path / "p.annotator", f"{RED}extra")
    assert result.code == 2
    _clean(result.err)
    assert "unrecognized arguments: \\x1b[31mextra" in result.err


def test_backup_listings_restore_and_check_escape_the_project_name(run_cli, tmp_path):
    project = tmp_path / f"{RED}p{TITLE}.annotator"
    assert run_cli("tags", "add", project, "Joy", "--kind", "theme").code == 0
    assert run_cli("tags", "add", project, "Fear", "--kind", "theme").code == 0  # backs up the first state
    for command in (["backups", project], ["restore", project, "1"], ["check", project]):
        result = run_cli(*command)
        assert result.code == 0, result.err
        _clean(result.out + result.err)
        assert "\\x1b[31mp\\x1b]0;owned\\x07" in result.out

"""The command line: outputs, exit codes and one-line errors of every command."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from annotator import __version__
from annotator.model import DocumentStatus
from annotator.store import Store
from tests.conftest import REPO, SEEDS


@pytest.fixture
def seeded(run_cli, tmp_path):
    project = tmp_path / "p.annotator"
    assert run_cli("import", project, SEEDS).code == 0
    assert run_cli("tags", "import", project, SEEDS / "scheme.json").code == 0
    return project


def test_version_and_help(run_cli):
    result = run_cli("--version")
    assert result.code == 0 and result.out.strip() == f"annotator {__version__}"
    assert run_cli("--help").code == 0


@pytest.mark.parametrize(
    "command",
    [
        ["import"],
        ["tags"],
        ["tags", "add"],
        ["tags", "import"],
        ["tags", "list"],
        ["stats"],
        ["search"],
        ["documents"],
        ["annotate"],
        ["annotations"],
        ["gui"],
        ["tags", "rename"],
        ["tags", "recolor"],
        ["tags", "delete"],
        ["tags", "merge"],
    ],
)
def test_every_command_has_help(run_cli, command):
    result = run_cli(*command, "--help")
    assert result.code == 0
    assert "usage: annotator" in result.out


def test_import_creates_the_project_and_reports(run_cli, tmp_path):
    project = tmp_path / "new.annotator"
    result = run_cli("import", project, SEEDS)
    assert result.code == 0
    assert result.out.splitlines()[-1] == "2 document(s) imported, 0 already in the project, 0 failed"
    again = run_cli("import", project, SEEDS)
    assert again.code == 0
    assert "skipped:" in again.out and again.out.splitlines()[-1].startswith(
        "0 document(s) imported, 2 already"
    )


def test_import_failures_exit_1_with_one_line_each(run_cli, tmp_path):
    project = tmp_path / "p.annotator"
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "ok.txt").write_text("fine", encoding="utf-8")
    result = run_cli("import", project, tmp_path / "bin.txt", tmp_path / "nothere.txt", tmp_path / "ok.txt")
    assert result.code == 1
    assert sorted(result.err.splitlines()) == [
        f"failed: {tmp_path / 'bin.txt'}: binary file, not text",
        f"failed: {tmp_path / 'nothere.txt'}: no such file or folder",
    ]
    assert "1 document(s) imported, 0 already in the project, 2 failed" in result.out
    with Store.open(project) as store:
        assert [d.title for d in store.documents()] == ["ok"]


def test_tags_list_add_and_json(run_cli, seeded):
    listing = run_cli("tags", seeded)
    assert listing.code == 0
    lines = listing.out.splitlines()
    assert lines[0].split() == ["1", "theme", "#4e79a7", "0", "Regional", "security"]
    assert lines[1].endswith("Regional security > Terrorism and extremism")
    added = run_cli(
        "tags", "add", seeded, "Youth", "--kind", "theme", "--color", "#123456", "--parent", "Cooperation"
    )
    assert added.code == 0 and added.out.strip() == "added theme 'Youth' (#123456)"
    rows = json.loads(run_cli("tags", "list", seeded, "--json").out)
    youth = next(r for r in rows if r["name"] == "Youth")
    assert youth["path"] == "Cooperation > Youth" and youth["kind"] == "theme" and youth["key"] is None


def test_tags_errors(run_cli, seeded, tmp_path):
    dup = run_cli("tags", "add", seeded, "regional SECURITY")
    assert dup.code == 1
    assert dup.err.strip() == "annotator: error: a theme named 'regional SECURITY' exists already"
    assert run_cli("tags", "add", seeded, "X", "--parent", "Nope").err.strip() == (
        "annotator: error: no theme named 'Nope' to nest under"
    )
    assert run_cli("tags", "add", seeded, "X", "--kind", "person").code == 2
    missing = run_cli("tags", "import", seeded, tmp_path / "none.json")
    assert missing.code == 1 and missing.err.strip().endswith("none.json: no such file")


def test_rename_recolor_merge_delete(run_cli, seeded):
    assert run_cli("tags", "rename", seeded, "Afghanistan", "Afghanistan (situation)").code == 0
    assert run_cli("tags", "recolor", seeded, "Afghanistan (situation)", "#000000").code == 0
    assert run_cli("annotate", seeded, "000", "0", "3", "Afghanistan (situation)").code == 0
    refused = run_cli("tags", "delete", seeded, "Afghanistan (situation)")
    assert refused.code == 1 and "add --force" in refused.err
    assert run_cli("tags", "merge", seeded, "Afghanistan (situation)", "Regional security").code == 0
    assert run_cli("tags", "delete", seeded, "Regional security", "--force").code == 0
    with Store.open(seeded) as store:
        assert store.annotation_count() == 0
        assert store.find_tag("theme", "Regional security") is None


def test_annotate_and_list_annotations(run_cli, seeded):
    result = run_cli(
        "annotate",
        seeded,
        "000_0976646cfc479a1b",
        "0",
        "3",
        "Vladimir Norov",
        "--note",
        "opening",
        "--annotator",
        "ana",
    )
    assert result.code == 0 and result.out.rstrip().endswith("Vladimir Norov: 'SCO'")
    rows = json.loads(run_cli("annotations", seeded, "--json").out)
    assert [
        (r["start"], r["end"], r["tag"], r["kind"], r["annotator"], r["note"], r["text"]) for r in rows
    ] == [(0, 3, "Vladimir Norov", "speaker", "ana", "opening", "SCO")]
    bad = run_cli("annotate", seeded, "000", "10", "5", "Afghanistan")
    assert bad.code == 1 and "outside the document" in bad.err
    assert run_cli("annotate", seeded, "zzz", "0", "1", "Afghanistan").err.strip() == (
        "annotator: error: no document with id or title 'zzz'"
    )


def test_annotator_name_comes_from_settings_then_os(run_cli, seeded):
    from annotator.settings import Settings, system_user_name

    run_cli("annotate", seeded, "000", "0", "3", "Afghanistan")
    Settings(annotator="Configured Name").save()
    run_cli("annotate", seeded, "000", "4", "9", "Afghanistan")
    rows = json.loads(run_cli("annotations", seeded, "--json").out)
    assert [r["annotator"] for r in rows] == [system_user_name(), "Configured Name"]


def test_stats_text_and_json(run_cli, seeded):
    run_cli("annotate", seeded, "000", "0", "3", "Afghanistan", "--annotator", "ana")
    run_cli("annotate", seeded, "003", "0", "1", "Afghanistan", "--annotator", "ben")
    stats = json.loads(run_cli("stats", seeded, "--json").out)
    assert stats == {
        "documents": 2,
        "characters": 5667 + 3938,
        "tags": {"theme": 10, "speaker": 3},
        "annotations": 2,
        "per_tag": {"Afghanistan": 2},
        "per_annotator": {"ana": 1, "ben": 1},
    }
    text = run_cli("stats", seeded).out
    assert "documents:   2" in text and "annotations: 2" in text


def test_search_text_and_json(run_cli, seeded):
    hits = json.loads(run_cli("search", seeded, "Afghan*", "--json").out)
    assert len(hits) == 5  # Afghanistan, Afghanistan's, Afghan, SCO-Afghanistan, Afghan
    assert {h["title"] for h in hits} == {"003_9851d8e3c5c57f74"}
    first = hits[0]
    with Store.open(seeded) as store:
        text = store.document(first["document_id"]).text
    assert text[first["start"] : first["end"]] == "Afghanistan"
    plain = run_cli("search", seeded, '"Munich Security Conference"')
    assert plain.code == 0 and plain.out.splitlines()[-1] == "2 hit(s)"


@pytest.mark.parametrize("limit", ["0", "-5", "many"])
def test_search_refuses_a_limit_below_one_in_one_line(run_cli, seeded, limit):
    result = run_cli("search", seeded, "Afghan*", "--limit", limit)
    assert result.code == 2 and result.out == ""  # a usage error: the usage line, then the reason
    assert result.err.strip().splitlines()[-1] == (
        f"annotator search: error: argument --limit: {limit!r}: give a whole number of hits, at least 1"
    )


def test_searching_for_no_hits_finds_none(seeded):
    with Store.open(seeded) as store:
        assert store.search("Afghan*", limit=0) == []
        assert store.search("Afghan*", limit=-3) == []


def test_documents_listing(run_cli, seeded):
    rows = json.loads(run_cli("documents", seeded, "--json").out)
    assert [(r["title"], r["characters"], r["status"]) for r in rows] == [
        ("000_0976646cfc479a1b", 5667, "todo"),
        ("003_9851d8e3c5c57f74", 3938, "todo"),
    ]


@pytest.mark.parametrize("command", [["stats"], ["search", "x"], ["tags"], ["documents"], ["annotations"]])
def test_missing_project_is_a_one_line_error(run_cli, tmp_path, command):
    missing = tmp_path / "absent.annotator"
    result = run_cli(command[0], missing, *command[1:])
    assert result.code == 1
    assert result.err.strip() == f"annotator: error: {missing}: no such project file"
    assert not missing.exists()


def test_not_a_project_is_a_one_line_error(run_cli, tmp_path):
    bogus = tmp_path / "notes.annotator"
    bogus.write_text("hello")
    result = run_cli("stats", bogus)
    assert result.code == 1
    assert (
        result.err.strip() == f"annotator: error: {bogus}: not an Annotator project (not a SQLite database)"
    )


def test_bad_usage_exits_2(run_cli):
    assert run_cli("stats").code == 2
    assert run_cli("search", "only-project").code == 2
    assert run_cli("frobnicate", "x", "y").code == 2


def test_python_dash_m_entry_point(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "annotator", "--version"], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.returncode == 0 and result.stdout.strip() == f"annotator {__version__}"


def test_annotate_marks_a_to_do_document_in_progress_as_the_window_does(run_cli, seeded):
    with Store.open(seeded) as store:
        doc = store.find_document("000")
        assert doc.status is DocumentStatus.TODO
        other = store.find_document("003")
        store.set_document_status(other.id, DocumentStatus.DONE)
    assert run_cli("annotate", seeded, "000", "0", "3", "Afghanistan").code == 0
    assert run_cli("annotate", seeded, "003", "0", "3", "Afghanistan").code == 0
    with Store.open(seeded) as store:
        assert store.document(doc.id).status is DocumentStatus.IN_PROGRESS
        assert store.document(other.id).status is DocumentStatus.DONE  # only a "to do" document moves


def test_annotate_trims_surrounding_white_space_as_the_window_does(run_cli, seeded):
    with Store.open(seeded) as store:
        text = store.find_document("000").text
    space = text.index(" ")
    result = run_cli("annotate", seeded, "000", "0", str(space + 1), "Afghanistan")
    assert result.code == 0 and f"[0, {space})" in result.out
    blank = run_cli("annotate", seeded, "000", str(space), str(space + 1), "Afghanistan")
    assert blank.code == 1 and "only white space" in blank.err
    rows = json.loads(run_cli("annotations", seeded, "--json").out)
    assert [(r["start"], r["end"]) for r in rows] == [(0, space)]

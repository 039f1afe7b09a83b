"""A colleague's file is untrusted input: its schema must be ours and its rows must be sound.

Each test damages a colleague's file the way a bug, another tool or a
hostile sender could (SQLite's own constraints switched off), then merges
it, compares with it, or opens it, and checks that our project stays
exportable and ``annotator check`` agrees, with one line of explanation.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from review_helpers import SHARED, make_pair

from annotator.errors import ProjectError
from annotator.review.compare import agreement_report
from annotator.review.loading import open_colleague
from annotator.review.merge import merge_files
from annotator.review.untrusted import (
    Finding,
    check_colleague_copy,
    check_colleague_schema,
    colleague_findings,
)
from annotator.store import Store

DATA = Path(__file__).resolve().parent / "data"
REPO = Path(__file__).resolve().parent.parent
ENDLESS = "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r)"


def tamper(path: Path, *statements: str) -> None:
    """Run ``statements`` on a project with SQLite's checks off, as another tool could."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA ignore_check_constraints = ON")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def ben_span(path: Path, tag: str = "security") -> str:
    """The id of ben's span with the given tag name."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT a.id FROM annotations a JOIN tags t ON t.id = a.tag_id WHERE t.name = ?", [tag]
        ).fetchone()[0]
    finally:
        conn.close()


def annotation_ids(path: Path) -> set[str]:
    """The ids of a project's annotations (a connection that may write removes the log it reads on close)."""
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM annotations")}
    finally:
        conn.close()


def refusal(path: Path) -> str:
    """The one-line message a colleague's file is refused with, by ``open_colleague`` or the check after it."""
    with pytest.raises(ProjectError) as caught:
        with open_colleague(path) as colleague:
            check_colleague_copy(colleague.store)
    return str(caught.value)


def export_lines(store: Store, target: Path) -> list[dict]:
    """Export ``store`` as native JSON lines (raises if the project holds what cannot be exported)."""
    from annotator.exporters import export

    export(store, target, format="native")
    return [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def files(tmp_path):
    return make_pair(tmp_path)


# -- rows: what fails is not copied, and is reported ------------------------


def test_a_span_beyond_its_text_is_not_merged_and_our_export_still_works(files, tmp_path, run_cli):
    ours, theirs = files
    bad = ben_span(theirs)
    tamper(theirs, f"UPDATE annotations SET \"end\" = 500 WHERE id = '{bad}'")
    with Store.open(ours) as store:
        report = merge_files(store, [theirs])
        assert report.annotations == 1  # the "Ben" span; the broken one stays out
        assert list(store.annotation_rows([bad])) == []
        assert [line for line in report.summary().splitlines() if "not copied" in line] == [
            f"ben.annotator: 1 annotation(s) not copied; the first: annotation '{bad}' ends at 500, "
            f"beyond the {len(SHARED)} characters of its document"
        ]
        export_lines(store, tmp_path / "out.jsonl")
    assert run_cli("check", ours).code == 0


@pytest.mark.parametrize(
    "change, reason",
    [
        ("UPDATE annotations SET start = 2.5 WHERE id = ?", "are not whole numbers"),
        (
            "UPDATE annotations SET tag_id = 'no-such-tag' WHERE id = ?",
            "its tag 'no-such-tag' is missing or refused",
        ),
        (
            "UPDATE annotations SET document_id = 'gone' WHERE id = ?",
            "its document 'gone' is missing or refused",
        ),
        (
            "UPDATE annotations SET annotator = x'616e61' WHERE id = ?",
            "its annotator, note or dates are not text",
        ),
        ("UPDATE annotations SET note = x'00ff' WHERE id = ?", "its annotator, note or dates are not text"),
    ],
)
def test_each_kind_of_broken_span_is_left_out_with_its_reason(files, tmp_path, change, reason):
    ours, theirs = files
    bad = ben_span(theirs)
    conn = sqlite3.connect(theirs)
    conn.execute(change, [bad])
    conn.commit()
    conn.close()
    with Store.open(ours) as store:
        report = merge_files(store, [theirs])
        assert report.annotations == 1 and list(store.annotation_rows([bad])) == []
        [line] = [line for line in report.summary().splitlines() if "not copied" in line]
        assert line.startswith("ben.annotator: 1 annotation(s) not copied; the first: ") and reason in line
        export_lines(store, tmp_path / "out.jsonl")
        assert sorted(store.annotators()) == ["ana", "ben"]


@pytest.mark.parametrize(
    "change, reason",
    [
        ("UPDATE annotations SET start = -1 WHERE id = ?", "[-1, 54) is empty or begins before the text"),
        ('UPDATE annotations SET start = "end" WHERE id = ?', "[54, 54) is empty or begins before the text"),
        (
            'UPDATE annotations SET "end" = start - 1 WHERE id = ?',
            "[36, 35) is empty or begins before the text",
        ),
        (
            "UPDATE annotations SET start = '2' || 'x' WHERE id = ?",
            "its offsets '2x' and 54 are not whole numbers",
        ),
    ],
)
def test_spans_that_break_our_own_constraints_are_taken_out_of_the_copy(files, change, reason):
    """Rows a file can only hold with SQLite's checks switched off. Opening such a file checks the
    constraints of files up to 256 MB and refuses them whole; bigger files reach these checks."""
    _, theirs = files
    bad = ben_span(theirs)
    with open_colleague(theirs) as colleague:
        conn = sqlite3.connect(colleague.store.path)
        conn.execute("PRAGMA ignore_check_constraints = ON")
        conn.execute(change, [bad])
        conn.commit()
        conn.close()
        check_colleague_copy(colleague.store)
        assert colleague_findings(colleague.store) == [
            Finding("annotation", 1, f"annotation '{bad}': {reason}")
        ]
        assert list(colleague.store.annotation_rows([bad])) == [] and colleague.store.annotation_count() == 1


def test_merging_a_file_that_breaks_our_constraints_changes_nothing(files):
    ours, theirs = files
    tamper(theirs, f"UPDATE annotations SET start = -1 WHERE id = '{ben_span(theirs)}'")
    with Store.open(ours) as store:
        with pytest.raises(ProjectError, match="CHECK constraint failed") as caught:
            merge_files(store, [theirs])
        assert "\n" not in str(caught.value) and store.annotation_count() == 2


def test_an_annotation_without_an_id_is_left_out(files):
    ours, theirs = files
    tamper(theirs, f"UPDATE annotations SET id = NULL WHERE id = '{ben_span(theirs)}'")
    with Store.open(ours) as store:
        report = merge_files(store, [theirs])
        assert report.annotations == 1
        assert "1 annotation(s) not copied; the first: an annotation without an id" in report.summary()


def test_malformed_metadata_leaves_the_document_and_its_spans_out_without_a_traceback(files, tmp_path):
    ours, theirs = files
    tamper(
        theirs,
        "UPDATE documents SET meta = '{not json' WHERE title = 'theirs'",
        "UPDATE annotations SET document_id = (SELECT id FROM documents WHERE title = 'theirs') "
        f"WHERE annotator = 'ben' AND start = {SHARED.index('Ben')}",
    )  # ben's "Ben" span, now in it
    with Store.open(ours) as store:
        report = merge_files(store, [theirs])
        assert (report.documents, report.annotations) == (0, 1)
        lines = report.summary().splitlines()
        assert any(
            line.startswith("ben.annotator: 1 document(s) not copied; the first: document")
            and "its metadata is not a JSON object" in line
            for line in lines
        )
        assert any(
            line.startswith("ben.annotator: 1 annotation(s) not copied") and "is missing or refused" in line
            for line in lines
        )
        assert [d.title for d in store.documents()] == ["talk"]
        export_lines(store, tmp_path / "out.jsonl")


@pytest.mark.parametrize("meta", ["[1, 2]", "null", '"text"', "[" * 100_000, '{"a": "\\ud800"}'])
def test_metadata_must_be_a_json_object_we_can_store(files, meta):
    ours, theirs = files
    conn = sqlite3.connect(theirs)
    conn.execute("UPDATE documents SET meta = ? WHERE title = 'theirs'", [meta])
    conn.commit()
    conn.close()
    with Store.open(ours) as store:
        report = merge_files(store, [theirs])
        assert report.documents == 0 and "1 document(s) not copied" in report.summary()


def test_a_document_whose_hash_lies_is_not_matched_to_ours(files, tmp_path):
    """Documents match by the SHA-256 of their text: a file claiming our text's hash for another text
    would otherwise pour its spans into our document."""
    ours, theirs = files
    conn = sqlite3.connect(theirs)
    conn.execute("UPDATE documents SET text = ?, length = ? WHERE title = 'talk'", ["x" * 600, 600])
    conn.execute("UPDATE annotations SET \"end\" = 590 WHERE annotator = 'ben' AND start = 0")
    conn.commit()
    conn.close()
    with Store.open(ours) as store:
        report = merge_files(store, [theirs])
        assert "its SHA-256 does not match its text" in report.summary()
        assert report.annotations == 0
        export_lines(store, tmp_path / "out.jsonl")


def test_a_stored_length_that_lies_is_corrected_in_the_copy(files):
    ours, theirs = files
    tamper(theirs, "UPDATE documents SET length = 5000")
    with Store.open(ours) as store, open_colleague(theirs) as colleague:
        check_colleague_copy(colleague.store)
        assert sorted(colleague.store.document_lengths_by_sha().values()) == sorted([len(SHARED), 34])
        assert agreement_report([store, colleague.store])["characters"] == len(SHARED)


@pytest.mark.parametrize(
    "change, reason",
    [
        ("UPDATE tags SET id = NULL WHERE name = 'Ben'", "a tag without an id"),
        ("UPDATE tags SET name = '  ' WHERE name = 'Ben'", "has no name"),
        ("UPDATE tags SET color = 'red' WHERE name = 'Ben'", "its colour 'red' is not #rrggbb"),
        ("UPDATE tags SET position = 'first' WHERE name = 'Ben'", "its position not a whole number"),
    ],
)
def test_a_broken_tag_is_left_out_with_its_spans(files, tmp_path, change, reason):
    ours, theirs = files
    tamper(theirs, change)
    with Store.open(ours) as store:
        report = merge_files(store, [theirs])
        assert (report.tags, report.annotations) == (0, 1)  # only the "security" span, on our Security
        lines = report.summary().splitlines()
        assert any(line.startswith("ben.annotator: 1 tag(s) not copied") and reason in line for line in lines)
        assert any(line.startswith("ben.annotator: 1 annotation(s) not copied") for line in lines)
        assert store.find_tag("speaker", "Ben") is None
        export_lines(store, tmp_path / "out.jsonl")


def test_a_tag_of_an_unknown_kind_is_taken_out_of_the_copy(files):
    _, theirs = files
    with open_colleague(theirs) as colleague:
        conn = sqlite3.connect(colleague.store.path)
        conn.execute("PRAGMA ignore_check_constraints = ON")
        conn.execute("UPDATE tags SET kind = 'place' WHERE name = 'Ben'")
        conn.commit()
        conn.close()
        check_colleague_copy(colleague.store)
        tag, annotation = colleague_findings(colleague.store)
        assert (tag.what, tag.count, annotation.what, annotation.count) == ("tag", 1, "annotation", 1)
        assert tag.first.endswith(": its kind 'place' is neither theme nor speaker")
        assert [t.name for t in colleague.store.tags()] == ["security"]


@pytest.mark.parametrize("parent", ["'no-such-tag'", "(SELECT id FROM tags WHERE name = 'Ben')", "id"])
def test_a_bad_parent_puts_the_theme_at_the_top_level(files, parent, run_cli):
    """A dangling parent, a speaker as parent, or a theme that is its own parent."""
    ours, theirs = files
    tamper(
        theirs,
        f"UPDATE tags SET parent_id = {parent} WHERE name = 'security'",
        "INSERT INTO tags (id, kind, name, color, parent_id) "
        "SELECT 't-new', 'theme', 'Trade', '#112233', id FROM tags WHERE name = 'security'",
    )
    with Store.open(ours) as store:
        report = merge_files(store, [theirs])
        assert (report.tags, report.annotations) == (2, 2)
        [line] = [line for line in report.summary().splitlines() if "top level" in line]
        assert line.startswith("ben.annotator: 1 tag(s) placed at the top level; the first: tag")
        assert store.find_tag("theme", "Security").parent_id is None
        assert store.find_tag("theme", "Trade").parent_id == store.find_tag("theme", "Security").id
    assert run_cli("check", ours).code == 0


def test_a_cycle_of_parents_is_broken_and_the_merge_ends(files):
    ours, theirs = files
    tamper(
        theirs,
        "INSERT INTO tags (id, kind, name, color, parent_id) VALUES ('a', 'theme', 'A', '#112233', 'b')",
        "INSERT INTO tags (id, kind, name, color, parent_id) VALUES ('b', 'theme', 'B', '#112233', 'a')",
    )
    with Store.open(ours) as store:
        report = merge_files(store, [theirs])
        assert report.tags == 3 and "1 tag(s) placed at the top level" in report.summary()
        a, b = store.find_tag("theme", "A"), store.find_tag("theme", "B")
        assert (a.parent_id, b.parent_id).count(None) == 1


def test_a_sound_file_reports_nothing_and_its_copy_is_unchanged(files):
    ours, theirs = files
    with open_colleague(theirs) as colleague:
        before = colleague.store.db.conn.execute("SELECT count(*) FROM annotations").fetchone()[0]
        check_colleague_copy(colleague.store)
        assert colleague_findings(colleague.store) == []
        assert colleague.store.annotation_count() == before == 2
    with Store.open(ours) as store:
        assert "not copied" not in merge_files(store, [theirs]).summary()


# -- agreement: no traceback on broken rows ----------------------------------


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE annotations SET tag_id = 'no-such-tag' WHERE annotator = 'ben' AND start > 0",
        "UPDATE documents SET meta = '{broken' WHERE title = 'talk'",
        "UPDATE annotations SET document_id = 'gone' WHERE annotator = 'ben' AND start > 0",
        "UPDATE annotations SET annotator = 5",
    ],
)
def test_agree_with_a_broken_file_gives_figures_not_a_traceback(files, run_cli, change):
    ours, theirs = files
    tamper(theirs, change)
    result = run_cli("agree", ours, theirs, "--json")
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    json.loads(result.out)


# -- schema: only our own tables, indexes and triggers -----------------------


@pytest.mark.parametrize(
    "statements, message",
    [
        (
            [
                "ALTER TABLE annotations RENAME TO real_annotations",
                f"CREATE VIEW annotations AS {ENDLESS} SELECT 'id' || x AS id, (SELECT id FROM documents LIMIT 1) "
                "AS document_id, 0 AS start, 1 AS \"end\", (SELECT id FROM tags LIMIT 1) AS tag_id, 'x' AS annotator, "
                "NULL AS note, '' AS created, '' AS updated FROM r",
            ],
            "unexpected view annotations",
        ),
        (["CREATE VIEW harmless AS SELECT 1"], "unexpected view harmless"),
        (["CREATE TABLE extra (x)"], "unexpected table extra"),
        (["CREATE INDEX extra_index ON annotations(note)"], "unexpected index extra_index"),
        (["CREATE TRIGGER spy AFTER INSERT ON tags BEGIN SELECT 1; END"], "unexpected trigger spy"),
        (
            [
                "DROP TRIGGER documents_fts_delete",
                "CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN SELECT 1; END",
            ],
            "unexpected trigger documents_fts_delete",
        ),
        (["ALTER TABLE tags ADD COLUMN secret TEXT"], "unexpected table tags"),
        (
            ["DROP INDEX annotations_tag", "CREATE INDEX annotations_tag ON annotations(note, tag_id)"],
            "unexpected index annotations_tag",
        ),
        (["DROP TABLE adjudications"], "missing table adjudications"),
    ],
)
def test_a_copy_with_a_schema_not_ours_is_refused_in_one_line(files, statements, message):
    ours, theirs = files
    tamper(theirs, *statements)
    error = refusal(theirs)
    assert f"not an Annotator project: {message}" in error and "\n" not in error
    with Store.open(ours) as store:
        with pytest.raises(ProjectError, match=f"not an Annotator project: {message}") as caught:
            merge_files(store, [theirs])
        assert str(caught.value).startswith(f"{theirs}: ")  # named as given, not as our private copy
        assert store.annotation_count() == 2


def test_a_table_without_rowid_but_the_same_columns_is_refused(files):
    _, theirs = files
    tamper(
        theirs,
        "CREATE TABLE project2 (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
        "INSERT INTO project2 SELECT * FROM project",
        "DROP TABLE project",
        "ALTER TABLE project2 RENAME TO project",
    )
    assert "unexpected table project (not as our version makes it)" in refusal(theirs)


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("project-v*.annotator")))
def test_every_released_schema_upgraded_in_the_copy_passes(tmp_path, name):
    theirs = tmp_path / name
    shutil.copy(DATA / name, theirs)
    with open_colleague(theirs) as colleague:
        count = colleague.store.annotation_count()
        check_colleague_copy(colleague.store)
        assert colleague_findings(colleague.store) == []
        assert colleague.store.annotation_count() == count


@pytest.mark.parametrize("name", [*sorted(p.name for p in DATA.glob("project-v*.annotator")), "current"])
def test_every_released_schema_passes_before_the_copy_is_opened(files, tmp_path, name):
    """Before it is opened (and upgraded), a copy is compared with our schema at its own version."""
    copy = tmp_path / "copy.annotator"
    shutil.copy(files[1] if name == "current" else DATA / name, copy)
    check_colleague_schema(copy)


def test_a_view_for_the_list_of_schema_steps_is_refused_before_the_copy_is_opened(files, tmp_path):
    """Opening a project reads the list of its schema steps: a view there that never ends would hang
    the opening itself, before ``check_colleague_copy`` could run."""
    _, theirs = files
    tamper(
        theirs,
        "ALTER TABLE _sqlite_migrations RENAME TO steps",
        f"CREATE VIEW _sqlite_migrations AS {ENDLESS} SELECT 'annotator' AS migration_set, "
        "'m001_initial' AS name, '' AS applied_at FROM r",
    )
    copy = tmp_path / "copy.annotator"
    shutil.copy(theirs, copy)
    with pytest.raises(
        ProjectError, match=f"^{copy}: not an Annotator project: unexpected view _sqlite_migrations$"
    ):
        check_colleague_schema(copy)


def test_agree_with_an_endless_list_of_schema_steps_ends_at_once_with_one_line(files):
    """Through the command line: the schema is checked before the copy is opened as a project."""
    ours, theirs = files
    tamper(
        theirs,
        "ALTER TABLE _sqlite_migrations RENAME TO steps",
        f"CREATE VIEW _sqlite_migrations AS {ENDLESS} SELECT 'annotator' AS migration_set, "
        "'m001_initial' AS name, '' AS applied_at FROM r",
    )
    done = subprocess.run(
        [sys.executable, "-m", "annotator", "agree", str(ours), str(theirs)],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent)),
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "unexpected view _sqlite_migrations" in done.stderr


@pytest.mark.parametrize(
    "statements, message",
    [
        (["PRAGMA user_version = 3"], "unexpected table document_memos"),  # a file claiming an older version
        (["CREATE TRIGGER spy AFTER INSERT ON tags BEGIN SELECT 1; END"], "unexpected trigger spy"),
    ],
)
def test_a_copy_not_ours_at_its_own_version_is_refused_before_it_is_opened(
    files, tmp_path, statements, message
):
    _, theirs = files
    tamper(theirs, *statements)
    copy = tmp_path / "copy.annotator"
    shutil.copy(theirs, copy)
    with pytest.raises(ProjectError, match=f"not an Annotator project: {message}"):
        check_colleague_schema(copy)


def test_merge_refuses_a_file_whose_annotations_never_end_without_taking_our_lock(files, tmp_path):
    """The view that hung ``merge`` (and grew ``agree`` without bound) is refused at once, in a
    separate process bounded by a timeout, before our project is changed or backed up."""
    ours, theirs = files
    tamper(
        theirs,
        "ALTER TABLE annotations RENAME TO real_annotations",
        f"CREATE VIEW annotations AS {ENDLESS} SELECT 'id' || x AS id, (SELECT id FROM documents LIMIT 1) "
        "AS document_id, 0 AS start, 1 AS \"end\", (SELECT id FROM tags LIMIT 1) AS tag_id, 'x' AS annotator, "
        "NULL AS note, '' AS created, '' AS updated FROM r",
    )
    before = annotation_ids(ours)
    for command in ("merge", "agree"):
        done = subprocess.run(
            [sys.executable, "-m", "annotator", command, str(ours), str(theirs)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        assert done.returncode == 1, done.stderr
        assert done.stderr.count("\n") == 1 and "unexpected view annotations" in done.stderr
        assert "Traceback" not in done.stderr
    assert annotation_ids(ours) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ours.annotator", "shared"]  # no backup made


# -- our own project: ``check`` catches what an export refuses --------------


@pytest.mark.parametrize(
    "damage, problem",
    [
        (
            "UPDATE annotations SET \"end\" = 500 WHERE annotator = 'ana' AND start > 0",
            "1 span(s) outside their document's text or empty (annotation ",
        ),
        (
            "UPDATE annotations SET start = \"end\" WHERE annotator = 'ana' AND start > 0",
            "CHECK constraint failed in annotations",
        ),  # SQLite's own integrity check sees this one
        (
            "UPDATE annotations SET start = 2.5 WHERE annotator = 'ana' AND start > 0",
            "1 span(s) outside their document's text or empty (annotation ",
        ),
        (
            "UPDATE documents SET meta = '{not json'",
            "1 document(s) whose metadata is not a JSON object (document ",
        ),
        ("UPDATE documents SET meta = '[1]'", "1 document(s) whose metadata is not a JSON object (document "),
        (
            "UPDATE tags SET parent_id = 'gone' WHERE name = 'Security'",
            "1 tag(s) whose parent tag does not exist (tag ",
        ),
    ],
)
def test_check_finds_what_the_export_refuses(files, tmp_path, run_cli, damage, problem):
    ours, _ = files
    assert run_cli("check", ours).code == 0
    tamper(ours, damage)
    result = run_cli("check", ours)
    assert result.code == 1 and problem in result.err and result.err.count("\n") == 1


def test_an_export_refusal_is_always_caught_by_check(files, tmp_path, run_cli):
    ours, _ = files
    tamper(ours, "UPDATE annotations SET \"end\" = 500 WHERE annotator = 'ana' AND start > 0")
    assert run_cli("export", ours, tmp_path / "out.jsonl").code == 1
    assert run_cli("check", ours).code == 1


def test_metadata_python_reads_is_not_called_damage(files, run_cli):
    """A NaN an import took from a JSON file is stored as Python writes it, and exports; SQLite's own
    JSON reader would refuse it."""
    ours, _ = files
    tamper(ours, """UPDATE documents SET meta = '{"score": NaN}'""")
    assert run_cli("check", ours).code == 0

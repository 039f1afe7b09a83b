"""CSV/TSV: one document per row, chosen text and title columns, other columns as metadata."""

from __future__ import annotations

from annotator.importers import ImportOptions
from annotator.importers.batch import import_paths
from annotator.store import Store

SURVEY = (
    "id,Answer,age,name\r\n"
    "1,I liked it 😀,34,Ana\r\n"
    '2,"Two lines,\r\nwith a comma",40,Ben\r\n'
    "3,,50,Cy\r\n"
    "\r\n"
    "5,Last one,61,\r\n"
)


def run(store, path, **options):
    return import_paths(store, [path], annotator="tester", options=ImportOptions(**options))


def docs(store):
    return sorted(store.iter_documents(), key=lambda d: d.meta["row"])


def test_rows_become_documents_with_columns_as_meta(store, tmp_path):
    path = tmp_path / "survey.csv"
    path.write_bytes(SURVEY.encode("utf-8"))
    report = run(store, path, text_column="answer", title_column="name")
    [result] = report.results
    assert result.status == "imported"
    assert result.part_failures == (("row 4", "empty 'Answer'"),)
    stored = docs(store)
    assert [(d.title, d.text) for d in stored] == [
        ("Ana", "I liked it 😀"),
        ("Ben", "Two lines,\nwith a comma"),
        ("survey row 6", "Last one"),
    ]
    assert stored[0].meta == {"filename": "survey.csv", "encoding": "utf-8", "row": 2, "id": "1", "age": "34"}
    assert [d.meta["row"] for d in stored] == [2, 3, 6]
    assert stored[0].source_format == "csv"


def test_text_column_guessed_and_title_defaults_to_row(store, tmp_path):
    path = tmp_path / "answers.tsv"
    path.write_text("respondent\tresponse\nr1\tYes, always.\nr2\tNever.\n", encoding="utf-8")
    run(store, path)
    assert [(d.title, d.text, d.meta["respondent"]) for d in docs(store)] == [
        ("answers row 2", "Yes, always.", "r1"),
        ("answers row 3", "Never.", "r2"),
    ]


def test_semicolon_csv_is_sniffed(store, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("nr;text;note\n1;Un café, merci;x\n2;Deux;y\n".encode("cp1252"))
    run(store, path)
    assert [(d.text, d.meta["note"], d.meta["encoding"]) for d in docs(store)] == [
        ("Un café, merci", "x", "cp1252"),
        ("Deux", "y", "cp1252"),
    ]


def test_missing_text_column_names_the_columns(store, tmp_path):
    path = tmp_path / "survey.csv"
    path.write_bytes(SURVEY.encode("utf-8"))
    [result] = run(store, path, text_column="comments").results
    assert result.status == "failed"
    assert result.message == "no text column 'comments'; the columns are 'id', 'Answer', 'age', 'name'"
    assert store.document_count() == 0


def test_unguessable_text_column_asks_for_one(store, tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    [result] = run(store, path).results
    assert result.message == "choose the text column with --text-column; the columns are 'a', 'b'"


def test_missing_title_column(store, tmp_path):
    path = tmp_path / "survey.csv"
    path.write_bytes(SURVEY.encode("utf-8"))
    [result] = run(store, path, text_column="Answer", title_column="who").results
    assert result.message.startswith("no title column 'who'")


def test_cli_text_and_title_columns(run_cli, project_path, tmp_path):
    path = tmp_path / "survey.csv"
    path.write_bytes(SURVEY.encode("utf-8"))
    result = run_cli("import", project_path, path, "--text-column", "Answer", "--title-column", "name")
    assert result.code == 1  # a refused row is reported in the exit code
    assert f"failed: {path}:4: empty 'Answer'" in result.err
    assert "3 document(s) imported" in result.out + result.err
    with Store.open(project_path) as store:
        assert sorted(d.title for d in store.documents()) == ["Ana", "Ben", "survey row 6"]


def test_a_row_repeating_an_earlier_text_is_reported_by_number(store, tmp_path):
    path = tmp_path / "repeats.csv"
    path.write_text("id,text\nr1,Yes\nr2,No\nr3,\nr4,Yes\nr5,No\nr6,Maybe\nr7,Yes\n", encoding="utf-8")
    report = run(store, path)
    [result] = report.results
    assert result.status == "imported"
    assert result.part_failures == (
        ("row 4", "empty 'text'"),
        ("row 5", "same text as row 2; skipped"),
        ("row 6", "same text as row 3; skipped"),
        ("row 8", "same text as row 2; skipped"),
    )
    assert [(d.text, d.meta["id"]) for d in docs(store)] == [("Yes", "r1"), ("No", "r2"), ("Maybe", "r6")]
    assert report.summary() == (
        "3 document(s) imported, 0 already in the project, 0 failed, 4 line(s), row(s) or page(s) left out"
    )


def test_cli_names_each_repeated_row_and_exits_1(run_cli, project_path, tmp_path):
    path = tmp_path / "repeats.tsv"
    path.write_text("text\tid\nsame\t1\nsame\t2\n", encoding="utf-8")
    result = run_cli("import", project_path, path)
    assert result.code == 1
    assert result.err.splitlines() == [f"failed: {path}:3: same text as row 2; skipped"]
    with Store.open(project_path) as reopened:
        assert [d.meta["id"] for d in reopened.iter_documents()] == ["1"]

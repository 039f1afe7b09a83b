"""``annotator retrieve`` and ``annotator matrix``: outputs, exit codes and the files they write.

The project is the hand-worked one of tests/test_analysis_retrieval.py (its
docstring lists every span); the expected counts are worked out there.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.test_analysis_retrieval import build

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


@pytest.fixture
def project(tmp_path):
    store, ids = build(tmp_path / "hand.annotator")
    store.close()
    return tmp_path / "hand.annotator", ids


def read_sheet(path: Path) -> list[list]:
    """The first sheet's cells, row by row: shared strings as text, numbers as floats."""
    with zipfile.ZipFile(path) as archive:
        strings = [
            "".join(t.text or "" for t in item.iterfind(".//m:t", NS))
            for item in ElementTree.fromstring(archive.read("xl/sharedStrings.xml")).iterfind("m:si", NS)
        ]
        sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iterfind(".//m:sheetData/m:row", NS):
        cells = []
        for cell in row.iterfind("m:c", NS):
            value = cell.find("m:v", NS).text
            cells.append(strings[int(value)] if cell.get("t") == "s" else float(value))
        rows.append(cells)
    return rows


def test_retrieve_prints_one_marked_block_per_passage(run_cli, project):
    path, _ = project
    result = run_cli("retrieve", path, "--tag", "Jobs", "--tag", "health", "--all", "--context", "6")
    assert result.code == 0, result.err
    # j1 [5,15) & h1 [12,20) -> [12,15); j2 [45,55) & h2 [40,50) -> [45,50); context cut at white space
    assert result.out == (
        "Interview A  [12, 15)  Jobs + Health  speaker: Ana  by: kim\n"
        "  …k»lmn«opqrst…\n"
        "  note: pay\n"
        "\n"
        "Interview A  [45, 50)  Jobs + Health  speaker: Ben  by: lee\n"
        "  …KLMN»OPQRS«T…\n"
        "\n"
        "2 passage(s)\n"
    )


def test_retrieve_filters_and_json(run_cli, project):
    path, ids = project
    # Economy with Jobs, not Health: e1 [0,10), e2 [25,35)
    result = run_cli("retrieve", path, "--tag", "Economy", "--not", "Health", "--json", "--context", "0")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert [(r["start"], r["end"], r["tags"], r["speaker"]) for r in rows] == [
        (0, 10, ["Economy"], "Ana"),
        (25, 35, ["Economy"], "Ana"),
    ]
    assert rows[1]["text"] == "xyz.\nABCDE" and rows[1]["annotators"] == ["lee"]
    assert rows[0]["document_id"] == ids["D1"] and rows[0]["annotation_ids"] == [ids["e1"]]
    # Economy alone in Ben's turns: e2 (crosses into them) and e3
    ben = run_cli("retrieve", path, "--tag", "Economy", "--no-subthemes", "--speaker", "Ben", "--json")
    assert [(r["document"], r["start"]) for r in json.loads(ben.out)] == [
        ("Interview A", 25),
        ("Interview B", 0),
    ]
    # Health, by lee, in documents done: h4
    lee = run_cli("retrieve", path, "--tag", "Health", "--annotator", "lee", "--status", "done", "--json")
    assert [(r["start"], r["end"]) for r in json.loads(lee.out)] == [(20, 25)]
    one = run_cli("retrieve", path, "--tag", "Health", "--document", "Interview B")
    assert one.out.endswith("2 passage(s)\n")


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--tag", "Nope"], "no tag named 'Nope'"),
        (["--speaker", "Carl"], "no speaker named 'Carl'"),
        (["--annotator", "zoe"], "no spans by an annotator named 'zoe'"),
        (["--document", "Missing"], "no document with id or title 'Missing'"),
        (["--not", "Nope"], "no tag named 'Nope'"),
    ],
)
def test_unknown_names_are_one_line_and_exit_1(run_cli, project, arguments, message):
    path, _ = project
    result = run_cli("retrieve", path, *arguments)
    assert result.code == 1 and result.out == ""
    assert result.err == f"annotator: error: {message}\n"


def test_control_characters_are_escaped(run_cli, tmp_path):
    store, ids = build(tmp_path / "p.annotator")
    store.add_annotation(
        document_id=ids["D3"], start=0, end=5, tag_id=ids["Health"], annotator="kim", note="\x1b[2Jgone"
    )
    store.close()
    result = run_cli("retrieve", tmp_path / "p.annotator", "--tag", "Health", "--document", "Notes")
    assert "\x1b" not in result.out
    assert "  note: \\x1b[2Jgone\n" in result.out
    assert "  »plain« notes, nothing\n" in result.out  # the whole short text as context, no marks


def test_retrieve_writes_passages_to_a_file(run_cli, project, tmp_path):
    path, _ = project
    out = tmp_path / "passages.csv"
    result = run_cli("retrieve", path, "--tag", "Health", "--out", out)
    assert result.code == 0, result.err
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 1 + 4  # header + h1, h2, h3, h4
    assert result.err == f"wrote 4 passage(s) to {out}\n"
    bad = run_cli("retrieve", path, "--tag", "Health", "--out", tmp_path / "passages.pdf")
    assert bad.code == 1 and not (tmp_path / "passages.pdf").exists()


def test_matrix_table(run_cli, project):
    path, _ = project
    result = run_cli("matrix", path, "--rows", "tags", "--cols", "speakers")
    assert result.code == 0, result.err
    assert result.out == "tag      Ana  Ben\nEconomy    2    2\nJobs       1    1\nHealth     1    3\n"
    jaccard = run_cli("matrix", path, "--rows", "tags", "--cols", "tags", "--measure", "jaccard")
    # Economy x Health: 3 / 53 = 0.057; Jobs x Health 8 / 38 = 0.211
    assert jaccard.out.splitlines()[3] == "Health     0.057  0.211   1.000"


def test_matrix_csv_json_and_xlsx_files(run_cli, project, tmp_path):
    path, ids = project
    assert (
        run_cli("matrix", path, "--rows", "documents", "--cols", "tags", "--out", tmp_path / "m.csv").code
        == 0
    )
    assert (tmp_path / "m.csv").read_bytes() == (
        "document,document_id,Economy,Jobs,Health\r\n"
        f"Interview A,{ids['D1']},2,2,2\r\n"
        f"Interview B,{ids['D2']},1,0,2\r\n"
        f"Notes,{ids['D3']},0,0,0\r\n"
    ).encode()
    result = run_cli(
        "matrix",
        path,
        "--rows",
        "documents",
        "--cols",
        "tags",
        "--measure",
        "presence",
        "--out",
        tmp_path / "m.xlsx",
    )
    assert result.code == 0 and result.err == f"wrote a 3 x 3 table to {tmp_path / 'm.xlsx'}\n"
    assert read_sheet(tmp_path / "m.xlsx") == [
        ["document", "document_id", "Economy", "Jobs", "Health"],
        ["Interview A", ids["D1"], 1.0, 1.0, 1.0],
        ["Interview B", ids["D2"], 1.0, 0.0, 1.0],
        ["Notes", ids["D3"], 0.0, 0.0, 0.0],
    ]
    run_cli(
        "matrix", path, "--rows", "tags", "--cols", "tags", "--same-paragraph", "--out", tmp_path / "m.json"
    )
    data = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert data["measure"] == "count" and data["same_paragraph"] is True
    assert [label["name"] for label in data["row_labels"]] == ["Economy", "Jobs", "Health"]
    assert data["values"] == [[3, 3, 5], [3, 2, 2], [5, 2, 4]]  # worked out in test_analysis_matrices.py
    printed = run_cli("matrix", path, "--rows", "tags", "--cols", "annotators", "--format", "csv")
    assert printed.out == "tag,kim,lee\nEconomy,2,1\nJobs,1,1\nHealth,2,2\n"


def test_frequencies_with_parent_totals(run_cli, project, tmp_path):
    path, _ = project
    result = run_cli("matrix", path, "--rows", "tags")
    assert result.code == 0, result.err
    # worked out in test_analysis_matrices.py: Economy 3 spans, 30 characters; with Jobs 5 and 45
    assert result.out.splitlines()[:3] == [
        "tag      path            depth  passages  documents  characters  total_passages  total_documents"
        "  total_characters",
        "Economy  Economy             0         3          2          30               5                2"
        "                45",
        "Jobs     Economy > Jobs      1         2          1          20               2                1"
        "                20",
    ]
    assert run_cli("matrix", path, "--rows", "tags", "--out", tmp_path / "f.xlsx").code == 0
    sheet = read_sheet(tmp_path / "f.xlsx")
    assert sheet[1] == ["Economy", "Economy", 0.0, 3.0, 2.0, 30.0, 5.0, 2.0, 45.0]
    data = json.loads(run_cli("matrix", path, "--rows", "tags", "--annotator", "lee", "--format", "json").out)
    # lee: Economy e2 (10 characters); with Jobs e2, j2 (20)
    assert (data[0]["tag"], data[0]["passages"], data[0]["total_passages"], data[0]["total_characters"]) == (
        "Economy",
        1,
        2,
        20,
    )
    refused = run_cli("matrix", path, "--rows", "documents")
    assert refused.code == 1 and "needs --cols" in refused.err


def test_matrix_filters(run_cli, project):
    path, _ = project
    result = run_cli(
        "matrix", path, "--rows", "documents", "--cols", "tags", "--status", "done", "--format", "json"
    )
    data = json.loads(result.out)
    assert [label["name"] for label in data["row_labels"]] == ["Interview B", "Notes"]
    assert data["values"] == [[1, 0, 2], [0, 0, 0]]


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--rows", "documents", "--cols", "documents"], "documents against documents is not a matrix"),
        (
            ["--rows", "tags", "--cols", "documents", "--measure", "jaccard"],
            "jaccard compares tags with tags",
        ),
        (["--rows", "tags", "--cols", "tags", "--format", "xlsx"], "--format xlsx needs --out FILE.xlsx"),
        (["--rows", "tags", "--cols", "tags", "--out", "m.pdf"], "cannot tell the format from '.pdf'"),
        (["--rows", "tags", "--cols", "tags", "--tag", "Nope"], "no tag named 'Nope'"),
    ],
)
def test_matrix_refusals_are_one_line(run_cli, project, arguments, message):
    path, _ = project
    result = run_cli("matrix", path, *arguments)
    assert result.code == 1 and result.out == ""
    assert re.fullmatch(f"annotator: error: [^\n]*{re.escape(message)}[^\n]*\n", result.err), result.err

"""The Excel workbook export: strings stay strings, Unicode survives, Excel's two limits are handled openly.

The workbook is read back by unzipping it and parsing the sheet XML, so the
test sees exactly what Excel or LibreOffice would be handed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from defusedxml import ElementTree

from annotator.exporters import ExportError, export, xlsx
from annotator.exporters.csv import HEADER
from annotator.model import ImportedDocument, ImportedSpan, TagKind
from tests.conftest import REPO

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
#: The torture text of test_export.py, plus text a spreadsheet would run, and OOXML's own escape syntax.
TEXT = "👩‍🔬 e\u0301tude 日本語の𠀋文 مرحبا\nשלום =1+1 -5 @SUM(A1) +33 _x0041_ end"


def _unescape(value: str) -> str:
    """OOXML's ``_xHHHH_`` escapes back to characters (``_x005F_`` is a literal underscore)."""
    return re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def _cell_value(cell) -> str | float | None:
    kind = cell.get("t")
    if cell.find("m:f", NS) is not None:
        raise AssertionError(f"cell {cell.get('r')} holds a formula")
    if kind == "inlineStr":
        return _unescape("".join(t.text or "" for t in cell.iterfind(".//m:t", NS)))
    if kind in ("s", "str", "b", "e"):
        raise AssertionError(f"cell {cell.get('r')} has unexpected type {kind}")
    value = cell.find("m:v", NS)
    return None if value is None else float(value.text)


def _column(reference: str) -> int:
    letters = re.match(r"[A-Z]+", reference).group(0)
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number - 1


def read_workbook(path: Path) -> dict[str, list[list]]:
    """{sheet name: rows of cell values}, in the workbook's order; blank cells are ``None``."""
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        names = [sheet.get("name") for sheet in book.iterfind(".//m:sheet", NS)]
        sheets = {}
        for number, name in enumerate(names, start=1):
            root = ElementTree.fromstring(archive.read(f"xl/worksheets/sheet{number}.xml"))
            rows = []
            for row in root.iterfind(".//m:sheetData/m:row", NS):
                values = [None] * len(HEADER)
                for cell in row.iterfind("m:c", NS):
                    values[_column(cell.get("r"))] = _cell_value(cell)
                rows.append(values)
            sheets[name] = rows
    return sheets


@pytest.fixture
def corpus(store):
    spans = []
    for piece, label, kind, who, note in [
        ("👩‍🔬", "Science", TagKind.THEME, "ana", "emoji with a joiner"),
        ("日本語の𠀋文", "Dr Ana", TagKind.SPEAKER, "ana", None),
        ("مرحبا\nשלום", "=Label", TagKind.SPEAKER, "@ben", "two\nlines"),
        ("=1+1", "Formula", TagKind.THEME, "ana", "-5"),
        ("_x0041_", "Escapes", TagKind.THEME, "ana", "\x0b control"),
    ]:
        start = TEXT.index(piece)
        spans.append(ImportedSpan(start, start + len(piece), label, kind, annotator=who, note=note))
    doc = store.add_document(ImportedDocument(title="+torture", text=TEXT, spans=tuple(spans)), annotator="x")
    store.add_document(ImportedDocument(title="plain", text="Nothing tagged here."), annotator="x")
    return store, doc.document_id


def test_every_cell_is_written_as_its_value_and_formula_like_text_stays_a_string(corpus, tmp_path):
    store, doc_id = corpus
    out = tmp_path / "out.xlsx"
    summary = export(store, out, format="xlsx")
    assert (summary.documents, summary.spans, summary.notes) == (2, 5, ())
    [(name, rows)] = read_workbook(out).items()
    assert name == "spans" and rows[0] == list(HEADER)

    def row(piece, label, kind, who, note):
        start = TEXT.index(piece)
        return ["+torture", doc_id, float(start), float(start + len(piece)), label, kind, who, note, piece]

    assert rows[1:] == [
        row("👩‍🔬", "Science", "theme", "ana", "emoji with a joiner"),
        row("日本語の𠀋文", "Dr Ana", "speaker", "ana", None),
        row("مرحبا\nשלום", "=Label", "speaker", "@ben", "two\nlines"),
        row("=1+1", "Formula", "theme", "ana", "-5"),
        row("_x0041_", "Escapes", "theme", "ana", "\x0b control"),
    ]


def test_the_formula_cell_is_an_inline_string_in_the_sheet_xml(corpus, tmp_path):
    store, _ = corpus
    export(store, tmp_path / "out.xlsx", format="xlsx")
    with zipfile.ZipFile(tmp_path / "out.xlsx") as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert re.search(r'<c r="I5" t="inlineStr"><is><t>=1\+1</t></is></c>', sheet)
    assert "<f>" not in sheet and "<f " not in sheet


def test_a_cell_past_excels_limit_is_cut_with_a_marker_and_the_summary_says_so(
    store, run_cli, project_path, tmp_path
):
    long_text = "😀" * 20_000 + " tail"  # 40,005 UTF-16 units, as Excel counts
    store.add_document(
        ImportedDocument(
            title="long",
            text=long_text,
            spans=(
                ImportedSpan(0, len(long_text), "All", TagKind.THEME, annotator="ana"),
                ImportedSpan(0, 1, "One", TagKind.THEME, annotator="ana"),
            ),
        ),
        annotator="x",
    )
    store.close()
    result = run_cli("export", project_path, tmp_path / "long.xlsx")
    assert result.code == 0, result.err
    assert result.err == (
        f"exported 1 document(s) and 2 span(s) to {tmp_path / 'long.xlsx'}; "
        "1 cell(s) longer than Excel's 32,767 characters were cut, "
        "each ending in '[…truncated; N characters in all]'\n"
    )
    rows = read_workbook(tmp_path / "long.xlsx")["spans"]
    assert rows[1][8] == "😀"  # [0, 1) sorts first
    cut = rows[2][8]
    mark = "[…truncated; 20,005 characters in all]"  # 38 characters: 32,729 units are left for the text
    assert cut == "😀" * 16_364 + mark  # 32,728 units: half an emoji more would not fit


def test_fit_cell_keeps_what_fits_and_never_splits_a_character():
    assert xlsx.fit_cell("x" * 32_767) == ("x" * 32_767, False)
    cut, was_cut = xlsx.fit_cell("x" * 32_768)
    assert was_cut and len(cut) == 32_767 and cut.endswith("[…truncated; 32,768 characters in all]")
    cut, _ = xlsx.fit_cell("a" + "😀" * 16_400)
    assert len(cut.encode("utf-16-le")) // 2 <= 32_767 and cut.encode("utf-16-le", "strict")


def test_spans_past_the_row_limit_continue_on_more_sheets(corpus, tmp_path, monkeypatch):
    store, _ = corpus
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)  # a header and two spans a sheet, as 1,048,576 rows would be
    summary = export(store, tmp_path / "out.xlsx", format="xlsx")
    sheets = read_workbook(tmp_path / "out.xlsx")
    assert list(sheets) == ["spans", "spans 2", "spans 3"]
    assert all(rows[0] == list(HEADER) for rows in sheets.values())
    assert [row[8] for rows in sheets.values() for row in rows[1:]] == [
        "👩‍🔬",
        "日本語の𠀋文",
        "مرحبا\nשלום",
        "=1+1",
        "_x0041_",
    ]
    assert summary.notes == (
        "spans continue on 2 more sheet(s) ('spans 2' …): a sheet holds 2 spans below its header",
    )


def test_a_cancelled_or_failed_workbook_leaves_no_file_and_no_temporary_folder(corpus, tmp_path, monkeypatch):
    store, _ = corpus
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    out = tmp_path / "out.xlsx"
    calls = iter([False, True])
    with pytest.raises(ExportError, match="cancelled"):
        export(store, out, format="xlsx", should_cancel=lambda: next(calls))
    assert not out.exists() and list(scratch.iterdir()) == []
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    export(store, out, format="xlsx")
    assert list(scratch.iterdir()) == [] and read_workbook(out)["spans"][1][4] == "Science"


def test_a_workbook_streams_to_standard_output(corpus, project_path, tmp_path):
    store, _ = corpus
    store.close()
    done = subprocess.run(
        [sys.executable, "-m", "annotator", "export", str(project_path), "-", "--format", "xlsx"],
        capture_output=True,
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    (tmp_path / "piped.xlsx").write_bytes(done.stdout)
    assert read_workbook(tmp_path / "piped.xlsx")["spans"][4][8] == "=1+1"

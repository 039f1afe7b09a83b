"""Passages exported for a paper: exact CSV bytes, workbook cells, Word runs and HTML, and clean refusals.

The small project below is worked out by hand. Its one document:

    I: How was school?\\nR: =SUM(A1) was fun, my sister helped.\\n

with speaker turns Interviewer [0, 19) and Respondent [19, 58), the theme
School on "=SUM(A1) was fun" [22, 38) by ana, and the theme Family (under
Relations) on "my sister helped" [40, 56) by ben with the note
"-check this". With 200 characters of context nothing is cut, so the
context is the whole text either side.
"""

from __future__ import annotations

import os
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest
from defusedxml import ElementTree

from annotator.analysis import passages_export
from annotator.analysis.passages_export import PASSAGE_HEADER, export_passages
from annotator.analysis.query import PassageQuery
from annotator.analysis.retrieval import retrieve
from annotator.errors import InvalidInputError
from annotator.exporters import replacing
from annotator.model import ImportedDocument, TagKind
from annotator.store import Store
from tests.test_export_xlsx import NS, _cell_value, _column

TEXT = "I: How was school?\nR: =SUM(A1) was fun, my sister helped.\n"
TITLE = "Interview <1>"


def read_workbook(path: Path) -> dict[str, list[list]]:
    """{sheet name: rows of cell values} read from the workbook's XML (blank cells ``None``)."""
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        sheets = {}
        for number, sheet in enumerate(book.iterfind(".//m:sheet", NS), start=1):
            root = ElementTree.fromstring(archive.read(f"xl/worksheets/sheet{number}.xml"))
            rows = []
            for row in root.iterfind(".//m:sheetData/m:row", NS):
                values = [None] * len(PASSAGE_HEADER)
                for cell in row.iterfind("m:c", NS):
                    values[_column(cell.get("r"))] = _cell_value(cell)
                rows.append(values)
            sheets[sheet.get("name")] = rows
    return sheets


def build_project(path: Path) -> dict[str, str]:
    """The project of the module docstring; returns the ids by name ("doc", "School", "Family" ...)."""
    with Store.create(path) as store:
        doc = store.add_document(ImportedDocument(title=TITLE, text=TEXT), annotator="ana").document_id
        relations = store.add_tag(kind=TagKind.THEME, name="Relations", color="#911eb4")
        family = store.add_tag(kind=TagKind.THEME, name="Family", color="#e6194b", parent_id=relations.id)
        school = store.add_tag(kind=TagKind.THEME, name="School", color="#3cb44b")
        interviewer = store.add_tag(kind=TagKind.SPEAKER, name="Interviewer", color="#4363d8")
        respondent = store.add_tag(kind=TagKind.SPEAKER, name="Respondent", color="#f58231")
        add = store.add_annotation
        add(document_id=doc, start=0, end=19, tag_id=interviewer.id, annotator="ana")
        add(document_id=doc, start=19, end=58, tag_id=respondent.id, annotator="ana")
        add(document_id=doc, start=22, end=38, tag_id=school.id, annotator="ana")
        add(document_id=doc, start=40, end=56, tag_id=family.id, annotator="ben", note="-check this")
        assert TEXT[22:38] == "=SUM(A1) was fun" and TEXT[40:56] == "my sister helped"
        return {
            "doc": doc,
            "Relations": relations.id,
            "Family": family.id,
            "School": school.id,
            "Interviewer": interviewer.id,
            "Respondent": respondent.id,
        }


@pytest.fixture
def project(tmp_path) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "p.annotator"
    return path, build_project(path)


def _export(project, out: Path, *, fmt: str | None = None, tags=("School", "Family")) -> int:
    path, ids = project
    with Store.open(path) as store:
        query = PassageQuery(tags=tuple(ids[t] for t in tags))
        return export_passages(store, retrieve(store, query), out, fmt=fmt, context=200)


def test_csv_bytes_exactly(project, tmp_path):
    out = tmp_path / "passages.csv"
    assert _export(project, out) == 2
    doc = project[1]["doc"]
    expected = (
        "document,document_id,start,end,before,passage,after,tags,speaker,annotators,notes\r\n"
        f'Interview <1>,{doc},22,38,"I: How was school?\nR: ",\'=SUM(A1) was fun,'
        '", my sister helped.\n",School,Respondent,ana,\r\n'
        f'Interview <1>,{doc},40,56,"I: How was school?\nR: =SUM(A1) was fun, ",my sister helped,".\n",'
        "Relations > Family,Respondent,ben,'-check this\r\n"
    )
    assert out.read_bytes() == expected.encode("utf-8")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_xlsx_cells_read_back(project, tmp_path):
    out = tmp_path / "passages.xlsx"
    assert _export(project, out) == 2
    sheets = read_workbook(out)
    assert list(sheets) == ["passages"]
    header, first, second = sheets["passages"]
    assert tuple(header) == PASSAGE_HEADER
    doc = project[1]["doc"]
    # strings stay strings (read_workbook refuses formulas), numbers are numbers, nothing neutralised
    assert first == [TITLE, doc, 22.0, 38.0, "I: How was school?\nR: ", "=SUM(A1) was fun",
                     ", my sister helped.\n", "School", "Respondent", "ana", None]  # fmt: skip
    assert second[5:] == ["my sister helped", ".\n", "Relations > Family", "Respondent", "ben", "-check this"]


def test_docx_marks_the_passage_bold(project, tmp_path):
    out = tmp_path / "passages.docx"
    assert _export(project, out) == 2
    paragraphs = docx.Document(str(out)).paragraphs
    quotes = [p for p in paragraphs if p.style.name == "Quote"]
    assert len(quotes) == 2
    runs = [(r.text, bool(r.bold)) for r in quotes[1].runs]
    assert runs == [
        ("I: How was school?\nR: =SUM(A1) was fun, ", False),
        ("my sister helped", True),
        (".\n", False),
    ]
    texts = [p.text for p in paragraphs]
    assert "Interview <1>  characters 40–56" in texts
    assert "Tags: Relations > Family · Speaker: Respondent · Annotators: ben" in texts
    assert "Note: -check this" in texts


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.strong: list[str] = []
        self._in_strong = False
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_strong = tag == "strong"

    def handle_endtag(self, tag):
        if tag == "strong":
            self._in_strong = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_strong:
            self.strong.append(data)


def test_html_bolds_the_passage_and_escapes_the_title(project, tmp_path):
    out = tmp_path / "passages.html"
    assert _export(project, out) == 2
    page = out.read_text(encoding="utf-8")
    parsed = _Collect()
    parsed.feed(page)
    assert parsed.strong == ["=SUM(A1) was fun", "my sister helped"]
    assert "Interview &lt;1&gt;" in page and "<1>" not in page
    assert "script" not in parsed.tags and "http" not in page
    assert "Tags: Relations &gt; Family" in page and "Note: -check this" in page


def test_format_from_fmt_overrides_the_suffix(project, tmp_path):
    out = tmp_path / "passages.txt"
    assert _export(project, out, fmt="csv") == 2
    assert out.read_bytes().startswith(b"document,document_id,")


def test_no_passages_still_makes_a_file(project, tmp_path):
    path, ids = project
    with Store.open(path) as store:
        query = PassageQuery(tags=(ids["School"],), speakers=(ids["Interviewer"],))
        for fmt in ("csv", "xlsx", "html", "docx"):
            out = tmp_path / f"none.{fmt}"
            assert export_passages(store, retrieve(store, query), out) == 0
            assert out.stat().st_size > 0
    assert (tmp_path / "none.csv").read_bytes() == (",".join(PASSAGE_HEADER) + "\r\n").encode()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("out.pdf", "out.pdf: suffix '.pdf' is not one of .csv, .xlsx, .html, .docx; choose one"),
        ("out", "out: no suffix is not one of .csv, .xlsx, .html, .docx; choose one"),
    ],
)
def test_a_bad_suffix_is_one_line(project, tmp_path, monkeypatch, name, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidInputError) as caught:
        _export(project, Path(name))
    assert str(caught.value) == message
    assert not (tmp_path / name).exists()


def test_the_project_itself_is_refused(project):
    path, _ = project
    with pytest.raises(InvalidInputError, match="is the project itself; choose another output file"):
        _export(project, path, fmt="csv")
    with Store.open(path) as store:
        assert store.annotation_count() == 4


def test_a_missing_folder_and_a_folder_target(project, tmp_path):
    with pytest.raises(InvalidInputError, match="folder does not exist"):
        _export(project, tmp_path / "nowhere" / "p.csv")
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(InvalidInputError, match="is a folder"):
        _export(project, tmp_path / "dir.csv")


def test_a_folder_refusing_new_files_is_one_line(project, tmp_path, monkeypatch):
    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(replacing.tempfile, "mkstemp", refused)
    with pytest.raises(InvalidInputError) as caught:
        _export(project, tmp_path / "p.csv")
    assert str(caught.value) == f"{tmp_path}: cannot write here (Permission denied)"
    assert not (tmp_path / "p.csv").exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a folder the user cannot write")
def test_an_unwritable_folder_is_one_line(project, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(InvalidInputError) as caught:
            _export(project, locked / "p.csv")
    finally:
        locked.chmod(0o700)
    assert "\n" not in str(caught.value) and "cannot write here" in str(caught.value)


def test_a_failure_midway_leaves_the_old_file_and_no_temporary(project, tmp_path, monkeypatch):
    out = tmp_path / "passages.html"
    out.write_text("old", encoding="utf-8")
    real = passages_export.passage_context
    calls = []

    def failing(store, passage, chars=80):
        calls.append(passage)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(store, passage, chars)

    monkeypatch.setattr(passages_export, "passage_context", failing)
    with pytest.raises(InvalidInputError) as caught:
        _export(project, out)
    assert str(caught.value) == f"{out}: cannot be written (No space left on device); nothing was changed"
    assert out.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.annotator", "passages.html"]


def test_control_characters_kept_where_the_format_can_hold_them(tmp_path):
    path = tmp_path / "ctrl.annotator"
    text = "a\x01b \x0b c _x0041_"
    with Store.create(path) as store:
        doc = store.add_document(ImportedDocument(title="t\x01", text=text), annotator="x").document_id
        tag = store.add_tag(kind=TagKind.THEME, name="T")
        store.add_annotation(document_id=doc, start=0, end=3, tag_id=tag.id, annotator="x")
        outs = {fmt: tmp_path / f"ctrl.{fmt}" for fmt in ("csv", "xlsx", "html", "docx")}
        for out in outs.values():
            assert export_passages(store, retrieve(store, PassageQuery()), out) == 1
    # CSV and the workbook (OOXML's _xHHHH_ escapes) keep every character, "_x0041_" as written
    assert f"t\x01,{doc},0,3,,a\x01b, \x0b c _x0041_,T,,x,\r\n".encode() in outs["csv"].read_bytes()
    row = read_workbook(outs["xlsx"])["passages"][1]
    assert row[:7] == ["t\x01", doc, 0.0, 3.0, None, "a\x01b", " \x0b c _x0041_"]
    # XML 1.0 cannot hold them at all: HTML and Word show U+FFFD
    assert "<strong>a\ufffdb</strong> \ufffd c _x0041_" in outs["html"].read_text(encoding="utf-8")
    quote = next(p for p in docx.Document(str(outs["docx"])).paragraphs if p.style.name == "Quote")
    assert quote.text == "a\ufffdb \ufffd c _x0041_"

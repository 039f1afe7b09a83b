"""The report: one self-contained HTML file (or a Word document) whose counts are right and whose text runs nothing.

The counting project is the one of tests/test_passages_export.py: Relations
has no spans of its own and one through its sub-theme Family (16
characters), School one span of 16 characters, and the two speaker turns
cover 19 and 39 characters. The hostile project puts markup and script in
every piece of text a report shows: a title, the text, a tag name and
description, a note, an annotator's name and a memo.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest

from annotator.analysis import report
from annotator.analysis.query import PassageQuery
from annotator.analysis.report import PASSAGES_PER_THEME, write_report
from annotator.analysis.report_docx import CHARTS_NOTE
from annotator.errors import InvalidInputError
from annotator.exporters import replacing
from annotator.model import ImportedDocument, TagKind
from annotator.store import Store
from tests.test_passages_export import TEXT, build_project

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
HOSTILE = (
    f"{SCRIPT} {IMG} <iframe src=//evil></iframe> <a href=javascript:alert(3)>x</a> <style>*{{}}</style>"
)
#: Every element the report itself writes; anything else came from the project's text.
REPORT_ELEMENTS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "ul", "li", "nav", "a",
    "section", "table", "thead", "tbody", "tr", "th", "td", "span", "figure", "figcaption", "svg", "g",
    "rect", "text", "line", "article", "blockquote", "strong", "div", "code",
}  # fmt: skip


class Page(HTMLParser):
    """Every start tag with its attributes, and the text of table cells and headings."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.fixture
def counted(tmp_path) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "p.annotator"
    return path, build_project(path)


@pytest.fixture
def hostile(tmp_path) -> Path:
    path = tmp_path / "hostile.annotator"
    with Store.create(path) as store:
        text = f"Before {HOSTILE} after. A second sentence here."
        doc = store.add_document(ImportedDocument(title=HOSTILE, text=text), annotator="x").document_id
        theme = store.add_tag(kind=TagKind.THEME, name=f"T {IMG}", description=HOSTILE, color="#e6194b")
        speaker = store.add_tag(kind=TagKind.SPEAKER, name=f"S {SCRIPT}", color="#4363d8")
        store.add_annotation(document_id=doc, start=0, end=len(text), tag_id=speaker.id, annotator=HOSTILE)
        store.add_annotation(document_id=doc, start=7, end=7 + len(HOSTILE), tag_id=theme.id, annotator=HOSTILE,
                             note=HOSTILE)  # fmt: skip
        store.set_document_memo(doc, f"memo {HOSTILE}")
    return path


def _write(path: Path, out: Path, **kwargs) -> None:
    with Store.open(path) as store:
        write_report(store, out, **kwargs)


def test_html_report_runs_nothing_and_fetches_nothing(hostile, tmp_path):
    out = tmp_path / "report.html"
    _write(hostile, out)
    raw = out.read_text(encoding="utf-8")
    page = parse(out)
    names = {tag for tag, _ in page.elements}
    assert names <= REPORT_ELEMENTS
    assert not {"script", "img", "iframe", "object", "embed", "link", "base", "form"} & names
    assert [tag for tag, _ in page.elements].count("style") == 1  # the report's own, in <head>
    for tag, attrs in page.elements:
        assert not [name for name in attrs if name.startswith("on") or name in ("src", "srcset", "action")]
        if "href" in attrs:
            assert tag == "a" and attrs["href"].startswith("#")
    assert "http" not in raw  # no address at all: not even the SVG namespace
    assert "url(" not in raw and "@import" not in raw
    # the hostile text is shown, as text
    shown = "".join(page.text)
    assert SCRIPT in shown and IMG in shown and f"memo {HOSTILE}" in shown and f"Note: {HOSTILE}" in shown
    assert f"T {IMG}" in shown and f"S {SCRIPT}" in shown
    assert "@media print" in raw


def test_html_report_counts(counted, tmp_path):
    path, _ = counted
    out = tmp_path / "report.html"
    _write(path, out)
    page = parse(out)
    rows = {row[0]: row[1:] for row in page.rows if row}
    # theme: description, passages, documents, characters, then with sub-themes: the same three
    assert rows["Relations"] == ["", "0", "0", "0", "1", "1", "16"]
    assert rows["Family"] == ["", "1", "1", "16", "1", "1", "16"]
    assert rows["School"] == ["", "1", "1", "16", "1", "1", "16"]
    # speaker: description, turns, documents, characters
    assert rows["Interviewer"] == ["", "1", "1", "19"]
    assert rows["Respondent"] == ["", "1", "1", "39"]
    raw = out.read_text(encoding="utf-8")
    assert raw.count("<svg ") == 3  # frequencies, co-occurrence, theme by speaker
    svgs = re.findall(r'<svg [^>]*viewBox="0 0 [\d.]+ [\d.]+"', raw)
    assert len(svgs) == 3
    # passages by theme: each theme's own, in bold within their context
    sections = re.findall(r'<section id="theme-\d+"><h3>.*?</section>', raw, flags=re.S)
    assert len(sections) == 2
    assert "Relations &gt; Family" in sections[0] and "<strong>my sister helped</strong>" in sections[0]
    assert "School" in sections[1] and "<strong>=SUM(A1) was fun</strong>" in sections[1]
    assert "No document memos." in raw


def test_theme_by_speaker_cells(counted, tmp_path):
    path, ids = counted
    with Store.open(path) as store:
        data = report.gather(store)
    m = data.by_speaker.matrix
    rows = [label.key for label in m.row_labels]
    cols = [label.key for label in m.col_labels]
    assert cols == [ids["Interviewer"], ids["Respondent"]]
    for theme in ("Family", "School"):
        assert m.values[rows.index(ids[theme])] == (0.0, 1.0)  # both said by the respondent


def test_a_report_on_one_theme_still_shows_who_speaks_it(counted, tmp_path):
    """A tag filter keeps the speakers' turns as the columns of theme x speaker."""
    path, ids = counted
    with Store.open(path) as store:
        data = report.gather(store, PassageQuery(tags=(ids["School"],)))
    m = data.by_speaker.matrix
    assert [label.key for label in m.row_labels] == [ids["School"]]
    assert [label.key for label in m.col_labels] == [ids["Interviewer"], ids["Respondent"]]
    assert m.values == ((0.0, 1.0),)  # said by the respondent
    out = tmp_path / "r.html"
    _write(path, out, base=PassageQuery(tags=(ids["School"],)))
    assert "No speakers in this project." not in out.read_text(encoding="utf-8")


def test_passages_are_capped_per_theme(tmp_path):
    path = tmp_path / "many.annotator"
    count = PASSAGES_PER_THEME + 3
    with Store.create(path) as store:
        text = "".join(f"line {i:02d}\n" for i in range(count))
        doc = store.add_document(ImportedDocument(title="d", text=text), annotator="x").document_id
        tag = store.add_tag(kind=TagKind.THEME, name="Lines")
        for i in range(count):
            store.add_annotation(document_id=doc, start=8 * i, end=8 * i + 7, tag_id=tag.id, annotator="x")
    out = tmp_path / "r.html"
    _write(path, out)
    raw = out.read_text(encoding="utf-8")
    assert raw.count('<article class="passage">') == PASSAGES_PER_THEME
    assert f"<strong>line {PASSAGES_PER_THEME - 1:02d}</strong>" in raw
    assert f"<strong>line {PASSAGES_PER_THEME:02d}</strong>" not in raw
    assert f"… and 3 more (the first {PASSAGES_PER_THEME} are shown;" in raw
    docx_out = tmp_path / "r.docx"
    _write(path, docx_out)
    paragraphs = [p.text for p in docx.Document(str(docx_out)).paragraphs]
    assert sum(p.startswith("d  characters") for p in paragraphs) == PASSAGES_PER_THEME
    assert "… and 3 more (annotator retrieve lists them all)." in paragraphs


def test_filters_limit_the_sections(counted, tmp_path):
    path, ids = counted
    out = tmp_path / "report.html"
    _write(path, out, base=PassageQuery(tags=(ids["Relations"],)))
    raw = out.read_text(encoding="utf-8")
    sections = re.findall(r'<section id="theme-\d+">', raw)
    assert len(sections) == 1 and "<strong>my sister helped</strong>" in raw
    assert "<strong>=SUM(A1) was fun</strong>" not in raw
    assert "Tags: Relations (with their sub-themes)" in raw


def test_memos_in_scope_only(counted, tmp_path):
    path, ids = counted
    with Store.open(path) as store:
        store.set_document_memo(ids["doc"], "Recorded at home.\nSecond line.")
        other = store.add_document(ImportedDocument(title="Other", text="x"), annotator="a").document_id
        store.set_document_memo(other, "other memo")
    out = tmp_path / "report.html"
    _write(path, out, base=PassageQuery(documents=(ids["doc"],)))
    raw = out.read_text(encoding="utf-8")
    assert '<div class="memo">Recorded at home.\nSecond line.</div>' in raw
    assert "other memo" not in raw


def test_docx_report_gives_tables_for_charts(counted, tmp_path):
    path, ids = counted
    with Store.open(path) as store:
        store.set_document_memo(ids["doc"], "memo <b>")
    out = tmp_path / "report.docx"
    _write(path, out)
    document = docx.Document(str(out))
    texts = [p.text for p in document.paragraphs]
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:4] == ["Report: p", "Codebook", "Speakers", "Co-occurrence"]
    assert "Passages by theme" in headings and "Document memos" in headings
    assert CHARTS_NOTE in texts and "memo <b>" in texts
    codebook = document.tables[0]
    rows = {row.cells[0].text.split("■ ")[-1]: [c.text for c in row.cells[1:]] for row in codebook.rows}
    assert rows["Relations"] == ["", "0", "0", "0", "1", "1", "16"]
    assert rows["School"] == ["", "1", "1", "16", "1", "1", "16"]
    by_speaker = document.tables[3]
    assert [c.text for c in by_speaker.rows[0].cells] == ["", "Interviewer", "Respondent"]
    school = next(row for row in by_speaker.rows if row.cells[0].text == "School")
    assert [c.text for c in school.cells[1:]] == ["0", "1"]
    quotes = [p for p in document.paragraphs if p.style.name == "Quote"]
    assert [r.text for r in quotes[0].runs if r.bold] == ["my sister helped"]
    assert TEXT[:5] in quotes[0].text


def test_docx_report_of_hostile_text_is_valid(hostile, tmp_path):
    out = tmp_path / "report.docx"
    _write(hostile, out)
    texts = [p.text for p in docx.Document(str(out)).paragraphs]
    assert texts[0] == "Report: hostile"
    assert any(t.startswith(f"{HOSTILE}  characters 7–") for t in texts)
    assert f"memo {HOSTILE}" in texts and f"Note: {HOSTILE}" in texts


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("r.pdf", "suffix '.pdf' is not one of .html, .docx; choose one"),
        ("r.csv", "suffix '.csv' is not one"),
    ],
)
def test_report_refuses_other_suffixes(counted, tmp_path, name, message):
    with pytest.raises(InvalidInputError, match=re.escape(message)):
        _write(counted[0], tmp_path / name)
    assert not (tmp_path / name).exists()


# -- the command line ----------------------------------------------------------------------


def test_cli_report_html_and_docx(counted, tmp_path, run_cli):
    path, _ = counted
    result = run_cli("report", path, tmp_path / "r.html", "--tag", "School", "--speaker", "Respondent")
    assert (result.code, result.out) == (0, "")
    assert result.err == f"wrote the report to {tmp_path / 'r.html'}\n"
    raw = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Tags: School" in raw and "Speakers: Respondent" in raw
    assert "<strong>=SUM(A1) was fun</strong>" in raw and "my sister helped</strong>" not in raw
    result = run_cli("report", path, tmp_path / "r.docx", "--status", "todo", "--annotator", "ana")
    assert result.code == 0 and (tmp_path / "r.docx").stat().st_size > 0


def test_cli_not_and_no_subthemes(counted, tmp_path, run_cli):
    path, _ = counted
    out = tmp_path / "r.html"
    assert run_cli("report", path, out, "--tag", "Relations", "--no-subthemes").code == 0
    raw = out.read_text(encoding="utf-8")
    assert "Tags: Relations</li>" in raw and "No coded passages." in raw  # Relations has no spans itself
    assert run_cli("report", path, out, "--not", "Family").code == 0
    raw = out.read_text(encoding="utf-8")
    assert "Leaving out passages overlapping: Relations &gt; Family" in raw
    assert "<strong>=SUM(A1) was fun</strong>" in raw and "my sister helped</strong>" not in raw


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{dir}/r.txt"], "{dir}/r.txt: suffix '.txt' is not one of .html, .docx; choose one"),
        (["{dir}/missing/r.html"], "{dir}/missing: folder does not exist"),
        (["{dir}/r.html", "--tag", "Nope"], "no tag named 'Nope'"),
        (["{dir}/r.html", "--not", "Nope"], "no tag named 'Nope'"),
        (["{dir}/r.html", "--annotator", "zed"], "no spans by an annotator named 'zed'"),
        (["{dir}/r.html", "--speaker", "School"], "no speaker named 'School'"),
        (["{dir}/r.html", "--document", "nothing-like-it"], "no document with id or title 'nothing-like-it'"),
        (["{project}", "--format", "html"], "{project}: is the project itself; choose another output file"),
    ],
)
def test_cli_errors_are_one_line(counted, tmp_path, run_cli, args, message):
    path, _ = counted
    fill = {"dir": tmp_path, "project": path}
    result = run_cli("report", path, *[a.format(**fill) for a in args])
    assert result.code == 1
    assert result.err == f"annotator: error: {message.format(**fill)}\n"
    with Store.open(path) as store:
        assert store.annotation_count() == 4
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_cli_unwritable_target_is_one_line(counted, tmp_path, run_cli, monkeypatch):

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(replacing.tempfile, "mkstemp", refused)
    result = run_cli("report", counted[0], tmp_path / "r.html")
    assert result.code == 1
    assert result.err == f"annotator: error: {tmp_path}: cannot write here (Permission denied)\n"


def test_cli_bad_status_is_a_usage_error(counted, tmp_path, run_cli):
    result = run_cli("report", counted[0], tmp_path / "r.html", "--status", "finished")
    assert result.code == 2 and "--status" in result.err and "invalid" in result.err

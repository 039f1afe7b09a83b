"""Every document format: exact text, paragraph breaks, metadata and page offsets as stored."""

from __future__ import annotations

from annotator.importers import ImportOptions
from annotator.importers.batch import import_paths
from annotator.model import TagKind
from tests.format_samples import make_docx, make_odt, make_pdf, odt_content, odt_meta


def import_one(store, path, **options):
    report = import_paths(store, [path], annotator="tester", options=ImportOptions(**options))
    assert report.failed == [], report.failed
    [doc] = list(store.iter_documents())
    return doc


def speaker_spans(store, doc):
    names = {t.id: t.name for t in store.tags(TagKind.SPEAKER)}
    return sorted((a.start, a.end, names[a.tag_id]) for a in store.annotations_for_document(doc.id))


def test_docx_paragraphs_and_table_in_reading_order_with_core_properties(store, tmp_path):
    path = make_docx(
        tmp_path / "interview.docx",
        paragraphs=["First paragraph 😀.", "", "Second\tone."],
        table=[["Year", "Event"], ["2019", "Moved"]],
        after=["After the table."],
        title="Interview 3",
        author="Ana Lima",
    )
    doc = import_one(store, path)
    assert doc.text == "First paragraph 😀.\n\nSecond\tone.\n\nYear\tEvent\n\n2019\tMoved\n\nAfter the table."
    assert doc.title == "Interview 3"
    assert doc.source_format == "docx"
    assert doc.meta["author"] == "Ana Lima"
    assert doc.meta["created"] == "2024-03-01T09:30:00+00:00"
    assert doc.meta["modified"] == "2024-03-02T10:00:00+00:00"


def test_docx_without_title_is_named_after_the_file(store, tmp_path):
    doc = import_one(store, make_docx(tmp_path / "notes.docx", paragraphs=["Only text."]))
    assert (doc.title, doc.text) == ("notes", "Only text.")
    assert "title" not in doc.meta


def test_docx_transcript_turns_when_asked(store, tmp_path):
    path = make_docx(tmp_path / "t.docx", paragraphs=["Interviewer: Why?", "Ana: Because 😀 it was."])
    doc = import_one(store, path, transcript=True)
    assert doc.text == "Interviewer: Why?\n\nAna: Because 😀 it was."
    assert speaker_spans(store, doc) == [(13, 17, "Interviewer"), (24, 41, "Ana")]


def test_odt_headings_lists_tables_spaces_and_meta(store, tmp_path):
    body = (
        "<text:h>Chapter 1</text:h>"
        '<text:p>Two<text:s text:c="3"/>spaces, a<text:tab/>tab and<text:line-break/>a break '
        "<text:span>in a span</text:span>"
        "<text:note><text:note-body><text:p>footnote</text:p></text:note-body></text:note>.</text:p>"
        "<text:list><text:list-item><text:p>item one</text:p></text:list-item>"
        "<text:list-item><text:p>item two</text:p></text:list-item></text:list>"
        "<table:table><table:table-row><table:table-cell><text:p>a</text:p></table:table-cell>"
        "<table:table-cell><text:p>b</text:p></table:table-cell></table:table-row></table:table>"
        "<text:p/><text:section><text:p>In a section.</text:p></text:section>"
    )
    meta = odt_meta(
        "<dc:title>Field notes</dc:title><meta:initial-creator>Ben</meta:initial-creator>"
        "<meta:creation-date>2023-01-02T03:04:05</meta:creation-date><dc:date>2023-02-03T04:05:06</dc:date>"
    )
    doc = import_one(store, make_odt(tmp_path / "notes.odt", content=odt_content(body), meta=meta))
    assert doc.text == (
        "Chapter 1\n\nTwo   spaces, a\ttab and\na break in a span.\n\nitem one\n\nitem two"
        "\n\na\tb\n\nIn a section."
    )
    assert doc.title == "Field notes"
    assert doc.meta["author"] == "Ben"
    assert doc.meta["created"] == "2023-01-02T03:04:05"
    assert doc.meta["modified"] == "2023-02-03T04:05:06"


def test_pdf_pages_separated_by_a_blank_line_with_page_offsets(store, tmp_path):
    path = make_pdf(
        tmp_path / "report.pdf",
        ["First page, line one.\nLine two.", "Second page.", "Third."],
        title="Annual report",
        author="WHO",
    )
    doc = import_one(store, path)
    assert doc.text == "First page, line one.\nLine two.\n\nSecond page.\n\nThird."
    assert doc.meta["page_offsets"] == [0, 33, 47]
    assert doc.text[33:45] == "Second page."
    assert doc.text[47:] == "Third."
    assert doc.meta["pages"] == 3
    assert doc.title == "Annual report"
    assert doc.meta["author"] == "WHO"
    assert doc.meta["created"] == "2024-05-06T07:08:09+00:00"


def test_pdf_empty_middle_page_keeps_its_offset(store, tmp_path):
    doc = import_one(store, make_pdf(tmp_path / "gap.pdf", ["One.", "", "Three."]))
    assert doc.text == "One.\n\n\n\nThree."
    assert doc.meta["page_offsets"] == [0, 6, 8]


def test_html_visible_text_blocks_as_paragraphs(store, tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<!DOCTYPE html><html><head><title> My  Page </title>"
        '<meta name="author" content="C. Writer"><style>p { color: red }</style>'
        "<script>document.write('no')</script><link rel=stylesheet href='http://example.com/x.css'>"
        "</head><body><h1>Heading</h1><p>One <b>two</b>\n   three &amp; four</p><!-- a comment -->"
        "<ul><li>a</li><li>b</li></ul><table><tr><td>x</td> <td>y</td></tr></table>"
        "<pre>  keep\n    this</pre>line<br>next<img src='http://example.com/i.png'>"
        "<noscript>enable js</noscript></body></html>",
        encoding="utf-8",
    )
    doc = import_one(store, path)
    assert doc.text == ("Heading\n\nOne two three & four\n\na\n\nb\n\nx\ty\n\n  keep\n    this\n\nline\nnext")
    assert doc.title == "My Page"
    assert doc.meta["author"] == "C. Writer"


def test_html_legacy_charset_from_meta(store, tmp_path):
    path = tmp_path / "old.htm"
    path.write_bytes('<meta charset="windows-1252"><p>café</p>'.encode("cp1252"))
    doc = import_one(store, path)
    assert doc.text == "café"
    assert doc.meta["encoding"] == "windows-1252"


def test_markdown_imported_as_plain_text(store, tmp_path):
    path = tmp_path / "notes.md"
    path.write_text(
        "# Title\n\nSome *emphasis* and `code`\nsoft [link](http://x.org).\n\n- item one\n- item two\n\n"
        "```\nfenced\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<div>raw html</div>\n",
        encoding="utf-8",
    )
    doc = import_one(store, path)
    assert doc.text == (
        "Title\n\nSome emphasis and code\nsoft link.\n\nitem one\n\nitem two\n\nfenced\n\na\tb\n\n1\t2"
    )
    assert doc.source_format == "markdown"


def test_rtf_paragraphs_code_page_unicode_and_info(store, tmp_path):
    path = tmp_path / "talk.rtf"
    path.write_bytes(
        rb"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Arial;}}{\info{\title My talk}{\author Ana}}"
        rb"\f0 Hello caf\'e9 \u8364?\par\par Second \b bold\b0  paragraph.\par}"
    )
    doc = import_one(store, path)
    assert doc.text == "Hello café €\n\nSecond bold paragraph."
    assert doc.title == "My talk"
    assert doc.meta["author"] == "Ana"


def test_all_formats_in_one_folder(store, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    make_docx(folder / "a.docx", paragraphs=["Word text."])
    make_odt(folder / "b.odt", content=odt_content("<text:p>ODF text.</text:p>"))
    make_pdf(folder / "c.pdf", ["PDF text."])
    (folder / "d.html").write_text("<p>HTML text.</p>", encoding="utf-8")
    (folder / "e.rtf").write_text(r"{\rtf1 RTF text.}", encoding="ascii")
    (folder / "f.md").write_text("*Markdown* text.", encoding="utf-8")
    report = import_paths(store, [folder], annotator="tester")
    assert report.failed == []
    texts = sorted(d.text for d in store.iter_documents())
    assert texts == ["HTML text.", "Markdown text.", "ODF text.", "PDF text.", "RTF text.", "Word text."]


def test_docx_tracked_changes_content_controls_links_and_merged_cells(store, tmp_path):
    from tests.format_samples import replace_part

    ns = (
        'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    )
    body = (
        "<w:p><w:pPr><w:tabs><w:tab w:val='left' w:pos='720'/></w:tabs></w:pPr>"
        "<w:r><w:t xml:space='preserve'>A </w:t></w:r><w:hyperlink r:id='rId99'><w:r><w:t>link</w:t></w:r>"
        "</w:hyperlink><w:ins w:id='1' w:author='x'><w:r><w:t xml:space='preserve'> added</w:t></w:r></w:ins>"
        "<w:del w:id='2' w:author='x'><w:r><w:delText> removed</w:delText></w:r></w:del>"
        "<w:r><w:tab/><w:t>tab</w:t><w:br/><w:t>break</w:t></w:r></w:p>"
        "<w:sdt><w:sdtContent><w:p><w:r><w:t>In a content control.</w:t></w:r></w:p></w:sdtContent></w:sdt>"
        "<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val='2'/></w:tcPr><w:p><w:r><w:t>merged</w:t></w:r></w:p></w:tc>"
        "<w:tc><w:p><w:r><w:t>c</w:t></w:r></w:p><w:p><w:r><w:t>two paras</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
    )
    path = make_docx(tmp_path / "tracked.docx", paragraphs=["x"])
    replace_part(path, "word/document.xml", f"<w:document {ns}><w:body>{body}</w:body></w:document>".encode())
    doc = import_one(store, path)
    assert doc.text == "A link added\ttab\nbreak\n\nIn a content control.\n\nmerged\tc two paras"

"""Deeply nested and otherwise unexpected files: each fails (or succeeds) alone, never with a traceback.

Recursive walkers and libraries meet files no real editor writes: thousands
of nested spans, tables in tables in tables, XML deeper than lxml allows. A
batch holding one of them must still store the good files, name the bad
one in one line, and leave nothing of it behind; only a storage failure,
which is not the file's fault, may stop the batch.
"""

from __future__ import annotations

import sqlite3
import struct
import zipfile

import pytest

from annotator.importers import ImportOptions
from annotator.importers.batch import import_paths
from tests.format_samples import make_docx, make_odt, odt_content, replace_part

DEPTH = 3000
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
GOOD_TEXT = "A good file goes in."


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "good.txt"
    path.write_text(GOOD_TEXT, encoding="utf-8")
    return path


def docx_with_body(path, body: str):
    """A real Word file whose document.xml body is replaced by ``body``."""
    make_docx(path, paragraphs=["placeholder"])
    document = f'<?xml version="1.0"?><w:document {W_NS}><w:body>{body}</w:body></w:document>'
    return replace_part(path, "word/document.xml", document.encode())


def deep_docx(path):
    """Runs inside 3,000 nested tracked insertions: past lxml's 256-level limit."""
    body = "<w:p>" + "<w:ins>" * DEPTH + "<w:r><w:t>deep</w:t></w:r>" + "</w:ins>" * DEPTH + "</w:p>"
    return docx_with_body(path, body)


def deep_odt_tables(path):
    """Tables nested 3,000 deep, each in the only cell of the one above."""
    opening = "<table:table><table:table-row><table:table-cell>" * DEPTH
    closing = "</table:table-cell></table:table-row></table:table>" * DEPTH
    return make_odt(path, content=odt_content(opening + "<text:p>deep</text:p>" + closing))


def import_batch(store, *paths, **options):
    return import_paths(store, list(paths), annotator="tester", options=ImportOptions(**options))


def assert_only_good_stored(store, report, bad, reason):
    """The bad file failed with exactly ``reason``; the good one alone is stored."""
    [failure] = report.failed
    assert (failure.path, failure.message) == (bad, reason)
    assert [d.text for d in store.iter_documents()] == [GOOD_TEXT]
    assert store.annotation_count() == 0
    assert report.summary() == "1 document(s) imported, 0 already in the project, 1 failed"


def test_docx_nested_past_the_xml_depth_limit_fails_alone(store, tmp_path, good_file):
    bad = deep_docx(tmp_path / "deep.docx")
    report = import_batch(store, bad, good_file)
    assert_only_good_stored(store, report, bad, "corrupt DOCX file (structure nested too deeply to read)")


def test_docx_nested_200_deep_is_read(store, tmp_path):
    body = "<w:p>" + "<w:ins>" * 200 + "<w:r><w:t>still read</w:t></w:r>" + "</w:ins>" * 200 + "</w:p>"
    report = import_batch(store, docx_with_body(tmp_path / "deep200.docx", body))
    assert report.failed == []
    assert [d.text for d in store.iter_documents()] == ["still read"]


def test_odt_tables_nested_thousands_deep_fail_alone(store, tmp_path, good_file):
    bad = deep_odt_tables(tmp_path / "tables.odt")
    report = import_batch(store, bad, good_file)
    assert_only_good_stored(store, report, bad, "structure nested too deeply to read")


def test_odt_spans_and_lists_nested_thousands_deep_are_read(store, tmp_path):
    spans = "<text:p>a " + "<text:span>" * DEPTH + "deep" + "</text:span> tail" * DEPTH + "</text:p>"
    lists = (
        "<text:list><text:list-item>" * DEPTH
        + "<text:p>listed</text:p>"
        + "</text:list-item></text:list>" * DEPTH
    )
    path = make_odt(tmp_path / "deep.odt", content=odt_content(spans + lists))
    report = import_batch(store, path)
    assert report.failed == []
    assert [d.text for d in store.iter_documents()] == ["a deep" + " tail" * DEPTH + "\n\nlisted"]


def test_odt_nested_table_rows_are_read_once(store, tmp_path):
    inner = "<table:table><table:table-row><table:table-cell><text:p>inner</text:p></table:table-cell></table:table-row></table:table>"
    outer = f"<table:table><table:table-row><table:table-cell><text:p>outer</text:p>{inner}</table:table-cell></table:table-row></table:table>"
    import_batch(store, make_odt(tmp_path / "tables.odt", content=odt_content(outer)))
    assert [d.text for d in store.iter_documents()] == ["outer inner"]


def test_html_nested_thousands_deep_is_read(store, tmp_path):
    path = tmp_path / "deep.html"
    path.write_text(
        "<html><body>" + "<div><span>" * DEPTH + "deep" + "</span></div>" * DEPTH + "</body></html>"
    )
    report = import_batch(store, path)
    assert report.failed == []
    assert [d.text for d in store.iter_documents()] == ["deep"]


def test_cli_reports_deep_files_in_one_line_each_and_exits_1(run_cli, project_path, tmp_path, good_file):
    docx = deep_docx(tmp_path / "deep.docx")
    odt = deep_odt_tables(tmp_path / "tables.odt")
    result = run_cli("import", project_path, docx, good_file, odt)
    assert result.code == 1
    assert result.err.splitlines() == [
        f"failed: {docx}: corrupt DOCX file (structure nested too deeply to read)",
        f"failed: {odt}: structure nested too deeply to read",
    ]
    assert "Traceback" not in result.err
    assert result.out.splitlines() == [
        f"imported: {good_file}",
        "1 document(s) imported, 0 already in the project, 2 failed",
    ]


@pytest.mark.parametrize(
    ("raised", "reason"),
    [
        (KeyError("word/document.xml"), "unreadable file (KeyError: 'word/document.xml')"),
        (
            struct.error("unpack requires a buffer of 4 bytes"),
            "unreadable file (error: unpack requires a buffer of 4 bytes)",
        ),
        (
            zipfile.BadZipFile("Bad CRC-32 for file 'content.xml'"),
            "corrupt archive: Bad CRC-32 for file 'content.xml'",
        ),
        (RecursionError("maximum recursion depth exceeded"), "structure nested too deeply to read"),
        (MemoryError(), "too big to read in the memory available"),
        (SyntaxError("not well-formed\n(invalid token)"), "bad XML: not well-formed (invalid token)"),
    ],
)
def test_any_exception_while_reading_fails_that_file_in_one_line(
    store, tmp_path, good_file, monkeypatch, raised, reason
):
    from annotator.importers import odt

    def explode(*_):
        raise raised

    monkeypatch.setattr(odt, "blocks", explode)
    bad = make_odt(tmp_path / "bad.odt", content=odt_content("<text:p>never read</text:p>"))
    report = import_batch(store, bad, good_file)
    assert_only_good_stored(store, report, bad, reason)


def test_a_storage_failure_still_stops_the_batch(store, tmp_path, good_file, monkeypatch):
    def broken_storage(*_, **__):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(type(store), "add_document", broken_storage)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        import_batch(store, good_file)

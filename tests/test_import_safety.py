"""Hostile and broken files: each fails alone with a one-line reason and stores nothing."""

from __future__ import annotations

import pytest

from annotator.importers import DEFAULT_MAX_FILE_BYTES, ImportOptions
from annotator.importers.batch import import_paths
from tests.format_samples import (
    BILLION_LAUGHS,
    encrypt_pdf,
    make_docx,
    make_odt,
    make_pdf,
    odt_content,
    replace_part,
    with_flate_bomb_pages,
    xxe_prolog,
    zip_bomb_part,
)

SECRET = "TOP-SECRET-CONTENT-42"
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx_body(prolog: str, text: str) -> bytes:
    return (
        f"{prolog}<w:document {W_NS}><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
    ).encode()


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "good.txt"
    path.write_text("A good file goes in.", encoding="utf-8")
    return path


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


def assert_fails_alone(store, bad, good, expected_reason, **options):
    """The bad file fails with a one-line reason containing ``expected_reason``; the good one goes in."""
    report = import_paths(store, [bad, good], annotator="tester", options=ImportOptions(**options))
    [failure] = report.failed
    assert failure.path == bad
    assert expected_reason in failure.message
    assert "\n" not in failure.message and "Traceback" not in failure.message
    assert [d.text for d in store.iter_documents()] == ["A good file goes in."]
    assert store.annotation_count() == 0
    assert "1 failed" in report.summary()
    return failure.message


# -- corrupt and unsupported ---------------------------------------------------


@pytest.mark.parametrize("suffix", [".docx", ".odt"])
def test_corrupt_archive(store, tmp_path, good_file, suffix):
    bad = tmp_path / f"broken{suffix}"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip archive" * 10)
    what = suffix.lstrip(".").upper()
    assert_fails_alone(store, bad, good_file, f"corrupt {what} file")


def test_truncated_docx(store, tmp_path, good_file):
    whole = make_docx(tmp_path / "whole.docx", paragraphs=["text"]).read_bytes()
    bad = tmp_path / "truncated.docx"
    bad.write_bytes(whole[: len(whole) // 2])
    assert_fails_alone(store, bad, good_file, "corrupt DOCX file")


def test_zip_that_is_not_a_word_document(store, tmp_path, good_file):
    bad = make_odt(tmp_path / "odt-renamed.docx", content=odt_content("<text:p>x</text:p>"))
    assert_fails_alone(store, bad, good_file, "not a Word document")


def test_corrupt_pdf(store, tmp_path, good_file):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\n this is garbage, not objects \n%%EOF")
    assert_fails_alone(store, bad, good_file, "corrupt PDF")


def test_encrypted_pdf(store, tmp_path, good_file):
    plain = make_pdf(tmp_path / "plain.pdf", ["Confidential text."])
    bad = encrypt_pdf(plain, tmp_path / "locked.pdf", "secret")
    plain.unlink()
    message = assert_fails_alone(store, bad, good_file, "encrypted PDF")
    assert "password" in message


def test_pdf_encrypted_with_an_empty_user_password_opens(store, tmp_path):
    plain = make_pdf(tmp_path / "plain.pdf", ["Readable text."])
    restricted = encrypt_pdf(plain, tmp_path / "restricted.pdf", "")
    report = import_paths(store, [restricted], annotator="tester")
    assert report.failed == []
    assert [d.text for d in store.iter_documents()] == ["Readable text."]


def test_pdf_without_text_layer(store, tmp_path, good_file):
    bad = make_pdf(tmp_path / "scan.pdf", ["", ""])
    assert_fails_alone(store, bad, good_file, "PDF has no text layer")


@pytest.fixture(scope="module")
def bomb_pdfs(tmp_path_factory):
    """A three-page PDF whose page 2 is a Flate decompression bomb, and a one-page one that is all bomb."""
    folder = tmp_path_factory.mktemp("bombs")
    three = make_pdf(folder / "three.pdf", ["Readable page one.", "Never read.", "Third page."])
    one = make_pdf(folder / "one.pdf", ["Never read."])
    return {
        "middle": with_flate_bomb_pages(three, folder / "middle-bomb.pdf", [2]),
        "only": with_flate_bomb_pages(one, folder / "only-bomb.pdf", [1]),
    }


BOMB_REASON = "a compressed stream unpacks past pypdf's size limit: a decompression bomb?"


def test_pdf_page_that_cannot_be_extracted_is_reported_by_number(store, bomb_pdfs):
    path = bomb_pdfs["middle"]
    [result] = import_paths(store, [path], annotator="tester").results
    assert result.status == "imported"
    assert result.part_failures == (
        ("page 2", f"text could not be extracted ({BOMB_REASON}); stored as an empty page"),
    )
    [doc] = store.iter_documents()
    assert doc.text == "Readable page one.\n\n\n\nThird page."
    assert doc.meta["unreadable_pages"] == [2]
    assert doc.meta["page_offsets"] == [0, 20, 22]


def test_pdf_with_no_extractable_page_is_not_called_a_scan(store, bomb_pdfs, good_file):
    message = assert_fails_alone(store, bomb_pdfs["only"], good_file, "no text could be read from the PDF")
    assert message == (
        f"no text could be read from the PDF: the text of page 1 could not be extracted ({BOMB_REASON})"
    )
    assert "no text layer" not in message


def test_cli_names_the_unreadable_pdf_page_and_exits_1(run_cli, project_path, bomb_pdfs):
    path = bomb_pdfs["middle"]
    result = run_cli("import", project_path, path)
    assert result.code == 1
    assert result.err.splitlines() == [
        f"failed: {path}:page 2: text could not be extracted ({BOMB_REASON}); stored as an empty page"
    ]
    assert result.out.splitlines() == [
        f"imported: {path}",
        "1 document(s) imported, 0 already in the project, 0 failed, 1 line(s), row(s) or page(s) left out",
    ]


def test_rtf_that_is_not_rtf(store, tmp_path, good_file):
    bad = tmp_path / "fake.rtf"
    bad.write_text("plain words", encoding="utf-8")
    assert_fails_alone(store, bad, good_file, "not an RTF file")


def test_unsupported_type_named_explicitly(store, tmp_path, good_file):
    bad = tmp_path / "picture.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n")
    assert_fails_alone(store, bad, good_file, "unsupported file type '.png'")


@pytest.mark.parametrize("suffix", [".docx", ".pdf", ".html", ".csv"])
def test_size_limit_per_file(store, tmp_path, good_file, suffix):
    bad = tmp_path / f"big{suffix}"
    bad.write_bytes(b"x" * (3 * 1024 * 1024))
    message = assert_fails_alone(store, bad, good_file, "the limit is 2 MB", max_file_bytes=2 * 1024 * 1024)
    assert message == "file is 3 MB; the limit is 2 MB"


def sparse_file(path, size: int):
    """A file of ``size`` bytes that takes no disk space (nothing is written)."""
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


@pytest.mark.parametrize("suffix", [".txt", ".pdf"])  # read_limited and check_file_size
def test_default_limit_is_stated_as_the_64_mb_of_the_option(store, tmp_path, good_file, suffix):
    assert DEFAULT_MAX_FILE_BYTES == 64 * 1024 * 1024
    bad = sparse_file(tmp_path / f"big{suffix}", DEFAULT_MAX_FILE_BYTES + 1024 * 1024 + 512 * 1024)
    message = assert_fails_alone(store, bad, good_file, "the limit is 64 MB")
    assert message == "file is 65.5 MB; the limit is 64 MB"


def test_a_file_one_byte_over_the_limit_does_not_read_as_equal(store, tmp_path, good_file):
    bad = sparse_file(tmp_path / "big.txt", DEFAULT_MAX_FILE_BYTES + 1)
    message = assert_fails_alone(store, bad, good_file, "the limit is 64 MB")
    assert message == "file is 64.000001 MB; the limit is 64 MB"


def test_cli_max_size_mb_is_the_figure_in_the_message(run_cli, project_path, tmp_path):
    big = sparse_file(tmp_path / "big.txt", 1024 * 1024)
    result = run_cli("import", project_path, big, "--max-size-mb", "0.5")
    assert result.code == 1
    assert result.err.splitlines() == [f"failed: {big}: file is 1 MB; the limit is 0.5 MB"]
    default = run_cli("import", project_path, sparse_file(tmp_path / "huge.txt", 70 * 1024 * 1024))
    assert default.err.splitlines() == [f"failed: {tmp_path / 'huge.txt'}: file is 70 MB; the limit is 64 MB"]


# -- XML entity bombs and external entities -------------------------------------


def test_billion_laughs_in_docx(store, tmp_path, good_file):
    bad = make_docx(tmp_path / "bomb.docx", paragraphs=["x"])
    replace_part(bad, "word/document.xml", docx_body(BILLION_LAUGHS, "&lol9;"))
    assert_fails_alone(store, bad, good_file, "XML document type declaration")


def test_xxe_in_docx_never_reads_the_local_file(store, tmp_path, good_file, secret_file):
    bad = make_docx(tmp_path / "xxe.docx", paragraphs=["x"])
    replace_part(bad, "word/document.xml", docx_body(xxe_prolog("w:document", secret_file), "&xxe;"))
    message = assert_fails_alone(store, bad, good_file, "refused for safety")
    assert SECRET not in message


def test_billion_laughs_in_a_docx_side_part(store, tmp_path, good_file):
    bad = make_docx(tmp_path / "core.docx", paragraphs=["x"])
    replace_part(bad, "docProps/core.xml", (BILLION_LAUGHS + "<lolz>&lol9;</lolz>").encode())
    assert_fails_alone(store, bad, good_file, "XML document type declaration")


def test_billion_laughs_in_odt(store, tmp_path, good_file):
    bad = make_odt(tmp_path / "bomb.odt", content=odt_content("<text:p>&lol9;</text:p>", BILLION_LAUGHS))
    assert_fails_alone(store, bad, good_file, "XML document type declaration")


def test_xxe_in_odt_meta_never_reads_the_local_file(store, tmp_path, good_file, secret_file):
    meta = (
        xxe_prolog("office:document-meta", secret_file)
        + '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta><dc:title>&xxe;</dc:title>'
        "</office:meta></office:document-meta>"
    ).encode()
    bad = make_odt(tmp_path / "xxe.odt", content=odt_content("<text:p>body</text:p>"), meta=meta)
    message = assert_fails_alone(store, bad, good_file, "refused for safety")
    assert SECRET not in message


def test_entity_bomb_in_html(store, tmp_path, good_file):
    bad = tmp_path / "bomb.html"
    bad.write_text(BILLION_LAUGHS.replace("lolz", "html") + "<html><p>&lol9;</p></html>", encoding="utf-8")
    assert_fails_alone(store, bad, good_file, "declares XML entities")


def test_xxe_in_html_never_reads_the_local_file(store, tmp_path, good_file, secret_file):
    bad = tmp_path / "xxe.html"
    bad.write_text(xxe_prolog("html", secret_file) + "<html><p>&xxe;</p></html>", encoding="utf-8")
    assert_fails_alone(store, bad, good_file, "declares XML entities")


def test_html_external_resources_are_not_fetched_or_inlined(store, tmp_path, secret_file):
    page = tmp_path / "page.html"
    page.write_text(
        f'<iframe src="{secret_file.as_uri()}"></iframe><img src="{secret_file.as_uri()}">'
        f'<object data="{secret_file.as_uri()}"></object><p>Only this.</p>',
        encoding="utf-8",
    )
    import_paths(store, [page], annotator="tester")
    assert [d.text for d in store.iter_documents()] == ["Only this."]


# -- zip bombs and hostile archive names --------------------------------------------


def test_zip_bomb_docx(store, tmp_path, good_file):
    bad = make_docx(tmp_path / "bomb.docx", paragraphs=["x"])
    replace_part(bad, "word/media/zeros.bin", zip_bomb_part())
    assert_fails_alone(store, bad, good_file, "a zip bomb?")


def test_zip_bomb_odt(store, tmp_path, good_file):
    bad = make_odt(
        tmp_path / "bomb.odt",
        content=odt_content("<text:p>x</text:p>"),
        extra={"Pictures/zeros.bin": zip_bomb_part()},
    )
    assert_fails_alone(store, bad, good_file, "a zip bomb?")


def test_archive_total_size_limit(store, tmp_path, good_file, monkeypatch):
    from annotator import safety

    monkeypatch.setattr(safety, "MAX_UNCOMPRESSED_BYTES", 100_000)
    bad = make_docx(tmp_path / "big.docx", paragraphs=["x"])
    replace_part(bad, "word/media/random.bin", bytes(range(256)) * 1000)
    assert_fails_alone(store, bad, good_file, "would unpack to more than")


def test_path_traversal_entry_name(store, tmp_path, good_file):
    bad = make_odt(
        tmp_path / "escape.odt",
        content=odt_content("<text:p>x</text:p>"),
        extra={"../../evil.txt": b"x"},
    )
    assert_fails_alone(store, bad, good_file, "pointing outside the archive")
    assert not (tmp_path.parent / "evil.txt").exists()


def test_cli_lists_failures_and_imports_the_rest(run_cli, project_path, tmp_path, good_file):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 garbage")
    result = run_cli("import", project_path, good_file, bad)
    assert f"failed: {bad}: corrupt PDF" in result.err
    assert "1 document(s) imported" in result.out + result.err
    assert "1 failed" in result.out + result.err

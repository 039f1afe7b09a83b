"""Builders of real sample files (Word, OpenDocument, PDF, hostile archives) for import tests."""

from __future__ import annotations

import datetime
import zipfile
from pathlib import Path

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
ODT_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"'
)
ODT_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10)
    )
    + "]>\n"
)


def xxe_prolog(root: str, secret: Path) -> str:
    """An XML prolog declaring an external entity ``&xxe;`` that points at a local file."""
    return f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>\n'


def make_docx(path: Path, *, paragraphs=(), table=None, after=(), title=None, author=None) -> Path:
    """A Word file: paragraphs, then an optional table (list of rows), then more paragraphs."""
    import docx

    document = docx.Document()
    props = document.core_properties
    props.title = title or ""
    props.author = author or ""
    props.created = datetime.datetime(2024, 3, 1, 9, 30, tzinfo=datetime.UTC)
    props.modified = datetime.datetime(2024, 3, 2, 10, 0, tzinfo=datetime.UTC)
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    for text in after:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def replace_part(path: Path, name: str, data: bytes, *, extra: dict[str, bytes] | None = None) -> Path:
    """Rewrite a zip-based file with one part replaced and optional parts added."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    parts[name] = data
    parts.update(extra or {})
    write_zip(path, parts)
    return path


def write_zip(path: Path, parts: dict[str, bytes]) -> Path:
    """A zip archive of the given parts, deflated, in the given order."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def odt_content(body: str, prolog: str = '<?xml version="1.0" encoding="UTF-8"?>') -> bytes:
    """content.xml of an OpenDocument text whose body holds ``body``."""
    return (
        f"{prolog}<office:document-content {ODT_NAMESPACES}><office:body><office:text>"
        f"{body}</office:text></office:body></office:document-content>"
    ).encode()


def odt_meta(fields: str) -> bytes:
    """meta.xml holding ``fields`` (dc:title ...)."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {ODT_NAMESPACES}>'
        f"<office:meta>{fields}</office:meta></office:document-meta>"
    ).encode()


def make_odt(path: Path, *, content: bytes, meta: bytes | None = None, extra=None) -> Path:
    """An OpenDocument text: mimetype stored first, as the format requires."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", ODT_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", ODT_MANIFEST)
        archive.writestr("content.xml", content)
        if meta is not None:
            archive.writestr("meta.xml", meta)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def make_pdf(path: Path, pages: list[str], *, title=None, author=None) -> Path:
    """A PDF with one page per string (empty string: a page with no text)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    pdf.set_creation_date(datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.UTC))
    for body in pages:
        pdf.add_page()
        if body:
            pdf.multi_cell(0, 10, body)
    pdf.output(str(path))
    return path


def encrypt_pdf(source: Path, target: Path, password: str) -> Path:
    """A copy of a PDF that needs ``password`` to open."""
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=str(source))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    with target.open("wb") as handle:
        writer.write(handle)
    return target


def zip_bomb_part(megabytes: int = 20) -> bytes:
    """Zeros that deflate about 1000:1: enough to trip the ratio limit, cheap to build."""
    return b"\0" * (megabytes * 1024 * 1024)


def with_flate_bomb_pages(source: Path, target: Path, pages: list[int], *, megabytes: int = 80) -> Path:
    """A copy of a PDF whose given pages (1-based) draw from one Flate stream of ``megabytes`` MB.

    80 MB of spaces deflate to about 80 KB; pypdf stops inflating at its
    75 MB limit (``LimitReachedError``), so those pages cannot be read.
    """
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject

    writer = PdfWriter(clone_from=str(source))
    spaces = DecodedStreamObject()
    spaces.set_data(b" " * (megabytes * 1024 * 1024))
    bomb = spaces.flate_encode(level=1)
    for number in pages:
        writer.pages[number - 1].replace_contents(bomb)
    with target.open("wb") as handle:
        writer.write(handle)
    return target

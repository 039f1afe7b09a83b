"""Word documents (``.docx``) through python-docx, after the archive is proven safe.

python-docx parses with lxml and ``resolve_entities=False``; we go further
and refuse any part with a DTD before python-docx sees the file, and check
the archive for zip bombs first. The body is walked child by child so that
paragraphs and tables come out in reading order (python-docx's
``document.paragraphs`` would skip tables). A table row becomes one
paragraph with its cells separated by tabs; a cell merged across columns is
written once. Headers, footers, footnotes and comments are not body text
and are left out.
"""

from __future__ import annotations

from pathlib import Path

from annotator.errors import ImportFailure
from annotator.importers import ImportOptions, register
from annotator.importers.safety import check_file_size, check_xml_parts, open_checked_zip
from annotator.importers.structure import build_document, join_paragraphs
from annotator.model import ImportedDocument

WHAT = "DOCX file"


@register(".docx")
def import_docx(path: Path, options: ImportOptions) -> list[ImportedDocument]:
    """Import one Word document as one document, paragraphs and tables in reading order."""
    check_file_size(path, options.max_file_bytes)
    with open_checked_zip(path, what=WHAT) as archive:
        if "word/document.xml" not in archive.namelist():
            raise ImportFailure(f"corrupt {WHAT} (no word/document.xml; not a Word document)")
        check_xml_parts(archive, what=WHAT)
    document = _open_with_python_docx(path)
    text = join_paragraphs(body_blocks(document))
    meta = {"filename": path.name, **core_properties(document)}
    return [build_document(
        path, text, source_format="docx", meta=meta, options=options, title=meta.get("title"),
    )]


def _open_with_python_docx(path: Path):
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        return docx.Document(str(path))
    except PackageNotFoundError:
        raise ImportFailure(f"corrupt {WHAT} (not a Word package)") from None
    except (KeyError, ValueError) as exc:
        raise ImportFailure(f"corrupt {WHAT} ({exc})") from None


def body_blocks(document) -> list[str]:
    """The text of each body paragraph and table row, in the order they appear."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    blocks: list[str] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            blocks.append(Paragraph(child, document).text)
        elif tag == "tbl":
            blocks.extend(table_rows(Table(child, document)))
    return blocks


def table_rows(table) -> list[str]:
    """Each row of a table as its cells' text joined by tabs, merged cells once."""
    rows = []
    for row in table.rows:
        cells, seen = [], []  # the cell elements themselves, kept alive so identity holds
        for cell in row.cells:
            if any(cell._tc is element for element in seen):
                continue
            seen.append(cell._tc)
            cells.append(" ".join(line.strip() for line in cell.text.splitlines() if line.strip()))
        rows.append("\t".join(cells))
    return rows


def core_properties(document) -> dict:
    """Title, author and dates from the document's core properties, where set."""
    props = document.core_properties
    found = {
        "title": props.title,
        "author": props.author,
        "last_modified_by": props.last_modified_by,
        "created": props.created.isoformat() if props.created else None,
        "modified": props.modified.isoformat() if props.modified else None,
    }
    return {key: value for key, value in found.items() if value}

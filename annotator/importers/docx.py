"""Word documents (``.docx``) through python-docx, after the archive is proven safe.

python-docx parses with lxml and ``resolve_entities=False``; we go further
and refuse any part with a DTD before python-docx sees the file, and check
the archive for zip bombs first. The body is walked child by child so that
paragraphs and tables come out in reading order (python-docx's
``document.paragraphs`` would skip tables, and content controls). A table
row becomes one paragraph with its cells separated by tabs; a cell merged
across columns is written once. Tracked insertions are kept and tracked
deletions left out, as Word shows the text. Headers, footers, footnotes,
comments and text boxes are not body text and are left out. XML nested
past the 256 levels lxml allows is refused as too deeply nested.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from annotator.errors import ImportFailure
from annotator.importers import ImportOptions, register
from annotator.importers.structure import build_document, join_paragraphs
from annotator.model import ImportedDocument
from annotator.safety import check_file_size, check_xml_parts, library_complaint, open_checked_zip

WHAT = "DOCX file"


@register(".docx")
def import_docx(path: Path, options: ImportOptions) -> list[ImportedDocument]:
    """Import one Word document as one document, paragraphs and tables in reading order."""
    check_file_size(path, options.max_file_bytes)
    with open_checked_zip(path, what=WHAT) as archive:
        if "[Content_Types].xml" not in archive.namelist():
            raise ImportFailure(f"corrupt {WHAT} (no [Content_Types].xml; not a Word document)")
        check_xml_parts(archive, what=WHAT)
    document = _open_with_python_docx(path)
    text = join_paragraphs(body_blocks(document.element.body))
    meta = {"filename": path.name, **core_properties(document)}
    return [
        build_document(
            path,
            text,
            source_format="docx",
            meta=meta,
            options=options,
            title=meta.get("title"),
        )
    ]


def _open_with_python_docx(path: Path):
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        return docx.Document(str(path))
    except PackageNotFoundError:
        raise ImportFailure(f"corrupt {WHAT} (not a Word package)") from None
    except ValueError:  # python-docx: "file is not a Word file, content type is ..."
        raise ImportFailure(f"corrupt {WHAT} (not a Word document)") from None
    except KeyError as exc:
        raise ImportFailure(f"corrupt {WHAT} (missing part {exc})") from None
    except Exception as exc:  # noqa: BLE001 - lxml's XMLSyntaxError (too deep ...), zip and struct errors
        raise ImportFailure(f"corrupt {WHAT} ({library_complaint(exc)})") from None


#: Elements whose text is not body text, or would repeat it (a drawing's fallback copy).
_SKIPPED = {
    "pPr",
    "rPr",
    "del",
    "moveFrom",
    "delText",
    "instrText",
    "drawing",
    "pict",
    "object",
    "AlternateContent",
    "footnoteReference",
    "endnoteReference",
    "commentReference",
}
_CHARACTERS = {"tab": "\t", "ptab": "\t", "br": "\n", "cr": "\n", "noBreakHyphen": "-"}


#: Elements around paragraphs and tables that are read through: content controls, custom XML.
_BLOCK_WRAPPERS = {"sdt", "sdtContent", "customXml"}


def _walk(element, *, enter: Callable[[str], bool]) -> Iterator[tuple[str, Any]]:
    """(local tag, element) of the descendants of ``element`` in document order, going into
    those whose tag ``enter`` accepts instead of yielding them. An explicit stack, not
    recursion, so no depth makes a file fail here."""
    pending = [element.iterchildren()]
    while pending:
        child = next(pending[-1], None)
        if child is None:
            pending.pop()
            continue
        tag = _local(child.tag)
        if enter(tag):
            pending.append(child.iterchildren())
        else:
            yield tag, child


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def body_blocks(container) -> list[str]:
    """Paragraph and table-row texts of a body, cell or content control, in reading order.

    Content controls and custom XML are walked with an explicit stack, not
    recursion, like the runs of a paragraph: depth is never a reason for a
    file to fail here (lxml already refuses XML over 256 levels deep).
    """
    blocks: list[str] = []
    for tag, child in _walk(container, enter=lambda tag: tag in _BLOCK_WRAPPERS):
        if tag == "p":
            blocks.append(paragraph_text(child))
        elif tag == "tbl":
            blocks.extend(table_rows(child))
    return blocks


def paragraph_text(element) -> str:
    """A paragraph's text as Word shows it, tracked insertions included and deletions left out.

    python-docx's ``Paragraph.text`` skips runs inside tracked insertions,
    content controls and smart tags, which would silently lose words, so
    the runs are read here from the same parsed elements.
    """
    parts: list[str] = []
    _collect_runs(element, parts)
    return "".join(parts)


def _may_hold_runs(tag: str) -> bool:
    """Whether a paragraph's descendant is gone into: all but text, special characters and skipped parts."""
    return tag != "t" and tag not in _CHARACTERS and tag not in _SKIPPED


def _collect_runs(element, parts: list[str]) -> None:
    """Append the text of every run under ``element``, in document order, without recursion."""
    for tag, child in _walk(element, enter=_may_hold_runs):
        if tag == "t":
            parts.append(child.text or "")
        elif tag in _CHARACTERS:
            parts.append(_CHARACTERS[tag])


def table_rows(table) -> list[str]:
    """Each row of a table as its cells' text joined by tabs (a merged cell is one cell)."""
    rows = []
    for row in table.iterchildren():
        if _local(row.tag) != "tr":
            continue
        cells = [
            " ".join(" ".join(block.split()) for block in body_blocks(cell) if block.strip())
            for cell in row.iterchildren()
            if _local(cell.tag) == "tc"
        ]
        rows.append("\t".join(cells))
    return rows


def core_properties(document) -> dict:
    """Title, author and dates from the document's core properties, where set.

    A damaged ``docProps/core.xml`` loses the properties, not the text.
    """
    try:
        return _core_properties(document)
    except Exception:  # noqa: BLE001 - python-docx raises AttributeError, ValueError ... on odd XML
        return {}


def _core_properties(document) -> dict:
    props = document.core_properties
    found = {
        "title": props.title,
        "author": props.author,
        "last_modified_by": props.last_modified_by,
        "created": props.created.isoformat() if props.created else None,
        "modified": props.modified.isoformat() if props.modified else None,
    }
    return {key: value for key, value in found.items() if value}

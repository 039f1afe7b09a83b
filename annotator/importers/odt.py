"""OpenDocument text (``.odt``): a defused parse of ``content.xml`` and ``meta.xml``.

We read the two XML parts ourselves rather than through odfpy: the format
of the text body is small and stable (headings, paragraphs, lists, tables,
sections), the parse goes through defusedxml with DTDs forbidden, and the
project carries one dependency less. Paragraphs and headings become
paragraphs; a table row becomes one paragraph of tab-separated cells;
footnotes and comments are not body text and are left out. Spans, lists
and sections are walked without recursion, so no depth makes the file
fail; only tables nested in tables absurdly deep are refused.
"""

from __future__ import annotations

from pathlib import Path

from annotator.errors import ImportFailure
from annotator.importers import ImportOptions, register
from annotator.importers.structure import build_document, join_paragraphs
from annotator.model import ImportedDocument
from annotator.safety import (
    check_file_size,
    check_xml_parts,
    open_checked_zip,
    parse_xml,
    read_part,
)

WHAT = "ODT file"
_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
}
_TEXT = "{" + _NS["text"] + "}"
_TABLE = "{" + _NS["table"] + "}"
_PARAGRAPHS = {_TEXT + "p", _TEXT + "h"}
_SKIPPED_INLINE = {_TEXT + "note", "{" + _NS["office"] + "}annotation", _TEXT + "bookmark-ref"}
_META_FIELDS = {
    "title": "dc:title",
    "author": "meta:initial-creator",
    "last_modified_by": "dc:creator",
    "created": "meta:creation-date",
    "modified": "dc:date",
    "subject": "dc:subject",
}


@register(".odt")
def import_odt(path: Path, options: ImportOptions) -> list[ImportedDocument]:
    """Import one OpenDocument text as one document."""
    check_file_size(path, options.max_file_bytes)
    with open_checked_zip(path, what=WHAT) as archive:
        # streamed and counted first, so a huge part is refused before it is a tree
        check_xml_parts(archive, what=WHAT, names=["content.xml", "meta.xml"])
        content = read_part(archive, "content.xml", what=WHAT)
        if content is None:
            raise ImportFailure(f"corrupt {WHAT} (no content.xml; not an OpenDocument text)")
        meta_xml = read_part(archive, "meta.xml", what=WHAT)
        root = parse_xml(content, what=WHAT)
        meta_root = parse_xml(meta_xml, what=WHAT) if meta_xml else None
    body = root.find("office:body/office:text", _NS)
    if body is None:
        raise ImportFailure(f"corrupt {WHAT} (no text body; a spreadsheet or presentation?)")
    meta = {"filename": path.name, **document_meta(meta_root)}
    text = join_paragraphs(blocks(body))
    return [
        build_document(
            path,
            text,
            source_format="odt",
            meta=meta,
            options=options,
            title=meta.get("title"),
        )
    ]


def blocks(element) -> list[str]:
    """Paragraph texts of a container (body, section, list, cell) in reading order.

    Containers are walked with an explicit stack, not recursion: lists in
    lists or sections in sections thousands deep (a hostile file) must not
    exhaust Python's stack. Only tables in tables recurse, through
    ``table_rows``; a file nesting those absurdly deep fails as too deeply
    nested.
    """
    found: list[str] = []
    pending = [iter(element)]
    while pending:
        child = next(pending[-1], None)
        if child is None:
            pending.pop()
        elif child.tag in _PARAGRAPHS:
            found.append(inline_text(child))
        elif child.tag == _TABLE + "table":
            found.extend(table_rows(child))
        elif child.tag not in _SKIPPED_INLINE:
            pending.append(iter(child))
    return found


def table_rows(table) -> list[str]:
    """Each row of a table (header rows and row groups included) as tab-separated cell texts."""
    rows = []
    for row in _own_rows(table):
        cells = [
            " ".join(b.strip() for b in blocks(cell) if b.strip())
            for cell in row
            if cell.tag == _TABLE + "table-cell"
        ]
        rows.append("\t".join(cells))
    return rows


def _own_rows(table) -> list:
    """A table's rows, also inside header rows and row groups, but not those of tables in its cells.

    ``table.iter("table-row")`` would also yield the rows of a nested table,
    which its cell already reads, so they would appear twice.
    """
    rows, pending = [], [iter(table)]
    while pending:
        child = next(pending[-1], None)
        if child is None:
            pending.pop()
        elif child.tag == _TABLE + "table-row":
            rows.append(child)
        elif child.tag != _TABLE + "table":
            pending.append(iter(child))
    return rows


def inline_text(element) -> str:
    """The text of a paragraph: spans and links followed, spaces, tabs and breaks expanded.

    Spans are walked with an explicit stack (each entry: the children still
    to read and the tail to write after them), so spans nested thousands
    deep read like any others instead of exhausting Python's stack.
    """
    parts = [element.text or ""]
    pending = [(iter(element), "")]
    while pending:
        child = next(pending[-1][0], None)
        if child is None:
            parts.append(pending.pop()[1])
            continue
        if child.tag == _TEXT + "s":
            parts.append(" " * _space_count(child.get(_TEXT + "c")))
        elif child.tag == _TEXT + "tab":
            parts.append("\t")
        elif child.tag == _TEXT + "line-break":
            parts.append("\n")
        elif child.tag not in _SKIPPED_INLINE:
            parts.append(child.text or "")
            pending.append((iter(child), child.tail or ""))
            continue
        parts.append(child.tail or "")
    return "".join(parts)


def _space_count(raw: str | None) -> int:
    """The number of spaces a ``text:s`` stands for (1 when absent or unreadable, at most 1000)."""
    try:
        return min(max(int(raw or 1), 1), 1000)
    except ValueError:
        return 1


def document_meta(meta_root) -> dict:
    """Title, author and dates from meta.xml, where set."""
    if meta_root is None:
        return {}
    office_meta = meta_root.find("office:meta", _NS)
    if office_meta is None:
        return {}
    found = {}
    for key, qname in _META_FIELDS.items():
        node = office_meta.find(qname, _NS)
        if node is not None and (node.text or "").strip():
            found[key] = node.text.strip()
    return found

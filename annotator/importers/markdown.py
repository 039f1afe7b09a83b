"""Markdown (``.md``, ``.markdown``) imported as the plain text a reader sees.

markdown-it-py (the CommonMark reference port, with tables enabled) parses
the file; markup is dropped and the text kept: headings, paragraphs, list
items, block quotes and code blocks each become a paragraph, table rows
become tab-separated lines, link and image text is kept without its
address, and raw HTML is dropped. Nothing is rendered or fetched.
"""

from __future__ import annotations

from pathlib import Path

from annotator.importers import ImportOptions, register
from annotator.importers.structure import build_document, join_paragraphs
from annotator.importers.text import decode_text, read_limited
from annotator.model import ImportedDocument

_INLINE_BREAKS = {"softbreak": "\n", "hardbreak": "\n"}


@register(".md", ".markdown")
def import_markdown(path: Path, options: ImportOptions) -> list[ImportedDocument]:
    """Import one Markdown file as its plain text."""
    data = read_limited(path, options)
    source, encoding = decode_text(data)
    meta = {"filename": path.name, "encoding": encoding, "size_bytes": len(data)}
    return [
        build_document(
            path,
            join_paragraphs(markdown_blocks(source)),
            source_format="markdown",
            meta=meta,
            options=options,
        )
    ]


def markdown_blocks(source: str) -> list[str]:
    """The plain text of every block of a Markdown source, in order."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(source)
    blocks: list[str] = []
    row: list[str] | None = None
    for token in tokens:
        if token.type == "tr_open":
            row = []
        elif token.type == "tr_close":
            blocks.append("\t".join(row or []))
            row = None
        elif token.type == "inline":
            text = inline_text(token.children or [])
            if row is not None:
                row.append(" ".join(text.split()))
            else:
                blocks.append(text)
        elif token.type in ("fence", "code_block"):
            blocks.append(token.content.rstrip("\n"))
    return blocks


def inline_text(children) -> str:
    """The visible text of inline tokens: text, code, line breaks and image descriptions."""
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in _INLINE_BREAKS:
            parts.append(_INLINE_BREAKS[child.type])
        elif child.type == "image":
            parts.append(inline_text(child.children or []))
    return "".join(parts)

"""Web pages (``.html``, ``.htm``): the visible text, block elements as paragraphs.

The standard library's ``html.parser`` is a tokenizer and nothing more: it
never fetches a stylesheet, image or frame, runs no script and expands no
DTD, so a saved page cannot reach the network or the disk. Scripts,
styles, templates, ``<head>`` content other than the title, and comments
are dropped; whitespace is collapsed as a browser would, except inside
``<pre>``. Block elements (paragraphs, headings, list items, table rows
...) become paragraphs, ``<br>`` a line break, and table cells are
separated by tabs. A page declaring XML entities in its doctype is not
HTML a browser would show and is refused.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from annotator.errors import ImportFailure
from annotator.importers import ImportOptions, register
from annotator.importers.structure import build_document, join_paragraphs
from annotator.importers.text import decode_text, read_limited
from annotator.model import ImportedDocument

_HIDDEN = {"script", "style", "noscript", "template", "head", "svg", "math", "iframe", "object", "select"}
_BLOCKS = {
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "ul",
}
_CELLS = {"td", "th"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_ENTITY_DECLARATION = re.compile(r"<!ENTITY|<!DOCTYPE[^>]*\[", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_META_NAMES = {"author": "author", "description": "description", "keywords": "keywords"}


@register(".html", ".htm")
def import_html(path: Path, options: ImportOptions) -> list[ImportedDocument]:
    """Import the visible text of one saved web page as one document."""
    data = read_limited(path, options)
    markup, encoding = decode_html(data)
    if _ENTITY_DECLARATION.search(markup):
        raise ImportFailure("HTML declares XML entities in its doctype (an entity bomb?); refused")
    extractor = VisibleText()
    extractor.feed(markup)
    extractor.close()
    meta = {"filename": path.name, "encoding": encoding, **extractor.meta}
    if extractor.title:
        meta["title"] = extractor.title
    return [
        build_document(
            path,
            join_paragraphs(extractor.paragraphs()),
            source_format="html",
            meta=meta,
            options=options,
            title=extractor.title,
        )
    ]


def decode_html(data: bytes) -> tuple[str, str]:
    """Decode a page: a byte-order mark or valid UTF-8 first, then its ``<meta charset>``."""
    declared = _META_CHARSET.search(data[:4096])
    if declared and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        name = declared.group(1).decode("ascii").lower()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                return data.decode(name), name
            except (LookupError, UnicodeDecodeError):
                pass
    return decode_text(data)


class VisibleText(HTMLParser):
    """Collects what a browser would show, as paragraphs of lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._blocks: list[list[str]] = [[]]
        self._hidden_depth = 0
        self._pre_depth = 0
        self._in_title = False
        self._title: list[str] = []
        self.meta: dict[str, str] = {}

    @property
    def title(self) -> str:
        """The text of ``<title>``, whitespace collapsed."""
        return " ".join("".join(self._title).split())

    def paragraphs(self) -> list[str]:
        """The collected paragraphs, each with collapsed whitespace outside ``<pre>``."""
        return ["".join(parts) for parts in self._blocks]

    def _break_paragraph(self) -> None:
        if self._blocks[-1]:
            self._blocks.append([])

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "title":
            self._in_title = True
        elif tag == "meta":
            self._read_meta(dict(attrs))
        if tag in _VOID:
            self._void(tag)
            return
        if tag in _HIDDEN:
            self._hidden_depth += 1
        elif tag in _BLOCKS:
            self._break_paragraph()
            self._pre_depth += tag == "pre"
        elif tag in _CELLS and self._blocks[-1]:
            current = self._blocks[-1]
            current[-1] = current[-1].rstrip(" ")
            current.append("\t")

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)

    def _void(self, tag: str) -> None:
        if self._hidden_depth:
            return
        if tag == "br":
            self._blocks[-1].append("\n")
        elif tag == "hr":
            self._break_paragraph()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _HIDDEN:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in _BLOCKS:
            self._pre_depth = max(0, self._pre_depth - (tag == "pre"))
            self._break_paragraph()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title.append(data)
            return
        if self._hidden_depth:
            return
        if self._pre_depth:
            self._blocks[-1].append(data)
            return
        collapsed = re.sub(r"[ \t\n\r\f]+", " ", data)
        current = self._blocks[-1]
        if collapsed.startswith(" ") and (not current or current[-1].endswith((" ", "\n", "\t"))):
            collapsed = collapsed[1:]
        if collapsed:
            current.append(collapsed)

    def _read_meta(self, attrs: dict) -> None:
        name = (attrs.get("name") or "").lower()
        content = (attrs.get("content") or "").strip()
        if name in _META_NAMES and content:
            self.meta[_META_NAMES[name]] = content

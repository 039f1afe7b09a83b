"""Web pages (``.html``, ``.htm``): the visible text, block elements as paragraphs.

A small tokenizer of our own reads the markup, once, front to back: it
never fetches a stylesheet, image or frame, runs no script and expands no
DTD, so a saved page cannot reach the network or the disk. It follows the
HTML standard's tokenizer where pages are broken (an attribute quote never
closed runs to the end of the file, as a comment never closed does), and
every step moves forward, so time grows with the size of the page whatever
it holds; the standard library's ``html.parser`` rescans the rest of the page
at each stray ``<`` and took 105 s for 200 KB of unclosed attributes. Scripts,
styles, templates, ``<head>`` content other than the title, and comments
are dropped; whitespace is collapsed as a browser would, except inside
``<pre>``. Block elements (paragraphs, headings, list items, table rows
...) become paragraphs, ``<br>`` a line break, and table cells are
separated by tabs. A page declaring XML entities in its doctype is not
HTML a browser would show and is refused.
"""

from __future__ import annotations

import re
from html import unescape
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
# ``[^>\[<]*``: each try stops at the next "<", so the search stays linear on a page of "<!DOCTYPE"s.
_ENTITY_DECLARATION = re.compile(r"<!ENTITY|<!DOCTYPE[^>\[<]*\[", re.IGNORECASE)
_TAG_NAME = re.compile(r"(/?)([A-Za-z][^\s/>]*)")
# One attribute (or stray slashes and spaces) per match; a quoted value never closed runs to the end.
_ATTRIBUTE = re.compile(r"""[\s/]*(?:([^\s/>][^\s/>=]*)(?:\s*=\s*(?:"([^"]*)"?|'([^']*)'?|([^\s>]*)))?)?""")
_RAW_TEXT = {"script", "style"}
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


class VisibleText:
    """Collects what a browser would show, as paragraphs of lines."""

    def __init__(self) -> None:
        self._blocks: list[list[str]] = [[]]
        self._hidden_depth = 0
        self._pre_depth = 0
        self._in_title = False
        self._title: list[str] = []
        self.meta: dict[str, str] = {}

    def feed(self, markup: str) -> None:
        """Read a whole page; linear in its length, whatever it holds."""
        length, position = len(markup), 0
        while position < length:
            opening = markup.find("<", position)
            if opening < 0:
                self._text(markup[position:])
                break
            if opening > position:
                self._text(markup[position:opening])
            position = self._markup(markup, opening)

    def close(self) -> None:
        """Nothing is held back between calls of ``feed``."""

    def _text(self, raw: str) -> None:
        self.handle_data(unescape(raw) if "&" in raw else raw)

    def _markup(self, markup: str, opening: int) -> int:
        """Handle the markup that starts with the "<" at ``opening``; returns where reading goes on."""
        after = opening + 1
        if markup.startswith("!--", after):
            end = markup.find("-->", opening + 4)
            return len(markup) if end < 0 else end + 3
        if markup.startswith(("!", "?"), after):  # doctype, CDATA, processing instruction: skipped
            end = markup.find(">", after)
            return len(markup) if end < 0 else end + 1
        name = _TAG_NAME.match(markup, after)
        if name is None:
            if markup.startswith("/", after):  # "</>" or "</ junk>": skipped, as browsers do
                end = markup.find(">", after)
                return len(markup) if end < 0 else end + 1
            self._text("<")
            return after
        closing, tag = bool(name.group(1)), name.group(2).lower()
        position, attrs = name.end(), []
        while True:
            attribute = _ATTRIBUTE.match(markup, position)
            assert attribute is not None  # every part of the pattern may be empty
            if attribute.end() == position:
                break  # at ">" or the end of the page
            if attribute.group(1) and tag == "meta":  # the only attributes read
                value = next((v for v in attribute.group(2, 3, 4) if v is not None), None)
                attrs.append((attribute.group(1).lower(), unescape(value) if value else value))
            position = attribute.end()
        if position >= len(markup):
            return position  # a tag never closed: the rest of the page is inside it
        self_closing = markup[position - 1] == "/"
        position += 1
        if closing:
            self.handle_endtag(tag)
            return position
        self.handle_starttag(tag, attrs)
        if tag in _RAW_TEXT and not self_closing:
            end_tag = re.compile(r"</" + tag + r"(?=[\s/>]|\Z)", re.IGNORECASE).search(markup, position)
            end = len(markup) if end_tag is None else end_tag.start()
            self.handle_data(markup[position:end])
            return end
        return position

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

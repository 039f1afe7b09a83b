"""A retrieval's passages as a file a researcher pastes into a paper: CSV, Excel, HTML or Word.

Every format carries the same facts per passage: the document, where the
passage lies (code points, half-open), the passage with up to ``context``
characters either side (cut at white space by ``passage_context``), its tags
(themes with their ancestors, "Family > Siblings"), the speaker of its turn,
its annotators and its notes.

- CSV: ``PASSAGE_HEADER`` columns, UTF-8, ``\\r\\n`` records; every text cell a
  spreadsheet would run as a formula gets a leading ``'``, exactly as the
  corpus CSV export does (``annotator.exporters.csv.neutralise``). A lone
  surrogate (which UTF-8 cannot hold) is written as U+FFFD.
- XLSX: the same columns, every text cell written as a string (never a
  formula), cut at Excel's cell limit with a visible mark, further sheets past
  its row limit (``annotator.exporters.xlsx``'s rules).
- HTML: one self-contained page (no scripts, no outside files): each passage
  a quotation with the passage in bold inside its context; all text escaped.
- DOCX: a Word document, one passage per block, the passage in a bold run.

Control characters other than tab and line breaks cannot be written in XML
1.0 at all: HTML and DOCX show them as U+FFFD; the CSV keeps them, and so
does the workbook (XlsxWriter writes OOXML's ``_xHHHH_`` escapes).

Files are written under a temporary name beside the target and renamed over
it when complete, so a failed export leaves the old file (or nothing); the
target is refused if it is the project or one of its SQLite side files.
"""

from __future__ import annotations

import contextlib
import csv
import html
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from annotator.analysis.query import Passage
from annotator.analysis.retrieval import Retrieval, passage_context
from annotator.errors import InvalidInputError
from annotator.model import TagKind

if TYPE_CHECKING:
    from docx.document import Document as WordDocument
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

    from annotator.store import Store

PASSAGE_FORMATS = ("csv", "xlsx", "html", "docx")
PASSAGE_HEADER = (
    "document",
    "document_id",
    "start",
    "end",
    "before",
    "passage",
    "after",
    "tags",
    "speaker",
    "annotators",
    "notes",
)
#: Joins several tags, annotators, notes in one cell.
TAG_SEPARATOR, ANNOTATOR_SEPARATOR, NOTE_SEPARATOR = "; ", ", ", "\n"
#: Shown where the context was cut before the document's start or end.
ELLIPSIS = "…"
SHEET_NAME = "passages"
#: The id of python-docx's default template's "Quote" paragraph style.
QUOTE_STYLE_ID = "Quote"
#: Characters XML 1.0 (so DOCX and XLSX) cannot hold, and lone surrogates UTF-8 cannot: shown as U+FFFD.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """``text`` with characters XML or UTF-8 cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def utf8_safe(text: str) -> str:
    """``text`` with lone surrogates (which UTF-8 cannot encode) replaced by U+FFFD; all else kept."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def format_of(path: Path, fmt: str | None, formats: tuple[str, ...] = PASSAGE_FORMATS) -> str:
    """The format asked for by ``fmt`` or else by the file's suffix; one line naming the choices if neither fits."""
    choice = (fmt or path.suffix.lstrip(".")).lower()
    if choice not in formats:
        named = ", ".join(f".{name}" for name in formats)
        given = f"format '{fmt}'" if fmt else f"suffix '{path.suffix}'" if path.suffix else "no suffix"
        raise InvalidInputError(f"{path}: {given} is not one of {named}; choose one")
    return choice


# -- writing under a temporary name ---------------------------------------------


@contextlib.contextmanager
def replacing(store: Store, target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` to write; renamed over ``target`` if the block completes.

    As every export (``exporters.replacing.writing_beside``): the project, a
    folder or a missing folder refused in one line, an ``OSError`` while
    writing one line naming the target, nothing half-written.
    """
    from annotator.exporters.replacing import sync_file, writing_beside

    with writing_beside(target, getattr(store, "path", None)) as (fd, temporary):
        os.close(fd)
        yield temporary
        sync_file(temporary)


# -- what a row says ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PassageRow:
    """One passage with its context and its ids turned into names."""

    passage: Passage
    before: str
    text: str
    after: str
    #: Whether the context stops short of the document's start / end.
    cut_before: bool
    cut_after: bool
    tags: tuple[str, ...]
    speaker: str

    def cells(self) -> tuple[str | int, ...]:
        """The ``PASSAGE_HEADER`` cells, as stored (not neutralised)."""
        p = self.passage
        return (
            p.document_title,
            p.document_id,
            p.start,
            p.end,
            self.before,
            self.text,
            self.after,
            TAG_SEPARATOR.join(self.tags),
            self.speaker,
            ANNOTATOR_SEPARATOR.join(p.annotators),
            NOTE_SEPARATOR.join(p.notes),
        )


class TagNames:
    """Tag ids to what a reader sees: a theme's path ("Family > Siblings"), a speaker's name."""

    def __init__(self, store: Store) -> None:
        self._names: dict[str, str] = {}
        for tag in store.tags():
            self._names[tag.id] = tag.name if tag.kind is TagKind.SPEAKER else store.tag_path(tag)

    def __call__(self, tag_id: str | None) -> str:
        if tag_id is None:
            return ""
        return self._names.get(tag_id, tag_id)


def passage_rows(store: Store, passages: Iterable[Passage], context: int = 80) -> Iterator[PassageRow]:
    """Each passage with its context read from the store and its tags named, one at a time."""
    names = TagNames(store)
    for passage in passages:
        before, text, after = passage_context(store, passage, context)
        length = store.document_length(passage.document_id)
        yield PassageRow(
            passage,
            before,
            text,
            after,
            passage.start - len(before) > 0,
            passage.end + len(after) < length,
            tuple(names(t) for t in passage.tag_ids),
            names(passage.speaker_id),
        )


# -- HTML pieces (shared with the report) ---------------------------------------------


def esc(text: str) -> str:
    """``text`` safe inside HTML elements and quoted attributes."""
    return html.escape(xml_safe(text), quote=True)


#: The page's only style: readable on screen in light and dark, and in print; no outside files.
PASSAGE_CSS = """
:root { color-scheme: light dark; }
body { font-family: sans-serif; line-height: 1.45; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
  color: #1f2328; background: #ffffff; }
blockquote { margin: .4rem 0; padding: .4rem .8rem; border-left: 4px solid #8c959f; white-space: pre-wrap; }
.passage { margin: 1.2rem 0; break-inside: avoid; page-break-inside: avoid; }
.passage h3 { font-size: 1rem; margin: 0; }
.where, .meta { color: #57606a; font-size: .9rem; }
.note { font-style: italic; white-space: pre-wrap; margin: .2rem 0; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d0d7de; padding: .2rem .5rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; }
@media (prefers-color-scheme: dark) {
  body { color: #e8eaed; background: #1e1f22; }
  .where, .meta { color: #a9adb3; }
  th, td { border-color: #4a4d52; }
}
@media print {
  body { color: #000000; background: #ffffff; max-width: none; margin: 0; }
  .where, .meta { color: #333333; }
  a { color: inherit; text-decoration: none; }
}
"""


def html_head(title: str, css: str) -> str:
    """The start of a self-contained page, up to and including ``<body>``."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n"
    )


def passage_html(row: PassageRow, *, show_tags: bool = True) -> str:
    """One passage as an ``<article>``: document and place, the quotation (passage bold), tags, notes."""
    p = row.passage
    quote = (
        (ELLIPSIS if row.cut_before else "")
        + esc(row.before)
        + f"<strong>{esc(row.text)}</strong>"
        + esc(row.after)
        + (ELLIPSIS if row.cut_after else "")
    )
    meta = []
    if show_tags and row.tags:
        meta.append(f"Tags: {esc(TAG_SEPARATOR.join(row.tags))}")
    if row.speaker:
        meta.append(f"Speaker: {esc(row.speaker)}")
    if p.annotators:
        meta.append(f"Annotators: {esc(ANNOTATOR_SEPARATOR.join(p.annotators))}")
    notes = "".join(f'<p class="note">Note: {esc(note)}</p>' for note in p.notes)
    return (
        f'<article class="passage"><h3>{esc(p.document_title)} '
        f'<span class="where">characters {p.start:,}–{p.end:,}</span></h3>\n'
        f"<blockquote>{quote}</blockquote>\n"
        + (f'<p class="meta">{" · ".join(meta)}</p>' if meta else "")
        + notes
        + "</article>\n"
    )


# -- the formats ----------------------------------------------------------------------


def _write_csv(path: Path, rows: Iterable[PassageRow]) -> int:
    from annotator.exporters.csv import neutralise

    written = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(PASSAGE_HEADER)
        for row in rows:
            writer.writerow(
                [cell if isinstance(cell, int) else neutralise(utf8_safe(cell)) for cell in row.cells()]
            )
            written += 1
    return written


def _write_xlsx(path: Path, rows: Iterable[PassageRow]) -> int:
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    from annotator.exporters.xlsx import MAX_ROWS, fit_cell

    with tempfile.TemporaryDirectory(prefix="annotator-xlsx-", ignore_cleanup_errors=True) as scratch:
        book = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "tmpdir": scratch,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        bold = book.add_format({"bold": True})
        sheets, line, written = 0, MAX_ROWS, 0
        sheet = None
        for row in rows:
            if line >= MAX_ROWS:
                sheets += 1
                sheet = book.add_worksheet(SHEET_NAME if sheets == 1 else f"{SHEET_NAME} {sheets}")
                _start_sheet(sheet, bold)
                line = 1
            assert sheet is not None
            for column, cell in enumerate(row.cells()):
                if isinstance(cell, int):
                    sheet.write_number(line, column, cell)
                elif cell:  # an empty cell stays blank
                    sheet.write_string(line, column, fit_cell(utf8_safe(cell))[0])
            line += 1
            written += 1
        if sheet is None:
            _start_sheet(book.add_worksheet(SHEET_NAME), bold)
        try:
            book.close()
        except FileCreateError as exc:  # XlsxWriter's wrapping of the OSError the write met
            cause = exc.__context__ if isinstance(exc.__context__, OSError) else None
            raise cause or OSError(str(exc)) from None
    return written


def _start_sheet(sheet: Worksheet, bold: Format) -> None:
    sheet.freeze_panes(1, 0)
    widths = {"document": 24, "before": 40, "passage": 60, "after": 40, "tags": 24, "notes": 30}
    for column, name in enumerate(PASSAGE_HEADER):
        if name in widths:
            sheet.set_column(column, column, widths[name])
    for column, name in enumerate(PASSAGE_HEADER):
        sheet.write_string(0, column, name, bold)


def _write_html(path: Path, rows: Iterable[PassageRow], title: str) -> int:
    written = 0
    with open(path, "w", encoding="utf-8", errors="replace", newline="\n") as handle:
        handle.write(html_head(title, PASSAGE_CSS))
        handle.write(f"<h1>{esc(title)}</h1>\n")
        written = write_passages_html(handle, rows)
        if written == 0:
            handle.write("<p>No passages.</p>\n")
        handle.write("</body>\n</html>\n")
    return written


def write_passages_html(handle: TextIO, rows: Iterable[PassageRow], *, show_tags: bool = True) -> int:
    """Each passage's ``<article>`` written as it comes; returns how many."""
    written = 0
    for row in rows:
        handle.write(passage_html(row, show_tags=show_tags))
        written += 1
    return written


def docx_passage(document: WordDocument, row: PassageRow, *, show_tags: bool = True) -> None:
    """One passage appended to a python-docx ``Document``: where it is, the quotation (passage bold), tags, notes."""
    p = row.passage
    where = document.add_paragraph()
    where.add_run(xml_safe(p.document_title)).bold = True
    where.add_run(f"  characters {p.start:,}–{p.end:,}")
    quote = document.add_paragraph()
    # the style by id: python-docx's lookup by name walks every style per paragraph (2 s per 1,000 passages)
    quote._p.get_or_add_pPr().style = QUOTE_STYLE_ID
    quote.add_run((ELLIPSIS if row.cut_before else "") + xml_safe(row.before))
    quote.add_run(xml_safe(row.text)).bold = True
    quote.add_run(xml_safe(row.after) + (ELLIPSIS if row.cut_after else ""))
    meta = []
    if show_tags and row.tags:
        meta.append("Tags: " + TAG_SEPARATOR.join(row.tags))
    if row.speaker:
        meta.append("Speaker: " + row.speaker)
    if p.annotators:
        meta.append("Annotators: " + ANNOTATOR_SEPARATOR.join(p.annotators))
    if meta:
        document.add_paragraph(xml_safe(" · ".join(meta)))
    for note in p.notes:
        document.add_paragraph().add_run("Note: " + xml_safe(note)).italic = True


def _write_docx(path: Path, rows: Iterable[PassageRow], title: str) -> int:
    import docx

    document = docx.Document()
    document.add_heading(xml_safe(title), level=1)
    written = 0
    for row in rows:
        docx_passage(document, row)
        written += 1
    if written == 0:
        document.add_paragraph("No passages.")
    document.save(str(path))
    return written


def export_passages(
    store: Store, retrieval: Retrieval, path: Path, *, fmt: str | None = None, context: int = 80
) -> int:
    """Write the retrieval's passages to ``path`` (format from ``fmt`` or the suffix); returns how many."""
    path = Path(path)
    chosen = format_of(path, fmt)
    rows = passage_rows(store, retrieval, context)
    title = f"Passages ({len(retrieval):,})"
    with replacing(store, path) as temporary:
        if chosen == "csv":
            return _write_csv(temporary, rows)
        if chosen == "xlsx":
            return _write_xlsx(temporary, rows)
        if chosen == "html":
            return _write_html(temporary, rows, title)
        return _write_docx(temporary, rows, title)


__all__ = ["PASSAGE_FORMATS", "PASSAGE_HEADER", "export_passages", "passage_rows", "replacing"]

"""Spreadsheets of answers (``.csv``, ``.tsv``): one document per row.

The first row names the columns. The text column is the one the user names
(``--text-column``), matched exactly and then ignoring case; when none is
named, a column called text, body, content, response, answer or comment
is taken if exactly one such exists, and otherwise the error lists the
columns to choose from. The title comes from ``--title-column`` when given,
else "<file name> row N". Every other column goes to the document's
metadata under its own name, along with the row number. Rows are numbered
as a spreadsheet shows them (the header is row 1); a row with an empty
text, or the same text as an earlier row, is refused by number and the
others go in. A ``.csv`` may use commas, semicolons or tabs (sniffed from
the start of the file); a ``.tsv`` uses tabs.

Label Studio's CSV and TSV exports are tables too: one row per annotation,
each control's results as a JSON list in a column of its own. A cell
holding text regions (``{"start", "end", "text", "labels"}``) gives the
row's document its spans, credited to the row's ``annotator`` column, and
the column leaves the metadata; regions of any other shape refuse the row
(see ``spanshapes.label_studio_spans``). In such a table a repeated text is
another person's annotation of the same task, so its spans join the first
row's document; a repeat without spans, and a row whose ``was_cancelled``
is true, are skipped and counted.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from annotator.errors import ImportFailure
from annotator.importers import ImportOptions, PartialImport, register
from annotator.importers.spanshapes import BadSpans, label_studio_spans
from annotator.importers.text import decode_text, read_limited
from annotator.model import ImportedDocument, ImportedSpan
from annotator.textnorm import normalise_newlines

TEXT_COLUMN_GUESSES = ("text", "body", "content", "response", "answer", "comment")
_SNIFF_BYTES = 64 * 1024


def _table_reader(path: Path, options: ImportOptions):
    """A csv reader over the decoded file (BOM dropped, delimiter sniffed), and the encoding used."""
    source, encoding = decode_text(read_limited(path, options))
    source = source.lstrip("\ufeff")
    delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(source)
    csv.field_size_limit(max(options.max_file_bytes, 131072))
    return csv.reader(io.StringIO(source, newline=""), delimiter=delimiter), encoding


@register(".csv", ".tsv")
def import_table(path: Path, options: ImportOptions) -> list[ImportedDocument]:
    """Import every row of a CSV/TSV file as a document; empty rows are reported."""
    rows, encoding = _table_reader(path, options)
    try:
        header = [name.strip() for name in next(rows)]
    except StopIteration:
        raise ImportFailure("the table has no header row") from None
    except csv.Error as exc:
        raise ImportFailure(f"malformed table ({exc})") from None
    text_at = pick_column(header, options.text_column, role="text", guesses=TEXT_COLUMN_GUESSES)
    title_at = pick_column(header, options.title_column, role="title") if options.title_column else None
    table = _Table(path, header, text_at, title_at, base={"filename": path.name, "encoding": encoding})
    try:
        for number, row in enumerate(rows, start=2):  # the header is row 1
            table.add_row(row, number)
    except csv.Error as exc:
        raise ImportFailure(f"malformed table near line {rows.line_num} ({exc})") from None
    for doc in table.documents:  # a column that held spans in any row is no one's metadata
        for name in table.span_columns:
            doc.meta.pop(name, None)
    return skip_repeated_texts(table.documents, annotated=bool(table.span_columns))


def skip_repeated_texts(documents: PartialImport, *, annotated: bool = False) -> PartialImport:
    """The rows whose text is new in the file; each repeat is reported by number, naming the first.

    The project keeps one document per text, so a second row with the same
    answer would be folded silently into the first and its other columns
    lost; researchers counting responses need to be told instead. In an
    annotated table (Label Studio's, one row per annotation) a repeat is
    another annotator's work on the same text: with spans it is kept, for
    its spans to join the first row's document, and without any it is
    skipped and counted.
    """
    kept = PartialImport()
    first_row: dict[str, str] = {}
    for doc in documents:
        text = normalise_newlines(doc.text)
        if text not in first_row:
            first_row[text] = doc.origin
            kept.append(doc)
        elif annotated and doc.spans:
            kept.append(doc)
        elif annotated:
            kept.skipped.append((doc.origin, f"same text as {first_row[text]} and no spans"))
        else:
            kept.failures.append((doc.origin, f"same text as {first_row[text]}; skipped"))
    kept.failures.extend(documents.failures)
    kept.skipped.extend(documents.skipped)
    for parts in (kept.failures, kept.skipped):
        parts.sort(key=lambda part: int(part[0].removeprefix("row ")))
    return kept


class _Table:
    """The rows of one table as documents, with the columns that held spans."""

    def __init__(self, path: Path, header: list[str], text_at: int, title_at: int | None, *, base: dict):
        self.path, self.header, self.text_at, self.title_at, self.base = path, header, text_at, title_at, base
        self.documents = PartialImport()
        self.span_columns: set[str] = set()
        folded = [name.casefold() for name in header]
        self.annotator_at = _column_at(folded, "annotator", besides=(text_at, title_at))
        self.cancelled_at = _column_at(folded, "was_cancelled", besides=(text_at, title_at))

    def add_row(self, row: list[str], number: int) -> None:
        """Add one row's document, or note why it is refused or skipped."""
        if not any(cell.strip() for cell in row):
            return  # a blank line is not a row a spreadsheet would show
        where = f"row {number}"
        if self.cancelled_at is not None and _cell(row, self.cancelled_at).strip().lower() in (
            "true",
            "1",
            "yes",
        ):
            self.documents.skipped.append((where, "cancelled in Label Studio"))
            return
        raw_text = _cell(row, self.text_at)
        if not raw_text.strip():
            self.documents.failures.append((where, f"empty '{self.header[self.text_at]}'"))
            return
        try:
            spans = self._spans(row, raw_text)
        except BadSpans as exc:
            self.documents.failures.append((where, str(exc)))
            return
        cells = dict(zip(self.header, row + [""] * (len(self.header) - len(row)), strict=False))
        title = row[self.title_at].strip() if self.title_at is not None and self.title_at < len(row) else ""
        meta = {**self.base, "row": number}
        meta.update(
            {k: v for i, (k, v) in enumerate(cells.items()) if i not in (self.text_at, self.title_at) and k}
        )
        self.documents.append(
            ImportedDocument(
                # With spans the text stays as written: the store normalises it and remaps the offsets.
                title=title or f"{self.path.stem} row {number}",
                text=raw_text if spans else normalise_newlines(raw_text),
                source_path=str(self.path),
                source_format=self.path.suffix.lower().lstrip("."),
                meta=meta,
                spans=tuple(spans),
                origin=where,
            )
        )

    def _spans(self, row: list[str], text: str) -> list[ImportedSpan]:
        """The labelled regions in the row's other cells (Label Studio's export), in code points."""
        annotator = _cell(row, self.annotator_at).strip() or None if self.annotator_at is not None else None
        spans: list[ImportedSpan] = []
        for i, name in enumerate(self.header):
            if i in (self.text_at, self.title_at) or i >= len(row):
                continue
            found = label_studio_spans(row[i], text, column=name, annotator=annotator)
            if found is not None:
                self.span_columns.add(name)
                spans += found
        return spans


def _cell(row: list[str], index: int) -> str:
    return row[index] if index < len(row) else ""


def _column_at(folded: list[str], name: str, *, besides: tuple[int | None, ...]) -> int | None:
    """The first column called ``name`` (any case) that is not the text or title column."""
    return next((i for i, column in enumerate(folded) if column == name and i not in besides), None)


def sniff_delimiter(source: str) -> str:
    """The delimiter of a CSV text: comma unless the sample clearly uses ; or a tab."""
    try:
        return csv.Sniffer().sniff(source[:_SNIFF_BYTES], delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def pick_column(header: list[str], wanted: str | None, *, role: str, guesses: tuple[str, ...] = ()) -> int:
    """The index of the column named ``wanted`` (or guessed), or a one-line error listing the columns."""
    available = ", ".join(f"'{name}'" for name in header)
    if wanted is not None:
        if wanted in header:
            return header.index(wanted)
        folded = [name.casefold() for name in header]
        if folded.count(wanted.casefold()) == 1:
            return folded.index(wanted.casefold())
        raise ImportFailure(f"no {role} column '{wanted}'; the columns are {available}")
    candidates = [i for i, name in enumerate(header) if name.casefold() in guesses]
    if len(candidates) == 1:
        return candidates[0]
    raise ImportFailure(f"choose the {role} column with --{role}-column; the columns are {available}")


def read_table_head(
    path: Path,
    options: ImportOptions | None = None,
    *,
    rows: int = 5,
) -> tuple[list[str], list[list[str]]]:
    """The header and first non-blank rows of a CSV/TSV, decoded and split as ``import_table`` does.

    For a column picker: it shows what the import will see, so the file is
    read and decoded the same way (one pass over the bytes), but only the
    first ``rows`` rows are parsed.
    """
    reader, _ = _table_reader(path, options or ImportOptions())
    try:
        header = [name.strip() for name in next(reader)]
        head: list[list[str]] = []
        for row in reader:
            if len(head) >= rows:
                break
            if any(cell.strip() for cell in row):
                head.append(row)
    except StopIteration:
        raise ImportFailure("the table has no header row") from None
    except csv.Error as exc:
        raise ImportFailure(f"malformed table ({exc})") from None
    return header, head

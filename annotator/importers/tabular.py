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
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from annotator.errors import ImportFailure
from annotator.importers import ImportOptions, PartialImport, register
from annotator.importers.text import decode_text, read_limited
from annotator.model import ImportedDocument
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
    documents = PartialImport()
    base = {"filename": path.name, "encoding": encoding}
    try:
        for number, row in enumerate(rows, start=2):  # the header is row 1
            _add_row(documents, path, header, row, number, text_at, title_at, base)
    except csv.Error as exc:
        raise ImportFailure(f"malformed table near line {rows.line_num} ({exc})") from None
    return skip_repeated_texts(documents)


def skip_repeated_texts(documents: PartialImport) -> PartialImport:
    """The rows whose text is new in the file; each repeat is reported by number, naming the first.

    The project keeps one document per text, so a second row with the same
    answer would be folded silently into the first and its other columns
    lost; researchers counting responses need to be told instead.
    """
    kept = PartialImport()
    first_row: dict[str, str] = {}
    for doc in documents:
        if doc.text in first_row:
            kept.failures.append((doc.origin, f"same text as {first_row[doc.text]}; skipped"))
        else:
            first_row[doc.text] = doc.origin
            kept.append(doc)
    kept.failures.extend(documents.failures)
    kept.failures.sort(key=lambda failure: int(failure[0].removeprefix("row ")))
    return kept


def _add_row(documents, path, header, row, number, text_at, title_at, base) -> None:
    if not any(cell.strip() for cell in row):
        return  # a blank line is not a row a spreadsheet would show
    cells = dict(zip(header, row + [""] * (len(header) - len(row)), strict=False))
    text = normalise_newlines(row[text_at] if text_at < len(row) else "")
    if not text.strip():
        documents.failures.append((f"row {number}", f"empty '{header[text_at]}'"))
        return
    title = row[title_at].strip() if title_at is not None and title_at < len(row) else ""
    meta = {**base, "row": number}
    meta.update({k: v for i, (k, v) in enumerate(cells.items()) if i not in (text_at, title_at) and k})
    documents.append(ImportedDocument(
        title=title or f"{path.stem} row {number}", text=text, source_path=str(path),
        source_format=path.suffix.lower().lstrip("."), meta=meta, origin=f"row {number}",
    ))


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
    path: Path, options: ImportOptions | None = None, *, rows: int = 5,
) -> tuple[list[str], list[list[str]]]:
    """The header and first non-blank rows of a CSV/TSV, decoded and split as ``import_table`` does.

    For a column picker: it shows what the import will see, so the file is
    read and decoded the same way (one pass over the bytes), but only the
    first ``rows`` rows are parsed.
    """
    reader, _ = _table_reader(path, options or ImportOptions())
    try:
        header = [name.strip() for name in next(reader)]
        head = []
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

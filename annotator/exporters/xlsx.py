"""Excel workbook (.xlsx): the CSV's rows in a file a spreadsheet opens without guessing an encoding.

A CSV file says nothing about its encoding, and Excel reads a UTF-8 one as
the machine's legacy code page: every accent, emoji and Arabic letter comes
out garbled. An .xlsx file is XML in a ZIP, always Unicode, so it opens right.

Written with XlsxWriter: it only writes (no reader to load), is actively
maintained, and its ``constant_memory`` mode writes each row out to a
temporary file as soon as the next one begins, so memory stays flat on a
million spans (the temporary files live in the system's temporary folder,
``TMPDIR``, until the workbook is zipped into the export). Every text cell is
written with ``write_string`` and numbers with ``write_number``, never the
guessing ``write``, so a cell holding ``=1+1`` is stored as a string: a
spreadsheet shows it and never runs it, and none of the CSV's neutralising
is needed.

Two limits of the format are handled and reported in the export's summary:

- A cell holds at most 32,767 characters (UTF-16 units, as Excel counts, so
  an emoji counts twice). A longer title, note or annotated text is cut to
  fit and ends with ``[…truncated; N characters in all]``; the JSONL and
  CSV exports keep it whole.
- A sheet holds 1,048,576 rows: the header and 1,048,575 spans. Further
  spans continue on sheets named ``spans 2``, ``spans 3`` ..., each with the
  header, so nothing is left out.
"""

from __future__ import annotations

import tempfile
from typing import BinaryIO

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError, FileSizeError

from annotator.exporters.base import ExportContext, ExportError, ExportFormat
from annotator.exporters.csv import HEADER, csv_rows
from annotator.store.export import ExportDocument

#: Excel's limits: characters (UTF-16 units) in a cell, rows on a sheet (the header included).
MAX_CELL_UNITS = 32_767
MAX_ROWS = 1_048_576
#: Ends a cell cut to fit; ``{length}`` is the full text's length in characters.
TRUNCATION_MARK = "[…truncated; {length:,} characters in all]"
SHEET_NAME = "spans"
_START_COL, _END_COL = HEADER.index("start"), HEADER.index("end")


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def fit_cell(text: str) -> tuple[str, bool]:
    """``text`` cut to Excel's cell limit with a marker at its end, and whether it was cut."""
    if len(text) <= MAX_CELL_UNITS // 2 or _utf16_units(text) <= MAX_CELL_UNITS:
        return text, False
    mark = TRUNCATION_MARK.format(length=len(text))
    room = MAX_CELL_UNITS - _utf16_units(mark)
    kept = text[:room]
    while (excess := _utf16_units(kept) - room) > 0:  # astral characters count twice: drop a few more
        kept = kept[: len(kept) - (excess + 1) // 2]
    return kept + mark, True


class _Appender:
    """The export's output as ZipFile sees a stream it may not seek: write, tell, flush.

    Without ``seek`` the ZIP's sizes go in data descriptors after each part,
    so the workbook streams straight into the export's temporary file (or a
    pipe) and is never held whole in memory.
    """

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._position = 0

    def write(self, data: bytes) -> int:
        self._handle.write(data)
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        """Nothing to do: the export flushes and syncs its file when the workbook is complete."""


class XlsxFormat(ExportFormat):
    """Writes each document's rows as they come; ``finish`` zips the workbook into the output."""

    name = "xlsx"
    suffixes = (".xlsx",)
    description = "Excel workbook, one row per annotation"
    binary = True

    def start(self, context: ExportContext) -> None:
        self._workdir = tempfile.TemporaryDirectory(prefix="annotator-xlsx-", ignore_cleanup_errors=True)
        self._book = xlsxwriter.Workbook(
            _Appender(self.output),
            {
                "constant_memory": True,
                "tmpdir": self._workdir.name,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self._bold = self._book.add_format({"bold": True})
        self._sheets = 0
        self.truncated = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self._sheets += 1
        sheet = self._book.add_worksheet(SHEET_NAME if self._sheets == 1 else f"{SHEET_NAME} {self._sheets}")
        sheet.freeze_panes(1, 0)
        for column, name in enumerate(HEADER):
            sheet.write_string(0, column, name, self._bold)
        self._sheet, self._row = sheet, 1

    def write_document(self, doc: ExportDocument) -> None:
        rows = csv_rows(doc)
        if not rows:
            return
        (title, title_cut), (doc_id, id_cut) = fit_cell(doc.title), fit_cell(doc.id)
        self.truncated += (title_cut + id_cut) * len(rows)  # cut once, shown on every row
        for _, _, start, end, label, kind, annotator, note, text in rows:
            if self._row >= MAX_ROWS:
                self._new_sheet()
            row, put = self._row, self._sheet.write_string
            put(row, 0, title)
            put(row, 1, doc_id)
            self._sheet.write_number(row, _START_COL, start)
            self._sheet.write_number(row, _END_COL, end)
            for column, value in ((4, label), (5, kind), (6, annotator), (7, note), (8, text)):
                if value:  # an empty note is left blank rather than stored as ""
                    cell, cut = fit_cell(value)
                    self.truncated += cut
                    put(row, column, cell)
            self._row = row + 1

    def finish(self) -> tuple[str, ...]:
        """Zip the workbook into the output; return what the summary must say (cut cells, extra sheets)."""
        try:
            self._book.close()
        except FileSizeError:
            raise ExportError(
                "the workbook would pass 4 GB, more than a spreadsheet opens; "
                "export CSV or JSONL, or filter by tag or annotator"
            ) from None
        except FileCreateError as exc:  # XlsxWriter's wrapping of the OSError the write met
            cause = exc.__context__
            raise (cause if isinstance(cause, OSError) else OSError(str(exc))) from None
        finally:
            self._workdir.cleanup()
        notes = []
        if self.truncated:
            notes.append(
                f"{self.truncated:,} cell(s) longer than Excel's {MAX_CELL_UNITS:,} characters were cut, "
                "each ending in '[…truncated; N characters in all]'"
            )
        if self._sheets > 1:
            notes.append(
                f"spans continue on {self._sheets - 1} more sheet(s) ('{SHEET_NAME} 2' …): "
                f"a sheet holds {MAX_ROWS - 1:,} spans below its header"
            )
        return tuple(notes)

    def abort(self) -> None:
        """Remove the temporary files of an export that stopped before ``finish``."""
        workdir = getattr(self, "_workdir", None)
        if workdir is not None:
            workdir.cleanup()

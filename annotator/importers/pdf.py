"""PDF text layers through pypdf: pages separated by a blank line, page starts kept.

pypdf rather than pdfminer.six: it is pure Python with no dependencies of
its own, actively maintained, reports encryption explicitly, and its
extraction keeps reading order well for the reports and articles
researchers import; pdfminer's finer layout analysis is several times
slower on long documents and gains little once paragraphs are re-flowed.

A PDF encrypted with an empty user password (restrictions only, common for
reports) opens as any viewer would open it; one that needs a password is
refused as encrypted. A PDF whose pages have no text (a scan) is refused
with a hint to run OCR, rather than stored empty. A page whose text
cannot be extracted is reported by number, never passed off as blank.
"""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

from annotator.errors import ImportFailure
from annotator.importers import ImportOptions, PartialImport, register
from annotator.importers.structure import PARAGRAPH_BREAK, build_document, clean_paragraph
from annotator.model import ImportedDocument
from annotator.safety import check_file_size, library_complaint


@register(".pdf")
def import_pdf(path: Path, options: ImportOptions) -> list[ImportedDocument]:
    """Import the text layer of a PDF as one document, with the start offset of every page.

    A page whose text cannot be extracted (a broken or hostile content
    stream) is kept as an empty page, so later page offsets stay right, and
    reported by number; if no page yields text, the file is refused naming
    those pages, not mistaken for a scan.
    """
    check_file_size(path, options.max_file_bytes)
    reader = _open_reader(path)
    pages, failures = extract_pages(reader.pages)
    if not any(page.strip() for page in pages):
        if failures:
            raise ImportFailure(f"no text could be read from the PDF: {_pages_phrase(failures)}")
        raise ImportFailure("PDF has no text layer (scanned images?); run OCR on it first")
    text, offsets = join_pages(pages)
    meta = {"filename": path.name, "pages": len(pages), "page_offsets": offsets, **pdf_info(reader)}
    if failures:
        meta["unreadable_pages"] = [number for number, _ in failures]
    result = PartialImport(
        [
            build_document(
                path,
                text,
                source_format="pdf",
                meta=meta,
                options=options,
                title=meta.get("title"),
            )
        ]
    )
    result.failures.extend(
        (f"page {number}", f"text could not be extracted ({reason}); stored as an empty page")
        for number, reason in failures
    )
    return result


def extract_pages(pages) -> tuple[list[str], list[tuple[int, str]]]:
    """Every page's text (empty for one that failed) and (page number, reason) of the failures."""
    texts, failures = [], []
    for number, page in enumerate(pages, start=1):
        try:
            texts.append(_page_text(page))
        except Exception as exc:  # noqa: BLE001 - a broken content stream loses that page, not the file
            texts.append("")
            failures.append((number, _page_failure_reason(exc)))
    return texts, failures


def _page_failure_reason(exc: Exception) -> str:
    """Why a page's text could not be extracted, in a few words."""
    from pypdf.errors import LimitReachedError

    if isinstance(exc, LimitReachedError):
        return "a compressed stream unpacks past pypdf's size limit: a decompression bomb?"
    return library_complaint(exc)


def _pages_phrase(failures: list[tuple[int, str]]) -> str:
    """Which pages failed and the first one's reason, on one line however many there are."""
    numbers = [str(number) for number, _ in failures]
    if len(numbers) == 1:
        return f"the text of page {numbers[0]} could not be extracted ({failures[0][1]})"
    shown = numbers[:10] + ([f"{len(numbers) - 10} more"] if len(numbers) > 10 else [])
    listed = ", ".join(shown[:-1]) + " and " + shown[-1]
    return f"the text of pages {listed} could not be extracted (page {numbers[0]}: {failures[0][1]})"


def join_pages(pages: list[str]) -> tuple[str, list[int]]:
    """Page texts joined by a blank line, and the start offset of every page in the result."""
    offsets, pieces, position = [], [], 0
    for index, page in enumerate(pages):
        if index:
            pieces.append(PARAGRAPH_BREAK)
            position += len(PARAGRAPH_BREAK)
        offsets.append(position)
        pieces.append(page)
        position += len(page)
    return "".join(pieces), offsets


def _open_reader(path: Path):
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings are not the user's concern
    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError:
                opened = 0  # type: ignore[assignment]  # pypdf's PasswordType is an int enum
            if not opened:
                raise ImportFailure("encrypted PDF: it needs a password; save an unprotected copy")
        len(reader.pages)  # forces the page tree to be read, so corruption shows here
    except ImportFailure:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
        raise ImportFailure("corrupt PDF (cannot read its structure)") from None
    return reader


def _page_text(page) -> str:
    """One page's text layer, cleaned; pypdf's exceptions are left to the caller."""
    raw = page.extract_text() or ""
    return clean_paragraph(raw.replace("\x00", ""))


def pdf_info(reader) -> dict:
    """Title, author and dates from the PDF's document information, where set."""
    try:
        info = reader.metadata
    except Exception:  # noqa: BLE001 - a damaged info dictionary is not worth refusing the text
        return {}
    if not info:
        return {}
    found = {
        "title": info.title,
        "author": info.author,
        "subject": info.subject,
        "created": _date(lambda: info.creation_date),
        "modified": _date(lambda: info.modification_date),
    }
    return {key: str(value).strip() for key, value in found.items() if value and str(value).strip()}


def _date(read) -> str | None:
    try:
        value = read()
    except (ValueError, TypeError):
        return None
    return value.isoformat() if isinstance(value, datetime.datetime) else None

"""What every structured-format importer does once it has paragraphs of text.

Paragraphs are separated by one blank line (``\\n\\n``) in every format, so
that a document's structure reads the same whichever file it came from;
line breaks inside a paragraph stay single ``\\n``. Line endings are
normalised here, before any offset (page starts, speaker turns) is worked
out, so those offsets are already in the stored text's terms.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from annotator.errors import ImportFailure
from annotator.importers import ImportOptions
from annotator.importers.transcript import detect_turns, speaker_spans
from annotator.model import ImportedDocument, ImportedSpan
from annotator.textnorm import normalise_newlines

PARAGRAPH_BREAK = "\n\n"


def clean_paragraph(text: str) -> str:
    """A paragraph with normalised line endings and no trailing blanks on any line."""
    lines = normalise_newlines(text).split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def join_paragraphs(paragraphs: Iterable[str]) -> str:
    """Non-empty paragraphs joined by one blank line."""
    cleaned = (clean_paragraph(p) for p in paragraphs)
    return PARAGRAPH_BREAK.join(p for p in cleaned if p.strip())


def build_document(
    path: Path,
    text: str,
    *,
    source_format: str,
    meta: dict,
    options: ImportOptions,
    title: str | None = None,
) -> ImportedDocument:
    """An ``ImportedDocument`` with speaker turns attached when the options ask for them."""
    text = normalise_newlines(text)
    if not text.strip():
        raise ImportFailure(f"no text found in the {source_format.upper()} file")
    spans: tuple[ImportedSpan, ...] = ()
    if options.transcript:
        spans = speaker_spans(detect_turns(text))
        meta = {**meta, "speaker_turns": len(spans)}
    return ImportedDocument(
        title=(title or "").strip() or path.stem,
        text=text,
        source_path=str(path),
        source_format=source_format,
        meta=meta,
        spans=spans,
    )

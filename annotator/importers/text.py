"""Plain text (``.txt``): decoding is the whole job (Markdown has its own importer).

Order of trust: a byte-order mark (UTF-8, UTF-16, UTF-32) decides; else strict
UTF-8; else, unless the bytes look binary, charset-normalizer guesses a
legacy encoding (cp1252, latin-1, koi8-r ...). The encoding used is kept in
the document's metadata so a researcher can check it.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from annotator.errors import ImportFailure
from annotator.importers import ImportOptions, register
from annotator.model import ImportedDocument
from annotator.safety import read_regular_file

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0E, 0x0F, *range(0x10, 0x1B), *range(0x1C, 0x20)])


def read_limited(path: Path, options: ImportOptions) -> bytes:
    """A file's bytes, refusing missing, unreadable, special, empty or oversized files."""
    return read_regular_file(path, options.max_file_bytes)


def looks_binary(data: bytes) -> bool:
    """True for bytes with NULs or many control characters (images, archives ...)."""
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > len(sample) * 0.05


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes to text; returns (text, encoding name) or raises ImportFailure."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding.replace("-sig", "") + " with BOM"
            except UnicodeDecodeError:
                raise ImportFailure(f"undecodable bytes after a {encoding} byte-order mark") from None
    if looks_binary(data):
        raise ImportFailure("binary file, not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return _detect_legacy(data)


#: Encodings that legacy files in the wild overwhelmingly use, preferred on a near tie.
_COMMON_LEGACY = ("cp1252", "cp1251", "cp1250", "koi8_r", "cp1253", "cp1254", "cp1256", "latin_1")
_CHAOS_MARGIN = 0.05


def _detect_legacy(data: bytes) -> tuple[str, str]:
    """Pick among charset-normalizer's candidates the most coherent of the least chaotic.

    Its single best guess on short Western European texts is often a rare
    Nordic or Baltic code page; among candidates that decode almost as
    cleanly, the one whose letters fit the detected language best, then the
    most common code page, is the right one far more often.
    """
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        raise ImportFailure("undecodable bytes: not UTF-8 and no known encoding fits")
    least_chaos = min(m.chaos for m in matches)
    close = [m for m in matches if m.chaos <= least_chaos + _CHAOS_MARGIN]

    def preference(match) -> tuple[float, int]:
        aliases = [match.encoding, *match.could_be_from_charset]
        common = min((_COMMON_LEGACY.index(a) for a in aliases if a in _COMMON_LEGACY), default=99)
        return (round(match.coherence, 2), -common)

    chosen = max(close, key=preference)
    encoding = next((a for a in _COMMON_LEGACY if a in chosen.could_be_from_charset), chosen.encoding)
    return data.decode(encoding), encoding


def text_document(path: Path, text: str, *, source_format: str, meta: dict) -> ImportedDocument:
    """An ``ImportedDocument`` titled after the file, refusing texts with nothing in them."""
    if not text.strip():
        raise ImportFailure("empty file (only whitespace)")
    return ImportedDocument(
        title=path.stem,
        text=text,
        source_path=str(path),
        source_format=source_format,
        meta=meta,
    )


@register(".txt", ".text")
def import_text(path: Path, options: ImportOptions) -> list[ImportedDocument]:
    """Import one plain-text file as one document (speaker turns too, if asked)."""
    data = read_limited(path, options)
    text, encoding = decode_text(data)
    meta = {"filename": path.name, "encoding": encoding, "size_bytes": len(data)}
    document = text_document(path, text, source_format="text", meta=meta)
    if options.transcript:
        from annotator.importers.structure import build_document

        document = build_document(path, text, source_format="text", meta=meta, options=options)
    return [document]

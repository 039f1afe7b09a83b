"""Rich Text Format (``.rtf``) through striprtf: every paragraph or line mark makes a paragraph.

RTF is 7-bit markup whose non-ASCII characters are escapes (``\\'e9`` in
the declared code page, ``\\u8364?`` for Unicode), so the bytes are read
one-to-one as Latin-1 and striprtf decodes the escapes with the code page
the file declares (``\\ansicpg``, cp1252 when absent). Title and author come
from the ``\\info`` group, which striprtf itself drops.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from annotator.errors import ImportFailure
from annotator.importers import ImportOptions, register
from annotator.importers.structure import build_document, join_paragraphs
from annotator.importers.text import read_limited
from annotator.model import ImportedDocument

_CODE_PAGE = re.compile(rb"\\ansicpg(\d+)")
_INFO_FIELDS = {"title": "title", "author": "author", "subject": "subject"}


@register(".rtf")
def import_rtf(path: Path, options: ImportOptions) -> list[ImportedDocument]:
    """Import one RTF file as one document."""
    from striprtf.striprtf import rtf_to_text

    data = read_limited(path, options)
    if not data.lstrip().startswith(b"{\\rtf"):
        raise ImportFailure("not an RTF file (it does not start with '{\\rtf')")
    encoding = code_page(data)
    markup = data.decode("latin-1")
    try:
        plain = rtf_to_text(markup, encoding=encoding, errors="replace")
    except (ValueError, IndexError, LookupError) as exc:
        raise ImportFailure(f"corrupt RTF file ({exc})") from None
    meta = {"filename": path.name, "encoding": encoding, **info_fields(markup, encoding)}
    text = join_paragraphs(plain.split("\n"))
    return [
        build_document(
            path,
            text,
            source_format="rtf",
            meta=meta,
            options=options,
            title=meta.get("title"),
        )
    ]


def code_page(data: bytes) -> str:
    """The code page an RTF file declares, as a Python codec name (cp1252 by default)."""
    match = _CODE_PAGE.search(data[:4096])
    if match:
        name = f"cp{int(match.group(1))}"
        try:
            codecs.lookup(name)
            return name
        except LookupError:
            pass
    return "cp1252"


def info_fields(markup: str, encoding: str) -> dict:
    """Title, author and subject from the ``\\info`` group, where set."""
    from striprtf.striprtf import rtf_to_text

    found = {}
    for key, word in _INFO_FIELDS.items():
        match = re.search(r"\{\\" + word + r"\s([^{}]*)\}", markup)
        if match:
            value = rtf_to_text("{\\rtf1 " + match.group(1) + "}", encoding=encoding, errors="replace")
            if value.strip():
                found[key] = value.strip()
    return found

"""Line-ending normalisation, the only change import makes to a text.

``\\r\\n``, a lone ``\\r`` and U+2029 (paragraph separator) all become ``\\n``.
Only ``\\r\\n`` changes the length, so offsets that came with a file are
remapped by subtracting the number of dropped ``\\r`` before them.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Callable

_LINE_BREAKS = re.compile("\r\n|\r|\u2029")


def normalise_newlines(text: str) -> str:
    """Return ``text`` with every line break written as ``\\n``."""
    if "\r" not in text and "\u2029" not in text:
        return text
    return _LINE_BREAKS.sub("\n", text)


def offset_mapper(text: str) -> Callable[[int], int]:
    """Return a function mapping offsets in ``text`` to offsets after normalisation.

    An offset that falls between the ``\\r`` and ``\\n`` of a pair maps to the
    position of the single ``\\n`` that replaces them.
    """
    dropped = [m.start() for m in re.finditer("\r\n", text)]
    if not dropped:
        return lambda offset: offset

    def remap(offset: int) -> int:
        # A \r at index i is dropped; offsets > i shift left by one.
        return offset - bisect.bisect_left(dropped, offset)

    return remap


def text_sha256(text: str) -> str:
    """The SHA-256 of a text's UTF-8 bytes: how documents are matched across files."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

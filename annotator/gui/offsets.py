"""Code points <-> Qt positions: the one place the two ways of counting meet.

Stored offsets count code points (Python ``str`` indices). Qt counts UTF-16
code units, so every character above U+FFFF (emoji, many CJK extension
characters, historic scripts) takes two positions. Our texts hold only
``\\n`` line breaks, and each one is a single position in a QTextDocument,
so the only difference is the astral characters before an offset.
"""

from __future__ import annotations

import bisect
import re

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class OffsetMap:
    """Converts offsets for one text in O(log n), built in one regex pass."""

    def __init__(self, text: str):
        self._astral = [m.start() for m in _ASTRAL.finditer(text)]
        # Qt position of each astral character's first (high) surrogate.
        self._astral_qt = [cp + i for i, cp in enumerate(self._astral)]
        self.length = len(text)
        self.qt_length = len(text) + len(self._astral)

    def to_qt(self, offset: int) -> int:
        """The Qt (UTF-16) position of code-point ``offset``."""
        return offset + bisect.bisect_left(self._astral, offset)

    def from_qt(self, position: int) -> int:
        """The code-point offset of Qt ``position``; inside a surrogate pair, the pair's start."""
        return position - bisect.bisect_left(self._astral_qt, position)

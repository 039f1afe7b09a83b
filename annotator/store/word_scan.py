"""Every occurrence of one plain word in a long text, without running the whole text through FTS5.

FTS5 can only give offsets by tokenising: indexing a 64 MB text in a scratch table and
highlighting it reads it twice and takes about 1.5 s. Most searches are for one word of ASCII
letters and digits, and most of a text around such a word is ASCII too. There FTS5's
``unicode61`` tokenizer is simple: a token is a run of ASCII letters and digits, folded to lower
case, and every other ASCII character separates. So the word is found by a literal search in the
text encoded as lower-case ASCII (each other character one ``?``, so byte offsets stay code point
offsets) and kept where both neighbours separate.

What this reading cannot decide is left to FTS5 itself:

- a word beside a character beyond ASCII is a hit when FTS5 itself was seen to treat that
  character as a separator (curly quotes, dashes: the caller asks FTS5 once); beside any other
  (a letter with a diacritic, an emoji) it is highlighted by FTS5 in a small window reaching to
  the nearest ASCII separators, which FTS5 tokenises exactly as in the whole text;
- a token spelt with diacritics (``néedle`` folds to ``needle``) is never a literal
  occurrence. The index already knows how many times the document holds the word, so the hits
  found are counted against that number, and any shortfall returns None: the caller then
  searches the slow, exact way.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

_SEPARATES, _TOKEN, _UNSURE = 0, 1, 2
#: Class of each byte of the lower-cased ASCII text. ``?`` is unsure: a real question mark
#: separates, but a character beyond ASCII encoded as ``?`` may belong to a token.
_BYTE_CLASS = np.zeros(256, np.uint8)
_BYTE_CLASS[np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789", np.uint8)] = _TOKEN
_BYTE_CLASS[ord("?")] = _UNSURE
#: Bytes that separate for certain become spaces, all others ``x``: window edges by ``rfind``.
_CERTAIN_SEPARATORS = bytes(0x20 if _BYTE_CLASS[b] == _SEPARATES else ord("x") for b in range(256))

#: Windows around unsure occurrences -> hit ranges in the text, found by FTS5's own tokenizer.
WindowHighlighter = Callable[[list[tuple[int, int]]], list[tuple[int, int]]]


def _neighbour_classes(data: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Byte class at each of ``positions``; a position off either end of the text separates."""
    inside = (positions >= 0) & (positions < len(data))
    classes = np.full(len(positions), _SEPARATES, np.uint8)
    classes[inside] = _BYTE_CLASS[data[positions[inside]]]
    return classes


def _separates(text: str, position: int, byte_class: int, separators: frozenset[str]) -> bool:
    """Whether the character at ``position`` certainly separates tokens (a real ``?`` does)."""
    return byte_class == _SEPARATES or text[position] == "?" or text[position] in separators


def _windows(lowered: bytes, starts: list[int], length: int) -> list[tuple[int, int]]:
    """Disjoint stretches, each reaching to certain ASCII separators, around the given occurrences.

    Each occurrence beyond the last window's end starts a new window; the edges are found with
    ``rfind``/``find`` over a two-valued copy of the text, so all windows together read it once.
    """
    edges = lowered.translate(_CERTAIN_SEPARATORS)
    windows: list[tuple[int, int]] = []
    for start in starts:
        if windows and start < windows[-1][1]:
            continue
        floor = windows[-1][1] if windows else 0
        left = edges.rfind(b" ", floor, start) + 1 or floor
        right = edges.find(b" ", start + length)
        windows.append((max(left, floor), len(lowered) if right == -1 else right))
    return windows


def plain_word_ranges(
    text: str,
    word: str,
    expected: int,
    highlight_windows: WindowHighlighter,
    separators: frozenset[str] = frozenset(),
) -> list[tuple[int, int]] | None:
    """All (start, end) code point ranges of ``word`` as a token of ``text``, or None if unsure.

    ``word`` is ASCII letters and digits only (``search.plain_word``); ``expected`` is how many times the full-text index holds it
    in this text; ``separators`` are characters beyond ASCII that FTS5 is known to treat as
    separators (curly quotes, dashes), so that a word beside them needs no window. None means the scan found a different number (a spelling with diacritics, or an
    index that disagrees), and the caller must search the exact way instead.
    """
    lowered = text.encode("ascii", "replace").lower()
    needle = word.lower().encode("ascii")
    length = len(needle)
    starts = np.fromiter((m.start() for m in re.finditer(re.escape(needle), lowered)), np.int64)
    if len(starts) < expected:
        return None  # some hits are not spelt in ASCII: only FTS5 can fold them
    data = np.frombuffer(lowered, np.uint8)
    before = _neighbour_classes(data, starts - 1)
    after = _neighbour_classes(data, starts + length)
    certain = starts[(before == _SEPARATES) & (after == _SEPARATES)].tolist()
    found = {start: start + length for start in certain}
    unsure = (before != _TOKEN) & (after != _TOKEN) & ((before == _UNSURE) | (after == _UNSURE))
    beside_other_characters = []
    for start, first, last in zip(
        starts[unsure].tolist(), before[unsure].tolist(), after[unsure].tolist(), strict=True
    ):
        if _separates(text, start - 1, first, separators) and _separates(
            text, start + length, last, separators
        ):
            found[start] = start + length
        else:
            beside_other_characters.append(start)
    if beside_other_characters:
        windows = _windows(lowered, beside_other_characters, length)
        found.update(highlight_windows(windows))  # a spelling with a combining mark is longer
    if len(found) != expected:
        return None
    return sorted(found.items())

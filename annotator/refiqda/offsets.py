"""Which offset counting a REFI-QDA source was coded in, and its selections remapped to ours.

The standard counts code points, but vendors differ: NVivo for Windows counts
UTF-16 code units (an emoji is two) with each CR LF as two, others count code
points with CR LF as two, or UTF-16 units in text whose line breaks are single.
Stored texts have their line breaks normalised (``annotator.textnorm``), so
every counting is turned into code points of the normalised text here.

Four countings are tried on each source; each selection is judged under each:

- it must land inside the text, not inside a surrogate pair or between CR and LF;
- where the selection brings its own text (its ``name``, ``Description`` or a
  vendor's attribute) and that text is what some counting covers, it must
  cover that text: the strongest evidence there is;
- otherwise both ends must lie on word boundaries (no cut through a word),
  unless every counting puts the selection in the same place (no emoji or
  CR LF before it): then there is nothing to decide and it stands as given.

The counting under which most selections fit is the source's; ties go to the
standard's order (code points first). When other countings put every
selection in the same places (no emoji or CR LF before any of them, or as
many of each), that is said too. Selections that do not fit the chosen counting are not stored: the
caller reports each one.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from annotator.textnorm import normalise_newlines

#: Names of the countings, in the order ties are settled (the standard's first).
CODE_POINTS = "code points"
CODE_POINTS_CRLF = "code points with CR LF as two"
UTF16 = "UTF-16 units"
UTF16_CRLF = "UTF-16 units with CR LF as two"
COUNTINGS = (CODE_POINTS, CODE_POINTS_CRLF, UTF16, UTF16_CRLF)
#: Each counting and the one that differs from it only in CR LF.
_CRLF_SIBLING = {
    CODE_POINTS: CODE_POINTS_CRLF,
    CODE_POINTS_CRLF: CODE_POINTS,
    UTF16: UTF16_CRLF,
    UTF16_CRLF: UTF16,
}
#: What the report says when every counting places every selection alike.
ALL_AGREE = "code points (every counting agrees here)"

#: A position that no counting maps: inside a surrogate pair, between CR and LF, outside the text.
_NOWHERE = -1
_SPACES = re.compile(r"\s+")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_ELLIPSIS = ("...", "\u2026")


@dataclass(frozen=True, slots=True)
class Placed:
    """Where one selection lands under the source's counting, or why it fits none (``start`` is -1)."""

    start: int
    end: int
    reason: str = ""


@dataclass(frozen=True)
class Placement:
    """A source's counting and every selection's place under it, in the order given."""

    counting: str
    places: tuple[Placed, ...]


def _astral_positions(text: str) -> list[int]:
    """Code-point indices of the characters outside the BMP (two UTF-16 units each)."""
    if text.isascii():
        return []
    return [m.start() for m in _ASTRAL.finditer(text)]


def _utf16_to_code_points(text: str) -> Callable[[int], int]:
    """Map a UTF-16 offset into ``text`` to a code-point offset; inside a pair gives -1."""
    astral = _astral_positions(text)
    if not astral:
        return lambda unit: unit
    # The UTF-16 offset just after each astral character.
    ends = [position + index + 2 for index, position in enumerate(astral)]

    def remap(unit: int) -> int:
        before = bisect.bisect_right(ends, unit)  # astral characters wholly before ``unit``
        if before < len(ends) and ends[before] - 1 == unit:
            return _NOWHERE  # between the two halves of a surrogate pair
        return unit - before

    return remap


def _crlf_to_normalised(raw: str) -> Callable[[int], int]:
    """Map a code-point offset into ``raw`` (CR LF as two) to the normalised text; between CR and LF gives -1."""
    pairs = [m.start() for m in re.finditer("\r\n", raw)]
    if not pairs:
        return lambda offset: offset

    def remap(offset: int) -> int:
        before = bisect.bisect_left(pairs, offset)  # CRs at indices < offset
        if before and pairs[before - 1] + 1 == offset:
            return _NOWHERE  # between a CR and its LF
        return offset - before

    return remap


def _chain(first: Callable[[int], int], second: Callable[[int], int]) -> Callable[[int], int]:
    def remap(offset: int) -> int:
        middle = first(offset)
        return _NOWHERE if middle < 0 else second(middle)

    return remap


def mappers(raw: str) -> dict[str, Callable[[int], int]]:
    """For each counting, the function from its offsets to code points of the normalised text."""
    text = normalise_newlines(raw)
    # U+2029 and a lone CR become one LF: the length only changes with CR LF.
    from_raw = _crlf_to_normalised(raw)
    return {
        CODE_POINTS: lambda offset: offset,
        CODE_POINTS_CRLF: from_raw,
        UTF16: _utf16_to_code_points(text),
        UTF16_CRLF: _chain(_utf16_to_code_points(raw), from_raw),
    }


def _squeezed(value: str) -> str:
    return _SPACES.sub(" ", normalise_newlines(value)).strip()


def covers(piece: str, evidence: str) -> bool:
    """Whether a selection's own text ``evidence`` is what ``piece`` holds (white space runs alike;
    an evidence cut short with an ellipsis need only begin the piece)."""
    wanted, found = _squeezed(evidence), _squeezed(piece)
    if not wanted:
        return False
    if wanted == found:
        return True
    for mark in _ELLIPSIS:
        if wanted.endswith(mark) and len(wanted) > len(mark) + 3:
            return found.startswith(wanted[: -len(mark)].rstrip())
    return False


def _inside_word(text: str, offset: int) -> bool:
    return 0 < offset < len(text) and text[offset - 1].isalnum() and text[offset].isalnum()


def _on_boundaries(text: str, start: int, end: int) -> bool:
    return not _inside_word(text, start) and not _inside_word(text, end)


@dataclass(frozen=True, slots=True)
class Selection:
    """What the counting is judged on: the offsets the file gives, and any text it says they cover."""

    start: int
    end: int
    evidence: tuple[str, ...] = ()


def place(raw: str, selections: Sequence[Selection], *, known: str | None = None) -> Placement:
    """The counting under which most ``selections`` fit ``raw`` (the source's text as the file has
    it, line breaks unnormalised), and each selection in code points of the normalised text.

    ``known``: the counting the writing program is known to use (our own exports count code
    points): then a selection need only lie inside the text, wherever it cuts.
    """
    text = normalise_newlines(raw)
    maps = mappers(raw)
    length = len(text)
    if known is not None:
        return _place_known(maps[known], length, selections, known)
    candidates: dict[str, list[tuple[int, int]]] = {}
    for name in COUNTINGS:
        remap = maps[name]
        spots = []
        for sel in selections:
            start, end = remap(sel.start), remap(sel.end)
            ok = 0 <= start < end <= length and sel.start >= 0
            spots.append((start, end) if ok else (_NOWHERE, _NOWHERE))
        candidates[name] = spots
    # Countings that can differ at all in this text: without CR LF or emoji, some are one.
    told = [
        name
        for name in COUNTINGS
        if ("\r\n" in raw or "CR LF" not in name) and (_ASTRAL.search(raw) or "UTF-16" not in name)
    ]
    fits = _judge(text, selections, candidates, told)
    scores = {name: sum(fits[name]) for name in COUNTINGS}
    best = max(COUNTINGS, key=lambda name: (scores[name], -COUNTINGS.index(name)))
    alike = [name for name in told if name != best and candidates[name] == candidates[best]]
    places = []
    for index, (start, end) in enumerate(candidates[best]):
        if fits[best][index]:
            places.append(Placed(start, end))
        else:
            places.append(Placed(_NOWHERE, _NOWHERE, _why_not(selections[index], candidates, fits, index)))
    if len(alike) == len(told) - 1:
        counting = ALL_AGREE
    elif alike == [_CRLF_SIBLING[best]]:
        counting = f"{best.removesuffix(' with CR LF as two')} (CR LF as one or two: the same places here)"
    elif alike:
        counting = f"{best} (or {' or '.join(alike)}: the same places here)"
    else:
        counting = best
    return Placement(counting, tuple(places))


def _place_known(
    remap: Callable[[int], int], length: int, selections: Sequence[Selection], counting: str
) -> Placement:
    places = []
    for sel in selections:
        start, end = remap(sel.start), remap(sel.end)
        if sel.start >= 0 and 0 <= start < end <= length:
            places.append(Placed(start, end))
        else:
            reason = f"[{sel.start}, {sel.end}) lies outside the text or is empty"
            places.append(Placed(_NOWHERE, _NOWHERE, reason))
    return Placement(counting, tuple(places))


def _judge(
    text: str, selections: Sequence[Selection], candidates: dict[str, list[tuple[int, int]]], told: list[str]
) -> dict[str, list[bool]]:
    """For each counting, whether each selection fits under it (see the module's rules)."""
    fits: dict[str, list[bool]] = {name: [] for name in COUNTINGS}
    for index, sel in enumerate(selections):
        spots = {name: candidates[name][index] for name in COUNTINGS}
        # Every counting puts it in the same place: nothing to decide, wherever it cuts.
        certain = spots[told[0]][0] >= 0 and all(spots[name] == spots[told[0]] for name in told)
        texts = {}
        for name, (start, end) in spots.items():
            if start >= 0:
                texts[name] = text[start:end]
        # The selection's own text decides when it matches under some counting.
        matched = {
            name for name, piece in texts.items() if any(covers(piece, evidence) for evidence in sel.evidence)
        }
        for name in COUNTINGS:
            start, end = spots[name]
            if start < 0:
                fits[name].append(False)
            elif matched:
                fits[name].append(name in matched)
            else:
                fits[name].append(certain or _on_boundaries(text, start, end))
    return fits


def _why_not(
    sel: Selection, candidates: dict[str, list[tuple[int, int]]], fits: dict[str, list[bool]], index: int
) -> str:
    """Why a selection is not stored, in a few words."""
    elsewhere = [name for name in COUNTINGS if fits[name][index]]
    given = f"[{sel.start}, {sel.end})"
    if elsewhere:
        return f"{given} fits only {elsewhere[0]}, not the counting of the rest of the source"
    if all(candidates[name][index][0] < 0 for name in COUNTINGS):
        return f"{given} lies outside the text under every counting"
    return f"{given} fits no offset counting (its text or word boundaries do not match)"

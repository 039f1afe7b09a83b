"""Working out a REFI-QDA source's offset counting, with hand-worked offsets.

The text used throughout, as a vendor on Windows holds it:

    "Hi 😀 there\\r\\nsecond 🎉 line\\r\\nend"

"there" is at code point 5 (after "Hi ", the emoji, a space); in UTF-16 units
it is at 6 (the emoji is two units). "line" is at code point 20 in the
normalised text (CR LF as one), 21 with CR LF as two; in UTF-16 units 22 and
23 (two emoji before it). Each counting is written by the fixture helper ``count`` and checked here
against those hand-counted numbers first.
"""

from __future__ import annotations

import pytest

from annotator.refiqda.offsets import (
    ALL_AGREE,
    CODE_POINTS,
    CODE_POINTS_CRLF,
    UTF16,
    UTF16_CRLF,
    Selection,
    covers,
    mappers,
    place,
)
from tests.refiqda_fixtures import count

RAW = "Hi \U0001f600 there\r\nsecond \U0001f389 line\r\nend"
NORMAL = RAW.replace("\r\n", "\n")


def test_the_hand_counted_offsets():
    assert NORMAL.index("there") == 5
    assert NORMAL.index("line") == 20
    assert RAW.index("line") == 21
    raw_there, raw_line = RAW.index("there"), RAW.index("line")
    assert [count(RAW, raw_there, c) for c in ("cp", "cp2", "u16", "u16crlf")] == [5, 5, 6, 6]
    assert [count(RAW, raw_line, c) for c in ("cp", "cp2", "u16", "u16crlf")] == [20, 21, 22, 23]


@pytest.mark.parametrize(
    ("counting", "start", "end"),
    [(CODE_POINTS, 20, 24), (CODE_POINTS_CRLF, 21, 25), (UTF16, 22, 26), (UTF16_CRLF, 23, 27)],
)
def test_each_counting_maps_line_to_code_points_of_the_normalised_text(counting, start, end):
    remap = mappers(RAW)[counting]
    assert NORMAL[remap(start) : remap(end)] == "line"


def test_inside_a_surrogate_pair_or_a_crlf_maps_nowhere():
    maps = mappers(RAW)
    assert maps[UTF16](4) == -1  # between the emoji's two halves (units 3 and 4)
    assert maps[CODE_POINTS_CRLF](11) == -1  # between the CR (10) and the LF (11)
    assert maps[UTF16_CRLF](12) == -1  # the same place in UTF-16 units (the emoji is two)


@pytest.mark.parametrize(
    ("counting", "name"),
    [("cp", CODE_POINTS), ("cp2", CODE_POINTS_CRLF), ("u16", UTF16), ("u16crlf", UTF16_CRLF)],
)
def test_the_counting_is_found_from_word_boundaries_alone(counting, name):
    words = ["there", "second", "line", "end"]
    selections = []
    for word in words:
        start = RAW.index(word)
        selections.append(Selection(count(RAW, start, counting), count(RAW, start + len(word), counting)))
    placement = place(RAW, selections)
    assert placement.counting == name
    assert [NORMAL[p.start : p.end] for p in placement.places] == words


def test_the_selections_own_text_decides_over_word_boundaries():
    # "Hi" and "there" sit on word boundaries under two countings once shifted; the name says which.
    start = RAW.index("line")
    utf16 = Selection(count(RAW, start, "u16"), count(RAW, start + 4, "u16"), ("line",))
    placement = place(RAW, [utf16])
    assert placement.counting == UTF16
    assert NORMAL[placement.places[0].start : placement.places[0].end] == "line"


def test_a_selection_that_fits_no_counting_is_refused_with_a_reason():
    fine = Selection(
        count(RAW, RAW.index("line"), "u16"), count(RAW, RAW.index("line") + 4, "u16"), ("line",)
    )
    # Inside "second" under every counting ([13, 14) is "c", "e", "e" or cuts "s|econd"), not its text.
    cut = Selection(13, 14, ("zzz",))
    outside = Selection(500, 510)
    placement = place(RAW, [fine, cut, outside])
    assert placement.counting == UTF16
    assert placement.places[0].start == 20
    assert placement.places[1].start == -1 and "fits no offset counting" in placement.places[1].reason
    assert placement.places[2].start == -1 and "outside the text" in placement.places[2].reason


def test_when_every_counting_agrees_it_is_said():
    placement = place("plain text, no emoji\r\nand more", [Selection(0, 5, ("plain",))])
    assert placement.counting == ALL_AGREE
    assert placement.places[0].start == 0 and placement.places[0].end == 5


def test_covers_squeezes_white_space_and_accepts_a_shortened_copy():
    assert covers("a  long\nrun of words", "a long run of words")
    assert covers("a long run of words here", "a long run of\u2026")
    assert not covers("a long run", "another")
    assert not covers("abc", "")


def test_countings_that_place_alike_are_named_together():
    there = RAW.index("there")
    only_before_crlf = place(
        RAW, [Selection(count(RAW, there, "u16"), count(RAW, there + 5, "u16"), ("there",))]
    )
    assert only_before_crlf.counting == "UTF-16 units (CR LF as one or two: the same places here)"
    end = RAW.index("end")
    # Two emoji and two CR LF before "end": UTF-16 units and code points with CR LF as two both add 2.
    one_word = place(RAW, [Selection(count(RAW, end, "u16"), count(RAW, end + 3, "u16"), ("end",))])
    assert one_word.counting == "code points with CR LF as two (or UTF-16 units: the same places here)"
    assert NORMAL[one_word.places[0].start : one_word.places[0].end] == "end"


def test_a_selection_every_counting_puts_in_one_place_stands_even_inside_a_word():
    # [1, 2) is "i" of "Hi": before the emoji and the CR LF every counting agrees, so nothing is in doubt.
    placement = place(RAW, [Selection(1, 2)])
    assert (placement.places[0].start, placement.places[0].end) == (1, 2)


def test_a_known_counting_takes_any_range_inside_the_text():
    start = NORMAL.index("line") + 1  # "ine": cut through the word, after the emoji and a CR LF
    placement = place(RAW, [Selection(start, start + 3), Selection(40, 41)], known=CODE_POINTS)
    assert placement.counting == CODE_POINTS
    assert NORMAL[placement.places[0].start : placement.places[0].end] == "ine"
    assert placement.places[1].start == -1 and "outside the text" in placement.places[1].reason


def test_where_word_boundaries_cannot_tell_the_selections_text_does():
    # "x 😀 a b c d": "b c" is [6, 9) in code points, [7, 10) in UTF-16 units. Read as code points,
    # [7, 10) is " c ", also on word boundaries: only the selection's own text tells them apart.
    raw = "x \U0001f600 a b c d"
    assert raw[6:9] == "b c" and raw[7:10] == " c "
    without = place(raw, [Selection(7, 10)])
    assert without.counting == CODE_POINTS  # a tie goes to the standard's counting
    named = place(raw, [Selection(7, 10, ("b c",))])
    assert named.counting == UTF16
    assert raw[named.places[0].start : named.places[0].end] == "b c"

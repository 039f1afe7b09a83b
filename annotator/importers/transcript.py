"""Speaker turns in plain-text transcripts written as ``Name: what they said``.

Pure functions over a normalised text (``\\n`` line endings), so the window
can preview the speakers it would tag before anything is stored.

Rules, chosen to match how transcription services and researchers write:

- A turn starts on a line that begins with a name followed by a colon and
  a space: ``Interviewer: So tell me``. A name starts with a letter, may
  hold letters, digits, spaces, dots, apostrophes and hyphens (``P1``,
  ``Dr. Smith``, ``Speaker 2``), and has at most three words and 40
  characters; a colon not followed by a space (``10:30``, ``http://``) is
  not a turn.
- A turn runs over the following lines until the next turn line; text
  before the first turn (a header) belongs to no one.
- The span of a turn covers what was said: from the first character after
  ``Name: `` to the last non-blank character of the turn. The name stays
  in the text, outside the span.
- Turns are credited to ``auto:transcript``, not to whoever imported the
  file: they are found by a program, and counting them as one researcher's
  coding would make every colleague "disagree" with each turn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from annotator.model import AUTOMATIC_ANNOTATOR_PREFIX, ImportedSpan, TagKind

_TURN_LINE = re.compile(
    r"^[ \t]*(?P<name>[^\W\d_][\w.'\u2019-]*(?:[ \t][\w.'\u2019-]+){0,2})[ \t]*:[ \t]+(?=\S)",
    re.MULTILINE,
)
MAX_NAME_LENGTH = 40
#: The annotator of every speaker turn an importer finds (see ``annotator.model.is_automatic``).
TRANSCRIPT_ANNOTATOR = f"{AUTOMATIC_ANNOTATOR_PREFIX}transcript"


@dataclass(frozen=True, slots=True)
class Turn:
    """One speaker turn: who, and the half-open span of what they said."""

    speaker: str
    start: int
    end: int
    #: Offset of the speaker's name at the start of the line.
    line_start: int


@dataclass(frozen=True, slots=True)
class SpeakerSummary:
    """One speaker found in a text, for a preview before tagging."""

    name: str
    turns: int
    first_line: str


def clean_name(name: str) -> str:
    """A speaker name with runs of whitespace collapsed."""
    return " ".join(name.split())


def turn_starts(text: str) -> list[tuple[str, int, int]]:
    """(speaker, line start, speech start) of every line that opens a turn."""
    starts = []
    for match in _TURN_LINE.finditer(text):
        name = clean_name(match.group("name"))
        if len(name) <= MAX_NAME_LENGTH:
            starts.append((name, match.start(), match.end()))
    return starts


def detect_turns(text: str) -> list[Turn]:
    """Every speaker turn of a ``Name: words`` transcript, in order."""
    starts = turn_starts(text)
    turns = []
    for index, (name, line_start, speech_start) in enumerate(starts):
        limit = starts[index + 1][1] if index + 1 < len(starts) else len(text)
        end = len(text[speech_start:limit].rstrip()) + speech_start
        turns.append(Turn(speaker=name, start=speech_start, end=end, line_start=line_start))
    return turns


def speakers_in(text: str) -> list[SpeakerSummary]:
    """The speakers of a transcript in order of first appearance, with turn counts."""
    counts: dict[str, int] = {}
    firsts: dict[str, str] = {}
    spellings: dict[str, str] = {}
    for turn in detect_turns(text):
        key = turn.speaker.casefold()
        spellings.setdefault(key, turn.speaker)
        counts[key] = counts.get(key, 0) + 1
        firsts.setdefault(key, text[turn.start : turn.end].split("\n", 1)[0].strip())
    return [SpeakerSummary(spellings[k], counts[k], firsts[k]) for k in spellings]


def speaker_spans(turns: list[Turn], *, annotator: str = TRANSCRIPT_ANNOTATOR) -> tuple[ImportedSpan, ...]:
    """Turns as speaker spans for an ``ImportedDocument``, credited to the automatic ``annotator``."""
    return tuple(
        ImportedSpan(start=t.start, end=t.end, label=t.speaker, kind=TagKind.SPEAKER, annotator=annotator)
        for t in turns
        if t.end > t.start
    )

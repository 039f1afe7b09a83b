"""Subtitle files from transcription services (``.srt``, ``.vtt``) as speaker-tagged transcripts.

The document text has one cue per line, in file order; a cue's own line
breaks become spaces so a line is always one cue. A speaker prefix is kept
as text: ``Name: words`` in the cue, or a WebVTT voice tag ``<v Name>``,
which is written out as ``Name: words``. Other markup (``<i>``, ``<c.x>``,
inline timestamps) is dropped and character references decoded.

Speaker turns are always annotated for subtitles (no option needed): a
cue without a name continues the previous speaker's turn, as services
write the name only when the speaker changes, and consecutive cues of one
speaker form one span from the first word after the name to the end of the
last cue. Every cue's line offsets and times go to ``meta["cues"]``, times
written ``HH:MM:SS.mmm``. The turns are credited to ``auto:transcript`` (the
file names no annotator), so review does not take them for anyone's coding.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from annotator.errors import ImportFailure
from annotator.importers import ImportOptions, register
from annotator.importers.text import decode_text, read_limited
from annotator.importers.transcript import Turn, clean_name, speaker_spans, turn_starts
from annotator.model import ImportedDocument
from annotator.textnorm import normalise_newlines

_TIMING = re.compile(
    r"^\s*(?P<from>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<to>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})"
)
_VOICE = re.compile(r"<v(?:\.[^ >]*)?[ \t]+([^>]+)>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class Cue:
    """One subtitle cue: its times and its text on one line."""

    start_time: str
    end_time: str
    text: str


@register(".srt", ".vtt")
def import_subtitles(path: Path, options: ImportOptions) -> list[ImportedDocument]:
    """Import one subtitle file as a transcript with speaker turns and cue times."""
    data = read_limited(path, options)
    source, encoding = decode_text(data)
    source = normalise_newlines(source).lstrip("\ufeff")
    fmt = path.suffix.lower().lstrip(".")
    if fmt == "vtt" and not source.startswith("WEBVTT"):
        raise ImportFailure("not a WebVTT file (it does not start with 'WEBVTT')")
    cues = parse_cues(source)
    if not cues:
        raise ImportFailure(f"no subtitle cues found in the {fmt.upper()} file")
    text, cue_meta = cue_lines(cues)
    turns = cue_turns(text, cue_meta)
    meta = {"filename": path.name, "encoding": encoding, "cues": cue_meta, "speaker_turns": len(turns)}
    return [
        ImportedDocument(
            title=path.stem,
            text=text,
            source_path=str(path),
            source_format=fmt,
            meta=meta,
            spans=speaker_spans(turns),
        )
    ]


def parse_cues(source: str) -> list[Cue]:
    """The cues of an SRT or WebVTT text, in file order; blocks without a timing line are skipped."""
    cues = []
    for block in re.split(r"\n[ \t]*\n", source):
        lines = block.strip("\n").split("\n")
        timing_at = next((i for i, line in enumerate(lines) if _TIMING.match(line)), None)
        if timing_at is None:
            continue  # the WEBVTT header, NOTE, STYLE and REGION blocks, stray text
        match = _TIMING.match(lines[timing_at])
        assert match is not None  # timing_at is a line this pattern matched
        text = cue_text(lines[timing_at + 1 :])
        if text:
            cues.append(Cue(timestamp(match.group("from")), timestamp(match.group("to")), text))
    return cues


def cue_text(lines: list[str]) -> str:
    """A cue's text on one line: voice tags written as ``Name: ``, other markup dropped."""
    joined = " ".join(line.strip() for line in lines if line.strip())
    joined = _VOICE.sub(lambda m: clean_name(m.group(1)) + ": ", joined, count=1)
    joined = _VOICE.sub("", joined)
    joined = html.unescape(_TAG.sub("", joined))
    return " ".join(joined.split())


def timestamp(raw: str) -> str:
    """A cue time as ``HH:MM:SS.mmm`` whatever the file wrote (``00:01,5``, ``1:02:03.040``)."""
    head, fraction = re.split(r"[.,]", raw)
    parts = [int(p) for p in head.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0)
    hours, minutes, seconds = parts
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{fraction.ljust(3, '0')[:3]}"


def cue_lines(cues: list[Cue]) -> tuple[str, list[dict]]:
    """The document text (one cue per line) and every cue's offsets and times."""
    lines, meta, position = [], [], 0
    for cue in cues:
        meta.append(
            {"start": position, "end": position + len(cue.text), "from": cue.start_time, "to": cue.end_time}
        )
        lines.append(cue.text)
        position += len(cue.text) + 1
    return "\n".join(lines), meta


def cue_turns(text: str, cue_meta: list[dict]) -> list[Turn]:
    """Speaker turns over cue lines: unnamed cues continue the previous speaker."""
    named = {line_start: (name, speech) for name, line_start, speech in turn_starts(text)}
    turns: list[Turn] = []
    for cue in cue_meta:
        if cue["start"] in named:
            name, speech_start = named[cue["start"]]
            if turns and turns[-1].speaker.casefold() == name.casefold():
                turns[-1] = Turn(turns[-1].speaker, turns[-1].start, cue["end"], turns[-1].line_start)
            else:
                turns.append(Turn(name, speech_start, cue["end"], cue["start"]))
        elif turns:
            turns[-1] = Turn(turns[-1].speaker, turns[-1].start, cue["end"], turns[-1].line_start)
    return turns

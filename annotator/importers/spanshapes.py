"""Spans as other tools write them, read into ``ImportedSpan`` values or refused with a reason.

Every tool that exports spans has its own shape and, worse, its own way of
counting: spaCy and Prodigy count code points as we do; doccano counts UTF-16
units, as its browser does, so every span after an emoji lands one place
further per emoji; Label Studio counted UTF-16 units until 2022 and code
points since. A span read in the wrong units tags the
wrong words without a word of warning, so each shape here is read in the
units its tool counts in, and checked against the covered text where the
tool writes it. Whatever cannot be read exactly raises ``BadSpans`` with a
one-line reason; the caller refuses that line or row, never keeps its text
without its spans.
"""

from __future__ import annotations

import bisect
import json
import re
import uuid

from annotator.model import ImportedSpan, TagKind
from annotator.textnorm import normalise_newlines

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class BadSpans(ValueError):
    """The spans of one line or row cannot be read; the message says why, on one line."""


# -- values -------------------------------------------------------------------------


def whole_number(value: object, name: str) -> int:
    """``value`` if it is an int (not a bool), else ``BadSpans`` naming the field."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadSpans(f"'{name}' must be a whole number, not {value!r}")
    return value


def kind_of(value: object) -> TagKind:
    """The tag kind a span names; theme when it names none."""
    if value in (None, ""):
        return TagKind.THEME
    try:
        return TagKind(str(value).lower())
    except ValueError:
        raise BadSpans(f"kind must be 'theme' or 'speaker', not {value!r}") from None


def label_of(value: object) -> str:
    """A span's label, trimmed; empty or non-text labels are refused."""
    if not isinstance(value, str) or not value.strip():
        raise BadSpans(f"label must be non-empty text, not {value!r}")
    return value.strip()


def optional_text(value: object, name: str) -> str | None:
    """``value`` when it is text or absent."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadSpans(f"'{name}' must be text")
    return value


def uuid_or_none(value: object) -> str | None:
    """``value`` if it is a UUID in its usual spelling: only those become our ids."""
    if not isinstance(value, str):
        return None
    try:
        return value if str(uuid.UUID(value)) == value.lower() else None
    except ValueError:
        return None


def short(value: str, limit: int = 40) -> str:
    """``value`` quoted on one line, cut to ``limit`` characters."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


def described(value: object) -> str:
    """What a JSON value is, in a few words ("a list of 3"), for refusals that say what was found."""
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return f"an object with {len(value)} key(s)"
    return f"a {type(value).__name__}"


# -- checks ---------------------------------------------------------------------------


def checked(span: ImportedSpan, text_length: int) -> ImportedSpan:
    """``span`` if it is non-empty and inside a text of ``text_length`` code points."""
    if span.start >= span.end:
        raise BadSpans(f"span [{span.start}, {span.end}) has start >= end")
    if span.start < 0 or span.end > text_length:
        raise BadSpans(f"span [{span.start}, {span.end}) is outside the text (length {text_length})")
    return span


def covers(text: str, start: int, end: int, claimed: str) -> bool:
    """Whether ``text[start:end]`` is ``claimed``, line endings aside."""
    covered = text[start:end]
    return claimed == covered or normalise_newlines(claimed) == normalise_newlines(covered)


def check_covered_text(span: ImportedSpan, text: str, claimed: str | None) -> None:
    """Refuse a span whose own ``text`` is not what its offsets cover in the line's text.

    Our exports write the covered text beside the offsets; a tool that
    counted in UTF-16 units (JavaScript, Qt) or UTF-8 bytes puts every span
    after an emoji or accented letter a little off.
    """
    if claimed is None or covers(text, span.start, span.end, claimed):
        return
    raise BadSpans(
        f"span [{span.start}, {span.end}) covers {short(text[span.start : span.end])} but its 'text' is "
        f"{short(claimed)}: the offsets do not match the text (counted in UTF-16 units or bytes rather "
        "than characters?)"
    )


class Utf16Offsets:
    """UTF-16 unit offsets (JavaScript's string indices) of one text as code points, in O(log n).

    Only astral characters (above U+FFFF) count differently: two units, one
    code point. An offset between the two units of one splits a character
    and cannot be right, so it is refused rather than rounded.
    """

    def __init__(self, text: str):
        astral = [m.start() for m in _ASTRAL.finditer(text)]
        #: The unit offset of each astral character's first unit.
        self._astral_units = [index + before for before, index in enumerate(astral)]
        self.units = len(text) + len(astral)

    def code_point(self, unit: int) -> int:
        """The code-point offset of UTF-16 offset ``unit`` (0 <= unit <= units)."""
        before = bisect.bisect_left(self._astral_units, unit)
        if before and self._astral_units[before - 1] == unit - 1:
            raise BadSpans(f"offset {unit} falls inside a character that takes two UTF-16 units (an emoji?)")
        return unit - before


# -- native, Prodigy and spaCy --------------------------------------------------------


def span_from_dict(item: object, text: str) -> ImportedSpan:
    """A ``{"start", "end", "label", ...}`` span (our native shape, Prodigy's, spaCy's) in code points."""
    if not isinstance(item, dict):
        raise BadSpans(f"a span must be an object, not {item!r}")
    span = checked(
        ImportedSpan(
            start=whole_number(item.get("start"), "start"),
            end=whole_number(item.get("end"), "end"),
            label=label_of(item.get("label")),
            kind=kind_of(item.get("kind")),
            id=uuid_or_none(optional_text(item.get("id"), "id")),
            annotator=optional_text(item.get("annotator"), "annotator"),
            note=optional_text(item.get("note"), "note"),
        ),
        len(text),
    )
    claimed = item.get("text")
    if claimed is not None and not isinstance(claimed, str):
        raise BadSpans(f"a span's 'text' must be a string, not {type(claimed).__name__}")
    check_covered_text(span, text, claimed)
    return span


def spans_from_list(value: object, text: str, *, key: str) -> list[ImportedSpan]:
    """Every span of a list under ``key`` (``spans``, ``ents`` or one spaCy span group)."""
    if not isinstance(value, list):
        raise BadSpans(f"unknown shape: '{key}' must be a list of spans, not {_json_type(value)}")
    return [span_from_dict(item, text) for item in value]


def spacy_span_groups(groups: dict, text: str) -> list[ImportedSpan]:
    """The spans of every group of spaCy's ``Doc.to_json()["spans"]`` (``{"sc": [...], ...}``).

    The group's name is not kept, nor a span's ``kb_id``: a span is its range and label here.
    """
    return [
        span for name, value in groups.items() for span in spans_from_list(value, text, key=f"spans.{name}")
    ]


def _json_type(value: object) -> str:
    names: dict[type, str] = {dict: "a dict", list: "a list", str: "a string"}
    return names.get(type(value), type(value).__name__)


# -- doccano ----------------------------------------------------------------------------


def span_from_triple(item: object, text_length: int) -> ImportedSpan:
    """One ``[start, end, label]`` of a doccano ``label`` list, in code points as our export writes it."""
    if not isinstance(item, list) or len(item) != 3:
        raise BadSpans(f"a doccano label must be [start, end, label], not {item!r}")
    return checked(
        ImportedSpan(
            start=whole_number(item[0], "start"), end=whole_number(item[1], "end"), label=label_of(item[2])
        ),
        text_length,
    )


_ENTITY_KEYS = ("start_offset", "end_offset", "label")


def doccano_entities(entities: object, text: str) -> tuple[list[ImportedSpan], dict[object, list]]:
    """doccano's ``entities`` (objects with ``start_offset``/``end_offset``, or triples) as spans.

    doccano counts in UTF-16 units, as its browser does (doccano issue
    #2290), so offsets are converted to code points. Returns the spans and,
    for relations, each entity id's ``[start, end, label]`` in code points.
    """
    if not isinstance(entities, list):
        raise BadSpans(f"unknown shape: 'entities' must be a list, not {_json_type(entities)}")
    units = Utf16Offsets(text)
    spans, by_id = [], {}
    for item in entities:
        if isinstance(item, dict):
            if not all(key in item for key in _ENTITY_KEYS):
                found = ", ".join(f"'{key}'" for key in sorted(map(str, item)))
                raise BadSpans(
                    "unknown shape: a doccano entity must have 'start_offset', 'end_offset' and "
                    f"'label', found {found}"
                )
            start, end, label = (item[key] for key in _ENTITY_KEYS)
        elif isinstance(item, list) and len(item) == 3:
            start, end, label = item
        else:
            raise BadSpans(f"a doccano entity must be an object or [start, end, label], not {item!r}")
        span = _from_units(
            units, whole_number(start, "start_offset"), whole_number(end, "end_offset"), label_of(label)
        )
        spans.append(span)
        if isinstance(item, dict) and isinstance(item.get("id"), (int, str)):
            by_id[item["id"]] = [span.start, span.end, span.label]
    return spans, by_id


def _from_units(units: Utf16Offsets, start: int, end: int, label: str) -> ImportedSpan:
    if start >= end:
        raise BadSpans(f"span [{start}, {end}) has start >= end")
    if start < 0 or end > units.units:
        raise BadSpans(
            f"span [{start}, {end}) is outside the text (length {units.units} in UTF-16 units, "
            "as doccano counts)"
        )
    try:
        return ImportedSpan(start=units.code_point(start), end=units.code_point(end), label=label)
    except BadSpans as exc:
        raise BadSpans(f"doccano {exc}") from None


def doccano_relations(relations: list, entity_ends: dict[object, list]) -> list:
    """doccano's relations, each end named by its entity's ``[start, end, label]`` in code points.

    Annotator has no relations; they are kept in the document's metadata.
    doccano's entity ids do not survive the import (ours are UUIDs), so a
    relation that named only ids would point at nothing.
    """
    kept = []
    for relation in relations:
        ends = isinstance(relation, dict) and (relation.get("from_id"), relation.get("to_id"))
        if ends and all(isinstance(end, (int, str)) and end in entity_ends for end in ends):
            rest = {k: v for k, v in relation.items() if k not in ("from_id", "to_id")}
            kept.append({**rest, "from": entity_ends[ends[0]], "to": entity_ends[ends[1]]})
        else:
            kept.append(relation)
    return kept


# -- Label Studio -------------------------------------------------------------------------


def label_studio_spans(
    cell: str, text: str, *, column: str, annotator: str | None
) -> list[ImportedSpan] | None:
    """The labelled regions of one cell of a Label Studio CSV/TSV export, or None if it holds none.

    Label Studio writes each control's results as a JSON list in the column
    named after the control: a text region is ``{"start", "end", "text",
    "labels": [...]}``. A cell is taken as regions when its JSON is a list of
    objects and one has a key ending in ``labels`` (``labels``,
    ``hypertextlabels``, ``rectanglelabels`` ...); choices, ratings and text
    areas hold none and stay metadata. Regions in any other shape (HTML
    ranges by XPath, image boxes) refuse the row.
    """
    stripped = cell.strip()
    if not stripped.startswith("["):
        return None
    try:
        regions = json.loads(stripped)
    except (ValueError, RecursionError):  # not JSON, or nested past what json reads: plain metadata
        return None
    if not (isinstance(regions, list) and regions and all(isinstance(r, dict) for r in regions)):
        return None
    if not any(str(key).lower().endswith("labels") for region in regions for key in region):
        return None
    spans: list[ImportedSpan] = []
    for region in regions:
        start, end, labels = region.get("start"), region.get("end"), region.get("labels")
        if not (
            _is_int(start)
            and _is_int(end)
            and isinstance(labels, list)
            and labels
            and isinstance(region.get("text", ""), str)
        ):
            found = ", ".join(f"'{key}'" for key in sorted(map(str, region)))
            raise BadSpans(
                f"column '{column}' holds spans in a shape Annotator does not read (found {found})"
            )
        try:
            start, end = _region_offsets(text, start, end, region.get("text"))
            spans.extend(
                checked(
                    ImportedSpan(start=start, end=end, label=label_of(label), annotator=annotator), len(text)
                )
                for label in labels
            )
        except BadSpans as exc:
            raise BadSpans(f"column '{column}': {exc}") from None
    return spans


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _region_offsets(text: str, start: int, end: int, claimed: str | None) -> tuple[int, int]:
    """A region's offsets in code points: as written if they cover its text, else read as UTF-16 units.

    Label Studio counted UTF-16 units until 2022 (its issue #1347, fixed by
    counting code points); the region's own text tells which count the file
    uses, code points first, as current versions write. Without it, offsets
    are only unambiguous where the text has no astral character.
    """
    in_range = 0 <= start < end <= len(text)
    if claimed is None:
        if _ASTRAL.search(text) is None:
            return start, end
        raise BadSpans(
            f"span [{start}, {end}) has no 'text' to tell whether its offsets count characters "
            "or UTF-16 units, and the text has characters that count differently"
        )
    if in_range and covers(text, start, end, claimed):
        return start, end
    units = Utf16Offsets(text)
    if units.units != len(text) and 0 <= start < end <= units.units:
        try:
            converted = units.code_point(start), units.code_point(end)
        except BadSpans:
            converted = None
        if converted and covers(text, *converted, claimed):
            return converted
    if not in_range:
        raise BadSpans(f"span [{start}, {end}) is outside the text (length {len(text)})")
    raise BadSpans(
        f"span [{start}, {end}) covers {short(text[start:end])} but its 'text' is {short(claimed)}"
    )

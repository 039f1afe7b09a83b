"""Gathering spans from several project files and measuring agreement between annotators."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from annotator.errors import InvalidInputError
from annotator.model import is_automatic, tag_name_key
from annotator.review.agreement import Span, compare
from annotator.store import Store


def tag_key(kind: str, name: str) -> str:
    """How tags match across files: kind and name, case-insensitive (``tag_name_key``)."""
    return f"{kind}:{tag_name_key(name)}"


def tag_keys_by_id(store: Store) -> dict[str, str]:
    """Tag id -> ``tag_key`` of every tag in a file."""
    return {tag_id: tag_key(kind, name) for tag_id, (kind, name) in store.review_tag_names().items()}


def shared_lengths(stores: Sequence[Store]) -> dict[str, int]:
    """Documents every file holds (by SHA-256 of the text) -> length."""
    lengths = stores[0].document_lengths_by_sha()
    for store in stores[1:]:
        theirs = store.document_lengths_by_sha()
        lengths = {sha: n for sha, n in lengths.items() if sha in theirs}
    return lengths


def gather_spans(stores: Iterable[Store]) -> tuple[dict[str, list[Span]], dict[str, str]]:
    """annotator -> spans (document hash, start, end, tag key), and tag key -> display name.

    An annotation present in several files (same UUID, e.g. one accepted
    during adjudication) counts once.
    """
    seen: set[str] = set()
    spans: dict[str, list[Span]] = {}
    offered: dict[str, str] = {}  # tag key -> the first name it was seen under
    for store in stores:
        document_keys = store.review_document_keys()
        tag_keys = {}
        for tag_id, (kind, name) in store.review_tag_names().items():
            key = tag_keys[tag_id] = tag_key(kind, name)
            offered.setdefault(key, name)
        for span_id, doc_id, start, end, tag_id, annotator in store.review_span_rows():
            if span_id in seen:
                continue
            seen.add(span_id)
            by_annotator = spans.get(annotator)
            if by_annotator is None:
                by_annotator = spans[annotator] = []
            by_annotator.append((document_keys[doc_id], start, end, tag_keys[tag_id]))
    used = {span[3] for annotator_spans in spans.values() for span in annotator_spans}
    names = {key: name for key, name in offered.items() if key in used}
    return spans, names


def _distinct_labels(names: dict[str, str]) -> dict[str, str]:
    """Tag key -> label; a name used by both a theme and a speaker gets its kind in brackets."""
    counts = Counter(name.casefold() for name in names.values())
    return {
        key: f"{name} ({key.split(':', 1)[0]})" if counts[name.casefold()] > 1 else name
        for key, name in names.items()
    }


def _compared(
    stores: Sequence[Store], include_automatic: bool
) -> tuple[dict[str, list[Span]], dict[str, str], dict[str, str], list[str]]:
    """Spans by annotator, plain tag names and labels of the tags they use, and the automatic annotators
    left out (their spans are a program's, not anyone's coding: ``annotator.model.is_automatic``)."""
    spans, offered = gather_spans(stores)
    left_out = [] if include_automatic else sorted(name for name in spans if is_automatic(name))
    for name in left_out:
        del spans[name]
    used = {span[3] for annotator_spans in spans.values() for span in annotator_spans}
    plain = {key: name for key, name in offered.items() if key in used}
    return spans, plain, _distinct_labels(plain), left_out


def tag_labels(stores: Sequence[Store], *, include_automatic: bool = False) -> list[str]:
    """The tags agreement would compare in these files, named as its report names them (for choosing)."""
    _, _, names, _ = _compared(stores, include_automatic)
    return sorted(names.values(), key=str.casefold)


def agreement_report(
    stores: Sequence[Store],
    *,
    tags: Sequence[str] = (),
    kind: str | None = None,
    include_automatic: bool = False,
) -> dict:
    """The ``annotator agree --json`` object for these files.

    ``tags`` limits it to tags named so (a name, or "name (kind)"); ``kind``
    to themes or speakers; automatic spans count only with ``include_automatic``.
    """
    lengths = shared_lengths(stores)
    spans, plain, names, left_out = _compared(stores, include_automatic)
    candidates = [key for key in names if kind is None or key.split(":", 1)[0] == str(kind)]

    def asked(key: str, wanted: str) -> bool:  # by name, or by "name (kind)"
        return wanted in (plain[key].casefold(), names[key].casefold())

    wanted = [t.strip().casefold() for t in tags]
    unknown = [t for t, w in zip(tags, wanted, strict=True) if not any(asked(k, w) for k in names)]
    if unknown:
        raise InvalidInputError(_unknown_tags(stores, unknown, include_automatic))
    keys = sorted(
        (k for k in candidates if not wanted or any(asked(k, w) for w in wanted)),
        key=lambda k: names[k].casefold(),
    )
    if wanted and not keys:  # each tag asked for is used, none of them is of that kind
        raise InvalidInputError(f"no {kind} in these files is named {', '.join(map(repr, tags))}")
    pairs, everyone = compare(lengths, spans, keys)
    for pair in pairs:
        pair["per_tag"] = {names[k]: v for k, v in pair["per_tag"].items()}
    everyone["per_tag"] = {names[k]: v for k, v in everyone["per_tag"].items()}
    return {
        "documents": len(lengths),
        "characters": sum(lengths.values()),
        "annotators": sorted(spans),
        "tags": [names[k] for k in keys],
        "pairs": pairs,
        "all_annotators": everyone,
        "automatic_left_out": left_out,
    }


def _unknown_tags(stores: Sequence[Store], unknown: list[str], include_automatic: bool) -> str:
    """Why no annotation matched, with the way out when only automatic spans use the tags."""
    quoted = ", ".join(map(repr, unknown))
    if not include_automatic:
        _, plain, names, _ = _compared(stores, True)
        known = {label.casefold() for key in names for label in (plain[key], names[key])}
        if all(t.strip().casefold() in known for t in unknown):
            return f"only automatic spans use {quoted} in these files; include them to compare (--include-automatic)"
    return f"no annotation in these files uses a tag named {quoted}"

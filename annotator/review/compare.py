"""Gathering spans from several project files and measuring agreement between annotators."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from annotator.errors import InvalidInputError
from annotator.model import tag_name_key
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
    return {key: f"{name} ({key.split(':', 1)[0]})" if counts[name.casefold()] > 1 else name
            for key, name in names.items()}


def agreement_report(stores: Sequence[Store], *, tags: Sequence[str] = ()) -> dict:
    """The ``annotator agree --json`` object for these files."""
    lengths = shared_lengths(stores)
    spans, plain = gather_spans(stores)
    names = _distinct_labels(plain)

    def asked(key: str, wanted: str) -> bool:  # by name, or by "name (kind)"
        return wanted in (plain[key].casefold(), names[key].casefold())

    wanted = [t.strip().casefold() for t in tags]
    unknown = [t for t, w in zip(tags, wanted, strict=True) if not any(asked(k, w) for k in names)]
    if unknown:
        raise InvalidInputError(f"no annotation in these files uses a tag named {', '.join(map(repr, unknown))}")
    keys = sorted((k for k in names if not wanted or any(asked(k, w) for w in wanted)),
                  key=lambda k: names[k].casefold())
    pairs, everyone = compare(lengths, spans, keys)
    for pair in pairs:
        pair["per_tag"] = {names[k]: v for k, v in pair["per_tag"].items()}
    everyone["per_tag"] = {names[k]: v for k, v in everyone["per_tag"].items()}
    return {
        "documents": len(lengths), "characters": sum(lengths.values()),
        "annotators": sorted(spans), "tags": [names[k] for k in keys],
        "pairs": pairs, "all_annotators": everyone,
    }

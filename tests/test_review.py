"""Disagreements between two annotators on one document, and settling them (accept, dismiss) with undo."""

from __future__ import annotations

import pytest
from review_helpers import SHARED, make_pair

from annotator.errors import InvalidInputError
from annotator.model import TagKind
from annotator.ops import History
from annotator.review.adjudication import AcceptAnnotation, DismissDisagreement
from annotator.review.disagreements import find_disagreements
from annotator.review.loading import open_colleague
from annotator.store import Store
from annotator.store.review import ReviewSpan


def span(id, start, end, tag="T", kind="theme", annotator="x"):
    return ReviewSpan(id, "sha", "doc", start, end, kind, tag, annotator, None, "2026-01-01", "2026-01-01")


def test_each_kind_of_disagreement_with_its_place():
    ours = [span("o1", 0, 5), span("o2", 10, 15), span("o3", 20, 25, tag="A"), span("o4", 30, 35)]
    theirs = [
        span("t1", 0, 5, tag="t"),  # same range, tag differs only in case: agreement
        span("t2", 12, 18),  # boundaries differ
        span("t3", 20, 25, tag="B"),  # same range, another tag
        span("t4", 40, 44),
    ]  # only theirs; o4 only ours
    found = find_disagreements(ours, theirs)
    assert [(d.kind, d.start, d.end) for d in found] == [
        ("boundaries", 10, 18),
        ("tag", 20, 25),
        ("missing", 30, 35),
        ("missing", 40, 44),
    ]
    assert found[2].ours.id == "o4" and found[2].theirs is None
    assert found[3].theirs.id == "t4" and found[3].ours is None
    assert found[0].key == "boundaries:o2:t2"
    assert find_disagreements(ours, theirs, dismissed={"tag:o3:t3"})[1].kind == "missing"


def test_an_exact_match_is_never_taken_by_a_looser_pairing():
    ours = [span("short", 0, 10), span("long", 0, 12)]
    theirs = [span("t", 0, 12)]
    # "long" matches exactly; "short" has nothing left to pair with
    assert [(d.kind, d.ours.id, d.theirs) for d in find_disagreements(ours, theirs)] == [
        ("missing", "short", None)
    ]


def test_many_spans_are_compared_without_looking_at_every_pair():
    ours = [span(f"o{i}", i * 10, i * 10 + 5, tag=f"T{i % 7}") for i in range(20_000)]
    theirs = [span(f"t{i}", i * 10 + (i % 3), i * 10 + 6, tag=f"T{i % 7}") for i in range(20_000)]
    found = find_disagreements(ours, theirs)
    # i % 3 == 0: [10i, 10i+6) vs [10i, 10i+5) -> boundaries; the others too (start moved)
    assert len(found) == 20_000 and {d.kind for d in found} == {"boundaries"}
    assert (found[1].start, found[1].end) == (10, 16)


def test_the_same_annotation_in_both_files_is_agreement():
    shared = span("same", 3, 9)
    assert find_disagreements([shared], [shared]) == []


def test_disagreements_and_adjudication_are_undoable(tmp_path):
    ours, theirs = make_pair(tmp_path)
    with Store.open(ours) as store, open_colleague(theirs) as colleague:
        doc = store.documents()[0]
        mine = list(store.iter_review_spans(doc.id))
        their_doc = colleague.store.document_by_sha256(doc.sha256)
        their_spans = list(colleague.store.iter_review_spans(their_doc.id))
        found = find_disagreements(mine, their_spans)
        # "security" vs "security and trade"; "Ana" only ours; "Ben" only theirs
        assert sorted(d.kind for d in found) == ["boundaries", "missing", "missing"]
        boundaries = next(d for d in found if d.kind == "boundaries")
        assert (boundaries.start, boundaries.end) == (SHARED.index("security"), SHARED.index("security") + 18)
        only_theirs = next(d for d in found if d.kind == "missing" and d.theirs)
        history = History(store)
        history.run(AcceptAnnotation(only_theirs.theirs, decided_by="ana", source="ben.annotator"))
        accepted = store.annotation(only_theirs.theirs.id)
        assert (accepted.annotator, accepted.start, accepted.end) == (
            "ben",
            SHARED.index("Ben"),
            SHARED.index("Ben") + 3,
        )
        assert accepted.created == only_theirs.theirs.created  # keeps its id, annotator and times
        [decision] = store.adjudications()
        assert (
            decision["decided_by"],
            decision["decision"],
            decision["annotation_id"],
            decision["source"],
        ) == ("ana", "accepted", accepted.id, "ben.annotator")
        mine = list(store.iter_review_spans(doc.id))
        assert len(find_disagreements(mine, their_spans)) == len(found) - 1  # the accepted one agrees now
        history.run(DismissDisagreement(boundaries.key, boundaries.ours.id, decided_by="ana"))
        left = find_disagreements(mine, their_spans, store.dismissed_disagreements())
        assert "boundaries" not in [d.kind for d in left]
        history.undo()
        history.undo()
        assert store.adjudications() == []
        assert store.find_tag(TagKind.SPEAKER, "Ben") is None  # the tag the accept created went too
        assert len(list(store.iter_review_spans(doc.id))) == 2
        history.redo()  # redo recreates the same annotation and decision ids
        assert store.annotation(only_theirs.theirs.id).annotator == "ben"
        assert len(store.adjudications()) == 1


def test_accepting_into_a_project_without_the_document_is_refused(tmp_path):
    _, theirs = make_pair(tmp_path)
    with Store.create(tmp_path / "empty.annotator") as store, open_colleague(theirs) as colleague:
        their_span = next(colleague.store.iter_review_spans())
        with pytest.raises(InvalidInputError, match="merge it first"):
            History(store).run(AcceptAnnotation(their_span, decided_by="ana"))
        assert store.annotation_count() == 0 and store.adjudications() == []

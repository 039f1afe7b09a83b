"""Coded retrieval on a small project whose every count is worked out by hand below.

The project (``build``): three documents, themes Economy > Jobs and Health,
speakers Ana and Ben, annotators kim and lee, turns by the transcript import.

    D1 "Interview A" (60 chars: two lines [0,30) and [30,60), each ending in a newline)
        turns  Ana [0,30)   Ben [30,60)
        e1 Economy [0,10) kim      j1 Jobs [5,15) kim, note "pay"   h1 Health [12,20) kim
        e2 Economy [25,35) lee     h2 Health [40,50) lee            j2 Jobs [45,55) lee
    D2 "Interview B" (30 chars, one line, no newline), status done
        turn   Ben [0,30)
        e3 Economy [0,10) kim      h3 Health [5,8) kim              h4 Health [20,25) lee
    D3 "Notes" (20 chars), status done, no spans
"""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.analysis.query import Combine, PassageQuery
from annotator.analysis.retrieval import passage_context, retrieve
from annotator.errors import NotFoundError
from annotator.model import DocumentStatus, ImportedDocument
from annotator.store import Store

LINE = "abcdefghij klmnopqrst uvwxyz."  # 29 characters
D1_TEXT = LINE + "\n" + LINE.upper() + "\n"
D2_TEXT = "0123456789 Ben speaks here. 12"
D3_TEXT = "plain notes, nothing"


def build(path: Path) -> tuple[Store, dict[str, str]]:
    """The project of the module docstring; returns it open with ids by short name."""
    assert len(D1_TEXT) == 60 and len(D2_TEXT) == 30 and len(D3_TEXT) == 20
    store = Store.create(path)
    ids: dict[str, str] = {}
    economy = store.add_tag(kind="theme", name="Economy")
    ids["Economy"] = economy.id
    ids["Jobs"] = store.add_tag(kind="theme", name="Jobs", parent_id=economy.id).id
    ids["Health"] = store.add_tag(kind="theme", name="Health").id
    ids["Ana"] = store.add_tag(kind="speaker", name="Ana").id
    ids["Ben"] = store.add_tag(kind="speaker", name="Ben").id
    for key, title, text in (
        ("D1", "Interview A", D1_TEXT),
        ("D2", "Interview B", D2_TEXT),
        ("D3", "Notes", D3_TEXT),
    ):
        ids[key] = store.add_document(ImportedDocument(title=title, text=text), annotator="x").document_id
    store.set_document_status(ids["D2"], DocumentStatus.DONE)
    store.set_document_status(ids["D3"], DocumentStatus.DONE)
    spans = [
        ("D1", 0, 30, "Ana", "auto:transcript", None, "t1"),
        ("D1", 30, 60, "Ben", "auto:transcript", None, "t2"),
        ("D2", 0, 30, "Ben", "auto:transcript", None, "t3"),
        ("D1", 0, 10, "Economy", "kim", None, "e1"),
        ("D1", 5, 15, "Jobs", "kim", "pay", "j1"),
        ("D1", 12, 20, "Health", "kim", None, "h1"),
        ("D1", 25, 35, "Economy", "lee", None, "e2"),
        ("D1", 40, 50, "Health", "lee", None, "h2"),
        ("D1", 45, 55, "Jobs", "lee", None, "j2"),
        ("D2", 0, 10, "Economy", "kim", None, "e3"),
        ("D2", 5, 8, "Health", "kim", None, "h3"),
        ("D2", 20, 25, "Health", "lee", None, "h4"),
    ]
    for doc, start, end, tag, annotator, note, name in spans:
        ids[name] = store.add_annotation(
            document_id=ids[doc], start=start, end=end, tag_id=ids[tag], annotator=annotator, note=note
        ).id
    return store, ids


@pytest.fixture
def project(tmp_path):
    store, ids = build(tmp_path / "hand.annotator")
    yield store, ids
    store.close()


def spans_of(store: Store, ids: dict[str, str], query: PassageQuery) -> list[tuple[str, int, int]]:
    """The passages as (document key, start, end), with documents named D1..D3."""
    names = {ids[k]: k for k in ("D1", "D2", "D3")}
    return [(names[p.document_id], p.start, p.end) for p in retrieve(store, query)]


def test_any_of_a_theme_includes_its_sub_themes_unless_asked_not_to(project):
    store, ids = project
    # Economy stands for Economy and Jobs: e1, j1, e2, j2 in D1, e3 in D2 = 5, in corpus order
    query = PassageQuery(tags=(ids["Economy"],))
    assert spans_of(store, ids, query) == [
        ("D1", 0, 10),
        ("D1", 5, 15),
        ("D1", 25, 35),
        ("D1", 45, 55),
        ("D2", 0, 10),
    ]
    assert len(retrieve(store, query)) == 5
    # without sub-themes: e1, e2, e3 = 3
    assert len(retrieve(store, PassageQuery(tags=(ids["Economy"],), include_subthemes=False))) == 3


def test_no_tags_means_every_span_turns_included(project):
    store, ids = project
    assert len(retrieve(store, PassageQuery())) == 12  # 3 turns + 9 theme spans


def test_all_is_the_overlap_region_of_each_overlapping_pair(project):
    store, ids = project
    # Jobs x Health: j1 [5,15) & h1 [12,20) -> [12,15); j2 [45,55) & h2 [40,50) -> [45,50) = 2
    query = PassageQuery(tags=(ids["Jobs"], ids["Health"]), combine=Combine.ALL)
    assert spans_of(store, ids, query) == [("D1", 12, 15), ("D1", 45, 50)]
    # Economy alone x Health: only e3 [0,10) & h3 [5,8) -> [5,8) = 1
    own = PassageQuery(tags=(ids["Economy"], ids["Health"]), combine=Combine.ALL, include_subthemes=False)
    assert spans_of(store, ids, own) == [("D2", 5, 8)]
    # Economy with Jobs x Health: [12,15), [45,50), [5,8) = 3
    with_jobs = PassageQuery(tags=(ids["Economy"], ids["Health"]), combine=Combine.ALL)
    assert spans_of(store, ids, with_jobs) == [("D1", 12, 15), ("D1", 45, 50), ("D2", 5, 8)]
    passage = retrieve(store, query).rows(0, 1)[0]
    assert passage.annotation_ids == (ids["j1"], ids["h1"])
    assert passage.tag_ids == (ids["Jobs"], ids["Health"])
    assert passage.notes == ("pay",)
    assert passage.speaker_id == ids["Ana"]


def test_all_of_three_tags_is_the_region_all_three_cover(project):
    store, ids = project
    # Jobs x Health regions [12,15) and [45,50); only the second lies in one of Ben's turns [30,60)
    query = PassageQuery(tags=(ids["Jobs"], ids["Health"], ids["Ben"]), combine=Combine.ALL)
    assert spans_of(store, ids, query) == [("D1", 45, 50)]
    assert len(retrieve(store, query)) == 1
    passage = retrieve(store, query).rows(0, 1)[0]
    assert passage.annotation_ids == (ids["j2"], ids["h2"], ids["t2"])
    assert passage.annotators == ("lee", "auto:transcript")


def test_all_of_a_theme_and_its_own_sub_theme_never_pairs_a_span_with_itself(project):
    store, ids = project
    # groups {e1, j1, e2, j2, e3} and {j1, j2}: distinct overlapping pairs: e1-j1 -> [5,10) only
    query = PassageQuery(tags=(ids["Economy"], ids["Jobs"]), combine=Combine.ALL)
    assert spans_of(store, ids, query) == [("D1", 5, 10)]


def test_not_drops_passages_touching_an_excluded_span(project):
    store, ids = project
    # Economy+Jobs spans: e1 [0,10) misses h1 [12,20): kept; j1 [5,15) meets h1: dropped;
    # e2 [25,35) kept; j2 [45,55) meets h2 [40,50): dropped; e3 [0,10) meets h3 [5,8): dropped
    query = PassageQuery(tags=(ids["Economy"],), exclude_tags=(ids["Health"],))
    assert spans_of(store, ids, query) == [("D1", 0, 10), ("D1", 25, 35)]
    assert len(retrieve(store, query)) == 2


def test_speakers_keep_passages_overlapping_their_turns(project):
    store, ids = project
    # Health: h1 in Ana's turn [0,30); h2, h3, h4 in Ben's
    assert spans_of(store, ids, PassageQuery(tags=(ids["Health"],), speakers=(ids["Ana"],))) == [
        ("D1", 12, 20)
    ]
    assert len(retrieve(store, PassageQuery(tags=(ids["Health"],), speakers=(ids["Ben"],)))) == 3
    # e2 [25,35) crosses from Ana's turn into Ben's: it counts for both, and its speaker is Ana's
    own = PassageQuery(tags=(ids["Economy"],), include_subthemes=False, speakers=(ids["Ben"],))
    assert spans_of(store, ids, own) == [("D1", 25, 35), ("D2", 0, 10)]
    assert [p.speaker_id for p in retrieve(store, own)] == [ids["Ana"], ids["Ben"]]


def test_annotator_document_and_status_filters(project):
    store, ids = project
    # lee's Economy+Jobs: e2, j2
    assert spans_of(store, ids, PassageQuery(tags=(ids["Economy"],), annotators=("lee",))) == [
        ("D1", 25, 35),
        ("D1", 45, 55),
    ]
    # Health in documents done (D2, D3): h3, h4
    done = PassageQuery(tags=(ids["Health"],), statuses=(DocumentStatus.DONE,))
    assert spans_of(store, ids, done) == [("D2", 5, 8), ("D2", 20, 25)]
    assert len(retrieve(store, PassageQuery(tags=(ids["Health"],), documents=(ids["D1"],)))) == 2
    # kim's Economy+Jobs x kim's Health: j1-h1, e3-h3 (j2 and h2 are lee's) = 2
    kim = PassageQuery(tags=(ids["Economy"], ids["Health"]), combine=Combine.ALL, annotators=("kim",))
    assert spans_of(store, ids, kim) == [("D1", 12, 15), ("D2", 5, 8)]
    # the excluded spans are the annotator's too: lee's Economy not lee's Health -> e2 kept, j2 dropped
    lee = PassageQuery(tags=(ids["Economy"],), annotators=("lee",), exclude_tags=(ids["Health"],))
    assert spans_of(store, ids, lee) == [("D1", 25, 35)]


def test_same_paragraph_pairs_spans_of_a_line(project):
    store, ids = project
    # lines of D1: [0,30) and [30,60); D2 is one line [0,30)
    # Economy alone x Health: e1-h1 (line 1), e2 [25,35) touches both lines: e2-h1, e2-h2;
    # e3-h3, e3-h4 in D2 = 5; each passage is the line(s) both touch
    query = PassageQuery(
        tags=(ids["Economy"], ids["Health"]),
        combine=Combine.ALL,
        include_subthemes=False,
        same_paragraph=True,
    )
    assert spans_of(store, ids, query) == [
        ("D1", 0, 30),
        ("D1", 0, 30),
        ("D1", 30, 60),
        ("D2", 0, 30),
        ("D2", 0, 30),
    ]


def test_pages_agree_with_the_whole_and_stop_at_the_end(project):
    store, ids = project
    for query in (
        PassageQuery(),
        PassageQuery(tags=(ids["Economy"],), speakers=(ids["Ben"],)),
        PassageQuery(tags=(ids["Economy"], ids["Health"]), combine=Combine.ALL),
    ):
        whole = list(retrieve(store, query))
        result = retrieve(store, query)
        paged = [p for first in range(0, len(whole) + 2, 2) for p in result.rows(first, 2)]
        assert paged == whole
        assert result.rows(len(whole), 5) == []
        assert result.rows(1, 1) == whole[1:2]


def test_passage_context_cuts_at_white_space(project):
    store, ids = project
    passage = retrieve(store, PassageQuery(tags=(ids["Health"],), documents=(ids["D1"],))).rows(1, 1)[0]
    assert (passage.start, passage.end) == (40, 50)  # h2, in line two "ABCDEFGHIJ KLMNOPQRST UVWXYZ.\n"
    before, middle, after = passage_context(store, passage, chars=12)
    # D1_TEXT[28:40] = ".\nABCDEFGHIJ"; its first white space is the newline at 29
    assert (before, middle, after) == ("ABCDEFGHIJ", " KLMNOPQRS", "T UVWXYZ.\n")


def test_unknown_tag_ids_are_refused(project):
    store, _ = project
    with pytest.raises(NotFoundError):
        retrieve(store, PassageQuery(tags=("no-such-tag",)))

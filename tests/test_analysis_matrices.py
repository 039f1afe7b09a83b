"""Frequencies and matrices on the hand-worked project of tests/test_analysis_retrieval.py.

Spans, for the working below (D1 lines [0,30) and [30,60); D2 one line [0,30)):
    D1: Ana [0,30) Ben [30,60) | e1 Economy [0,10) kim, j1 Jobs [5,15) kim, h1 Health [12,20) kim,
        e2 Economy [25,35) lee, h2 Health [40,50) lee, j2 Jobs [45,55) lee
    D2 (done): Ben [0,30) | e3 Economy [0,10) kim, h3 Health [5,8) kim, h4 Health [20,25) lee
    D3 (done): nothing
Jobs is a sub-theme of Economy.
"""

from __future__ import annotations

import itertools

import pytest

from annotator.analysis.matrices import Axis, Measure, frequencies, matrix
from annotator.analysis.query import PassageQuery
from annotator.analysis.retrieval import retrieve
from annotator.model import DocumentStatus
from tests.test_analysis_retrieval import build


@pytest.fixture
def project(tmp_path):
    store, ids = build(tmp_path / "hand.annotator")
    yield store, ids
    store.close()


def names(labels):
    return [label.name for label in labels]


def test_frequencies_with_parent_totals(project):
    store, ids = project
    rows = {f.tag.name: f for f in frequencies(store)}
    assert list(rows) == ["Economy", "Jobs", "Health", "Ana", "Ben"]
    economy, jobs = rows["Economy"], rows["Jobs"]
    # Economy itself: e1, e2, e3 = 3 in D1, D2; characters D1 10 + 10, D2 10 = 30
    assert (economy.passages, economy.documents, economy.characters) == (3, 2, 30)
    # with Jobs: 5 spans; characters D1 [0,10)u[5,15) = 15, [25,35) 10, [45,55) 10; D2 10 = 45
    assert (economy.total_passages, economy.total_documents, economy.total_characters) == (5, 2, 45)
    assert (jobs.depth, economy.depth) == (1, 0)
    # Jobs: j1, j2 = 2 in D1, 10 + 10 characters; a leaf's totals are its own
    assert (jobs.passages, jobs.documents, jobs.characters, jobs.total_passages) == (2, 1, 20, 2)
    # Health: h1 8 + h2 10 in D1, h3 3 + h4 5 in D2 = 26 characters
    assert (rows["Health"].passages, rows["Health"].documents, rows["Health"].characters) == (4, 2, 26)
    # Ben: two turns of 30
    assert (rows["Ben"].passages, rows["Ben"].documents, rows["Ben"].characters) == (2, 2, 60)
    # lee only: Economy e2; with Jobs e2, j2
    lee = {f.tag.name: f for f in frequencies(store, PassageQuery(annotators=("lee",)))}
    assert (lee["Economy"].passages, lee["Economy"].total_passages) == (1, 2)


def test_co_occurrence_counts_overlapping_pairs(project):
    store, ids = project
    m = matrix(store, rows=Axis.TAGS, cols=Axis.TAGS)
    assert names(m.row_labels) == ["Economy", "Jobs", "Health"]
    # diagonal: spans of each tag itself (3, 2, 4); Economy-Jobs: e1-j1 only;
    # Economy-Health: e3-h3 only; Jobs-Health: j1-h1, j2-h2
    assert m.values == ((3, 1, 1), (1, 2, 2), (1, 2, 4))
    # documents with such a pair: Economy-Health only D2, Jobs-Health only D1
    docs = matrix(store, rows=Axis.TAGS, cols=Axis.TAGS, measure=Measure.DOCUMENTS)
    assert docs.values == ((2, 1, 1), (1, 1, 1), (1, 1, 2))


def test_jaccard_is_shared_characters_over_either(project):
    store, ids = project
    m = matrix(store, rows=Axis.TAGS, cols=Axis.TAGS, measure=Measure.JACCARD)
    # Economy 30 characters, Health 26, shared: D2 [5,8) = 3 -> 3 / (30 + 26 - 3) = 3/53
    assert m.values[0][2] == pytest.approx(3 / 53)
    # Jobs 20, Health 26, shared [12,15) + [45,50) = 8 -> 8 / 38
    assert m.values[1][2] == pytest.approx(8 / 38)
    assert m.values[0][0] == 1.0
    chars = matrix(store, rows=Axis.TAGS, cols=Axis.TAGS, measure=Measure.CHARACTERS)
    assert chars.values[1][2] == 8 and chars.values[2][2] == 26


def test_same_paragraph_co_occurrence(project):
    store, ids = project
    m = matrix(store, rows=Axis.TAGS, cols=Axis.TAGS, same_paragraph=True)
    # Economy-Health: e1-h1 (line 1), e2 (both lines) with h1 and h2, e3-h3, e3-h4 = 5
    # Economy-Jobs: e1-j1, e2-j1 (line 1), e2-j2 (line 2) = 3
    # Jobs-Health: j1-h1 (line 1), j2-h2 (line 2) = 2
    assert m.values == ((3, 3, 5), (3, 2, 2), (5, 2, 4))


def test_theme_by_speaker(project):
    store, ids = project
    m = matrix(store, rows=Axis.TAGS, cols=Axis.SPEAKERS)
    assert names(m.col_labels) == ["Ana", "Ben"]
    # Economy: e1, e2 in Ana's turn; e2 (crossing), e3 in Ben's; Jobs j1 Ana, j2 Ben;
    # Health h1 Ana; h2, h3, h4 Ben
    assert m.values == ((2, 2), (1, 1), (1, 3))
    presence = matrix(store, rows=Axis.SPEAKERS, cols=Axis.TAGS, measure=Measure.DOCUMENTS)
    # Ben: Economy in D1 (e2) and D2 (e3) = 2; Jobs D1 = 1; Health D1, D2 = 2. Ana: D1 only
    assert presence.values == ((1, 1, 1), (2, 1, 2))


def test_document_by_tag_and_annotators(project):
    store, ids = project
    m = matrix(store, rows=Axis.DOCUMENTS, cols=Axis.TAGS)
    assert names(m.row_labels) == ["Interview A", "Interview B", "Notes"]
    assert m.values == ((2, 2, 2), (1, 0, 2), (0, 0, 0))
    chars = matrix(store, rows=Axis.DOCUMENTS, cols=Axis.TAGS, measure=Measure.CHARACTERS)
    assert chars.values == ((20, 20, 18), (10, 0, 8), (0, 0, 0))
    presence = matrix(store, rows=Axis.DOCUMENTS, cols=Axis.TAGS, measure=Measure.PRESENCE)
    assert presence.values == ((1, 1, 1), (1, 0, 1), (0, 0, 0))
    by_annotator = matrix(store, rows=Axis.TAGS, cols=Axis.ANNOTATORS)
    assert names(by_annotator.col_labels) == ["kim", "lee"]
    # Economy kim e1, e3 / lee e2; Jobs j1 / j2; Health h1, h3 / h2, h4
    assert by_annotator.values == ((2, 1), (1, 1), (2, 2))
    # documents by speaker, over every theme span: D1 Ana e1 j1 h1 e2 = 4, Ben e2 h2 j2 = 3; D2 Ben 3
    speakers = matrix(store, rows=Axis.DOCUMENTS, cols=Axis.SPEAKERS)
    assert speakers.values == ((4, 3), (0, 3), (0, 0))


def test_filters_apply_to_every_cell(project):
    store, ids = project
    done = PassageQuery(statuses=(DocumentStatus.DONE,))
    m = matrix(store, rows=Axis.DOCUMENTS, cols=Axis.TAGS, base=done)
    assert names(m.row_labels) == ["Interview B", "Notes"]
    assert m.values == ((1, 0, 2), (0, 0, 0))
    # not Jobs: Economy-Health pairs whose overlap touches no Jobs span: e3-h3 (D2) still;
    # Jobs-Health: regions [12,15) and [45,50) lie inside j1, j2: 0
    m = matrix(store, rows=Axis.TAGS, cols=Axis.TAGS, base=PassageQuery(exclude_tags=(ids["Jobs"],)))
    assert m.values[0][2] == 1 and m.values[1][2] == 0


def test_impossible_matrices_say_why(project):
    store, _ = project
    with pytest.raises(ValueError, match="not a matrix"):
        matrix(store, rows=Axis.DOCUMENTS, cols=Axis.DOCUMENTS)
    with pytest.raises(ValueError, match="jaccard"):
        matrix(store, rows=Axis.TAGS, cols=Axis.DOCUMENTS, measure=Measure.JACCARD)


BASES = {
    "none": lambda ids: PassageQuery(),
    "kim": lambda ids: PassageQuery(annotators=("kim",)),
    "not-jobs": lambda ids: PassageQuery(exclude_tags=(ids["Jobs"],), include_subthemes=False),
    "ben": lambda ids: PassageQuery(speakers=(ids["Ben"],)),
    "done": lambda ids: PassageQuery(statuses=(DocumentStatus.DONE,)),
}
KINDS = [
    (Axis.TAGS, Axis.TAGS, False),
    (Axis.TAGS, Axis.TAGS, True),
    (Axis.TAGS, Axis.SPEAKERS, False),
    (Axis.SPEAKERS, Axis.TAGS, False),
    (Axis.DOCUMENTS, Axis.TAGS, False),
    (Axis.TAGS, Axis.DOCUMENTS, False),
    (Axis.TAGS, Axis.ANNOTATORS, False),
    (Axis.DOCUMENTS, Axis.SPEAKERS, False),
    (Axis.ANNOTATORS, Axis.SPEAKERS, False),
    (Axis.DOCUMENTS, Axis.ANNOTATORS, False),
]


@pytest.mark.parametrize("rows, cols, same_paragraph", KINDS)
@pytest.mark.parametrize("base", list(BASES))
def test_every_count_cell_retrieves_exactly_what_it_counts(project, rows, cols, same_paragraph, base):
    store, ids = project
    query = BASES[base](ids)
    if Axis.ANNOTATORS in (rows, cols) and query.exclude_tags:
        with pytest.raises(ValueError, match="annotator axis"):  # whose spans would exclude? refused
            matrix(store, rows=rows, cols=cols, base=query)
        return
    counts = matrix(store, rows=rows, cols=cols, base=query, same_paragraph=same_paragraph)
    documents = matrix(
        store, rows=rows, cols=cols, base=query, same_paragraph=same_paragraph, measure=Measure.DOCUMENTS
    )
    characters = matrix(
        store, rows=rows, cols=cols, base=query, same_paragraph=same_paragraph, measure=Measure.CHARACTERS
    )
    for r, c in itertools.product(range(len(counts.row_labels)), range(len(counts.col_labels))):
        passages = list(retrieve(store, counts.cell_query(r, c)))
        assert len(passages) == counts.values[r][c], (r, c)
        assert len({p.document_id for p in passages}) == documents.values[r][c], (r, c)
        covered = {(p.document_id, i) for p in passages for i in range(p.start, p.end)}
        assert len(covered) == characters.values[r][c], (r, c)


def test_spans_too_wide_to_pack_in_one_number_load_the_same(project):
    """Documents long enough that start, end and codes do not fit 62 bits come as separate columns."""
    from dataclasses import replace

    import numpy as np

    from annotator.analysis.intervals import CorpusDocuments, CorpusSpans
    from annotator.store.analysis import SpanFilter

    store, ids = project
    tag_ids = tuple(ids[k] for k in ("Economy", "Jobs", "Health", "Ana", "Ben"))
    docs = CorpusDocuments.load(store, (), ())
    packed = CorpusSpans.load(store, docs, SpanFilter(tag_ids=tag_ids), tag_ids, ("lee", "kim"))
    wide = replace(docs, longest=(1 << 30) + 1)  # 31 bits each for start and end: 62 before any code
    apart = CorpusSpans.load(store, wide, SpanFilter(tag_ids=tag_ids), tag_ids, ("lee", "kim"))
    assert len(packed) == 12
    for column in ("doc", "start", "end", "tag", "annotator"):
        assert np.array_equal(getattr(packed, column), getattr(apart, column)), column
    # kim (code 1) coded e1, j1, h1, e3, h3; the turns' annotator is neither (-1)
    assert sorted(packed.annotator.tolist()) == [-1] * 3 + [0] * 4 + [1] * 5


def test_a_change_to_the_project_is_counted_at_once(project):
    """The spans a matrix loads are kept for the next one only while the project is unchanged."""
    store, ids = project
    before = matrix(store, rows=Axis.TAGS, cols=Axis.SPEAKERS)
    assert before.values[2] == (1, 3)  # Health: h1 Ana; h2, h3, h4 Ben
    store.add_annotation(document_id=ids["D1"], start=1, end=3, tag_id=ids["Health"], annotator="kim")
    assert matrix(store, rows=Axis.TAGS, cols=Axis.SPEAKERS).values[2] == (2, 3)
    assert len(retrieve(store, PassageQuery(tags=(ids["Health"],), speakers=(ids["Ana"],)))) == 2
    assert names(matrix(store, rows=Axis.TAGS, cols=Axis.ANNOTATORS).col_labels) == ["kim", "lee"]
    store.add_annotation(document_id=ids["D2"], start=1, end=3, tag_id=ids["Health"], annotator="zoe")
    assert names(matrix(store, rows=Axis.TAGS, cols=Axis.ANNOTATORS).col_labels) == ["kim", "lee", "zoe"]


def test_a_large_scheme_of_unused_tags_changes_no_count(project):
    """Past a few dozen tags, tags are found by a tree of comparisons and those without spans left out."""
    store, ids = project
    for i in range(120):
        store.add_tag(kind="theme", name=f"Unused {i:03d}")
    store.add_tag(kind="speaker", name="Carl")
    rows = {f.tag.name: f for f in frequencies(store)}
    assert len(rows) == 126
    assert (rows["Economy"].passages, rows["Economy"].total_characters, rows["Unused 007"].passages) == (
        3,
        45,
        0,
    )
    m = matrix(store, rows=Axis.TAGS, cols=Axis.TAGS)
    assert [row[:3] for row in m.values[:3]] == [(3, 1, 1), (1, 2, 2), (1, 2, 4)]  # as without them
    assert m.values[50] == (0,) * 123
    by_speaker = matrix(store, rows=Axis.TAGS, cols=Axis.SPEAKERS)
    assert names(by_speaker.col_labels) == ["Ana", "Ben", "Carl"]
    assert by_speaker.values[2] == (1, 3, 0)
    unused = matrix(store, rows=Axis.TAGS, cols=Axis.SPEAKERS).row_labels[60].key
    assert len(retrieve(store, PassageQuery(tags=(ids["Health"],), exclude_tags=(unused,)))) == 4


def test_annotator_names_however_odd(project):
    store, ids = project
    for name in ("b\x00c", "é😀", 'q"uote', "b"):
        store.add_annotation(document_id=ids["D3"], start=0, end=3, tag_id=ids["Health"], annotator=name)
    expected = sorted(["kim", "lee", "auto:transcript", "b\x00c", "é😀", 'q"uote', "b"])
    assert store.annotator_names() == expected == sorted(store.annotators())
    m = matrix(store, rows=Axis.TAGS, cols=Axis.ANNOTATORS)
    # theme spans only: the transcript's turns are not counted, so its name is no column
    assert names(m.col_labels) == sorted(["kim", "lee", "b\x00c", "é😀", 'q"uote', "b"])
    assert m.values[2] == tuple(1.0 if n not in ("kim", "lee") else 2.0 for n in names(m.col_labels))

"""Full-text search with exact offsets and safe quoting; tags, hierarchy and schemes."""

from __future__ import annotations

import pytest

from annotator.errors import DuplicateTagError, InvalidInputError
from annotator.model import ImportedDocument, TagKind
from annotator.scheme import load_scheme
from annotator.store.search import fts_query, marked_ranges
from tests.conftest import SEEDS

TEXT_A = "😀 Regional security matters. The Café Crème meeting discussed security again."
TEXT_B = "Drug trafficking and regional co-operation.\nSECURITY last."


@pytest.fixture
def corpus(store):
    a = store.add_document(ImportedDocument(title="A", text=TEXT_A), annotator="x").document_id
    b = store.add_document(ImportedDocument(title="B", text=TEXT_B), annotator="x").document_id
    return store, a, b


def test_hits_have_exact_code_point_offsets(corpus):
    store, a, b = corpus
    hits = store.search("security")
    assert [(h.document_id, h.start, h.end) for h in hits] == [(a, 11, 19), (a, 62, 70), (b, 44, 52)]
    for hit in hits:
        text = TEXT_A if hit.document_id == a else TEXT_B
        assert text[hit.start : hit.end].lower() == "security"
    assert hits[0].snippet == "😀 Regional [security] matters. The Café Crème meeting discuss…"


def test_phrase_prefix_and_accent_folding(corpus):
    store, a, b = corpus
    assert [(h.start, h.end) for h in store.search('"regional security"')] == [(2, 19)]
    assert {TEXT_B[h.start : h.end] for h in store.search("traffick*")} == {"trafficking"}
    assert [TEXT_A[h.start : h.end] for h in store.search("cafe creme")] == ["Café", "Crème"]
    assert store.search("regional co-operation") != []


@pytest.mark.parametrize("hostile", ['"', "AND", "OR NOT", "*", "NEAR(", 'a"b', "title:x", "')--", "^x"])
def test_user_input_is_never_query_syntax(corpus, hostile):
    store, _, _ = corpus
    store.search(hostile)  # must not raise


def test_query_quoting():
    assert fts_query('a "b c" d*') == 'text : ("a" AND "b c" AND "d"*)'
    assert fts_query('x"y') == 'text : ("x""y")'
    assert fts_query("  ** -- ") is None


def test_marked_ranges_parse_highlight_output():
    assert marked_ranges("a \ufdd0bc\ufdd1 d \ufdd0e\ufdd1") == [(2, 4), (7, 8)]


def test_limit_stops_early(corpus):
    store, _, _ = corpus
    assert len(store.search("security", limit=2)) == 2


def test_tags_palette_order_kinds_and_case_insensitive_names(store):
    one = store.add_tag(kind="theme", name="Security")
    two = store.add_tag(kind="speaker", name="Norov", color="#ABCDEF")
    assert [t.name for t in store.tags()] == ["Security", "Norov"]
    assert [t.position for t in store.tags()] == [0, 1]
    assert two.color == "#abcdef"
    assert store.find_tag("theme", "SECURITY") == one
    with pytest.raises(DuplicateTagError):
        store.add_tag(kind="theme", name="security")
    store.add_tag(kind="speaker", name="Security")  # another kind may share the name
    with pytest.raises(InvalidInputError, match="both a theme and a speaker"):
        store.find_tag_by_name("security")
    with pytest.raises(InvalidInputError, match="#rrggbb"):
        store.add_tag(kind="theme", name="Bad", color="red")


def test_nesting_rules(store):
    parent = store.add_tag(kind="theme", name="Parent")
    child = store.add_tag(kind="theme", name="Child", parent_id=parent.id)
    speaker = store.add_tag(kind="speaker", name="Speaker")
    assert store.tag_path(child) == "Parent > Child"
    with pytest.raises(InvalidInputError, match="itself"):
        store.update_tag(parent.id, parent_id=child.id)
    with pytest.raises(InvalidInputError, match="only themes"):
        store.add_tag(kind="theme", name="X", parent_id=speaker.id)


def test_delete_tag_and_restore_exactly(store):
    doc = store.add_document(ImportedDocument(title="t", text="some words here"), annotator="x")
    parent = store.add_tag(kind="theme", name="Parent")
    middle = store.add_tag(kind="theme", name="Middle", parent_id=parent.id)
    leaf = store.add_tag(kind="theme", name="Leaf", parent_id=middle.id)
    ann = store.add_annotation(document_id=doc.document_id, start=0, end=4, tag_id=middle.id, annotator="x")
    removal = store.delete_tag(middle.id)
    assert store.tag(leaf.id).parent_id == parent.id
    assert store.annotation_count() == 0
    store.restore_tag(removal)
    assert store.tag(middle.id) == middle
    assert store.tag(leaf.id).parent_id == middle.id
    assert store.annotation(ann.id) == ann


def test_merge_tags_moves_annotations(store):
    doc = store.add_document(ImportedDocument(title="t", text="some words here"), annotator="x")
    a = store.add_tag(kind="theme", name="A")
    b = store.add_tag(kind="theme", name="B")
    ann = store.add_annotation(document_id=doc.document_id, start=0, end=4, tag_id=a.id, annotator="x")
    moved = store.merge_tags(a.id, b.id)
    assert [m.id for m in moved] == [ann.id]
    assert store.annotation(ann.id).tag_id == b.id
    assert store.find_tag("theme", "A") is None


def test_reorder_tags(store):
    a, b, c = (store.add_tag(kind="theme", name=n) for n in "ABC")
    store.reorder_tags([c.id, a.id])
    assert [t.name for t in store.tags()] == ["C", "A", "B"]


def test_starter_scheme_imports_with_hierarchy(store):
    added, skipped = store.import_scheme(load_scheme(SEEDS / "scheme.json"))
    assert (added, skipped) == (13, 0)
    assert store.import_scheme(load_scheme(SEEDS / "scheme.json")) == (0, 13)
    terrorism = store.find_tag(TagKind.THEME, "Terrorism and extremism")
    assert store.tag_path(terrorism) == "Regional security > Terrorism and extremism"
    assert terrorism.color == "#e15759"
    assert [t.name for t in store.tags(TagKind.SPEAKER)] == [
        "Vladimir Norov",
        "Thomas Greminger",
        "Peter Burian",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not valid JSON"),
        ("[1]", "not a tag scheme"),
        ('{"themes": [{"color": "#000000"}]}', "has no name"),
        ('{"themes": [{"name": "A", "children": 3}]}', "must be a list"),
    ],
)
def test_bad_schemes_are_refused_in_one_line(tmp_path, content, message):
    path = tmp_path / "scheme.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInputError, match=message):
        load_scheme(path)


def test_palette_order_is_depth_first_themes_then_speakers(store):
    from annotator.palette import palette_order

    speaker = store.add_tag(kind="speaker", name="Speaker")
    parent = store.add_tag(kind="theme", name="Parent")
    other = store.add_tag(kind="theme", name="Other")
    child = store.add_tag(kind="theme", name="Child", parent_id=parent.id)  # created last, listed second
    assert [t.name for t in palette_order(store.tags())] == ["Parent", "Child", "Other", "Speaker"]
    assert {speaker.id, other.id, child.id} <= {t.id for t in store.tags()}


def test_tag_names_match_case_insensitively_beyond_ascii(store):
    """SQLite's NOCASE folds only A-Z; "Économie" and "économie" must still be one tag everywhere."""
    from annotator.model import ImportedSpan
    from annotator.review.compare import tag_key

    economy = store.add_tag(kind=TagKind.THEME, name="Économie")
    street = store.add_tag(kind=TagKind.THEME, name="Straße")
    assert store.find_tag(TagKind.THEME, "économie") == economy
    assert store.find_tag(TagKind.THEME, "e\u0301conomie") == economy  # decomposed accent
    assert store.find_tag(TagKind.THEME, "STRASSE") == street
    assert store.find_tag(TagKind.SPEAKER, "économie") is None
    assert store.find_tag_by_name("ÉCONOMIE") == economy
    with pytest.raises(DuplicateTagError):
        store.add_tag(kind=TagKind.THEME, name="ÉCONOMIE")
    with pytest.raises(DuplicateTagError):
        store.update_tag(street.id, name="économie")
    assert store.ensure_tag(kind=TagKind.THEME, name="économie") == economy
    store.add_document(
        ImportedDocument(title="t", text="économie", spans=(ImportedSpan(0, 8, "ÉCONOMIE"),)), annotator="a"
    )
    assert [t.name for t in store.tags()] == ["Économie", "Straße"]
    assert tag_key("theme", "ÉCONOMIE") == tag_key("theme", "économie") == tag_key("theme", "e\u0301conomie")

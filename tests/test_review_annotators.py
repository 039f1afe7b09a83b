"""Disagreements and agreement compare annotators, not files; automatic spans are nobody's coding.

The workflow under test: Ana shares a copy of her project, Ben codes in it
(so his file holds her spans too, same UUIDs), and she compares. What Ben
did must be listed the same whether his file still holds her spans or not.
"""

from __future__ import annotations

import json
import shutil

import pytest
from review_helpers import SHARED, make_project

from annotator.importers import ImportOptions
from annotator.importers.batch import import_paths
from annotator.model import AUTOMATIC_ANNOTATOR_PREFIX, is_automatic
from annotator.review.compare import agreement_report
from annotator.review.disagreements import between_annotators, document_disagreements, union_spans
from annotator.review.loading import open_colleague
from annotator.review.share import share_copy
from annotator.store import Store
from annotator.store.review import ReviewSpan

# Ana's coding and Ben's, on SHARED ("Ana met Ben in Geneva to talk about security and trade.")
ANA = [
    ("Geneva", "Place", "theme"),
    ("security", "Security", "theme"),
    ("talk", "Topic", "theme"),
    ("Ana", "Person", "theme"),
]
BEN = [
    ("Geneva", "place", "theme"),  # identical range and tag (the tag differs only in case)
    ("security and trade", "Security", "theme"),  # the same tag, other boundaries
    ("talk", "Meeting", "theme"),  # the same range, another tag
    ("trade", "Economy", "theme"),
]  # only Ben; Ana's "Ana" is only hers


def code(store: Store, annotator: str, spans) -> None:
    doc = store.documents()[0]
    for piece, tag_name, kind in spans:
        tag = store.ensure_tag(kind=kind, name=tag_name)
        start = SHARED.index(piece)
        store.add_annotation(
            document_id=doc.id, start=start, end=start + len(piece), tag_id=tag.id, annotator=annotator
        )


@pytest.fixture
def files(tmp_path):
    """Ana's project; Ben's shared copy of it with his coding added; the same file without Ana's spans."""
    ana = make_project(tmp_path / "ana.annotator", "ana", ANA, share=False)
    copy = tmp_path / "ben.annotator"
    with Store.open(ana) as store:
        share_copy(store, copy)
    with Store.open(copy) as store:
        code(store, "ben", BEN)
    only_ben = tmp_path / "ben-only.annotator"
    shutil.copyfile(copy, only_ben)
    with Store.open(only_ben) as store:
        store.delete_annotations([a.id for a in store.iter_annotations() if a.annotator == "ana"])
        assert {a.annotator for a in store.iter_annotations()} == {"ben"}
    return ana, copy, only_ben


def listed(ours, theirs, **options):
    """What the comparison lists for the one shared document, as plain comparable values."""
    with Store.open(ours, read_only=True) as store, open_colleague(theirs) as colleague:
        found = document_disagreements([store, colleague.store], store.documents()[0].sha256, **options)
    return [
        (d.kind, SHARED[d.start : d.end], d.a, d.b, d.ours and d.ours.tag, d.theirs and d.theirs.tag, d.key)
        for d in found
    ]


def test_a_shared_copy_is_compared_annotator_by_annotator(files):
    ana, copy, _ = files
    found = listed(ana, copy)
    assert [row[:6] for row in found] == [
        ("missing", "Ana", "ana", "ben", "Person", None),
        ("tag", "talk", "ana", "ben", "Topic", "Meeting"),
        ("boundaries", "security and trade", "ana", "ben", "Security", "Security"),
        ("missing", "trade", "ana", "ben", None, "Economy"),
    ]  # the identical "Geneva" is agreement, and none of Ana's spans in Ben's file is "only Ben"


def test_the_list_is_the_same_whether_their_file_holds_my_spans_or_not(files):
    ana, copy, only_ben = files
    assert listed(ana, copy) == listed(ana, only_ben)
    assert len(listed(ana, copy)) == 4


def test_agreement_agrees_with_the_list_and_ignores_duplicates(files):
    ana, copy, only_ben = files
    with Store.open(ana, read_only=True) as store, open_colleague(copy) as c1, open_colleague(only_ben) as c2:
        with_mine, without = agreement_report([store, c1.store]), agreement_report([store, c2.store])
    assert with_mine == without
    assert with_mine["annotators"] == ["ana", "ben"]
    place = with_mine["pairs"][0]["per_tag"]["Place"]
    assert place["cohen_kappa"] == pytest.approx(1.0) and place["counts"]["matches_exact"] == 1


def test_the_describing_line_names_both_annotators_and_you():
    ours = span("o1", 0, 3, annotator="ana")
    theirs = span("t1", 5, 9, annotator="ben")
    found = between_annotators([ours, theirs], you="ana")
    assert [d.describe("ana") for d in found] == [
        "only you, not ben: T [0, 3)",
        "only ben, not you: T [5, 9)",
    ]
    assert [d.describe() for d in found] == ["only ana, not ben: T [0, 3)", "only ben, not ana: T [5, 9)"]
    both = between_annotators(
        [
            span("o", 0, 5, annotator="ana"),
            span("t", 0, 7, annotator="ben"),
            span("o2", 10, 12, tag="A", annotator="ana"),
            span("t2", 10, 12, tag="B", annotator="ben"),
        ]
    )
    assert [d.describe("ben") for d in both] == ["T: ana [0, 5) vs you [0, 7)", "[10, 12): ana A, you B"]


def span(id, start, end, tag="T", kind="theme", annotator="x"):
    return ReviewSpan(id, "sha", "doc", start, end, kind, tag, annotator, None, "2026-01-01", "2026-01-01")


def test_one_span_in_both_files_counts_once_and_the_first_file_wins():
    mine = span("same", 0, 5, annotator="ana")
    edited = span("same", 0, 9, annotator="ana")  # the colleague changed my span in the copy
    assert union_spans([[mine], [edited, span("b", 0, 5, annotator="ben")]]) == [
        mine,
        span("b", 0, 5, annotator="ben"),
    ]


def test_every_pair_of_annotators_like_agreement_and_you_first():
    spans = [
        span("a", 0, 5, annotator="cem"),
        span("b", 0, 5, annotator="ben"),
        span("c", 0, 6, annotator="ana"),
    ]
    found = between_annotators(spans, you="cem")
    # ana differs from both (boundaries); ben and cem agree; cem's pairs put cem first
    assert sorted((d.a, d.b) for d in found) == [("ana", "ben"), ("cem", "ana")]
    # an annotator of the files with no span in this document still forms pairs (agreement counts them)
    lonely = between_annotators([span("a", 0, 5, annotator="ana")], annotators=["ana", "dan"])
    assert [(d.kind, d.a, d.b) for d in lonely] == [("missing", "ana", "dan")]


def test_settled_disagreements_are_left_out():
    spans = [span("o", 0, 5, annotator="ana"), span("t", 9, 12, annotator="ben")]
    assert [d.key for d in between_annotators(spans, settled={"missing:o:-"})] == ["missing:-:t"]


# -- automatic spans ---------------------------------------------------------------------------

TRANSCRIPT = "Interviewer: How did it start?\nAna Lima: It started in 2019 with the flood.\n"


def test_the_automatic_helper():
    assert AUTOMATIC_ANNOTATOR_PREFIX == "auto:"
    assert is_automatic("auto:transcript") and not is_automatic("ana") and not is_automatic("")
    assert not is_automatic("Auto: a person's name")


@pytest.fixture
def transcript_files(tmp_path):
    """Ana imports a transcript (speaker turns found automatically) and codes a theme; Ben codes in a copy."""
    source = tmp_path / "interview.txt"
    source.write_text(TRANSCRIPT, encoding="utf-8")
    ana = tmp_path / "ana.annotator"
    with Store.create(ana) as store:
        import_paths(store, [source], annotator="ana", options=ImportOptions(transcript=True))
        doc = store.documents()[0]
        flood = store.ensure_tag(kind="theme", name="Flood")
        start = TRANSCRIPT.index("flood")
        store.add_annotation(document_id=doc.id, start=start, end=start + 5, tag_id=flood.id, annotator="ana")
        ben = tmp_path / "ben.annotator"
        share_copy(store, ben)
    with Store.open(ben) as store:
        doc = store.documents()[0]
        flood = store.find_tag("theme", "Flood")
        start = TRANSCRIPT.index("the flood")
        store.add_annotation(document_id=doc.id, start=start, end=start + 9, tag_id=flood.id, annotator="ben")
    return ana, ben


def test_speaker_turns_are_left_out_of_agreement_unless_asked(transcript_files):
    ana, ben = transcript_files
    with Store.open(ana, read_only=True) as store, open_colleague(ben) as colleague:
        stores = [store, colleague.store]
        report = agreement_report(stores)
        assert report["annotators"] == ["ana", "ben"] and report["tags"] == ["Flood"]
        assert report["automatic_left_out"] == ["auto:transcript"]
        [pair] = report["pairs"]
        # ana "flood" (5) inside ben "the flood" (9): only the theme is compared
        assert pair["overall"]["counts"]["both"] == 5 and pair["overall"]["counts"]["only_b"] == 4
        everything = agreement_report(stores, include_automatic=True)
        assert everything["annotators"] == ["ana", "auto:transcript", "ben"]
        assert set(everything["tags"]) == {"Flood", "Interviewer", "Ana Lima"}
        assert everything["automatic_left_out"] == []


def test_speaker_turns_are_left_out_of_disagreements_unless_asked(transcript_files):
    ana, ben = transcript_files
    with Store.open(ana, read_only=True) as store, open_colleague(ben) as colleague:
        sha = store.documents()[0].sha256
        found = document_disagreements([store, colleague.store], sha)
        assert [(d.kind, d.a, d.b) for d in found] == [("boundaries", "ana", "ben")]
        everything = document_disagreements([store, colleague.store], sha, include_automatic=True)
        pairs = {(d.a, d.b) for d in everything}
        assert pairs == {("ana", "auto:transcript"), ("ana", "ben"), ("auto:transcript", "ben")}
        # the program's two turns, each missing for ana and for ben; their themes are missing for it
        by_program = [d for d in everything if (d.ours or d.theirs).annotator == "auto:transcript"]
        assert {(d.ours or d.theirs).kind for d in by_program} == {"speaker"} and len(by_program) == 4


def test_agreement_limited_to_one_kind(transcript_files):
    ana, ben = transcript_files
    with Store.open(ana, read_only=True) as store, open_colleague(ben) as colleague:
        stores = [store, colleague.store]
        speakers = agreement_report(stores, kind="speaker", include_automatic=True)
        assert set(speakers["tags"]) == {"Interviewer", "Ana Lima"}
        assert agreement_report(stores, kind="theme", include_automatic=True)["tags"] == ["Flood"]


def test_asking_for_a_tag_only_automatic_spans_use_says_how_to_include_them(transcript_files):
    from annotator.errors import InvalidInputError

    ana, ben = transcript_files
    with Store.open(ana, read_only=True) as store, open_colleague(ben) as colleague:
        with pytest.raises(InvalidInputError, match="only automatic spans use 'Interviewer'.*include"):
            agreement_report([store, colleague.store], tags=["Interviewer"])


# -- the command line --------------------------------------------------------------------------


def test_disagreements_command_lists_the_same_for_a_copy_and_for_their_spans_alone(files, run_cli):
    ana, copy, only_ben = files
    text = run_cli("disagreements", ana, copy)
    assert text.code == 0, text.err
    assert text.out.splitlines() == [
        "1 shared document(s); annotators: ana, ben",
        "",
        "talk: 4 disagreement(s)",
        "  only ana, not ben: Person [0, 3)",
        "  [25, 29): ana Topic, ben Meeting",
        "  Security: ana [36, 44) vs ben [36, 54)",
        "  only ben, not ana: Economy [49, 54)",
    ]
    assert run_cli("disagreements", ana, only_ben).out == text.out
    as_json = json.loads(run_cli("disagreements", ana, copy, "--json").out)
    assert as_json == json.loads(run_cli("disagreements", ana, only_ben, "--json").out)
    [document] = as_json["documents"]
    assert document["title"] == "talk" and len(document["disagreements"]) == 4
    first = document["disagreements"][0]
    assert (first["kind"], first["start"], first["end"], first["a"], first["b"]) == (
        "missing",
        0,
        3,
        "ana",
        "ben",
    )
    assert (
        first["ours"]["tag"] == "Person" and first["theirs"] is None and first["key"].startswith("missing:")
    )


def test_disagreements_and_agree_commands_take_include_automatic(transcript_files, run_cli):
    ana, ben = transcript_files
    default = run_cli("disagreements", ana, ben)
    assert default.code == 0, default.err
    assert "auto:transcript" not in default.out.split("left out")[0]
    assert "1 disagreement(s)" in default.out and "--include-automatic" in default.out
    everything = run_cli("disagreements", ana, ben, "--include-automatic")
    assert "only auto:transcript, not ana" in everything.out
    agree = json.loads(run_cli("agree", ana, ben, "--json").out)
    assert agree["annotators"] == ["ana", "ben"]
    agree_all = json.loads(run_cli("agree", ana, ben, "--json", "--include-automatic").out)
    assert "auto:transcript" in agree_all["annotators"]
    themes = json.loads(run_cli("agree", ana, ben, "--json", "--include-automatic", "--kind", "theme").out)
    assert themes["tags"] == ["Flood"]
    assert "add --include-automatic" in run_cli("agree", ana, ben).out


def test_disagreements_command_hides_settled_ones(files, run_cli):
    from annotator.ops import History
    from annotator.review.adjudication import DismissDisagreement

    ana, copy, _ = files
    key = json.loads(run_cli("disagreements", ana, copy, "--json").out)["documents"][0]["disagreements"][0][
        "key"
    ]
    with Store.open(ana) as store:
        History(store).run(DismissDisagreement(key, key.split(":")[1], decided_by="ana"))
    assert "3 disagreement(s)" in run_cli("disagreements", ana, copy).out


def test_documents_one_file_lacks_are_not_compared(tmp_path, run_cli):
    ana = make_project(tmp_path / "a.annotator", "ana", [("Ana", "Person", "theme")])
    ben = make_project(tmp_path / "b.annotator", "ben", [], extra_doc=True)
    with Store.open(ben) as store:  # ben codes the document ana does not have
        doc = next(d for d in store.documents() if d.title == "theirs")
        tag = store.ensure_tag(kind="theme", name="Person")
        store.add_annotation(document_id=doc.id, start=0, end=1, tag_id=tag.id, annotator="ben")
    out = run_cli("disagreements", ana, ben).out.splitlines()
    assert out == [
        "1 shared document(s); annotators: ana, ben",
        "",
        "talk: 1 disagreement(s)",
        "  only ana, not ben: Person [0, 3)",
    ]

"""A colleague's ``.qdpx`` (from NVivo, say) as a file to compare with and merge: only ever read.

The shared text, as NVivo for Windows holds it, has an emoji and CR LF line
breaks, and the colleague's offsets are UTF-16 units with CR LF as two; ours
are code points of the normalised text:

    "Hi 😀 there\\nsecond 🎉 line\\nthe end"
     "there" [5, 10), "line" [20, 24), "end" [29, 32)

We (ana) coded "there" Joy and "line" Fear; Ben coded "there" Joy, "line"
Joy and "end" Fear. So one exact match, one tag disagreement at [20, 24)
and one span only Ben has. Span F1 (exact) over all tags: 2 x 1 / (2 + 3) =
0.4; for Joy 2 x 1 / (1 + 2) = 0.667; for Fear 0.
"""

from __future__ import annotations

import json
import re

import pytest
from review_helpers import digest, listing

from annotator.model import ImportedDocument
from annotator.review.loading import COPY_PREFIX, open_colleague
from annotator.store import Store
from tests.refiqda_fixtures import Sel, Src, build_qdpx

RAW = "Hi \U0001f600 there\r\nsecond \U0001f389 line\r\nthe end"
TEXT = RAW.replace("\r\n", "\n")
CODES = [
    {"guid": 10, "name": "Feelings", "children": [{"guid": 11, "name": "Joy"}, {"guid": 12, "name": "Fear"}]},
    {"guid": 13, "name": "Places"},
]


def raw_sel(word: str, code: int, n: int) -> Sel:
    start = RAW.index(word)
    return Sel(start, start + len(word), codes=(code,), guid=n, user=7)


def test_the_hand_worked_offsets():
    assert [(TEXT.index(w), TEXT.index(w) + len(w)) for w in ("there", "line", "end")] == [
        (5, 10),
        (20, 24),
        (29, 32),
    ]


@pytest.fixture
def pair(tmp_path):
    ours = tmp_path / "ours.annotator"
    with Store.create(ours) as store:
        doc = store.add_document(ImportedDocument(title="talk", text=RAW), annotator="ana").document_id
        for word, tag in (("there", "Joy"), ("line", "Fear")):
            start = TEXT.index(word)
            tag_id = store.ensure_tag(kind="theme", name=tag).id
            store.add_annotation(
                document_id=doc, start=start, end=start + len(word), tag_id=tag_id, annotator="ana"
            )
    shared = tmp_path / "shared"
    shared.mkdir()
    src = Src(
        "Interview",
        RAW,
        [raw_sel("there", 11, 1), raw_sel("line", 11, 2), raw_sel("end", 12, 3)],
        guid=100,
        counting="u16crlf",
    )
    theirs = build_qdpx(
        shared / "ben-nvivo.qdpx", [src], codes=CODES, users={7: "Ben"}, sources_dir="Sources"
    )
    return ours, theirs


def test_agree_with_a_qdpx(pair, run_cli):
    ours, theirs = pair
    before = digest(theirs)
    result = run_cli("agree", ours, theirs, "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["documents"] == 1 and report["annotators"] == ["Ben", "ana"]
    (pair_report,) = report["pairs"]
    assert pair_report["overall"]["f1_exact"] == pytest.approx(0.4)
    assert pair_report["per_tag"]["Joy"]["f1_exact"] == pytest.approx(2 / 3)
    assert pair_report["per_tag"]["Fear"]["f1_exact"] == 0
    assert digest(theirs) == before and listing(theirs.parent) == ["ben-nvivo.qdpx"]


def test_disagreements_with_a_qdpx(pair, run_cli):
    ours, theirs = pair
    before = digest(theirs)
    result = run_cli("disagreements", ours, theirs, "--json")
    assert result.code == 0, result.err
    (doc,) = json.loads(result.out)["documents"]
    found = sorted((d["kind"], d["start"], d["end"]) for d in doc["disagreements"])
    assert found == [("missing", 29, 32), ("tag", 20, 24)]
    assert digest(theirs) == before and listing(theirs.parent) == ["ben-nvivo.qdpx"]


def test_merge_a_qdpx(pair, run_cli):
    ours, theirs = pair
    before = digest(theirs)
    result = run_cli("merge", ours, theirs)
    assert result.code == 0, result.err
    # Ben's three codings come in; of the codebook, Feelings and Places are new (Joy, Fear are ours).
    assert "0 document(s), 2 tag(s) and 3 annotation(s) added; 0 conflict(s)" in result.out
    with Store.open(ours, read_only=True) as store:
        doc = store.documents()[0]
        tags = {t.id: t.name for t in store.tags()}
        spans = sorted(
            (TEXT[a.start : a.end], tags[a.tag_id], a.annotator)
            for a in store.annotations_for_document(doc.id)
        )
    assert spans == [
        ("end", "Fear", "Ben"),
        ("line", "Fear", "ana"),
        ("line", "Joy", "Ben"),
        ("there", "Joy", "Ben"),
        ("there", "Joy", "ana"),
    ]
    again = run_cli("merge", ours, theirs)
    assert "0 document(s), 0 tag(s) and 0 annotation(s) added" in again.out
    assert digest(theirs) == before and listing(theirs.parent) == ["ben-nvivo.qdpx"]


def test_the_private_copy_is_named_for_stale_copy_cleanup_and_removed(pair):
    _, theirs = pair
    colleague = open_colleague(theirs)
    try:
        assert re.fullmatch(rf"{COPY_PREFIX}\d+-\w{{8}}", colleague.folder.name)
        assert colleague.label == "ben-nvivo"
        assert colleague.store.annotators() == ["Ben"]
    finally:
        colleague.close()
    assert not colleague.folder.exists()


def test_a_broken_qdpx_is_refused_in_one_line_and_leaves_no_copy(tmp_path, run_cli, pair):
    ours, _ = pair
    broken = tmp_path / "broken.qdpx"
    broken.write_bytes(b"not a zip")
    import tempfile
    from pathlib import Path

    before = set(Path(tempfile.gettempdir()).glob(f"{COPY_PREFIX}*"))
    result = run_cli("agree", ours, broken)
    assert result.code == 1
    assert result.err.strip().endswith("broken.qdpx: corrupt .qdpx archive (not a readable zip archive)")
    assert "\n" not in result.err.strip()
    assert set(Path(tempfile.gettempdir()).glob(f"{COPY_PREFIX}*")) <= before


@pytest.mark.gui
def test_the_review_panel_accepts_a_qdpx(pair, qtbot):
    from annotator.gui.review_panel import ReviewPanel
    from annotator.ops import History

    ours, theirs = pair
    before = digest(theirs)
    store = Store.open(ours)
    panel = ReviewPanel(store, "ana", History(store).run)
    qtbot.addWidget(panel)
    try:
        panel.set_current_document(store.documents()[0].id)
        with qtbot.waitSignal(panel.layerSpansChanged) as blocker:
            assert panel.add_layer(theirs) == "ben-nvivo"
        layer, spans = blocker.args
        assert sorted((TEXT[s.start : s.end], s.label, s.annotator) for s in spans) == [
            ("end", "Fear", "Ben"),
            ("line", "Joy", "Ben"),
            ("there", "Joy", "Ben"),
        ]
        rows = [panel.disagreements.item(i).text() for i in range(panel.disagreements.count())]
        assert rows == ["[20, 24): you Fear, Ben Joy", "only Ben, not you: Fear [29, 32)"]
    finally:
        panel.close_all()
        store.close()
    assert digest(theirs) == before and listing(theirs.parent) == ["ben-nvivo.qdpx"]


def test_a_merge_names_the_selections_a_qdpx_could_not_place(tmp_path, run_cli):
    ours = tmp_path / "ours.annotator"
    Store.create(ours).close()
    bad = Sel(0, 0, codes=(11,), guid=9, user=7, name="not there", raw=(13, 14))  # cuts "second" every way
    src = Src("Interview", RAW, [raw_sel("there", 11, 1), bad], guid=100, counting="u16")
    theirs = build_qdpx(tmp_path / "ben.qdpx", [src], codes=CODES, users={7: "Ben"})
    result = run_cli("merge", ours, theirs)
    assert result.code == 0, result.err
    assert (
        "1 part(s) not read; the first: source 'Interview', selection 00000000-0000-0000-0000-000000000009: "
        "[13, 14) fits no offset counting (its text or word boundaries do not match); not stored"
    ) in result.out
    assert "1 document(s), 4 tag(s) and 1 annotation(s) added" in result.out

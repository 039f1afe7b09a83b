"""Colleagues' files: never written, agreement over shared documents, merge, share, adjudication."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from annotator.errors import ProjectError
from annotator.model import ImportedDocument, TagKind
from annotator.ops import History
from annotator.review.adjudication import AcceptAnnotation, DismissDisagreement
from annotator.review.disagreements import find_disagreements
from annotator.review.loading import open_colleague
from annotator.review.merge import merge_files
from annotator.store import Store

SHARED = "Ana met Ben in Geneva to talk about security and trade."
ONLY_THEIRS = "A document only the colleague has."


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def make_project(path, annotator, spans, *, extra_doc=False, share=True):
    """A project with the shared text, some spans (piece, tag, kind) by one annotator."""
    with Store.create(path) as store:
        doc = store.add_document(ImportedDocument(title="talk", text=SHARED), annotator=annotator).document_id
        if extra_doc:
            store.add_document(ImportedDocument(title="theirs", text=ONLY_THEIRS), annotator=annotator)
        for piece, tag_name, kind in spans:
            tag = store.ensure_tag(kind=kind, name=tag_name)
            start = SHARED.index(piece)
            store.add_annotation(document_id=doc, start=start, end=start + len(piece), tag_id=tag.id,
                                 annotator=annotator)
    if share:  # a file as a colleague sends it: one file, no WAL
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.close()
    return path


@pytest.fixture
def files(tmp_path):
    ours = make_project(tmp_path / "mine" / "ours.annotator" if False else tmp_path / "ours.annotator", "ana",
                        [("security", "Security", "theme"), ("Ana", "Ana", "speaker")])
    shared_folder = tmp_path / "shared"
    shared_folder.mkdir()
    theirs = make_project(shared_folder / "ben.annotator", "ben",
                          [("security and trade", "security", "theme"), ("Ben", "Ben", "speaker")], extra_doc=True)
    return ours, theirs


def test_colleague_file_is_copied_and_never_touched(files):
    _, theirs = files
    before, folder_before = digest(theirs), listing(theirs.parent)
    with open_colleague(theirs) as colleague:
        assert colleague.store.document_count() == 2
        assert colleague.folder != theirs.parent
    assert digest(theirs) == before and listing(theirs.parent) == folder_before


def test_wal_colleague_file_is_read_with_its_log_and_nothing_appears_beside_it(tmp_path):
    folder = tmp_path / "drive"
    folder.mkdir()
    path = folder / "wal.annotator"
    writer = Store.create(path)  # WAL mode, left open so the -wal file holds the latest changes
    writer.db.conn.execute("PRAGMA wal_autocheckpoint = 0")
    doc = writer.add_document(ImportedDocument(title="t", text=SHARED), annotator="w").document_id
    tag = writer.add_tag(kind="theme", name="Latest")
    writer.add_annotation(document_id=doc, start=0, end=3, tag_id=tag.id, annotator="w")
    assert (folder / "wal.annotator-wal").stat().st_size > 0
    before = {name: digest(folder / name) for name in listing(folder)}
    with open_colleague(path) as colleague:
        assert colleague.store.annotation_count() == 1  # read from the -wal log
    assert {name: digest(folder / name) for name in listing(folder)} == before
    writer.close()


def test_newer_colleague_file_is_refused_untouched(files):
    _, theirs = files
    conn = sqlite3.connect(theirs)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = digest(theirs)
    with pytest.raises(ProjectError, match="newer version"):
        open_colleague(theirs)
    assert digest(theirs) == before


def test_agreement_over_shared_documents_via_cli(files, run_cli):
    ours, theirs = files
    before = digest(theirs)
    result = run_cli("agree", ours, theirs, "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["documents"] == 1 and report["characters"] == len(SHARED)
    [pair] = report["pairs"]
    assert (pair["a"], pair["b"]) == ("ana", "ben")
    assert set(pair["per_tag"]) == {"Security", "Ana", "Ben"}
    security = pair["per_tag"]["Security"]
    # ana: "security" (8 chars); ben: "security and trade" (18): both 8, only_b 10
    assert security["counts"]["both"] == 8 and security["counts"]["only_b"] == 10
    assert security["f1_exact"] == 0.0 and security["f1_overlap"] == 1.0
    assert pair["per_tag"]["Ben"]["precision_exact"] == 0.0 and pair["per_tag"]["Ben"]["recall_exact"] is None
    table = run_cli("agree", ours, theirs, "--tag", "security")
    assert "ana vs ben" in table.out and "Security" in table.out and "Ben " not in table.out
    assert digest(theirs) == before


def test_merge_adds_what_is_missing_once_and_backs_up(files, tmp_path):
    ours, theirs = files
    before = digest(theirs)
    with Store.open(ours) as store:
        report = merge_files(store, [theirs])
        assert (report.documents, report.tags, report.annotations) == (1, 1, 2)
        assert report.backup is not None and report.backup.exists()
        with Store.open(report.backup) as backup:
            assert backup.annotation_count() == 2 and backup.document_count() == 1
        assert store.document_count() == 2 and store.annotation_count() == 4
        # "security" matched the existing "Security" theme; "Ben" speaker was added
        assert store.find_tag(TagKind.SPEAKER, "Ben") is not None
        assert len(store.tags(TagKind.THEME)) == 1
        ben = [a for a in store.iter_annotations() if a.annotator == "ben"]
        assert len(ben) == 2
        with open_colleague(theirs) as colleague:
            assert {a.id for a in colleague.store.iter_annotations()} == {a.id for a in ben}
        again = merge_files(store, [theirs])
        assert (again.documents, again.tags, again.annotations, again.conflicts) == (0, 0, 0, [])
        assert again.backup is None and store.annotation_count() == 4
    assert digest(theirs) == before


def test_merge_conflict_keeps_the_later_update(files):
    ours, theirs = files
    with Store.open(ours) as store:
        merge_files(store, [theirs], backup=False)
        ben = next(a for a in store.iter_annotations() if a.annotator == "ben" and a.end - a.start > 5)
        store.update_annotation(ben.id, note="our later note")
        report = merge_files(store, [theirs], backup=False)
        assert len(report.conflicts) == 1 and "kept ours" in report.conflicts[0]
        assert store.annotation(ben.id).note == "our later note"
    # now the colleague edits it later than we did
    conn = sqlite3.connect(theirs)
    conn.execute("UPDATE annotations SET note = 'their fix', updated = '2999-01-01T00:00:00+00:00' WHERE id = ?",
                 [ben.id])
    conn.commit()
    conn.close()
    with Store.open(ours) as store:
        report = merge_files(store, [theirs], backup=False)
        assert "kept the colleague's version" in report.conflicts[0]
        assert store.annotation(ben.id).note == "their fix"


def test_share_writes_one_self_contained_file(files, tmp_path, run_cli):
    ours, _ = files
    out = tmp_path / "to-send.annotator"
    result = run_cli("share", ours, out)
    assert result.code == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("to-send")] == ["to-send.annotator"]
    assert sqlite3.connect(out).execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    with open_colleague(out) as copy:
        assert copy.store.annotation_count() == 2
    assert run_cli("share", ours, ours).code == 1


def test_disagreements_and_adjudication_are_undoable(files):
    ours, theirs = files
    with Store.open(ours) as store, open_colleague(theirs) as colleague:
        doc = store.documents()[0]
        mine = list(store.iter_review_spans(doc.id))
        their_doc = colleague.store.document_by_sha256(doc.sha256)
        their_spans = list(colleague.store.iter_review_spans(their_doc.id))
        found = find_disagreements(mine, their_spans)
        assert sorted(d.kind for d in found) == ["boundaries", "missing", "missing"]
        boundaries = next(d for d in found if d.kind == "boundaries")
        assert (boundaries.start, boundaries.end) == (SHARED.index("security"), SHARED.index("security") + 18)
        only_theirs = next(d for d in found if d.kind == "missing" and d.theirs)
        history = History(store)
        history.run(AcceptAnnotation(only_theirs.theirs, decided_by="ana", source="ben.annotator"))
        accepted = store.annotation(only_theirs.theirs.id)
        assert accepted.annotator == "ben"
        assert store.adjudications()[0]["decided_by"] == "ana"
        mine = list(store.iter_review_spans(doc.id))
        assert len(find_disagreements(mine, their_spans)) == 2  # the accepted one agrees now
        history.run(DismissDisagreement(boundaries.key, boundaries.ours.id, decided_by="ana"))
        left = find_disagreements(mine, their_spans, store.dismissed_disagreements())
        assert [d.kind for d in left] == ["missing"]
        history.undo()
        history.undo()
        assert store.adjudications() == []
        assert store.find_tag(TagKind.SPEAKER, "Ben") is None
        assert len(list(store.iter_review_spans(doc.id))) == 2

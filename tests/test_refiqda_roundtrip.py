"""Round trip through REFI-QDA: export a project as ``.qdpx``, import it into a new project, and the
native JSONL export of the copy is byte-identical to the original's (documents, ids, titles, texts,
metadata, spans with their annotators and notes); tags with their hierarchy, colours and
descriptions, memos, statuses and span times are compared too."""

from __future__ import annotations

import hashlib
from pathlib import Path

from annotator.exporters import export
from annotator.importers.batch import import_paths
from annotator.model import DocumentStatus, ImportedDocument, ImportedSpan, TagKind
from annotator.store import Store

#: Astral emoji with a joiner, a combining accent, CJK with an astral ideograph, right-to-left
#: text and a CRLF the first import normalises: the export counts code points of the stored text.
TORTURE = "👩‍🔬 e\u0301tude 日本語の𠀋文 مرحبا\r\nשלום 😀 end"
NORMAL = TORTURE.replace("\r\n", "\n")
PIECES = [
    ("👩‍🔬", "Science", TagKind.THEME, "ana", "emoji with a joiner"),
    ("e\u0301tude", "Method", TagKind.THEME, "ben", None),
    ("日本語の𠀋文", "Dr Ana", TagKind.SPEAKER, "ana", None),
    ("مرحبا", "Dr Ana", TagKind.SPEAKER, "ben", 'RTL, "quoted"\nand two lines'),
    ("😀 end", "Science", TagKind.THEME, "ana", None),
    ("😀 end", "Method", TagKind.THEME, "ana", "same passage, second code"),
    ("לו", "Method", TagKind.THEME, "ben", None),  # inside a word, after an emoji and a CR LF
]
META = {"source": "test", "n": 1, "ratio": 0.25, "ok": True, "day": "2026-01-02", "tags": ["a", "b"]}


def build(path: Path) -> Path:
    spans = tuple(  # offsets into the text as given, CR LF and all: the store remaps them
        ImportedSpan(TORTURE.index(p), TORTURE.index(p) + len(p), label, kind, annotator=who, note=note)
        for p, label, kind, who, note in PIECES
    )
    with Store.create(path) as store:
        parent = store.add_tag(kind="theme", name="Research", color="#112233", description="Top level")
        store.add_tag(
            kind="theme", name="Science", color="#445566", description="Doing it", parent_id=parent.id
        )
        store.add_tag(kind="theme", name="Method", color="#778899", parent_id=parent.id)
        store.add_tag(kind="theme", name="Unused", color="#aabbcc")
        store.add_tag(kind="speaker", name="Dr Ana", color="#ddeeff", description="The interviewer")
        first = store.add_document(
            ImportedDocument(title="torture", text=TORTURE, meta=META, spans=spans), annotator="x"
        ).document_id
        second = store.add_document(
            ImportedDocument(title="plain", text="Nothing tagged here."), annotator="x"
        )
        store.set_document_memo(first, "A memo\nwith two lines.")
        store.set_document_status(first, DocumentStatus.DONE)
        store.set_document_status(second.document_id, DocumentStatus.IN_PROGRESS)
    return path


def exported(project: Path, out: Path, fmt: str) -> bytes:
    with Store.open(project, read_only=True) as store:
        export(store, out, format=fmt)
    return out.read_bytes()


def facts(project: Path) -> dict:
    """What the native JSONL does not hold: tags (hierarchy by name), memos, statuses, span times."""
    with Store.open(project, read_only=True) as store:
        tags = store.tags()
        names = {t.id: t.name for t in tags}
        return {
            "tags": sorted(
                (t.kind.value, t.name, t.color, t.description, names.get(t.parent_id or "")) for t in tags
            ),
            "documents": [(d.id, d.memo, d.status) for d in store.iter_documents()],
            "times": sorted((a.id, a.created, a.updated) for a in store.iter_annotations()),
        }


def test_export_import_gives_the_same_native_jsonl_and_the_same_tags_memos_and_statuses(tmp_path):
    original = build(tmp_path / "original.annotator")
    qdpx = tmp_path / "exchange.qdpx"
    exported(original, qdpx, "qdpx")
    copy = tmp_path / "copy.annotator"
    with Store.create(copy) as store:
        report = import_paths(store, [qdpx], annotator="importer")
    (result,) = report.results
    assert result.status == "imported" and result.part_failures == () and result.skipped_parts == ()
    assert "source 'torture': offsets in code points (as Annotator writes them)" in result.message
    with Store.open(original, read_only=True) as store:
        doc = next(store.iter_documents())
        tags = {t.id: t.name for t in store.tags()}
        covered = sorted(
            (doc.text[a.start : a.end], tags[a.tag_id]) for a in store.annotations_for_document(doc.id)
        )
    assert covered == sorted((p, label) for p, label, *_ in PIECES)  # the original is as meant
    before = exported(original, tmp_path / "original.jsonl", "native")
    after = exported(copy, tmp_path / "copy.jsonl", "native")
    assert hashlib.sha256(after).hexdigest() == hashlib.sha256(before).hexdigest()
    assert facts(copy) == facts(original)
    # Importing the same file again adds nothing.
    with Store.open(copy) as store:
        again = import_paths(store, [qdpx], annotator="importer").results[0]
    assert again.status == "duplicate" and again.annotations_added == 0
    assert exported(copy, tmp_path / "again.jsonl", "native") == before
    assert facts(copy) == facts(original)

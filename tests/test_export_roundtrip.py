"""Round trips: export, import into a new project, export again gives the same bytes.

Covers notes, several annotators, both tag kinds, astral emoji with joiners,
combining marks, CJK, right-to-left text and CRLF input, in all three JSONL
shapes, plus a property test over random texts and spans.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.exporters import export
from annotator.importers.batch import import_paths
from annotator.model import ImportedDocument, ImportedSpan, TagKind
from annotator.store import Store

#: Astral emoji with a zero-width joiner, a combining accent, CJK with an astral
#: ideograph, Arabic and Hebrew (right to left), and a CRLF the import normalises.
TORTURE = "👩‍🔬 e\u0301tude 日本語の𠀋文 مرحبا\r\nשלום 😀 end"
PIECES = [
    ("👩‍🔬", "Science", TagKind.THEME, "ana", "emoji with a joiner"),
    ("e\u0301tude", "Science", TagKind.THEME, "ben", None),
    ("日本語の𠀋文", "Dr Ana", TagKind.SPEAKER, "ana", None),
    ("مرحبا", "Dr Ana", TagKind.SPEAKER, "ben", 'RTL, "quoted"\nand two lines'),
    ("😀 end", "Science", TagKind.THEME, "ana", None),
]


def build(path: Path) -> Path:
    """A project with the torture text, its five spans, and an unannotated document."""
    normalised = TORTURE.replace("\r\n", "\n")
    spans = tuple(
        ImportedSpan(
            normalised.index(piece),
            normalised.index(piece) + len(piece),
            label,
            kind,
            annotator=annotator,
            note=note,
        )
        for piece, label, kind, annotator, note in PIECES
    )
    with Store.create(path) as store:
        store.add_document(
            ImportedDocument(title="torture", text=normalised, meta={"source": "test", "n": 1}, spans=spans),
            annotator="x",
        )
        store.add_document(ImportedDocument(title="plain", text="Nothing tagged here."), annotator="x")
    return path


def export_of(project: Path, out: Path, fmt: str = "native") -> bytes:
    with Store.open(project, read_only=True) as store:
        export(store, out, format=fmt)
    return out.read_bytes()


def import_into_new(tmp_path: Path, name: str, source: Path) -> Path:
    project = tmp_path / f"{name}.annotator"
    with Store.create(project) as store:
        report = import_paths(store, [source], annotator="importer")
        assert report.failed == [] and report.part_failures == []
    return project


def test_native_round_trip_is_byte_identical_and_a_second_import_adds_nothing(tmp_path):
    first = tmp_path / "first.jsonl"
    original = export_of(build(tmp_path / "a.annotator"), first)
    copy = import_into_new(tmp_path, "copy", first)
    assert (
        hashlib.sha256(export_of(copy, tmp_path / "second.jsonl")).hexdigest()
        == hashlib.sha256(original).hexdigest()
    )
    with Store.open(copy) as store:
        again = import_paths(store, [first], annotator="importer")
        assert [r.status for r in again.results] == ["duplicate"]
        assert again.results[0].annotations_added == 0 and store.annotation_count() == 5
        # annotators and notes came from the file, not from who imported it
        assert sorted(
            {a.annotator for d in store.iter_documents() for a in store.annotations_for_document(d.id)}
        ) == ["ana", "ben"]


def test_doccano_and_spacy_round_trips_are_byte_identical(tmp_path):
    project = build(tmp_path / "a.annotator")
    for fmt in ("doccano", "spacy"):
        first = tmp_path / f"{fmt}-1.jsonl"
        original = export_of(project, first, fmt)
        copy = import_into_new(tmp_path, fmt, first)
        assert export_of(copy, tmp_path / f"{fmt}-2.jsonl", fmt) == original, fmt
        [line, _] = [json.loads(x) for x in original.decode().split("\n")[:-1]]
        assert line["meta"]["title"] == "torture"
        with Store.open(copy, read_only=True) as store:
            doc = next(store.iter_documents())
            # title and id came back out of meta, where the export put them, and were not duplicated there
            assert (doc.title, doc.meta) == ("torture", {"source": "test", "n": 1})


def test_crlf_line_is_normalised_and_every_span_keeps_its_characters(tmp_path):
    text = "Ana:\r\nHello 👋🏽 there\rBen:\r\nשלום"
    wanted = ["Ana", "👋🏽", "Ben", "שלום"]
    record = {
        "text": text,
        "spans": [{"start": text.index(w), "end": text.index(w) + len(w), "label": w} for w in wanted],
    }
    source = tmp_path / "crlf.jsonl"
    source.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    project = import_into_new(tmp_path, "crlf", source)
    [line] = [json.loads(x) for x in export_of(project, tmp_path / "out.jsonl").decode().split("\n")[:-1]]
    assert line["text"] == "Ana:\nHello 👋🏽 there\nBen:\nשלום"
    assert [(s["text"], line["text"][s["start"] : s["end"]]) for s in line["spans"]] == [
        (w, w) for w in wanted
    ]
    assert [(s["start"], s["end"]) for s in line["spans"]] == [(0, 3), (11, 13), (20, 23), (25, 29)]


ALPHABET = st.sampled_from(
    [
        "a",
        "Z",
        " ",
        "\n",
        "\r\n",
        "\r",
        "😀",
        "👩‍🔬",
        "e\u0301",
        "日",
        "𠀋",
        "م",
        "ש",
        "\u200d",
        "\u200f",
        "\u2028",
        "\x85",
        '"',
        "\\",
        "\t",
    ]
)


@st.composite
def documents_with_spans(draw):
    text = (
        "".join(draw(st.lists(ALPHABET, min_size=1, max_size=40))).replace("\r\n", "\n").replace("\r", "\n")
    )
    if not text.strip():
        text += "x"
    spans = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        spans.append(
            ImportedSpan(
                start,
                end,
                draw(st.sampled_from(["A", "b", "日本", "😀"])),
                draw(st.sampled_from(list(TagKind))),
                annotator=draw(st.sampled_from(["x", "y"])),
                note=draw(st.one_of(st.none(), st.text(max_size=5))),
            )
        )
    return text, spans


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents_with_spans(), min_size=1, max_size=3))
def test_any_corpus_round_trips_byte_for_byte(corpus):
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        with Store.create(work / "a.annotator") as store:
            for number, (text, spans) in enumerate(corpus):
                store.add_document(
                    ImportedDocument(title=f"d{number}", text=text, spans=tuple(spans)), annotator="x"
                )
        first = export_of(work / "a.annotator", work / "1.jsonl")
        for line in first.decode("utf-8").split("\n")[:-1]:  # not splitlines(): U+0085 and U+2028 stay raw
            record = json.loads(line)
            assert all(record["text"][s["start"] : s["end"]] == s["text"] for s in record["spans"])
        copy = import_into_new(work, "b", work / "1.jsonl")
        assert export_of(copy, work / "2.jsonl") == first

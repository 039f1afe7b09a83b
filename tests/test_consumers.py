"""The native export loads as it is into spaCy and Hugging Face datasets.

CI installs the ``consumers`` extra, so these run there; they are marked so
that a quick local run can skip them with ``-m "not consumers"``.
"""

from __future__ import annotations

import pytest

from annotator.exporters import export
from annotator.model import ImportedDocument, ImportedSpan, TagKind

pytestmark = pytest.mark.consumers

DOCS = [
    (
        "👩‍🔬 Dr Ana studies e\u0301tudes in 日本 with Ben 😀.",
        [("👩‍🔬", "Emoji"), ("Dr Ana", "Person"), ("e\u0301tudes", "Topic"), ("日本", "Place")],
    ),
    (
        "مرحبا Ben, שלום Ana.\r\nNext line.",
        [("مرحبا", "Greeting"), ("Ben", "Person"), ("Next line", "Topic")],
    ),
    ("No spans in this one.", []),
]


@pytest.fixture
def exported(store, tmp_path):
    for number, (text, pieces) in enumerate(DOCS):
        spans = tuple(
            ImportedSpan(start=text.index(p), end=text.index(p) + len(p), label=label, kind=TagKind.THEME)
            for p, label in pieces
        )
        store.add_document(ImportedDocument(title=f"doc {number}", text=text, spans=spans), annotator="ana")
    out = tmp_path / "corpus.jsonl"
    summary = export(store, out)
    assert (summary.documents, summary.spans) == (3, 7)
    return out


def test_spacy_char_span_finds_every_span_and_docbin_round_trips(exported, tmp_path):
    import json

    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("xx")
    doc_bin = DocBin(store_user_data=True)
    total = 0
    for line in exported.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        doc = nlp.make_doc(record["text"])
        spans = []
        for span in record["spans"]:
            # "expand" keeps a span whose edges fall inside a token (emoji joiners, CJK runs)
            piece = doc.char_span(span["start"], span["end"], label=span["label"], alignment_mode="expand")
            assert piece is not None, span
            assert span["text"] in piece.text
            spans.append(piece)
        doc.spans["annotations"] = spans
        total += len(spans)
        doc_bin.add(doc)
    assert total == 7
    path = tmp_path / "train.spacy"
    doc_bin.to_disk(path)
    docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    assert [len(d.spans["annotations"]) for d in docs] == [4, 3, 0]
    assert [s.label_ for s in docs[1].spans["annotations"]] == ["Greeting", "Person", "Topic"]


def test_hugging_face_datasets_loads_the_jsonl(exported, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    from datasets import load_dataset

    dataset = load_dataset("json", data_files=str(exported), split="train", cache_dir=str(tmp_path / "cache"))
    assert dataset.num_rows == 3
    assert dataset[0]["text"] == DOCS[0][0]
    assert dataset[1]["text"] == DOCS[1][0].replace("\r\n", "\n")
    first = dataset[0]["spans"]
    assert [s["label"] for s in first] == ["Emoji", "Person", "Topic", "Place"]
    for row in dataset:
        for span in row["spans"]:
            assert row["text"][span["start"] : span["end"]] == span["text"]


def test_datasets_reads_the_spacy_shape_with_raw_line_separators(store, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    from datasets import load_dataset

    text = "one\u2028two\x85three \u200fשלום\u200f 👨‍👩‍👧"
    store.add_document(
        ImportedDocument(
            title="separators",
            text=text,
            spans=(
                ImportedSpan(start=4, end=7, label="Two", kind=TagKind.THEME),
                ImportedSpan(start=len(text) - 5, end=len(text), label="Family", kind=TagKind.THEME),
            ),
        ),
        annotator="ana",
    )
    store.add_document(ImportedDocument(title="second", text="after"), annotator="ana")
    out = tmp_path / "spacy.jsonl"
    export(store, out, format="spacy")
    assert "\u2028".encode() in out.read_bytes()  # written raw, as JSON allows
    dataset = load_dataset("json", data_files=str(out), split="train", cache_dir=str(tmp_path / "cache"))
    assert dataset.num_rows == 2 and dataset[0]["text"] == text and dataset[1]["text"] == "after"
    assert [(s["start"], s["end"], s["label"]) for s in dataset[0]["spans"]] == [
        (4, 7, "Two"),
        (21, 26, "Family"),
    ]
    assert dataset[0]["meta"]["title"] == "separators"

"""Other tools' export shapes: every span read where it is, refused by line or row where it is not.

Fixtures are built the way each tool writes them: spaCy's own ``Doc.to_json()``
output; doccano's relation export (``entities`` objects with ``start_offset``
and ``end_offset`` counted in UTF-16 units, as doccano's JavaScript counts);
Label Studio's CSV and TSV exports written as its converter writes them
(columns sorted, ``csv.QUOTE_NONNUMERIC``, one row per annotation, each
labelled region a JSON object with ``start``, ``end``, ``text`` and ``labels``);
and Prodigy lines with an ``answer``.
"""

from __future__ import annotations

import csv
import json

import pytest

from annotator.exporters import export
from annotator.importers import ImportOptions
from annotator.importers.batch import import_paths
from annotator.model import ImportedDocument, ImportedSpan, TagKind
from annotator.store import Store

EMOJI_TEXT = "😀 Ana met Ben in Paris 👩‍🔬 today."


def write_jsonl(path, *records):
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records) + "\n",
        encoding="utf-8",
    )
    return path


def run(store, *paths, **options):
    return import_paths(store, list(paths), annotator="importer", options=ImportOptions(**options))


def spans_by_title(store):
    """{title: sorted [(covered text, tag, annotator, note)]}."""
    tags = {t.id: t for t in store.tags()}
    return {
        doc.title: sorted(
            (doc.text[a.start : a.end], tags[a.tag_id].name, a.annotator, a.note)
            for a in store.annotations_for_document(doc.id)
        )
        for doc in store.iter_documents()
    }


def utf16_offset(text: str, index: int) -> int:
    """Where code point ``index`` of ``text`` is counted in UTF-16 units, as JavaScript counts."""
    return len(text[:index].encode("utf-16-le")) // 2


# -- spaCy -------------------------------------------------------------------------


def spacy_doc_json(
    text: str, ents: list[tuple[str, str]], groups: dict | None = None, cats: dict | None = None
):
    """``Doc.to_json()`` of a blank English pipeline with these entities (by covered text)."""
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import Span

    doc = spacy.blank("en")(text)
    doc.ents = [
        doc.char_span(text.index(piece), text.index(piece) + len(piece), label=label) for piece, label in ents
    ]
    for name, pieces in (groups or {}).items():
        doc.spans[name] = [
            Span(doc, s.start, s.end, label=label)
            for piece, label in pieces
            for s in [doc.char_span(text.index(piece), text.index(piece) + len(piece))]
        ]
    if cats:
        doc.cats = cats
    return doc.to_json()


def test_spacy_doc_to_json_ents_and_span_groups_are_read(store, tmp_path):
    line = spacy_doc_json(
        EMOJI_TEXT,
        [("Ana", "PERSON"), ("Paris", "GPE")],
        groups={"sc": [("Ben", "PERSON"), ("Paris", "GPE")]},
        cats={"TRAVEL": 1.0},
    )
    assert set(line) >= {"text", "ents", "tokens", "spans", "cats"}  # what spaCy wrote
    report = run(store, write_jsonl(tmp_path / "spacy.jsonl", line))
    assert report.part_failures == [] and report.failed == []
    assert spans_by_title(store)["spacy line 1"] == [
        ("Ana", "PERSON", "importer", None),
        ("Ben", "PERSON", "importer", None),
        ("Paris", "GPE", "importer", None),
    ]
    # Paris is both an entity and in the span group: one span, and the collapse is counted
    assert report.results[0].spans_collapsed == 1
    assert "1 identical span(s) collapsed" in report.summary()
    [doc] = store.iter_documents()
    assert doc.meta == {"cats": {"TRAVEL": 1.0}}  # document categories kept, tokens not


def test_spacy_doc_without_entities_is_a_document_without_spans(store, tmp_path):
    line = spacy_doc_json("Nothing named here.", [])
    report = run(store, write_jsonl(tmp_path / "plain.jsonl", line))
    assert report.part_failures == [] and store.annotation_count() == 0 and store.document_count() == 1


def test_bad_spacy_ents_are_refused_with_the_line(store, tmp_path):
    path = write_jsonl(
        tmp_path / "ents.jsonl",
        {"text": "Ana met Ben", "ents": [{"start": 0, "end": 30, "label": "PERSON"}]},
        {"text": "Ana met Ben", "ents": {"start": 0}},
        {"text": "Ana met Ben", "spans": {"sc": [{"start": 0, "label": "X"}]}},
    )
    report = run(store, path)
    assert [(where, why) for _, where, why in report.part_failures] == [
        ("line 1", "span [0, 30) is outside the text (length 11)"),
        ("line 2", "unknown shape: 'ents' must be a list of spans, not a dict"),
        ("line 3", "'end' must be a whole number, not None"),
    ]
    assert store.document_count() == 0


# -- doccano -----------------------------------------------------------------------


def doccano_relation_line(text: str, entities: list[tuple[str, str]], relations=(), **extra) -> dict:
    """A doccano relation-export line; offsets in UTF-16 units, as doccano counts them."""
    records = []
    for number, (piece, label) in enumerate(entities, start=101):
        start = text.index(piece)
        records.append(
            {
                "id": number,
                "label": label,
                "start_offset": utf16_offset(text, start),
                "end_offset": utf16_offset(text, start + len(piece)),
            }
        )
    rels = [
        {"id": 7 + i, "from_id": 101 + a, "to_id": 101 + b, "type": kind}
        for i, (a, b, kind) in enumerate(relations)
    ]
    return {"id": 55, "text": text, "Comments": [], "entities": records, "relations": rels, **extra}


def test_doccano_entities_are_read_and_utf16_offsets_counted_as_characters(store, tmp_path):
    line = doccano_relation_line(
        EMOJI_TEXT,
        [("Ana", "PER"), ("Paris", "LOC"), ("today", "TIME")],
        relations=[(0, 1, "visits")],
        source="survey-3",
    )
    assert line["entities"][1]["start_offset"] == EMOJI_TEXT.index("Paris") + 1  # the emoji is two units
    report = run(store, write_jsonl(tmp_path / "doccano.jsonl", line))
    assert report.part_failures == []
    assert spans_by_title(store)["doccano line 1"] == [
        ("Ana", "PER", "importer", None),
        ("Paris", "LOC", "importer", None),
        ("today", "TIME", "importer", None),
    ]
    [doc] = store.iter_documents()
    # relations cannot be spans: they are kept with the document, their ends named by offsets and label
    ana, paris = EMOJI_TEXT.index("Ana"), EMOJI_TEXT.index("Paris")
    assert doc.meta["relations"] == [
        {"id": 7, "type": "visits", "from": [ana, ana + 3, "PER"], "to": [paris, paris + 5, "LOC"]}
    ]
    assert doc.meta["source"] == "survey-3" and doc.meta["id"] == 55  # doccano spreads meta on the line


def test_doccano_entity_triples_of_intent_exports_and_comments(store, tmp_path):
    line = {
        "text": "book a flight to Oslo",
        "entities": [[17, 21, "CITY"]],
        "cats": ["book_flight"],
        "Comments": ["check the city"],
    }
    report = run(store, write_jsonl(tmp_path / "intent.jsonl", line))
    assert report.part_failures == []
    assert spans_by_title(store)["intent line 1"] == [("Oslo", "CITY", "importer", None)]
    [doc] = store.iter_documents()
    assert doc.meta == {"cats": ["book_flight"], "Comments": ["check the city"]}


def test_bad_doccano_entities_are_refused_with_the_line(store, tmp_path):
    text = "😀 Ana"
    path = write_jsonl(
        tmp_path / "bad.jsonl",
        {"text": text, "entities": [{"id": 1, "label": "PER", "start_offset": 1, "end_offset": 5}]},
        {"text": "Ana", "entities": [{"id": 1, "type": "PER", "begin": 0, "end": 3}]},
        {"text": "Ana", "entities": [{"id": 1, "label": "PER", "start_offset": 0, "end_offset": 9}]},
    )
    report = run(store, path)
    assert [(where, why) for _, where, why in report.part_failures] == [
        ("line 1", "doccano offset 1 falls inside a character that takes two UTF-16 units (an emoji?)"),
        (
            "line 2",
            "unknown shape: a doccano entity must have 'start_offset', 'end_offset' and 'label', "
            "found 'begin', 'end', 'id', 'type'",
        ),
        ("line 3", "span [0, 9) is outside the text (length 3 in UTF-16 units, as doccano counts)"),
    ]
    assert store.document_count() == 0


# -- shapes not read, Prodigy answers ----------------------------------------------


def test_lines_with_annotations_in_a_shape_not_read_are_refused_not_stored_bare(store, tmp_path):
    path = write_jsonl(
        tmp_path / "other.jsonl",
        {"text": "Label Studio task", "annotations": [{"result": [{"value": {"start": 0, "end": 5}}]}]},
        {"text": "tokens and tags", "tokens": ["tokens", "and", "tags"], "ner_tags": [1, 0, 0]},
        {"text": "relations alone", "relations": [{"from_id": 1, "to_id": 2}]},
        {"text": "empty ones are fine", "annotations": [], "ner_tags": []},
    )
    report = run(store, path)
    assert [(where, why.split(")")[0]) for _, where, why in report.part_failures] == [
        ("line 1", "unknown shape: 'annotations' (a list of 1"),
        ("line 2", "unknown shape: 'ner_tags' (a list of 3"),
        ("line 3", "unknown shape: 'relations' (a list of 1"),
    ]
    assert report.part_failures[0][2].endswith(
        "holds annotations in a shape Annotator does not read; it reads 'spans', 'label', 'entities' and 'ents'"
    )
    assert [d.title for d in store.documents()] == ["other line 4"]


def test_prodigy_rejected_and_ignored_lines_are_skipped_and_counted(store, tmp_path, run_cli):
    path = write_jsonl(
        tmp_path / "prodigy.jsonl",
        {"text": "kept one", "spans": [{"start": 0, "end": 4, "label": "A"}], "answer": "accept"},
        {"text": "rejected one", "spans": [{"start": 0, "end": 8, "label": "A"}], "answer": "reject"},
        {"text": "ignored one", "spans": [], "answer": "ignore"},
    )
    report = run(store, path)
    assert [d.title for d in store.documents()] == ["prodigy line 1"] and store.annotation_count() == 1
    assert report.results[0].skipped_parts == (
        ("line 2", "answer 'reject' (Prodigy)"),
        ("line 3", "answer 'ignore' (Prodigy)"),
    )
    assert report.part_failures == []
    result = run_cli("import", tmp_path / "cli.annotator", path)
    assert result.code == 0 and result.err == ""
    assert f"skipped: {path}:2: answer 'reject' (Prodigy)" in result.out.splitlines()
    assert result.out.splitlines()[-1] == (
        "1 document(s) imported, 0 already in the project, 0 failed, 2 line(s) or row(s) skipped"
    )


# -- collapsing identical spans, keeping distinct ones ------------------------------


def test_identical_spans_are_collapsed_and_counted_per_file_and_in_the_summary(store, tmp_path, run_cli):
    path = write_jsonl(
        tmp_path / "twice.jsonl",
        {"text": "same span twice", "label": [[0, 4, "A"], [0, 4, "A"], [5, 9, "A"]]},
    )
    report = run(store, path)
    assert store.annotation_count() == 2
    assert (report.results[0].annotations_added, report.results[0].spans_collapsed) == (2, 1)
    again = run(store, path)
    assert (again.results[0].annotations_added, again.results[0].spans_present) == (0, 2)
    result = run_cli("import", tmp_path / "cli.annotator", path)
    assert result.code == 0
    assert f"imported: {path} (2 annotation(s); 1 identical span(s) collapsed)" in result.out.splitlines()
    assert result.out.splitlines()[-1] == (
        "1 document(s) imported, 0 already in the project, 0 failed, 1 identical span(s) collapsed"
    )


def test_native_round_trip_keeps_spans_that_differ_only_in_note_or_annotator(tmp_path):
    source = tmp_path / "a.annotator"
    text = "We talked about the harbour."
    with Store.create(source) as store:
        result = store.add_document(ImportedDocument(title="t", text=text), annotator="x")
        tag = store.add_tag(kind=TagKind.THEME, name="Place")
        for annotator, note in (
            ("ana", "first reading"),
            ("ana", "second reading"),
            ("ben", None),
            ("ana", None),
        ):
            store.add_annotation(
                document_id=result.document_id,
                start=20,
                end=27,
                tag_id=tag.id,
                annotator=annotator,
                note=note,
            )
    first = tmp_path / "first.jsonl"
    with Store.open(source, read_only=True) as store:
        export(store, first, format="native")
    copy = tmp_path / "copy.annotator"
    with Store.create(copy) as store:
        report = run(store, first)
        assert report.results[0].annotations_added == 4 and report.results[0].spans_collapsed == 0
        assert sorted((a.annotator, a.note or "") for a in store.iter_annotations()) == [
            ("ana", ""),
            ("ana", "first reading"),
            ("ana", "second reading"),
            ("ben", ""),
        ]
        again = run(store, first)
        assert (again.results[0].annotations_added, again.results[0].spans_present) == (0, 4)
        export(store, tmp_path / "second.jsonl", format="native")
    assert (tmp_path / "second.jsonl").read_bytes() == first.read_bytes()


def test_spans_without_ids_differing_only_in_note_are_both_kept(store, tmp_path):
    path = write_jsonl(
        tmp_path / "notes.jsonl",
        {
            "text": "one two",
            "spans": [
                {"start": 0, "end": 3, "label": "N", "note": "a"},
                {"start": 0, "end": 3, "label": "N", "note": "b"},
                {"start": 0, "end": 3, "label": "N", "note": "b"},
            ],
        },
    )
    report = run(store, path)
    assert sorted(a.note for a in store.iter_annotations()) == ["a", "b"]
    assert report.results[0].spans_collapsed == 1


# -- Label Studio CSV and TSV --------------------------------------------------------


def label_studio_rows(text: str, *, units: str = "utf-16") -> list[dict]:
    """Two annotators on one task and a cancelled annotation, as Label Studio exports them.

    Label Studio counted UTF-16 units (its JavaScript's) until 2022 and code points since
    (its pull request #1559); either way it writes the covered text beside the offsets.
    """
    count = (lambda i: utf16_offset(text, i)) if units == "utf-16" else (lambda i: i)

    def region(piece: str, label: str) -> dict:
        start = text.index(piece)
        return {"start": count(start), "end": count(start + len(piece)), "text": piece, "labels": [label]}

    base = {
        "id": 3,
        "text": text,
        "lead_time": 8.4,
        "was_cancelled": False,
        "created_at": "2021-08-23T12:19:18.905800Z",
        "updated_at": "2021-08-23T12:19:18.905819Z",
    }
    return [
        {
            **base,
            "annotator": "ana@example.org",
            "annotation_id": 1,
            "label": json.dumps([region("Ana", "Person"), region("Paris", "Place")], ensure_ascii=False),
            "sentiment": "Positive",
        },
        {
            **base,
            "annotator": "ben@example.org",
            "annotation_id": 2,
            "label": json.dumps([region("Paris", "Place")], ensure_ascii=False),
            "sentiment": "Neutral",
        },
        {
            **base,
            "id": 4,
            "text": "A cancelled task.",
            "annotator": "ben@example.org",
            "annotation_id": 3,
            "label": "",
            "sentiment": "",
            "was_cancelled": True,
        },
    ]


def write_label_studio(path, rows, delimiter=","):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle,
            fieldnames=sorted({k for row in rows for k in row}),
            quoting=csv.QUOTE_NONNUMERIC,
            delimiter=delimiter,
        )
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize(
    "suffix, delimiter, units",
    [(".csv", ",", "utf-16"), (".tsv", "\t", "utf-16"), (".csv", ",", "code points")],
)
def test_label_studio_spans_are_read_with_their_annotators(store, tmp_path, suffix, delimiter, units):
    rows = label_studio_rows(EMOJI_TEXT, units=units)
    path = write_label_studio(tmp_path / f"project-1{suffix}", rows, delimiter)
    report = run(store, path)
    assert report.failed == [] and report.part_failures == []
    assert report.results[0].skipped_parts == (("row 4", "cancelled in Label Studio"),)
    assert spans_by_title(store)["project-1 row 2"] == [
        ("Ana", "Person", "ana@example.org", None),
        ("Paris", "Place", "ana@example.org", None),
        ("Paris", "Place", "ben@example.org", None),
    ]
    [doc] = store.iter_documents()
    assert "label" not in doc.meta and doc.meta["sentiment"] == "Positive"


def test_label_studio_regions_in_a_shape_not_read_refuse_their_row(store, tmp_path):
    rows = label_studio_rows("Plain words: Ana in Paris.")[:1]
    rows += [
        {
            **rows[0],
            "text": "A hypertext task.",
            "annotation_id": 9,
            "label": json.dumps(
                [
                    {
                        "start": "/p[1]/text()[1]",
                        "end": "/p[1]/text()[1]",
                        "startOffset": 0,
                        "endOffset": 1,
                        "text": "A",
                        "hypertextlabels": ["X"],
                    }
                ]
            ),
        }
    ]
    rows[0]["label"] = json.dumps([{"start": 0, "end": 5, "text": "Plain", "labels": ["Word"]}])
    rows += [
        {
            **rows[0],
            "text": "Offsets that miss.",
            "annotation_id": 10,
            "label": json.dumps([{"start": 0, "end": 4, "text": "that", "labels": ["Word"]}]),
        }
    ]
    path = write_label_studio(tmp_path / "ls.csv", rows)
    report = run(store, path)
    assert [(where, why) for _, where, why in report.part_failures] == [
        (
            "row 3",
            "column 'label' holds spans in a shape Annotator does not read "
            "(found 'end', 'endOffset', 'hypertextlabels', 'start', 'startOffset', 'text')",
        ),
        ("row 4", "column 'label': span [0, 4) covers 'Offs' but its 'text' is 'that'"),
    ]
    assert spans_by_title(store) == {"ls row 2": [("Plain", "Word", "ana@example.org", None)]}


def test_a_repeated_text_without_spans_in_a_label_studio_table_is_skipped_by_number(store, tmp_path):
    rows = label_studio_rows("Same task, two people: Ana in Paris.")[:2]
    rows[1]["label"] = ""
    path = write_label_studio(tmp_path / "ls.csv", rows)
    report = run(store, path)
    assert report.part_failures == []
    assert report.results[0].skipped_parts == (("row 3", "same text as row 2 and no spans"),)


def test_label_studio_regions_without_their_text_are_read_only_where_the_counts_agree(store, tmp_path):
    rows = [
        {"annotator": "ana", "text": text, "label": json.dumps([{"start": 0, "end": 3, "labels": ["Name"]}])}
        for text in ("Ana met Ben.", "Ana 😀 Ben.")
    ]
    report = run(store, write_label_studio(tmp_path / "bare.csv", rows))
    assert [(where, why) for _, where, why in report.part_failures] == [
        (
            "row 3",
            "column 'label': span [0, 3) has no 'text' to tell whether its offsets count characters "
            "or UTF-16 units, and the text has characters that count differently",
        )
    ]
    assert spans_by_title(store) == {"bare row 2": [("Ana", "Name", "ana", None)]}


def test_a_plain_survey_table_still_refuses_repeated_texts(store, tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("text,who\nYes.,a\nYes.,b\n", encoding="utf-8")
    report = run(store, path)
    assert [(where, why) for _, where, why in report.part_failures] == [
        ("row 3", "same text as row 2; skipped")
    ]


def test_spans_by_import_keep_their_kind_and_crlf_remapping_in_tables(store, tmp_path):
    text = "one\r\ntwo"
    rows = [
        {
            "annotator": "ana",
            "label": json.dumps([{"start": 5, "end": 8, "text": "two", "labels": ["N"]}]),
            "text": text,
        }
    ]
    path = write_label_studio(tmp_path / "crlf.csv", rows)
    report = run(store, path)
    assert report.part_failures == []
    [doc] = store.iter_documents()
    assert doc.text == "one\ntwo"
    assert spans_by_title(store)["crlf row 2"] == [("two", "N", "ana", None)]


def test_add_document_counts_what_it_did_not_store(store):
    """Each document's outcome says how many of its spans were collapsed or already present."""
    turn = ImportedSpan(5, 7, "Ana", TagKind.SPEAKER, annotator="auto")
    document = ImportedDocument(title="k", text="Ana: hi", spans=(turn, turn))
    first = store.add_document(document, annotator="x")
    assert (first.annotations_added, first.spans_collapsed, first.spans_present) == (1, 1, 0)
    again = store.add_document(document, annotator="x")
    assert (again.annotations_added, again.spans_collapsed, again.spans_present) == (0, 1, 1)


def test_a_line_or_cell_nested_too_deeply_fails_alone(store, tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    jsonl = tmp_path / "deep.jsonl"
    jsonl.write_text('{"text": "fine"}\n{"text": "deep", "spans": ' + deep + "}\n", encoding="utf-8")
    table = tmp_path / "deep.csv"
    table.write_text(f'text,label\nfine row,"{deep}"\n', encoding="utf-8")
    report = run(store, jsonl, table)
    assert [(where, why) for _, where, why in report.part_failures] == [
        ("line 2", "structure nested too deeply to read")
    ]
    assert sorted(d.title for d in store.documents()) == ["deep line 1", "deep row 2"]

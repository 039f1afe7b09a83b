"""JSONL import: three shapes, per-line errors with line numbers, strict mode, CRLF remapping."""

from __future__ import annotations

import json

import pytest

from annotator.importers import ImportOptions
from annotator.importers.batch import import_paths
from annotator.model import TagKind


def write_jsonl(path, *records):
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records) + "\n",
        encoding="utf-8",
    )
    return path


def run(store, path, **options):
    return import_paths(store, [path], annotator="importer", options=ImportOptions(**options))


def spans_of(store, title):
    doc = next(d for d in store.iter_documents() if d.title == title)
    tags = {t.id: t for t in store.tags()}
    return [
        (doc.text[a.start : a.end], tags[a.tag_id].name, tags[a.tag_id].kind.value, a.annotator, a.note)
        for a in store.annotations_for_document(doc.id)
    ]


def test_all_three_shapes(store, tmp_path):
    path = write_jsonl(
        tmp_path / "mixed.jsonl",
        {
            "id": "11111111-1111-4111-8111-111111111111",
            "title": "native",
            "text": "Ana met 😀 Ben.",
            "meta": {"k": 1},
            "spans": [
                {
                    "id": "22222222-2222-4222-8222-222222222222",
                    "start": 0,
                    "end": 3,
                    "text": "Ana",
                    "label": "Ana",
                    "kind": "speaker",
                    "annotator": "coder",
                    "note": "first",
                }
            ],
        },
        {"text": "doccano style text", "label": [[0, 7, "Tool"]], "meta": {"title": "doccano"}},
        {"text": "spacy style text", "spans": [{"start": 6, "end": 11, "label": "tool"}]},
    )
    report = run(store, path)
    assert report.failed == [] and report.part_failures == []
    assert spans_of(store, "native") == [("Ana", "Ana", "speaker", "coder", "first")]
    assert spans_of(store, "doccano") == [("doccano", "Tool", "theme", "importer", None)]
    assert spans_of(store, "mixed line 3") == [
        ("style", "Tool", "theme", "importer", None)
    ]  # label matched case-insensitively
    native = store.document("11111111-1111-4111-8111-111111111111")
    assert native.meta == {"k": 1}
    assert store.annotation("22222222-2222-4222-8222-222222222222").annotator == "coder"
    assert store.find_tag(TagKind.SPEAKER, "ana") is not None


def test_bad_lines_are_reported_with_numbers_and_store_nothing(store, tmp_path):
    path = write_jsonl(
        tmp_path / "bad.jsonl",
        {"text": "good one", "spans": []},
        "{not json",
        {"spans": []},
        {"text": "offsets outside", "spans": [{"start": 0, "end": 99, "label": "X"}]},
        {"text": "start after end", "label": [[5, 2, "X"]]},
        [1, 2, 3],
        {"text": "another good one", "label": [[0, 7, "Y"]]},
    )
    report = run(store, path)
    assert [(where, why.split(" (")[0]) for _, where, why in report.part_failures] == [
        ("line 2", "not valid JSON"),
        ("line 3", "missing text"),
        ("line 4", "span [0, 99) is outside the text"),
        ("line 5", "span [5, 2) has start >= end"),
        ("line 6", "unknown shape: a line must be a JSON object"),
    ]
    assert sorted(d.title for d in store.documents()) == ["bad line 1", "bad line 7"]
    assert [t.name for t in store.tags()] == ["Y"]


def test_cli_prints_file_and_line_and_exits_1(run_cli, tmp_path):
    path = write_jsonl(tmp_path / "cli.jsonl", {"text": "fine"}, {"text": ""}, {"text": "also fine"})
    result = run_cli("import", tmp_path / "p.annotator", path)
    assert result.code == 1
    assert result.err.strip() == f"failed: {path}:2: the text is empty"
    assert result.out.splitlines()[-1] == (
        "2 document(s) imported, 0 already in the project, 0 failed, 1 line(s), row(s) or page(s) left out"
    )


def test_strict_rejects_the_whole_file(store, tmp_path):
    path = write_jsonl(tmp_path / "strict.jsonl", {"text": "fine"}, {"text": "bad", "spans": [{"start": 0}]})
    report = run(store, path, strict=True)
    assert report.failed[0].message.startswith("line 2: 'end' must be a whole number")
    assert report.failed[0].message.endswith("nothing stored (--strict)")
    assert store.document_count() == 0


def test_crlf_text_is_normalised_and_offsets_remapped(store, tmp_path):
    text = "one\r\ntwo\r\nthree"
    path = write_jsonl(
        tmp_path / "crlf.jsonl",
        {
            "title": "crlf",
            "text": text,
            "spans": [
                {"start": text.index("two"), "end": text.index("two") + 3, "label": "T"},
                {"start": text.index("three"), "end": len(text), "label": "T"},
            ],
        },
    )
    run(store, path)
    assert [s[0] for s in spans_of(store, "crlf")] == ["two", "three"]
    assert next(store.iter_documents()).text == "one\ntwo\nthree"


def test_importing_twice_adds_nothing_and_existing_documents_gain_new_annotations(store, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", {"text": "shared text", "label": [[0, 6, "A"]]})
    run(store, path)
    again = run(store, path)
    assert again.results[0].status == "duplicate" and store.annotation_count() == 1
    more = write_jsonl(tmp_path / "b.jsonl", {"text": "shared text", "label": [[7, 11, "B"]]})
    result = run(store, more)
    assert result.results[0].message == "already in the project; 1 new annotation(s) added"
    assert store.document_count() == 1 and store.annotation_count() == 2


def test_non_utf8_file_fails_in_one_line(store, tmp_path):
    path = tmp_path / "latin.jsonl"
    path.write_bytes('{"text": "caf\xe9"}'.encode("latin-1"))
    report = run(store, path)
    assert report.failed[0].message == "not UTF-8 text (byte 13)"  # 0-based offset of é


def test_foreign_ids_stay_in_meta_and_titles_come_from_meta_or_the_line_number(store, tmp_path):
    path = write_jsonl(
        tmp_path / "prodigy.jsonl",
        {
            "id": 17,
            "text": "doccano with a number id",
            "label": [[0, 7, "Tool"]],
            "meta": {"title": "From meta"},
        },
        {
            "text": "spaCy with a string id",
            "spans": [{"id": "span-1", "start": 0, "end": 5, "label": "Tool"}],
            "meta": {"id": "not-a-uuid", "source": "x"},
        },
        {"text": "spaCy with a UUID", "meta": {"id": "33333333-3333-4333-8333-333333333333"}},
    )
    assert run(store, path).part_failures == []
    docs = {d.title: d for d in store.iter_documents()}
    assert sorted(docs) == ["From meta", "prodigy line 2", "prodigy line 3"]
    assert docs["From meta"].meta == {"id": 17}  # the title left meta; the non-UUID id stayed
    assert docs["prodigy line 2"].meta == {"id": "not-a-uuid", "source": "x"}
    assert (
        docs["prodigy line 3"].id == "33333333-3333-4333-8333-333333333333"
        and docs["prodigy line 3"].meta == {}
    )
    [span] = store.annotations_for_document(docs["prodigy line 2"].id)
    assert span.id != "span-1" and len(span.id) == 36  # a fresh UUID instead of a foreign id
    assert run(store, path).results[0].status == "duplicate" and store.annotation_count() == 2


def test_span_text_that_does_not_match_its_offsets_is_refused_with_the_line(store, tmp_path):
    text = "😀 Happy day"  # the emoji is one character here, two UTF-16 units, four UTF-8 bytes
    path = write_jsonl(
        tmp_path / "utf16.jsonl",
        {"text": text, "spans": [{"start": 2, "end": 7, "text": "Happy", "label": "Joy"}]},
        {"text": text, "spans": [{"start": 3, "end": 8, "text": "Happy", "label": "Joy"}]},  # UTF-16 offsets
        {"text": "plain", "spans": [{"start": 0, "end": 5, "text": 5, "label": "Joy"}]},
    )
    report = run(store, path)
    assert report.part_failures == [
        (
            path,
            "line 2",
            "span [3, 8) covers 'appy ' but its 'text' is 'Happy': the offsets do not match "
            "the text (counted in UTF-16 units or bytes rather than characters?)",
        ),
        (path, "line 3", "a span's 'text' must be a string, not int"),
    ]
    assert spans_of(store, "utf16 line 1") == [("Happy", "Joy", "theme", "importer", None)]


def test_strict_refuses_the_file_for_a_span_text_mismatch(store, tmp_path):
    path = write_jsonl(
        tmp_path / "bytes.jsonl",
        {"text": "é and more", "spans": [{"start": 3, "end": 6, "text": "and", "label": "X"}]},
    )  # 'é' is two UTF-8 bytes
    report = run(store, path, strict=True)
    assert report.failed[0].message == (
        "line 1: span [3, 6) covers 'nd ' but its 'text' is 'and': the offsets do not match the text "
        "(counted in UTF-16 units or bytes rather than characters?); nothing stored (--strict)"
    )
    assert store.document_count() == 0


def test_span_text_with_crlf_matches_its_normalised_self(store, tmp_path):
    text = "one\r\ntwo"
    path = write_jsonl(
        tmp_path / "crlf.jsonl",
        {
            "title": "t",
            "text": text,
            "spans": [{"start": 0, "end": len(text), "text": "one\ntwo", "label": "All"}],
        },
    )
    report = run(store, path)
    assert report.part_failures == []
    assert spans_of(store, "t") == [("one\ntwo", "All", "theme", "importer", None)]


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"text": "cut off', "not valid JSON (Unterminated string starting at column 10)"),
        ('{"text" 1}', "not valid JSON (Expecting ':' delimiter at column 9)"),
    ],
)
def test_a_broken_line_says_where_in_plain_words(store, tmp_path, line, message):
    path = tmp_path / "broken.jsonl"
    path.write_text(line + "\n" + '{"text": "fine"}\n', encoding="utf-8")
    report = run(store, path)
    assert [(where, why) for _, where, why in report.part_failures] == [("line 1", message)]


@pytest.mark.parametrize("strict", [False, True])
def test_a_line_refused_after_its_text_was_written_leaves_nothing_of_it(store, tmp_path, monkeypatch, strict):
    from annotator.errors import InvalidInputError

    real = type(store)._add_imported_spans

    def refuse_boom(self, doc_id, spans, *, annotator):
        added = real(self, doc_id, spans, annotator=annotator)
        if any(s.label == "boom" for s in spans):
            raise InvalidInputError("refused after writing")
        return added

    monkeypatch.setattr(type(store), "_add_imported_spans", refuse_boom)
    path = write_jsonl(
        tmp_path / "three.jsonl",
        {"title": "first", "text": "one two", "spans": [{"start": 0, "end": 3, "label": "ok"}]},
        {"title": "second", "text": "three four", "spans": [{"start": 0, "end": 5, "label": "boom"}]},
        {"title": "third", "text": "five six"},
    )
    report = run(store, path, strict=strict)
    fts_rows = store.db.conn.execute("SELECT COUNT(*) FROM documents_fts").fetchone()[0]
    titles = sorted(d.title for d in store.iter_documents())
    if strict:
        assert (titles, fts_rows, store.annotation_count()) == ([], 0, 0)
        assert report.failed[0].message.startswith("refused after writing")
    else:
        assert (titles, fts_rows, store.annotation_count()) == (["first", "third"], 2, 1)
        assert report.part_failures == [(path, "line 2", "refused after writing")]


@pytest.mark.parametrize(
    "line",
    [
        '{"text": "some words", "label": [[0, 4, "bad \\ud800 label"]]}',
        '{"text": "some words", "title": "\\ud800"}',
        '{"text": "some words", "spans": [{"start": 0, "end": 4, "label": "X", "note": "n\\udfff"}]}',
        '{"text": "some words", "spans": [{"start": 0, "end": 4, "label": "X", "annotator": "\\ud800"}]}',
        '{"text": "some \\ud800 words"}',
        '{"text": "some words", "meta": {"source": ["\\ud800"]}}',
    ],
)
def test_a_lone_surrogate_fails_its_line_only(store, tmp_path, line):
    path = write_jsonl(tmp_path / "surrogate.jsonl", {"text": "good one"}, line, {"text": "good two"})
    report = run(store, path)
    [(_, where, why)] = report.part_failures
    assert where == "line 2"
    assert "holds a lone surrogate (U+D" in why
    assert sorted(d.title for d in store.documents()) == ["surrogate line 1", "surrogate line 3"]


def test_a_lone_surrogate_is_one_line_on_the_command_line(run_cli, tmp_path):
    path = write_jsonl(tmp_path / "s.jsonl", {"text": "fine"}, '{"text": "x", "title": "a\\ud800"}')
    result = run_cli("import", tmp_path / "p.annotator", path)
    assert result.code == 1
    assert result.err == f"failed: {path}:2: 'title' holds a lone surrogate (U+D800)\n"

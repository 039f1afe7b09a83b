"""Export: exact bytes of every format, filters, ordering, atomic writes, round trips."""

from __future__ import annotations

import csv
import json
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.errors import InvalidInputError
from annotator.exporters import ExportError, export
from annotator.exporters.native import native_line
from annotator.model import ImportedDocument, ImportedSpan, TagKind
from annotator.store.export import ExportDocument, ExportSpan

#: Unicode torture: astral emoji and a ZWJ sequence, combining marks, CJK, right-to-left, CRLF.
TORTURE = "👩‍🔬 e\u0301tude 日本語の𠀋文 مرحبا\r\nשלום 😀 end"


@pytest.fixture
def corpus(store):
    doc = store.add_document(
        ImportedDocument(title="torture", text=TORTURE, meta={"source": "test", "n": 1}), annotator="x"
    ).document_id
    plain = store.add_document(ImportedDocument(title="plain", text="Nothing tagged here."), annotator="x")
    text = store.document(doc).text
    theme = store.add_tag(kind="theme", name="Science")
    speaker = store.add_tag(kind="speaker", name="Dr Ana")

    def add(piece, tag, annotator, note=None, occurrence=0):
        start = text.index(piece) if occurrence == 0 else text.index(piece, text.index(piece) + 1)
        return store.add_annotation(
            document_id=doc,
            start=start,
            end=start + len(piece),
            tag_id=tag.id,
            annotator=annotator,
            note=note,
        )

    spans = [
        add("👩‍🔬", theme, "ana", "emoji with a joiner"),
        add("e\u0301tude", theme, "ben"),
        add("日本語の𠀋文", speaker, "ana"),
        add("مرحبا", speaker, "ben", "RTL"),
        add("😀 end", theme, "ana"),
    ]
    return store, doc, plain.document_id, text, spans


def read_lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_native_export_is_exact(corpus, tmp_path):
    store, doc, plain, text, spans = corpus
    out = tmp_path / "out.jsonl"
    summary = export(store, out)
    assert (summary.documents, summary.spans) == (2, 5)
    first, second = read_lines(out)
    assert list(first) == ["id", "title", "text", "meta", "spans"]
    assert first["id"] == doc and first["text"] == text and "\r" not in first["text"]
    assert first["meta"] == {"source": "test", "n": 1}
    assert [list(s) for s in first["spans"]][0] == [
        "id",
        "start",
        "end",
        "text",
        "label",
        "kind",
        "annotator",
        "note",
    ]
    for span in first["spans"]:
        assert text[span["start"] : span["end"]] == span["text"]
    assert [(s["text"], s["label"], s["kind"], s["annotator"], s["note"]) for s in first["spans"]] == [
        ("👩‍🔬", "Science", "theme", "ana", "emoji with a joiner"),
        ("e\u0301tude", "Science", "theme", "ben", None),
        ("日本語の𠀋文", "Dr Ana", "speaker", "ana", None),
        ("مرحبا", "Dr Ana", "speaker", "ben", "RTL"),
        ("😀 end", "Science", "theme", "ana", None),
    ]
    assert second == {"id": plain, "title": "plain", "text": "Nothing tagged here.", "meta": {}, "spans": []}
    raw = out.read_bytes()
    assert "👩".encode() in raw and b"\\u" not in raw  # UTF-8, never ASCII escapes


def test_spans_sort_by_start_end_label(store, tmp_path):
    doc = store.add_document(ImportedDocument(title="t", text="abcdefghij"), annotator="x").document_id
    b, a = store.add_tag(kind="theme", name="B"), store.add_tag(kind="theme", name="A")
    for start, end, tag in [(2, 5, b), (0, 4, b), (2, 5, a), (2, 3, b)]:
        store.add_annotation(document_id=doc, start=start, end=end, tag_id=tag.id, annotator="x")
    export(store, tmp_path / "o.jsonl", format="spacy")
    [line] = read_lines(tmp_path / "o.jsonl")
    assert line["spans"] == [
        {"start": 0, "end": 4, "label": "B"},
        {"start": 2, "end": 3, "label": "B"},
        {"start": 2, "end": 5, "label": "A"},
        {"start": 2, "end": 5, "label": "B"},
    ]


def test_doccano_and_spacy_shapes(corpus, tmp_path):
    store, doc, _, text, _ = corpus
    export(store, tmp_path / "d.jsonl", format="doccano", only_annotated=True)
    [line] = read_lines(tmp_path / "d.jsonl")
    assert list(line) == ["id", "text", "label", "meta"]
    assert line["label"][0] == [0, 3, "Science"]
    assert line["meta"] == {"source": "test", "n": 1, "title": "torture"}
    export(store, tmp_path / "s.jsonl", format="spacy", only_annotated=True)
    [line] = read_lines(tmp_path / "s.jsonl")
    assert list(line) == ["text", "spans", "meta"]
    assert line["spans"][2] == {"start": text.index("日"), "end": text.index("日") + 6, "label": "Dr Ana"}
    assert line["meta"]["id"] == doc


def test_csv_rows(corpus, tmp_path):
    store, doc, _, text, _ = corpus
    export(store, tmp_path / "o.csv", format="csv")
    with open(tmp_path / "o.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [
        "document_title",
        "document_id",
        "start",
        "end",
        "label",
        "kind",
        "annotator",
        "note",
        "text",
    ]
    assert rows[4] == [
        "torture",
        doc,
        str(text.index("م")),
        str(text.index("م") + 5),
        "Dr Ana",
        "speaker",
        "ben",
        "RTL",
        "مرحبا",
    ]
    assert len(rows) == 6


def test_filters(corpus, tmp_path):
    store, *_ = corpus

    def labels(**filters):
        export(store, tmp_path / "f.jsonl", only_annotated=True, **filters)
        return [
            (s["label"], s["annotator"]) for line in read_lines(tmp_path / "f.jsonl") for s in line["spans"]
        ]

    assert labels(annotators=["ben"]) == [("Science", "ben"), ("Dr Ana", "ben")]
    assert labels(tags=["science"]) == [("Science", "ana"), ("Science", "ben"), ("Science", "ana")]
    assert labels(kind="speaker", annotators=["ana"]) == [("Dr Ana", "ana")]
    assert labels(tags=["nothing"]) == []


def test_an_interrupted_export_leaves_the_old_file_and_no_partial(corpus, tmp_path):
    store, *_ = corpus
    out = tmp_path / "keep.jsonl"
    out.write_text("previous export\n", encoding="utf-8")
    with pytest.raises(ExportError, match="cancelled"):
        export(store, out, should_cancel=lambda: True)
    assert out.read_text(encoding="utf-8") == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "keep.jsonl",
        "test.annotator",
        "test.annotator-shm",
        "test.annotator-wal",
    ]


@pytest.mark.parametrize("fmt", ["native", "doccano", "spacy", "csv"])
@pytest.mark.parametrize("damage", ['"end" = 999', "start = -1", 'start = "end"'])
def test_a_corrupted_span_is_refused_not_exported(corpus, tmp_path, fmt, damage):
    store, doc, *_ = corpus
    store.db.conn.execute("PRAGMA ignore_check_constraints = ON")  # what another tool could have done
    store.db.conn.execute(f"UPDATE annotations SET {damage} WHERE rowid = 3")
    with pytest.raises(ExportError, match=r"document 'torture': span \[-?\d+, \d+\) is outside its text"):
        export(store, tmp_path / "bad.jsonl", format=fmt)
    assert not (tmp_path / "bad.jsonl").exists()


def test_native_line_is_compact_utf8_with_keys_in_order():
    doc = ExportDocument(
        "d1",
        "t",
        'a😀"b',
        {"n": 1},
        [
            ExportSpan(1, 2, "Joy", "s1", "theme", "ana", None),
            ExportSpan(1, 3, "Q", "s2", "speaker", "ben", "x\ny"),
        ],
    )
    assert (
        native_line(doc)
        == (
            '{"id":"d1","title":"t","text":"a😀\\"b","meta":{"n":1},"spans":['
            '{"id":"s1","start":1,"end":2,"text":"😀","label":"Joy","kind":"theme","annotator":"ana","note":null},'
            '{"id":"s2","start":1,"end":3,"text":"😀\\"","label":"Q","kind":"speaker","annotator":"ben",'
            '"note":"x\\ny"}]}'
        ).encode()
    )


def test_metadata_with_an_integer_beyond_64_bits_is_still_exported():
    doc = ExportDocument("d1", "t", "abc", {"big": 2**70, "name": "ü"}, [])
    assert json.loads(native_line(doc)) == {
        "id": "d1",
        "title": "t",
        "text": "abc",
        "meta": {"big": 2**70, "name": "ü"},
        "spans": [],
    }
    assert "ü".encode() in native_line(doc)


def test_cli_export_to_stdout_and_file(corpus, run_cli, project_path, tmp_path):
    store, *_ = corpus
    store.close()
    result = run_cli("export", project_path, "-", "--format", "spacy", "--only-annotated")
    assert result.code == 0
    assert len(result.out.splitlines()) == 1 and json.loads(result.out)["spans"][0]["label"] == "Science"
    assert result.err.strip() == "exported 1 document(s) and 5 span(s) to standard output"
    bad = run_cli("export", project_path, tmp_path / "missing" / "o.jsonl")
    assert bad.code == 1 and "folder does not exist" in bad.err
    assert run_cli("export", project_path, "-", "--format", "xml").code == 2


def test_csv_export_applies_the_kind_filter(store, tmp_path):
    store.add_document(
        ImportedDocument(title="t", text="x", spans=(ImportedSpan(0, 1, "L", TagKind.SPEAKER),)),
        annotator="a",
    )
    export(store, tmp_path / "o.csv", format="csv", kind="theme")
    assert (tmp_path / "o.csv").read_text(encoding="utf-8").count("\n") == 1


def test_ids_and_labels_with_quotes_are_escaped(store, tmp_path):
    doc = ImportedDocument(
        title="q",
        text='say "hi"',
        spans=(
            ImportedSpan(
                0, 3, 'a "quoted" label', TagKind.THEME, id='odd "id"\\', annotator='x"y', note='n"'
            ),
        ),
    )
    store.add_document(doc, annotator="a")
    export(store, tmp_path / "q.jsonl")
    [line] = read_lines(tmp_path / "q.jsonl")
    assert line["spans"][0] | {} == {
        "id": 'odd "id"\\',
        "start": 0,
        "end": 3,
        "text": "say",
        "label": 'a "quoted" label',
        "kind": "theme",
        "annotator": 'x"y',
        "note": 'n"',
    }


def test_the_project_file_itself_is_never_the_output(store, project_path):
    """(Links and other names are in test_export_targets.py; the file is never read here while it is open.)"""
    store.add_document(ImportedDocument(title="t", text="keep me"), annotator="a")
    for target, what in (
        (project_path, "the project itself"),
        (project_path.with_name(project_path.name + "-wal"), "the project's -wal file"),
    ):
        with pytest.raises(InvalidInputError, match=f"^{target}: is {what}; choose another output file$"):
            export(store, target)
    store.add_document(ImportedDocument(title="u", text="still writable"), annotator="a")
    assert store.document_count() == 2


def test_export_to_standard_output_is_utf8_whatever_the_console_encoding(corpus, project_path):
    """JSONL is UTF-8: a cp1252 or ASCII console must neither break the export nor transcode it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    store, *_ = corpus
    store.close()
    repo = Path(__file__).resolve().parent.parent
    outputs = []
    for encoding in ("cp1252", "ascii", "utf-8"):
        env = dict(os.environ, PYTHONIOENCODING=encoding, PYTHONPATH=str(repo))
        done = subprocess.run(
            [sys.executable, "-m", "annotator", "export", str(project_path), "-"],
            capture_output=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
        assert b"Traceback" not in done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    first = json.loads(outputs[0].decode("utf-8").splitlines()[0])
    assert first["text"] == TORTURE.replace("\r\n", "\n") and b"\r\n" not in outputs[0]


EXPORT_PEAK = """
import sys
from pathlib import Path
from annotator.exporters import export
from annotator.store import Store

def high_water_kb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

with Store.open(sys.argv[1], read_only=True) as store:
    store.document_count()
    before = high_water_kb()
    export(store, sys.argv[2])
print(before, high_water_kb())
"""


@pytest.mark.skipif(not __import__("pathlib").Path("/proc/self/status").exists(), reason="needs /proc")
def test_export_memory_stays_flat_however_large_the_corpus(tmp_path):
    """Documents stream one at a time: the exporting process's peak grows by far less than the output."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.bench.corpus import CorpusShape
    from tests.bench.export_workloads import build_project

    project, out = tmp_path / "big.annotator", tmp_path / "big.jsonl"
    build_project(project, CorpusShape(documents=600, chars_per_document=10_000, spans_per_document=30))
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    done = subprocess.run(
        [sys.executable, "-c", EXPORT_PEAK, str(project), str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    before_kb, after_kb = map(int, done.stdout.split())
    size_mb = out.stat().st_size / 2**20
    assert size_mb > 6
    grown_mb = (after_kb - before_kb) / 1024
    assert grown_mb < size_mb / 3, f"peak grew by {grown_mb:.1f} MB while writing {size_mb:.0f} MB"


def test_a_large_export_is_synced_while_it_is_written(corpus, tmp_path, monkeypatch):
    from annotator.exporters import sync

    store, *_ = corpus
    synced = []
    monkeypatch.setattr(sync, "_datasync", lambda fd: synced.append(fd))
    monkeypatch.setattr(
        "annotator.exporters.synced_in_background", lambda handle: sync.synced_in_background(handle, every=1)
    )
    export(store, tmp_path / "out.jsonl")
    assert synced  # a background sync ran before the final fsync
    assert len(read_lines(tmp_path / "out.jsonl")) == 2


def test_a_failed_background_sync_fails_the_export_and_keeps_the_old_file(corpus, tmp_path, monkeypatch):
    import errno

    from annotator.exporters import sync

    store, *_ = corpus
    out = tmp_path / "keep.jsonl"
    out.write_text("previous export\n", encoding="utf-8")

    def failing(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(sync, "_datasync", failing)
    monkeypatch.setattr(
        "annotator.exporters.synced_in_background", lambda handle: sync.synced_in_background(handle, every=1)
    )
    with pytest.raises(
        ExportError, match=r"keep.jsonl: cannot be written \(Input/output error\); nothing was changed"
    ):
        export(store, out)
    assert out.read_text(encoding="utf-8") == "previous export\n"
    assert not list(tmp_path.glob("*.partial"))


def test_a_large_replaced_export_is_deleted_after_the_new_one_is_in_place(corpus, tmp_path, monkeypatch):
    from annotator.exporters import replacing

    store, *_ = corpus
    monkeypatch.setattr(replacing, "DEFERRED_DELETE_BYTES", 1)
    out = tmp_path / "out.jsonl"
    out.write_text("previous export\n", encoding="utf-8")
    with open(out, "rb") as old:
        export(store, out)
        replacing.wait_for_deletions()
        assert os.fstat(old.fileno()).st_nlink == 0  # the old file's every name is gone: its space is freed
        assert old.read() == b"previous export\n"
    assert len(read_lines(out)) == 2
    assert [path.name for path in tmp_path.glob("*out.jsonl*")] == ["out.jsonl"]


def test_where_no_second_name_can_be_made_the_rename_deletes_the_old_file(corpus, tmp_path, monkeypatch):
    from annotator.exporters import replacing

    store, *_ = corpus
    monkeypatch.setattr(replacing, "DEFERRED_DELETE_BYTES", 1)

    def no_links(*_):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(replacing.os, "link", no_links)
    out = tmp_path / "out.jsonl"
    out.write_text("previous export\n", encoding="utf-8")
    with open(out, "rb") as old:
        export(store, out)
        assert os.fstat(old.fileno()).st_nlink == 0
    assert len(read_lines(out)) == 2 and [path.name for path in tmp_path.glob("*out.jsonl*")] == ["out.jsonl"]


def test_a_second_name_left_by_a_killed_export_is_removed_by_the_next(corpus, tmp_path):
    store, *_ = corpus
    out = tmp_path / "out.jsonl"
    out.write_text("x\n", encoding="utf-8")
    left = tmp_path / ".out.jsonl.999999999-abc.partial"
    os.link(out, left)
    export(store, out)
    assert not left.exists() and len(read_lines(out)) == 2


# -- CSV: spreadsheet-safe cells, CRLF records ------------------------------------------------------

#: A title, labels, an annotator, notes and texts that a spreadsheet would run as formulas.
FORMULA_DOC = ExportDocument(
    "d1",
    "=title",
    "=1+1 and -5 and @x",
    {},
    [
        ExportSpan(0, 4, "+L", "s1", "theme", "@ana", "\rnote"),
        ExportSpan(9, 11, "'=q", "s2", "speaker", "ben", "\tx\ny"),
        ExportSpan(16, 18, "'x", "s3", "theme", "b", None),
    ],
)
CSV_HEADER = b"document_title,document_id,start,end,label,kind,annotator,note,text\r\n"


def _csv_bytes(raw_cells: bool, *docs) -> bytes:
    """The CSV format driven as ``export`` drives it: start, each document, finish."""
    import io

    from annotator.exporters import ExportContext
    from annotator.exporters.csv import CsvFormat

    out = io.BytesIO()
    fmt = CsvFormat(out)
    fmt.start(ExportContext(raw_cells=raw_cells))
    for doc in docs:
        fmt.write_document(doc)
    assert fmt.finish() == ()
    return out.getvalue()


def test_csv_cells_a_spreadsheet_would_run_get_a_leading_quote_and_records_end_in_crlf():
    assert _csv_bytes(False, FORMULA_DOC) == CSV_HEADER + (
        b"'=title,d1,0,4,'+L,theme,'@ana,\"'\rnote\",'=1+1\r\n"
        b"'=title,d1,9,11,''=q,speaker,ben,\"'\tx\ny\",'-5\r\n"  # '=q gets one more quote: reversible
        b"'=title,d1,16,18,'x,theme,b,,'@x\r\n"
    )  # 'x is no formula: left alone


def test_raw_csv_keeps_every_cell_as_stored():
    assert _csv_bytes(True, FORMULA_DOC) == CSV_HEADER + (
        b'=title,d1,0,4,+L,theme,@ana,"\rnote",=1+1\r\n'
        b'=title,d1,9,11,\'=q,speaker,ben,"\tx\ny",-5\r\n'
        b"=title,d1,16,18,'x,theme,b,,@x\r\n"
    )


def _restore(cell: str) -> str:
    """The inverse the README gives: drop one leading ' from a cell matching ^'+[=+-@tab CR]."""
    import re

    return re.sub(r"^'(?='*[=+\-@\t\r])", "", cell)


@given(st.text(alphabet=st.sampled_from("'=+-@\t\rab,\"\n😀"), max_size=8) | st.text(max_size=8))
def test_neutralising_is_safe_and_exactly_reversible(cell):
    from annotator.exporters.csv import FORMULA_TRIGGERS, neutralise

    safe = neutralise(cell)
    assert safe[:1] not in FORMULA_TRIGGERS
    assert _restore(safe) == cell
    assert safe == cell or safe == "'" + cell


def test_csv_export_through_the_store_neutralises_and_csv_raw_does_not(store, tmp_path):
    text = '=HYPERLINK("http://x") said -5 @home'
    doc = ImportedDocument(
        title="+interview",
        text=text,
        spans=(ImportedSpan(0, 22, "=Label", TagKind.THEME, annotator="@ana", note="-note"),),
    )
    doc_id = store.add_document(doc, annotator="a").document_id
    export(store, tmp_path / "safe.csv", format="csv")
    export(store, tmp_path / "raw.csv", format="csv", csv_raw=True)
    assert (tmp_path / "safe.csv").read_bytes() == CSV_HEADER + (
        f'\'+interview,{doc_id},0,22,\'=Label,theme,\'@ana,\'-note,"\'=HYPERLINK(""http://x"")"\r\n'.encode()
    )
    assert (tmp_path / "raw.csv").read_bytes() == CSV_HEADER + (
        f'+interview,{doc_id},0,22,=Label,theme,@ana,-note,"=HYPERLINK(""http://x"")"\r\n'.encode()
    )
    with pytest.raises(InvalidInputError, match="raw cells are a CSV choice"):
        export(store, tmp_path / "raw.jsonl", format="native", csv_raw=True)


def test_cli_csv_raw_and_the_format_a_suffix_asks_for(store, run_cli, project_path, tmp_path):
    store.add_document(
        ImportedDocument(
            title="t",
            text="-5 degrees",
            spans=(ImportedSpan(0, 2, "Number", TagKind.THEME, annotator="ana"),),
        ),
        annotator="a",
    )
    store.close()
    assert run_cli("export", project_path, tmp_path / "safe.csv").code == 0  # .csv: CSV without --format
    assert (tmp_path / "safe.csv").read_bytes().endswith(b",Number,theme,ana,,'-5\r\n")
    result = run_cli("export", project_path, tmp_path / "raw.csv", "--csv-raw")
    assert result.code == 0 and (tmp_path / "raw.csv").read_bytes().endswith(b",Number,theme,ana,,-5\r\n")
    assert run_cli("export", project_path, tmp_path / "o.xlsx").code == 0
    assert (tmp_path / "o.xlsx").read_bytes()[:4] == b"PK\x03\x04"  # a ZIP: the workbook, not JSONL
    assert (
        json.loads(run_cli("export", project_path, "-").out)["spans"][0]["text"] == "-5"
    )  # no suffix: native
    wrong = run_cli("export", project_path, tmp_path / "o.jsonl", "--csv-raw")
    assert wrong.code == 1 and wrong.err == "annotator: error: --csv-raw applies only to the csv format\n"
    assert not (tmp_path / "o.jsonl").exists()

"""Plain-text import: encodings, folders, duplicates and every failure case."""

from __future__ import annotations

import codecs

import pytest

from annotator.importers import ImportOptions, importer_for
from annotator.importers.batch import collect_files, import_paths
from annotator.model import ImportedDocument
from annotator.store.documents import FTS5_DEFAULT_PENDING_BYTES
from tests.conftest import SEEDS

TEXT = "Ça commence: naïve café, 👩‍🔬 and ünïcödé.\nSecond line."


def run_import(store, *paths, **options):
    return import_paths(store, paths, annotator="tester", options=ImportOptions(**options))


def stored_texts(store):
    return [d.text for d in store.iter_documents()]


@pytest.mark.parametrize(
    ("encoded", "label"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8 with BOM"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16 with BOM"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16 with BOM"),
    ],
)
def test_unicode_encodings_decode_exactly(store, tmp_path, encoded, label):
    path = tmp_path / "doc.txt"
    path.write_bytes(encoded)
    report = run_import(store, path)
    assert report.failed == []
    [doc] = list(store.iter_documents())
    assert doc.text == TEXT
    assert doc.meta["encoding"] == label
    assert doc.title == "doc"
    assert doc.source_format == "text"


FRENCH = (
    "Les négociations ont été très difficiles à Genève; le ministre a déclaré "
    "qu'il était déçu, mais l'accord reste possible après l'été. Déjà, "
    "les délégués préparent un nouveau texte pour la réunion de février.\n"
) * 3
RUSSIAN = (
    "Переговоры в Женеве были очень трудными; министр заявил, что разочарован, "
    "но соглашение всё ещё возможно после лета. Делегаты готовят новый текст.\n"
) * 3
POLISH = (
    "Negocjacje w Genewie były bardzo trudne; minister oświadczył, że jest rozczarowany, "
    "ale porozumienie jest możliwe po lecie. Delegaci przygotowują nowy tekst.\n"
) * 3


@pytest.mark.parametrize(
    ("text", "encoding"),
    [(FRENCH, "cp1252"), (RUSSIAN, "cp1251"), (RUSSIAN, "koi8_r"), (POLISH, "cp1250"), (POLISH, "iso8859_2")],
)
def test_legacy_single_byte_encoding_is_detected(store, tmp_path, text, encoding):
    path = tmp_path / "legacy.txt"
    path.write_bytes(text.encode(encoding))
    report = run_import(store, path)
    assert report.failed == []
    [doc] = list(store.iter_documents())
    assert doc.text == text
    assert doc.meta["encoding"] == encoding


def test_crlf_files_are_normalised(store, tmp_path):
    path = tmp_path / "windows.txt"
    path.write_bytes(b"one\r\ntwo\rthree\n")
    run_import(store, path)
    assert stored_texts(store) == ["one\ntwo\nthree\n"]


def test_folder_import_is_recursive_and_skips_hidden_and_unsupported(store, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b").mkdir()
    (tmp_path / "a" / "one.txt").write_text("one", encoding="utf-8")
    (tmp_path / "a" / "b" / "two.md").write_text("# two", encoding="utf-8")
    (tmp_path / "a" / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "a" / ".hidden").mkdir()
    (tmp_path / "a" / ".hidden" / "three.txt").write_text("three", encoding="utf-8")
    report = run_import(store, tmp_path / "a")
    assert sorted(stored_texts(store)) == ["one", "two"]  # Markdown is imported as the text a reader sees
    assert report.summary() == "2 document(s) imported, 0 already in the project, 0 failed"


def test_folder_files_come_in_sorted_path_order_without_followed_folder_links(tmp_path):
    for name in (
        "a.txt",
        "a/x.txt",
        "a/b/c.md",
        "a.b/y.txt",
        "a-b/k.txt",
        "A/z.txt",
        "B.txt",
        "b.txt",
        "é.txt",
        "e.txt",
        "z/u.csv",
        "z/v.unknown",
        ".h/q.txt",
        "a/.h.txt",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name, encoding="utf-8")
    (tmp_path / "link-to-folder").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "link.txt").symlink_to(tmp_path / "a.txt")
    (tmp_path / "broken.txt").symlink_to(tmp_path / "missing.txt")
    files, problems = collect_files([tmp_path])
    assert problems == []
    assert files == [  # what sorted(rglob("*")) keeps of them
        p
        for p in sorted(tmp_path.rglob("*"))
        if p.is_file()
        and importer_for(p) is not None
        and not any(part.startswith(".") for part in p.relative_to(tmp_path).parts)
    ]
    assert [str(p.relative_to(tmp_path)) for p in files] == [
        "A/z.txt",
        "B.txt",
        "a/b/c.md",
        "a/x.txt",
        "a-b/k.txt",
        "a.b/y.txt",
        "a.txt",
        "b.txt",
        "e.txt",
        "link.txt",
        "z/u.csv",
        "é.txt",
    ]


def test_importing_the_same_text_twice_adds_nothing(store, tmp_path):
    first = tmp_path / "first.txt"
    copy = tmp_path / "copy.txt"
    first.write_text("identical text", encoding="utf-8")
    copy.write_text("identical text", encoding="utf-8")
    report = run_import(store, first, copy)
    assert [r.status for r in report.results] == ["imported", "duplicate"]
    assert report.results[1].message == "already in the project"
    assert store.document_count() == 1


def test_each_failure_is_reported_and_stores_nothing(store, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("fine", encoding="utf-8")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.txt"
    blank.write_text("  \n\t\n", encoding="utf-8")
    bad_utf16 = tmp_path / "bad16.txt"
    bad_utf16.write_bytes(codecs.BOM_UTF16_LE + b"\x00\xd8")  # a lone high surrogate
    unsupported = tmp_path / "sheet.xyz"
    unsupported.write_text("x", encoding="utf-8")
    report = run_import(store, binary, empty, blank, bad_utf16, tmp_path / "missing.txt", unsupported, good)
    reasons = {r.path.name: r.message for r in report.failed}
    assert reasons == {
        "binary.txt": "binary file, not text",
        "empty.txt": "empty file",
        "blank.txt": "empty file (only whitespace)",
        "bad16.txt": "undecodable bytes after a utf-16 byte-order mark",
        "missing.txt": "no such file or folder",
        "sheet.xyz": "unsupported file type '.xyz'",
    }
    assert stored_texts(store) == ["fine"]


def test_permission_denied_is_reported(store, tmp_path, monkeypatch):
    """As root no mode stops a read, so the refusal is simulated where the file is opened
    (tests/test_import_special_files.py runs a real one as an unprivileged user)."""
    import os

    locked = tmp_path / "locked.txt"
    locked.write_text("secret", encoding="utf-8")
    original = os.open

    def refuse(path, *args, **kwargs):
        if os.path.basename(path) == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return original(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    report = run_import(store, locked)
    assert report.failed[0].message == "permission denied"
    assert store.document_count() == 0


def test_oversized_file_is_refused_without_reading(store, tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 2048)
    report = run_import(store, big, max_file_bytes=1024)
    assert report.failed[0].message == "file is 0.002 MB; the limit is 0.001 MB"
    assert store.document_count() == 0


def test_seed_documents_import_byte_for_byte(store):
    report = run_import(store, SEEDS)
    assert len(report.of_status("imported")) == 2
    for doc in store.iter_documents():
        original = (SEEDS / f"{doc.title}.txt").read_bytes().decode("utf-8")
        assert doc.text == original


def test_batch_import_is_searchable_and_failed_files_leave_no_index_rows(store, tmp_path):
    (tmp_path / "a.txt").write_text("alpha searchable words", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\x00\x00binary")
    (tmp_path / "c.txt").write_text("gamma searchable too", encoding="utf-8")
    report = run_import(store, tmp_path)
    assert len(report.failed) == 1
    assert sorted(h.title for h in store.search("searchable")) == ["a", "c"]
    fts_rows = store.db.conn.execute("SELECT COUNT(*) FROM documents_fts").fetchone()[0]
    assert fts_rows == 2
    # the per-row trigger is back for documents added one at a time
    store.add_document(ImportedDocument(title="d", text="delta searchable"), annotator="x")
    assert sorted(h.title for h in store.search("searchable")) == ["a", "c", "d"]
    # the index checks out, and its memory setting is back at FTS5's default
    store.db.conn.execute("INSERT INTO documents_fts(documents_fts) VALUES ('integrity-check')")
    assert store.db.conn.execute("SELECT v FROM documents_fts_config WHERE k = 'hashsize'").fetchone() == (
        FTS5_DEFAULT_PENDING_BYTES,
    )


def test_a_text_twice_in_one_batch_is_stored_once_and_keeps_its_first_position(store, tmp_path):
    for name, text in (("a", "first"), ("b", "same words"), ("c", "same words"), ("d", "last")):
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    report = run_import(store, tmp_path)
    assert [r.status for r in report.results] == ["imported", "imported", "duplicate", "imported"]
    assert report.results[2].document_ids == report.results[1].document_ids
    assert [(d.title, d.position) for d in store.documents()] == [("a", 1), ("b", 2), ("d", 3)]


def test_cancel_keeps_what_was_imported(store, tmp_path):
    for name in "abcd":
        (tmp_path / f"{name}.txt").write_text(f"text {name}", encoding="utf-8")
    seen = []
    report = import_paths(
        store,
        [tmp_path],
        annotator="x",
        should_cancel=lambda: len(seen) >= 2,
        progress=lambda done, total, path: seen.append(path),
    )
    assert report.cancelled
    assert report.summary() == "2 document(s) imported, 0 already in the project, 0 failed (cancelled)"
    assert store.document_count() == 2

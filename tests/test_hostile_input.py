"""Hostile and broken input into every importer: a stored document or a clean refusal, nothing else.

Hypothesis feeds random bytes, broken structure, lone surrogates, NUL bytes
and long lines to each registered importer through the same path the
command line uses (``import_file``); an exception escaping it, or a stored
text that differs from what was read, is a bug (checked exactly for plain
text and JSONL, whose stored text is the decoded input with line endings
normalised). Random bytes almost never make a valid zip, so Word and
OpenDocument files are also built as real archives with the right part
names holding random, broken or deeply nested XML. The 200 MB test runs in
a child process so its peak memory (VmHWM) can be measured on its own.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from annotator.importers import ImportOptions, supported_suffixes
from annotator.importers.batch import FileResult, import_file
from annotator.store import Store
from annotator.textnorm import normalise_newlines
from tests.format_samples import ODT_MANIFEST, ODT_MIMETYPE, make_docx, odt_content

REPO = Path(__file__).resolve().parent.parent
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def outcome_is_clean(tmp_path: Path, suffix: str, payload: bytes) -> tuple[FileResult, list[str]]:
    """Import ``payload`` as a file with ``suffix``: stored whole, or refused with one line.

    Returns the result and the texts stored, for tests that know what should be in them.
    """
    path = tmp_path / f"hostile{suffix}"
    path.write_bytes(payload)
    store = Store.in_memory()
    try:
        result = import_file(store, path, annotator="fuzz", options=ImportOptions())
        assert result.status in ("imported", "duplicate", "failed")
        if result.status == "failed":
            assert result.message and "\n" not in result.message
            assert "Traceback" not in result.message
            assert store.document_count() == 0  # nothing of a failed file is kept
        for where, why in result.part_failures:
            assert where and why and "\n" not in why
        for document_id in result.document_ids:
            doc = store.document(document_id)
            assert "\r" not in doc.text
            doc.text.encode("utf-8")  # no lone surrogates were stored
            for a in store.annotations_for_document(document_id):
                assert 0 <= a.start < a.end <= len(doc.text)
        assert_stored_as_read(store, suffix, payload, result)
        assert store.integrity_ok()
        texts = [store.document(document_id).text for document_id in result.document_ids]
    finally:
        store.close()
    return result, texts


#: How text.py names the codec it used (in ``meta["encoding"]``) -> the codec that decodes it again.
_BOM_CODECS = {"utf-8 with BOM": "utf-8-sig", "utf-16 with BOM": "utf-16", "utf-32 with BOM": "utf-32"}


def assert_stored_as_read(store, suffix: str, payload: bytes, result: FileResult) -> None:
    """Plain text and JSONL: each stored text is exactly the decoded input, line endings normalised."""
    stored = [store.document(document_id) for document_id in result.document_ids]
    if suffix in (".txt", ".text"):
        for doc in stored:
            codec = _BOM_CODECS.get(doc.meta["encoding"], doc.meta["encoding"])
            assert doc.text == normalise_newlines(payload.decode(codec))
    elif suffix in (".jsonl", ".ndjson") and stored:
        refused = {
            where for where, _ in result.part_failures + result.skipped_parts
        }  # skipped: Prodigy's rejects
        expected: list[str] = []
        for number, raw in enumerate(payload.decode("utf-8-sig").split("\n"), start=1):
            text = (
                normalise_newlines(json.loads(raw)["text"])
                if raw.strip() and f"line {number}" not in refused
                else None
            )
            if text is not None and text not in expected:  # lines of one text are one document
                expected.append(text)
        assert [doc.text for doc in stored] == expected


@SETTINGS
@given(suffix=st.sampled_from(supported_suffixes()), payload=st.binary(max_size=4096))
def test_random_bytes_into_every_importer(tmp_path, suffix, payload):
    outcome_is_clean(tmp_path, suffix, payload)


hostile_text = st.text(
    alphabet=st.characters(codec=None, exclude_categories=()), max_size=2000
) | st.sampled_from(["\x00" * 100, "a\r\n\r\rb\u2029c", "😀" * 500, "x" * 200_000, "\ufeff\ufeff", "\r"])


@SETTINGS
@given(text=hostile_text, suffix=st.sampled_from([".txt", ".md", ".csv", ".srt", ".html", ".jsonl"]))
def test_hostile_text_with_surrogates_and_nul(tmp_path, text, suffix):
    payload = text.encode("utf-8", errors="surrogatepass")  # lone surrogates become invalid UTF-8
    outcome_is_clean(tmp_path, suffix, payload)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
span_like = st.fixed_dictionaries(
    {
        "start": st.integers(-5, 50) | st.text(max_size=3) | st.none(),
        "end": st.integers(-5, 50) | st.floats() | st.none(),
        "label": st.text(max_size=10) | st.integers() | st.none(),
    }
)
record = st.fixed_dictionaries(
    {"text": st.text(max_size=60) | st.integers() | st.none()},
    optional={
        "spans": st.lists(span_like, max_size=4) | json_values,
        "label": st.lists(st.lists(st.integers(-3, 70) | st.text(max_size=5), max_size=3), max_size=3),
        "title": json_values,
        "meta": json_values,
        "id": json_values,
    },
)


@SETTINGS
@given(lines=st.lists(record | json_values, min_size=1, max_size=6), garbage=st.binary(max_size=40))
def test_broken_jsonl_structure(tmp_path, lines, garbage):
    payload = "\n".join(json.dumps(line) for line in lines).encode("utf-8") + b"\n" + garbage
    outcome_is_clean(tmp_path, ".jsonl", payload)


# -- Word and OpenDocument: real archives holding random, broken and deep XML ---------------

xml_text = st.text(alphabet=st.sampled_from(list("ab zé😀\t\n\r<&>\"'\u2029")), max_size=12)


def xml_tree(tags: list[str], leaves) -> st.SearchStrategy[str]:
    """Random well-formed XML fragments over ``tags``, a few levels deep."""

    def element(children) -> st.SearchStrategy[str]:
        return st.builds(
            lambda tag, inner: f"<{tag}>{''.join(inner)}</{tag}>",
            st.sampled_from(tags),
            st.lists(children, max_size=4),
        )

    return st.recursive(leaves | xml_text.map(escape), element, max_leaves=15)


def wrapped(fragment: str, tag: str, depth: int) -> str:
    """``fragment`` inside ``depth`` nested ``tag`` elements (built flat: no recursion)."""
    return f"<{tag}>" * depth + fragment + f"</{tag}>" * depth


def broken(data: bytes, how: str, percent: int, junk: bytes) -> bytes:
    """``data`` left whole, cut short, with junk spliced in, or with its first '>' removed."""
    at = len(data) * percent // 100
    return {
        "whole": data,
        "cut": data[:at],
        "junk": data[:at] + junk + data[at:],
        "unclosed": data.replace(b">", b"", 1),
    }[how]


damage = st.tuples(
    st.sampled_from(["whole", "whole", "cut", "junk", "unclosed"]),
    st.integers(1, 99),
    st.binary(min_size=1, max_size=8),
)
#: Often deep enough to cross lxml's 256-level limit and the recursion limit, which hypothesis
#: raises by about 2,000 frames while a test runs (integers, not sampled_from: hypothesis
#: draws the first of a sample far more often).
depths = st.just(0) | st.integers(1, 6000)
#: Every generated body starts with a paragraph holding this word, so a valid file has text to find.
ANCHOR = "anchorword"

ODT_TAGS = [
    "text:p",
    "text:h",
    "text:span",
    "text:a",
    "text:list",
    "text:list-item",
    "text:section",
    "text:p",
    "table:table",
    "table:table-row",
    "table:table-cell",
    "table:table-header-rows",
    "text:note",
    "office:annotation",
    "text:bookmark-ref",
    "text:unknown",
]
ODT_LEAVES = st.sampled_from(["<text:tab/>", "<text:line-break/>", "<text:s/>"]) | st.builds(
    lambda c: f"<text:s text:c={quoteattr(c)}/>", st.sampled_from(["3", "-2", "x", "99999999999", ""])
)


def zip_bytes(parts: dict[str, bytes]) -> bytes:
    """A deflated zip archive of ``parts`` (an ODT's mimetype first and stored, as the format asks)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            kind = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=kind)
    return buffer.getvalue()


@st.composite
def odt_archives(draw) -> tuple[bytes, bool]:
    """An ODT archive whose body is random XML inside containers nested up to 6,000 deep, perhaps broken.

    Also returns whether every XML part is well-formed: such a file must be read.
    """
    body = f"<text:p>{ANCHOR}</text:p>" + draw(xml_tree(ODT_TAGS, ODT_LEAVES))
    body = wrapped(body, draw(st.sampled_from(ODT_TAGS[:7])), draw(depths))
    how, percent, junk = draw(damage)
    parts = {
        "mimetype": ODT_MIMETYPE,
        "META-INF/manifest.xml": ODT_MANIFEST.encode(),
        "content.xml": broken(odt_content(body), how, percent, junk),
    }
    meta = draw(st.sampled_from(["none", "random", "broken"]))
    if meta != "none":
        fields = draw(xml_tree(["dc:title", "meta:initial-creator", "office:meta", "dc:date"], st.nothing()))
        xml = odt_content(fields).replace(b"office:document-content", b"office:document-meta")
        parts["meta.xml"] = xml[: len(xml) // 2] if meta == "broken" else xml
    return zip_bytes(parts), how == "whole" and meta != "broken"


DOCX_TAGS = [
    "w:p",
    "w:r",
    "w:t",
    "w:tbl",
    "w:tr",
    "w:tc",
    "w:sdt",
    "w:sdtContent",
    "w:ins",
    "w:del",
    "w:delText",
    "w:hyperlink",
    "w:smartTag",
    "w:customXml",
    "w:pPr",
    "w:drawing",
    "w:unknown",
]
DOCX_LEAVES = st.sampled_from(["<w:tab/>", "<w:br/>", "<w:cr/>", "<w:noBreakHyphen/>", "<w:t/>"])
W_DOCUMENT = (
    '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
    '2006/main"><w:body>{}</w:body></w:document>'
)


_RELS = '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>'
_PACKAGE_RELS = _RELS.format(
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/'
    'package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
)


@cache
def docx_parts() -> dict[str, bytes]:
    """The smallest Word package python-docx opens: its own content types and core properties, our rels.

    Built once from a file python-docx made, minus styles, theme and the
    rest: a dozen parts of 18,000 elements would make each example slow.
    """
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = make_docx(Path(folder) / "base.docx", paragraphs=["base"])
        with zipfile.ZipFile(path) as archive:
            kept = {name: archive.read(name) for name in ("[Content_Types].xml", "docProps/core.xml")}
    return {
        **kept,
        "_rels/.rels": _PACKAGE_RELS.encode(),
        "word/_rels/document.xml.rels": _RELS.format("").encode(),
    }


@st.composite
def docx_archives(draw) -> tuple[bytes, int | None]:
    """A real Word package whose body is random XML inside content controls up to 6,000 deep, perhaps broken.

    Also returns the nesting depth when every part is intact (else None).
    """
    body = f"<w:p><w:r><w:t>{ANCHOR}</w:t></w:r></w:p>" + draw(xml_tree(DOCX_TAGS, DOCX_LEAVES))
    depth = draw(depths)
    body = wrapped(body, draw(st.sampled_from(["w:sdt", "w:sdtContent", "w:customXml"])), depth)
    how, percent, junk = draw(damage)
    parts = dict(docx_parts())
    parts["word/document.xml"] = broken(W_DOCUMENT.format(body).encode(), how, percent, junk)
    side = draw(
        st.sampled_from(
            [
                None,
                None,
                "[Content_Types].xml",
                "_rels/.rels",
                "word/_rels/document.xml.rels",
                "docProps/core.xml",
            ]
        )
    )
    if side is not None:
        parts[side] = draw(st.sampled_from([b"", b"<x/>", b"<broken", parts[side][:40]]))
    return zip_bytes(parts), depth if how == "whole" and side is None else None


#: Each archive example opens a real package (python-docx reads a dozen parts): fewer of them.
ARCHIVE_SETTINGS = settings(SETTINGS, max_examples=25)


def odt_nested(depth: int) -> tuple[bytes, bool]:
    """A valid ODT whose anchor paragraph sits in ``depth`` nested spans: always tried."""
    body = wrapped(f"<text:p>{ANCHOR}</text:p>", "text:span", depth)
    return zip_bytes({"mimetype": ODT_MIMETYPE, "content.xml": odt_content(body)}), True


def docx_nested(depth: int) -> tuple[bytes, int]:
    """A valid Word file whose anchor paragraph sits in ``depth`` nested content controls."""
    body = wrapped(f"<w:p><w:r><w:t>{ANCHOR}</w:t></w:r></w:p>", "w:sdt", depth)
    return zip_bytes({**docx_parts(), "word/document.xml": W_DOCUMENT.format(body).encode()}), depth


@ARCHIVE_SETTINGS
@given(archive=odt_archives())
@example(archive=odt_nested(5000))
def test_odt_archives_with_random_and_broken_xml(tmp_path, archive):
    payload, valid = archive
    result, texts = outcome_is_clean(tmp_path, ".odt", payload)
    if valid:  # nesting is read without recursion, however deep
        assert (result.status, result.message) == ("imported", "")
        assert ANCHOR in texts[0]


@ARCHIVE_SETTINGS
@given(archive=docx_archives())
@example(archive=docx_nested(5000))
def test_docx_archives_with_random_and_broken_xml(tmp_path, archive):
    payload, depth = archive
    result, texts = outcome_is_clean(tmp_path, ".docx", payload)
    if depth is not None and depth <= 200:
        assert (result.status, result.message) == ("imported", "")
        assert ANCHOR in texts[0]
    elif depth is not None and depth >= 256:  # past lxml's 256 levels
        assert result.message == "corrupt DOCX file (structure nested too deeply to read)"


BIG_FILE_CHILD = """
    import sys
    from pathlib import Path
    from annotator.importers import ImportOptions
    from annotator.importers.batch import import_file
    from annotator.store import Store
    store = Store.in_memory()
    result = import_file(store, Path(sys.argv[1]), annotator="a", options=ImportOptions())
    print(result.status)
    print(result.message)
    # VmHWM is this program's own peak; ru_maxrss would include the parent's
    # memory from before exec on Linux.
    status = Path("/proc/self/status").read_text().splitlines()
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))  # KiB
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory read from Linux /proc")
def test_a_200_mb_text_file_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "huge.txt"
    with big.open("wb") as handle:  # a sparse file would do, but write real bytes
        line = b"word " * 200 + b"\n"
        for _ in range(200 * 1024 * 1024 // len(line) + 1):
            handle.write(line)
    assert big.stat().st_size > 200 * 1024 * 1024
    env = dict(os.environ, PYTHONPATH=str(REPO))
    child = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(BIG_FILE_CHILD), str(big)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    status, message, peak_kib = child.stdout.splitlines()
    assert status == "failed"
    assert "MB" in message and "limit" in message
    assert int(peak_kib) < 150 * 1024  # far below the file's size: it was never read

"""Hostile and broken input into every importer: a stored document or a clean refusal, nothing else.

Hypothesis feeds random bytes, broken structure, lone surrogates, NUL bytes
and long lines to each registered importer through the same path the
command line uses (``import_file``); an exception escaping it, or a stored
text that differs from what was read, is a bug. The 200 MB test runs in a
child process so its peak memory (VmHWM) can be measured on its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.importers import ImportOptions, supported_suffixes
from annotator.importers.batch import import_file
from annotator.store import Store

REPO = Path(__file__).resolve().parent.parent
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def outcome_is_clean(tmp_path: Path, suffix: str, payload: bytes) -> None:
    """Import ``payload`` as a file with ``suffix``: stored whole, or refused with one line."""
    path = tmp_path / f"hostile{suffix}"
    path.write_bytes(payload)
    store = Store.in_memory()
    try:
        result = import_file(store, path, annotator="fuzz", options=ImportOptions())
        assert result.status in ("imported", "duplicate", "failed")
        if result.status == "failed":
            assert result.message and "\n" not in result.message.strip()
            assert "Traceback" not in result.message
        for document_id in result.document_ids:
            doc = store.document(document_id)
            assert "\r" not in doc.text
            doc.text.encode("utf-8")  # no lone surrogates were stored
            for a in store.annotations_for_document(document_id):
                assert 0 <= a.start < a.end <= len(doc.text)
        assert store.integrity_ok()
    finally:
        store.close()


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
span_like = st.fixed_dictionaries({
    "start": st.integers(-5, 50) | st.text(max_size=3) | st.none(),
    "end": st.integers(-5, 50) | st.floats() | st.none(),
    "label": st.text(max_size=10) | st.integers() | st.none(),
})
record = st.fixed_dictionaries(
    {"text": st.text(max_size=60) | st.integers() | st.none()},
    optional={"spans": st.lists(span_like, max_size=4) | json_values,
              "label": st.lists(st.lists(st.integers(-3, 70) | st.text(max_size=5), max_size=3), max_size=3),
              "title": json_values, "meta": json_values, "id": json_values},
)


@SETTINGS
@given(lines=st.lists(record | json_values, min_size=1, max_size=6), garbage=st.binary(max_size=40))
def test_broken_jsonl_structure(tmp_path, lines, garbage):
    payload = "\n".join(json.dumps(line) for line in lines).encode("utf-8") + b"\n" + garbage
    outcome_is_clean(tmp_path, ".jsonl", payload)


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
    child = subprocess.run([sys.executable, "-c", textwrap.dedent(BIG_FILE_CHILD), str(big)],
                           capture_output=True, text=True, env=env, timeout=120)
    assert child.returncode == 0, child.stderr
    status, message, peak_kib = child.stdout.splitlines()
    assert status == "failed"
    assert "MB" in message and "limit" in message
    assert int(peak_kib) < 150 * 1024  # far below the file's size: it was never read

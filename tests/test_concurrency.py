"""Two processes writing to one project at once: no lost writes, no "database is locked".

Both children wait on their standard input until the test releases them
together, then write as fast as they can: single annotations (each its own
transaction, as in the window) and batches (as an import or a merge does).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from annotator.model import ImportedDocument, TagKind
from annotator.store import Store

REPO = Path(__file__).resolve().parent.parent

WRITER = """
    import sys
    from annotator.model import Annotation, new_id, utc_now
    from annotator.store import Store
    project, document_id, tag_id, who = sys.argv[1:5]
    store = Store.open(project)
    print("READY", flush=True)
    sys.stdin.readline()
    for i in range(150):
        a = store.add_annotation(document_id=document_id, start=i, end=i + 2, tag_id=tag_id, annotator=who)
        print(a.id, flush=True)
        if i % 25 == 0:
            now = utc_now()
            batch = [Annotation(new_id(), document_id, j, j + 1, tag_id, who, None, now, now) for j in range(20)]
            store.insert_annotations(batch)
            for b in batch:
                print(b.id, flush=True)
    store.close()
"""


def test_two_writers_lose_nothing(project_path):
    with Store.create(project_path) as store:
        doc = store.add_document(ImportedDocument(title="t", text="x" * 500), annotator="a")
        tag = store.add_tag(kind=TagKind.THEME, name="Joy")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    children = [
        subprocess.Popen([sys.executable, "-c", textwrap.dedent(WRITER), str(project_path),
                          doc.document_id, tag.id, who],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env)
        for who in ("ana", "ben")
    ]
    try:
        for child in children:
            assert child.stdout.readline().strip() == "READY"
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        outputs = [child.communicate(timeout=120) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait(timeout=60)
    for child, (_, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        assert "locked" not in err
    confirmed = {line for out, _ in outputs for line in out.split()}
    assert len(confirmed) == 2 * (150 + 6 * 20)
    with Store.open(project_path) as store:
        assert store.integrity_ok()
        stored = {a.id for a in store.annotations_for_document(doc.document_id)}
        assert store.annotators() == ["ana", "ben"]
    assert stored == confirmed

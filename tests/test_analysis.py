"""annotator.analysis: project statistics computed from the store, with no face attached."""

from __future__ import annotations

import subprocess
import sys

from annotator.analysis.stats import project_stats
from annotator.model import ImportedDocument, TagKind
from annotator.store import Store
from tests.conftest import REPO


def test_project_stats_counts_and_orders():
    store = Store.in_memory()
    first = store.add_document(ImportedDocument(title="a", text="héllo wörld"), annotator="x").document_id
    store.add_document(ImportedDocument(title="b", text="🙂 ok"), annotator="x")
    later = store.add_tag(kind=TagKind.THEME, name="zeta")
    earlier = store.add_tag(kind=TagKind.THEME, name="alpha")
    store.add_tag(kind=TagKind.THEME, name="unused")
    speaker = store.add_tag(kind=TagKind.SPEAKER, name="Interviewer")
    store.reorder_tags([earlier.id, later.id])
    for tag, who, start in ((later, "ben", 0), (earlier, "ana", 1), (later, "ana", 2), (speaker, "cy", 0)):
        store.add_annotation(document_id=first, start=start, end=start + 2, tag_id=tag.id, annotator=who)
    stats = project_stats(store)
    assert stats == {
        "documents": 2,
        "characters": len("héllo wörld") + len("🙂 ok"),  # code points, an emoji is one
        "tags": {"theme": 3, "speaker": 1},
        "annotations": 4,
        "per_tag": {"alpha": 1, "zeta": 2, "Interviewer": 1},  # palette order, used tags only
        "per_annotator": {"ana": 2, "ben": 1, "cy": 1},
    }
    assert list(stats["per_tag"]) == ["alpha", "zeta", "Interviewer"]


def test_an_empty_project():
    assert project_stats(Store.in_memory()) == {
        "documents": 0,
        "characters": 0,
        "tags": {"theme": 0, "speaker": 0},
        "annotations": 0,
        "per_tag": {},
        "per_annotator": {},
    }


def test_analysis_never_imports_qt_or_a_face():
    code = (
        "import sys, annotator.analysis, annotator.analysis.stats\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'annotator.gui', 'annotator.cli'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert done.stdout.strip() == "[]"

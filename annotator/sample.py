"""The sample project: the shipped corpus and its starter tag scheme, ready to annotate."""

from __future__ import annotations

from pathlib import Path

from annotator.importers.batch import import_paths
from annotator.ops import ImportScheme, run
from annotator.resources import seed_documents, seed_scheme
from annotator.scheme import load_scheme
from annotator.settings import default_project_path, resolve_annotator
from annotator.store import Store


def fill_with_sample(store: Store, *, annotator: str) -> None:
    """Import the sample documents and the starter scheme into ``store``."""
    run(store, ImportScheme(load_scheme(seed_scheme())))
    import_paths(store, seed_documents(), annotator=annotator)


def ensure_default_project(path: Path | None = None) -> Path:
    """The user's default project, created with the sample corpus on first use."""
    path = path or default_project_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".creating")
        partial.unlink(missing_ok=True)
        with Store.create(partial, name=path.stem) as store:
            fill_with_sample(store, annotator=resolve_annotator())
        partial.replace(path)
    return path

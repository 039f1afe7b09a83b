"""Small project files for the review tests: one shared text, spans by one annotator each."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from annotator.model import ImportedDocument
from annotator.store import Store

SHARED = "Ana met Ben in Geneva to talk about security and trade."
ONLY_THEIRS = "A document only the colleague has."


def digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    """Names in a folder, sorted."""
    return sorted(p.name for p in Path(folder).iterdir())


def folder_digests(folder: Path) -> dict[str, str]:
    """Every file of a folder with the SHA-256 of its bytes."""
    return {name: digest(Path(folder) / name) for name in listing(folder)}


def make_project(path: Path, annotator: str, spans, *, extra_doc: bool = False, share: bool = True) -> Path:
    """A project with the shared text and spans (piece, tag, kind) by one annotator.

    ``share`` leaves it as a colleague sends it: one file in rollback-journal mode.
    """
    with Store.create(path) as store:
        doc = store.add_document(ImportedDocument(title="talk", text=SHARED), annotator=annotator).document_id
        if extra_doc:
            store.add_document(ImportedDocument(title="theirs", text=ONLY_THEIRS), annotator=annotator)
        for piece, tag_name, kind in spans:
            tag = store.ensure_tag(kind=kind, name=tag_name)
            start = SHARED.index(piece)
            store.add_annotation(
                document_id=doc, start=start, end=start + len(piece), tag_id=tag.id, annotator=annotator
            )
    if share:
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.close()
    return path


def make_pair(tmp_path: Path) -> tuple[Path, Path]:
    """Our project (ana) and a colleague's file (ben) in a folder of its own."""
    ours = make_project(
        tmp_path / "ours.annotator", "ana", [("security", "Security", "theme"), ("Ana", "Ana", "speaker")]
    )
    shared_folder = tmp_path / "shared"
    shared_folder.mkdir()
    theirs = make_project(
        shared_folder / "ben.annotator",
        "ben",
        [("security and trade", "security", "theme"), ("Ben", "Ben", "speaker")],
        extra_doc=True,
    )
    return ours, theirs

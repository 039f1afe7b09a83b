"""The sample corpus ships byte for byte and the default project is made from it once."""

from __future__ import annotations

import hashlib

from annotator.model import TagKind
from annotator.sample import ensure_default_project
from annotator.settings import default_project_path
from annotator.store import Store
from tests.conftest import SEEDS

SEED_SHA256 = {
    "000_0976646cfc479a1b.txt": "0ba2855ed1dc631057e06252e1faf3d026890263753c1a9c70041e1d15a709c6",
    "003_9851d8e3c5c57f74.txt": "822edd6808226ce64fd58d4c695b1e1395166f7fb9cd45ff986ddfdef7b8e0e8",
}


def test_seed_documents_are_the_published_bytes():
    found = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SEEDS.glob("*.txt")}
    assert found == SEED_SHA256


def test_default_project_is_created_once_with_the_sample(isolated_user_dirs):
    path = ensure_default_project()
    assert path == default_project_path()
    assert path.parent == isolated_user_dirs / "data"
    with Store.open(path) as store:
        assert [d.title for d in store.documents()] == ["000_0976646cfc479a1b", "003_9851d8e3c5c57f74"]
        assert len(store.tags(TagKind.THEME)) == 10 and len(store.tags(TagKind.SPEAKER)) == 3
        store.add_tag(kind="theme", name="Mine")
    assert ensure_default_project() == path
    with Store.open(path) as store:
        assert store.find_tag("theme", "Mine") is not None  # not recreated
    assert sorted(p.name for p in path.parent.iterdir() if p.name.endswith(".creating")) == []

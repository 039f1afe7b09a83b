"""Project statistics: the counts a researcher asks for first."""

from __future__ import annotations

from collections import Counter
from typing import Any

from annotator.model import TagKind
from annotator.store import Store


def project_stats(store: Store) -> dict[str, Any]:
    """Documents, characters, tags by kind, annotations, and annotations per tag and per annotator.

    ``per_tag`` lists the tags in use in palette order; ``per_annotator`` is
    sorted by name. The result is plain JSON-ready values.
    """
    tags = {tag.id: tag for tag in store.tags()}
    usage = store.tag_usage()
    per_annotator = Counter(a.annotator for a in store.iter_annotations())
    documents = store.documents()
    return {
        "documents": len(documents),
        "characters": sum(d.length for d in documents),
        "tags": {
            "theme": sum(t.kind is TagKind.THEME for t in tags.values()),
            "speaker": sum(t.kind is TagKind.SPEAKER for t in tags.values()),
        },
        "annotations": store.annotation_count(),
        "per_tag": {tags[t].name: n for t, n in sorted(usage.items(), key=lambda i: tags[i[0]].position)},
        "per_annotator": dict(sorted(per_annotator.items())),
    }


__all__ = ["project_stats"]

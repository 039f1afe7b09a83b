"""REFI-QDA (QDA-XML 1.0) exchange with NVivo, ATLAS.ti, MAXQDA and QualCoder.

A ``.qdpx`` is a ZIP holding ``project.qde`` (the project as XML) and the
sources; a ``.qdc`` is a codebook alone. Writing streams the XML so memory
stays flat; reading is defused (no entities, no network), bounded, and works
out per source which offset counting the writing vendor used.
"""

from __future__ import annotations

import re
import uuid

#: Namespace of project files (``project.qde``), as ``Project.xsd`` declares it.
PROJECT_NS = "urn:QDA-XML:project:1.0"
#: Namespace of codebook files (``.qdc``), as ``Codebook.xsd`` declares it.
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"

#: The namespace of every GUID derived from a name (users, variables, sets) or from another id
#: (a span's coding and note), so the same project exports the same GUIDs every time.
GUID_NAMESPACE = uuid.UUID("0f13d2c6-1508-4972-8811-9fc53e9261fb")

#: The schemas' ``GUIDType``: 8-4-4-4-12 hexadecimal digits, optionally in braces.
GUID_PATTERN = re.compile(
    r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"|(\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\})"
)


def derived_guid(kind: str, key: str) -> str:
    """A GUID made from ``kind`` and ``key`` alone (uuid5), the same in every export and on every machine."""
    return str(uuid.uuid5(GUID_NAMESPACE, f"{kind}:{key}"))


def guid_of(stored_id: str) -> str:
    """A stored id as the schemas' GUID: itself when it is one (our ids are UUIDs), else derived from it."""
    if GUID_PATTERN.fullmatch(stored_id):
        return stored_id
    return derived_guid("id", stored_id)


def user_guid(name: str) -> str:
    """The GUID of an annotator's ``User``: derived from the name, so stable for that name across exports."""
    return derived_guid("user", name)

"""REFI-QDA (QDA-XML 1.0) exchange with NVivo, ATLAS.ti, MAXQDA and QualCoder.

A ``.qdpx`` is a ZIP holding ``project.qde`` (the project as XML) and the
sources; a ``.qdc`` is a codebook alone. Writing streams the XML so memory
stays flat; reading is defused (no entities, no network), bounded, and works
out per source which offset counting the writing vendor used.
"""

from __future__ import annotations

#: Namespace of project files (``project.qde``), as ``Project.xsd`` declares it.
PROJECT_NS = "urn:QDA-XML:project:1.0"
#: Namespace of codebook files (``.qdc``), as ``Codebook.xsd`` declares it.
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"

"""Per-user settings and places, found with platformdirs (no Qt here).

``ANNOTATOR_CONFIG_DIR`` and ``ANNOTATOR_DATA_DIR`` override the platform
folders, so tests and portable installs never touch a real home.
"""

from __future__ import annotations

import getpass
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

APP_NAME = "annotator"
DEFAULT_PROJECT_NAME = "My project.annotator"
PROJECT_SUFFIX = ".annotator"


def config_dir() -> Path:
    """Folder of the settings file."""
    override = os.environ.get("ANNOTATOR_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    """Folder of the default project and of automatic backups."""
    override = os.environ.get("ANNOTATOR_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME))


def default_project_path() -> Path:
    """The project opened when none is named."""
    return data_dir() / DEFAULT_PROJECT_NAME


@dataclass
class Settings:
    """What Annotator remembers for a user between runs."""

    annotator: str | None = None
    recent_projects: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @classmethod
    def load(cls) -> Settings:
        """Read the settings file; a missing or unreadable one gives defaults."""
        try:
            raw = json.loads((config_dir() / "settings.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(raw, dict):
            return cls()
        recent = raw.get("recent_projects", [])
        return cls(
            annotator=raw.get("annotator") if isinstance(raw.get("annotator"), str) else None,
            recent_projects=[p for p in recent if isinstance(p, str)] if isinstance(recent, list) else [],
            extra=raw.get("extra", {}) if isinstance(raw.get("extra"), dict) else {},
        )

    def save(self) -> None:
        """Write the settings file atomically (temporary file, then rename)."""
        folder = config_dir()
        folder.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(
            {"annotator": self.annotator, "recent_projects": self.recent_projects, "extra": self.extra},
            ensure_ascii=False,
            indent=2,
        )
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, delete=False) as tmp:
            tmp.write(payload)
        os.replace(tmp.name, folder / "settings.json")

    def remember_project(self, path: str | Path, *, keep: int = 10) -> None:
        """Put a project first in the recent list."""
        text = str(Path(path).resolve())
        self.recent_projects = [text] + [p for p in self.recent_projects if p != text][: keep - 1]


def system_user_name() -> str:
    """The operating-system user name, or 'annotator' if there is none."""
    try:
        return getpass.getuser() or "annotator"
    except Exception:  # getuser raises various errors when no name is set
        return "annotator"


def resolve_annotator(explicit: str | None = None) -> str:
    """The annotator's name: given explicitly, else from settings, else the OS user."""
    if explicit and explicit.strip():
        return explicit.strip()
    stored = Settings.load().annotator
    if stored and stored.strip():
        return stored.strip()
    return system_user_name()

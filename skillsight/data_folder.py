"""Where SkillSight keeps its data, and the database's error: without the database stack (sqlalchemy),
so the command line and other light callers can name them without loading it. storage.py re-exports
them."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "SKILLSIGHT_DATA_DIR"


def default_data_dir() -> Path:
    """Where SkillSight keeps its database and session files ($SKILLSIGHT_DATA_DIR overrides)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("skillsight", appauthor=False))


class DatabaseError(RuntimeError):
    """The database cannot be opened or is newer than this SkillSight."""

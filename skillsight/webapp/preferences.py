"""Each user's chosen scorer model and expert reference per procedure, kept across restarts.

One small JSON file per user under the data folder (written atomically); an empty choice means the
shipped default. A file that is missing or unreadable reads as "all defaults".
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from skillsight.base.atomic import write_json_atomic

EMPTY_CHOICE = {"model": "", "reference": ""}


def preferences_path(data_dir: Path, user: str) -> Path:
    """The user's file; the name is a hash, so any user name is a safe file name."""
    digest = hashlib.sha256(user.encode("utf-8")).hexdigest()[:16]
    return Path(data_dir) / "preferences" / f"{digest}.json"


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def chosen_models(data_dir: Path, user: str, procedure: str) -> dict[str, str]:
    """{"model": path or "", "reference": path or ""} for this user and procedure; files that have gone
    since they were chosen fall back to the default."""
    entry = _read(preferences_path(data_dir, user)).get("procedures", {}).get(procedure, {})
    choice = dict(EMPTY_CHOICE)
    for key in choice:
        value = str(entry.get(key) or "") if isinstance(entry, dict) else ""
        choice[key] = value if value and Path(value).exists() else ""
    return choice


def save_choice(data_dir: Path, user: str, procedure: str, model: str, reference: str) -> dict[str, str]:
    path = preferences_path(data_dir, user)
    data = _read(path)
    data["user"] = user
    data.setdefault("procedures", {})[procedure] = {"model": model or "", "reference": reference or ""}
    write_json_atomic(path, data)
    return {"model": model or "", "reference": reference or ""}

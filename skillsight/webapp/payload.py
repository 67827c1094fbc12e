"""What the scripting API (/assess) returns: plain JSON, file names only, never a server path."""

from __future__ import annotations

from typing import Any


def public_payload(value: Any) -> Any:
    """Plain JSON for the /assess endpoint and scripts: no server paths, and no dict a client could take
    for a file to download (gradio_client treats any dict with a "path" key as one). A `path` or
    `*_path` entry becomes `file` / `*_file` with the file's name only; any other absolute path string
    keeps only its name."""
    if isinstance(value, dict):
        plain: dict[str, Any] = {}
        for key, item in value.items():
            name = str(key)
            if name == "path" or name.endswith("_path"):
                plain[name[: -len("path")] + "file"] = _file_name(item)
            else:
                plain[name] = public_payload(item)
        return plain
    if isinstance(value, (list, tuple)):
        return [public_payload(item) for item in value]
    if isinstance(value, str) and _looks_like_server_path(value):
        return _file_name(value)
    return value


def _looks_like_server_path(text: str) -> bool:
    return (
        text.startswith("/") or (len(text) > 2 and text[1] == ":" and text[2] in "\\/")
    ) and "\n" not in text


def _file_name(value: Any) -> Any:
    """The last part of a POSIX or Windows path."""
    return str(value).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] if value else value

"""Shipped scorers (ONNX + JSON model card) and expert references (JSON), versioned by file name.

Files are named ``<procedure>-scorer-v<N>.onnx`` (with ``<procedure>-scorer-v<N>.json``, its card) and
``<procedure>-reference-v<N>.json``; the defaults are the highest version present. They are built by
``scripts/build_default_models.py`` from the synthetic generator only, and say so in their files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional


class DefaultModelMissing(FileNotFoundError):
    """No shipped model or reference exists for a procedure."""


def shipped_models_dir() -> Path:
    return Path(__file__).resolve().parent


def _shipped(kind: str, suffix: str, folder: Optional[Path] = None) -> dict[str, list[tuple[int, Path]]]:
    """procedure -> [(version, path)] of the `kind` files ("<procedure>-<kind>-v<N><suffix>") in `folder`."""
    pattern = re.compile(rf"^(?P<procedure>.+)-{kind}-v(?P<version>\d+){re.escape(suffix)}$")
    found: dict[str, list[tuple[int, Path]]] = {}
    for path in (folder or shipped_models_dir()).glob(f"*{suffix}"):
        match = pattern.match(path.name)
        if match:
            found.setdefault(match["procedure"], []).append((int(match["version"]), path))
    return found


def _latest(procedure: str, kind: str, suffix: str, folder: Optional[Path] = None) -> Path:
    folder = folder or shipped_models_dir()
    shipped = _shipped(kind, suffix, folder)
    if procedure not in shipped:
        names = ", ".join(sorted(shipped)) or "no procedure"
        option, command = (
            ("--model", "train ... --out DIR") if kind == "scorer" else ("--reference", "reference build")
        )
        raise DefaultModelMissing(
            f"no shipped {kind} for procedure {procedure!r} in {folder} "
            f"(expected {procedure}-{kind}-v1{suffix}; shipped ones are for {names}): "
            f"pass your own with {option}, made with `skillsight {command}`"
        )
    return max(shipped[procedure])[1]


def shipped_procedures(kind: str = "scorer", folder: Optional[Path] = None) -> list[str]:
    """The procedures that have a shipped `kind` ("scorer" or "reference") in `folder`."""
    return sorted(_shipped(kind, ".onnx" if kind == "scorer" else ".json", folder))


def default_model_path(procedure: str, folder: Optional[Path] = None) -> Path:
    """The shipped scorer (ONNX file; its card is the .json beside it) for a procedure: the latest version."""
    return _latest(procedure, "scorer", ".onnx", folder)


def default_reference_path(procedure: str, folder: Optional[Path] = None) -> Path:
    """The shipped expert reference for a procedure: the latest version."""
    return _latest(procedure, "reference", ".json", folder)

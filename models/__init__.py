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


def _latest(procedure: str, kind: str, suffix: str, folder: Optional[Path] = None) -> Path:
    folder = folder or shipped_models_dir()
    pattern = re.compile(rf"^{re.escape(procedure)}-{kind}-v(\d+){re.escape(suffix)}$")
    versions = [(int(m.group(1)), p) for p in folder.glob(f"*{suffix}") if (m := pattern.match(p.name))]
    if not versions:
        shipped = ", ".join(shipped_procedures(kind, folder)) or "no procedure"
        option, command = (
            ("--model", "train ... --out DIR") if kind == "scorer" else ("--reference", "reference build")
        )
        raise DefaultModelMissing(
            f"no shipped {kind} for procedure {procedure!r} in {folder} "
            f"(expected {procedure}-{kind}-v1{suffix}; shipped ones are for {shipped}): "
            f"pass your own with {option}, made with `skillsight {command}`"
        )
    return max(versions)[1]


def shipped_procedures(kind: str = "scorer", folder: Optional[Path] = None) -> list[str]:
    """The procedures that have a shipped `kind` ("scorer" or "reference") in `folder`."""
    suffix = ".onnx" if kind == "scorer" else ".json"
    pattern = re.compile(rf"^(.+)-{kind}-v\d+{re.escape(suffix)}$")
    found = {
        m.group(1)
        for p in (folder or shipped_models_dir()).glob(f"*{suffix}")
        if (m := pattern.match(p.name))
    }
    return sorted(found)


def default_model_path(procedure: str, folder: Optional[Path] = None) -> Path:
    """The shipped scorer (ONNX file; its card is the .json beside it) for a procedure: the latest version."""
    return _latest(procedure, "scorer", ".onnx", folder)


def default_reference_path(procedure: str, folder: Optional[Path] = None) -> Path:
    """The shipped expert reference for a procedure: the latest version."""
    return _latest(procedure, "reference", ".json", folder)

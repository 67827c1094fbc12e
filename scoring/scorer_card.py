"""Scorer model cards: the JSON beside each ONNX file (what the model reads, its levels, interval and
provenance), its one writer and reader, and the integrity check of card and ONNX file together.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union

from skillsight.base.hashing import file_sha256
from skillsight.manifest import ManifestError, confined_path, verify, write_sealed_card

CARD_KIND = "scorer"
CARD_FORMAT_VERSION = 1
ONNX_INPUT = "features"
ONNX_PROBABILITIES = "probabilities"
ONNX_SCORE = "score"

PathLike = Union[str, "os.PathLike[str]"]


class ModelError(ValueError):
    """A model file or model card cannot be used."""


class ModelSchemaError(ModelError):
    """The model was built for other inputs (motion kind, units or features) than those offered."""


class ModelIntegrityError(ModelError):
    """The model file does not match the sha256 its card records (tampered or corrupted)."""


def write_model_card(card_path: PathLike, card: Mapping[str, Any]) -> dict[str, Any]:
    """The one writer of scorer cards: seals the card and its ONNX file under one manifest hash
    (skillsight.manifest) and writes it atomically. Whoever adds a section to cards goes through here."""

    path = Path(card_path)
    onnx_name = str(card["onnx_file"])
    return write_sealed_card(path, {**card, "sha256": file_sha256(path.parent / onnx_name)}, [onnx_name])


def card_path_for(path: Path) -> Path:
    if path.suffix == ".json":
        return path
    if path.suffix == ".onnx":
        return path.with_suffix(".json")
    return path.with_name(path.name + ".json")


def read_card(path: PathLike) -> dict[str, Any]:
    """The model card of a scorer given its .json, its .onnx or their common prefix."""
    card_path = card_path_for(Path(path))
    if not card_path.exists():
        raise ModelError(f"{card_path}: model card not found (a scorer is an .onnx file plus its .json card)")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{card_path}: not a readable model card ({exc})") from exc
    if not isinstance(card, dict) or card.get("kind") != CARD_KIND:
        found = card.get("kind") if isinstance(card, dict) else type(card).__name__
        raise ModelSchemaError(f"{card_path}: not a scorer model card (kind {found!r})")
    for key in ("onnx_file", "sha256", "feature_names", "levels", "conformal"):
        if key not in card:
            raise ModelSchemaError(f"{card_path}: model card lacks {key!r}")
    return card


def verified_onnx_path(card: Mapping[str, Any], card_path: Path) -> Path:
    """The card's ONNX file, after its name is confined to the card's folder (before anything is read)
    and the manifest hash over card and files is checked."""

    try:
        onnx_path = confined_path(card_path.parent, str(card["onnx_file"]), card_path)
        located = verify(card, card_path)
    except ManifestError as exc:
        raise ModelIntegrityError(str(exc)) from None
    if onnx_path not in located.values():
        raise ModelIntegrityError(f"{card_path}: its manifest does not cover {card['onnx_file']}")
    if file_sha256(onnx_path) != card["sha256"]:
        raise ModelIntegrityError(f"{card_path}: sha256 does not match {onnx_path.name}")
    return onnx_path

"""One integrity manifest for everything SkillSight loads from a card: scorer cards and references.

A card (a JSON file) carries a `manifest` section:

    "manifest": {
      "format": "skillsight-manifest",
      "format_version": 1,
      "algorithm": "sha256",
      "files": {"suturing-scorer-v1.onnx": "<sha256 of that file>"},
      "sha256": "<sha256 over the card without its manifest, plus the files map>",
      "signatures": []
    }

`files` lists the card's companion files by plain names relative to the card's folder; a name that
leaves that folder (absolute, `..`, a link pointing out) is refused before any file is read. The one
hash, `sha256`, is over the canonical JSON (sorted keys, no spaces) of `{"card": <card without
"manifest">, "files": <files>}`, so changing any field of the card, or any byte of a file, breaks it.

`signatures` (outside the hash, so that signing does not change what is signed) holds Ed25519
signatures of `sha256` (skillsight.signing):
{"scheme": "ed25519", "public_key": <base64 raw key>, "fingerprint": "SHA256:<hex>", "signature": <base64>}.
Cards loaded for scoring ignore it; packages check every entry.

The same format seals a package between labs (skillsight.packages): the card is the package card
`skillsight-package.json` (kind model, reference or dataset; procedure; input schema; built from;
licence; consent) and `files` lists every other file of the archive, so one hash, and one signature,
covers a whole package.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Union

from skillsight.base.atomic import write_json_atomic
from skillsight.base.hashing import file_sha256

PathLike = Union[str, "os.PathLike[str]"]

MANIFEST_KEY = "manifest"
MANIFEST_FORMAT = "skillsight-manifest"
MANIFEST_FORMAT_VERSION = 1


class ManifestError(ValueError):
    """A card's manifest is missing, malformed, or does not match the card or its files."""


def confined_path(folder: PathLike, name: str, card: PathLike) -> Path:
    """`folder / name` when that stays inside `folder` (links resolved); refused otherwise, unread."""
    text = str(name)
    base = Path(folder).resolve()
    if not text or Path(text).is_absolute() or "\\" in text:
        raise ManifestError(f"{card}: file name {text!r} must be a plain name relative to the card's folder")
    target = (base / text).resolve()
    if target.parent != base:
        raise ManifestError(f"{card}: file name {text!r} points outside the card's folder {base}")
    return target


def manifest_sha256(card: Mapping[str, Any], files: Mapping[str, str]) -> str:
    """The one hash: over the card without its manifest and the files' hashes, as canonical JSON."""
    body = {k: v for k, v in card.items() if k != MANIFEST_KEY}
    canonical = json.dumps(
        {"card": body, "files": dict(files)}, sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def seal(card: Mapping[str, Any], folder: PathLike, file_names: Sequence[str] = ()) -> dict[str, Any]:
    """The card with a fresh manifest over itself and its companion files (named relative to `folder`)."""
    body = {k: v for k, v in card.items() if k != MANIFEST_KEY}
    files = {name: file_sha256(confined_path(folder, name, folder)) for name in file_names}
    return {
        **body,
        MANIFEST_KEY: {
            "format": MANIFEST_FORMAT,
            "format_version": MANIFEST_FORMAT_VERSION,
            "algorithm": "sha256",
            "files": files,
            "sha256": manifest_sha256(body, files),
            "signatures": [],
        },
    }


def write_sealed_card(
    card_path: PathLike,
    card: Mapping[str, Any],
    file_names: Sequence[str] = (),
    mode: int = 0o644,
    indent: int = 2,
) -> dict[str, Any]:
    """Seal `card` and write it atomically to `card_path` (readable by all: models are shared)."""

    path = Path(card_path)
    sealed = seal(card, path.parent, file_names)
    write_json_atomic(path, sealed, indent=indent, mode=mode)
    return sealed


def verify(card: Mapping[str, Any], card_path: PathLike) -> dict[str, Path]:
    """Check a card's manifest: names confined to its folder first, then the card hash, then each file.

    Returns {name: path} of its companion files. Raises ManifestError naming the card and the problem.
    """
    path = Path(card_path)
    manifest = card.get(MANIFEST_KEY)
    if not isinstance(manifest, Mapping):
        raise ManifestError(
            f"{path}: no integrity manifest (written before SkillSight checked whole cards); "
            "rebuild or re-export it"
        )
    if manifest.get("format") != MANIFEST_FORMAT or manifest.get("algorithm") != "sha256":
        raise ManifestError(f"{path}: unknown manifest format {manifest.get('format')!r}")
    files = manifest.get("files")
    if not isinstance(files, Mapping) or not all(isinstance(v, str) for v in files.values()):
        raise ManifestError(f"{path}: the manifest's files must map names to sha256 strings")
    located = {str(name): confined_path(path.parent, str(name), path) for name in files}
    if manifest_sha256(card, files) != manifest.get("sha256"):
        raise ManifestError(
            f"{path}: the card does not match its manifest sha256 (it was edited after it was built)"
        )
    for name, file_path in located.items():
        if not file_path.is_file():
            raise ManifestError(f"{file_path}: file listed in {path.name} not found")
        actual = file_sha256(file_path)
        if actual != files[name]:
            raise ManifestError(
                f"{file_path}: sha256 {actual[:12]}... differs from {str(files[name])[:12]}... recorded in "
                f"{path.name}; the file was changed or corrupted"
            )
    return located


def identity(card: Mapping[str, Any]) -> str:
    """The manifest hash, which names a card and its files together (empty without a manifest)."""
    manifest = card.get(MANIFEST_KEY)
    return str(manifest.get("sha256", "")) if isinstance(manifest, Mapping) else ""

"""The `.skillsight` package: one archive that carries a reference, a scorer or a motion-only dataset
from one lab to another, every file covered by one manifest hash and optionally signed.

A package is a ZIP archive of plain files (no folders) with a package card, ``skillsight-package.json``:

    {"format": "skillsight-package", "format_version": 1,
     "kind": "model" | "reference" | "dataset", "name": ..., "version": ..., "procedure": ...,
     "card": "<the model card or reference inside>" (models and references),
     "input_schema": {...}, "built_from": {...}, "licence": ..., "consent": ..., "created": "YYYY-MM-DD",
     "exported_by": {"site": ..., "skillsight_version": ...},
     "manifest": <skillsight.manifest over this card and every other file of the archive,
                  with "signatures" filled by skillsight.signing>}

Opening a package checks, before anything is used: member names (plain, unique, no links, a size
limit), that every member is listed in the manifest and every listed file is present, each file's
sha256, the card's hash, and every signature. Each refusal names the archive and the file.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from skillsight import manifest, signing
from skillsight.base.atomic import atomic_output
from skillsight.signing import SigningError

PathLike = Union[str, "os.PathLike[str]"]

PACKAGE_SUFFIX = ".skillsight"
PACKAGE_CARD = "skillsight-package.json"
PACKAGE_FORMAT = "skillsight-package"
PACKAGE_FORMAT_VERSION = 1
PACKAGE_KINDS = ("model", "reference", "dataset")
MANIFEST_FIELDS = {"format", "format_version", "algorithm", "files", "sha256", "signatures"}
MAX_MEMBERS = 200_000
MAX_EXPANDED_BYTES = 8 * 1024**3  # 8 GiB: a large dataset of motion, far beyond any model


class PackageError(ValueError):
    """A package is malformed, altered, wrongly signed or not usable here (the message names the file)."""


@dataclass
class OpenedPackage:
    """A verified package unpacked into `folder` (a temporary folder the caller owns)."""

    archive: Path
    folder: Path
    card: dict[str, Any]
    files: dict[str, Path]
    signers: list[dict[str, str]] = field(default_factory=list)  # public_key, fingerprint

    @property
    def kind(self) -> str:
        return str(self.card.get("kind"))

    @property
    def sha256(self) -> str:
        return manifest.identity(self.card)


def write_package(
    out: PathLike,
    card: Mapping[str, Any],
    folder: PathLike,
    file_names: Sequence[str],
    private_key: Any = None,
) -> dict[str, Any]:
    """Seal `card` over the files `file_names` in `folder`, sign it with `private_key` (when given) and
    write the archive atomically to `out`. Returns the sealed package card."""
    body = {"format": PACKAGE_FORMAT, "format_version": PACKAGE_FORMAT_VERSION, **dict(card)}
    sealed = manifest.seal(body, folder, file_names)
    if private_key is not None:
        sealed[manifest.MANIFEST_KEY]["signatures"] = [
            signing.sign(sealed[manifest.MANIFEST_KEY]["sha256"], private_key)
        ]
    # a package is made to be shared: readable by others once written
    with (
        atomic_output(out, mode=0o644, suffix=PACKAGE_SUFFIX) as tmp,
        zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        archive.writestr(_member(PACKAGE_CARD), json.dumps(sealed, indent=1, allow_nan=False) + "\n")
        for name in sorted(file_names):
            archive.writestr(_member(name), (Path(folder) / name).read_bytes())
    return sealed


def _member(name: str) -> zipfile.ZipInfo:
    """An archive entry dated 1980-01-01: a package tells nothing of when its files were made."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _plain_member(info: zipfile.ZipInfo, archive: Path) -> str:
    name = info.filename
    if info.is_dir() or "/" in name or "\\" in name or name in ("", ".", "..") or name.startswith("."):
        raise PackageError(f"{archive}: member {name!r} is not a plain file name; refused before reading")
    if (info.external_attr >> 16) & 0o170000 == 0o120000:
        raise PackageError(f"{archive}: member {name!r} is a link; refused")
    return name


def _members(archive_file: zipfile.ZipFile, archive: Path) -> list[str]:
    infos = archive_file.infolist()
    if len(infos) > MAX_MEMBERS:
        raise PackageError(f"{archive}: {len(infos)} members, over the limit of {MAX_MEMBERS}")
    if sum(i.file_size for i in infos) > MAX_EXPANDED_BYTES:
        raise PackageError(f"{archive}: expands beyond {MAX_EXPANDED_BYTES / 1024**3:.0f} GiB; refused")
    names = [_plain_member(i, archive) for i in infos]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise PackageError(f"{archive}: member(s) {', '.join(repeated)} appear more than once")
    if PACKAGE_CARD not in names:
        raise PackageError(f"{archive}: no {PACKAGE_CARD}; not a SkillSight package")
    return names


def _extract(archive: Path, folder: Path) -> list[str]:
    try:
        with zipfile.ZipFile(archive) as archive_file:
            names = _members(archive_file, archive)
            for name in names:
                try:
                    data = archive_file.read(name)
                except (zipfile.BadZipFile, OSError, ValueError) as exc:  # a CRC error names the member
                    raise PackageError(f"{archive}: {name}: damaged in the archive ({exc})") from None
                (folder / name).write_bytes(data)
    except zipfile.BadZipFile as exc:
        raise PackageError(f"{archive}: not a readable package archive ({exc})") from None
    return names


def _read_card(archive: Path, folder: Path) -> dict[str, Any]:
    try:
        card = json.loads((folder / PACKAGE_CARD).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"{archive}: {PACKAGE_CARD}: not readable JSON ({exc})") from None
    if not isinstance(card, dict) or card.get("format") != PACKAGE_FORMAT:
        raise PackageError(f"{archive}: {PACKAGE_CARD}: not a SkillSight package card")
    version = card.get("format_version")
    if not isinstance(version, int) or version > PACKAGE_FORMAT_VERSION:
        raise PackageError(
            f"{archive}: {PACKAGE_CARD}: package format_version {version!r} is newer than this "
            f"SkillSight reads ({PACKAGE_FORMAT_VERSION}); upgrade SkillSight"
        )
    if card.get("kind") not in PACKAGE_KINDS:
        raise PackageError(f"{archive}: {PACKAGE_CARD}: unknown package kind {card.get('kind')!r}")
    section = card.get(manifest.MANIFEST_KEY)
    # The manifest's own fields sit outside its hash: in a package each must be exactly as written.
    if not isinstance(section, dict) or set(section) != MANIFEST_FIELDS:
        found = sorted(section) if isinstance(section, dict) else type(section).__name__
        raise PackageError(
            f"{archive}: {PACKAGE_CARD}: manifest fields {found}, expected {sorted(MANIFEST_FIELDS)}"
        )
    if section.get("format_version") != manifest.MANIFEST_FORMAT_VERSION:
        raise PackageError(
            f"{archive}: {PACKAGE_CARD}: manifest format_version {section.get('format_version')!r}; this "
            f"SkillSight reads {manifest.MANIFEST_FORMAT_VERSION}"
        )
    return card


def _verify_files(archive: Path, folder: Path, card: Mapping[str, Any], names: list[str]) -> dict[str, Path]:
    try:
        located = manifest.verify(card, folder / PACKAGE_CARD)
    except manifest.ManifestError as exc:
        raise PackageError(f"{archive}: {str(exc).replace(str(folder.resolve()) + os.sep, '')}") from None
    unlisted = sorted(set(names) - set(located) - {PACKAGE_CARD})
    if unlisted:
        raise PackageError(f"{archive}: {', '.join(unlisted)}: not listed in the package manifest; refused")
    return located


def _verify_signatures(archive: Path, card: Mapping[str, Any]) -> list[dict[str, str]]:
    section = card[manifest.MANIFEST_KEY]
    entries = section.get("signatures") or []
    if not isinstance(entries, list):
        raise PackageError(f"{archive}: {PACKAGE_CARD}: signatures must be a list")
    signers = []
    for entry in entries:
        try:
            print_ = signing.verify_signature(entry, str(section["sha256"]), f"{archive}: {PACKAGE_CARD}")
        except SigningError as exc:
            raise PackageError(str(exc)) from None
        signers.append({"public_key": str(entry["public_key"]), "fingerprint": print_})
    return signers


def open_package(archive: PathLike, folder: PathLike) -> OpenedPackage:
    """Unpack `archive` into the empty folder `folder` and verify it (see the module docstring)."""
    path, into = Path(archive), Path(folder)
    if not path.is_file():
        raise PackageError(f"{path}: package not found")
    names = _extract(path, into)
    card = _read_card(path, into)
    files = _verify_files(path, into, card, names)
    return OpenedPackage(path, into, card, files, _verify_signatures(path, card))


def signer_lines(opened: OpenedPackage) -> list[str]:
    """What a person needs to decide whether to trust the package: each signer's key and fingerprint."""
    if not opened.signers:
        return ["signature: none (unsigned: only its integrity is checked, not who made it)"]
    return [
        f"signed by: public key {s['public_key']}\n           fingerprint {s['fingerprint']}"
        for s in opened.signers
    ]

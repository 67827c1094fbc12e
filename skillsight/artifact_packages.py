"""Reference and scorer packages: export one from this lab, import one from another.

    export_artifact("model", "suturing-scorer", Path("suturing.skillsight"), licence=..., consent=...)
    opened = open_package(path, tmp); check_input_schema(opened); install(opened, data_dir)

A package carries the card (scorer card or reference) with its files, the procedure, the input schema
(motion kind, units, feature set and names, levels), what it was built from (n experts or trainees,
sites, dates), a licence and a consent statement. An import is installed in the data folder
(``models/`` or ``references/``, where the app looks) as ``<procedure>-<kind>-v<N>`` with N above every
shipped and installed version of that procedure, so nothing is ever overwritten.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from skillsight import __version__, models
from skillsight.manifest import MANIFEST_KEY
from skillsight.packages import PACKAGE_CARD, OpenedPackage, PackageError, write_package
from skillsight.scoring.features import FEATURE_SPECS
from skillsight.scoring.procedure import ProcedureError, load_procedure
from skillsight.scoring.reference import (
    REFERENCE_FORMAT_VERSION,
    ReferenceError,
    load_reference,
    save_reference,
)
from skillsight.scoring.results import SKILL_LEVELS
from skillsight.scoring.scorer import (
    CARD_FORMAT_VERSION,
    ModelError,
    load_scorer,
    write_model_card,
)
from skillsight.scoring.training import FEATURE_SETS

ARTIFACT_KINDS = ("model", "reference")
FILE_KIND = {"model": "scorer", "reference": "reference"}  # the word in shipped file names
INSTALL_FOLDER = {"model": "models", "reference": "references", "dataset": "datasets"}
MOTION_KINDS = ("video_2d", "kinematics_3d", "mocap_3d")
KINEMATIC_PREFIX = "kin."  # kinematic feature sets name their columns from the data itself


def install_dir(kind: str, data_dir: Path) -> Path:
    return Path(data_dir) / INSTALL_FOLDER[kind]


def _card_of(path: Path) -> Path:
    return path.with_suffix(".json") if path.suffix == ".onnx" else path


def read_card_json(path: Path) -> dict[str, Any]:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return content if isinstance(content, dict) else {}


def _candidates(kind: str, data_dir: Path) -> list[tuple[Path, dict[str, Any]]]:
    wanted = "scorer" if kind == "model" else "reference"
    found = []
    for folder in (models.shipped_models_dir(), install_dir(kind, data_dir)):
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            card = read_card_json(path)
            if card.get("kind") == wanted:
                found.append((path, card))
    return found


def names_for(kind: str, procedure: str, data_dir: Path) -> list[str]:
    """The file stems of the shipped and installed `kind` ("model" or "reference") for a procedure."""
    return [path.stem for path, card in _candidates(kind, data_dir) if card.get("procedure") == procedure]


def resolve_artifact(kind: str, name: str, data_dir: Path) -> Path:
    """The card of `name`: a path, a file stem (``suturing-scorer-v1``), a card name
    (``suturing-scorer``) or a procedure (``suturing``), the highest version when several match."""
    given = Path(name).expanduser()
    if given.exists():
        return _card_of(given)
    matches = [
        (_version_number(card.get("version")), path)
        for path, card in _candidates(kind, data_dir)
        if name in (path.stem, card.get("name"), card.get("procedure"))
    ]
    if not matches:
        known = sorted({str(card.get("name")) for _, card in _candidates(kind, data_dir)})
        raise PackageError(f"no {kind} named {name!r}; known: {', '.join(known) or 'none'}")
    return max(matches)[1]


def artifact_file(kind: str, given: Optional[str], data_dir: Path) -> Optional[Path]:
    """The file `--model` or `--reference` names: a path as given (a missing one is reported where it
    is opened), else a shipped or installed artifact's name (the model's .onnx beside its card); None
    keeps the procedure's default."""
    if given is None:
        return None
    path = Path(given).expanduser()
    if path.exists() or path.suffix in (".json", ".onnx") or len(path.parts) > 1:
        return path
    card = resolve_artifact(kind, given, data_dir)
    return card.with_suffix(".onnx") if kind == "model" else card


def _version_number(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def input_schema(kind: str, card: Mapping[str, Any]) -> dict[str, Any]:
    """What a motion must be for this artifact to judge it."""
    schema = {
        "motion_kind": card.get("motion_kind"),
        "units": card.get("units"),
        "feature_names": list(card.get("feature_names", [])),
        "card_format_version": card.get("format_version"),
    }
    if kind == "model":
        schema.update(feature_set=card.get("feature_set"), levels=list(card.get("levels", [])))
    return schema


def built_from(kind: str, card: Mapping[str, Any]) -> dict[str, Any]:
    """n experts or trainees, sites and dates, as the card records them."""
    if kind == "reference":
        return {
            "n_experts": card.get("n_experts"),
            "description": card.get("built_from"),
            "dates": [card.get("created")],
            "sites": list(card.get("sites", [])),
        }
    data = dict(card.get("training_data") or {})
    return {
        "n_trainees": data.get("n_participants"),
        "n_practices": data.get("n_samples", data.get("n")),
        "skill_levels": data.get("skill_levels", data.get("levels")),
        "description": card.get("built_from") or data.get("description"),
        "dates": [card.get("created")],
        "sites": list(data.get("sites", [])),
    }


def computable_features(procedure: str) -> set[str]:
    """Every feature name this version computes for `procedure` (its hand roles times the per-hand
    metrics, plus the named bimanual, task and procedure metrics)."""
    proc = load_procedure(procedure)
    per_hand = [name for name in FEATURE_SPECS if "." not in name]
    named = {name for name in FEATURE_SPECS if "." in name}
    return named | {f"{role}.{suffix}" for role in proc.hand_roles for suffix in per_hand}


def _schema_problems(kind: str, card: Mapping[str, Any]) -> list[str]:
    schema = dict(card.get("input_schema") or {})
    try:
        known = computable_features(str(card.get("procedure")))
    except (ProcedureError, FileNotFoundError, ValueError) as exc:
        return [f"its procedure is unknown here ({exc})"]
    newest = CARD_FORMAT_VERSION if kind == "model" else REFERENCE_FORMAT_VERSION
    problems = []
    if not isinstance(schema.get("card_format_version"), int) or schema["card_format_version"] > newest:
        problems.append(f"card format_version {schema.get('card_format_version')!r} (this reads {newest})")
    if schema.get("motion_kind") not in MOTION_KINDS:
        problems.append(f"motion kind {schema.get('motion_kind')!r}")
    if kind == "model" and schema.get("feature_set") not in FEATURE_SETS:
        problems.append(f"feature set {schema.get('feature_set')!r}")
    if kind == "model" and not set(schema.get("levels") or ["?"]) <= set(SKILL_LEVELS):
        problems.append(f"levels {schema.get('levels')}")
    unknown = [
        n
        for n in schema.get("feature_names", [])
        if n not in known and not str(n).startswith(KINEMATIC_PREFIX)
    ]
    if unknown:
        problems.append(f"{len(unknown)} features this version does not compute ({', '.join(unknown[:4])})")
    return problems


def check_input_schema(opened: OpenedPackage) -> None:
    """Refuse a model or reference package whose inputs this version cannot compute or read."""
    if opened.kind not in ARTIFACT_KINDS:
        return
    problems = _schema_problems(opened.kind, opened.card)
    if problems:
        raise PackageError(
            f"{opened.archive}: {PACKAGE_CARD}: this SkillSight ({__version__}) cannot score with this "
            f"{opened.kind}: " + "; ".join(problems)
        )


def _artifact_files(kind: str, card_path: Path) -> list[Path]:
    """The card and its files, after checking them as scoring would (hashes, manifest, ONNX)."""
    try:
        if kind == "model":
            scorer = load_scorer(card_path)
            return [card_path, scorer.path]
        load_reference(card_path)
    except (ModelError, ReferenceError) as exc:
        raise PackageError(f"cannot export: {exc}") from None
    return [card_path]


def export_artifact(
    kind: str,
    name: str,
    out: Path,
    *,
    data_dir: Path,
    licence: str,
    consent: str,
    site: str = "",
    private_key: Any = None,
) -> dict[str, Any]:
    """Write the package of a model or reference; returns the sealed package card."""
    card_path = resolve_artifact(kind, name, data_dir)
    files = _artifact_files(kind, card_path)
    card = read_card_json(card_path)
    package_card = {
        "kind": kind,
        "name": card.get("name", card_path.stem),
        "version": str(card.get("version", "")),
        "procedure": card.get("procedure"),
        "card": card_path.name,
        "input_schema": input_schema(kind, card),
        "built_from": built_from(kind, card),
        "licence": licence,
        "consent": consent,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "exported_by": {"site": site, "skillsight_version": __version__},
    }
    with tempfile.TemporaryDirectory(prefix="skillsight-export-") as staging:
        for path in files:
            shutil.copyfile(path, Path(staging) / path.name)
        return write_package(out, package_card, staging, [p.name for p in files], private_key)


def next_version(kind: str, procedure: str, data_dir: Path) -> int:
    """One above every shipped and installed version of this procedure's model or reference."""
    versions = [0]
    suffix = ".onnx" if kind == "model" else ".json"
    for folder in (models.shipped_models_dir(), install_dir(kind, data_dir)):
        if folder.is_dir():
            shipped = models._shipped(FILE_KIND[kind], suffix, folder)  # the one file-naming rule
            versions += [v for v, _ in shipped.get(procedure, [])]
    return max(versions) + 1


def _claim(folder: Path, kind: str, procedure: str, data_dir: Path) -> tuple[int, Path]:
    """A version number and its file, created empty and exclusively (two imports at once get two)."""
    folder.mkdir(parents=True, exist_ok=True)
    version = next_version(kind, procedure, data_dir)
    suffix = ".onnx" if kind == "model" else ".json"
    while True:
        target = folder / f"{procedure}-{FILE_KIND[kind]}-v{version}{suffix}"
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            return version, target
        except FileExistsError:
            version += 1


def _provenance(opened: OpenedPackage) -> dict[str, Any]:
    card = opened.card
    return {
        "package": opened.archive.name,
        "package_sha256": opened.sha256,
        "original_name": card.get("name"),
        "original_version": card.get("version"),
        "site": (card.get("exported_by") or {}).get("site", ""),
        "licence": card.get("licence"),
        "consent": card.get("consent"),
        "signers": [s["fingerprint"] for s in opened.signers],
        "imported": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _install_model(opened: OpenedPackage, data_dir: Path) -> list[Path]:
    card = read_card_json(opened.files[str(opened.card["card"])])
    procedure = str(card["procedure"])
    version, onnx_target = _claim(install_dir("model", data_dir), "model", procedure, data_dir)
    card_target = onnx_target.with_suffix(".json")
    try:
        shutil.copyfile(opened.files[str(card["onnx_file"])], onnx_target)
        card.pop(MANIFEST_KEY, None)
        card.update(version=str(version), onnx_file=onnx_target.name, imported=_provenance(opened))
        write_model_card(card_target, card)
        load_scorer(card_target)  # what was installed loads as scoring will load it
    except BaseException:  # a half-installed version must not be left for the app to list
        onnx_target.unlink(missing_ok=True)
        card_target.unlink(missing_ok=True)
        raise
    return [onnx_target, card_target]


def _install_reference(opened: OpenedPackage, data_dir: Path) -> list[Path]:
    reference = load_reference(opened.files[str(opened.card["card"])])
    version, target = _claim(install_dir("reference", data_dir), "reference", reference.procedure, data_dir)
    origin = _provenance(opened)
    site = origin["site"] or "?"
    note = f" [imported from {origin['package']} (v{origin['original_version']}, site {site})]"
    installed = dataclasses.replace(reference, version=str(version), built_from=reference.built_from + note)
    try:
        save_reference(installed, target)
        os.chmod(target, 0o644)  # a reference is shared knowledge, not a trainee's data
        load_reference(target)
    except BaseException:  # the claimed (empty or half-checked) file must not stay behind
        target.unlink(missing_ok=True)
        raise
    return [target]


def install(opened: OpenedPackage, data_dir: Path) -> list[Path]:
    """Install a verified model or reference package beside the shipped ones; returns the new files."""
    check_input_schema(opened)
    if opened.kind in ARTIFACT_KINDS:
        installer = _install_model if opened.kind == "model" else _install_reference
        return installer(opened, Path(data_dir))
    folder = install_dir("dataset", Path(data_dir))
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{opened.card.get('name', 'dataset')}-{opened.sha256[:12]}"
    target = folder / f"{stem}{opened.archive.suffix}"
    if not target.exists():  # the same content is the same dataset: keep the first copy
        shutil.copyfile(opened.archive, target)
    return [target]


def describe(opened: OpenedPackage, card_text: Optional[str] = None) -> list[str]:
    """Lines for a person: what the package is, what it was built from, licence and consent."""
    card = opened.card
    built = card.get("built_from") or {}
    counts = ", ".join(
        f"{v} {k[2:] if v != 1 else k[2:].rstrip('s')}"
        for k, v in built.items()
        if k.startswith("n_") and v is not None
    )  # n_practices 240 -> "240 practices"
    lines = [
        f"{card.get('kind')} package: {card.get('name')} v{card.get('version')} "
        f"for {card.get('procedure')} (site {(card.get('exported_by') or {}).get('site') or 'not stated'})",
        f"  built from: {built.get('description') or '?'}" + (f" ({counts})" if counts else ""),
        f"  licence: {card.get('licence')}",
        f"  consent: {card.get('consent')}",
        f"  manifest sha256: {opened.sha256}",
    ]
    if card_text:
        lines += ["  card:", *("    " + line for line in card_text.splitlines())]
    return lines

"""Expert references, the files: save a Reference as versioned JSON with a sha256 of its content (and the
same sealed manifest as scorer cards), and load one back, checking its format, version and sha256, so a
file edited by hand is refused rather than silently trusted. Errors name the file."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Union

from skillsight.manifest import ManifestError, verify, write_sealed_card
from skillsight.scoring.reference_experts import COUNTED_GENERATED, stored_experts
from skillsight.scoring.reference_model import (
    REFERENCE_FORMAT,
    REFERENCE_FORMAT_VERSION,
    FeatureDistribution,
    Reference,
    ReferenceError,
    SpeedTemplate,
    content_sha256,
)


def save_reference(reference: Reference, path: Union[str, os.PathLike[str]]) -> Path:
    """Write the reference atomically as JSON with the sha256 of its content."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    content = reference.to_dict()
    content["sha256"] = content_sha256(content)

    write_sealed_card(target, content, mode=0o600, indent=1)  # the same manifest as scorer cards (no files)
    return target


def load_reference(path: Union[str, os.PathLike[str]]) -> Reference:
    """Read a reference file, checking its format, version and sha256; errors name the file."""
    p = Path(path)
    if not p.exists():
        raise ReferenceError(f"{p}: reference file not found")
    try:
        content = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReferenceError(f"{p}: not a readable JSON reference ({exc})") from exc
    if not isinstance(content, dict) or content.get("format") != REFERENCE_FORMAT:
        raise ReferenceError(f"{p}: not a SkillSight reference (format {REFERENCE_FORMAT!r} expected)")
    version = int(content.get("format_version", 0))
    if version > REFERENCE_FORMAT_VERSION:
        raise ReferenceError(f"{p}: reference format_version {version} is newer than this SkillSight reads")
    recorded = content.get("sha256")
    if recorded != content_sha256(content):
        raise ReferenceError(
            f"{p}: content does not match its sha256 (the file was changed after it was built)"
        )
    if "manifest" in content:  # references from before manifests carry their content sha256 only
        try:
            verify(content, p)
        except ManifestError as exc:
            raise ReferenceError(str(exc)) from None
    try:
        return _reference_from(content, str(recorded), str(p))
    except (KeyError, TypeError, ValueError) as exc:
        raise ReferenceError(f"{p}: malformed reference ({exc})") from exc


def _reference_from(content: Mapping[str, Any], sha256: str, path: str) -> Reference:
    """The Reference a checked file holds; a file from before people were counted (no `n_practices`:
    its `n_experts` counted practices) gets its people from reference_experts.stored_experts."""
    features = {k: FeatureDistribution.from_dict(v) for k, v in content["features"].items()}
    n_experts, practices, counted = stored_experts(content)
    if "n_practices" not in content and counted == COUNTED_GENERATED:
        # one generated expert per practice: per metric, one per value
        features = {k: replace(d, n_experts=d.n) for k, d in features.items()}
    return Reference(
        name=str(content["name"]),
        version=str(content["version"]),
        procedure=str(content["procedure"]),
        motion_kind=str(content["motion_kind"]),
        units=str(content["units"]),
        features=features,
        template=SpeedTemplate.from_dict(content["template"]) if content.get("template") else None,
        built_from=str(content.get("built_from", "")),
        n_experts=n_experts,
        n_practices=practices,
        experts_counted_by=counted,
        disclaimer=str(content.get("disclaimer", "")),
        created=str(content.get("created", "")),
        dominant_hands=tuple(content.get("dominant_hands", ())),
        metric_definitions={str(k): int(v) for k, v in (content.get("metric_definitions") or {}).items()},
        sha256=sha256,
        path=path,
    )

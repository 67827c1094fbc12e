"""Fingerprints of every metric on a few fixed motions: a metric whose value moves on the same motion has
changed definition, and its version in scoring/features/definitions.py must say so.

The fixed motions are seeded synthetic practices; a summary of each (per individual: finite count, mean
and spread of its positions) is stored beside the metrics, so a change of the generator is told apart
from a change of a metric. `python scripts/metric_fingerprints.py --write` refreshes the stored file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

import numpy as np

from skillsight.pose.motion import Motion
from skillsight.scoring.features import compute_features, prepare_motion
from skillsight.scoring.features.definitions import definition_version
from skillsight.scoring.synthetic import generate_practice

FINGERPRINTS_FILE = (
    Path(__file__).resolve().parents[1] / "unit" / "scoring" / "data" / "metric_fingerprints.json"
)
REFRESH = "python scripts/metric_fingerprints.py --write"
VALUE_RTOL, VALUE_ATOL = 1e-6, 1e-9  # far above floating-point noise between platforms, far below a change
MOTION_RTOL = 1e-9

# label -> (procedure, generate_practice keywords): webcam suturing, lab kinematics, webcam intubation.
FIXED_MOTIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "suturing_video": ("suturing", {"skill": "intermediate", "seed": 11, "duration_s": 120.0}),
    "suturing_kinematics": ("suturing", {"skill": "novice", "seed": 12, "as_video_2d": False}),
    "intubation_video": ("intubation", {"skill": "expert", "seed": 13, "duration_s": 20.0}),
}


def fixed_motion(label: str) -> Motion:
    procedure, options = FIXED_MOTIONS[label]
    return generate_practice(procedure=procedure, fps=30.0, **options)


def motion_summary(motion: Motion) -> dict[str, list[float]]:
    """individual -> [finite values, mean, standard deviation] of its positions."""
    summary = {}
    for index, name in enumerate(motion.individuals):
        values = np.asarray(motion.positions[:, index], dtype=float)
        finite = values[np.isfinite(values)]
        summary[name] = [float(finite.size), float(finite.mean()), float(finite.std())]
    return summary


def _plain(value: float) -> Optional[float]:
    return float(value) if math.isfinite(value) else None


def compute_fingerprints() -> dict[str, Any]:
    """label -> the fixed motion's summary and every metric's version and value on it."""
    out: dict[str, Any] = {}
    for label, (procedure, _) in FIXED_MOTIONS.items():
        motion = fixed_motion(label)
        features = compute_features(prepare_motion(motion), procedure)
        metrics = {
            name: {"version": definition_version(name), "value": _plain(feature.value)}
            for name, feature in sorted(features.items())
        }
        out[label] = {"motion": motion_summary(motion), "metrics": metrics}
    return out


def read_fingerprints(path: Path = FINGERPRINTS_FILE) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _same(stored: Optional[float], now: Optional[float], rtol: float, atol: float) -> bool:
    if stored is None or now is None:
        return stored is None and now is None
    return math.isclose(stored, now, rel_tol=rtol, abs_tol=atol)


def _motion_problems(label: str, stored: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    same = set(stored) == set(now) and all(
        _same(a, b, MOTION_RTOL, 0.0) for name in stored for a, b in zip(stored[name], now[name])
    )
    if same:
        return []
    return [
        f"{label}: the fixed motion itself changed (the synthetic generator?), so its metrics cannot be "
        f"compared; if no metric definition changed in the same change, run `{REFRESH}`"
    ]


def _metric_problems(label: str, stored: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    problems = []
    for name in sorted(set(stored) | set(now)):
        if name not in stored:
            problems.append(f"{label}: {name} has no fingerprint yet: run `{REFRESH}`")
            continue
        if name not in now:
            problems.append(f"{label}: {name} is fingerprinted but no longer computed: run `{REFRESH}`")
            continue
        old, new = stored[name], now[name]
        if new["version"] is None:
            problems.append(f"{label}: {name} has no definition version in scoring/features/definitions.py")
        elif old["version"] != new["version"]:
            problems.append(
                f"{label}: {name} is now definition {new['version']} (fingerprint of {old['version']}): "
                f"run `{REFRESH}`"
            )
        elif not _same(old["value"], new["value"], VALUE_RTOL, VALUE_ATOL):
            problems.append(
                f"{label}: {name} changed value on the same motion ({old['value']} -> {new['value']}) "
                f"while its definition stayed version {new['version']}: bump its version in "
                f"scoring/features/definitions.py (say what changed), then run `{REFRESH}`"
            )
    return problems


def fingerprint_problems(stored: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    """Every reason the computed fingerprints disagree with the stored ones ([] when they agree)."""
    problems = [f"{label}: no stored fingerprints: run `{REFRESH}`" for label in set(now) - set(stored)]
    for label in sorted(set(now) & set(stored)):
        motion = _motion_problems(label, stored[label]["motion"], now[label]["motion"])
        problems += motion or _metric_problems(label, stored[label]["metrics"], now[label]["metrics"])
    return problems

"""Per-channel statistics of lab kinematics: the inputs of a scorer trained on them.

Training computes them for every sample (scoring.training) and the assessment for the one motion it
scores (scorer_feature_values), so they live here, below both: the runtime never imports training.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from skillsight.pose.lab_kinematics import COLUMN_NAMES, KINEMATICS_SIGNAL, MANIPULATORS, column_slice
from skillsight.pose.motion import Motion

KINEMATIC_FEATURE_SETS = ("kinematic-stats", "kinematic-baseline")


def channel_statistics(name: str, values: np.ndarray, dt: float) -> dict[str, float]:
    """Summary statistics of one kinematic channel sampled every `dt` seconds (NaN-tolerant)."""
    v = np.asarray(values, dtype=float)
    finite = v[np.isfinite(v)]
    steps = np.abs(np.diff(v))
    steps = steps[np.isfinite(steps)]
    if finite.size == 0:
        keys = ("mean", "std", "p05", "p50", "p95", "iqr", "range", "mean_abs_velocity", "total_variation")
        return {f"{name}.{k}": math.nan for k in keys}
    p05, p25, p50, p75, p95 = np.percentile(finite, [5, 25, 50, 75, 95])
    return {
        f"{name}.mean": float(np.mean(finite)),
        f"{name}.std": float(np.std(finite)),
        f"{name}.p05": float(p05),
        f"{name}.p50": float(p50),
        f"{name}.p95": float(p95),
        f"{name}.iqr": float(p75 - p25),
        f"{name}.range": float(np.max(finite) - np.min(finite)),
        f"{name}.mean_abs_velocity": float(np.mean(steps) / dt) if steps.size else math.nan,
        f"{name}.total_variation": float(np.sum(steps)) if steps.size else math.nan,
    }


def _path_statistics(name: str, xyz: np.ndarray, dt: float) -> dict[str, float]:
    steps = np.linalg.norm(np.diff(xyz, axis=0), axis=1)
    steps = steps[np.isfinite(steps)]
    path = float(np.sum(steps)) if steps.size else math.nan
    return {
        f"{name}.path_length": path,
        f"{name}.mean_speed": float(np.mean(steps) / dt) if steps.size else math.nan,
    }


def kinematic_statistics(motion: Motion) -> dict[str, float]:
    """Per-channel statistics of the JIGSAWS kinematics (or of every keypoint coordinate)."""
    dt = 1.0 / motion.fps if motion.fps > 0 else 1.0
    features: dict[str, float] = {"kin.duration_s": motion.duration_s}
    table = motion.signals.get(KINEMATICS_SIGNAL)
    if table is not None and table.ndim == 2 and table.shape[1] == len(COLUMN_NAMES):
        for j, column in enumerate(COLUMN_NAMES):
            features.update(channel_statistics(f"kin.{column}", table[:, j], dt))
        for manipulator in MANIPULATORS:
            xyz = table[:, column_slice(manipulator, "tip_x", 3)]
            features.update(_path_statistics(f"kin.{manipulator}.tip", xyz, dt))
        return features
    for individual in motion.individuals:
        for keypoint in motion.observed_keypoints(individual):
            track = motion.track(individual, keypoint)
            for a, axis in enumerate(motion.space):
                features.update(channel_statistics(f"kin.{individual}.{keypoint}.{axis}", track[:, a], dt))
            features.update(_path_statistics(f"kin.{individual}.{keypoint}", track, dt))
    return features


def _baseline_channel(name: str, values: np.ndarray, dt: float) -> dict[str, float]:
    v = np.asarray(values, dtype=float)
    velocity = np.diff(v) / dt
    acceleration = np.diff(v, n=2) / dt**2

    def mean_abs(x: np.ndarray) -> float:
        x = x[np.isfinite(x)]
        return float(np.mean(np.abs(x))) if x.size else math.nan

    finite = v[np.isfinite(v)]
    return {
        f"{name}.std": float(np.std(finite)) if finite.size else math.nan,
        f"{name}.mean_abs_velocity": mean_abs(velocity),
        f"{name}.mean_abs_acceleration": mean_abs(acceleration),
    }


def _tip_baseline(name: str, xyz: np.ndarray, dt: float) -> dict[str, float]:
    steps = np.linalg.norm(np.diff(xyz, axis=0), axis=1)
    jerk = np.linalg.norm(np.diff(xyz, n=3, axis=0), axis=1) / dt**3
    steps, jerk = steps[np.isfinite(steps)], jerk[np.isfinite(jerk)]
    return {
        f"{name}.path_length": float(np.sum(steps)) if steps.size else math.nan,
        f"{name}.mean_jerk": float(np.mean(jerk)) if jerk.size else math.nan,
    }


def kinematic_baseline_statistics(motion: Motion) -> dict[str, float]:
    """The plain baseline set: per channel std, mean |velocity|, mean |acceleration|; per tool tip (or
    tracked keypoint) path length and mean jerk; the duration."""
    dt = 1.0 / motion.fps if motion.fps > 0 else 1.0
    features: dict[str, float] = {"kin.duration_s": motion.duration_s}
    table = motion.signals.get(KINEMATICS_SIGNAL)
    if table is not None and table.ndim == 2 and table.shape[1] == len(COLUMN_NAMES):
        for j, column in enumerate(COLUMN_NAMES):
            features.update(_baseline_channel(f"kin.{column}", table[:, j], dt))
        for manipulator in MANIPULATORS:
            features.update(
                _tip_baseline(f"kin.{manipulator}.tip", table[:, column_slice(manipulator, "tip_x", 3)], dt)
            )
        return features
    for individual in motion.individuals:
        for keypoint in motion.observed_keypoints(individual):
            track = motion.track(individual, keypoint)
            for a, axis in enumerate(motion.space):
                features.update(_baseline_channel(f"kin.{individual}.{keypoint}.{axis}", track[:, a], dt))
            features.update(_tip_baseline(f"kin.{individual}.{keypoint}", track, dt))
    return features


def scorer_feature_values(
    card: Mapping[str, Any], prepared_motion: Motion, features: Mapping[str, Any]
) -> dict[str, float]:
    """The inputs a scorer's card asks for: the motion features already computed (name -> Feature or
    number) plus, for a kinematic model, the per-channel statistics of the prepared motion."""
    values = {name: float(getattr(f, "value", f)) for name, f in features.items()}
    statistics = {
        "kinematic-stats": kinematic_statistics,
        "kinematic-baseline": kinematic_baseline_statistics,
    }
    compute = statistics.get(str(card.get("feature_set")))
    if compute is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            values.update(compute(prepared_motion))
    return values

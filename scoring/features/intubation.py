"""Intubation (laryngoscopy on a manikin, side view): phases of the attempt and posture during it.

An attempt runs from the laryngoscope hand settling at the manikin's mouth to it leaving again. In
between, the tube hand comes in: that splits laryngoscopy (insert the blade, lift, see the cords) from
tube insertion. Published anchors: experts' attempts take ~5.5 s and novices' ~12.4 s (Carlson 2012);
levering on the teeth shows as wrist flexion at the laryngoscope hand instead of a lift along the
forearm; head and left-hand jerk separate experts from novices (BMC Med Educ 2018).
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from skillsight.pose.cleaning import mask_runs
from skillsight.pose.motion import BODY, LEFT_HAND, RIGHT_HAND, Motion
from skillsight.pose.scale import hand_size_in_units
from skillsight.scoring.features import posture
from skillsight.scoring.features.kinematics import (
    KinematicThresholds,
    compute_mean_jerk,
    hand_speed,
    hand_track,
    thresholds_for,
)
from skillsight.scoring.results import Phase

AT_MANIKIN_SHARE = 0.7  # of the hand's largest excursion from where it started
MIN_EXCURSION_HAND_SIZES = 0.5
EDGE_WINDOW_S = 0.5
TUBE_ARRIVAL_SHARE = 0.6


def _excursion(motion: Motion, hand: str) -> Optional[np.ndarray]:
    """(T,) distance of the hand from where it was first seen (units)."""
    track = hand_track(motion, hand)
    if track is None:
        return None
    seen = np.flatnonzero(np.isfinite(track).all(axis=1))
    start = seen[motion.timestamps[seen] <= motion.timestamps[seen[0]] + EDGE_WINDOW_S]
    return np.linalg.norm(track - np.median(track[start], axis=0), axis=1)


def _at_manikin(excursion: np.ndarray, min_excursion: float) -> Optional[np.ndarray]:
    # The attempt may be a small part of a long clip: take the farthest point, not a percentile.
    far = np.nanmax(excursion) if np.isfinite(excursion).any() else np.nan
    if not np.isfinite(far) or far < min_excursion:
        return None
    return np.nan_to_num(excursion, nan=0.0) > AT_MANIKIN_SHARE * far


def attempt_bounds(
    motion: Motion, laryngoscope_hand: str, thresholds: KinematicThresholds, hand_size: float
) -> Optional[tuple[int, int]]:
    """[start, stop) frames of the attempt: the longest stay of the laryngoscope hand at the manikin,
    from when it settles (slows below the idle speed) to when it last rests before leaving."""
    excursion = _excursion(motion, laryngoscope_hand)
    speed = hand_speed(motion, laryngoscope_hand)
    if excursion is None or speed is None:
        return None
    near = _at_manikin(excursion, MIN_EXCURSION_HAND_SIZES * hand_size)
    if near is None:
        return None
    runs = mask_runs(near)
    if not runs:
        return None
    a, b = max(runs, key=lambda r: r[1] - r[0])
    slow = np.flatnonzero(np.nan_to_num(speed[a:b], nan=np.inf) < thresholds.idle_speed)
    if slow.size:
        a, b = a + int(slow[0]), a + int(slow[-1]) + 1
    return (a, b) if b - a >= 2 else None


def _tube_arrival(
    motion: Motion, laryngoscope_hand: str, tube_hand: str, bounds: tuple[int, int], hand_size: float
) -> Optional[float]:
    """When the tube hand comes in to the laryngoscope hand during the attempt: the first time their
    distance falls below TUBE_ARRIVAL_SHARE of what it was as the attempt began."""
    first, second = hand_track(motion, laryngoscope_hand), hand_track(motion, tube_hand)
    if first is None or second is None:
        return None
    a, b = bounds
    gap = np.linalg.norm(first[a:b] - second[a:b], axis=1)
    edge = max(1, int(EDGE_WINDOW_S * motion.fps))
    start_gap = np.nanmedian(gap[:edge]) if np.isfinite(gap[:edge]).any() else np.nan
    if not np.isfinite(start_gap) or start_gap < MIN_EXCURSION_HAND_SIZES * hand_size:
        return None
    closer = np.flatnonzero(np.nan_to_num(gap, nan=np.inf) < TUBE_ARRIVAL_SHARE * start_gap)
    return float(motion.timestamps[a + int(closer[0])]) if closer.size else None


def find_intubation_phases(
    motion: Motion,
    laryngoscope_hand: str = LEFT_HAND,
    tube_hand: str = RIGHT_HAND,
    thresholds: Optional[KinematicThresholds] = None,
) -> list[Phase]:
    """Labelled segments: approach, laryngoscopy, tube_insertion, withdrawal ([] if no attempt is seen)."""

    thresholds = thresholds or thresholds_for(motion)
    hand_size = hand_size_in_units(motion)
    bounds = attempt_bounds(motion, laryngoscope_hand, thresholds, hand_size)
    if bounds is None:
        return []
    a, b = bounds
    t = motion.timestamps
    end_of_attempt = float(t[b - 1])
    tube_start = _tube_arrival(motion, laryngoscope_hand, tube_hand, (a, b), hand_size)
    tube_start = end_of_attempt if tube_start is None else tube_start
    phases = [
        Phase("approach", float(t[0]), float(t[a])),
        Phase("laryngoscopy", float(t[a]), tube_start),
        Phase("tube_insertion", tube_start, end_of_attempt),
        Phase("withdrawal", end_of_attempt, float(t[-1])),
    ]
    return [p for p in phases if p.end_s > p.start_s]


def _median_in(values: Optional[np.ndarray], window: slice) -> float:
    if values is None:
        return float("nan")
    part = values[window]
    return float(np.nanmedian(part)) if np.isfinite(part).any() else float("nan")


def _range_in(values: Optional[np.ndarray], window: slice) -> float:
    if values is None:
        return float("nan")
    part = values[window]
    part = part[np.isfinite(part)]
    return float(np.percentile(part, 95) - np.percentile(part, 5)) if part.size >= 3 else float("nan")


def lift_along_forearm(motion: Motion, side: str, window: slice) -> float:
    """Range (5th-95th percentile) of the wrist's movement along the forearm's mean direction (units):
    a proper lift moves the whole arm along the handle."""
    elbow, wrist = posture.body_point(motion, f"{side}_elbow"), posture.body_point(motion, f"{side}_wrist")
    if elbow is None or wrist is None:
        return float("nan")
    forearm = np.nanmean(wrist[window] - elbow[window], axis=0)
    norm = np.linalg.norm(forearm)
    if not np.isfinite(norm) or norm == 0:
        return float("nan")
    return _range_in(wrist @ (forearm / norm), window)


def head_forward_shift(motion: Motion, laryngoscope_hand: str, window: slice) -> float:
    """How far the head moved towards the manikin over the attempt (units; + = closer): the head's
    horizontal position at the end minus at the start, signed towards the laryngoscope hand."""
    head = posture.body_point(motion, "mid_ear")
    if head is None:
        head = posture.body_point(motion, "nose")
    shoulder = posture.body_point(motion, "mid_shoulder")
    track = hand_track(motion, laryngoscope_hand)
    if head is None or track is None or shoulder is None:
        return float("nan")
    forward = np.sign(np.nanmedian(track[:, 0] - shoulder[:, 0])) or 1.0
    x = head[window, 0]
    fs = motion.fps
    edge = max(1, int(EDGE_WINDOW_S * fs))
    if np.isfinite(x).sum() < 2:
        return float("nan")
    start, end = np.nanmedian(x[:edge]), np.nanmedian(x[-edge:])
    return float(forward * (end - start))


def intubation_features(
    motion: Motion, laryngoscope_hand: str, tube_hand: str, thresholds: KinematicThresholds
) -> dict[str, tuple[float, str]]:
    """name -> (value, reason if unavailable) for the intubation-specific features."""
    phases = find_intubation_phases(motion, laryngoscope_hand, tube_hand, thresholds)
    attempt = [p for p in phases if p.label in ("laryngoscopy", "tube_insertion")]
    if not attempt:
        reason = "no attempt found (the laryngoscope hand never settled at the manikin)"
        names = (
            "attempt_duration",
            "laryngoscopy_duration",
            "wrist_flexion_change",
            "lift_distance",
            "lever_index",
            "elbow_elevation",
            "trunk_flexion",
            "neck_flexion",
            "head_forward_shift",
            "head_jerk",
        )
        return {n: (float("nan"), reason) for n in names}
    t = motion.timestamps
    a = int(np.searchsorted(t, attempt[0].start_s))
    b = int(np.searchsorted(t, attempt[-1].end_s, side="right"))
    window = slice(a, b)
    side = laryngoscope_hand.split("_")[0]
    no_body = "" if BODY in motion.individuals else "no body (pose) tracking"
    flexion_change = _range_in(posture.wrist_flexion(motion, side), window)
    lift = lift_along_forearm(motion, side, window)

    lever = (
        flexion_change / max(lift, 0.05 * hand_size_in_units(motion)) if np.isfinite(lift) else float("nan")
    )
    laryngoscopy = next((p for p in phases if p.label == "laryngoscopy"), None)
    values = {
        "attempt_duration": float(attempt[-1].end_s - attempt[0].start_s),
        "laryngoscopy_duration": float(laryngoscopy.end_s - laryngoscopy.start_s)
        if laryngoscopy
        else float("nan"),
        "wrist_flexion_change": flexion_change,
        "lift_distance": lift,
        "lever_index": lever,
        "elbow_elevation": _median_in(posture.elbow_elevation(motion, side), window),
        "trunk_flexion": _median_in(posture.trunk_flexion(motion), window),
        "neck_flexion": _median_in(posture.neck_flexion(motion), window),
        "head_forward_shift": head_forward_shift(motion, laryngoscope_hand, window),
        "head_jerk": compute_mean_jerk(motion.slice_time(a, b), BODY, "nose")
        if BODY in motion.individuals and "nose" in motion.keypoints
        else float("nan"),
    }
    return {
        k: (v, "" if np.isfinite(v) else (no_body or "landmarks missing during the attempt"))
        for k, v in values.items()
    }

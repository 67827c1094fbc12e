"""Hand shape over time: grip aperture cycles (thumb-index) and wrist rotation range.

Both need hand landmarks (or, for lab kinematics, a gripper-angle signal); glove-only tracking has
neither, and the features then say so instead of guessing.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from skillsight.pose.motion import Motion
from skillsight.pose.scale import hand_size_in_units
from skillsight.scoring.features.kinematics import spatial_axes
from skillsight.scoring.features.peaks import find_peaks

# An open-close cycle counts when the aperture changes by at least this much (hand sizes / radians).
GRIP_PROMINENCE_HAND_SIZES = 0.15
GRIP_PROMINENCE_RADIANS = 0.2
MIN_GRIP_CYCLE_S = 0.3


def grip_aperture(motion: Motion, hand: str) -> tuple[Optional[np.ndarray], str]:
    """(T,) thumb-tip to index-tip distance (units), else a gripper angle signal (rad), and its unit."""
    if hand in motion.individuals and all(k in motion.keypoints for k in ("thumb_tip", "index_finger_tip")):
        axes = spatial_axes(motion)
        d = np.linalg.norm(
            motion.track(hand, "thumb_tip")[:, axes] - motion.track(hand, "index_finger_tip")[:, axes], axis=1
        )
        if np.isfinite(d).any():
            return d, motion.units
    for name in (f"{hand}.gripper_angle", f"{hand}.grip_angle"):
        if name in motion.signals:
            return np.asarray(motion.signals[name], dtype=np.float64).reshape(motion.n_frames, -1)[
                :, 0
            ], "rad"
    return None, ""


def compute_grip_cycles(motion: Motion, hand: str) -> tuple[float, str]:
    """Number of grip open-close cycles: peaks of the grip aperture with a clear rise and fall (count)."""
    aperture, unit = grip_aperture(motion, hand)
    if aperture is None:
        return float("nan"), "no thumb/index landmarks or gripper signal for this hand"
    prominence = (
        GRIP_PROMINENCE_RADIANS if unit == "rad" else GRIP_PROMINENCE_HAND_SIZES * hand_size_in_units(motion)
    )
    filled = np.where(np.isfinite(aperture), aperture, np.nanmin(aperture))
    distance = max(1, int(round(MIN_GRIP_CYCLE_S * motion.fps)))
    peaks = find_peaks(filled, prominence=prominence, distance=distance)
    return float(len(peaks)), ""


def wrist_angle_series(motion: Motion, hand: str) -> Optional[np.ndarray]:
    """(T,) in-plane angle (rad, unwrapped over observed frames) of wrist -> middle-finger knuckle."""
    if hand not in motion.individuals or not all(
        k in motion.keypoints for k in ("wrist", "middle_finger_mcp")
    ):
        return None
    x, y = spatial_axes(motion)[:2]
    vec = motion.track(hand, "middle_finger_mcp") - motion.track(hand, "wrist")
    angle = np.arctan2(vec[:, y], vec[:, x])
    finite = np.isfinite(angle)
    if finite.sum() < 2:
        return None
    out = np.full(angle.shape, np.nan)
    out[finite] = np.unwrap(angle[finite])
    return out


def compute_wrist_rotation_range(motion: Motion, hand: str) -> tuple[float, str]:
    """Range (5th to 95th percentile) of the hand's in-plane rotation, wrist -> middle knuckle (deg)."""
    angle = wrist_angle_series(motion, hand)
    if angle is None:
        return float("nan"), "no wrist and middle-finger landmarks for this hand"
    low, high = np.nanpercentile(angle, [5, 95])
    return float(np.degrees(high - low)), ""

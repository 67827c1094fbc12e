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
PALM_LANDMARKS = ("wrist", "index_finger_mcp", "middle_finger_mcp", "ring_finger_mcp", "pinky_mcp")


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
    """(T,) in-plane rotation of the hand (rad, unwrapped over observed frames): the least-squares
    rotation of the five palm landmarks (wrist and knuckles, which move as one rigid piece), else the
    direction from wrist to middle-finger knuckle. Fitting five points instead of following two keeps
    landmark noise out of the angle."""
    if hand not in motion.individuals:
        return None
    x, y = spatial_axes(motion)[:2]
    if all(k in motion.keypoints for k in PALM_LANDMARKS):
        palm = np.stack([motion.track(hand, k)[:, [x, y]] for k in PALM_LANDMARKS], axis=1)
        angle = _palm_rotation(palm)
    elif all(k in motion.keypoints for k in ("wrist", "middle_finger_mcp")):
        vec = motion.track(hand, "middle_finger_mcp") - motion.track(hand, "wrist")
        angle = np.arctan2(vec[:, y], vec[:, x])
    else:
        return None
    finite = np.isfinite(angle)
    if finite.sum() < 2:
        return None
    out = np.full(angle.shape, np.nan)
    out[finite] = np.unwrap(angle[finite])
    return out


def _palm_rotation(palm: np.ndarray) -> np.ndarray:
    """(T,) angle (rad, wrapped) of the rotation that best maps a reference palm onto each frame's
    (T, P, 2) palm, measured from the wrist -> middle-knuckle direction of the reference. The
    reference is the median shape after aligning every frame to the first (one Procrustes round)."""
    seen = np.isfinite(palm).all(axis=(1, 2))
    angle = np.full(palm.shape[0], np.nan)
    if not seen.any():
        return angle
    shapes = palm[seen] - palm[seen].mean(axis=1, keepdims=True)
    first = shapes[0]
    rough = _rotation_to(first, shapes)
    c, s = np.cos(-rough), np.sin(-rough)
    aligned = np.stack(
        [
            c[:, None] * shapes[..., 0] - s[:, None] * shapes[..., 1],
            s[:, None] * shapes[..., 0] + c[:, None] * shapes[..., 1],
        ],
        axis=-1,
    )
    reference = np.median(aligned, axis=0)
    direction = reference[PALM_LANDMARKS.index("middle_finger_mcp")] - reference[0]
    angle[seen] = _rotation_to(reference, shapes) + np.arctan2(direction[1], direction[0])
    return angle


def _rotation_to(reference: np.ndarray, shapes: np.ndarray) -> np.ndarray:
    """(N,) least-squares rotation angle from a centred (P, 2) reference to centred (N, P, 2) shapes."""
    cross = (reference[None, :, 0] * shapes[..., 1] - reference[None, :, 1] * shapes[..., 0]).sum(axis=1)
    dot = (reference[None, :, 0] * shapes[..., 0] + reference[None, :, 1] * shapes[..., 1]).sum(axis=1)
    return np.arctan2(cross, dot)


def compute_wrist_rotation_range(motion: Motion, hand: str) -> tuple[float, str]:
    """Range (5th to 95th percentile) of the hand's in-plane rotation (deg), `wrist_angle_series`."""
    angle = wrist_angle_series(motion, hand)
    if angle is None:
        return float("nan"), "no wrist and middle-finger landmarks for this hand"
    low, high = np.nanpercentile(angle, [5, 95])
    return float(np.degrees(high - low)), ""

"""Hand shape over time: grip aperture cycles (thumb-index) and wrist rotation range.

Both need hand landmarks (or, for lab kinematics, a gripper-angle signal); glove-only tracking has
neither, and the features then say so instead of guessing.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from skillsight.pose.cleaning import mask_runs
from skillsight.pose.motion import Motion
from skillsight.pose.scale import hand_size_in_units
from skillsight.scoring.features.kinematics import spatial_axes
from skillsight.scoring.features.local_fit import estimate_jitter
from skillsight.scoring.features.smoothness import FINGERTIPS, RAW_FINGERTIP_SIGNAL

# A grip cycle is an opening then a closing of the hand, each of at least this much (hand sizes /
# radians) and of at least GRIP_NOISE_MULTIPLE times the recording's own aperture jitter (a leg white
# jitter cannot draw, peak to peak, from +-3 sd), the closed hand before it and after it at least
# MIN_GRIP_CYCLE_S apart: a hand that half-shuts again within 0.3 s of a pinch (ASL fingerspelling
# does) makes one cycle, not two, however the frames fall on the short dip (peaks of prominence 0.15
# held 0.3 s apart counted 7 at 25 fps and 5 at 15 fps on that clip; 6 at 15-60 fps with this rule).
GRIP_PROMINENCE_HAND_SIZES = 0.15
GRIP_PROMINENCE_RADIANS = 0.2
GRIP_NOISE_MULTIPLE = 6.0
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


def aperture_noise(motion: Motion, hand: str, aperture: np.ndarray, unit: str) -> float:
    """Standard deviation of the grip aperture's tracking jitter (its unit): from the unsmoothed
    fingertip offsets `prepare_motion` keeps (thumb minus index is the aperture), else from the
    aperture as it is (a gripper angle, or positions that were never smoothed)."""
    raw = motion.signals.get(RAW_FINGERTIP_SIGNAL.format(hand=hand))
    if unit != "rad" and raw is not None and np.asarray(raw).shape[1] == len(FINGERTIPS):
        tips = np.asarray(raw)
        aperture = np.linalg.norm(tips[:, 0] - tips[:, 1], axis=-1)
    jitter = estimate_jitter(np.asarray(aperture, dtype=np.float64)[:, None])
    return jitter if np.isfinite(jitter) else 0.0


def turning_points(values: np.ndarray, times: np.ndarray, size: float) -> list[tuple[float, float, int]]:
    """Alternating extremes (time, value, +1 for a peak, -1 for a trough) of a gap-free (T,) signal,
    each at least `size` from the one before (a zigzag with hysteresis: an extreme is confirmed once
    the signal has moved `size` back from it). The last extreme is kept once the leg to it is `size`."""
    out: list[tuple[float, float, int]] = []
    low = high = 0
    state = 0  # 0: no leg yet, +1: rising (following the high), -1: falling (following the low)
    for i in range(1, values.size):
        v = values[i]
        if state >= 0 and v > values[high]:
            high = i
        if state <= 0 and v < values[low]:
            low = i
        if state <= 0 and v - values[low] >= size:
            out.append((float(times[low]), float(values[low]), -1))
            state, high = 1, i
        elif state >= 0 and values[high] - v >= size:
            out.append((float(times[high]), float(values[high]), 1))
            state, low = -1, i
    if state:
        last = high if state > 0 else low
        out.append((float(times[last]), float(values[last]), state))
    return out


def grip_cycle_peaks(turns: list[tuple[float, float, int]], min_cycle_s: float) -> list[float]:
    """Times of the peaks that make grip cycles: a peak with a trough before and after it at least
    `min_cycle_s` apart. A quicker one is merged away (the peak and the higher of its troughs go), so
    the open hand on either side of a flick still counts once."""
    turns = list(turns)
    j = 1
    while j < len(turns) - 1:
        before, peak, after = turns[j - 1], turns[j], turns[j + 1]
        if peak[2] == 1 and after[0] - before[0] < min_cycle_s:
            higher = j - 1 if before[1] > after[1] else j + 1
            del turns[max(j, higher)], turns[min(j, higher)]
            j = max(1, j - 2)
        else:
            j += 1
    return [turns[j][0] for j in range(1, len(turns) - 1) if turns[j][2] == 1]


def compute_grip_cycles(motion: Motion, hand: str) -> tuple[float, str]:
    """Number of grip open-close cycles (count): an opening and a closing of the grip aperture, each
    clearly larger than the physiological minimum and the recording's jitter, closed to closed in at
    least MIN_GRIP_CYCLE_S; counted within tracked runs (a gap never closes the hand)."""
    aperture, unit = grip_aperture(motion, hand)
    if aperture is None:
        return float("nan"), "no thumb/index landmarks or gripper signal for this hand"
    floor = (
        GRIP_PROMINENCE_RADIANS if unit == "rad" else GRIP_PROMINENCE_HAND_SIZES * hand_size_in_units(motion)
    )
    size = max(floor, GRIP_NOISE_MULTIPLE * aperture_noise(motion, hand, aperture, unit))
    count = 0
    for a, b in mask_runs(np.isfinite(aperture)):
        turns = turning_points(aperture[a:b], motion.timestamps[a:b], size)
        count += len(grip_cycle_peaks(turns, MIN_GRIP_CYCLE_S))
    return float(count), ""


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

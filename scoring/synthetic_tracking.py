"""Tracking artefacts for synthetic practice, as MediaPipe hand tracking shows them on real clips.

Measured by scripts/measure_synthetic_realism.py on the shared real clips (asl_hand with its tfjs
reference landmarks and this project's own tracking; hand_reaching; typing_two_hands), in palm lengths
(robust sd per axis of the residual from a local quadratic fit):

| clip                  | whole hand, still | whole hand, moving | each landmark, still | moving |
|-----------------------|-------------------|--------------------|----------------------|--------|
| asl_hand (tfjs)       | 0.0013            | 0.0039             | 0.0024               | 0.0061 |
| hand_reaching         | 0.0005            | 0.0018             | 0.0011               | 0.0021 |
| typing_two_hands      | 0.0042            | 0.0066             | 0.0052               | 0.0073 |

Re-measured on 2026-11-30 with the crop-following hand tracker: within 0.0002 of these (typing 0.0040,
0.0067, 0.0053, 0.0072; this project's tracking of asl_hand 0.0014, 0.0040, 0.0024, 0.0062); no dropouts.
So jitter has a part the whole hand shares and a part each landmark adds, and both grow with hand
speed (motion blur). The model here: sd = still + per_speed x palm speed (palm lengths per second), for
both parts. Dropouts inside a tracked span were rare on these bare-hand clips (none in 620 tracked
frames); instruments and gloves occlude hands in real practice, so short dropouts stay, rarely.

The body (33 pose landmarks, intubation) is jittered as MediaPipe pose shows it on the one real pose
clip we hold (tfjs pose_squats reference landmarks, 65 frames at 5 fps, none missing): the residual of
each landmark from a local quadratic fit over its slowest 30% of frames, in torso lengths (shoulders'
midpoint to hips'), robust sd per axis, 0.0026 (slowest 20%: 0.0017). At 5 fps a squat's motion is not
a local quadratic, so the moving jitter is not measurable there and the body's is kept to the still one.
The body landmarks had 0.0006 before (the hands' per-landmark jitter in px).
"""

from __future__ import annotations

from typing import Optional

import numpy as np

N_LANDMARKS = 21
# Palm lengths: between the small-hand clip (typing) and the close-up ones (asl, hand_reaching).
COMMON_JITTER_STILL = 0.002
LANDMARK_JITTER_STILL = 0.003
JITTER_PER_SPEED = 0.0015  # added sd per palm length per second of hand speed
DROPOUT_SHARE = 0.003
BODY_JITTER_STILL = 0.0025  # torso lengths, per pose landmark and axis
MAX_GAP_FRAMES = 5


def torso_length(pose: np.ndarray) -> float:
    """Median distance (px) from the shoulders' midpoint to the hips' of (T, 33, 2) pose landmarks."""
    shoulders = np.nanmean(pose[:, [11, 12]], axis=1)
    hips = np.nanmean(pose[:, [23, 24]], axis=1)
    return float(np.nanmedian(np.linalg.norm(shoulders - hips, axis=1)))


def speed_of(palm: np.ndarray, fps: float) -> np.ndarray:
    """(T,) palm speed in palm lengths per second from a (T, 2) palm path in palm lengths."""
    if palm.shape[0] < 2:
        return np.zeros(palm.shape[0])
    return np.linalg.norm(np.gradient(palm, axis=0), axis=1) * fps


def hand_jitter(
    points: np.ndarray, palm_px: float, fps: float, rng: np.random.Generator, scale: float = 1.0
) -> np.ndarray:
    """(T, K, 2) jittered copy of one hand's keypoints in px; the first 21 are the landmarks, the rest
    (centroid, tip) follow the landmarks they are made of."""
    n_t = points.shape[0]
    palm = points[:, :N_LANDMARKS].mean(axis=1) / palm_px
    speed = speed_of(palm, fps)[:, None]
    common_sd = scale * (COMMON_JITTER_STILL + JITTER_PER_SPEED * speed) * palm_px
    landmark_sd = scale * (LANDMARK_JITTER_STILL + JITTER_PER_SPEED * speed) * palm_px
    out = np.array(points, dtype=float)
    out += rng.normal(size=(n_t, 1, 2)) * common_sd[:, :, None]
    out[:, :N_LANDMARKS] += rng.normal(size=(n_t, N_LANDMARKS, 2)) * landmark_sd[:, :, None]
    return out


def add_tracking_artifacts(
    positions: np.ndarray,
    hand_slices: dict[int, slice],
    palm_px: dict[int, float],
    fps: float,
    rng: np.random.Generator,
    noise_px: Optional[float] = None,
    dropout_share: float = DROPOUT_SHARE,
    body_jitter_px: Optional[float] = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Jitter and short dropouts on (T, I, K, D) positions: (positions, confidence).

    With `noise_px` None, hands get the measured jitter model (`hand_jitter`) and other keypoints
    (the body) `body_jitter_px` (BODY_JITTER_STILL torso lengths, in px), or without it the
    still-hand per-landmark jitter of the hand's scale; a number gives plain Gaussian jitter of that sd
    in px on every keypoint instead."""
    n_t, n_i = positions.shape[:2]
    positions = np.array(positions, dtype=float)
    if noise_px is not None:
        positions[..., :2] += rng.normal(0, noise_px, positions[..., :2].shape)
    else:
        reference_palm = float(np.mean(list(palm_px.values()))) if palm_px else 50.0
        for i in range(n_i):
            if i in hand_slices:
                part = hand_slices[i]
                positions[:, i, part, :2] = hand_jitter(positions[:, i, part, :2], palm_px[i], fps, rng)
            else:
                sd = body_jitter_px if body_jitter_px is not None else LANDMARK_JITTER_STILL * reference_palm
                positions[:, i, :, :2] += rng.normal(0, sd, positions[:, i, :, :2].shape)
    confidence = np.where(np.isnan(positions[..., 0]), 0.0, 0.9)
    if dropout_share > 0:
        for i in range(n_i):
            n_gaps = int(rng.poisson(dropout_share * n_t / 3.0))
            for start in rng.integers(0, max(n_t - MAX_GAP_FRAMES - 1, 1), n_gaps):
                stop = int(start + rng.integers(1, MAX_GAP_FRAMES + 1))
                positions[start:stop, i] = np.nan
                confidence[start:stop, i] = 0.0
    return positions, confidence

"""Between the hands: do they work together (speed correlation, simultaneous movement) and how is
the work shared (path ratio)."""

from __future__ import annotations

import numpy as np

from skillsight.pose.motion import Motion
from skillsight.scoring.features.kinematics import (
    KinematicThresholds,
    compute_path_length,
    hand_speed,
    pause_timeline,
)


def compute_speed_correlation(motion: Motion, first_hand: str, second_hand: str) -> float:
    """Pearson correlation (-1..1) of the two hands' speeds over frames where both are observed."""
    a, b = hand_speed(motion, first_hand), hand_speed(motion, second_hand)
    if a is None or b is None:
        return float("nan")
    both = np.isfinite(a) & np.isfinite(b)
    if both.sum() < 3 or np.std(a[both]) == 0 or np.std(b[both]) == 0:
        return float("nan")
    return float(np.corrcoef(a[both], b[both])[0, 1])


def compute_simultaneous_share(
    motion: Motion, first_hand: str, second_hand: str, thresholds: KinematicThresholds
) -> float:
    """Share (0-1) of the time either hand moves during which both move (read on the pauses' fine
    clock, so the frame rate does not matter)."""
    a, b = hand_speed(motion, first_hand), hand_speed(motion, second_hand)
    if a is None or b is None:
        return float("nan")
    _, seen_a, paused_a = pause_timeline(a, thresholds, motion.timestamps)
    _, seen_b, paused_b = pause_timeline(b, thresholds, motion.timestamps)
    moving_a, moving_b = seen_a & seen_b & ~paused_a, seen_a & seen_b & ~paused_b
    either = moving_a | moving_b
    return float((moving_a & moving_b).sum() / either.sum()) if either.any() else float("nan")


def compute_path_ratio(motion: Motion, first_hand: str, second_hand: str) -> float:
    """Path length of the second hand divided by that of the first (ratio)."""
    first, second = compute_path_length(motion, first_hand), compute_path_length(motion, second_hand)
    if not (np.isfinite(first) and np.isfinite(second)) or first <= 0:
        return float("nan")
    return float(second / first)

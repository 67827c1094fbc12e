"""Between the hands: do they work together (speed correlation, simultaneous movement) and how is
the work shared (path ratio)."""

from __future__ import annotations

import numpy as np

from skillsight.pose.motion import Motion
from skillsight.scoring.features.kinematics import (
    KinematicThresholds,
    compute_path_length,
    hand_speed,
    pause_weight,
    stillness_timeline,
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
    clock, so the frame rate does not matter), each averaged over the idle-speed band as every pause
    is (`kinematics.pause_weight`): at one idle speed both hands move where the stiller of the two does,
    either where the livelier does."""
    a, b = hand_speed(motion, first_hand), hand_speed(motion, second_hand)
    if a is None or b is None:
        return float("nan")
    _, seen_a, still_a = stillness_timeline(a, thresholds, motion.timestamps)
    _, seen_b, still_b = stillness_timeline(b, thresholds, motion.timestamps)
    seen = seen_a & seen_b
    both = np.where(seen, 1.0 - pause_weight(np.minimum(still_a, still_b), thresholds.idle_speed), 0.0)
    either = np.where(seen, 1.0 - pause_weight(np.maximum(still_a, still_b), thresholds.idle_speed), 0.0)
    return float(both.sum() / either.sum()) if either.any() else float("nan")


def compute_path_ratio(motion: Motion, first_hand: str, second_hand: str) -> float:
    """Path length of the second hand divided by that of the first (ratio)."""
    first, second = compute_path_length(motion, first_hand), compute_path_length(motion, second_hand)
    if not (np.isfinite(first) and np.isfinite(second)) or first <= 0:
        return float("nan")
    return float(second / first)

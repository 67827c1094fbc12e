"""Scale: hand sizes (one common scale for both hands), mm from a marker, metric motion untouched."""

from __future__ import annotations

import numpy as np
import pytest

from skillsight.pose.scale import (
    GLOVE_AREA_SQRT_TO_HAND_SIZE,
    SEEN_SHARE,
    measure_hand_size,
    normalise_to_hand_size,
    scale_to_mm,
)
from skillsight.scoring.synthetic import generate_practice, motion_from_tracks

N = 60


def _hand(palm_px: float, offset: float) -> dict:
    x = np.linspace(0, 300, N) + offset
    return {
        "wrist": np.c_[x, np.full(N, 100.0)],
        "middle_finger_mcp": np.c_[x, np.full(N, 100.0 - palm_px)],
        "centroid": np.c_[x, np.full(N, 100.0 - palm_px / 2)],
    }


def _two_hands(left_px: float, right_px: float):
    tracks = {}
    for hand, size, off in (("left_hand", left_px, 0.0), ("right_hand", right_px, 400.0)):
        for kp, values in _hand(size, off).items():
            tracks[(hand, kp)] = values
    return motion_from_tracks(tracks)


def test_palm_length_is_measured_per_hand():
    motion = _two_hands(80.0, 100.0)
    assert measure_hand_size(motion, "left_hand").size == pytest.approx(80.0)
    assert measure_hand_size(motion, "right_hand").method == "wrist-middle_finger_mcp"


def test_one_common_scale_for_both_hands_keeps_their_ratio():
    """Both hands are one person's: the common scale is the larger hand's, the one nearer to lying flat."""
    motion = _two_hands(80.0, 100.0)
    scaled = normalise_to_hand_size(motion)
    assert scaled.units == "hand_size"
    step = scaled.metadata["processing"][-1]
    assert step["hand_size"] == pytest.approx(100.0)
    left = scaled.track("left_hand", "centroid")
    right = scaled.track("right_hand", "centroid")
    np.testing.assert_allclose(np.diff(left[:, 0]), np.diff(right[:, 0]))  # both moved 300 px -> same
    assert left[-1, 0] - left[0, 0] == pytest.approx(300.0 / 100.0)


def test_a_hand_glimpsed_in_a_few_frames_does_not_rescale_a_hand_seen_throughout():
    """The half-size typing clip showed a false second hand in one frame. A hand measured in fewer than
    SEEN_SHARE of the best-measured hand's frames takes no part in the common scale, however large."""
    motion = _two_hands(300.0, 100.0)
    positions = motion.positions.copy()
    glimpsed_frames = int(SEEN_SHARE * N) - 1
    positions[glimpsed_frames:, motion.individual_index("left_hand")] = np.nan
    glimpsed = motion.with_updates(positions=positions)
    step = normalise_to_hand_size(glimpsed).metadata["processing"][-1]
    assert step["per_hand"]["left_hand"]["frames"] == glimpsed_frames
    assert step["hand_size"] == pytest.approx(100.0)


def _turning_hand(palm_px: float, flat_share: float, outliers: int = 0) -> dict:
    """A hand whose palm (wrist to middle knuckle) lies flat in `flat_share` of the frames and is turned
    from the camera in the rest (its projection shorter, down to 0.3 of it), with `outliers` frames whose
    knuckle is misplaced twice as far."""
    rng = np.random.default_rng(0)
    seen = np.where(rng.uniform(size=N) < flat_share, 1.0, rng.uniform(0.3, 0.9, N))
    seen[rng.choice(N, outliers, replace=False)] = 2.0
    x = np.linspace(0, 300, N)
    return {
        ("right_hand", "wrist"): np.c_[x, np.full(N, 100.0)],
        ("right_hand", "middle_finger_mcp"): np.c_[x, 100.0 - palm_px * seen],
    }


@pytest.mark.parametrize("flat_share", [0.1, 0.3, 0.6, 1.0])
def test_the_hand_size_does_not_depend_on_how_the_palm_is_turned(flat_share):
    """A projection only shortens a palm: the same hand turned from the camera most of the time reads its
    own palm length, not its median projection (before: 0.6 to 1.0 of it with the posture)."""
    size = measure_hand_size(motion_from_tracks(_turning_hand(80.0, flat_share)), "right_hand")
    assert size.size == pytest.approx(80.0, rel=0.02)


def test_a_few_misplaced_palm_readings_do_not_set_the_hand_size():
    """Under 5 % of the frames with a landmark misplaced (a palm read twice its length) leave it."""
    size = measure_hand_size(motion_from_tracks(_turning_hand(80.0, 0.5, outliers=2)), "right_hand")
    assert size.size == pytest.approx(80.0, rel=0.02)


def test_camera_distance_does_not_change_normalised_positions():
    motion = _two_hands(80.0, 100.0)
    half = motion.with_updates(positions=motion.positions * 0.5)
    np.testing.assert_allclose(
        normalise_to_hand_size(half).positions, normalise_to_hand_size(motion).positions
    )


def test_glove_only_hand_uses_the_glove_area():
    x = np.c_[np.linspace(0, 100, N), np.zeros(N)]
    motion = motion_from_tracks(
        {("right_hand", "centroid"): x, ("right_hand", "tip"): x + [0, 50]},
        signals={"right_hand.area_px": np.full(N, 120.0**2)},
    )
    size = measure_hand_size(motion, "right_hand")
    assert size.method == "sqrt(glove area)"
    assert size.size == pytest.approx(GLOVE_AREA_SQRT_TO_HAND_SIZE * 120.0)
    without_area = motion.with_updates(signals={})
    assert measure_hand_size(without_area, "right_hand").size == pytest.approx(50.0)


def test_synthetic_hand_size_is_recovered():
    motion = generate_practice("expert", "suturing", n_stitches=2, seed=3, hand_size_px=72.0)
    assert normalise_to_hand_size(motion).metadata["processing"][-1]["hand_size"] == pytest.approx(
        72.0, rel=0.02
    )


def test_scale_to_mm_and_metric_motion():
    motion = _two_hands(80.0, 100.0)
    mm = scale_to_mm(motion, 0.5)
    assert mm.units == "mm"
    np.testing.assert_allclose(mm.positions, motion.positions * 0.5)
    with pytest.raises(ValueError, match="mm_per_px"):
        scale_to_mm(motion, -1.0)
    metric = motion_from_tracks({("left_hand", "tool_tip"): np.ones((N, 3))}, kind="kinematics_3d", units="m")
    kept = normalise_to_hand_size(metric)
    assert kept.units == "m"
    np.testing.assert_array_equal(kept.positions, metric.positions)
    assert "already metric" in kept.metadata["processing"][-1]["note"]


def test_palm_segments_measure_a_landmark_hand():
    """Five palm segments in MediaPipe's proportions (of a real hand) give back its palm length."""
    from skillsight.base.keypoints import HAND_KEYPOINTS

    proportions = {  # distance from the wrist (or index knuckle) in palm lengths, along the palm
        "index_finger_mcp": (-0.35, 1.036),
        "middle_finger_mcp": (0.0, 1.0),
        "ring_finger_mcp": (0.3, 0.911),
        "pinky_mcp": (0.427, 0.779),
    }
    palm_px = 120.0
    x = np.linspace(0, 300, N)
    tracks = {("right_hand", k): np.c_[x, np.full(N, 500.0)] for k in HAND_KEYPOINTS}
    for name, (dx, dy) in proportions.items():
        tracks[("right_hand", name)] = np.c_[x + dx * palm_px, np.full(N, 500.0 - dy * palm_px)]
    size = measure_hand_size(motion_from_tracks(tracks), "right_hand")
    assert size.method == "palm segments"
    assert size.size == pytest.approx(palm_px, rel=0.03)

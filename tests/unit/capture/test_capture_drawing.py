"""Drawing: skeletons, gloves, trails and the quality badge land where the points are, and nowhere else."""

from __future__ import annotations

import numpy as np
import pytest

from skillsight.capture import (
    draw_glove,
    draw_hand_skeleton,
    draw_pose_skeleton,
    draw_quality_badge,
    draw_trail,
)
from skillsight.capture.drawing import (
    BADGE_COLOURS,
    HAND_CONNECTIONS,
    HAND_LANDMARK_NAMES,
    INDIVIDUAL_COLOURS,
    POSE_CONNECTIONS,
    POSE_LANDMARK_NAMES,
)
from skillsight.pose.annotate import annotate_frame, tracking_badge
from skillsight.pose.motion import Motion

RED = (255, 0, 0)


def blank(height: int = 200, width: int = 300) -> np.ndarray:
    return np.zeros((height, width, 3), dtype=np.uint8)


def assert_colour(pixel: np.ndarray, expected: tuple) -> None:
    """Anti-aliased lines blend at their edges: the colour within a small tolerance."""
    assert np.abs(pixel.astype(int) - np.array(expected)).max() <= 40, (tuple(pixel), expected)


def changed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    return np.any(before != after, axis=2)


def test_connection_lists_match_mediapipe_sizes():
    assert len(HAND_LANDMARK_NAMES) == 21 and len(HAND_CONNECTIONS) == 21
    assert len(POSE_LANDMARK_NAMES) == 33 and len(POSE_CONNECTIONS) == 35
    assert max(max(c) for c in HAND_CONNECTIONS) == 20 and max(max(c) for c in POSE_CONNECTIONS) == 32


def test_hand_skeleton_draws_along_its_bones_and_leaves_the_input_alone():
    image = blank()
    points = np.full((21, 2), np.nan)
    points[0] = (50, 150)  # wrist
    points[5] = (150, 150)  # index_finger_mcp: bone 0-5 is a horizontal line
    out = draw_hand_skeleton(image, points, RED)
    assert not image.any()
    assert_colour(out[150, 100], RED)  # middle of the bone
    assert not changed(image, out)[:100].any()  # nothing drawn far from it
    # A bone with a missing end is skipped rather than drawn to (0, 0).
    assert not changed(image, out)[:5, :5].any()


def test_pose_skeleton_joins_the_shoulders():
    image = blank()
    points = np.full((33, 2), np.nan)
    points[11] = (60, 40)  # left_shoulder
    points[12] = (240, 40)  # right_shoulder
    out = draw_pose_skeleton(image, points, RED)
    assert_colour(out[40, 150], RED)
    assert not changed(image, out)[100:].any()


def test_skeletons_refuse_the_wrong_number_of_points():
    with pytest.raises(ValueError, match="21"):
        draw_hand_skeleton(blank(), np.zeros((20, 2)), RED)
    with pytest.raises(ValueError, match="33"):
        draw_pose_skeleton(blank(), np.zeros((21, 2)), RED)


def test_glove_marks_its_centroid_and_points_to_its_tip():
    image = blank()
    out = draw_glove(image, (100, 100), (200, 100), RED)
    diff = changed(image, out)
    assert diff[100, 150]  # on the arrow
    assert diff[95:106, 95:106].any()  # at the centroid
    assert not diff[150:].any()
    no_tip = draw_glove(image, (100, 100), (np.nan, np.nan), RED)
    assert not changed(image, no_tip)[100, 150]


def test_trail_is_broken_by_missing_points():
    image = blank()
    trail = np.array([[20, 50], [120, 50], [np.nan, np.nan], [120, 150], [220, 150]], dtype=float)
    out = draw_trail(image, trail, RED)
    diff = changed(image, out)
    assert diff[50, 70] and diff[150, 170]
    assert not diff[100, 120]  # no segment across the gap


@pytest.mark.parametrize("level", ["green", "amber", "red"])
def test_quality_badge_is_coloured_by_level(level):
    image = np.full((120, 200, 3), 128, dtype=np.uint8)
    out = draw_quality_badge(image, "hands 2/2", level)
    rows, cols = np.nonzero(np.all(out == BADGE_COLOURS[level], axis=2))
    assert rows.size > 200  # a filled badge, not a speck
    assert rows.max() < 40 and cols.min() < 10  # in the top-left corner
    assert np.all(out[60:] == 128)


def test_quality_badge_refuses_an_unknown_level():
    with pytest.raises(ValueError, match="level"):
        draw_quality_badge(blank(), "x", "blue")


# --- annotate_frame from a Motion -----------------------------------------------------------------


def make_motion(n_frames: int = 10) -> Motion:
    """left_hand with MediaPipe landmarks moving right, right_hand as a glove, body shoulders."""
    keypoints = (*HAND_LANDMARK_NAMES, "centroid", "tip", "left_shoulder", "right_shoulder")
    individuals = ("left_hand", "right_hand", "body")
    positions = np.full((n_frames, 3, len(keypoints), 2), np.nan)
    for t in range(n_frames):
        x = 40 + 10 * t
        positions[t, 0, 0] = (x, 150)  # wrist
        positions[t, 0, 5] = (x, 110)  # index_finger_mcp
        positions[t, 1, 21] = (250, 60)  # centroid
        positions[t, 1, 22] = (250, 20)  # tip
        positions[t, 2, 23] = (150, 180)  # left_shoulder
        positions[t, 2, 24] = (290, 180)  # right_shoulder
    positions[n_frames - 1, 1] = np.nan  # the glove is lost in the last frame
    confidence = np.where(np.isnan(positions[..., 0]), 0.0, 0.9)
    return Motion(
        positions=positions,
        confidence=confidence,
        timestamps=np.arange(n_frames) * 0.1,
        individuals=individuals,
        keypoints=keypoints,
        space=("x", "y"),
    )


def test_annotate_frame_draws_every_individual_and_a_trail():
    motion = make_motion()
    image = blank()
    out = annotate_frame(image, motion, 5, trail_s=0.35)
    diff = changed(image, out)
    assert not image.any()
    left, right, body = (INDIVIDUAL_COLOURS[k] for k in ("left_hand", "right_hand", "body"))
    assert_colour(out[130, 90], left)  # the hand's bone from wrist to index mcp at x = 90
    assert_colour(out[40, 250], right)  # the glove's arrow to its tip
    assert_colour(out[180, 220], body)  # the shoulder line
    assert diff[150, 75]  # the wrist's trail over the last 0.35 s (x 60..90)
    assert not diff[150, 45]  # ... but not older positions


def test_annotate_frame_scales_points_onto_a_smaller_image():
    motion = make_motion()
    out = annotate_frame(blank(100, 150), motion, 5, scale=0.5)
    assert_colour(out[65, 45], INDIVIDUAL_COLOURS["left_hand"])


def test_the_badge_reports_the_share_of_hands_found_so_far():
    motion = make_motion(10)
    assert tracking_badge(motion, 5) == ("hands 2/2  found 100%", "green")
    text, level = tracking_badge(motion, 9)
    assert text == "hands 1/2  found 95%" and level == "green"
    out = annotate_frame(blank(), motion, 9)
    assert_colour(out[4, 4], BADGE_COLOURS["green"])


def test_a_hand_never_seen_does_not_count_against_the_badge():
    motion = make_motion(4)
    positions = np.array(motion.positions)
    positions[:, 1] = np.nan  # the right hand never appears
    positions[2:, 0] = np.nan  # the left hand is lost half of the time
    one_hand = motion.with_updates(
        positions=positions, confidence=np.where(np.isnan(positions[..., 0]), 0, 1.0)
    )
    assert tracking_badge(one_hand, 3) == ("hands 0/1  found 50%", "red")
    # but a procedure that needs both hands counts both: the replay of a clip refused for a hand never
    # found read "hands 1/1 found 100%", green
    assert tracking_badge(one_hand, 3, hands_expected=2) == ("hands 0/2  found 25%", "red")
    assert tracking_badge(one_hand, 1, hands_expected=2)[0] == "hands 1/2  found 50%"


def test_the_replay_drawn_while_tracking_counts_the_procedures_hands(tmp_path):
    from skillsight.pose.live_overlay import LiveOverlay
    from skillsight.score_request import ScoreRequest

    motion = make_motion(4)
    positions = np.array(motion.positions)
    positions[:, 1] = np.nan  # the right hand never appears
    one_hand = motion.with_updates(
        positions=positions, confidence=np.where(np.isnan(positions[..., 0]), 0, 1.0)
    )
    overlay = LiveOverlay(tmp_path / "o.mp4", 10.0, [], threaded=False, hands_expected=2)
    assert overlay._badge(one_hand) == ("hands 1/2  found 50%", "red")
    request = ScoreRequest.build(str(tmp_path / "v.mp4"), "suturing", overlay_path=tmp_path / "o.mp4")
    assert request.tracking().overlay_hands_expected == 2  # both hands, as the procedure requires


def test_annotate_frame_rejects_a_time_outside_the_motion():
    with pytest.raises(IndexError):
        annotate_frame(blank(), make_motion(3), 3)

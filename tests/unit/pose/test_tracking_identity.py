"""Anatomical hand identity from MediaPipe's labels, camera views and previous positions (no MediaPipe)."""

from __future__ import annotations

import numpy as np
import pytest

from skillsight.pose.trackers.mediapipe_hands import (
    HandDetection,
    HandIdentityResolver,
    anatomical_hand,
)


def hand_at(x: float, hand: str, score: float = 0.95, y: float = 200.0, palm: float = 60.0) -> HandDetection:
    """21 landmarks of a hand whose palm centre is near (x, y): wrist below, MCPs `palm` px above."""
    points = np.zeros((21, 3))
    points[:, 0] = x
    points[:, 1] = y
    points[0, 1] = y + palm / 2  # wrist
    for mcp in (5, 9, 13, 17):
        points[mcp, 1] = y - palm / 2
    return HandDetection(points=points, hand=hand, score=score)


def test_mediapipe_tasks_labels_are_anatomy_on_ordinary_recordings():
    # Checked on the real clip by test_tracking_mediapipe: its right hand is labelled "Right".
    assert anatomical_hand("Right") == "right_hand"
    assert anatomical_hand("Left") == "left_hand"
    assert anatomical_hand("Right", mirrored=True) == "left_hand"
    assert anatomical_hand("Left", mirrored=True) == "right_hand"


def test_two_hands_with_different_labels_follow_the_labels():
    resolver = HandIdentityResolver("top")
    got = resolver.assign([hand_at(500, "left_hand"), hand_at(100, "right_hand")])
    assert got["left_hand"].palm_centre[0] == pytest.approx(500)
    assert got["right_hand"].palm_centre[0] == pytest.approx(100)


@pytest.mark.parametrize(("view", "left_x"), [("top", 100.0), ("front", 500.0)])
def test_same_label_twice_without_history_uses_the_image_side_of_the_view(view, left_x):
    resolver = HandIdentityResolver(view)
    got = resolver.assign([hand_at(100, "right_hand", 0.9), hand_at(500, "right_hand", 0.8)])
    assert got["left_hand"].palm_centre[0] == pytest.approx(left_x)
    assert {d.palm_centre[0] for d in got.values()} == {100.0, 500.0}


def test_side_view_keeps_the_more_confident_label_and_gives_the_other_hand_the_other_identity():
    resolver = HandIdentityResolver("side")
    got = resolver.assign([hand_at(100, "right_hand", 0.7), hand_at(500, "right_hand", 0.9)])
    assert got["right_hand"].palm_centre[0] == pytest.approx(500)
    assert got["left_hand"].palm_centre[0] == pytest.approx(100)


def test_swapped_labels_are_overridden_when_previous_positions_clearly_disagree():
    resolver = HandIdentityResolver("top")
    for _ in range(5):
        resolver.assign([hand_at(100, "left_hand"), hand_at(500, "right_hand")])
    # MediaPipe flips both labels while the hands stay where they were.
    got = resolver.assign([hand_at(505, "left_hand"), hand_at(98, "right_hand")])
    assert got["left_hand"].palm_centre[0] == pytest.approx(98)
    assert got["right_hand"].palm_centre[0] == pytest.approx(505)


def test_hands_that_really_cross_slowly_keep_their_labels():
    resolver = HandIdentityResolver("top")
    xs = np.linspace(100, 500, 30)
    for left_x, right_x in zip(xs, xs[::-1]):
        got = resolver.assign([hand_at(left_x, "left_hand"), hand_at(right_x, "right_hand")])
        assert got["left_hand"].palm_centre[0] == pytest.approx(left_x)


def test_a_lone_hand_whose_label_flickers_keeps_its_identity():
    resolver = HandIdentityResolver("top")
    for _ in range(5):
        resolver.assign([hand_at(300, "right_hand")])
    got = resolver.assign([hand_at(302, "left_hand")])
    assert list(got) == ["right_hand"]
    # Far from where the right hand was, the label is believed.
    got = resolver.assign([hand_at(40, "left_hand")])
    assert list(got) == ["left_hand"]


def test_history_is_forgotten_after_the_memory_window():
    resolver = HandIdentityResolver("top", memory_frames=3)
    resolver.assign([hand_at(300, "right_hand")])
    for _ in range(5):
        resolver.assign([])
    assert list(resolver.assign([hand_at(300, "left_hand")])) == ["left_hand"]


def test_size_consistency_is_one_for_a_steady_hand_and_drops_when_it_jumps():
    resolver = HandIdentityResolver("top")
    for _ in range(5):
        resolver.assign([hand_at(300, "right_hand", palm=60)])
    assert resolver.size_consistency("right_hand", 60.0) == pytest.approx(1.0)
    assert resolver.size_consistency("right_hand", 120.0) == pytest.approx(0.0)
    assert 0.4 < resolver.size_consistency("right_hand", 85.0) < 0.6
    assert resolver.size_consistency("left_hand", 10.0) == 1.0  # nothing to compare with yet


def test_one_hand_found_twice_is_reported_once():
    resolver = HandIdentityResolver("top")
    got = resolver.assign([hand_at(300, "right_hand", 0.9), hand_at(305, "left_hand", 0.6)])
    assert list(got) == ["right_hand"]


def test_frames_over_1920_px_are_tracked_small_and_mapped_back_to_original_pixels():
    from skillsight.pose.trackers.mediapipe_hands import tracking_image

    image = np.zeros((2000, 4000, 3), dtype=np.uint8)
    small, to_original = tracking_image(image)
    assert max(small.shape[:2]) == 1920
    factor = 4000 / small.shape[1]
    mapped = to_original(np.array([[100.0, 50.0, -10.0], [np.nan, np.nan, np.nan]]))
    np.testing.assert_allclose(mapped[0], [100 * factor, 50 * factor, -10 * factor], rtol=1e-3)
    assert np.isnan(mapped[1]).all()
    same, identity = tracking_image(np.zeros((1080, 1920, 3), dtype=np.uint8))
    assert same.shape == (1080, 1920, 3) and identity(np.ones(3))[0] == 1.0

"""Arms lying along a border (issue 10): one arm that touches the border twice is one arm, entering where
it crosses the border; two arms that enter apart stay two; on the generated scenes the hand point lies on
the hand and a bare strip along a border is not reported there."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from skillsight.capture.frames import Frame
from skillsight.glove_scene_scoring import centres_of
from skillsight.pose.trackers.gloves import GloveTracker
from skillsight.pose.trackers.gloves.border_arms import bare_strip, merge_arm_along_border
from skillsight.pose.trackers.gloves.hands import border_contacts

ENTRY_EDGES = ("left", "bottom", "right")
SIZE = (384, 216)


def _arm_up_the_right_border() -> np.ndarray:
    """A forearm rising along the right border from the bottom, its hand bulging back to the border."""
    width, height = SIZE
    blob = np.zeros((height, width), np.uint8)
    cv2.rectangle(blob, (width - 24, 120), (width - 4, height - 1), (1,), -1)  # sleeve, off the border
    cv2.rectangle(blob, (width - 30, height - 30), (width - 1, height - 1), (1,), -1)  # leaves at the corner
    cv2.ellipse(blob, (width - 18, 90), (18, 36), 0, 0, 360, (1,), -1)  # the hand, touching the border
    return blob


def test_an_arm_along_a_border_touching_it_twice_is_one_arm_entering_where_it_leaves() -> None:
    blob = _arm_up_the_right_border()
    contacts = border_contacts(blob, ENTRY_EDGES)
    assert len(contacts) == 2  # as the tracker saw it before: two arms, two hands
    merged = merge_arm_along_border(blob, contacts)
    assert len(merged) == 1
    entry = merged[0].mean(axis=0)
    assert entry[1] > 150  # where the sleeve leaves the frame, not where the hand grazes the border


def test_two_arms_entering_apart_stay_two() -> None:
    width, height = SIZE
    blob = np.zeros((height, width), np.uint8)
    for x_border, x_hand in ((120, 170), (260, 200)):  # two arms rising to hands that touch
        cv2.line(blob, (x_border, height - 1), (x_hand, 80), (1,), 22)
    cv2.circle(blob, (185, 75), 24, (1,), -1)
    contacts = border_contacts(blob, ENTRY_EDGES)
    assert len(contacts) == 2
    assert len(merge_arm_along_border(blob, contacts)) == 2


def _strip_along_the_left_border(tilt_px: int) -> np.ndarray:
    """A sleeve lying along the left border from the bottom, its free end square, tilted a little out
    of the frame (the frame cuts it narrower towards the bottom)."""
    width, height = SIZE
    blob = np.zeros((height, width), np.uint8)
    corners = np.array([[-6, 60], [16, 60], [16 + tilt_px, height + 5], [-6 + tilt_px, height + 5]])
    cv2.fillConvexPoly(blob, corners.astype(np.int32), (1,))
    return blob


def test_a_bare_strip_along_a_border_is_no_hand_and_a_hand_at_its_end_is() -> None:
    for tilt in (0, -6):
        strip = _strip_along_the_left_border(tilt)
        contacts = merge_arm_along_border(strip, border_contacts(strip, ENTRY_EDGES))
        assert bare_strip(strip, contacts), tilt
    arm = _strip_along_the_left_border(0)
    cv2.ellipse(arm, (14, 48), (16, 26), 0, 0, 360, (1,), -1)  # the hand at the sleeve's end
    contacts = merge_arm_along_border(arm, border_contacts(arm, ENTRY_EDGES))
    assert contacts and not bare_strip(arm, contacts)


@pytest.mark.slow
@pytest.mark.parametrize("with_mediapipe", [True, False])  # two sets of cut-outs: two hands
def test_the_hand_point_of_an_arm_along_the_border_is_on_the_hand(with_mediapipe: bool) -> None:
    from skillsight.border_arm_scenes import border_scene
    from skillsight.hand_cutouts import load_cutouts

    cutouts = load_cutouts(with_mediapipe=with_mediapipe)
    if not cutouts:
        pytest.skip("the shared clips are missing")
    # a right hand close to the right border, its forearm along that border. Before: two hands (one on
    # the cuff named right, one on the hand named left); with the other cut-outs, the glove grazes the
    # border only beside the hand, read as its entry, and the hand point fell on the cuff
    scene = border_scene(7, "purple", "teal", "arm_along_border", cutouts=cutouts)
    (hand,) = scene.visible_hands
    found = centres_of(GloveTracker(independent_frames=True).process(Frame(0, 0.0, scene.image)))
    assert set(found) == {hand.side}
    assert math.dist(found[hand.side], hand.centre) <= 0.05 * scene.image.shape[1]

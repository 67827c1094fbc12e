"""Two arms of the gloves' colour that enter the frame at two places and meet in one blob, crossed (an X)
or meeting at their hands (a V): each arm keeps its own hand (issue 10, stills). An arm's line is its
middle traced in from the border (`arm_entries.trace_arm`), not the main axis of the pixels near its
entry, which mixes both arms and runs along the border where they cross."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from skillsight.capture.frames import Frame
from skillsight.glove_scene_scoring import score_scenes
from skillsight.glove_scenes import make_scene
from skillsight.pose.trackers.gloves import GloveTracker
from skillsight.pose.trackers.gloves.arm_entries import split_by_entries, trace_arm
from skillsight.pose.trackers.gloves.hands import border_contacts, describe_hand


def _x_of_arms(height: int = 216, width: int = 384) -> np.ndarray:
    """Two forearms 60 px wide entering the bottom at a slant, crossing a third of the way up, each with a
    hand (a disc) on its own line beyond the crossing: the arm from the left ends at the right (as on
    outside still 30031, at working size)."""
    blob = np.zeros((height, width), np.uint8)
    cv2.line(blob, (60, height + 20), (230, 100), 1, 60)
    cv2.line(blob, (240, height + 20), (140, 100), 1, 60)
    cv2.circle(blob, (230, 100), 32, 1, -1)
    cv2.circle(blob, (140, 100), 32, 1, -1)
    return blob


def test_an_arm_is_traced_along_its_middle_from_where_it_enters() -> None:
    blob = _x_of_arms()
    contacts = border_contacts(blob, ("left", "bottom", "right"))
    assert len(contacts) == 2
    traced = trace_arm(blob, contacts[0])
    assert traced is not None
    axis, width = traced
    expected = np.array([230.0 - 60.0, -(216 + 20 - 100)])
    expected /= np.linalg.norm(expected)
    assert float(axis @ expected) > math.cos(math.radians(5))  # not along the border, as the X's pixels lie
    assert 50 <= width <= 70


def test_crossed_arms_entering_as_one_blob_keep_their_own_hands() -> None:
    blob = _x_of_arms()
    contacts = border_contacts(blob, ("left", "bottom", "right"))
    parts = split_by_entries(blob, contacts, traced=True)
    hands = [describe_hand(part, contact, "bottom") for part, contact in parts]
    entering = [float(contact.mean(axis=0)[0]) for _, contact in parts]
    assert all(hand is not None for hand in hands)
    by_entry = [hand.centre for _, hand in sorted(zip(entering, hands))]  # type: ignore[union-attr]
    assert math.dist(by_entry[0], (230, 100)) < 25  # the arm entering on the left holds the right hand
    assert math.dist(by_entry[1], (140, 100)) < 25


# (seed, glove, drape, condition): outside the benchmark's seed sets; tracker 2.16 missed a hand in each
ARMS_OF_ONE_BLOB = (
    (30031, "indigo", "blue", "crossing"),  # an X of light-blue sleeves, a lit pad piece at each glove
    (40043, "purple", "teal", "crossing"),  # an X of navy sleeves
    (40006, "indigo", "teal", "touching"),  # a V; an instrument's ring within the V's box, off both arms
)


@pytest.mark.slow
def test_arms_of_one_blob_crossed_or_in_a_v_keep_their_own_hands() -> None:
    pytest.importorskip("mediapipe")  # the scenes' hands are cut from the shared clips by MediaPipe
    tracker = GloveTracker(independent_frames=True, skin_tone_gloves=True)
    scenes = (
        make_scene(seed, glove, drape, condition, (960, 540))
        for seed, glove, drape, condition in ARMS_OF_ONE_BLOB
    )
    score = score_scenes(scenes, lambda scene: tracker.process(Frame(0, 0.0, scene.image)))
    assert score.found == score.visible, score.misses

"""Hands followed on crops in a video: one region per hand, palm searches only where a hand is missing
(at once when one is lost, else every few frames), and both hands tracked at once on two threads giving
exactly what one thread gives."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import shared_file
from metamorphic_variants import MemorySource, decode_frames

from skillsight.pose.motion import LEFT_HAND, RIGHT_HAND
from skillsight.pose.track import track_source
from skillsight.pose.trackers import mediapipe_hands
from skillsight.pose.trackers.base import spare_thread_allowed, tracker_threads
from skillsight.pose.trackers.hand_crops import HandCrop, _one_crop_per_hand
from skillsight.pose.trackers.mediapipe_hands import HANDS, MediaPipeHandsTracker


def _hand_at(x: float, presence: float) -> HandCrop:
    points = np.zeros((21, 3))
    points[:, 0] = x
    points[9, 1] = 40.0  # middle knuckle 40 px above the wrist: a 40-px palm
    return HandCrop(points, presence, 0.9, np.zeros((21, 3)))


def test_two_regions_showing_one_hand_keep_the_more_present_one():
    same = _one_crop_per_hand({LEFT_HAND: _hand_at(100.0, 0.7), RIGHT_HAND: _hand_at(105.0, 0.9)})
    assert list(same) == [RIGHT_HAND]
    apart = _one_crop_per_hand({LEFT_HAND: _hand_at(100.0, 0.7), RIGHT_HAND: _hand_at(300.0, 0.9)})
    assert sorted(apart) == sorted(HANDS)


def test_a_spare_thread_is_allowed_unless_one_thread_is_asked_for():
    assert not spare_thread_allowed()  # outside a tracking request: nothing beside the caller
    with tracker_threads(None):
        assert spare_thread_allowed()
        with tracker_threads(1):
            assert not spare_thread_allowed()
    with tracker_threads(2):
        assert spare_thread_allowed()


def test_palms_are_searched_for_at_once_when_a_hand_is_lost_else_every_few_frames():
    tracker = MediaPipeHandsTracker()
    try:
        none: dict = {hand: None for hand in HANDS}
        searches = [tracker._should_search({}, none, ()) for _ in range(2 * mediapipe_hands._SEARCH_EVERY)]
        assert searches == ([True] + [False] * (mediapipe_hands._SEARCH_EVERY - 1)) * 2
        assert tracker._should_search({RIGHT_HAND: object()}, none, (LEFT_HAND, RIGHT_HAND))  # just lost
        assert not tracker._should_search({RIGHT_HAND: object()}, none, (RIGHT_HAND,))  # still missing
        both = {hand: object() for hand in HANDS}
        for _ in range(2 * mediapipe_hands._SEARCH_EVERY):
            assert not tracker._should_search(both, none, HANDS)  # every hand found: never
    finally:
        tracker.close()


def test_a_hand_missing_for_a_second_is_searched_for_less_often_until_every_hand_is_found():
    tracker = MediaPipeHandsTracker()
    try:
        none: dict = {hand: None for hand in HANDS}
        both = {hand: object() for hand in HANDS}
        frames = mediapipe_hands._SEARCH_SLOWER_AFTER + 3 * mediapipe_hands._SEARCH_EVERY_SLOWER
        searched = []
        for frame in range(frames):
            if tracker._should_search({}, none, ()):
                searched.append(frame)
            tracker._count_missing({})
        slow = [f for f in searched if f >= mediapipe_hands._SEARCH_SLOWER_AFTER]
        assert searched[:2] == [0, mediapipe_hands._SEARCH_EVERY]
        assert len(slow) >= 2 and set(np.diff(slow)) == {mediapipe_hands._SEARCH_EVERY_SLOWER}
        tracker._count_missing(both)  # every hand found again: back to frequent searches
        assert tracker._search_interval() == mediapipe_hands._SEARCH_EVERY
    finally:
        tracker.close()


def _two_hand_clip(frames: int) -> MemorySource:
    """The real hand clip beside its own mirror image: two hands, one on each side, in every frame."""
    images, fps = decode_frames(shared_file("tfjs/asl_hand.25fps.mp4"))
    pairs = [np.ascontiguousarray(np.hstack([image[:, ::-1], image])) for image in images[:frames]]
    return MemorySource(pairs, fps, "two_hands")


@pytest.mark.slow
def test_both_hands_at_once_on_two_threads_give_exactly_what_one_thread_gives():
    clip = _two_hand_clip(40)
    one = track_source(clip, tracker="hands", camera_view="front", threads=1)
    two = track_source(clip, tracker="hands", camera_view="front")
    assert two.metadata["trackers"][0]["settings"]["parallel_hands"]
    assert not one.metadata["trackers"][0]["settings"]["parallel_hands"]
    found = np.isfinite(two.positions[..., 0]).all(axis=-1).mean(axis=0)
    assert found.min() >= 0.95, found  # both hands in (nearly) every frame
    np.testing.assert_array_equal(one.positions, two.positions)
    np.testing.assert_array_equal(one.confidence, two.confidence)

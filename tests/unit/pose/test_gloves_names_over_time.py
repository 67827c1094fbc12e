"""In video a hand keeps the name its track began with, unless its arm has said otherwise for a while:
one frame whose axis was read backwards must not name a whole video's hands the wrong way round."""

from __future__ import annotations

import math

import pytest

from skillsight.base.keypoints import HAND_INDIVIDUALS
from skillsight.pose.trackers.gloves.identity import ANATOMY_OVERRULES_S, AnatomyVote

LEFT, RIGHT = HAND_INDIVIDUALS
TRACKED = [LEFT, RIGHT]
ANATOMY = [RIGHT, LEFT]


def test_tracks_keep_their_names_until_anatomy_has_disagreed_long_enough() -> None:
    vote = AnatomyVote()
    step = 0.04
    times = [i * step for i in range(int(ANATOMY_OVERRULES_S / step) + 2)]
    named = [vote.names(ANATOMY, TRACKED, apart=True, time_s=t) for t in times]
    assert named[0] == TRACKED and named[-2] == TRACKED  # under the time: the tracks' names stand
    assert named[-1] == ANATOMY


def test_hands_close_together_or_agreeing_restart_the_count() -> None:
    vote = AnatomyVote()
    for i in range(10):
        assert vote.names(ANATOMY, TRACKED, apart=True, time_s=0.04 * i) == TRACKED
    # a crossing: hands close, anatomy unreliable; the count starts again after it
    assert vote.names(ANATOMY, TRACKED, apart=False, time_s=0.44) == TRACKED
    assert vote.names(ANATOMY, TRACKED, apart=True, time_s=0.48) == TRACKED
    assert vote.names(ANATOMY, TRACKED, apart=True, time_s=0.48 + 0.9 * ANATOMY_OVERRULES_S) == TRACKED
    assert vote.names(TRACKED, TRACKED, apart=True, time_s=1.2) == TRACKED
    assert vote.since_s is None


@pytest.mark.slow
def test_skin_latex_hands_named_backwards_in_the_first_frame_are_renamed_by_their_arms(cutouts) -> None:
    """Benchmark video 9003 (skin-tone latex, green sleeves): in its first frame the image-left hand's
    axis reads backwards, so its forearm line pointed to the bottom right, and the tracks kept that
    name for all 30 frames (auto inherited it: 1 of 60 hands on the right side)."""
    from skillsight.capture.frames import Frame
    from skillsight.glove_scene_scoring import TOLERANCE, centres_of
    from skillsight.glove_scenes import DRAPES, scene_video
    from skillsight.pose.trackers.gloves import GloveTracker

    size = (640, 360)
    scenes = scene_video(9003, 30, "skin_latex", list(DRAPES)[9003 % len(DRAPES)], size)
    frames = [Frame(i, i / 25.0, scene.image) for i, scene in enumerate(scenes)]
    tracker = GloveTracker(camera_view="top", glove_color="skin", skin_tone_gloves=True)
    tracker.prepare(frames[::3])
    right_side = 0
    for scene, frame in zip(scenes, frames):
        centres = centres_of(tracker.process(frame))
        if frame.index < 20:
            continue
        for hand in scene.hands:
            found = centres.get(hand.side)
            right_side += int(found is not None and math.dist(found, hand.centre) <= TOLERANCE * size[0])
    assert right_side >= 18  # of the last 10 frames' 20 hands

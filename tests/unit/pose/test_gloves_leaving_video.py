"""The glove tracker on a generated video in which one hand leaves the frame and comes back
(skillsight.glove_scenes_leaving): no hand invented while it is out, the staying hand keeps its name, the
returning hand is named rightly as it comes back and is not confused with the staying one."""

from __future__ import annotations

import math

import pytest

from skillsight.capture.frames import Frame
from skillsight.glove_scene_scoring import TOLERANCE, SceneScore, centres_of, score_observation
from skillsight.glove_scenes_video import crossing_video
from skillsight.pose.trackers.gloves import GloveTracker

pytestmark = pytest.mark.slow
SIZE = (960, 540)


def test_while_a_hand_is_out_of_the_frame_the_staying_glove_is_one_hand(cutouts) -> None:
    # video 30002 in green: the right hand leaves by the bottom border for 3 s while the left one holds
    # still with forceps across it. Tracker 2.14 kept the gone hand's track coasting below the frame, and
    # once the still glove's mask fell in two pieces (the drape re-estimated without the other hand) took
    # the second piece for the right hand, in every frame until it came back (77 false hands)
    scenes, seen, out = _tracked_leave(30002, "green", cutouts)
    assert len(out) >= 25
    limit = TOLERANCE * SIZE[0]
    staying = scenes[out[0]].hands[0]
    for i in out:
        hand = scenes[i].hands[0]
        assert len(seen[i]) <= 1, (i, seen[i])  # one glove: one hand, none invented
        assert staying.side not in seen[i] or math.dist(seen[i][staying.side], hand.centre) <= limit
    assert sum(staying.side in seen[i] for i in out) >= 0.9 * len(out)  # it keeps its name
    back = [i for i in range(out[-1] + 1, len(scenes)) if len(scenes[i].visible_hands) == 2]
    score = SceneScore()
    for i in back:
        score_observation(scenes[i], seen[i], score)
    assert score.false_share <= 0.02, score.misses
    assert score.found_share >= 0.85, score.misses


def test_the_sleeve_of_a_hand_out_by_a_side_border_is_not_that_hand(cutouts) -> None:
    # video 30002 in indigo: the left hand leaves by the left border for about 1.6 s; its navy sleeve still
    # runs to the body below the frame, across the frame's bottom-left corner. Tracker 2.15 reported that
    # piece of sleeve as the left hand in 41 of the 46 frames it was out (the track had ended at the edge,
    # and a hand at the edge may be one coming back)
    scenes, seen, out = _tracked_leave(30002, "indigo", cutouts)
    assert len(out) >= 40
    score = SceneScore()
    for i in out:
        score_observation(scenes[i], seen[i], score)
    assert score.false <= 2, score.misses
    assert score.found_share >= 0.95, score.misses
    # and it is found when it comes back
    back = [i for i in range(out[-1] + 1, out[-1] + 40) if len(scenes[i].visible_hands) == 2]
    returned = SceneScore()
    for i in back:
        score_observation(scenes[i], seen[i], returned)
    assert returned.found_share >= 0.9 and returned.false == 0, returned.misses


def _tracked_leave(seed: int, glove: str, cutouts) -> tuple[list, list, list[int]]:
    """A leave-the-frame crossing video, what the tracker saw in each frame, and the frames a hand is out."""
    scenes = crossing_video(seed, glove=glove, size=SIZE, cutouts=cutouts, leaving=True)
    frames = [Frame(i, i / 25.0, scene.image) for i, scene in enumerate(scenes)]
    tracker = GloveTracker(camera_view="top")
    tracker.prepare(frames[::5])
    seen = [centres_of(tracker.process(frame)) for frame in frames]
    return scenes, seen, [i for i, scene in enumerate(scenes) if len(scene.hands) == 1]

"""White latex gloves whose smooth parts (motion blur; a palm between an instrument's bars) fail the white
mask's shading test, so that the glove falls apart into pieces (issue 10: white latex under blur or
uneven light is cut into pieces). Seeds outside the benchmark's seed sets."""

from __future__ import annotations

import pytest

from skillsight.capture.frames import Frame
from skillsight.glove_scene_scoring import SceneScore, centres_of, score_observation
from skillsight.glove_scenes import make_scene
from skillsight.pose.trackers.gloves import GloveTracker


@pytest.mark.slow
@pytest.mark.xfail(
    reason="tracker 2.11 finds one glove of each pair (2 of 4): every white pixel needs shading within its "
    "9x9 neighbourhood, and the other glove's blurred or smooth parts do not have it. Tried 2026-11-30 "
    "(gloves22) and reverted: keeping the smooth patches a glove's shading encloses (at most 3% of the "
    "frame, not cut by its edge) found all 4 (light blue unchanged, skin latex 1 hand fewer on seeds "
    "40001-40144), but the pad seen "
    "between two crossed white gloves is enclosed by their shading too and joined them: crossing videos "
    "white 82.8 -> 77.6% on the right side (0 -> 6 false hands) on seed set 0, still 163 lost a hand",
)
def test_white_gloves_under_blur_or_cut_by_an_instrument_are_whole() -> None:
    pytest.importorskip("mediapipe")
    tracker = GloveTracker(independent_frames=True, skin_tone_gloves=True)
    score = SceneScore()
    for seed, drape, condition in ((40081, "teal", "motion_blur"), (40056, "green", "instrument_split")):
        scene = make_scene(seed, "white", drape, condition, (960, 540))
        score_observation(scene, centres_of(tracker.process(Frame(0, 0.0, scene.image))), score)
    assert score.found == score.visible == 4, score.misses
    assert score.false == 0

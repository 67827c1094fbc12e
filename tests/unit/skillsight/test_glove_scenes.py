"""The glove tracker on realistic generated bench scenes (skillsight.glove_scenes): the issue-10 figures.

Scenes: every glove colour x every listed condition, drapes in turn, at 640x360, read as independent
stills (as the held-out real stills are). Issue 10 asks >= 97% of visible hands found on the right side
within 0.15 x width, median error <= 3% of width, <= 2% false hands. Measured today (see the report):
coloured nitrile gloves about 92% / 2.5% / 2-3% false; white and skin-tone latex far lower. The
coloured-glove floor below guards what holds; the issue's figure over all colours is an xfail until met.
"""

from __future__ import annotations

import numpy as np
import pytest

from skillsight.capture.frames import Frame
from skillsight.glove_scene_scoring import SceneScore, centres_of, score_observation
from skillsight.glove_scenes import CONDITIONS, DRAPES, GLOVE_COLORS, bare_hand_scene, make_scene
from skillsight.pose.trackers.gloves import GloveTracker

pytestmark = pytest.mark.slow
SIZE = (640, 360)
COLORED = ("indigo", "purple", "light_blue", "green")


@pytest.fixture(scope="module")
def cutouts():
    from skillsight.hand_cutouts import load_cutouts

    found = load_cutouts(with_mediapipe=False)
    if not found:
        pytest.skip("the shared clip tfjs/asl_hand.25fps.mp4 is missing")
    return found


def scored(gloves: tuple[str, ...], cutouts, skin_tone: bool = False) -> SceneScore:
    tracker = GloveTracker(independent_frames=True, skin_tone_gloves=skin_tone)
    score = SceneScore()
    drapes = list(DRAPES)
    for g, glove in enumerate(gloves):
        for c, condition in enumerate(CONDITIONS):
            seed = 1000 + 100 * g + c
            scene = make_scene(seed, glove, drapes[(g + c) % len(drapes)], condition, SIZE, cutouts)
            score_observation(scene, centres_of(tracker.process(Frame(0, 0.0, scene.image))), score)
    print(score.summary(), score.misses)
    return score


def test_coloured_gloves_are_found_on_the_right_side(cutouts) -> None:
    score = scored(COLORED, cutouts)
    assert score.found_share >= 0.85
    assert score.median_error <= 0.03
    assert score.false_share <= 0.05


@pytest.mark.xfail(reason="issue 10 figure over all glove colours (white, skin-tone latex) not met yet")
def test_issue_figures_over_every_glove_colour(cutouts) -> None:
    score = scored(tuple(GLOVE_COLORS), cutouts, skin_tone=True)
    assert score.found_share >= 0.97 and score.median_error <= 0.03 and score.false_share <= 0.02


def glove_hands(observation) -> int:
    return sum(
        int(observation.extras.get(f"{hand}.from_gloves", 0.0)) for hand in ("left_hand", "right_hand")
    )


def test_a_bare_handed_video_with_white_and_blue_objects_gives_no_glove_hands(cutouts) -> None:
    pytest.importorskip("mediapipe")
    from skillsight.glove_scenes import scene_video
    from skillsight.pose.trackers.auto import AutoTracker

    scenes = scene_video(3, n_frames=30, glove=None, size=SIZE, cutouts=cutouts)
    frames = [Frame(i, i / 25.0, scene.image) for i, scene in enumerate(scenes)]
    tracker = AutoTracker(camera_view="top")
    try:
        tracker.prepare(frames[::3])
        reported = sum(glove_hands(tracker.process(frame)) for frame in frames)
    finally:
        tracker.close()
    assert reported == 0


@pytest.mark.xfail(
    reason="open (issue 10): in scene 5 instruments cover the bare hand, so only 48% of its landmarks lie "
    "on skin (a bare hand needs 50%) and a blue card beside it is reported as a glove hand",
    strict=False,
)
def test_bare_handed_stills_give_no_glove_hand_beside_a_bare_hand(cutouts) -> None:
    # a still read on its own: where MediaPipe sees a bare hand, a white or blue object is no glove
    pytest.importorskip("mediapipe")
    from skillsight.pose.trackers.auto import AutoTracker

    tracker = AutoTracker(camera_view="top", independent_frames=True)
    tracker.prepare([])
    try:
        for seed in range(6):
            observation = tracker.process(
                Frame(seed, float(seed), bare_hand_scene(seed, SIZE, cutouts).image)
            )
            if np.any(observation.confidence[:, :21] > 0):
                assert glove_hands(observation) == 0, seed
    finally:
        tracker.close()


def test_scene_truth_lies_on_the_composited_hands(cutouts) -> None:
    scene = make_scene(7, "indigo", "teal", "apart", SIZE, cutouts)
    assert {h.side for h in scene.hands} == {"left_hand", "right_hand"}
    for hand in scene.visible_hands:
        x, y = (int(v) for v in hand.centre)
        r, g, b = (int(v) for v in scene.image[y, x])
        assert b > r + 20, "the centre of an indigo hand is glove-coloured"
    assert not np.array_equal(scene.image, make_scene(8, "indigo", "teal", "apart", SIZE, cutouts).image)

"""White latex gloves in video: the still bench (pad, paper, table) is learnt over time and what differs
from it by more than the recording's own noise moved, so a white glove over the white pad is found."""

from __future__ import annotations

import math

import numpy as np
import pytest

from skillsight.capture.frames import Frame
from skillsight.glove_scene_scoring import TOLERANCE, SceneScore, centres_of, score_observation
from skillsight.glove_scenes_video import crossing_video
from skillsight.pose.trackers.gloves import GloveTracker
from skillsight.pose.trackers.gloves.calibration import still_pixels, still_white_background
from skillsight.pose.trackers.gloves.segmentation import BENCH_MOVED, BENCH_STILL, WorkingImage

SIZE = (640, 360)
# tracker 2.9 on these four videos: 100% found, 84.4% on the right side, no false hands; 2.8 (fixed
# stillness threshold of 18, shading required everywhere): 51.6%, 37.5% and 27.5% false hands
FLOOR_FOUND = 0.9
FLOOR_RIGHT_SIDE = 0.75
MAX_FALSE = 0.05


def test_the_stillness_threshold_follows_the_recordings_noise() -> None:
    rng = np.random.default_rng(0)
    bench = np.full((90, 160, 3), 236, np.uint8)

    def samples(sigma: float) -> list[WorkingImage]:
        noisy = [
            np.clip(bench + rng.normal(0, sigma, bench.shape), 0, 255).astype(np.uint8) for _ in range(8)
        ]
        return [WorkingImage.of(image) for image in noisy]

    quiet, grainy = still_white_background(samples(1.0)), still_white_background(samples(8.0))
    assert quiet is not None and grainy is not None
    assert grainy.threshold > 2 * quiet.threshold
    # the grainy recording's own frames show its bench; a glove 8 units darker over the quiet one moved
    assert np.mean(still_pixels(samples(8.0)[0], grainy) == BENCH_STILL) > 0.95
    glove = WorkingImage.of(np.full(bench.shape, 228, np.uint8))
    assert np.mean(still_pixels(glove, quiet) == BENCH_MOVED) > 0.95


@pytest.mark.slow
def test_white_gloves_crossing_over_the_pad_in_video_are_found(cutouts) -> None:
    score, found = SceneScore(), 0
    for seed in range(310, 314):
        scenes = crossing_video(seed, n_frames=24, glove="white", size=SIZE, cutouts=cutouts)
        frames = [Frame(i, i / 12.5, scene.image) for i, scene in enumerate(scenes)]
        tracker = GloveTracker(camera_view="top")
        tracker.prepare(frames[::4])
        for scene, frame in zip(scenes, frames):
            centres = centres_of(tracker.process(frame))
            score_observation(scene, centres, score)
            limit = TOLERANCE * SIZE[0]
            found += sum(
                any(math.dist(c, hand.centre) <= limit for c in centres.values())
                for hand in scene.visible_hands
            )
    print(score.summary(), found)
    assert found >= FLOOR_FOUND * score.visible
    assert score.found_share >= FLOOR_RIGHT_SIDE
    assert score.false_share <= MAX_FALSE


@pytest.mark.slow
def test_a_white_piece_at_one_crossed_glove_makes_neither_a_sleeve(cutouts) -> None:
    """Light blue gloves crossing over the pad (crossing video 1 of seed set 0): from frame 17 the pad
    between a held instrument's white lines, at one glove's fingers, passes as a small white hand. That
    glove was a sleeve over it, and the other, entering as one blob with it, a sleeve of one garment:
    white won 3 of 10 samples and 31 frames (tracker 2.9: 82.3% on the right side). Two sleeves need two
    gloves, and white showed one."""
    size = (960, 540)
    scenes = crossing_video(1, glove="light_blue", size=size, cutouts=cutouts)
    frames = [Frame(i, i / 25.0, scene.image) for i, scene in enumerate(scenes)]
    tracker = GloveTracker(camera_view="top")
    tracker.prepare(frames[::5])
    score, families = SceneScore(), set()
    for scene, frame in zip(scenes, frames):
        score_observation(scene, centres_of(tracker.process(frame)), score)
        families.add(tracker.last_family)
    assert families == {"colored"}
    assert score.found_share >= 0.95, score.summary()

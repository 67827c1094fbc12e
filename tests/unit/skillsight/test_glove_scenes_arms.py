"""The glove tracker on scenes of benchmarks/bench_gloves.py whose gloves are named by their arms: crossed,
touching or leaving gloves in sleeves, each scene a case a tracker version got wrong (see its comment).

Read as stills at 960x540 with the benchmark's seeds and MediaPipe cut-outs, gloves+skin-tone.
"""

from __future__ import annotations

import pytest

from skillsight.capture.frames import Frame
from skillsight.glove_scene_scoring import SceneScore, centres_of, score_observation
from skillsight.glove_scenes import make_scene
from skillsight.pose.trackers.gloves import GloveTracker

pytestmark = pytest.mark.slow


def bench_scenes_score(scenes: tuple[tuple[int, str, str, str], ...]) -> SceneScore:
    """Scenes of benchmarks/bench_gloves.py (960x540, their seeds and cut-outs, which take MediaPipe) read
    as stills, gloves+skin-tone."""
    pytest.importorskip("mediapipe")
    tracker = GloveTracker(independent_frames=True, skin_tone_gloves=True)
    score = SceneScore()
    for seed, glove, drape, condition in scenes:
        scene = make_scene(seed, glove, drape, condition, (960, 540))
        score_observation(scene, centres_of(tracker.process(Frame(0, 0.0, scene.image))), score)
    print(score.summary(), score.misses)
    return score


def test_crossed_gloves_floating_over_their_sleeves_are_named_by_the_sleeves_lines() -> None:
    # gloves crossed at the wrists in sleeves of another colour: each glove lies on its own sleeve's line,
    # far off the other's. Tracker 2.9 named them by position (wrong side) where a sleeve was a bare
    # square strip (no hand at its end, so never a sleeve) or where a sleeve's end showed short of its glove
    score = bench_scenes_score(
        (
            (115, "green", "teal", "crossing"),  # bare arms: square skin strips
            (5151, "white", "teal", "crossing"),  # scrubs seen short of the white gloves
            (5187, "skin_latex", "teal", "crossing"),
        ),
    )
    assert score.found == score.visible == 6, score.misses
    assert score.false == 0


def test_a_crossed_glove_takes_the_entry_of_the_one_sleeve_whose_line_it_lies_on() -> None:
    # white gloves crossed at the wrists over a blue drape, one sleeve's line found: the other glove lies
    # nearer that sleeve's end, but on the other arm's side. Tracker 2.10 gave the sleeve's entry to the
    # glove nearest its end (found 1 of 2 on the right side); a seed outside the benchmark's seed sets
    score = bench_scenes_score(((20004, "white", "blue", "crossing"),))
    assert score.found == score.visible == 2, score.misses
    assert score.false == 0


def test_two_arms_are_not_sleeves_of_one_white_blob_too_small_for_a_pair() -> None:
    # touching or crossed indigo gloves in ceil scrubs over the white pad: both arms ran into the pad seen
    # between the gloves (one white blob, smaller than the two gloves), so both were taken for sleeves over
    # a white glove and tracker 2.9 reported one false white hand
    score = bench_scenes_score(((30, "indigo", "blue", "touching"), (5031, "indigo", "blue", "crossing")))
    assert score.found == score.visible == 4, score.misses
    assert score.false == 0


def test_the_fellow_of_a_sleeve_over_skin_tone_latex_is_a_sleeve_too() -> None:
    # touching skin-tone latex in ceil scrubs: one sleeve ran into the latex, the other (its end cut where
    # the gloves meet) did not, and won as a hand of its own. Sleeves are a pair as gloves are: tracker 2.9
    # found neither hand here and reported a false one on the sleeve
    score = bench_scenes_score(((5186, "skin_latex", "teal", "touching"),))
    assert score.found >= 1, score.misses
    assert score.false == 0


def test_gloves_leaving_by_a_side_border_are_hands() -> None:
    # a glove half out of the frame by a side border is cut straight along it, and its thin remainder
    # fills its box as a pad does; its width along the border (palm, fingers) is not straight as a table
    # edge's is. Tracker 2.9 threw these gloves away as pads (found 2 of these 4 hands)
    score = bench_scenes_score(((4, "indigo", "teal", "leaving"), (136, "green", "blue", "leaving")))
    assert score.found == score.visible == 4, score.misses
    assert score.false == 0

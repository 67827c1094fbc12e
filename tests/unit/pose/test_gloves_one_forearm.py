"""One glove whose outline looks like two hands side by side is reported as two hands in a still (issue 10:
one glove with its fingers fanned out, or cut by an instrument, reported as two). The gloves here lie
inside the frame on sleeves of another colour (a white coat, navy or grey scrubs), so no border entry
says how many arms there are. Seeds outside the benchmark's seed sets."""

from __future__ import annotations

import math

import pytest

from skillsight.capture.frames import Frame
from skillsight.glove_scene_scoring import centres_of
from skillsight.glove_scenes import make_scene
from skillsight.pose.trackers.gloves import GloveTracker

# outside seeds where tracker 2.14 reports two hands on one glove: the blob's outline has gaps (an
# instrument across the glove, a thumb apart from the fingers) and it is the only blob of its colour
ONE_GLOVE_AS_TWO = (
    (20041, "purple", "teal", "one_hand"),  # split by `hands.pair_in_one` ("side_by_side")
    (20185, "skin_latex", "teal", "one_hand"),  # split at a notch by `hands.split_side_by_side`
    (30089, "light_blue", "green", "one_hand"),
    (20155, "white", "teal", "dark_sleeve"),
)


@pytest.mark.slow
@pytest.mark.xfail(
    reason="tracker 2.14 splits each of these gloves into two hands (3 false hands; in 20155 the second part "
    "takes the name of the other hand, which is then missed). Tried 2026-12-01 "
    "(gloves30) and reverted: a blob the outline calls two side by side is one glove where one forearm "
    "leaves it (one run of non-drape pixels an arm wide just beyond its near end) and one arm enters the "
    "frame below it. It fixed 20185 only (in 20041 the arm meets the glove no wider than a thread; in "
    "30089 the pad shows beside the sleeve as a second run) and merged crossed pairs whose forearms "
    "overlap down to the border into one wide run (benchmark set 0, purple crossing #55, plain gloves); "
    "reading only the band beyond the wrists also merged outside seeds 30175 and 40163 (white crossing). "
    "The sleeves the families find (`arm_pairs.feeding_sleeves`) feed 1 of these 4 blobs (30089); in the "
    "other three no sleeve is found at all",
)
def test_one_glove_with_gaps_in_its_outline_is_one_hand() -> None:
    pytest.importorskip("mediapipe")  # the scenes' hands are cut from the shared clips by MediaPipe
    tracker = GloveTracker(independent_frames=True, skin_tone_gloves=True)
    doubled = []
    for seed, glove, drape, condition in ONE_GLOVE_AS_TWO:
        scene = make_scene(seed, glove, drape, condition, (960, 540))
        centres = centres_of(tracker.process(Frame(0, 0.0, scene.image)))
        # each reported hand goes to the true hand nearest it: no true hand may take two
        nearest = [
            min(scene.hands, key=lambda hand: math.dist(hand.centre, c)).side for c in centres.values()
        ]
        if len(nearest) != len(set(nearest)):
            doubled.append(seed)
    assert not doubled

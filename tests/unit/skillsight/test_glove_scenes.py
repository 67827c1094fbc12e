"""The glove tracker on realistic generated bench scenes (skillsight.glove_scenes): the issue-10 figures.

Scenes: every glove colour x every listed condition, drapes in turn, at 640x360, read as independent
stills (as the held-out real stills are). Issue 10 asks >= 97% of visible hands found on the right side
within 0.15 x width, median error <= 3% of width, <= 2% false hands. Measured 2026-11-29 (tracker 2.2, see
benchmarks/bench_gloves.py at 960x540): coloured nitrile 89-91% found, white latex 81%, skin-tone 77%. The
floors below guard what holds; the issue's figure over all colours is an xfail until met.
"""

from __future__ import annotations

import numpy as np
import pytest

from skillsight.base.keypoints import HAND_KEYPOINTS
from skillsight.capture.frames import Frame
from skillsight.glove_scene_scoring import SceneScore, centres_of, score_observation
from skillsight.glove_scenes import (
    CONDITIONS,
    DRAPES,
    GLOVE_COLORS,
    SKIN_TONES,
    bare_hand_scene,
    make_scene,
)
from skillsight.glove_scenes_video import crossing_video
from skillsight.pose.trackers.base import FrameObservation
from skillsight.pose.trackers.gloves import GloveTracker

pytestmark = pytest.mark.slow
SIZE = (640, 360)
COLORED = ("indigo", "purple", "light_blue", "green")
# tracker 2.7: 98.4% (2.6: 93.8%, fails). Since the crossing videos go on tying in a third of them (video
# 300 now parts crossed, meets again and crosses back, at 12.5 fps), 2.13 finds 93.2% (2.11 two hands
# fewer on video 300): the hands lost are swapped while crossed, not after they cross back
FLOOR_CROSSING_VIDEO = 0.92


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
    assert score.found_share >= 0.87  # 2.4 and 2.3: 89.3% (2.2: 86.9%)
    assert score.median_error <= 0.03
    assert score.false_share <= 0.05


def test_a_pad_seen_at_one_gloves_fingers_is_no_white_glove() -> None:
    # gloves are a pair of one colour: of two coloured gloves, one is not a sleeve over a white glove while
    # the other ends in its own fingers. Tracker 2.8 took the pad seen between one glove's thumb and
    # fingers, or an instrument's white lines there, for a white glove beyond a sleeve, and lost that
    # hand in these scenes of benchmarks/bench_gloves.py (seed set 0, every cut-out)
    pytest.importorskip("mediapipe")
    tracker = GloveTracker(independent_frames=True, skin_tone_gloves=True)
    score = SceneScore()
    for seed, glove, drape, condition in (
        (62, "purple", "blue", "side_entry"),
        (83, "light_blue", "teal", "dark_sleeve"),
        (142, "green", "blue", "uneven_light"),
    ):
        scene = make_scene(seed, glove, drape, condition, (960, 540))
        score_observation(scene, centres_of(tracker.process(Frame(0, 0.0, scene.image))), score)
    assert score.found == score.visible == 6, score.misses
    assert score.false == 0


def test_touching_and_crossed_gloves_are_both_found(cutouts) -> None:
    # two gloves that touch or cross form one blob: both hands are reported (2.2 found 66.7% here)
    tracker = GloveTracker(independent_frames=True)
    score = SceneScore()
    drapes = list(DRAPES)
    for g, glove in enumerate(COLORED):
        for c, condition in enumerate(("touching", "crossing")):
            for r in range(3):
                seed = 7000 + 100 * g + 10 * c + r
                scene = make_scene(seed, glove, drapes[(g + c + r) % len(drapes)], condition, SIZE, cutouts)
                score_observation(scene, centres_of(tracker.process(Frame(0, 0.0, scene.image))), score)
    print(score.summary(), score.misses)
    assert score.found_share >= 0.75
    assert score.false_share <= 0.05


def test_crossed_white_gloves_win_over_their_coloured_sleeves(cutouts) -> None:
    # scrubs sleeves crossing into white gloves: the sleeves are saturated, enter from the border and were
    # taken for the gloves (2.3 found 0 of these 4 hands and reported 3 false ones)
    tracker = GloveTracker(independent_frames=True, skin_tone_gloves=True)
    score = SceneScore()
    for seed, drape in ((163, "green"), (175, "blue")):
        scene = make_scene(seed, "white", drape, "crossing", (960, 540), cutouts)  # bench_gloves's scenes
        score_observation(scene, centres_of(tracker.process(Frame(0, 0.0, scene.image))), score)
    print(score.summary(), score.misses)
    assert score.found >= 3
    assert score.false == 0


def test_white_gloves_on_a_drape_washed_out_by_bright_light(cutouts) -> None:
    # a pale blue drape under bright light is light and nearly neutral, and its folds are shaded: it passed
    # as white latex and won over the gloves (2.3: 0 of these 4 hands found, 4 false): it keeps its hue
    tracker = GloveTracker(independent_frames=True, skin_tone_gloves=True)
    score = SceneScore()
    for seed, condition in ((601, "apart"), (604, "leaving")):
        scene = make_scene(seed, "white", "blue", condition, (960, 540), cutouts)  # bench_gloves's 3rd set
        score_observation(scene, centres_of(tracker.process(Frame(0, 0.0, scene.image))), score)
    print(score.summary(), score.misses)
    assert score.found >= 3
    assert score.false == 0


def test_white_and_skin_tone_latex_are_found_on_the_right_side(cutouts) -> None:
    # white latex by its shading (the pad is flat), skin-tone latex beside sleeves of other colours
    score = scored(("white", "skin_latex"), cutouts, skin_tone=True)
    assert score.found_share >= 0.88  # 2.4 and 2.3: 92.9% (2.2: 83.3%)
    assert score.false_share <= 0.05  # 2.4 and 2.3: 0% (2.2: 5.3%)


@pytest.mark.xfail(
    reason="issue 10 figure over all glove colours not met yet (found; false hands are met): measured "
    "2026-11-30 on the 216 scenes of benchmarks/bench_gloves.py at 960x540 (tracker 2.5, gloves+skin-tone): "
    "95.2% found on the right side, 0.5% false hands (2.4: 93.8% / 0.6%); leaving 94.1% (2.4: 85.3%), "
    "uneven light 94.4%, touching 91.7%, crossed 83.3%; seeds never tuned on: from 5000 94.6% / 0.8% "
    "(2.4: 93.3% / 0.8%), from 9000 93.2% / 1.6% (2.4: 91.6% / 1.6%); crossed hands whose palms overlap "
    "in one compact blob (crossed 72-83%) and white latex (82-94% by seed set) are most misses. "
    "2026-11-30 (gloves8, skin mask by Lab chroma for every skin tone): seed 0 95.2% -> 94.9% / 0.5%, "
    "5000 94.6% / 0.8% -> 94.4% / 1.1%, 9000 93.2% / 1.6% unchanged. Tracker 2.8 (video naming through "
    "crossings, arms along a border): 95.4% / 0.5%, 95.2% / 1.1%, 93.2% / 1.6%. Tracker 2.9 (gloves are "
    "a pair: a pad seen at one glove's fingers is no white glove; still hands named by sleeves and "
    "forearm lines): 96.2% / 0.5%, 95.7% / 1.1%, 94.3% / 1.6%. Tracker 2.10 (stills: sleeves with no "
    "hand name the gloves on their lines, sleeves are a pair, gloves leaving by a side border are no "
    "pads): 97.3% / 0.5%, 96.8% / 0.8%, 94.1% / 1.6% (the held-out set one hand lower). Tracker 2.11 (a "
    "sleeve's entry goes to the glove clearly on its line): 97.3% / 0.5%, 96.8% / 0.8%, 94.3% / 1.6%; "
    "with a glove reported as two hands counted false (it was neither found nor false before): "
    "97.3% / 0.5%, 96.8% / 1.4%, 94.3% / 2.1%; what is left is "
    "mostly crossed or touching gloves whose one blob is not split (compact crossed palms) or whose sleeve "
    "is not seen, white latex under uneven light or blur (cut into pieces, joined to the pad), and skin "
    "latex under blur"
)
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
        # auto 1.7: the skin tracker fills a bare hand MediaPipe misses (a glove-tracker hand on a true hand)
        false = sum(false_glove_hands(scene, tracker.process(frame)) for scene, frame in zip(scenes, frames))
    finally:
        tracker.close()
    provenance = tracker.provenance()
    assert false == 0 and (provenance["choice"] == "landmarks" or provenance["skin_hands_beside_landmarks"])


def false_glove_hands(scene, observation) -> int:
    """Hands from the glove tracker that lie on no true hand (a white or blue object taken for a glove).
    Beside a bare hand MediaPipe sees, a skin-coloured glove hand is its other hand, which MediaPipe
    missed: a hand all the same."""
    score = SceneScore()
    centres = centres_of(observation)
    glove_sides = {h for h in ("left_hand", "right_hand") if observation.extras.get(f"{h}.from_gloves")}
    score_observation(scene, {side: xy for side, xy in centres.items() if side in glove_sides}, score)
    return score.false


def test_bare_handed_stills_give_no_glove_hand_beside_a_bare_hand(cutouts) -> None:
    # a still read on its own: where MediaPipe sees a bare hand, a white or blue object is no glove
    pytest.importorskip("mediapipe")
    from skillsight.pose.trackers.auto import AutoTracker

    tracker = AutoTracker(camera_view="top", independent_frames=True)
    tracker.prepare([])
    try:
        for seed in range(6):
            scene = bare_hand_scene(seed, SIZE, cutouts)
            observation = tracker.process(Frame(seed, float(seed), scene.image))
            if np.any(observation.confidence[:, :21] > 0):
                assert false_glove_hands(scene, observation) == 0, seed
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


def landmark_observation(scene) -> FrameObservation:
    """The scene's true hands as a landmark tracker's observation (21 points each)."""
    positions, confidence = np.full((2, 21, 3), np.nan), np.zeros((2, 21))
    for slot, hand in enumerate(scene.hands[:2]):
        positions[slot, :, :2] = hand.landmarks
        confidence[slot] = 1.0
    return FrameObservation(positions, confidence)


@pytest.mark.parametrize("tone", list(SKIN_TONES))
def test_the_bare_skin_check_holds_on_every_skin_tone(cutouts, tone: str) -> None:
    # auto tells a bare hand from a gloved one MediaPipe also finds: the real hands recoloured light to dark
    from skillsight.pose.trackers.auto import _is_bare

    for seed in range(4):
        scene = bare_hand_scene(seed, SIZE, cutouts, skin=tone)
        for hand in scene.visible_hands:
            assert _is_bare(hand.landmarks, scene.image), (tone, seed, hand.side)


@pytest.mark.parametrize("glove", [g for g in GLOVE_COLORS if g != "skin_latex"])
def test_the_bare_skin_check_sees_no_skin_on_gloves(cutouts, glove: str) -> None:
    from skillsight.pose.trackers.auto import _is_bare

    for seed in range(4):
        scene = make_scene(seed, glove, "teal", "apart", SIZE, cutouts)
        for hand in scene.visible_hands:
            assert not _is_bare(hand.landmarks, scene.image), (glove, seed, hand.side)


@pytest.mark.parametrize("tone", list(SKIN_TONES))
def test_bare_hands_of_any_tone_give_no_glove_hands_beside_them(cutouts, tone: str) -> None:
    # end to end: where MediaPipe sees a recoloured bare hand, no white or blue object becomes a glove hand
    pytest.importorskip("mediapipe")
    from skillsight.pose.trackers.auto import AutoTracker

    tracker = AutoTracker(camera_view="top", independent_frames=True)
    tracker.prepare([])
    try:
        for seed in range(6):
            scene = bare_hand_scene(seed, SIZE, cutouts, skin=tone)
            observation = tracker.process(Frame(seed, float(seed), scene.image))
            if np.any(observation.confidence[:, :21] > 0):
                assert false_glove_hands(scene, observation) == 0, seed
    finally:
        tracker.close()


@pytest.mark.parametrize(
    ("glove", "family"), [("indigo", "colored"), ("white", "white"), ("skin_latex", "skin")]
)
def test_a_video_runs_only_the_glove_family_that_wins_its_samples(cutouts, glove: str, family: str) -> None:
    from skillsight.glove_scenes import scene_video

    scenes = scene_video(1, n_frames=20, glove=glove, size=SIZE, cutouts=cutouts)
    frames = [Frame(i, i / 25.0, scene.image) for i, scene in enumerate(scenes)]
    tracker = GloveTracker(skin_tone_gloves=True)
    tracker.prepare(frames[::2])
    for frame in frames:
        tracker.process(frame)
    provenance = tracker.provenance()
    assert provenance["calibration"]["families"] == [family]
    assert set(provenance["frames_per_family"]) == {family}


def test_auto_asked_for_skin_tone_latex_finds_it_in_stills(cutouts) -> None:
    # skin-tone latex is skin by colour; asked to, auto reports it where MediaPipe has no bare hand
    pytest.importorskip("mediapipe")
    from skillsight.pose.trackers.auto import AutoTracker

    found = {}
    for skin_tone_gloves in (False, True):
        tracker = AutoTracker(camera_view="top", independent_frames=True, skin_tone_gloves=skin_tone_gloves)
        tracker.prepare([])
        score = SceneScore()
        try:
            for seed, condition in enumerate(("apart", "touching", "instrument_split", "side_entry")):
                scene = make_scene(
                    seed, "skin_latex", list(DRAPES)[seed % len(DRAPES)], condition, SIZE, cutouts
                )
                score_observation(scene, centres_of(tracker.process(Frame(seed, 0.0, scene.image))), score)
        finally:
            tracker.close()
        found[skin_tone_gloves] = score
    assert found[True].found > found[False].found
    assert found[True].false_share <= 0.15


class NoBareHands:
    """MediaPipe as it is on skin-tone latex: no hand seen (its models are trained on bare hands)."""

    name = "hands"
    individuals = ("left_hand", "right_hand")
    keypoints = HAND_KEYPOINTS

    def prepare(self, sample) -> None:  # type: ignore[no-untyped-def]
        pass

    def process(self, frame: Frame) -> FrameObservation:
        return FrameObservation(np.full((2, 21, 3), np.nan), np.zeros((2, 21)))

    def provenance(self) -> dict:
        return {"name": "hands"}

    def close(self) -> None:
        pass


class LandmarksOnTheHands(NoBareHands):
    """MediaPipe as it is on bare hands: the scene's true landmarks, per frame index."""

    def __init__(self, scenes) -> None:  # type: ignore[no-untyped-def]
        self.scenes = scenes

    def process(self, frame: Frame) -> FrameObservation:
        positions, confidence = np.full((2, 21, 3), np.nan), np.zeros((2, 21))
        for hand in self.scenes[frame.index].hands:
            slot = ("left_hand", "right_hand").index(hand.side)
            positions[slot, :, :2] = hand.landmarks
            confidence[slot] = 0.9
        return FrameObservation(positions, confidence)


def latex_video_tracked(scenes, hands_factory) -> tuple[SceneScore, dict, list]:  # type: ignore[no-untyped-def]
    from skillsight.pose.trackers.auto import AutoTracker

    frames = [Frame(i, i / 25.0, scene.image) for i, scene in enumerate(scenes)]
    tracker = AutoTracker(camera_view="top", hands_factory=hands_factory)
    score = SceneScore()
    try:
        tracker.prepare(frames[::2])
        observations = [tracker.process(frame) for frame in frames]
    finally:
        tracker.close()
    for scene, observation in zip(scenes, observations):
        score_observation(scene, centres_of(observation), score)
    return score, tracker.provenance(), observations


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_auto_finds_skin_tone_latex_in_a_video_where_mediapipe_sees_no_bare_hand(cutouts, seed) -> None:
    # latex hides the knuckles and nails MediaPipe finds bare hands by; the hands move and enter by the
    # trainee's border (through sleeves of any colour: seed 2's navy sleeves once won as "gloves")
    from skillsight.glove_scenes import scene_video

    scenes = scene_video(seed, n_frames=20, glove="skin_latex", size=SIZE, cutouts=cutouts)
    score, provenance, _ = latex_video_tracked(scenes, NoBareHands)
    print(provenance["skin_latex_sample_share"], score.summary())
    assert provenance["skin_tone_gloves_found"]
    assert score.found_share >= 0.8 and score.false_share <= 0.05


def test_still_skin_coloured_hands_are_not_taken_for_latex(cutouts) -> None:
    # a photo of hands, a wooden board: skin-coloured and hand-shaped, but they lie still over the video
    from skillsight.glove_scenes import scene_video

    still = scene_video(2, n_frames=1, glove="skin_latex", size=SIZE, cutouts=cutouts) * 20
    _, provenance, _ = latex_video_tracked(still, NoBareHands)
    assert not provenance["skin_tone_gloves_found"] and provenance["skin_latex_sample_share"] == 0.0
    assert "skin" not in provenance["trackers"]["gloves"]["families"]


def test_skin_coloured_hands_mediapipe_finds_are_bare_not_latex(cutouts) -> None:
    # the same moving skin-coloured hands, seen by MediaPipe in every sample: bare hands, tracked by
    # their landmarks and never doubled by a glove hand
    from skillsight.glove_scenes import scene_video

    scenes = scene_video(2, n_frames=20, glove="skin_latex", size=SIZE, cutouts=cutouts)
    score, provenance, _ = latex_video_tracked(scenes, lambda: LandmarksOnTheHands(scenes))
    assert not provenance["skin_tone_gloves_found"] and provenance["choice"] == "landmarks"
    assert provenance["per_frame_sources"]["hands_from_gloves"] == 0
    assert score.found_share >= 0.95 and score.false == 0


def test_auto_decides_each_still_of_a_folder_on_its_own(cutouts) -> None:
    # a folder of unrelated stills, most of them bare-handed: the gloved stills among them (skin-tone
    # latex included, which MediaPipe does not see) still give their hands; the bare-handed ones none
    pytest.importorskip("mediapipe")
    from skillsight.pose.trackers.auto import AutoTracker

    bare = [bare_hand_scene(seed, SIZE, cutouts) for seed in range(6)]
    gloved = [
        make_scene(seed, glove, "teal", "apart", SIZE, cutouts)
        for seed, glove in enumerate(("indigo", "skin_latex"), start=11)
    ]
    frames = [Frame(i, float(i), scene.image) for i, scene in enumerate(bare + gloved)]
    tracker = AutoTracker(camera_view="top", independent_frames=True)
    score = SceneScore()
    try:
        tracker.prepare(frames)
        observations = [tracker.process(frame) for frame in frames]
    finally:
        tracker.close()
    for scene, observation in zip(gloved, observations[len(bare) :]):
        score_observation(scene, centres_of(observation), score)
    assert score.found == score.visible == 4 and score.false == 0
    for scene, observation in zip(bare, observations[: len(bare)]):
        if np.any(observation.confidence[:, :21] > 0):
            assert false_glove_hands(scene, observation) == 0


def test_skin_of_every_tone_is_skin_where_mediapipe_sees_no_hand(cutouts) -> None:
    # where MediaPipe misses bare hands, the skin family must still see them whatever their tone, or a
    # blue or white object beside them wins the still as a "glove" (the skin mask once stopped at HSV
    # value 90 and saturation 150, dropping the darker half of human skin tones)
    from skillsight.pose.trackers.auto import AutoTracker

    outcome = {}
    for tone in ("very_light", "dark", "very_dark"):
        tracker = AutoTracker(camera_view="top", independent_frames=True, hands_factory=NoBareHands)
        tracker.prepare([])
        score, false = SceneScore(), 0
        for seed in range(5):
            scene = bare_hand_scene(seed, SIZE, cutouts, skin=tone)
            observation = tracker.process(Frame(seed, float(seed), scene.image))
            false += false_glove_hands(scene, observation)
            score_observation(scene, centres_of(observation), score)
        outcome[tone] = (score.found, false)
    print(outcome)
    lightest = outcome["very_light"]
    for tone, (found, false) in outcome.items():
        assert found >= lightest[0] - 1 and false <= lightest[1], tone


def test_a_crossing_video_approaches_touches_crosses_and_parts(cutouts) -> None:
    # the "crossing in video" condition: each arm comes from its own side of the bottom border throughout,
    # while the hands pass each other (the left hand ends up right of the right one) and part
    frames = crossing_video(11, n_frames=9, glove="indigo", size=SIZE, cutouts=cutouts)
    assert len(frames) == 9 and all(f.condition == "crossing_video" for f in frames)
    gaps = [f.hands[1].centre[0] - f.hands[0].centre[0] for f in frames]  # right minus left
    assert gaps[0] > 0 and min(gaps) < 0, gaps  # apart, then crossed
    for frame in frames:
        left, right = frame.hands
        assert (left.side, right.side) == ("left_hand", "right_hand")
        # towards the arm (wrist minus middle knuckle): down and to its own side
        for hand, sign in ((left, -1), (right, 1)):
            arm = hand.landmarks[0] - hand.landmarks[9]
            assert arm[1] > 0 and sign * arm[0] > 0, (frame.seed, hand.side, arm)
        for hand in frame.visible_hands:  # mostly glove around its centre (a held instrument may cross it)
            x, y = (int(v) for v in hand.centre)
            patch = frame.image[y - 20 : y + 21, x - 20 : x + 21].astype(int)
            assert np.mean(patch[..., 2] > patch[..., 0] + 30) > 0.4, (frame.seed, hand.side)
    again = crossing_video(11, n_frames=9, glove="indigo", size=SIZE, cutouts=cutouts)
    assert np.array_equal(again[4].image, frames[4].image)
    # one bench: away from the hands the frames differ only by noise
    assert float(np.abs(frames[0].image[:40].astype(int) - frames[-1].image[:40]).mean()) < 6


def test_gloved_hands_crossing_in_video_keep_their_sides(cutouts) -> None:
    # a small subset of `bench_gloves.py --crossing-videos`: four colours, one video each
    score = SceneScore()
    for k, glove in enumerate(COLORED):
        # the crossing alone (a hand leaving the frame first: tests/unit/pose/test_gloves_leaving_video.py)
        scenes = crossing_video(300 + k, n_frames=24, glove=glove, size=SIZE, cutouts=cutouts, leaving=False)
        frames = [Frame(i, i / 12.5, scene.image) for i, scene in enumerate(scenes)]
        tracker = GloveTracker(camera_view="top")
        tracker.prepare(frames[::4])
        for scene, frame in zip(scenes, frames):
            score_observation(scene, centres_of(tracker.process(frame)), score)
    print(score.summary(), score.misses)
    assert score.found_share >= FLOOR_CROSSING_VIDEO
    assert score.false_share <= 0.05

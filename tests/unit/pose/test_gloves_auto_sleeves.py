"""auto 1.10: sleeves joined to blue boxes are no gloves, the names of a hand filled beside a landmark hand
from above, and where MediaPipe's hands were lately kept only where it is read (seeds outside every
benchmark set)."""

from __future__ import annotations

import numpy as np
import pytest
from test_gloves_auto import LandmarksOnOneHand, auto_with, frame, landmark_hand, scene_video_tracked

from skillsight.capture.frames import Frame
from skillsight.pose.trackers.auto import AutoTracker
from skillsight.pose.trackers.base import FrameObservation


class CountingUpdates:
    """Counts the per-frame updates of where MediaPipe's hands were lately (auto_hands.RecentHands)."""

    def __init__(self) -> None:
        self.updates = 0

    def update(self, time_s: float, landmarks: FrameObservation) -> None:
        self.updates += 1


def test_where_mediapipe_saw_hands_lately_is_kept_only_where_the_skin_tracker_reads_it() -> None:
    # a bare-handed video and a gloved one: no skin tracker beside the landmarks, nothing reads the record
    for gloves_present in (False, True):
        tracker = auto_with(
            {i: {0: (300.0, 400.0)} for i in range(6)}, {1: {1: (700.0, 500.0)}}, gloves_present
        )
        counting = CountingUpdates()
        tracker._recent = counting  # type: ignore[assignment]
        for index in range(6):
            tracker.process(frame(index))
        assert not tracker.skin_hands_beside_landmarks and counting.updates == 0


class LandmarksOnOneHandThenTwo(LandmarksOnOneHand):
    """As real MediaPipe on video 20012: one side's hand throughout, the other's from frame 15 on."""

    def process(self, frame: Frame) -> FrameObservation:
        positions, confidence = np.full((2, 21, 3), np.nan), np.zeros((2, 21))
        for hand in self.scenes[frame.index].hands:
            if hand.landmarks is not None and (hand.side == self.side or frame.index >= 15):
                slot = ("left_hand", "right_hand").index(hand.side)
                positions[slot, :, :2] = hand.landmarks
                confidence[slot] = 0.9
        return FrameObservation(positions, confidence)


@pytest.mark.parametrize(
    ("seed", "side", "stand_in"),
    [
        (20005, None, LandmarksOnOneHand),
        (20012, "left_hand", LandmarksOnOneHandThenTwo),
        (20018, "left_hand", LandmarksOnOneHand),
    ],
)
@pytest.mark.slow
def test_sleeves_and_blue_objects_that_skin_hands_beat_are_no_gloves(
    seed: int, side: str | None, stand_in: type
) -> None:
    # bare hands in navy sleeves beside blue boxes (seeds outside the benchmark sets): the sleeves, joined
    # to the boxes, won calibration as coloured gloves; whole skin hands entering the frame beat them where
    # every family contests the samples, and one sleeve ends in a skin hand in most samples. auto 1.9 with
    # real MediaPipe: 2/60 found and 57 false hands (20005, MediaPipe sees no hand), 45/60 (20012, the
    # sleeves passed as moving hands in a bare-handed video, and the hand MediaPipe misses went unsought),
    # 50/60 (20018, MediaPipe never sees one hand: once the sleeves were rejected, a hand-sized skin blob was
    # a hand only where MediaPipe had lost one). auto 1.11 rejects 20018's "gloves" before the contest: the
    # boxes lie still and the only moving candidate ends in skin (a sleeve), 60/60 found
    score, provenance = scene_video_tracked(seed, None, side, stand_in)
    assert provenance["gloves_beaten_by_skin"] or provenance["still_objects_rejected"]
    assert score.found_share >= 0.95 and score.false == 0


@pytest.mark.slow
def test_a_filled_hand_keeps_its_side_beside_a_landmark_hand_named_the_other_side() -> None:
    # skin-tone latex, video 20021 (outside the benchmark sets), real MediaPipe: it sees the right hand and
    # names it left; the skin tracker's right hand lies off its landmarks (no match) and its left hand,
    # matched to neither, was pushed into the right slot (auto 1.9: frames 0, 2 and 3 on the wrong sides)
    from skillsight.glove_scene_scoring import SceneScore, centres_of, score_observation
    from skillsight.glove_scenes import DRAPES, scene_video
    from skillsight.hand_cutouts import load_cutouts

    pytest.importorskip("mediapipe")
    if not load_cutouts():
        pytest.skip("the shared clips are missing")
    drape = list(DRAPES)[20021 % len(DRAPES)]  # as benchmarks/bench_gloves.py --auto-videos
    scenes = scene_video(20021, n_frames=30, glove="skin_latex", drape=drape, size=(640, 360))
    frames = [Frame(i, i / 25.0, scene.image) for i, scene in enumerate(scenes)]
    score = SceneScore()
    with AutoTracker(camera_view="top") as tracker:
        tracker.prepare(frames[::3])
        for scene, frame in zip(scenes[:6], frames[:6]):
            score_observation(scene, centres_of(tracker.process(frame)), score)
        assert tracker.provenance()["skin_hands_beside_landmarks"]
    assert score.found_share == 1.0 and score.false == 0


def test_a_lone_landmark_hand_takes_the_name_the_glove_hands_leave_it() -> None:
    from skillsight.pose.trackers.auto_names import lone_landmark_slot, named_as_gloves

    right = landmark_hand(480.0, 230.0)  # MediaPipe named it left (slot 0)
    gloves = np.array(
        [[[200.0, 170.0, 0.0]], [[430.0, 235.0, 0.0]]]
    )  # left glove hand, right one off its centre
    assert lone_landmark_slot(right, gloves[:, 0], [0, 1]) == 1
    assert lone_landmark_slot(right, gloves[:, 0], [0]) == 1  # one glove hand: the other hand's name is free
    assert lone_landmark_slot(right, np.array([[420.0, 200.0, 0.0], [430.0, 235.0, 0.0]]), [0, 1]) is None
    positions, confidence = np.full((2, 21, 3), np.nan), np.zeros((2, 21))
    positions[0], confidence[0] = right, 0.9
    gloved = FrameObservation(gloves[:, [0, 0]], np.full((2, 2), 0.8))
    named = named_as_gloves(FrameObservation(positions, confidence), gloved, 21)
    assert np.all(named.confidence[1] > 0) and np.all(named.confidence[0] == 0)

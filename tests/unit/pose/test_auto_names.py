"""`auto` from above names hands by where their arms come in, not by MediaPipe's handedness, and a hand
keeps one name whichever tracker (landmarks or gloves) reports it (scripted trackers, no MediaPipe)."""

from __future__ import annotations

import numpy as np
import pytest
from test_gloves_auto import ScriptedGloves, ScriptedHands

from skillsight.capture.frames import Frame
from skillsight.pose.trackers.auto import AutoTracker
from skillsight.pose.trackers.auto_names import arm_entry
from skillsight.pose.trackers.base import FrameObservation

SIZE = (640, 480)


def frame(index: int) -> Frame:
    return Frame(index, index / 25.0, np.zeros((SIZE[1], SIZE[0], 3), np.uint8))


def hand_with_arm(cx: float, cy: float, arm: tuple[float, float], size: float = 80.0) -> np.ndarray:
    """21 points around (cx, cy): the wrist towards `arm` (a direction), the fingers away from it."""
    direction = np.asarray(arm, float) / np.linalg.norm(arm)
    points = np.zeros((21, 3))
    along = np.linspace(-0.5, 0.5, 21) * size
    points[:, 0] = cx - direction[0] * along
    points[:, 1] = cy - direction[1] * along
    points[0, :2] = (cx + direction[0] * 0.5 * size, cy + direction[1] * 0.5 * size)  # wrist
    points[9, :2] = (cx, cy)  # middle finger's knuckle
    return points


class ArmHands(ScriptedHands):
    """Per frame index, {slot: (cx, cy, arm direction)}: MediaPipe's slot is its (maybe wrong) label."""

    def process(self, frame: Frame) -> FrameObservation:
        positions = np.full((2, 21, 3), np.nan)
        confidence = np.zeros((2, 21))
        for slot, (cx, cy, arm) in self.script.get(frame.index, {}).items():
            positions[slot] = hand_with_arm(cx, cy, arm)
            confidence[slot] = 0.9
        return FrameObservation(positions, confidence, np.zeros((2, 21, 3)), {})


def auto(hands: dict, gloves: dict, camera_view: str = "top", present: bool = False) -> AutoTracker:
    tracker = AutoTracker(
        camera_view=camera_view,
        hands_factory=lambda: ArmHands(hands),
        gloves_factory=lambda: ScriptedGloves(gloves, present),
    )
    tracker.prepare([frame(i) for i in range(3)])
    return tracker


def slot_at(observation, x: float) -> int:  # type: ignore[no-untyped-def]
    """The slot whose reported centre lies nearest x."""
    centres = observation.positions[:, -2, 0]
    return int(np.nanargmin(np.abs(centres - x)))


def test_the_arm_comes_in_where_the_ray_from_the_knuckle_through_the_wrist_leaves_the_frame() -> None:
    up = hand_with_arm(300.0, 300.0, (0.0, 1.0))
    assert arm_entry(up, SIZE) == pytest.approx((300.0, 479.0))
    from_right = hand_with_arm(500.0, 200.0, (1.0, 0.2))
    x, y = arm_entry(from_right, SIZE)  # type: ignore[misc]
    assert x == pytest.approx(639.0) and 200.0 < y < 479.0
    assert arm_entry(hand_with_arm(300.0, 300.0, (0.0, -1.0)), SIZE) is None  # fingers towards the trainee


@pytest.mark.parametrize("camera_view", ["top", "front"])
def test_from_above_hands_labelled_the_wrong_way_are_named_by_their_arms(camera_view: str) -> None:
    # MediaPipe calls the hand whose arm comes from the bottom-left "right" (slot 1), and the other "left"
    script = {i: {1: (200.0, 250.0, (-0.3, 1.0)), 0: (440.0, 250.0, (0.3, 1.0))} for i in range(10)}
    tracker = auto(script, {}, camera_view)
    observations = [tracker.process(frame(i)) for i in range(10)]
    left_slot = 0 if camera_view == "top" else 1  # a front view keeps MediaPipe's handedness
    assert all(slot_at(o, 200.0) == left_slot for o in observations)
    landmarks_kept = observations[0].positions[left_slot, :21]
    assert np.allclose(landmarks_kept, hand_with_arm(200.0, 250.0, (-0.3, 1.0)))


def test_a_hand_keeps_its_name_while_it_moves_across_and_mediapipe_flips_its_label() -> None:
    # one hand, its arm from the bottom-left, moves right across the middle; its label flips each frame
    script = {i: {i % 2: (150.0 + 12.0 * i, 300.0, (-0.4, 1.0) if i < 3 else (0.6, 1.0))} for i in range(30)}
    tracker = auto(script, {})
    names = [int(np.flatnonzero(tracker.process(frame(i)).confidence[:, -2] > 0)[0]) for i in range(30)]
    assert names == [0] * 30


def test_one_hand_seen_by_landmarks_and_by_the_glove_tracker_in_turn_keeps_one_name() -> None:
    # skin-tone latex: the glove tracker names it left (its arm enters on the left) on even frames;
    # MediaPipe sees it on odd frames, calls it "right", and its knuckle-to-wrist ray points right
    hands = {i: {1: (200.0, 250.0, (1.0, 0.2))} for i in range(1, 20, 2)}
    gloves = {i: {0: (205.0, 255.0)} for i in range(0, 20, 2)}
    tracker = auto(hands, gloves, present=True)
    slots = [int(np.flatnonzero(tracker.process(frame(i)).confidence[:, -2] > 0)[0]) for i in range(20)]
    assert slots == [0] * 20


def test_a_landmark_hand_on_a_glove_hand_takes_the_glove_trackers_name_in_video() -> None:
    hands = {i: {1: (200.0, 250.0, (0.0, 1.0))} for i in range(5)}
    gloves = {i: {0: (205.0, 255.0)} for i in range(5)}
    tracker = auto(hands, gloves, present=True)
    for i in range(5):
        observation = tracker.process(frame(i))
        assert observation.confidence[0, 0] > 0 and not np.any(observation.confidence[1] > 0)
        assert np.allclose(observation.positions[0, :21], hand_with_arm(200.0, 250.0, (0.0, 1.0)))


@pytest.mark.parametrize("label", [0, 1])
def test_a_lone_hand_whose_arm_may_come_in_on_either_side_keeps_mediapipes_label(label: int) -> None:
    # the real typing clip: one hand, its forearm up from about the middle of the bottom edge; within the
    # wrist's sideways bend either arm could come in there
    tracker = auto({i: {label: (330.0, 300.0, (0.05, 1.0))} for i in range(5)}, {})
    assert all(tracker.process(frame(i)).confidence[label, 0] > 0 for i in range(5))


@pytest.mark.parametrize("label", [0, 1])
def test_a_lone_hand_whose_arm_comes_in_by_the_left_border_is_the_left_hand(label: int) -> None:
    tracker = auto({i: {label: (150.0, 200.0, (-1.0, 0.3))} for i in range(5)}, {})
    assert all(tracker.process(frame(i)).confidence[0, 0] > 0 for i in range(5))


def skin_frame(index: int) -> Frame:
    """A frame of skin colour: every landmark hand on it is bare."""
    return Frame(index, index / 25.0, np.full((SIZE[1], SIZE[0], 3), (210, 160, 130), np.uint8))


def test_a_blob_on_bare_landmark_hands_does_not_name_them() -> None:
    # two bare hands, arms from the bottom-left and bottom-right, MediaPipe's labels the wrong way round;
    # from frame 5 a blob the glove tracker calls "right" lies on the left hand (a white cuff under it, two
    # skin hands merged into one blob): bare hands wear no glove, so their arms name them (on gloved hands the
    # glove tracker's name holds: test_a_landmark_hand_on_a_glove_hand_takes_the_glove_trackers_name_in_video)
    # MediaPipe sees no hand in most of the three samples, so the video stays gloved.
    hands = {
        i: {1: (200.0 + 2.0 * i, 250.0, (-0.3, 1.0)), 0: (440.0, 250.0, (0.3, 1.0))} for i in range(2, 15)
    }
    gloves = {i: {1: (205.0 + 2.0 * i, 262.0)} for i in range(5, 15)}
    tracker = AutoTracker(
        camera_view="top",
        hands_factory=lambda: ArmHands(hands),
        gloves_factory=lambda: ScriptedGloves(gloves, True),
    )
    tracker.prepare([skin_frame(i) for i in range(3)])
    observations = [tracker.process(skin_frame(i)) for i in range(2, 15)]
    assert [slot_at(o, 200.0) for o in observations[:3]] == [0] * 3  # named by their arms
    assert [slot_at(o, 200.0) for o in observations[3:]] == [0] * 10

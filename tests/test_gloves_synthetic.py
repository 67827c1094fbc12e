"""Glove tracker on synthetic bird's-eye bench frames: calibration, identity, tips, white gloves."""

from __future__ import annotations

import math

import numpy as np
import pytest
from skillsight.capture.frames import Frame
from skillsight.pose.trackers.base import create_tracker
from skillsight.pose.trackers.gloves import (
    GloveTracker,
    assign_hands,
    assign_hands_by_side,
    calibrate_gloves,
)

from skillsight.synthetic_video import top_down_glove_frame

# Positions below are written for 1920x1080; frames are made at half that size to keep the tests quick.
SCALE = 0.5
WIDTH, HEIGHT = 1920, 1080
HAND_LENGTH = 0.2 * HEIGHT  # top_down_glove_frame's default glove length, in full-size pixels
SKIN = (224, 172, 150)


def scene(index: int, hands: list[tuple[float, float]], **options) -> Frame:
    """A synthetic frame; positions in 1920x1080 pixels, image at SCALE."""
    size = (round(WIDTH * SCALE), round(HEIGHT * SCALE))
    small_hands = [(x * SCALE, y * SCALE) for x, y in hands]
    return Frame(index, index / 25.0, top_down_glove_frame(small_hands, size=size, seed=index, **options))


def full_size(points: np.ndarray) -> np.ndarray:
    return np.asarray(points, dtype=np.float64)[..., :2] / SCALE


def two_hands_moving(n: int = 30, **options) -> list[Frame]:
    """Left hand on the image left, right hand on the image right, both drifting."""
    return [scene(i, [(560 + 6 * i, 620 - 2 * i), (1350 - 4 * i, 660 + i)], **options) for i in range(n)]


def tracked(tracker: GloveTracker, frames: list[Frame]) -> list:
    tracker.prepare(frames[:: max(1, len(frames) // 20)])
    return [tracker.process(f) for f in frames]


@pytest.mark.parametrize("color", ["blue", "purple", "green"])
def test_calibration_finds_the_glove_colour_not_the_sleeves(color: str) -> None:
    frames = two_hands_moving(12, color=color)
    calibration = calibrate_gloves([f.image for f in frames])
    assert calibration.gloves_present
    assert calibration.model is not None and calibration.model.color == color
    # two hands apart: a single hand's area is learnt (each glove is ~1.1% of the frame here)
    assert calibration.hand_area_fraction is not None
    assert 0.005 < calibration.hand_area_fraction < 0.03


def test_left_right_centroids_and_tips_from_the_bottom() -> None:
    frames = two_hands_moving(20)
    tracker = GloveTracker(camera_view="top")
    observations = tracked(tracker, frames)
    left, right = tracker.individuals.index("left_hand"), tracker.individuals.index("right_hand")
    centroid, tip = tracker.keypoints.index("centroid"), tracker.keypoints.index("tip")
    for i, obs in enumerate(observations):
        true_left, true_right = (560 + 6 * i, 620 - 2 * i), (1350 - 4 * i, 660 + i)
        for slot, (x, y) in ((left, true_left), (right, true_right)):
            cx, cy = full_size(obs.positions[slot, centroid])
            assert abs(cx - x) < 0.15 * HAND_LENGTH and abs(cy - y) < 0.3 * HAND_LENGTH
            # fingers point up, away from the trainee at the bottom: the tip is the top of the glove
            tx, ty = full_size(obs.positions[slot, tip])
            assert abs(ty - (y - 0.7 * HAND_LENGTH)) < 0.12 * HAND_LENGTH
            assert abs(tx - x) < 0.3 * HAND_LENGTH
            assert 0.5 < obs.confidence[slot, centroid] <= 1.0
        assert obs.extras["left_hand.glove_area_px"] / SCALE**2 > 0.004 * WIDTH * HEIGHT
    assert tracker.provenance()["gloves_present"] is True


def test_front_view_mirrors_sides() -> None:
    frames = two_hands_moving(6)
    tracker = GloveTracker(camera_view="front")
    obs = tracked(tracker, frames)[0]
    left = tracker.individuals.index("left_hand")
    # facing the trainee, their left hand is on the image right
    assert obs.positions[left, 0, 0] / SCALE > WIDTH / 2


def test_crossing_hands_keep_identity_through_a_merge() -> None:
    def truth(i: int) -> tuple[tuple[float, float], tuple[float, float]]:
        return (500 + 15 * i, 500), (1400 - 15 * i, 650)

    frames = [scene(i, list(truth(i))) for i in range(60)]
    tracker = GloveTracker(camera_view="top")
    observations = tracked(tracker, frames)
    left, right = tracker.individuals.index("left_hand"), tracker.individuals.index("right_hand")
    both = 0
    for i, obs in enumerate(observations):
        (lx, ly), (rx, ry) = truth(i)
        if not np.isnan(obs.positions[[left, right], 0, 0]).any():
            both += 1
            assert math.dist(full_size(obs.positions[left, 0]), (lx, ly)) < 0.5 * HAND_LENGTH, i
            assert math.dist(full_size(obs.positions[right, 0]), (rx, ry)) < 0.5 * HAND_LENGTH, i
    assert both >= 57  # the merged frames are split back into two hands
    # after crossing, the trainee's left hand is on the image right
    assert observations[-1].positions[left, 0, 0] > observations[-1].positions[right, 0, 0]
    assert tracker.provenance()["merged_blobs_split"] > 0


def test_white_gloves_are_found_and_the_white_pad_is_not() -> None:
    table, pad = (70, 66, 62), (240, 240, 236)

    def truth(i: int) -> list[tuple[float, float]]:
        return [(450 + 8 * i, 880 - 3 * i), (1500 - 8 * i, 900 - 2 * i)]

    frames = [scene(i, truth(i), color="white", table_rgb=table, pad_rgb=pad) for i in range(30)]
    tracker = GloveTracker()
    observations = tracked(tracker, frames)
    model = tracker.provenance()["calibration"]["model"]
    assert model["color"] == "white"
    left, right = tracker.individuals.index("left_hand"), tracker.individuals.index("right_hand")
    for i, obs in enumerate(observations):
        for slot, (x, y) in zip((left, right), truth(i)):
            assert math.dist(full_size(obs.positions[slot, 0]), (x, y)) < 0.5 * HAND_LENGTH, i
        # the pad (a fifth of the frame) is never taken for a hand
        areas = [obs.extras[f"{hand}.glove_area_px"] for hand in ("left_hand", "right_hand")]
        assert max(areas) / SCALE**2 < 0.05 * WIDTH * HEIGHT


def test_bare_hands_over_a_white_table_are_not_gloves() -> None:
    frames = two_hands_moving(20, color=SKIN, table_rgb=(236, 236, 232), pad_rgb=(242, 242, 240))
    tracker = GloveTracker()
    observations = tracked(tracker, frames)
    assert tracker.provenance()["gloves_present"] is False
    assert all(np.all(obs.confidence == 0) and np.isnan(obs.positions).all() for obs in observations)


def test_no_gloves_on_a_bench_without_hands() -> None:
    frames = [scene(i, []) for i in range(10)]
    calibration = calibrate_gloves([f.image for f in frames])
    assert not calibration.gloves_present and calibration.model is None


def test_a_named_colour_is_used_even_when_calibration_sees_nothing() -> None:
    tracker = GloveTracker(glove_color="blue")
    tracker.prepare([scene(0, [])])
    assert tracker.gloves_present
    obs = tracker.process(scene(1, [(900, 600)]))
    assert np.count_nonzero(obs.confidence[:, 0] > 0) == 1


def test_assign_hands_by_side_and_by_prediction() -> None:
    assert assign_hands_by_side([800.0, 100.0], 1000, "top") == ["right_hand", "left_hand"]
    assert assign_hands_by_side([800.0, 100.0], 1000, "front") == ["left_hand", "right_hand"]
    assert assign_hands_by_side([100.0], 1000, "top") == ["left_hand"]
    # a recent left hand at the image right keeps its name (hands crossed)
    predictions = {"left_hand": (790.0, 300.0), "right_hand": (120.0, 310.0)}
    assert assign_hands([(800.0, 300.0), (100.0, 300.0)], predictions, (1000, 600), "top") == [
        "left_hand",
        "right_hand",
    ]
    # one detection far from the only known hand falls back to the image side
    assert assign_hands([(900.0, 300.0)], {"left_hand": (100.0, 300.0)}, (1000, 600), "top") == ["right_hand"]


def test_registry_builds_the_glove_tracker_and_rejects_bad_options() -> None:
    tracker = create_tracker("gloves", camera_view="top")
    assert isinstance(tracker, GloveTracker)
    assert tracker.individuals == ("left_hand", "right_hand") and tracker.keypoints == ("centroid", "tip")
    with pytest.raises(ValueError, match="glove_color"):
        GloveTracker(glove_color="orange")
    with pytest.raises(ValueError, match="camera_view"):
        GloveTracker(camera_view="diagonal")


def test_process_without_prepare_calibrates_on_the_first_frame() -> None:
    tracker = GloveTracker()
    obs = tracker.process(scene(0, [(600, 600), (1300, 650)]))
    assert tracker.gloves_present
    assert np.count_nonzero(obs.confidence[:, 0] > 0) == 2


def test_a_folder_of_stills_with_different_glove_colours_finds_both_hands_in_each() -> None:
    # stills of different videos, one second apart as an image folder is read: colours and tables vary
    looks = [
        ("blue", (92, 84, 78)),
        ("purple", (60, 62, 70)),
        ("blue", (150, 140, 120)),
        ("purple", (92, 84, 78)),
    ]
    stills = []
    for i in range(12):
        color, table = looks[i % len(looks)]
        hands = [(500.0 + 20 * i, 600.0), (1350.0 - 15 * i, 640.0)]
        image = top_down_glove_frame(
            [(x * SCALE, y * SCALE) for x, y in hands],
            size=(round(WIDTH * SCALE), round(HEIGHT * SCALE)),
            color=color,
            table_rgb=table,
            seed=i,
        )
        stills.append(Frame(i, float(i), image))
    tracker = GloveTracker()
    observations = tracked(tracker, stills)
    calibration = tracker.provenance()["calibration"]
    colors = {calibration["model"]["color"], *(m["color"] for m in calibration["alternatives"])}
    assert colors == {"blue", "purple"}
    assert all(np.count_nonzero(obs.confidence[:, 0] > 0) == 2 for obs in observations)
    left = tracker.individuals.index("left_hand")
    assert all(obs.positions[left, 0, 0] < WIDTH * SCALE / 2 for obs in observations)
    assert tracker.provenance()["frames_with_fallback_color"] == 6


def test_an_empty_sample_defers_calibration_to_the_first_frame() -> None:
    tracker = GloveTracker()
    tracker.prepare([])
    assert tracker.provenance()["calibration"] is None
    obs = tracker.process(scene(0, [(600, 600), (1300, 650)]))
    assert tracker.gloves_present and np.count_nonzero(obs.confidence[:, 0] > 0) == 2


def test_the_tip_points_away_from_where_the_blob_meets_the_border() -> None:
    from skillsight.pose.trackers.gloves import describe_blob

    mask = np.zeros((270, 480), np.uint8)
    mask[100:140, 0:150] = 255  # an arm and glove coming in from the left edge
    mask[90:150, 120:170] = 255  # the hand
    blob = describe_blob(mask, mask > 0, entry_edge="bottom", expected_area=None)
    assert blob is not None
    assert blob.tip[0] == pytest.approx(169, abs=1)  # the far right, not the top nearest the bottom edge
    assert blob.confidence > 0.9
    floating = np.zeros((270, 480), np.uint8)
    floating[100:200, 200:240] = 255  # touches no border: the arm comes from the trainee's (bottom) edge
    blob = describe_blob(floating, floating > 0, entry_edge="bottom", expected_area=None)
    assert blob is not None and blob.tip[1] == pytest.approx(100, abs=1)


def test_a_darker_sleeve_of_the_glove_hue_is_cut_off() -> None:
    # blue gloves, navy sleeves of the same hue from the bottom edge: the glove is the lighter part
    frames = two_hands_moving(16, sleeve_rgb=(40, 60, 120))
    tracker = GloveTracker()
    observations = tracked(tracker, frames)
    left, right = tracker.individuals.index("left_hand"), tracker.individuals.index("right_hand")
    for i, obs in enumerate(observations):
        true_left, true_right = (560 + 6 * i, 620 - 2 * i), (1350 - 4 * i, 660 + i)
        for slot, truth in ((left, true_left), (right, true_right)):
            assert math.dist(full_size(obs.positions[slot, 0]), truth) < 0.3 * HAND_LENGTH, i

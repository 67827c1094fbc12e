"""Glove tracker on synthetic bird's-eye bench frames: calibration, identity, tips, white gloves."""

from __future__ import annotations

import math

import numpy as np
import pytest

from skillsight.capture.frames import Frame
from skillsight.pose.trackers.base import create_tracker
from skillsight.pose.trackers.gloves import GloveTracker
from skillsight.pose.trackers.gloves.arm_entries import split_by_entries
from skillsight.pose.trackers.gloves.hands import border_contacts, describe_hand
from skillsight.pose.trackers.gloves.identity import names_by_side, names_by_tracks, side_key
from skillsight.pose.trackers.gloves.segmentation import colored_mask, find_drape
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
def test_calibration_finds_coloured_gloves(color: str) -> None:
    tracker = GloveTracker()
    tracker.prepare(two_hands_moving(12, color=color))
    calibration = tracker.provenance()["calibration"]
    assert calibration["gloves_present"] and calibration["families"][0] == "colored"
    assert calibration["family_shares"]["colored"] >= 0.9


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
            assert abs(cx - x) < 0.15 * HAND_LENGTH and abs(cy - y) < 0.4 * HAND_LENGTH  # the fingers count
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


def test_hands_that_meet_and_part_keep_identity_through_a_merge() -> None:
    # this scene's sleeves run straight down from each hand, so hands that crossed here would be arms
    # whose entries swapped, which real forearms cannot do (crossing with real arms: test_gloves_crossing).
    # The hands meet, merge and part back to their own sides: tracker 2.11's tracks coasted through the
    # merge as if the hands had crossed, and the crossing they saw kept the swapped names to the end
    # (34 of 60 frames right); since 2.13 the arms name the hands again once they part
    def truth(i: int) -> tuple[tuple[float, float], tuple[float, float]]:
        step = min(i, 59 - i)
        return (500 + 15 * step, 500), (1400 - 15 * step, 650)

    frames = [scene(i, list(truth(i))) for i in range(60)]
    tracker = GloveTracker(camera_view="top")
    observations = tracked(tracker, frames)
    left, right = tracker.individuals.index("left_hand"), tracker.individuals.index("right_hand")
    named_right = 0
    for i, obs in enumerate(observations):
        (lx, ly), (rx, ry) = truth(i)
        named_right += int(
            math.dist(full_size(obs.positions[left, 0]), (lx, ly)) < 0.5 * HAND_LENGTH
            and math.dist(full_size(obs.positions[right, 0]), (rx, ry)) < 0.5 * HAND_LENGTH
        )
    assert named_right >= 54  # most merged frames are split back into two hands, named rightly
    assert observations[-1].positions[left, 0, 0] < observations[-1].positions[right, 0, 0]


@pytest.mark.xfail(
    reason="these white gloves are painted flat (no folds or shading, unlike real latex) and drift about "
    "their own length over the clip, so each pixel under them shows a glove in most calibration samples: "
    "the background is not known there, and there tracker 2.9 still needs a white glove's shading. Measured "
    "2026-11-30 (gloves13): with the noise-set stillness threshold alone (4x the samples' noise, 5 summed "
    "Lab units here, was a fixed 18) this test passed, but the pad uncovered from under a coloured glove "
    "or its shadow then looked moved and white won coloured-glove crossing videos (indigo..green 83.3% on "
    "the right side, floor 95%); the realistic white latex videos are tested in test_gloves_white_video. "
    "Measured 2026-11-30 (gloves22): white wins 4 of 30 samples here. Keeping every smooth white patch "
    "of a hand's size (not cut by the frame's edge) made white win calibration and found both gloves in "
    "20 of 30 frames, but pad pieces then won stills of coloured gloves (seeds 40001-40144: light blue "
    "94.8 -> 92.4%, skin latex 96.4 -> 95.2%); only patches a glove's shading encloses did not help here "
    "(and were reverted: tests/unit/pose/test_gloves_synthetic_white.py)"
)
def test_white_gloves_are_found_and_the_white_pad_is_not() -> None:
    """Flat-painted white gloves (no folds: only the shading of their edges) over a flat white pad."""
    table, pad = (70, 66, 62), (240, 240, 236)

    def truth(i: int) -> list[tuple[float, float]]:
        return [(450 + 8 * i, 880 - 3 * i), (1500 - 8 * i, 900 - 2 * i)]

    frames = [scene(i, truth(i), color="white", table_rgb=table, pad_rgb=pad) for i in range(30)]
    tracker = GloveTracker()
    observations = tracked(tracker, frames)
    assert tracker.provenance()["calibration"]["families"][0] == "white"
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
    tracker = GloveTracker()
    tracker.prepare(frames)
    assert not tracker.gloves_present
    assert all(np.all(tracker.process(f).confidence == 0) for f in frames)


def test_a_named_colour_is_used_even_when_calibration_sees_nothing() -> None:
    tracker = GloveTracker(glove_color="blue")
    tracker.prepare([scene(0, [])])
    assert tracker.gloves_present
    obs = tracker.process(scene(1, [(900, 600)]))
    assert np.count_nonzero(obs.confidence[:, 0] > 0) == 1


def test_hands_are_named_by_where_their_arms_enter() -> None:
    size = (1000, 600)
    # arms from the bottom-left and the right side: left, right; a camera facing the trainee mirrors
    keys = [side_key((900.0, 599.0), (700.0, 300.0), size), side_key((999.0, 300.0), (300.0, 300.0), size)]
    assert names_by_side(keys, size, "top") == ["left_hand", "right_hand"]  # crossed: hands swapped sides
    assert names_by_side(keys, size, "front") == ["right_hand", "left_hand"]
    assert names_by_side([side_key(None, (100.0, 300.0), size)], size, "top") == ["left_hand"]
    # video: a floating glove keeps the name of the track it continues
    predictions = {"right_hand": (120.0, 310.0)}
    assert names_by_tracks([(100.0, 300.0)], ["left_hand"], predictions, size) == ["right_hand"]
    assert names_by_tracks([(900.0, 300.0)], ["right_hand"], {"left_hand": (100.0, 300.0)}, size) == [
        "right_hand"
    ]


def test_a_pale_drape_of_the_glove_hue_is_not_glove() -> None:
    hsv = np.zeros((100, 200, 3), np.uint8)
    hsv[...] = (105, 60, 210)  # pale blue drape
    hsv[30:70, 20:60] = (105, 120, 210)  # light-blue glove, same hue, clearly more saturated
    drape = find_drape(hsv)
    assert drape is not None and abs(drape.hue - 105) <= 4
    mask = colored_mask(hsv, drape) > 0
    assert mask[30:70, 20:60].all() and not mask[:, 80:].any()


def test_one_blob_entering_at_two_places_is_two_hands() -> None:
    blob = np.zeros((200, 300), np.uint8)
    blob[120:200, 40:90] = 255  # left arm from the bottom
    blob[120:200, 210:260] = 255  # right arm from the bottom
    blob[80:130, 40:260] = 255  # hands touching over the middle
    contacts = border_contacts(blob, ("left", "bottom", "right"))
    assert len(contacts) == 2
    parts = split_by_entries(blob, contacts)
    centres = sorted(describe_hand(p, c, "bottom").centre[0] for p, c in parts)  # type: ignore[union-attr]
    assert centres[0] < 150 < centres[1]


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
        ("green", (92, 84, 78)),
    ]
    stills = []
    for i in range(12):
        color, table = looks[i % len(looks)]
        hands = [(500.0 + 20 * i, 600.0), (1350.0 - 15 * i, 640.0)]
        size = (round(WIDTH * SCALE), round(HEIGHT * SCALE))
        image = top_down_glove_frame(
            [(x * SCALE, y * SCALE) for x, y in hands], size=size, color=color, table_rgb=table, seed=i
        )
        stills.append(Frame(i, float(i), image))
    tracker = GloveTracker(independent_frames=True)
    observations = tracked(tracker, stills)
    assert all(np.count_nonzero(obs.confidence[:, 0] > 0) == 2 for obs in observations)
    left = tracker.individuals.index("left_hand")
    assert all(obs.positions[left, 0, 0] < WIDTH * SCALE / 2 for obs in observations)


def test_an_empty_sample_defers_calibration_to_the_first_frame() -> None:
    tracker = GloveTracker()
    tracker.prepare([])
    assert tracker.provenance()["calibration"] is None
    obs = tracker.process(scene(0, [(600, 600), (1300, 650)]))
    assert tracker.gloves_present and np.count_nonzero(obs.confidence[:, 0] > 0) == 2


def test_the_tip_points_away_from_where_the_blob_meets_the_border() -> None:
    mask = np.zeros((270, 480), np.uint8)
    mask[100:140, 0:150] = 255  # an arm and glove coming in from the left edge
    mask[90:150, 120:170] = 255  # the hand
    contacts = border_contacts(mask, ("left", "bottom", "right"))
    blob = describe_hand(mask, contacts[0], "bottom")
    assert blob is not None
    assert blob.tip[0] == pytest.approx(169, abs=2)  # the far right, not the top nearest the bottom edge
    assert blob.centre[0] > 100  # on the hand, not halfway along the arm
    assert abs(blob.angle_deg) < 10
    floating = np.zeros((270, 480), np.uint8)
    floating[100:200, 200:240] = 255  # touches no border: the arm comes from the trainee's (bottom) edge
    blob = describe_hand(floating, np.empty((0, 2)), "bottom")
    assert blob is not None and blob.tip[1] == pytest.approx(100, abs=2)


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

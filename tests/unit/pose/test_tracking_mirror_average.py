"""Mirror averaging: hands tracked in each frame and in its mirror image, averaged hand by hand, so a
mirrored video gives exactly the mirror image of the original's motion (fairness for left-handers).

The bookkeeping (mapping mirrored detections back, pairing and averaging the two views) is tested on
synthetic detections; the whole tracker on real frames and their mirror images.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import shared_file
from test_tracking_identity import hand_at

from skillsight.pose.trackers.mediapipe_hands import (
    HandDetection,
    merge_mirror_views,
    mirror_back,
)

WIDTH = 640.0


def test_mirror_back_maps_coordinates_world_and_anatomy_to_the_unmirrored_image():
    det = hand_at(100.0, "right_hand")
    det.world = np.tile([0.01, 0.02, 0.03], (21, 1))
    (back,) = mirror_back([det], WIDTH)
    assert back.hand == "left_hand"
    assert back.palm_centre[0] == pytest.approx(WIDTH - 100.0)
    np.testing.assert_allclose(back.points[:, 1:], det.points[:, 1:])
    np.testing.assert_allclose(back.world, np.tile([-0.01, 0.02, 0.03], (21, 1)))
    # mirroring twice is the identity
    (again,) = mirror_back(mirror_back([det], WIDTH), WIDTH)
    np.testing.assert_allclose(again.points, det.points)
    assert again.hand == det.hand


def test_the_same_hand_in_both_views_is_averaged():
    direct = [hand_at(100.0, "right_hand", score=0.9), hand_at(400.0, "left_hand", score=0.8)]
    mirrored = [hand_at(406.0, "left_hand", score=0.6), hand_at(104.0, "right_hand", score=0.7)]
    merged = {d.hand: d for d in merge_mirror_views(direct, mirrored)}
    assert set(merged) == {"left_hand", "right_hand"}
    assert merged["right_hand"].palm_centre[0] == pytest.approx(102.0)
    assert merged["left_hand"].palm_centre[0] == pytest.approx(403.0)
    assert merged["right_hand"].score == pytest.approx(0.8)
    assert merged["left_hand"].score == pytest.approx(0.7)


def test_a_hand_only_one_view_found_is_kept_as_it_is():
    direct = [hand_at(100.0, "right_hand")]
    mirrored = [hand_at(101.0, "right_hand"), hand_at(500.0, "left_hand", score=0.6)]
    merged = merge_mirror_views(direct, mirrored)
    assert len(merged) == 2
    lone = next(d for d in merged if d.hand == "left_hand")
    assert lone.palm_centre[0] == pytest.approx(500.0)
    assert lone.score == pytest.approx(0.6)
    assert merge_mirror_views([], []) == []


def test_hands_far_apart_are_not_averaged_into_one():
    merged = merge_mirror_views([hand_at(100.0, "right_hand")], [hand_at(400.0, "right_hand")])
    assert sorted(d.palm_centre[0] for d in merged) == pytest.approx([100.0, 400.0])


def test_views_disagreeing_on_the_label_keep_the_surer_one():
    merged = merge_mirror_views([hand_at(100.0, "right_hand", 0.9)], [hand_at(102.0, "left_hand", 0.6)])
    assert [d.hand for d in merged] == ["right_hand"]


def _as_set(detections: list[HandDetection]) -> list[tuple[str, float, float]]:
    return sorted((d.hand, round(float(d.palm_centre[0]), 9), round(d.score, 9)) for d in detections)


def test_merging_is_symmetric_in_the_two_views():
    """The property mirror-symmetry rests on: swapping the views changes nothing."""
    rng = np.random.default_rng(3)
    for _ in range(50):
        direct = [hand_at(float(x), h, float(s)) for x, h, s in _random_hands(rng)]
        mirrored = [hand_at(float(x), h, float(s)) for x, h, s in _random_hands(rng)]
        assert _as_set(merge_mirror_views(direct, mirrored)) == _as_set(merge_mirror_views(mirrored, direct))


def _random_hands(rng: np.random.Generator) -> list[tuple[float, str, float]]:
    n = int(rng.integers(0, 3))
    hands = ["left_hand", "right_hand"]
    return [(rng.uniform(50, 600), str(rng.choice(hands)), rng.uniform(0.5, 1)) for _ in range(n)]


@pytest.mark.slow
def test_mirror_averaged_tracking_of_mirrored_frames_is_the_mirror_image():
    """Real frames and the same frames mirrored, each through its own mirror-averaging tracker: the
    landmarks agree to float precision after mirroring back, and the hand is the other anatomical one.
    Without averaging they differ by pixels (MediaPipe is not mirror-symmetric), so this can fail."""
    import av

    from skillsight.capture.frames import Frame
    from skillsight.pose.trackers.mediapipe_hands import MediaPipeHandsTracker

    with av.open(str(shared_file("tfjs/asl_hand.25fps.mp4"))) as container:
        images = [f.to_ndarray(format="rgb24") for _, f in zip(range(40), container.decode(video=0))]
    width = images[0].shape[1]

    def track(mirror_average: bool, flip: bool) -> tuple[np.ndarray, np.ndarray]:
        with MediaPipeHandsTracker(camera_view="front", mirror_average=mirror_average) as tracker:
            observations = [
                tracker.process(Frame(i, i / 25, np.ascontiguousarray(im[:, ::-1]) if flip else im))
                for i, im in enumerate(images)
            ]
        return np.stack([o.positions for o in observations]), np.stack([o.confidence for o in observations])

    def mirrored_back(positions: np.ndarray) -> np.ndarray:
        back = positions[:, ::-1].copy()  # hands slots (left, right) swap
        back[..., 0] = width - back[..., 0]
        return back

    original, confidence = track(True, flip=False)
    flipped, flipped_confidence = track(True, flip=True)
    assert np.isfinite(original[:, 1, :, 0]).mean() > 0.9  # the clip's right hand was found
    np.testing.assert_allclose(mirrored_back(flipped), original, atol=1e-6, equal_nan=True)
    np.testing.assert_allclose(flipped_confidence[:, ::-1], confidence, atol=1e-9)

    plain, _ = track(False, flip=False)
    plain_flipped, _ = track(False, flip=True)
    asymmetry = np.nanmax(np.abs(mirrored_back(plain_flipped) - plain))
    assert asymmetry > 1e-3, "plain MediaPipe came out mirror-symmetric: this test no longer shows anything"
    print(f"\nplain MediaPipe mirror asymmetry: up to {asymmetry:.2f} px; averaged: 0")

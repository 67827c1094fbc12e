"""Canonical orientation (issue 15): a left-hander's frames are mirrored before tracking and the motion
mirrored back, so trackers always see a right-dominant scene and a mirrored recording scored as
left-handed gives exactly the original's motion, mirrored.

Fast checks use a deliberately mirror-asymmetric fake tracker (it labels hands by image side and is
biased to the right, as a real model can be); the slow one runs the real clip through the scoring path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

import numpy as np
import pytest
from conftest import shared_file
from typer.testing import CliRunner

from skillsight.capture.frames import DecodeInterrupted, Frame, VideoInfo
from skillsight.cli import app
from skillsight.pose.motion import LEFT_HAND, RIGHT_HAND, Motion, load_motion
from skillsight.pose.orientation import mirror_motion_back, swap_sides, tracks_mirrored
from skillsight.pose.track import track_source
from skillsight.pose.trackers.base import FrameObservation, register_tracker

WIDTH, HEIGHT = 40, 12


class SpotSource:
    """Frame k shows one bright column at x = spot(k); `mirrored` shows the mirror image."""

    def __init__(self, n_frames: int = 25, mirrored: bool = False) -> None:
        self.info = VideoInfo("spot.mp4", WIDTH, HEIGHT, 10.0, n_frames, n_frames / 10.0, "fake")
        self.error: Optional[DecodeInterrupted] = None
        self.n_frames, self.mirrored = n_frames, mirrored

    def __iter__(self):
        for k in range(self.n_frames):
            image = np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)
            image[:, spot(k)] = 200 + k
            yield Frame(k, k / 10.0, image[:, ::-1].copy() if self.mirrored else image)

    def close(self) -> None:
        pass


def spot(k: int) -> int:
    return 3 + (7 * k) % 30


class SidedTracker:
    """Finds the bright column; calls it the right hand on the image's right half (and the left hand
    on the left half), and adds a right-biased offset: not mirror-symmetric, as a real model isn't."""

    name = "sided"
    individuals: tuple[str, ...] = (LEFT_HAND, RIGHT_HAND, "body")
    keypoints: tuple[str, ...] = ("wrist", "left_shoulder", "right_shoulder")
    needs_sample = True
    seen: list[np.ndarray] = []

    def __init__(self, camera_view: str = "top") -> None:
        self.camera_view = camera_view
        SidedTracker.seen = []

    def prepare(self, sample: Sequence[Frame]) -> None:
        pass

    def process(self, frame: Frame) -> FrameObservation:
        SidedTracker.seen.append(frame.image.copy())
        x = float(np.argmax(frame.image[0, :, 0])) + 0.5 + 0.3  # pixel centre, plus a bias
        positions = np.full((3, 3, 3), np.nan)
        confidence = np.zeros((3, 3))
        slot = 1 if x > WIDTH / 2 else 0
        positions[slot, 0] = (x, 5.0, 0.1)
        confidence[slot, 0] = 0.9
        positions[2, 1:] = [(x - 2.0, 1.0, 0.0), (x + 4.0, 1.0, 0.0)]  # shoulders, asymmetric
        confidence[2, 1:] = (0.8, 0.7)
        return FrameObservation(positions, confidence, extras={"right.found": float(slot == 1)})

    def provenance(self) -> dict[str, Any]:
        return {"name": self.name}

    def close(self) -> None:
        pass


def make_sided(camera_view: str = "top") -> SidedTracker:
    return SidedTracker(camera_view)


register_tracker("fake_sided", f"{__name__}:make_sided")


def test_side_names_swap_as_whole_words():
    assert swap_sides("left_hand") == "right_hand"
    assert swap_sides("right_shoulder") == "left_shoulder"
    assert swap_sides("mouth_left") == "mouth_right"
    assert swap_sides("gloves.left_area") == "gloves.right_area"
    assert swap_sides("body") == "body" and swap_sides("bright.area") == "bright.area"
    assert tracks_mirrored("left") and not tracks_mirrored("right")
    with pytest.raises(ValueError, match="dominant hand"):
        tracks_mirrored("both")


def test_a_left_hander_is_tracked_on_mirrored_frames():
    track_source(SpotSource(5), tracker="fake_sided", dominant_hand="left")
    for k, image in enumerate(SidedTracker.seen):
        assert np.argmax(image[0, :, 0]) == WIDTH - 1 - spot(k)
    track_source(SpotSource(5), tracker="fake_sided", dominant_hand="right")
    assert [int(np.argmax(image[0, :, 0])) for image in SidedTracker.seen] == [spot(k) for k in range(5)]


def test_a_mirrored_recording_scored_left_handed_gives_exactly_the_original_mirrored():
    original = track_source(SpotSource(), tracker="fake_sided", dominant_hand="right")
    original_seen = list(SidedTracker.seen)
    mirrored = track_source(SpotSource(mirrored=True), tracker="fake_sided", dominant_hand="left")
    # the tracker saw exactly the original's pixels: the same work, so the same motion
    assert all(np.array_equal(a, b) for a, b in zip(original_seen, SidedTracker.seen))
    expected = mirror_motion_back(original, WIDTH)
    np.testing.assert_array_equal(mirrored.positions, expected.positions)
    np.testing.assert_array_equal(mirrored.confidence, expected.confidence)
    assert mirrored.signals.keys() == {"left.found"}
    assert mirrored.metadata["orientation"] == {"dominant_hand": "left", "tracked_mirrored": True}
    assert original.metadata["orientation"] == {"dominant_hand": "right", "tracked_mirrored": False}
    # the original's right hand is the mirrored recording's left hand, at the mirrored place
    right = original.positions[:, 1, 0, 0]
    left = mirrored.positions[:, 0, 0, 0]
    np.testing.assert_allclose(left[~np.isnan(right)], WIDTH - right[~np.isnan(right)])
    # body sides swap too: the original's left shoulder is the mirrored one's right shoulder
    np.testing.assert_allclose(mirrored.positions[:, 2, 2, 0], WIDTH - original.positions[:, 2, 1, 0])


def test_without_canonical_orientation_the_asymmetric_tracker_is_unfair():
    """Shows the check can fail: the mirrored recording tracked as it is gives another motion."""
    original = track_source(SpotSource(), tracker="fake_sided", dominant_hand="right")
    as_is = track_source(SpotSource(mirrored=True), tracker="fake_sided", dominant_hand="right")
    expected = mirror_motion_back(original, WIDTH)
    assert not np.allclose(as_is.positions, expected.positions, equal_nan=True)


def test_mirroring_back_twice_is_the_identity():
    motion = track_source(SpotSource(8), tracker="fake_sided")
    again = mirror_motion_back(mirror_motion_back(motion, WIDTH), WIDTH)
    np.testing.assert_allclose(again.positions, motion.positions, atol=1e-9)
    np.testing.assert_array_equal(again.confidence, motion.confidence)


def test_one_thread_tracks_the_same_motion_on_the_calling_thread():
    threaded = track_source(SpotSource(), tracker="fake_sided", dominant_hand="left")
    single = track_source(SpotSource(), tracker="fake_sided", dominant_hand="left", threads=1)
    np.testing.assert_array_equal(single.positions, threaded.positions)
    with pytest.raises(ValueError, match="threads"):
        track_source(SpotSource(), tracker="fake_sided", threads=0)


def test_cli_track_takes_the_dominant_hand(tmp_path):
    from skillsight.synthetic_video import rewrite_clip

    clip = rewrite_clip(shared_file("tfjs/pose_squats.mp4"), tmp_path / "c.mp4", lambda _i, im: im, 3)
    out = tmp_path / "m.motion.npz"
    args = ["track", str(clip), "--tracker", "fake_sided", "--out", str(out), "--dominant-hand", "left"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert load_motion(out).metadata["orientation"]["tracked_mirrored"] is True
    assert CliRunner().invoke(app, [*args[:-1], "both"]).exit_code != 0


# --- the real clip through the scoring path (slow) ------------------------------------------------

FAIRNESS_TOLERANCE = 0.005  # issue 15: continuous metrics within 0.5%, counts equal


@pytest.mark.slow
def test_mirrored_real_clip_scored_left_handed_matches_the_original(tmp_path):
    from test_fairness_handedness import metric_mismatches, report, role_features

    from skillsight.pipeline import motion_for
    from skillsight.score_request import ScoreRequest
    from skillsight.synthetic_video import mirror_clip

    clip = shared_file("tfjs/asl_hand.25fps.mp4")
    mirrored_clip = mirror_clip(clip, tmp_path / "mirrored.mkv", lossless=True)
    original = motion_for(ScoreRequest.build(clip, "suturing", dominant_hand="right"))
    mirrored = motion_for(ScoreRequest.build(mirrored_clip, "suturing", dominant_hand="left"))
    np.testing.assert_allclose(mirrored.timestamps, original.timestamps, atol=1e-3)
    hand = _the_hand(original)
    other = LEFT_HAND if hand == RIGHT_HAND else RIGHT_HAND
    assert _the_hand(mirrored) == other  # the mirror turned the hand over
    a, b = role_features(original, hand), role_features(mirrored, other)
    assert sum(f.available for f in a.values()) >= 5
    report(a, b, "lossless mirror scored left-handed vs the original scored right-handed")
    problems = metric_mismatches(a, b, FAIRNESS_TOLERANCE)
    counts = [n for n in a if a[n].unit == "count" and a[n].available and a[n].value != b[n].value]
    assert problems == [] and counts == []


def _the_hand(motion: Motion) -> str:
    shares = {
        h: float(np.mean(motion.confidence[:, motion.individual_index(h)].max(axis=1) > 0))
        for h in (LEFT_HAND, RIGHT_HAND)
    }
    return max(shares, key=lambda h: shares[h])

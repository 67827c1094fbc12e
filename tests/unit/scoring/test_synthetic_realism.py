"""Real 3-D hand capture seen from above (scoring/synthetic_realism.top_view), the view the generator is
calibrated against."""

from __future__ import annotations

import numpy as np
import pytest

from skillsight.base.keypoints import HAND_KEYPOINTS
from skillsight.pose.motion import KIND_MOCAP_3D, KIND_VIDEO_2D, Motion
from skillsight.scoring.synthetic_realism import exposed, top_view

PALM_M = 0.09


def _capture(velocity_m_s: tuple[float, float, float], fps: float = 90.0, seconds: float = 4.0) -> Motion:
    """One hand (wrist at the origin, middle knuckle PALM_M ahead) moving at a constant velocity."""
    t = np.arange(int(seconds * fps)) / fps
    shape = np.zeros((len(HAND_KEYPOINTS), 3))
    shape[:, 0] = np.linspace(0.0, 0.12, len(HAND_KEYPOINTS))
    shape[HAND_KEYPOINTS.index("middle_finger_mcp")] = [PALM_M, 0.0, 0.0]
    positions = shape[None] + t[:, None, None] * np.asarray(velocity_m_s)[None, None]
    return Motion(
        positions[:, None],
        np.ones((t.size, 1, len(HAND_KEYPOINTS))),
        t,
        ("right_hand",),
        HAND_KEYPOINTS,
        ("x", "y", "z"),
        metadata={"fps": fps, "kind": KIND_MOCAP_3D, "units": "m", "source": "test"},
    )


def _speed_px(motion: Motion) -> float:
    wrist = motion.positions[:, 0, 0, :2]
    return float(np.median(np.linalg.norm(np.diff(wrist, axis=0), axis=1)) * motion.fps)


def test_the_horizontal_plane_is_seen_and_vertical_motion_is_not():
    across = top_view(_capture((0.09, 0.0, 0.0)), fps=30.0, hand_size_px=90.0)
    assert across.metadata["kind"] == KIND_VIDEO_2D and across.fps == pytest.approx(30.0)
    assert _speed_px(across) == pytest.approx(90.0, rel=1e-6)  # one palm length a second
    depth = top_view(_capture((0.0, 0.0, 0.045)), fps=30.0, hand_size_px=90.0)
    assert _speed_px(depth) == pytest.approx(45.0, rel=1e-6)
    up = top_view(_capture((0.0, 0.2, 0.0)), fps=30.0, hand_size_px=90.0)  # y is up: towards the camera
    assert _speed_px(up) == pytest.approx(0.0, abs=1e-9)


def test_tracking_jumps_at_the_ends_are_cut_off():
    capture = _capture((0.03, 0.0, 0.0), seconds=6.0)  # at work: within a palm length of one place
    positions = capture.positions.copy()
    positions[:45] += np.array([1.0, 0.0, 0.0])  # the hand found 1 m away for the first 0.5 s
    seen = top_view(capture.with_updates(positions=positions), fps=30.0)
    assert seen.metadata["captured_span_s"][0] == pytest.approx(0.5, abs=0.02)
    assert np.nanmax(np.linalg.norm(np.diff(seen.positions[:, 0, 0, :2], axis=0), axis=1)) < 10.0


def test_a_frame_averages_its_exposure():
    t = np.linspace(0.0, 1.0, 1001)
    flicker = np.sign(np.sin(2 * np.pi * 50 * t))[:, None]  # 50 Hz: averages out over 1/50 s
    frames = exposed(flicker, t, np.array([0.3, 0.5, 0.7]), 1 / 25)
    assert np.abs(frames).max() < 0.05
    ramp = exposed(t[:, None], t, np.array([0.5]), 0.1)
    assert ramp[0, 0] == pytest.approx(0.5, abs=1e-9)


def test_a_capture_without_hand_landmarks_is_refused():
    capture = _capture((0.09, 0.0, 0.0))
    partial = Motion(
        capture.positions[:, :, :5], capture.confidence[:, :, :5], capture.timestamps, capture.individuals,
        HAND_KEYPOINTS[:5], capture.space, metadata=capture.metadata,
    )  # fmt: skip
    with pytest.raises(ValueError, match="middle_finger_mcp"):
        top_view(partial)


def test_hands_arriving_and_leaving_are_cut_off_and_work_over_a_wide_area_is_kept():
    """A capture starts with the hands coming in from outside its volume and ends with them leaving; a
    practice video shows hands at work. Before, the real fit take's first 2.2 s (hands coming in from
    1.2 m) read as an expert moving 1.9 hand sizes a second and turning the wrist through 458 degrees."""
    fps, seconds = 90.0, 12.0
    t = np.arange(int(seconds * fps)) / fps
    capture = _capture((0.0, 0.0, 0.0), fps=fps, seconds=seconds)
    # At work: circling 1.5 palm lengths around one place, 0.5 Hz; arriving from 1 m away over the
    # first 2 s, leaving over the last 1 s.
    circle = 1.5 * PALM_M * np.stack([np.cos(np.pi * t), np.zeros_like(t), np.sin(np.pi * t)], axis=1)
    offset = circle.copy()
    offset[:, 0] += np.interp(t, [0.0, 2.0], [1.0, 0.0]) + np.interp(t, [11.0, 12.0], [0.0, 1.0])
    seen = top_view(capture.with_updates(positions=capture.positions + offset[:, None, None]), fps=30.0)
    start, end = seen.metadata["captured_span_s"]
    assert 1.4 < start < 2.0 and 10.5 < end < 11.5


def test_a_view_can_be_read_in_a_hand_size_given_from_outside():
    """The same person's takes read in one hand unit: a hand moving one palm (90 px) a second reads 2
    hand sizes a second in a 45-px unit, whatever its own palms measure, and the scorer's preparation
    keeps that unit rather than measuring the hands again."""
    from skillsight.scoring.features import prepare_motion
    from skillsight.scoring.synthetic_realism import in_hand_units

    seen = top_view(_capture((0.09, 0.0, 0.0)), fps=30.0, hand_size_px=90.0)
    prepared = prepare_motion(in_hand_units(seen, 45.0))
    assert prepared.units == "hand_size"
    assert _speed_px(prepared) == pytest.approx(2.0, rel=0.01)
    with pytest.raises(ValueError):
        in_hand_units(prepared, 45.0)

"""Grip aperture cycles, wrist rotation range, and the between-hands features."""

from __future__ import annotations

import numpy as np
import pytest

from skillsight.scoring.features.bimanual import (
    compute_path_ratio,
    compute_simultaneous_share,
    compute_speed_correlation,
)
from skillsight.scoring.features.handshape import compute_grip_cycles, compute_wrist_rotation_range
from skillsight.scoring.features.kinematics import KinematicThresholds
from skillsight.scoring.synthetic import motion_from_tracks

FPS = 30.0
T = np.arange(300) / FPS  # 10 s
TH = KinematicThresholds(idle_speed=0.3, min_pause_s=0.5, movement_prominence=0.15)


def test_grip_cycles_count_open_close_cycles():
    index = np.c_[np.zeros_like(T), np.ones_like(T)]
    aperture = 0.5 + 0.3 * np.sin(2 * np.pi * 0.5 * T)  # 5 openings in 10 s
    thumb = index + np.c_[aperture, np.zeros_like(T)]
    motion = motion_from_tracks(
        {("right_hand", "index_finger_tip"): index, ("right_hand", "thumb_tip"): thumb}, units="hand_size"
    )
    assert compute_grip_cycles(motion, "right_hand")[0] == 5
    tiny = motion_from_tracks(
        {("right_hand", "index_finger_tip"): index, ("right_hand", "thumb_tip"): index + [[0.5, 0.0]]},
        units="hand_size",
    )
    assert compute_grip_cycles(tiny, "right_hand")[0] == 0


def test_grip_cycles_from_a_gripper_angle_signal_and_unavailable_without_one():
    motion = motion_from_tracks(
        {("left_hand", "tool_tip"): np.zeros((300, 3))},
        kind="kinematics_3d",
        units="m",
        signals={"left_hand.gripper_angle": 0.5 + 0.4 * np.sin(2 * np.pi * 0.3 * T)},
    )
    assert compute_grip_cycles(motion, "left_hand")[0] == 3
    value, reason = compute_grip_cycles(motion.with_updates(signals={}), "left_hand")
    assert np.isnan(value) and "gripper" in reason


def test_wrist_rotation_range_of_a_turning_hand():
    angle = np.radians(np.linspace(0, 90, T.size))
    wrist = np.zeros((T.size, 2))
    knuckle = np.c_[np.cos(angle), np.sin(angle)]
    motion = motion_from_tracks(
        {("right_hand", "wrist"): wrist, ("right_hand", "middle_finger_mcp"): knuckle}
    )
    assert compute_wrist_rotation_range(motion, "right_hand")[0] == pytest.approx(81.0, abs=0.5)
    # Across the +-180 degree seam the angle is unwrapped, not a 360-degree jump.
    seam = np.radians(np.linspace(170, 190, T.size))
    across = motion_from_tracks(
        {
            ("right_hand", "wrist"): wrist,
            ("right_hand", "middle_finger_mcp"): np.c_[np.cos(seam), np.sin(seam)],
        }
    )
    assert compute_wrist_rotation_range(across, "right_hand")[0] == pytest.approx(18.0, abs=0.5)


def _two_hands(left_scale: float, right_scale: float):
    # 0.5 Hz: even the smaller hand covers 0.59 hand sizes in the 0.5 s around each turn, so it never
    # pauses (at 0.2 Hz it covered 0.1, a pause by the mean-speed rule).
    wave = np.c_[np.sin(2 * np.pi * 0.5 * T), np.zeros_like(T)]
    return motion_from_tracks(
        {("left_hand", "centroid"): left_scale * wave, ("right_hand", "centroid"): right_scale * wave},
        units="hand_size",
    )


def test_bimanual_features_known_answers():
    motion = _two_hands(2.0, 1.0)
    assert compute_speed_correlation(motion, "right_hand", "left_hand") == pytest.approx(1.0)
    assert compute_path_ratio(motion, "right_hand", "left_hand") == pytest.approx(2.0)
    assert compute_simultaneous_share(motion, "right_hand", "left_hand", TH) == pytest.approx(1.0)
    still = _two_hands(0.0, 1.0)
    assert compute_simultaneous_share(still, "right_hand", "left_hand", TH) == 0.0
    assert np.isnan(compute_speed_correlation(still, "right_hand", "left_hand"))


def _palm(angle: np.ndarray, noise: float = 0.0, seed: int = 0) -> dict:
    """A rigid palm (wrist and four knuckles, MediaPipe's proportions) turning by `angle`."""
    shape = {
        "wrist": (0.0, 0.0),
        "index_finger_mcp": (-0.35, 1.03),
        "middle_finger_mcp": (0.0, 1.0),
        "ring_finger_mcp": (0.3, 0.93),
        "pinky_mcp": (0.55, 0.8),
    }
    rng = np.random.default_rng(seed)
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    tracks = {}
    for name, (x, y) in shape.items():
        point = np.c_[c[:, 0] * x - s[:, 0] * y, s[:, 0] * x + c[:, 0] * y] + [3.0, 2.0]
        tracks[("right_hand", name)] = point + noise * rng.standard_normal(point.shape)
    return tracks


def test_wrist_rotation_of_a_turning_palm_is_fitted_on_all_five_points():
    angle = np.radians(np.linspace(0, 90, T.size))
    motion = motion_from_tracks(_palm(angle))
    assert compute_wrist_rotation_range(motion, "right_hand")[0] == pytest.approx(81.0, abs=0.5)
    # Landmark noise: the five-point fit stays closer than the wrist -> knuckle direction alone.
    noisy = _palm(np.radians(np.full(T.size, 30.0)), noise=0.03)
    five = compute_wrist_rotation_range(motion_from_tracks(noisy), "right_hand")[0]
    two = {k: v for k, v in noisy.items() if k[1] in ("wrist", "middle_finger_mcp")}
    assert five < 0.7 * compute_wrist_rotation_range(motion_from_tracks(two), "right_hand")[0]


def _grip_motion(fps: float, aperture_at, jitter: float = 0.0, seed: int = 0):
    t = np.arange(int(round(10.0 * fps))) / fps
    rng = np.random.default_rng(seed)
    index = np.c_[np.zeros_like(t), np.ones_like(t)]
    thumb = index + np.c_[aperture_at(t), np.zeros_like(t)] + jitter * rng.standard_normal((t.size, 2))
    return motion_from_tracks(
        {("right_hand", "index_finger_tip"): index, ("right_hand", "thumb_tip"): thumb},
        fps=fps,
        units="hand_size",
    )


def _pinches(t: np.ndarray) -> np.ndarray:
    """An open hand (0.6 hand sizes) pinching shut for about 0.1 s four times, each pinch followed
    0.25 s later by a half shut (ASL fingerspelling's hand does this): three cycles, pinch to pinch."""
    aperture = 0.6 + 0.0 * t
    for pinch in (1.0, 3.5, 6.0, 8.5):
        aperture -= 0.55 * np.exp(-0.5 * ((t - pinch) / 0.04) ** 2)
        aperture -= 0.3 * np.exp(-0.5 * ((t - pinch - 0.25) / 0.03) ** 2)
    return aperture


def test_grip_cycles_are_the_same_at_any_frame_rate():
    """Peaks of prominence 0.15 held 0.3 s apart, counted on the frames, found 3-7 cycles here between
    15 and 60 fps; closing and opening with hysteresis, closed to closed in 0.3 s or more, finds 3."""
    for fps in (15.0, 20.0, 25.0, 30.0, 50.0, 60.0):
        for seed in range(3):
            motion = _grip_motion(fps, _pinches, jitter=0.005, seed=seed)
            assert compute_grip_cycles(motion, "right_hand")[0] == 3, (fps, seed)


def test_grip_cycles_need_an_opening_and_a_closing_above_the_jitter():
    """A hand closing once from open (no opening seen) is no cycle; jitter far above the physiological
    minimum raises the bar with it, so a still hand tracked badly shows no cycles."""
    closing = _grip_motion(30.0, lambda t: 0.6 - 0.5 * np.clip(t - 4.0, 0.0, 1.0))
    assert compute_grip_cycles(closing, "right_hand")[0] == 0
    for fps in (15.0, 30.0, 60.0):
        shaky = _grip_motion(fps, lambda t: 0.4 + 0.0 * t, jitter=0.06, seed=int(fps))
        assert compute_grip_cycles(shaky, "right_hand")[0] == 0, fps


def test_a_tracking_gap_does_not_close_the_hand():
    """Frames without landmarks are not a closed hand: a hand opening slowly, lost twice, has no grip
    cycle (filling the gaps with the smallest aperture made two)."""
    motion = _grip_motion(30.0, lambda t: 0.3 + 0.03 * t)
    positions = np.array(motion.positions)
    positions[[180, 181, 182, 240, 241, 242]] = np.nan
    assert compute_grip_cycles(motion.with_updates(positions=positions), "right_hand")[0] == 0

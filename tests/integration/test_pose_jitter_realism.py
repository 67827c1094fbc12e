"""The intubation generator's body jitter against real MediaPipe pose (the tfjs pose_squats reference
landmarks in ../shared): re-measured the same way on both, it is what scoring/synthetic_tracking.py
BODY_JITTER_STILL records (before the calibration, the generated body had a quarter of it)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import shared_file
from scipy.signal import savgol_filter

from skillsight.base.keypoints import POSE_KEYPOINTS
from skillsight.pose.motion import BODY
from skillsight.scoring.synthetic import generate_practice
from skillsight.scoring.synthetic_tracking import BODY_JITTER_STILL, torso_length

STILL_QUANTILE = 0.3  # the slowest 30% of each landmark's frames count as still


def still_jitter(pose: np.ndarray) -> float:
    """Robust sd per axis, in torso lengths, of (T, 33, 2) landmarks' residual from a local quadratic
    fit (7 frames; 0.816 of white noise's sd, corrected), over their slowest frames."""
    scaled = pose / torso_length(pose)
    fitted = savgol_filter(scaled, 7, 2, axis=0)
    residual = (scaled - fitted) / np.sqrt(1.0 - 1.0 / 3.0)
    speed = np.linalg.norm(savgol_filter(scaled, 7, 2, axis=0, deriv=1), axis=2)
    still = residual[speed < np.quantile(speed, STILL_QUANTILE)].ravel()
    return float(1.4826 * np.median(np.abs(still - np.median(still))))


def test_real_pose_jitter_is_what_the_generator_records():
    reference = json.loads(shared_file("tfjs/pose_squats.full.json").read_text())
    pose = np.asarray(reference, dtype=float)[..., :2]
    assert still_jitter(pose) == pytest.approx(BODY_JITTER_STILL, rel=0.2)


@pytest.mark.parametrize("skill", ["novice", "expert"])
def test_the_generated_body_jitters_as_real_pose_does(skill):
    motion = generate_practice(skill, "intubation", seed=3)
    body = motion.positions[:, motion.individuals.index(BODY), -len(POSE_KEYPOINTS) :, :2]
    assert still_jitter(body) == pytest.approx(BODY_JITTER_STILL, rel=0.2)

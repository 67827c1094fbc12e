"""`--marker-mm`: a printed marker seen while tracking makes the features use millimetres."""

from __future__ import annotations

import numpy as np
import pytest
from test_marker_aruco import pad_with_marker
from typer.testing import CliRunner
from video_factory import write_test_video

from skillsight.cli import app
from skillsight.pose.motion import load_motion
from skillsight.scoring.features import prepare_motion

pytest.importorskip("cv2")


def test_track_with_marker_records_mm_per_pixel_and_features_use_mm(tmp_path, monkeypatch):
    frames = [pad_with_marker(160, size=(640, 480)) for _ in range(12)]
    video = write_test_video(tmp_path / "pad.mp4", frames, fps=10.0)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["track", str(video), "--tracker", "gloves", "--marker-mm", "40"])
    assert result.exit_code == 0, result.output
    assert "mm per pixel" in result.output
    motion = load_motion(tmp_path / "pad.motion.npz")
    scale = motion.metadata["marker_scale"]
    assert scale["marker_mm"] == 40.0
    assert scale["mm_per_px"] == pytest.approx(40.0 / 160.0, rel=0.05)

    # A glove-free pad has no hands, so give the motion one moving hand to scale.
    positions = np.full((motion.n_frames, 2, len(motion.keypoints), 3), np.nan)
    positions[:, 1, motion.keypoint_index("centroid"), :2] = np.stack(
        [np.linspace(100, 200, motion.n_frames), np.full(motion.n_frames, 240.0)], axis=1
    )
    positions[:, 1, motion.keypoint_index("centroid"), 2] = 0.0
    moving = motion.with_updates(
        positions=positions, confidence=np.where(np.isnan(positions[..., 0]), 0, 1.0)
    )
    prepared = prepare_motion(moving, smoother=None)
    assert prepared.units == "mm"
    path_mm = np.nansum(
        np.linalg.norm(np.diff(prepared.track("right_hand", "centroid")[:, :2], axis=0), axis=1)
    )
    assert path_mm == pytest.approx(100 * 40.0 / 160.0, rel=0.05)


def test_no_marker_in_view_leaves_hand_sizes(tmp_path, monkeypatch):
    video = write_test_video(tmp_path / "plain.mp4", 6, fps=10.0, size=(320, 240))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["track", str(video), "--tracker", "gloves", "--marker-mm", "40"])
    assert result.exit_code == 0, result.output
    assert "no marker found" in result.output
    assert load_motion(tmp_path / "plain.motion.npz").metadata["marker_scale"]["mm_per_px"] is None

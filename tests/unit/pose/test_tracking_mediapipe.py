"""MediaPipe hands and pose on the real clips, against the tfjs reference landmarks (issue 2's figures)."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_file
from typer.testing import CliRunner

from skillsight.cli import app
from skillsight.pose.motion import load_motion
from skillsight.pose.track import track_source

pytestmark = pytest.mark.slow


def per_frame_median_errors(tracked: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """(T,) median over the landmarks of the pixel distance; NaN where nothing was tracked."""
    return np.nanmedian(np.linalg.norm(tracked[..., :2] - reference[..., :2], axis=-1), axis=1)


def hands_from_csv(path: Path, n_frames: int) -> dict:
    """individual -> (T, 21, 3) array read back from the tidy CSV (NaN where missing)."""
    tracks: dict = defaultdict(lambda: np.full((n_frames, 21, 3), np.nan))
    keypoint_order: dict = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            k = keypoint_order.setdefault(row["keypoint"], len(keypoint_order))
            track = tracks[row["individual"]]  # every individual has rows, found or not
            if row["x_px"]:
                track[int(row["frame"]), k] = (float(row["x_px"]), float(row["y_px"]), float(row["z"]))
    assert list(keypoint_order)[:2] == ["wrist", "thumb_cmc"]
    return dict(tracks)


def test_hands_cli_matches_the_reference_landmarks(tmp_path, monkeypatch):
    clip = shared_file("tfjs/asl_hand.25fps.mp4")
    reference = np.array(json.loads(shared_file("tfjs/asl_hand.full.json").read_text()))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["track", str(clip), "--tracker", "hands", "--csv", "hands.csv"])
    assert result.exit_code == 0, result.output
    tracks = hands_from_csv(tmp_path / "hands.csv", len(reference))
    # One real hand: MediaPipe calls it "Left"; on this ordinary (unmirrored) recording it is the right hand.
    right = tracks["right_hand"]
    found = ~np.isnan(right[:, :, 0]).all(axis=1)
    assert found.mean() >= 0.99
    assert np.isnan(tracks["left_hand"][:, :, 0]).all()
    errors = per_frame_median_errors(right[found], reference[found])
    assert np.median(errors) <= 1.0
    assert np.percentile(errors, 95) <= 5.0
    # z is MediaPipe's relative depth scaled by the image width, as in the reference.
    z_error = np.nanmedian(np.abs(right[found][..., 2] - reference[found][..., 2]))
    assert z_error <= 2.0
    # World landmarks (metres, hand-centred) come along in the motion file written to the current folder.
    motion = load_motion(tmp_path / "asl_hand.25fps.motion.npz")
    world = motion.world_positions[:, motion.individual_index("right_hand")]
    world_reference = np.array(json.loads(shared_file("tfjs/asl_hand_3d.full.json").read_text()))
    world_error = np.linalg.norm(world[found] - world_reference[found], axis=-1)
    assert np.median(world_error) <= 0.002  # 2 mm


def write_mirrored_clip(src: Path, dst: Path, max_frames: int) -> int:
    import av

    with av.open(str(src)) as inp, av.open(str(dst), mode="w") as out:
        stream_in = inp.streams.video[0]
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height = stream_in.codec_context.width, stream_in.codec_context.height
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "12"}
        n = 0
        for n, frame in enumerate(inp.decode(stream_in)):
            if n >= max_frames:
                break
            flipped = np.ascontiguousarray(frame.to_ndarray(format="rgb24")[:, ::-1])
            for packet in stream.encode(av.VideoFrame.from_ndarray(flipped, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return min(n + 1, max_frames)


def test_a_mirrored_clip_shows_the_other_anatomical_hand(tmp_path):
    clip = shared_file("tfjs/asl_hand.25fps.mp4")
    reference = np.array(json.loads(shared_file("tfjs/asl_hand.full.json").read_text()))
    n = write_mirrored_clip(clip, tmp_path / "mirrored.mp4", max_frames=60)
    motion = track_source(tmp_path / "mirrored.mp4", tracker="hands")
    assert motion.n_frames == n
    left = motion.positions[:, motion.individual_index("left_hand")]
    found = ~np.isnan(left[:, :, 0]).all(axis=1)
    assert found.mean() >= 0.95
    assert np.isnan(motion.positions[:, motion.individual_index("right_hand"), :, 0]).all()
    mirrored_reference = reference[:n].copy()
    mirrored_reference[..., 0] = motion.metadata["width"] - mirrored_reference[..., 0]
    # MediaPipe is not exactly mirror-symmetric (and the clip is re-encoded): the same hand, roughly.
    assert np.median(per_frame_median_errors(left[found], mirrored_reference[found])) <= 10.0


def test_hands_and_pose_together_track_the_body_like_the_reference():
    clip = shared_file("tfjs/pose_squats.mp4")
    reference = np.array(json.loads(shared_file("tfjs/pose_squats.full.json").read_text()))
    motion = track_source(clip, tracker="hands+pose", camera_view="front")
    assert motion.individuals == ("left_hand", "right_hand", "body")
    assert motion.n_frames == len(reference) == 65
    body = np.stack([motion.track("body", name) for name in POSE_NAMES], axis=1)
    found = ~np.isnan(body[:, :, 0]).all(axis=1)
    assert found.sum() >= 64
    assert np.median(per_frame_median_errors(body[found], reference[found])) <= 6.0
    conf = motion.confidence[:, motion.individual_index("body")]
    assert 0.5 < conf[found].mean() <= 1.0  # visibility
    assert motion.world_positions is not None
    providers = [t["name"] for t in motion.metadata["trackers"]]
    assert providers == ["hands", "pose"]
    # One backend each, and the exact model bundle, recorded with the motion.
    backends = [t["backend"] for t in motion.metadata["trackers"]]
    assert "hand_crops" in backends[0] and "pose_crops" in backends[1]  # hands placed from the body
    models = [t["model"] for t in motion.metadata["trackers"]]
    assert [m["file"] for m in models] == ["hand_landmarker.task", "pose_landmarker.task"]
    assert all(len(m["sha256"]) == 64 and m["licence"] == "Apache-2.0" for m in models)


POSE_NAMES = [
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index",
    "left_thumb", "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
    "right_ankle", "left_heel", "right_heel", "left_foot_index", "right_foot_index",
]  # fmt: skip

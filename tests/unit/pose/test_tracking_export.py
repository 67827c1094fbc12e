"""The tidy CSV export: columns, missing cells, which keypoints belong to whom, atomic writes."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from skillsight.pose import export
from skillsight.pose.export import CSV_COLUMNS, write_tidy_csv
from skillsight.pose.motion import Motion
from skillsight.pose.trackers.mediapipe_hands import HAND_KEYPOINTS
from skillsight.pose.trackers.mediapipe_pose import POSE_KEYPOINTS

KEYPOINTS = HAND_KEYPOINTS + POSE_KEYPOINTS


def hands_and_body_motion(n_frames: int = 6, filled: bool = False) -> Motion:
    rng = np.random.default_rng(3)
    positions = rng.uniform(0, 1000, size=(n_frames, 3, len(KEYPOINTS), 3))
    positions[:, :2, len(HAND_KEYPOINTS) :] = np.nan  # hands have no pose landmarks
    positions[:, 2, : len(HAND_KEYPOINTS)] = np.nan  # the body has no hand landmarks
    positions[2, 0] = np.nan  # the left hand is lost in frame 2
    confidence = np.where(np.isnan(positions[..., 0]), 0.0, 0.8)
    fill = np.zeros(confidence.shape, dtype=bool)
    fill[3, 1, :5] = True
    return Motion(
        positions=positions,
        confidence=confidence,
        timestamps=np.arange(n_frames) / 25.0,
        individuals=("left_hand", "right_hand", "body"),
        keypoints=KEYPOINTS,
        frame_indices=np.arange(n_frames) + 10,
        filled=fill if filled else None,
    )


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


def test_header_and_one_row_per_frame_individual_and_own_keypoint(tmp_path):
    motion = hands_and_body_motion()
    header, rows = read_rows(write_tidy_csv(motion, tmp_path / "m.csv"))
    assert tuple(header) == CSV_COLUMNS
    assert len(rows) == motion.n_frames * (2 * len(HAND_KEYPOINTS) + len(POSE_KEYPOINTS))
    hand_rows = [r for r in rows if r["individual"].endswith("_hand")]
    body_rows = [r for r in rows if r["individual"] == "body"]
    assert {r["keypoint"] for r in hand_rows} == set(HAND_KEYPOINTS)
    assert {r["keypoint"] for r in body_rows} == set(POSE_KEYPOINTS)
    assert {int(r["frame"]) for r in rows} == set(range(10, 16))  # the source's frame indices


def test_values_round_trip_and_missing_positions_are_empty_cells(tmp_path):
    motion = hands_and_body_motion()
    _, rows = read_rows(write_tidy_csv(motion, tmp_path / "m.csv"))
    for row in rows[:: max(1, len(rows) // 200)] + rows[-3:]:
        t = int(row["frame"]) - 10
        i = motion.individual_index(row["individual"])
        k = motion.keypoint_index(row["keypoint"])
        assert float(row["time_s"]) == pytest.approx(motion.timestamps[t], abs=1e-6)
        assert float(row["confidence"]) == pytest.approx(motion.confidence[t, i, k], abs=1e-4)
        if np.isnan(motion.positions[t, i, k, 0]):
            continue
        for col, axis in (("x_px", 0), ("y_px", 1), ("z", 2)):
            assert float(row[col]) == pytest.approx(motion.positions[t, i, k, axis], abs=1e-3)
    lost = [r for r in rows if r["frame"] == "12" and r["individual"] == "left_hand"]
    assert len(lost) == len(HAND_KEYPOINTS)
    assert all(r["x_px"] == "" and r["y_px"] == "" and r["z"] == "" for r in lost)
    assert all(float(r["confidence"]) == 0.0 for r in lost)


def test_filled_column_marks_interpolated_rows(tmp_path):
    motion = hands_and_body_motion(filled=True)
    header, rows = read_rows(write_tidy_csv(motion, tmp_path / "m.csv"))
    assert header[-1] == "filled"
    flagged = {(r["frame"], r["individual"], r["keypoint"]) for r in rows if r["filled"] == "1"}
    assert flagged == {("13", "right_hand", k) for k in HAND_KEYPOINTS[:5]}
    assert {r["filled"] for r in rows} == {"0", "1"}


def test_xy_only_motion_leaves_z_empty(tmp_path):
    motion = Motion(
        positions=np.array([[[[1.5, 2.5]]], [[[np.nan, np.nan]]]]),
        confidence=np.array([[[0.9]], [[0.0]]]),
        timestamps=np.array([0.0, 0.5]),
        individuals=("right_hand",),
        keypoints=("centroid",),
        space=("x", "y"),
    )
    text = write_tidy_csv(motion, tmp_path / "g.csv").read_text()
    assert text.splitlines()[1:] == [
        "0,0.000000,right_hand,centroid,1.500,2.500,,0.9000",
        "1,0.500000,right_hand,centroid,,,,0.0000",
    ]


def test_a_failed_write_leaves_neither_the_target_nor_a_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "out.csv"
    target.write_text("old")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(export, "_format_block", broken)
    with pytest.raises(RuntimeError):
        write_tidy_csv(hands_and_body_motion(), target)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_large_motion_rows_are_complete(tmp_path):
    # More frames than one formatting block, to cover the block boundaries.
    motion = hands_and_body_motion(n_frames=4500)
    path = write_tidy_csv(motion, tmp_path / "big.csv")
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    per_frame = 2 * len(HAND_KEYPOINTS) + len(POSE_KEYPOINTS)
    assert len(lines) == 1 + 4500 * per_frame
    last = lines[-1].split(",")
    assert int(last[0]) == 4509 and last[2:4] == ["body", POSE_KEYPOINTS[-1]]
    assert math.isclose(float(last[4]), motion.positions[-1, 2, -1, 0], abs_tol=1e-3)

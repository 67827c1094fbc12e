"""Memory of long motions: the container holds consistent arrays without copying them, and preparing
a hands+pose motion for the metrics does not hold several copies of it (a 10-minute 720p score grew
by ~270 MiB after tracking, linear in the video's length)."""

from __future__ import annotations

import tracemalloc

import numpy as np

from skillsight.base.keypoints import HAND_KEYPOINTS, POSE_KEYPOINTS
from skillsight.pose.motion import Motion, load_motion, save_motion
from skillsight.scoring.features import prepare_motion


def _hands_and_pose(n_time: int) -> Motion:
    """Hands and body in the union layout tracking gives (every individual has every keypoint, the
    ones it never has are NaN), with world positions, as a hands+pose video makes."""
    rng = np.random.default_rng(3)
    keypoints = (*HAND_KEYPOINTS, *POSE_KEYPOINTS)
    n_hand = len(HAND_KEYPOINTS)
    positions = np.full((n_time, 3, len(keypoints), 3), np.nan)
    walk = np.cumsum(rng.normal(scale=2.0, size=(n_time, 3, 1, 3)), axis=0) + 300.0
    positions[:, :2, :n_hand] = walk[:, :2] + rng.normal(scale=20.0, size=(n_time, 2, n_hand, 3))
    positions[:, 2, n_hand:] = walk[:, 2] + rng.normal(scale=50.0, size=(n_time, len(POSE_KEYPOINTS), 3))
    positions[100:104, 0] = np.nan  # a short dropout that cleaning fills
    confidence = np.where(np.isnan(positions[..., 0]), 0.0, 0.9)
    return Motion(
        positions=positions,
        confidence=confidence,
        timestamps=np.arange(n_time) / 30.0,
        individuals=("left_hand", "right_hand", "body"),
        keypoints=keypoints,
        world_positions=positions / 1000.0,
        metadata={"source": "synthetic", "fps": 30.0, "units": "px"},
    )


def _traced_peak(work):
    """work()'s result and the most memory tracemalloc saw allocated while it ran."""
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_container_holds_consistent_arrays_without_copying_them():
    motion = _hands_and_pose(50)
    updated = motion.with_updates(metadata={"source": "renamed"})
    assert np.shares_memory(updated.positions, motion.positions)
    assert np.shares_memory(updated.confidence, motion.confidence)
    positions = np.array(motion.positions)
    made = motion.with_updates(positions=positions)
    assert np.shares_memory(made.positions, positions)
    assert not positions.flags.writeable  # the container's now: nobody writes to it behind its back


def test_a_container_copies_what_it_must_fix_or_what_others_can_still_write():
    motion = _hands_and_pose(20)
    positions = np.array(motion.positions)
    positions[5, 0, 0, 2] = np.nan  # one coordinate missing: the whole point is missing
    fixed = motion.with_updates(positions=positions)
    assert np.isnan(fixed.positions[5, 0, 0]).all() and fixed.confidence[5, 0, 0] == 0.0
    assert not np.isnan(positions[5, 0, 0, 0])  # the caller's array is left as it was
    buffer = np.array(motion.positions)
    view = buffer[:]  # a writable view: its owner could change the container's data
    assert not np.shares_memory(motion.with_updates(positions=view).positions, buffer)
    buffer[0, 0, 0] = 0.0  # still writable, and the container does not see it


def test_preparing_a_long_motion_holds_few_copies_of_it():
    n_time = 3000
    motion = _hands_and_pose(n_time)
    size = motion.positions.nbytes
    prepared, peak = _traced_peak(lambda: prepare_motion(motion))
    assert prepared.n_frames == n_time and prepared.filled is not None and prepared.filled.any()
    # The motion with its centroids, the cleaned copy, and cleaning's working blocks; before, the
    # world positions and every container's validated copy came on top: 5.0 positions' worth then, 3.5 now.
    assert peak < 4.2 * size, f"peak {peak / size:.2f} x the positions"


def test_loading_a_motion_file_keeps_the_arrays_it_reads(tmp_path):
    motion = _hands_and_pose(3000)
    path = save_motion(motion, tmp_path / "long.motion.npz")
    size = motion.positions.nbytes
    del motion
    loaded, peak = _traced_peak(lambda: load_motion(path))
    assert not loaded.positions.flags.writeable and not loaded.confidence.flags.writeable
    # Positions, world positions and confidence (1/3 of a position's size) are 2.33 positions' worth;
    # copying the positions and confidence that np.load hands back (writable) made it 3.7.
    assert peak < 3.0 * size, f"peak {peak / size:.2f} x the positions"

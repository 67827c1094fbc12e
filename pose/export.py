"""Tidy CSV export of a Motion, for spreadsheets, R, pandas and other tools.

One row per (frame, individual, keypoint), columns ``frame,time_s,individual,keypoint,x_px,y_px,z,
confidence`` and, when the motion was cleaned, ``filled`` (1 where cleaning interpolated the position).
``frame`` is the 0-based index in the source's order; x/y/z are empty where the keypoint was missing.
Only keypoints that belong to an individual are listed: those it was ever observed with, plus, by name,
MediaPipe's pose landmarks for "body" and everything else for the hands (so a hand row never lists pose
keypoints). Rows are formatted in blocks of frames with one format string each (no per-cell Python), so
10-minute videos with millions of rows take seconds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Union

import numpy as np

from skillsight.base.atomic import atomic_output
from skillsight.base.keypoints import POSE_KEYPOINTS
from skillsight.pose.motion import BODY, Motion

CSV_COLUMNS = ("frame", "time_s", "individual", "keypoint", "x_px", "y_px", "z", "confidence")
_BLOCK_FRAMES = 2000


def keypoints_of_individuals(motion: Motion) -> np.ndarray:
    """(I, K) bool: which keypoints belong to which individual (see the module docstring)."""

    is_pose = np.array([k in POSE_KEYPOINTS for k in motion.keypoints], dtype=bool)
    observed = (~np.isnan(motion.positions[..., 0])).any(axis=0)  # (I, K); all False for no frames
    belongs = np.zeros((len(motion.individuals), len(motion.keypoints)), dtype=bool)
    for i, name in enumerate(motion.individuals):
        if name == BODY:
            by_name = is_pose
        elif name.endswith("_hand"):
            by_name = ~is_pose
        else:
            by_name = np.ones_like(is_pose)
        belongs[i] = by_name | observed[i]
    return belongs


def write_tidy_csv(motion: Motion, path: Union[str, os.PathLike[str]]) -> Path:
    """Write the tidy CSV atomically (temporary file beside `path`, then renamed); returns `path`."""
    target = Path(path)
    # 0o644: a temporary file's 0600 would hide the export from other users and tools
    with (
        atomic_output(target, mode=0o644, suffix=".csv") as tmp,
        open(tmp, "w", encoding="utf-8", newline="") as handle,
    ):
        for text in tidy_csv_blocks(motion):
            handle.write(text)
    return target


def tidy_csv_blocks(motion: Motion) -> Iterator[str]:
    """The CSV text in pieces: the header, then blocks of frames."""
    with_filled = motion.filled is not None
    yield ",".join(CSV_COLUMNS + (("filled",) if with_filled else ())) + "\n"
    ind_idx, kp_idx = np.nonzero(keypoints_of_individuals(motion))
    if ind_idx.size == 0:
        return
    labels = [f"{motion.individuals[i]},{motion.keypoints[k]}" for i, k in zip(ind_idx, kp_idx)]
    axes = {name: j for j, name in enumerate(motion.space)}
    for start in range(0, motion.n_frames, _BLOCK_FRAMES):
        stop = min(start + _BLOCK_FRAMES, motion.n_frames)
        yield _format_block(motion, start, stop, ind_idx, kp_idx, labels, axes)


def _format_block(
    motion: Motion,
    start: int,
    stop: int,
    ind_idx: np.ndarray,
    kp_idx: np.ndarray,
    labels: list[str],
    axes: dict[str, int],
) -> str:
    n_rows = (stop - start) * ind_idx.size
    positions = motion.positions[start:stop][:, ind_idx, kp_idx]  # (T, R, S)

    def coordinate(name: str) -> list[float]:
        if name not in axes:
            return [float("nan")] * n_rows
        return positions[..., axes[name]].reshape(-1).tolist()

    columns = [
        np.repeat(np.asarray(motion.frame_indices[start:stop]), ind_idx.size).tolist(),
        np.repeat(motion.timestamps[start:stop], ind_idx.size).tolist(),
        labels * (stop - start),
        coordinate("x"),
        coordinate("y"),
        coordinate("z"),
        motion.confidence[start:stop][:, ind_idx, kp_idx].reshape(-1).tolist(),
    ]
    row_format = "%d,%.6f,%s,%.3f,%.3f,%.3f,%.4f"
    if motion.filled is not None:
        columns.append(motion.filled[start:stop][:, ind_idx, kp_idx].reshape(-1).astype(np.int8).tolist())
        row_format += ",%d"
    text = "\n".join([row_format % row for row in zip(*columns)]) + "\n"
    # Missing coordinates become empty cells; twice, as adjacent matches share their commas.
    return text.replace(",nan,", ",,").replace(",nan,", ",,")

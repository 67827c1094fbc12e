"""Batch scoring through the real assessment path on short clips cut from the real hand video.

Issue 5's figure: a batch with 1 corrupt file among 5 finishes, scores the 4 good ones, records the bad
one; a second run does nothing new for the finished ones.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_file

from skillsight.batch import run_batch
from skillsight.pose.motion import load_motion
from skillsight.storage import Database

N_FRAMES = 130  # 5.2 s at 25 fps: long enough for intubation (5 s), so each clip is tracked
PROCEDURE = "intubation"


def make_clips(folder: Path, n: int) -> list[Path]:
    from skillsight.synthetic_video import rewrite_clip

    source = shared_file("tfjs/asl_hand.25fps.mp4")
    clips = []
    for i in range(n):
        # Half size keeps tracking quick; a different sideways shift gives each clip its own content.
        def shifted(_index: int, image: np.ndarray, shift: int = 5 * (i + 1)) -> np.ndarray:
            return np.roll(image[::2, ::2], shift, axis=1)

        clips.append(rewrite_clip(source, folder / f"trainee{i}.mp4", shifted, max_frames=N_FRAMES))
    return clips


@pytest.mark.slow
def test_real_batch_with_a_corrupt_file_among_five(tmp_path):
    videos, out, db_url = tmp_path / "videos", tmp_path / "out", f"sqlite:///{tmp_path / 'lab.db'}"
    clips = make_clips(videos, 4)
    (videos / "corrupt.mp4").write_bytes(clips[0].read_bytes()[:1500] + b"\0garbage" * 50)

    summary = run_batch(videos, PROCEDURE, out, workers=2, db_url=db_url, progress=False)
    assert summary.total == 5
    assert summary.scored + summary.refused == 4, [r.error for r in summary.rows]
    assert summary.unreadable == 1 and summary.failed == 0 and summary.exit_code == 0
    with open(out / "results.csv", newline="") as handle:
        rows = {r["video"]: r for r in csv.DictReader(handle)}
    assert rows["corrupt.mp4"]["status"] == "unreadable" and "corrupt.mp4" in rows["corrupt.mp4"]["error"]
    for clip in clips:
        row = rows[clip.name]
        assert row["status"] in ("scored", "refused")
        assert 0.0 <= float(row["tracking_quality"]) <= 1.0
        sha = hashlib.sha256(clip.read_bytes()).hexdigest()
        motion = load_motion(out / f"{sha[:16]}.{PROCEDURE}.motion.npz")
        assert motion.n_frames == N_FRAMES
        assert motion.metadata.get("source_sha256", sha) == sha
    with Database(db_url) as database:
        assert sorted(r.source_name for r in database.list_sessions(trainee="batch")) == [
            c.name for c in clips
        ]

    again = run_batch(videos, PROCEDURE, out, workers=2, db_url=db_url, progress=False)
    assert (again.skipped, again.scored, again.refused, again.failed) == (5, 0, 0, 0)
    assert [r.video for r in again.skipped_unreadable] == ["corrupt.mp4"]
    with open(out / "results.csv", newline="") as handle:
        assert {r["video"]: r for r in csv.DictReader(handle)} == rows

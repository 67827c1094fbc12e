"""The batch bar moves with the frames of the videos under way, not only when a whole video is done
(a folder of five-minute videos sat at "0/6" for minutes)."""

from __future__ import annotations

import io
from pathlib import Path

from skillsight.batch.frames_watch import frames_under_way
from skillsight.batch.results import VideoTask
from skillsight.batch.task import in_progress_marker, score_with
from skillsight.pipeline import AssessmentRun
from skillsight.progress import CountProgress


def _task(tmp_path: Path, name: str) -> VideoTask:
    video = tmp_path / name
    video.write_bytes(b"0")  # only its name and content hash are used here
    return VideoTask(name, str(video), "suturing", "suturing", str(tmp_path / "out"))


def test_a_worker_writes_its_frame_count_where_the_parent_reads_it(tmp_path):
    task = _task(tmp_path, "clip.mp4")
    seen = []

    def assess(request) -> AssessmentRun:
        request.progress(1, 750)  # the first frame is always written down
        seen.append(frames_under_way({"k": task}))
        raise RuntimeError("stop after tracking")  # a failed result; the marker is removed

    result = score_with(task, assess)
    assert seen == [(1 / 750, "clip.mp4 frame 1/750")]
    assert result.status == "failed" and not in_progress_marker(task).exists()


def test_videos_under_way_are_named_with_their_frames_or_as_setting_up(tmp_path):
    one, two = _task(tmp_path, "a.mp4"), _task(tmp_path, "b.mp4")
    for task in (one, two):
        in_progress_marker(task).parent.mkdir(parents=True, exist_ok=True)
    assert frames_under_way({"a": one, "b": two}) == (0.0, "")  # none started
    in_progress_marker(one).touch()
    assert frames_under_way({"a": one, "b": two}) == (0.0, "a.mp4, setting up")
    in_progress_marker(one).write_text("300 600")
    in_progress_marker(two).write_text("150 600")
    assert frames_under_way({"a": one, "b": two}) == (0.75, "2 videos under way, 38% of their frames")


def test_the_batch_line_counts_whole_videos_and_its_share_and_time_left_the_frames_too():
    log = io.StringIO()
    bar = CountProgress(4, stream=log)
    bar._progress._started -= 20.0  # as if the batch had run 20 s
    bar._progress._first = (bar._progress._first[0] - 20.0, 0)
    bar._progress._last_line = (-float("inf"), -1.0)  # a line is due
    bar.working(0.5, "b.mp4 frame 300/600")
    line = log.getvalue().splitlines()[-1]
    assert line.startswith("batch 0/4 videos (12%), now b.mp4 frame 300/600, 0:20 elapsed"), line
    assert "about 2:20 left" in line  # half a video in 20 s: 3.5 videos to go
    bar.update()  # a video done: its share is in the count now, not counted twice
    assert "now" not in bar._progress.line()

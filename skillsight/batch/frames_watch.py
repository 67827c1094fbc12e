"""The batch bar's frames: a thread in the parent that reads, about once a second, the frame counts the
workers write into their videos' in-progress markers (task.FramesToMarker), so a batch of long videos
moves while each is tracked, not only when one finishes."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Callable

from skillsight.batch.results import VideoTask
from skillsight.batch.task import MARKER_EVERY_S, in_progress_marker, read_marker
from skillsight.progress import CountProgress


def frames_under_way(tasks: Mapping[str, VideoTask]) -> tuple[float, str]:
    """(the share of their frames tracked, summed over the videos under way; which, in words)."""
    seen = []
    for task in tasks.values():
        counted = read_marker(in_progress_marker(task))
        if counted is not None:
            done, total = counted
            seen.append((Path(task.video).name, min(done, total), total))
    share = sum(done / total for _, done, total in seen if total > 0)
    if len(seen) == 1:
        name, done, total = seen[0]
        return share, f"{name} frame {done}/{total}" if total else f"{name}, setting up"
    if seen:
        return share, f"{len(seen)} videos under way, {100 * share / len(seen):.0f}% of their frames"
    return 0.0, ""


class FramesWatch:
    """Shows `frames_under_way(tasks())` on `bar` every `every_s` until stopped (a context manager)."""

    def __init__(
        self,
        bar: CountProgress,
        tasks: Callable[[], Mapping[str, VideoTask]],
        every_s: float = MARKER_EVERY_S,
    ) -> None:
        self.bar, self.tasks, self.every_s = bar, tasks, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="batch-frames", daemon=True)

    def __enter__(self) -> FramesWatch:
        if self.bar.enabled:
            self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                share, now = frames_under_way(dict(self.tasks()))
            except RuntimeError:  # the task list changed while copied: read it next time
                continue
            self.bar.working(share, now)

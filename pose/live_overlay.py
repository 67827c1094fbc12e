"""The annotated overlay drawn from the frames being tracked: no second decoding pass.

As each frame's observations are recorded, the last `trail_s` seconds of them (all a frame's drawing
needs: skeletons now, wrist trails behind) become a small Motion, mirrored back for a left-hander, drawn
on the unmirrored frame and encoded, on a writer thread of its own unless tracking has one thread. The
badge counts the hands found so far (a second pass would know the whole video's; they agree once every
hand the video shows has been seen).

`max_side` draws a smaller replay and `max_fps` fewer frames (the app's: a browser player needs no
1080p, and on two cores the encoder competes with tracking: 1080p H.264 costs ~26 CPU-ms a frame, 960 px
~7; every other frame of a 30-fps video halves that). The badge still counts every frame. The frame is
shrunk (and unmirrored) on the writer thread, so tracking only hands over the frame it already has.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from skillsight.capture.frames import Frame
from skillsight.capture.resize import replay_due, replay_image, replay_preset, replay_size
from skillsight.capture.sinks import AnnotatedVideoWriter
from skillsight.pose.annotate import annotate_frame, hand_presence_now, presence_badge
from skillsight.pose.motion import Motion, concatenate_individuals
from skillsight.pose.orientation import mirror_image, mirror_motion_back
from skillsight.pose.tracking_loop import Recorder

_QUEUE_FRAMES = 8
_DONE = object()


class LiveOverlay:
    """Call `add(frame)` after each frame's observations are recorded, then `close()` (or `discard()`)."""

    def __init__(
        self,
        path: Union[str, os.PathLike[str]],
        fps: float,
        recorders: Sequence[Recorder],
        mirrored_width: Optional[float] = None,
        threaded: bool = True,
        trail_s: float = 1.0,
        max_side: Optional[int] = None,
        max_fps: Optional[float] = None,
        hands_expected: int = 0,
    ) -> None:
        self.path = Path(path)
        self.hands_expected = hands_expected  # the badge counts at least these (a procedure's required hands)
        self.max_side = max_side
        self.max_fps = max_fps
        self._written_s: Optional[float] = None
        self.threaded = threaded
        self.fps = float(fps) if fps and fps > 0 else 25.0
        self.recorders = recorders
        self.mirrored_width = mirrored_width
        self.trail_s = trail_s
        self._writer: Optional[AnnotatedVideoWriter] = None
        self._found_ever: Optional[np.ndarray] = None
        self._found_total = 0
        self._frames = 0
        self._error: Optional[BaseException] = None
        self._queue: Optional[queue.Queue] = None
        self._thread: Optional[threading.Thread] = None
        if threaded:
            self._queue = queue.Queue(maxsize=_QUEUE_FRAMES)
            self._thread = threading.Thread(target=self._drain, name="skillsight-overlay", daemon=True)
            self._thread.start()

    def add(self, frame: Frame) -> None:
        """Draw (or queue for drawing) the frame just recorded."""
        window = self._window()
        badge = self._badge(window)  # counts every frame, drawn or not
        if not replay_due(frame.time_s, self._written_s, self.max_fps):
            return
        self._written_s = frame.time_s
        item = (frame.image, window, badge, frame.time_s)
        if self._queue is None:
            self._draw(item)
            return
        if self._error is not None:
            raise self._error
        self._queue.put(item)

    def close(self) -> Path:
        """Finish the file; returns its path (raises what went wrong while drawing or encoding)."""
        self._stop()
        if self._error is not None:
            self.discard()
            raise self._error
        if self._writer is None:
            raise ValueError(f"{self.path}: no tracked frames to draw")
        return self._writer.close()

    def discard(self) -> None:
        """Tracking failed: stop, and leave no file behind."""
        self._stop()
        if self._writer is not None:
            self._writer.__exit__(RuntimeError, RuntimeError("overlay discarded"), None)
            self._writer = None

    def _stop(self) -> None:
        if self._thread is not None and self._queue is not None:
            self._queue.put(_DONE)
            self._thread.join()
            self._thread = None

    def _drain(self) -> None:
        assert self._queue is not None
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if self._error is None:
                try:
                    self._draw(item)
                except BaseException as exc:  # re-raised by the tracking thread
                    self._error = exc

    def _draw(self, item: tuple[np.ndarray, Motion, tuple[str, str], float]) -> None:
        frame_image, window, badge, time_s = item
        height, width = frame_image.shape[:2]
        size, scale = replay_size(width, height, self.max_side)
        if self._writer is None:
            rate = min(self.fps, self.max_fps or self.fps)
            self._writer = AnnotatedVideoWriter(
                self.path, rate, size, preset=replay_preset(self.max_side), threads=self.threaded
            ).open()
        image = replay_image(frame_image, size)  # shrunk first: the mirror then flips fewer pixels
        image = mirror_image(image) if self.mirrored_width is not None else image
        annotated = annotate_frame(
            image, window, window.n_frames - 1, self.trail_s, scale=scale, badge=badge, inplace=True
        )
        self._writer.write(annotated, time_s=time_s)

    def _window(self) -> Motion:
        """The recorded observations of the last `trail_s` seconds, as one Motion in frame coordinates."""
        n = self.recorders[0].n
        times = self.recorders[0].times[:n]
        start = int(np.searchsorted(times, times[-1] - self.trail_s, side="left"))
        parts = [_recent(r, start, n) for r in self.recorders]
        motion = parts[0] if len(parts) == 1 else concatenate_individuals(parts)
        if self.mirrored_width is not None:
            motion = mirror_motion_back(motion, self.mirrored_width)
        return motion

    def _badge(self, window: Motion) -> tuple[str, str]:
        what, found = hand_presence_now(window, window.n_frames - 1)
        self._found_ever = found if self._found_ever is None else (self._found_ever | found)
        self._found_total += int(found.sum())
        self._frames += 1
        expected = int(self._found_ever.sum())
        expected = max(expected, self.hands_expected) if what == "hands" else expected
        return presence_badge(what, int(found.sum()), expected, self._found_total, self._frames)


def _recent(recorder: Recorder, start: int, stop: int) -> Motion:
    tracker: Any = recorder.tracker
    return Motion(
        positions=recorder.positions[start:stop].copy(),
        confidence=recorder.confidence[start:stop].copy(),
        timestamps=recorder.times[start:stop].copy(),
        individuals=tracker.individuals,
        keypoints=tracker.keypoints,
    )

"""The tracking loop: every frame to every tracker, in order, and the observations into growing arrays.

With one thread (a batch worker's default) the trackers run one after the other on the calling thread;
with more, each tracker runs on its own thread (MediaPipe releases the GIL), a few frames in flight.
Frames are never kept: observations go into arrays that grow in chunks.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from skillsight.capture.frames import Frame
from skillsight.pose.motion import Motion
from skillsight.pose.trackers.base import FrameObservation, Tracker

ProgressCallback = Callable[[int, Optional[int]], None]
FrameObserver = Callable[[Frame], None]  # called once a frame's observations are all recorded

_IN_FLIGHT_FRAMES = 4  # frames being tracked at once when several trackers run
_CHUNK_FRAMES = 1024


def chain(first: Sequence[Frame], rest: Iterator[Frame]) -> Iterator[Frame]:
    yield from first
    yield from rest


def limit_frames(frames: Iterator[Frame], max_frames: Optional[int]) -> Iterator[Frame]:
    if max_frames is None:
        yield from frames
        return
    for k, frame in enumerate(frames):
        if k >= max_frames:
            return
        yield frame


def run_trackers(
    trackers: Sequence[Tracker],
    recorders: Sequence[Recorder],
    frames: Iterator[Frame],
    progress: Optional[ProgressCallback],
    total: Optional[int],
    threads: Optional[int] = None,
    observer: Optional[FrameObserver] = None,
) -> int:
    """Feed every frame to every tracker; returns frames done. Several trackers run on a thread each
    unless `threads` is 1 (a batch worker given one core runs them one after the other). `observer`
    sees each frame once its observations are recorded (e.g. to draw the overlay from it)."""
    after = _Done(progress, total, observer)
    if len(trackers) == 1 or threads == 1:
        order = publishers_first(trackers)
        for frame in frames:
            for k in order:
                recorders[k].add(frame, trackers[k].process(frame))
            after(frame)
        return after.done
    return _run_concurrently(trackers, recorders, frames, after)


def publishers_first(trackers: Sequence[Tracker]) -> list[int]:
    """The order to run trackers in one after the other: a tracker that hands each frame's body to
    another (the pose tracker in "hands+pose", see `body_link`) before the one that waits for it, which
    would otherwise wait for a frame not yet tracked."""
    return sorted(range(len(trackers)), key=lambda k: not hasattr(trackers[k], "publish_hands_to"))


class _Done:
    """Counts the frames done and tells whoever wants to know."""

    def __init__(
        self, progress: Optional[ProgressCallback], total: Optional[int], observer: Optional[FrameObserver]
    ) -> None:
        self.progress, self.total, self.observer = progress, total, observer
        self.done = 0

    def __call__(self, frame: Frame) -> None:
        self.done += 1
        if self.observer is not None:
            self.observer(frame)
        if self.progress is not None:
            self.progress(self.done, self.total)


def _run_concurrently(
    trackers: Sequence[Tracker], recorders: Sequence[Recorder], frames: Iterator[Frame], after: _Done
) -> int:
    """One single-thread executor per tracker keeps each tracker's frames in order on its own thread."""
    executors = [
        ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"skillsight-{t.name}") for t in trackers
    ]
    pending: deque[tuple[Frame, list[Future]]] = deque()
    try:
        for frame in frames:
            pending.append((frame, [ex.submit(t.process, frame) for ex, t in zip(executors, trackers)]))
            if len(pending) >= _IN_FLIGHT_FRAMES:
                _collect(pending.popleft(), recorders, after)
        while pending:
            _collect(pending.popleft(), recorders, after)
    finally:
        for f in (f for _, fs in pending for f in fs):
            f.cancel()
        for ex in executors:
            ex.shutdown(wait=True)
    return after.done


def _collect(item: tuple[Frame, list[Future]], recorders: Sequence[Recorder], after: _Done) -> None:
    frame, futures = item
    for recorder, future in zip(recorders, futures):
        recorder.add(frame, future.result())
    after(frame)


@dataclass
class Recorder:
    """One tracker's observations, in arrays that grow by chunks (frames themselves are not kept)."""

    tracker: Tracker
    n: int = 0
    positions: np.ndarray = field(init=False)
    confidence: np.ndarray = field(init=False)
    world: Optional[np.ndarray] = field(init=False, default=None)
    times: np.ndarray = field(init=False)
    indices: np.ndarray = field(init=False)
    signals: dict[str, np.ndarray] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        n_i, n_k = len(self.tracker.individuals), len(self.tracker.keypoints)
        self.positions = np.full((_CHUNK_FRAMES, n_i, n_k, 3), np.nan)
        self.confidence = np.zeros((_CHUNK_FRAMES, n_i, n_k))
        self.times = np.zeros(_CHUNK_FRAMES)
        self.indices = np.zeros(_CHUNK_FRAMES, dtype=np.int64)

    def add(self, frame: Frame, obs: FrameObservation) -> None:
        if self.n == len(self.times):
            self._grow()
        k = self.n
        self.positions[k] = obs.positions
        self.confidence[k] = obs.confidence
        if obs.world is not None:
            if self.world is None:
                self.world = np.full(self.positions.shape, np.nan)
            self.world[k] = obs.world
        for key, value in obs.extras.items():
            if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
                if key not in self.signals:
                    self.signals[key] = np.full(len(self.times), np.nan)
                self.signals[key][k] = float(value)
        self.times[k] = frame.time_s
        self.indices[k] = frame.index
        self.n += 1

    def _grow(self) -> None:
        extra = max(_CHUNK_FRAMES, len(self.times))
        self.positions = _extend(self.positions, extra, np.nan)
        self.confidence = _extend(self.confidence, extra, 0.0)
        self.times = _extend(self.times, extra, 0.0)
        self.indices = _extend(self.indices, extra, 0)
        if self.world is not None:
            self.world = _extend(self.world, extra, np.nan)
        self.signals = {key: _extend(values, extra, np.nan) for key, values in self.signals.items()}

    def take_motion(self) -> tuple[Motion, dict[str, np.ndarray]]:
        """The observations as a Motion plus the signals; the growing buffers are released, so the
        end of a long video does not hold them and their copies at once."""
        n = self.n
        motion = Motion(
            positions=self.positions[:n],
            confidence=self.confidence[:n],
            timestamps=self.times[:n],
            individuals=self.tracker.individuals,
            keypoints=self.tracker.keypoints,
            frame_indices=self.indices[:n],
            world_positions=None if self.world is None else self.world[:n],
        )
        signals = {key: values[:n].copy() for key, values in self.signals.items()}
        self.__post_init__()  # small fresh buffers in place of the big ones
        self.n, self.world, self.signals = 0, None, {}
        return motion, signals


def _extend(array: np.ndarray, extra: int, fill: float) -> np.ndarray:
    grown = np.full((array.shape[0] + extra, *array.shape[1:]), fill, dtype=array.dtype)
    grown[: array.shape[0]] = array
    return grown

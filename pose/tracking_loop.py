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
) -> int:
    """Feed every frame to every tracker; returns frames done. Several trackers run on a thread each
    unless `threads` is 1 (a batch worker given one core runs them one after the other)."""
    if len(trackers) == 1 or threads == 1:
        done = 0
        for frame in frames:
            for tracker, recorder in zip(trackers, recorders):
                recorder.add(frame, tracker.process(frame))
            done += 1
            if progress is not None:
                progress(done, total)
        return done
    return _run_concurrently(trackers, recorders, frames, progress, total)


def _run_concurrently(
    trackers: Sequence[Tracker],
    recorders: Sequence[Recorder],
    frames: Iterator[Frame],
    progress: Optional[ProgressCallback],
    total: Optional[int],
) -> int:
    """One single-thread executor per tracker keeps each tracker's frames in order on its own thread."""
    done = 0
    executors = [
        ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"skillsight-{t.name}") for t in trackers
    ]
    pending: deque[tuple[Frame, list[Future]]] = deque()
    try:
        for frame in frames:
            pending.append((frame, [ex.submit(t.process, frame) for ex, t in zip(executors, trackers)]))
            if len(pending) >= _IN_FLIGHT_FRAMES:
                done = _collect(pending.popleft(), recorders, done, progress, total)
        while pending:
            done = _collect(pending.popleft(), recorders, done, progress, total)
    finally:
        for f in (f for _, fs in pending for f in fs):
            f.cancel()
        for ex in executors:
            ex.shutdown(wait=True)
    return done


def _collect(
    item: tuple[Frame, list[Future]],
    recorders: Sequence[Recorder],
    done: int,
    progress: Optional[ProgressCallback],
    total: Optional[int],
) -> int:
    frame, futures = item
    for recorder, future in zip(recorders, futures):
        recorder.add(frame, future.result())
    done += 1
    if progress is not None:
        progress(done, total)
    return done


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

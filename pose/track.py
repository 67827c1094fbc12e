"""The tracking loop: frames from a source -> one or more trackers -> one `Motion`.

Decoding runs in its own thread and hands frames over through a small bounded queue, so it overlaps
with tracking and memory stays flat (frames are never kept; results go into arrays that grow in
chunks). Several trackers ("hands+pose") each run in their own thread, concurrently (MediaPipe releases
the GIL), every frame going to all of them in order. Before tracking, trackers that want one see a
sample of ~20 frames spread over the video (a separate decoding pass over re-readable sources; the
first frames of a webcam). The optional annotated overlay video is written in a second pass over the
source once the motion exists (simpler than drawing while tracking; a webcam cannot be re-read, so it
has no overlay).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Union

import numpy as np

from skillsight.capture.frames import Frame, FrameSource
from skillsight.capture.sinks import AnnotatedVideoWriter
from skillsight.capture.sources import ImageFolderSource, open_source, prefetch_frames
from skillsight.pose.annotate import annotate_frame
from skillsight.pose.marker import detect_marker_scale
from skillsight.pose.motion import KIND_VIDEO_2D, Motion, concatenate_individuals
from skillsight.pose.quality import measure_tracking_quality
from skillsight.pose.trackers.base import (
    DEFAULT_CAMERA_VIEW,
    FrameObservation,
    Tracker,
    create_tracker,
    tracker_takes_option,
)
from skillsight.pose.trackers.body_link import link_hands_to_pose

ProgressCallback = Callable[[int, Optional[int]], None]
SourceLike = Union[str, "os.PathLike[str]", int, FrameSource]

SAMPLE_FRAMES = 20
_QUEUE_FRAMES = 8  # frames decoded ahead of tracking
_IN_FLIGHT_FRAMES = 4  # frames being tracked at once when several trackers run
_CHUNK_FRAMES = 1024
_HASH_BLOCK = 1 << 20


def tracker_names(spec: str) -> list[str]:
    """ "hands+pose" -> ["hands", "pose"]; every name must be registered (checked when built)."""
    names = [n.strip() for n in spec.split("+") if n.strip()]
    if not names:
        raise ValueError(f"no tracker named in {spec!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"tracker {spec!r} names one tracker twice")
    return names


def track_source(
    source: SourceLike,
    tracker: str = "hands",
    camera_view: str = DEFAULT_CAMERA_VIEW,
    progress: Optional[ProgressCallback] = None,
    overlay_path: Optional[Union[str, os.PathLike[str]]] = None,
    max_frames: Optional[int] = None,
    fps: Optional[float] = None,
    marker_mm: Optional[float] = None,
    tracker_options: Optional[Mapping[str, Any]] = None,
) -> Motion:
    """Track a video file, image folder, webcam index (or an open FrameSource) into one Motion.

    With `marker_mm`, a printed ArUco marker of that side length lying on the pad gives the scale:
    metadata["marker_scale"] records mm per pixel (None when no frame showed the marker), and feature
    preparation then measures distances in millimetres instead of hand sizes.

    `tracker` is a registered name ("hands", "pose", "gloves", "auto") or several joined by "+".
    `tracker_options` go to each tracker that takes them (e.g. {"mirror_average": True}: hands are
    tracked in each frame and its mirror image and averaged, so mirrored videos give mirrored motion).
    `progress(done, total)` is called as frames are tracked (total is None when unknown). A source
    that breaks mid-stream keeps what decoded; metadata["decode_error"] says where it broke.
    """

    owns_source = not _is_frame_source(source)
    frames: Any = open_source(source, fps=fps) if owns_source else source  # type: ignore[arg-type]
    try:
        live = _is_live(source, frames)
        if overlay_path is not None and live:
            raise ValueError(
                f"{overlay_path}: an overlay needs a source that can be read twice, not a webcam"
            )
        motion = _track_frames(
            frames, source, tracker, camera_view, progress, max_frames, live, tracker_options or {}
        )
        if marker_mm is not None:
            motion = _with_marker_scale(motion, frames, marker_mm, live)
        if overlay_path is not None:
            write_overlay(frames, motion, overlay_path)
    finally:
        if owns_source:
            frames.close()
    return motion


def _with_marker_scale(motion: Motion, frames: Any, marker_mm: float, live: bool) -> Motion:
    """Record the marker's mm-per-pixel scale, found on frames spread over the source."""

    if live:
        raise ValueError("a marker scale needs a source that can be read twice, not a webcam")
    mm_per_px = detect_marker_scale(sample_frames(frames, MARKER_SAMPLE_FRAMES), marker_mm)
    metadata = dict(motion.metadata)
    metadata["marker_scale"] = {"marker_mm": float(marker_mm), "mm_per_px": mm_per_px}
    return motion.with_updates(metadata=metadata)


def _is_image_folder(frames: Any) -> bool:
    return isinstance(frames, ImageFolderSource)


def _track_frames(
    frames: Any,
    source: SourceLike,
    tracker: str,
    camera_view: str,
    progress: Optional[ProgressCallback],
    max_frames: Optional[int],
    live: bool,
    tracker_options: Mapping[str, Any],
) -> Motion:
    """Prepare the trackers, stream every frame through them and assemble the Motion."""
    trackers: list[Tracker] = []
    hasher = _SourceHasher(_source_path(source, frames))
    stream: Optional[Iterator[Frame]] = None
    try:
        # Stills in a folder are unrelated pictures, not a video: trackers must not carry state over.
        stills = _is_image_folder(frames)
        for name in tracker_names(tracker):
            wanted = {"independent_frames": True, **tracker_options} if stills else dict(tracker_options)
            options = {key: value for key, value in wanted.items() if tracker_takes_option(name, key)}
            trackers.append(create_tracker(name, camera_view=camera_view, **options))
        link_hands_to_pose(trackers)  # "hands+pose": hand regions placed from the body
        hasher.start()
        stream = _prepare(trackers, frames, live)
        total = frames.info.frame_count
        if max_frames is not None:
            total = min(total, max_frames) if total is not None else max_frames
        recorders = [_Recorder(t) for t in trackers]
        done = _run_trackers(trackers, recorders, _limit(stream, max_frames), progress, total)
        sha256 = hasher.result()
        return _assemble(recorders, source, frames, trackers, camera_view, tracker, sha256, done)
    finally:
        hasher.cancel()
        if stream is not None and hasattr(stream, "close"):
            stream.close()  # stops the decoding thread now, not when garbage-collected
        for t in trackers:
            t.close()


# --- summary ------------------------------------------------------------------------------------


def summarize_tracking(motion: Motion) -> dict[str, dict[str, Any]]:
    """Per individual: the TrackingQuality entry (share of frames tracked, frames tracked, mean
    confidence where seen, longest gap in seconds), as the motion file's metadata records it."""
    return measure_tracking_quality(motion).to_dict()["individuals"]


# --- preparation --------------------------------------------------------------------------------


def _prepare(trackers: Sequence[Tracker], frames: Any, live: bool) -> Iterator[Frame]:
    """Show trackers their sample, then return the stream of frames to track (decoded ahead).

    A re-readable source is sampled in a pass of its own; a live one lends its first frames, which
    are then tracked like the rest. Trackers that say they need no sample get an empty one.
    """
    wants_sample = any(getattr(t, "needs_sample", True) for t in trackers)
    if live:
        live_frames = iter(frames)
        sample = list(_limit(live_frames, SAMPLE_FRAMES)) if wants_sample else []
        stream = _chain(sample, prefetch_frames(live_frames, depth=_QUEUE_FRAMES))
    else:
        sample = sample_frames(frames, SAMPLE_FRAMES) if wants_sample else []
        stream = prefetch_frames(frames, depth=_QUEUE_FRAMES)
    for t in trackers:
        t.prepare(sample)
    return stream


MARKER_SAMPLE_FRAMES = 30


def sample_frames(
    frames: Iterable[Frame], count: int = SAMPLE_FRAMES, total: Optional[int] = None
) -> list[Frame]:
    """About `count` frames spread evenly over a re-readable source (one decoding pass, frames not kept)."""
    if total is None and callable(getattr(frames, "sample", None)):
        return list(frames.sample(count))  # type: ignore[attr-defined]  # the source knows how to seek
    if total is None:
        total = getattr(getattr(frames, "info", None), "frame_count", None)
    if not total:
        return list(_limit(iter(frames), count))
    wanted = set(np.linspace(0, total - 1, num=min(count, total)).round().astype(int).tolist())
    last_wanted = max(wanted)
    picked = []
    for frame in frames:
        if frame.index in wanted:
            picked.append(frame)
        if frame.index >= last_wanted:
            break
    return picked


# --- streaming ----------------------------------------------------------------------------------


def _chain(first: Sequence[Frame], rest: Iterator[Frame]) -> Iterator[Frame]:
    yield from first
    yield from rest


def _limit(frames: Iterator[Frame], max_frames: Optional[int]) -> Iterator[Frame]:
    if max_frames is None:
        yield from frames
        return
    for k, frame in enumerate(frames):
        if k >= max_frames:
            return
        yield frame


def _run_trackers(
    trackers: Sequence[Tracker],
    recorders: Sequence[_Recorder],
    frames: Iterator[Frame],
    progress: Optional[ProgressCallback],
    total: Optional[int],
) -> int:
    """Feed every frame to every tracker (one thread each when there are several); returns frames done."""
    done = 0
    if len(trackers) == 1:
        only, recorder = trackers[0], recorders[0]
        for frame in frames:
            recorder.add(frame, only.process(frame))
            done += 1
            if progress is not None:
                progress(done, total)
        return done
    # One single-thread executor per tracker keeps each tracker's frames in order on its own thread.
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
    recorders: Sequence[_Recorder],
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


# --- assembling the motion ----------------------------------------------------------------------


@dataclass
class _Recorder:
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


def _assemble(
    recorders: Sequence[_Recorder],
    source: SourceLike,
    frames: Any,
    trackers: Sequence[Tracker],
    camera_view: str,
    tracker_spec: str,
    sha256: Optional[str],
    done: int,
) -> Motion:
    info = frames.info
    parts, signals = [], {}
    for r in recorders:
        part, part_signals = r.take_motion()
        parts.append(part)
        signals.update(part_signals)
    motion = parts[0] if len(parts) == 1 else concatenate_individuals(parts)
    del parts
    error = getattr(frames, "error", None)
    metadata: dict[str, Any] = {
        "source": _source_label(source, frames),
        "source_sha256": sha256,
        "fps": float(info.fps) if info.fps else (motion.fps if motion.n_frames > 1 else None),
        "width": int(info.width),
        "height": int(info.height),
        "frame_count": int(done),
        "video_info": info.as_dict(),
        "kind": KIND_VIDEO_2D,
        "units": "px",
        "tracker": tracker_spec,
        "trackers": [t.provenance() for t in trackers],
        "camera_view": camera_view,
        "decode_error": None
        if error is None
        else {
            "frame_index": error.frame_index,
            "time_s": error.time_s,
            "problem": error.problem,
            "message": str(error),
        },
    }
    damage = getattr(frames, "damage", None)  # None for a webcam or a pass cut short by max_frames
    metadata["decode_damage"] = damage.to_dict() if damage is not None else None
    metadata["tracking_summary"] = summarize_tracking(motion)  # positions only: signals not needed
    return motion.with_updates(metadata=metadata, signals=signals)


# --- source facts -------------------------------------------------------------------------------


def _is_frame_source(source: object) -> bool:
    return hasattr(source, "info") and hasattr(source, "__iter__") and not isinstance(source, (str, bytes))


def _is_live(source: SourceLike, frames: Any) -> bool:
    """A webcam cannot be read twice."""
    return type(frames).__name__ == "WebcamSource" or getattr(frames, "live", False)


def _source_path(source: SourceLike, frames: Any) -> Optional[Path]:
    if isinstance(source, int) or _is_live(source, frames):
        return None
    text = os.fspath(source) if not _is_frame_source(source) else str(frames.info.source)  # type: ignore[arg-type]
    path = Path(text)
    return path if path.exists() else None


def _source_label(source: SourceLike, frames: Any) -> str:
    if isinstance(source, int):
        return f"webcam:{source}"
    path = _source_path(source, frames)
    return str(path.resolve()) if path is not None else str(frames.info.source)


class _SourceHasher(threading.Thread):
    """SHA-256 of the source file (or of an image folder's files in name order), computed alongside
    tracking; hashlib releases the GIL on large blocks."""

    def __init__(self, path: Optional[Path]) -> None:
        super().__init__(name="skillsight-hash", daemon=True)
        self.path = path
        self._digest: Optional[str] = None
        self._error: Optional[BaseException] = None
        self._cancelled = threading.Event()

    def run(self) -> None:
        if self.path is None:
            return
        try:
            digest = hashlib.sha256()
            files = (
                sorted(p for p in self.path.iterdir() if p.is_file()) if self.path.is_dir() else [self.path]
            )
            for file in files:
                if self.path.is_dir():
                    digest.update(file.name.encode("utf-8") + b"\0")
                with open(file, "rb") as handle:
                    for block in iter(lambda h=handle: h.read(_HASH_BLOCK), b""):  # type: ignore[misc]
                        if self._cancelled.is_set():
                            return
                        digest.update(block)
            self._digest = digest.hexdigest()
        except OSError as exc:
            self._error = exc

    def result(self) -> Optional[str]:
        self.join()
        return self._digest

    def cancel(self) -> None:
        """Stop hashing early (tracking failed); harmless once done or never started."""
        self._cancelled.set()


# --- overlay ------------------------------------------------------------------------------------


def write_overlay(frames: Iterable[Frame], motion: Motion, path: Union[str, os.PathLike[str]]) -> Path:
    """Second pass over the source: each tracked frame annotated with the motion, as H.264 mp4."""

    t_index = {int(f): k for k, f in enumerate(np.asarray(motion.frame_indices))}
    last = max(t_index) if t_index else -1
    writer: Optional[AnnotatedVideoWriter] = None
    fps = float(motion.metadata.get("fps") or motion.fps or 25.0)
    try:
        for frame in frames:
            if frame.index > last:
                break
            k = t_index.get(frame.index)
            if k is None:
                continue
            if writer is None:
                height, width = frame.image.shape[:2]
                writer = AnnotatedVideoWriter(path, fps, (width, height)).open()
            writer.write(annotate_frame(frame.image, motion, k), time_s=frame.time_s)
    except BaseException:
        if writer is not None:
            writer.__exit__(RuntimeError, RuntimeError("overlay failed"), None)
        raise
    if writer is None:
        raise ValueError(f"{path}: no tracked frames to draw")
    return writer.close()

"""Tracking a source into one `Motion`: open it, show the trackers a sample, stream every frame through
them (pose.tracking_loop), assemble the motion, and optionally find a marker's scale and draw the overlay.

Decoding runs in its own thread and hands frames over through a small bounded queue, so it overlaps
with tracking and memory stays flat; the source's hash is computed alongside (pose.source_hash). With
`threads=1` (a batch worker given one core) decoding and tracking stay on the calling thread. Before
tracking, trackers that want one see a sample of ~20 frames spread over the video (a separate decoding
pass over re-readable sources; the first frames of a webcam). The optional overlay video is written in
the same pass, from the frames being tracked (pose.live_overlay; a webcam has none).

Canonical orientation (pose.orientation): a left-handed trainee's frames are mirrored before tracking
and the motion is mirrored back, so trackers always see a right-dominant scene.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Union

import numpy as np

from skillsight.capture.frames import Frame, FrameSource
from skillsight.capture.repeats import RepeatWatcher
from skillsight.capture.resize import DEFAULT_MAX_SIDE
from skillsight.capture.sources import ImageFolderSource, open_source, prefetch_frames
from skillsight.pose.frame_clock import mark_repeats
from skillsight.pose.live_overlay import LiveOverlay
from skillsight.pose.marker import detect_marker_scale
from skillsight.pose.motion import KIND_VIDEO_2D, Motion, concatenate_individuals
from skillsight.pose.orientation import mirror_frame, mirror_frames, mirror_motion_back, tracks_mirrored
from skillsight.pose.overlay import write_overlay
from skillsight.pose.quality import measure_tracking_quality
from skillsight.pose.source_hash import SourceHasher
from skillsight.pose.trackers.base import (
    DEFAULT_CAMERA_VIEW,
    Tracker,
    create_tracker,
    tracker_takes_option,
    tracker_threads,
)
from skillsight.pose.trackers.body_link import link_hands_to_pose
from skillsight.pose.tracking_loop import ProgressCallback, Recorder, chain, limit_frames, run_trackers

__all__ = [
    "ProgressCallback",
    "TrackingRequest",
    "sample_frames",
    "summarize_tracking",
    "track",
    "track_source",
    "tracker_names",
    "write_overlay",
]

SourceLike = Union[str, "os.PathLike[str]", int, FrameSource]
FrameTransform = Callable[[Iterable[Frame]], Iterator[Frame]]

SAMPLE_FRAMES = 20
MARKER_SAMPLE_FRAMES = 30
_QUEUE_FRAMES = 8  # frames decoded ahead of tracking


@dataclass(frozen=True)
class TrackingRequest:
    """How to track one source.

    tracker:         a registered name ("hands", "pose", "gloves", "auto") or several joined by "+".
    dominant_hand:   "left" tracks mirrored frames and mirrors the motion back (canonical orientation).
    tracker_options: keyword options for each tracker that takes them.
    marker_mm:       side of a printed ArUco marker on the pad: metadata["marker_scale"] gets mm/px.
    overlay_path:    also write the annotated overlay video there (not for a webcam).
    overlay_max_side: shrink the overlay so its long side is at most this many pixels (None: full size).
    overlay_max_fps: draw the overlay at most this many frames a second (None: every frame).
    overlay_hands_expected: the overlay's badge counts at least this many hands (a procedure's required
                     hands), not only those found.
    decode_max_side: a video file's frames are converted straight to this many pixels on the long side
                     (trackers gain nothing from more); the motion is given in the recording's pixels.
    threads:         None: decoding and each tracker on threads of their own (a trainee waiting for one
                     score); 1: everything on the calling thread (a batch worker given one core).
    """

    tracker: str = "hands"
    camera_view: str = DEFAULT_CAMERA_VIEW
    dominant_hand: str = "right"
    tracker_options: Mapping[str, Any] = field(default_factory=dict)
    marker_mm: Optional[float] = None
    overlay_path: Optional[Path] = None
    overlay_max_side: Optional[int] = None
    overlay_max_fps: Optional[float] = None
    overlay_hands_expected: int = 0
    decode_max_side: Optional[int] = DEFAULT_MAX_SIDE
    max_frames: Optional[int] = None
    fps: Optional[float] = None
    threads: Optional[int] = None

    def __post_init__(self) -> None:
        tracks_mirrored(self.dominant_hand)  # an unknown hand fails before anything is opened
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"threads must be at least 1, got {self.threads}")


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
    dominant_hand: str = "right",
    threads: Optional[int] = None,
) -> Motion:
    """Track a video file, image folder, webcam index (or an open FrameSource) into one Motion: the
    keyword form of `track` (see TrackingRequest for the options)."""
    request = TrackingRequest(
        tracker=tracker,
        camera_view=camera_view,
        dominant_hand=dominant_hand,
        tracker_options=dict(tracker_options or {}),
        marker_mm=marker_mm,
        overlay_path=Path(overlay_path) if overlay_path is not None else None,
        max_frames=max_frames,
        fps=fps,
        threads=threads,
    )
    return track(source, request, progress)


def track(
    source: SourceLike, request: TrackingRequest, progress: Optional[ProgressCallback] = None
) -> Motion:
    """Track a source into one Motion.

    `progress(done, total)` is called as frames are tracked (total is None when unknown). A source that
    breaks mid-stream keeps what decoded; metadata["decode_error"] says where it broke.
    """
    owns_source = not _is_frame_source(source)
    threads = request.threads != 1  # one thread: FFmpeg's decoder gets no threads of its own either
    frames: Any = (
        open_source(source, fps=request.fps, threads=threads, max_side=request.decode_max_side)  # type: ignore[arg-type]
        if owns_source
        else source
    )
    try:
        live = _is_live(source, frames)
        if request.overlay_path is not None and live:
            raise ValueError(
                f"{request.overlay_path}: an overlay needs a source that can be read twice, not a webcam"
            )
        motion = _track_frames(frames, source, request, progress, live)
        if request.marker_mm is not None:
            motion = _with_marker_scale(motion, frames, request.marker_mm, live)
    finally:
        if owns_source:
            frames.close()
    return motion


def _with_marker_scale(motion: Motion, frames: Any, marker_mm: float, live: bool) -> Motion:
    """Record the marker's mm-per-pixel scale, found on frames spread over the source (a mirror
    changes no length, so the unmirrored frames serve)."""
    if live:
        raise ValueError("a marker scale needs a source that can be read twice, not a webcam")
    mm_per_px = detect_marker_scale(sample_frames(frames, MARKER_SAMPLE_FRAMES), marker_mm)
    if mm_per_px is not None:
        mm_per_px *= _frame_size(frames)[0] / frames.info.width  # found on frames decoded smaller
    metadata = dict(motion.metadata)
    metadata["marker_scale"] = {"marker_mm": float(marker_mm), "mm_per_px": mm_per_px}
    return motion.with_updates(metadata=metadata)


def _create_trackers(request: TrackingRequest, stills: bool) -> list[Tracker]:
    """The request's trackers, each with the options it takes. Stills in a folder are unrelated
    pictures, not a video: trackers must not carry state from one to the next."""
    trackers: list[Tracker] = []
    base = dict(request.tracker_options)
    wanted = {"independent_frames": True, **base} if stills else base
    try:
        with tracker_threads(request.threads):  # one thread: no tracker runs work beside the caller
            for name in tracker_names(request.tracker):
                options = {key: value for key, value in wanted.items() if tracker_takes_option(name, key)}
                trackers.append(create_tracker(name, camera_view=request.camera_view, **options))
        link_hands_to_pose(trackers)  # "hands+pose": hand regions placed from the body
    except BaseException:
        for t in trackers:
            t.close()
        raise
    return trackers


def _track_frames(
    frames: Any,
    source: SourceLike,
    request: TrackingRequest,
    progress: Optional[ProgressCallback],
    live: bool,
) -> Motion:
    """Prepare the trackers, stream every frame through them (drawing the overlay from the same
    frames when asked) and assemble the Motion."""
    hasher = SourceHasher(_source_path(source, frames))
    stream: Optional[Iterator[Frame]] = None
    overlay: Optional[LiveOverlay] = None
    stills = isinstance(frames, ImageFolderSource)
    trackers = _create_trackers(request, stills)
    watcher = None if stills else RepeatWatcher()  # stills are separate pictures, never repeats
    try:
        hasher.start()
        stream = _prepare(trackers, frames, live, request, watcher)
        total = frames.info.frame_count
        if request.max_frames is not None:
            total = min(total, request.max_frames) if total is not None else request.max_frames
        recorders = [Recorder(t) for t in trackers]
        overlay = _live_overlay(request, frames, recorders)
        stream_limited = limit_frames(stream, request.max_frames)
        observer = overlay.add if overlay is not None else None
        done = run_trackers(trackers, recorders, stream_limited, progress, total, request.threads, observer)
        if overlay is not None:
            overlay.close()
            overlay = None
        facts = _SourceFacts(source, frames, hasher.result(), done, watcher)
        return _assemble(recorders, trackers, request, facts)
    finally:
        hasher.cancel()
        if overlay is not None:
            overlay.discard()
        if stream is not None and hasattr(stream, "close"):
            stream.close()  # stops the decoding thread now, not when garbage-collected
        for t in trackers:
            t.close()


def _live_overlay(
    request: TrackingRequest, frames: Any, recorders: Sequence[Recorder]
) -> Optional[LiveOverlay]:
    """The overlay drawn from the frames as they are tracked (none unless asked)."""
    if request.overlay_path is None:
        return None
    info = frames.info
    mirrored_width = float(_frame_size(frames)[0]) if tracks_mirrored(request.dominant_hand) else None
    threaded = request.threads != 1
    return LiveOverlay(
        request.overlay_path,
        info.fps,
        recorders,
        mirrored_width,
        threaded=threaded,
        max_side=request.overlay_max_side,
        max_fps=request.overlay_max_fps,
        hands_expected=request.overlay_hands_expected,
    )


# --- summary ------------------------------------------------------------------------------------


def summarize_tracking(motion: Motion) -> dict[str, dict[str, Any]]:
    """Per individual: the TrackingQuality entry (share of frames tracked, frames tracked, mean
    confidence where seen, longest gap in seconds), as the motion file's metadata records it."""
    return measure_tracking_quality(motion).to_dict()["individuals"]


# --- preparation --------------------------------------------------------------------------------


def _prepare(
    trackers: Sequence[Tracker],
    frames: Any,
    live: bool,
    request: TrackingRequest,
    watcher: Optional[RepeatWatcher] = None,
) -> Iterator[Frame]:
    """Show trackers their sample, then return the stream of frames to track (decoded ahead on a
    thread of its own unless the request has one thread; mirrored there for a left-hander).

    A re-readable source is sampled in a pass of its own; a live one lends its first frames, which
    are then tracked like the rest. Trackers that say they need no sample get an empty one. `watcher`
    sees every frame tracked, in order, on the decoding thread (it finds the frames a camera repeated).
    """
    mirrored = tracks_mirrored(request.dominant_hand)
    wants_sample = any(getattr(t, "needs_sample", True) for t in trackers)
    ahead: FrameTransform = _inline if request.threads == 1 else _decoded_ahead
    if live:
        live_frames = iter(frames) if watcher is None else watcher.watch(frames)
        sample = list(limit_frames(live_frames, SAMPLE_FRAMES)) if wants_sample else []
        sample = [mirror_frame(f) for f in sample] if mirrored else sample
        stream = chain(sample, ahead(mirror_frames(live_frames) if mirrored else live_frames))
    else:
        sample = sample_frames(frames, SAMPLE_FRAMES) if wants_sample else []
        sample = [mirror_frame(f) for f in sample] if mirrored else sample
        watched = frames if watcher is None else watcher.watch(frames)
        stream = ahead(mirror_frames(watched) if mirrored else watched)
    for t in trackers:
        t.prepare(sample)
    return stream


def _decoded_ahead(frames: Iterable[Frame]) -> Iterator[Frame]:
    return prefetch_frames(frames, depth=_QUEUE_FRAMES)


def _inline(frames: Iterable[Frame]) -> Iterator[Frame]:
    return iter(frames)


def sample_frames(
    frames: Iterable[Frame], count: int = SAMPLE_FRAMES, total: Optional[int] = None
) -> list[Frame]:
    """About `count` frames spread evenly over a re-readable source (one decoding pass, frames not kept)."""
    if total is None and callable(getattr(frames, "sample", None)):
        return list(frames.sample(count))  # type: ignore[attr-defined]  # the source knows how to seek
    if total is None:
        total = getattr(getattr(frames, "info", None), "frame_count", None)
    if not total:
        return list(limit_frames(iter(frames), count))
    wanted = set(np.linspace(0, total - 1, num=min(count, total)).round().astype(int).tolist())
    last_wanted = max(wanted)
    picked = []
    for frame in frames:
        if frame.index in wanted:
            picked.append(frame)
        if frame.index >= last_wanted:
            break
    return picked


# --- assembling the motion ----------------------------------------------------------------------


@dataclass(frozen=True)
class _SourceFacts:
    source: SourceLike
    frames: Any
    sha256: Optional[str]
    done: int
    watcher: Optional[RepeatWatcher] = None


def _assemble(
    recorders: Sequence[Recorder], trackers: Sequence[Tracker], request: TrackingRequest, facts: _SourceFacts
) -> Motion:
    """The trackers' observations as one Motion (mirrored back for a left-hander), with its metadata."""
    info = facts.frames.info
    parts, signals = [], {}
    for r in recorders:
        part, part_signals = r.take_motion()
        parts.append(part)
        signals.update(part_signals)
    motion = parts[0] if len(parts) == 1 else concatenate_individuals(parts)
    del parts
    motion = motion.with_updates(signals=signals)
    motion = mark_repeats(motion, facts.watcher)  # prepare_motion drops them: see pose.frame_clock
    mirrored = tracks_mirrored(request.dominant_hand)
    frame_size = _frame_size(facts.frames)
    if mirrored:
        motion = mirror_motion_back(motion, float(frame_size[0]))
    motion = _in_recording_pixels(motion, frame_size, info)
    metadata: dict[str, Any] = {
        **motion.metadata,  # frame_repeats
        "source": _source_label(facts.source, facts.frames),
        "source_sha256": facts.sha256,
        "fps": float(info.fps) if info.fps else (motion.fps if motion.n_frames > 1 else None),
        "width": int(info.width),
        "height": int(info.height),
        "frame_count": int(facts.done),
        "video_info": info.as_dict(),
        "kind": KIND_VIDEO_2D,
        "units": "px",
        "tracker": request.tracker,
        "trackers": [t.provenance() for t in trackers],
        "camera_view": request.camera_view,
        "orientation": {"dominant_hand": request.dominant_hand, "tracked_mirrored": mirrored},
        "tracked_frame_size": list(frame_size),
        "decode_error": _decode_error(facts.frames),
    }
    damage = getattr(facts.frames, "damage", None)  # None for a webcam or a pass cut short by max_frames
    metadata["decode_damage"] = damage.to_dict() if damage is not None else None
    metadata["tracking_summary"] = summarize_tracking(motion)  # positions only: signals not needed
    return motion.with_updates(metadata=metadata)


def _frame_size(frames: Any) -> tuple[int, int]:
    """(width, height) of the frames the trackers see: a video decoded smaller says so."""
    size = getattr(frames, "frame_size", None) or (frames.info.width, frames.info.height)
    return int(size[0]), int(size[1])


def _in_recording_pixels(motion: Motion, frame_size: tuple[int, int], info: Any) -> Motion:
    """Positions found on frames decoded smaller, in the recording's own pixels (x and z scale with
    the width, as trackers give z in image widths; world positions are metric and stay), and areas in
    pixels (a glove's `*area_px` signals, which measure hand size where no landmarks do) likewise."""
    if frame_size == (int(info.width), int(info.height)):
        return motion
    sx, sy = info.width / frame_size[0], info.height / frame_size[1]
    signals = {
        name: np.asarray(values, dtype=np.float64) * (sx * sy) if name.endswith("area_px") else values
        for name, values in motion.signals.items()
    }
    positions = np.asarray(motion.positions) * np.array([sx, sy, sx])
    return motion.with_updates(positions=positions, signals=signals)


def _decode_error(frames: Any) -> Optional[dict[str, Any]]:
    error = getattr(frames, "error", None)
    if error is None:
        return None
    return {
        "frame_index": error.frame_index,
        "time_s": error.time_s,
        "problem": error.problem,
        "message": str(error),
    }


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

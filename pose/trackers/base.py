"""The small interface every tracker implements, and the registry that builds them by name.

Backends are imported only when chosen, so `skillsight info` or scoring a motion file never loads
MediaPipe or OpenCV.
"""

from __future__ import annotations

import contextvars
import importlib
import inspect
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Protocol, runtime_checkable

import numpy as np

from skillsight.capture.frames import Frame

# Camera views decide how image sides map to anatomical hands.
CAMERA_VIEWS = ("front", "top", "side")
DEFAULT_CAMERA_VIEW = "top"


@dataclass
class FrameObservation:
    """One tracker's output for one frame, on the tracker's own (individuals, keypoints) axes.

    positions:  (I, K, 3) x and y in pixels of the original frame, z in the tracker's relative depth
                (NaN where not found).
    confidence: (I, K) in [0, 1], 0 where not found.
    world:      optional (I, K, 3) metric coordinates (metres), NaN where not found.
    extras:     optional per-frame scalars worth keeping (e.g. glove area in px^2), JSON-friendly.
    """

    positions: np.ndarray
    confidence: np.ndarray
    world: Optional[np.ndarray] = None
    extras: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Tracker(Protocol):
    """Turns frames into observations of fixed individuals and keypoints."""

    name: str
    individuals: tuple[str, ...]
    keypoints: tuple[str, ...]

    def prepare(self, sample: Sequence[Frame]) -> None:
        """See a few frames spread over the video before tracking (e.g. calibrate a glove colour)."""

    def process(self, frame: Frame) -> FrameObservation:
        """Observe one frame. Frames arrive in order; trackers may keep state between them."""

    def provenance(self) -> dict[str, Any]:
        """Name, version, model files and settings, recorded in the motion's metadata."""

    def close(self) -> None:
        """Release native resources (threads, graphs)."""


TrackerFactory = Callable[..., Tracker]

# Whether trackers built now may run work on a thread beside the caller's (the hands tracker's second
# hand): yes for a trainee's score (threads None or > 1), no for a batch worker given one core.
_SPARE_THREAD = contextvars.ContextVar("skillsight_tracker_spare_thread", default=False)


@contextmanager
def tracker_threads(threads: Optional[int]) -> Iterator[None]:
    """Trackers built inside this block (directly, or inside another tracker such as auto) may use a
    thread beside the caller's unless `threads` is 1."""
    token = _SPARE_THREAD.set(threads is None or threads > 1)
    try:
        yield
    finally:
        _SPARE_THREAD.reset(token)


def spare_thread_allowed() -> bool:
    """Whether a tracker being built may use a thread beside the caller's (see `tracker_threads`)."""
    return _SPARE_THREAD.get()


# name -> "module:callable"; the module is imported only when that tracker is built.
_REGISTRY: dict[str, str] = {
    "hands": "skillsight.pose.trackers.mediapipe_hands:MediaPipeHandsTracker",
    "pose": "skillsight.pose.trackers.mediapipe_pose:MediaPipePoseTracker",
    "gloves": "skillsight.pose.trackers.gloves:GloveTracker",
    "auto": "skillsight.pose.trackers.auto:AutoTracker",
}


def register_tracker(name: str, target: str) -> None:
    """Register a tracker under `name`; `target` is "package.module:Factory"."""
    _REGISTRY[name] = target


def available_trackers() -> tuple[str, ...]:
    return tuple(sorted(_REGISTRY))


def _factory(name: str) -> TrackerFactory:
    try:
        target = _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown tracker {name!r}; choose from {', '.join(available_trackers())}") from None
    module_name, _, attr = target.partition(":")
    factory: TrackerFactory = getattr(importlib.import_module(module_name), attr)
    return factory


def tracker_takes_option(name: str, option: str) -> bool:
    """Whether the tracker registered as `name` accepts the keyword `option` (a lab's own tracker
    need not take every option the shipped ones do)."""
    try:
        parameters = inspect.signature(_factory(name)).parameters
    except (TypeError, ValueError):
        return False
    return option in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def create_tracker(name: str, **options: Any) -> Tracker:
    """Build the tracker registered as `name`, importing its backend only now.

    Options every shipped tracker takes: `camera_view`, and `independent_frames=True` for a folder of
    unrelated stills (detect afresh in each image; carry no identity or state from one to the next)."""
    return _factory(name)(**options)

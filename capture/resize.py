"""Downscale large frames for tracking, and map tracked coordinates back to the original pixels.

Trackers gain nothing from more than ~1920 px on the long side but pay for every pixel, so frames are
shrunk first; `scale` (new size / original size) is what maps their coordinates back.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

DEFAULT_MAX_SIDE = 1920


def tracking_scale(width: int, height: int, max_side: int = DEFAULT_MAX_SIDE) -> float:
    """The factor (<= 1) that brings the long side of a width x height frame down to `max_side`."""
    if max_side <= 0:
        raise ValueError(f"max_side must be positive, got {max_side}")
    long_side = max(int(width), int(height))
    return 1.0 if long_side <= max_side else max_side / long_side


def downscale_for_tracking(image: np.ndarray, max_side: int = DEFAULT_MAX_SIDE) -> tuple[np.ndarray, float]:
    """`(image, scale)`: the image itself when its long side is at most `max_side`, else a copy shrunk
    with area averaging so that its long side is `max_side`; `scale` is new size / original size."""
    height, width = image.shape[:2]
    scale = tracking_scale(width, height, max_side)
    if scale == 1.0:
        return image, 1.0
    import cv2

    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, new_size, interpolation=cv2.INTER_AREA), scale


def map_points_to_original(points: np.ndarray, scale: float) -> np.ndarray:
    """Pixel coordinates found on a downscaled image, in the original image's pixels.

    `points` is (..., 2) or (..., 3); only x and y (the first two columns) are scaled, z is kept.
    NaN (missing) stays NaN. Returns a new float array.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    mapped = np.array(points, dtype=np.float64, copy=True)
    if mapped.shape[-1] < 2:
        raise ValueError(f"points must have x and y in their last axis, got shape {mapped.shape}")
    mapped[..., :2] /= scale
    return mapped


def replay_size(width: int, height: int, max_side: Optional[int]) -> tuple[tuple[int, int], float]:
    """`((width, height), scale)` of a replay frame: the frame's own size without `max_side`, else
    shrunk so its long side is at most `max_side` (never enlarged)."""
    if max_side is None:
        return (int(width), int(height)), 1.0
    scale = tracking_scale(width, height, max_side)
    return (max(2, round(width * scale)), max(2, round(height * scale))), scale


def replay_image(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A new image at `size` (width, height) to draw on: a copy when the image has that size already,
    else the image shrunk with area averaging (a half-size 1080p frame costs ~1 ms)."""
    height, width = image.shape[:2]
    if (width, height) == tuple(size):
        return image.copy()
    import cv2  # lazy: capture loads OpenCV only where it resizes

    return cv2.resize(image, tuple(size), interpolation=cv2.INTER_AREA)


def replay_due(time_s: float, last_written_s: Optional[float], max_fps: Optional[float]) -> bool:
    """Whether a replay capped at `max_fps` (None: every frame) draws the frame at `time_s`, the last
    one drawn being at `last_written_s` (a 30-fps video capped at 15 draws every other frame)."""
    if max_fps is None or last_written_s is None:
        return True
    return time_s >= last_written_s + 1.0 / max_fps - 1e-6


def replay_preset(max_side: Optional[int]) -> str:
    """x264's preset for an annotated video: a shrunk replay (the app's temporary file, where encoding
    time counts and size hardly) "ultrafast" (4.2 CPU-ms a 960-px frame, 5.5 superfast, twice the
    bytes); a full-size overlay someone keeps "superfast"."""
    return "superfast" if max_side is None else "ultrafast"

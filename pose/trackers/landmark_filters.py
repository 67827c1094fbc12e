"""MediaPipe's landmark smoothing, in numpy: a one-euro filter scaled by the object's size, and the
low-pass filter of visibility (LandmarksSmoothingCalculator and VisibilitySmoothingCalculator as the
legacy pose solution configured them).

The one-euro filter (Casiez et al. 2012) low-passes each coordinate with a cut-off that rises with its
speed: still landmarks are held steady, fast ones follow quickly. As in MediaPipe, the speed is measured
in object sizes per second (the mean of the landmarks' bounding-box width and height), so the filter
acts alike on a near and a far person, and the rate comes from the frames' timestamps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np


@dataclass(frozen=True)
class OneEuroSettings:
    min_cutoff: float
    beta: float
    derivative_cutoff: float = 1.0


# The legacy pose graph's settings (pose_landmark_filtering): landmarks, and the two auxiliary
# landmarks that place the next frame's region.
POSE_LANDMARKS_FILTER = OneEuroSettings(min_cutoff=0.05, beta=80.0)
POSE_AUXILIARY_FILTER = OneEuroSettings(min_cutoff=0.01, beta=10.0)
VISIBILITY_ALPHA = 0.1


def _alpha(cutoff: np.ndarray | float, interval_s: float) -> np.ndarray:
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff))
    return np.asarray(1.0 / (1.0 + tau / interval_s))


class LandmarkSmoother:
    """One-euro smoothing of (N, 3) pixel landmarks (x, y, z in pixels) frame after frame."""

    def __init__(self, settings: OneEuroSettings, default_rate_hz: float = 30.0) -> None:
        self.settings = settings
        self.default_rate_hz = default_rate_hz
        self.reset()

    def reset(self) -> None:
        self._value: Optional[np.ndarray] = None
        self._raw: Optional[np.ndarray] = None
        self._speed: Optional[np.ndarray] = None
        self._time: Optional[float] = None

    def __call__(self, points: np.ndarray, time_s: float) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        if self._value is None or self._raw is None or self._time is None or time_s <= self._time:
            interval = 1.0 / self.default_rate_hz
            if self._value is not None and self._time is not None and time_s <= self._time:
                return points  # a repeated or backward timestamp: MediaPipe passes the value through
        else:
            interval = time_s - self._time
        extent = points[:, :2].max(axis=0) - points[:, :2].min(axis=0)
        scale = max(float(extent.mean()), 1e-6)
        if self._value is None or self._raw is None:
            speed = np.zeros_like(points)
            self._value = points
        else:
            raw_speed = (points - self._raw) / scale / interval
            speed = raw_speed
            if self._speed is not None:
                a = _alpha(self.settings.derivative_cutoff, interval)
                speed = a * raw_speed + (1.0 - a) * self._speed
            cutoff = self.settings.min_cutoff + self.settings.beta * np.abs(speed)
            a = _alpha(cutoff, interval)
            self._value = a * points + (1.0 - a) * self._value
        self._speed, self._raw, self._time = speed, points, time_s
        return self._value.copy()


class VisibilitySmoother:
    """Exponential smoothing of per-landmark visibility (alpha = weight of the new frame)."""

    def __init__(self, alpha: float = VISIBILITY_ALPHA) -> None:
        self.alpha = alpha
        self._value: Optional[np.ndarray] = None

    def reset(self) -> None:
        self._value = None

    def __call__(self, visibility: np.ndarray) -> np.ndarray:
        visibility = np.asarray(visibility, dtype=np.float64)
        if self._value is None:
            self._value = visibility
        else:
            self._value = self.alpha * visibility + (1.0 - self.alpha) * self._value
        return self._value.copy()

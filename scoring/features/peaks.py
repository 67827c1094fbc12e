"""Peak finding with height, prominence and distance, in numpy alone.

The same definitions as scipy.signal.find_peaks (a peak's prominence is its height above the higher
of the two lowest points reached before meeting a higher sample on either side), kept here because
importing scipy.signal costs seconds, and scoring a motion file must stay light.
"""

from __future__ import annotations

from typing import Optional

import numpy as np


def local_maxima(values: np.ndarray) -> np.ndarray:
    """Indices of strict local maxima; a flat top counts once, at its middle (edges never count)."""
    x = np.asarray(values, dtype=np.float64)
    if x.size < 3:
        return np.empty(0, dtype=np.int64)
    change = np.flatnonzero(np.diff(x) != 0) + 1  # starts of runs of equal values
    starts = np.concatenate(([0], change))
    stops = np.concatenate((change, [x.size]))
    level = x[starts]
    inner = np.arange(1, starts.size - 1)
    is_peak = (level[inner] > level[inner - 1]) & (level[inner] > level[inner + 1])
    runs = inner[is_peak]
    return ((starts[runs] + stops[runs] - 1) // 2).astype(np.int64)


def _nearest_higher(x: np.ndarray, peaks: np.ndarray, direction: int) -> np.ndarray:
    """For each peak, the index of the nearest strictly higher sample in `direction` (-1 or +1), or
    -1 / len(x) when there is none. A monotonic stack makes this O(n)."""
    n = x.size
    result = np.full(n, -1 if direction < 0 else n, dtype=np.int64)
    order = range(n) if direction < 0 else range(n - 1, -1, -1)
    stack: list = []
    values = x.tolist()
    for i in order:
        v = values[i]
        while stack and values[stack[-1]] <= v:
            stack.pop()
        if stack:
            result[i] = stack[-1]
        stack.append(i)
    return result[peaks]


def _turning_points(x: np.ndarray) -> np.ndarray:
    """Indices of all samples except those strictly inside a monotone stretch. Mins and maxes over
    any span between kept samples are unchanged, so prominences computed on them are exact."""
    inner = np.arange(1, x.size - 1)
    rising = (x[inner - 1] < x[inner]) & (x[inner] < x[inner + 1])
    falling = (x[inner - 1] > x[inner]) & (x[inner] > x[inner + 1])
    return np.concatenate(([0], inner[~(rising | falling)], [x.size - 1]))


def peak_prominences(values: np.ndarray, peaks: np.ndarray) -> np.ndarray:
    """Prominence of each peak (same definition as scipy.signal.peak_prominences)."""
    full = np.asarray(values, dtype=np.float64)
    if peaks.size == 0:
        return np.empty(0)
    kept = _turning_points(full)
    x = full[kept]
    peaks = np.searchsorted(kept, peaks)
    left = _nearest_higher(x, peaks, -1)
    right = _nearest_higher(x, peaks, +1)
    prominences = np.empty(peaks.size)
    for j, (p, lo, hi) in enumerate(zip(peaks.tolist(), left.tolist(), right.tolist())):
        left_min = x[max(lo, 0) : p + 1].min()
        right_min = x[p : min(hi, x.size - 1) + 1].min()
        prominences[j] = x[p] - max(left_min, right_min)
    return prominences


def _enforce_distance(values: np.ndarray, peaks: np.ndarray, distance: int) -> np.ndarray:
    """Keep the highest peaks first, dropping any closer than `distance` samples to a kept one."""
    keep = np.ones(peaks.size, dtype=bool)
    for j in np.argsort(values[peaks], kind="stable")[::-1]:
        if not keep[j]:
            continue
        close = np.abs(peaks - peaks[j]) < distance
        close[j] = False
        keep &= ~close
    return peaks[keep]


def find_peaks(
    values: np.ndarray,
    height: Optional[float] = None,
    prominence: Optional[float] = None,
    distance: Optional[int] = None,
) -> np.ndarray:
    """Indices of peaks at least `height` high, `prominence` prominent and `distance` samples apart
    (distance applied first, as scipy does)."""
    x = np.asarray(values, dtype=np.float64)
    peaks = local_maxima(x)
    if height is not None:
        peaks = peaks[x[peaks] >= height]
    if distance is not None and distance > 1 and peaks.size > 1:
        peaks = _enforce_distance(x, peaks, int(distance))
    if prominence is not None and peaks.size:
        peaks = peaks[peak_prominences(x, peaks) >= prominence]
    return peaks

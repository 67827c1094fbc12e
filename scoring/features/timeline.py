"""Time, not frames: durations, a fine clock, means over windows in seconds, level crossings. Pure numpy.

Metrics built on these give the same answer for the same motion at 15, 25 or 60 fps: a window of
0.5 s is 0.5 s at any rate, a boundary falls between two samples where the signal crosses its level,
and a duration is read on a clock of TIME_GRID_S rather than counted in frames (a frame at 15 fps is
67 ms, a tenth of a short movement).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

TIME_GRID_S = 0.01  # durations and percentiles over time are read on a clock this fine


def frame_durations(timestamps: np.ndarray) -> np.ndarray:
    """Seconds each sample stands for (its interval to the next; the last gets the median)."""
    if timestamps.size < 2:
        return np.zeros(timestamps.size)
    dt = np.diff(timestamps)
    return np.append(dt, np.median(dt))


def time_mean(values: np.ndarray, timestamps: np.ndarray) -> float:
    """Mean of (T,) values over the time they stand for (frames weighted by their duration)."""
    observed = np.isfinite(values)
    durations = frame_durations(timestamps)[observed]
    return float(np.sum(values[observed] * durations) / durations.sum()) if observed.any() else float("nan")


def time_clock(timestamps: np.ndarray, margin_s: float = 0.0) -> np.ndarray:
    """Times every TIME_GRID_S from `margin_s` after the first sample to `margin_s` before the last."""
    return np.arange(timestamps[0] + margin_s, timestamps[-1] - margin_s + 1e-9, TIME_GRID_S)


def recording_clock(timestamps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(clock, frame): times every TIME_GRID_S from the first sample to the end of the last frame's
    duration, and the index of the frame each one falls in. Each clock time stands for TIME_GRID_S."""
    end = timestamps[-1] + frame_durations(timestamps)[-1]
    clock = np.arange(timestamps[0], end - 1e-9, TIME_GRID_S)
    return clock, np.searchsorted(timestamps, clock, side="right") - 1


def window_mean(values: np.ndarray, timestamps: np.ndarray, at: np.ndarray, window_s: float) -> np.ndarray:
    """Mean of (T,) values over the `window_s` seconds centred on each time in `at` (trapezoids between
    samples, exact in time, so the same at any frame rate); NaN where the window reaches a sample that
    is not observed."""
    both = np.isfinite(values[:-1]) & np.isfinite(values[1:])
    steps = np.where(both, 0.5 * (values[:-1] + values[1:]) * np.diff(timestamps), 0.0)
    covered = np.concatenate(([0.0], np.cumsum(steps)))  # integral up to each sample
    ahead, behind = at + window_s / 2, at - window_s / 2
    mean = (np.interp(ahead, timestamps, covered) - np.interp(behind, timestamps, covered)) / window_s
    # Cumulative count of unobserved samples: any change within the window means a hole in it.
    holes = np.cumsum(~np.isfinite(values))
    first = np.searchsorted(timestamps, behind, side="left") - 1
    last = np.searchsorted(timestamps, ahead, side="right")
    first, last = np.clip(first, 0, values.size - 1), np.clip(last, 0, values.size - 1)
    whole = (holes[last] == holes[first]) & np.isfinite(values[first])
    return np.where(whole, mean, np.nan)


def lowest_window_mean(
    values: np.ndarray, timestamps: np.ndarray, window_s: float, at: np.ndarray
) -> np.ndarray:
    """For each time in `at`, the lowest mean of `values` over any `window_s`-second window that
    contains it and lies wholly in observed time (+inf where there is none; times past the last
    sample are taken at it). Window centres are read every TIME_GRID_S."""
    t = np.asarray(timestamps, dtype=np.float64)
    if t.size < 2 or t[-1] - t[0] < window_s - 1e-9:
        return np.full(np.shape(at), np.inf)
    centres = time_clock(t, window_s / 2)
    means = window_mean(values, t, centres, window_s)
    means = np.where(np.isfinite(means), means, np.inf)
    # Centres within window_s / 2 of a time: 2 * half + 1 clock steps around its nearest one.
    half = int(round(window_s / 2 / TIME_GRID_S))
    padded = np.concatenate([np.full(2 * half, np.inf), means, np.full(2 * half, np.inf)])
    lowest = sliding_window_view(padded, 2 * half + 1).min(axis=1)
    nearest = np.round((np.minimum(at, t[-1]) - centres[0]) / TIME_GRID_S).astype(np.int64) + half
    return lowest[np.clip(nearest, 0, lowest.size - 1)]

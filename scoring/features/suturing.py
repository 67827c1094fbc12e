"""Suturing: segment the repetitive needle-driving cycle of the needle-driver hand into stitches.

Each stitch repeats the same pattern (reach, drive the needle, regrasp, pull the thread, return), so
the hand's movement is periodic: it comes to the wound to drive the needle and leaves it to pull the
thread, once per stitch. The period comes from the autocorrelation of the hand's distance from the
wound; the stays at the wound are the stitches.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from skillsight.pose.motion import Motion
from skillsight.scoring.features.kinematics import hand_track
from skillsight.scoring.features.peaks import find_peaks

MIN_CYCLE_S = 2.0
MAX_CYCLE_S = 90.0
MIN_PERIODICITY = 0.15  # autocorrelation at the dominant period below this: no clear cycle
PEAK_PROMINENCE_SHARE = 0.5  # of the signal's 5-95% range


def _fill_nan(values: np.ndarray) -> np.ndarray:
    finite = np.isfinite(values)
    if finite.all() or not finite.any():
        return np.nan_to_num(values)
    idx = np.arange(values.size)
    return np.interp(idx, idx[finite], values[finite])


def _moving_average(values: np.ndarray, window: int) -> np.ndarray:
    if window <= 1:
        return values
    kernel = np.ones(window) / window
    padded = np.pad(values, (window // 2, window - 1 - window // 2), mode="edge")
    return np.convolve(padded, kernel, mode="valid")


def dominant_period(
    values: np.ndarray, fs: float, min_s: float = MIN_CYCLE_S, max_s: float = MAX_CYCLE_S
) -> tuple[float, float]:
    """(period in s, autocorrelation there) of the strongest repetition in a 1-D signal; (nan, 0) if none."""
    x = values - values.mean()
    n = x.size
    if n < 4 or not np.any(x):
        return float("nan"), 0.0
    spectrum = np.fft.rfft(x, 2 * n)
    acf = np.fft.irfft(spectrum * np.conj(spectrum))[:n]
    acf = acf / acf[0]
    # An unbiased estimate, so long lags are not penalised for their fewer overlapping samples.
    acf = acf * n / np.maximum(n - np.arange(n), 1)
    lo, hi = int(min_s * fs), min(int(max_s * fs), n // 2)
    if hi <= lo + 1:
        return float("nan"), 0.0
    peaks = find_peaks(acf[: hi + 1])
    # A repetition correlates positively with itself; negative peaks are no period at all.
    peaks = peaks[(peaks >= lo) & (acf[peaks] > 0)]
    if peaks.size == 0:
        return float("nan"), 0.0
    # Multiples of the period correlate about as well as the period itself: take the shortest lag
    # that comes close to the best.
    best = peaks[np.flatnonzero(acf[peaks] >= 0.8 * acf[peaks].max())[0]]
    return float(best / fs), float(acf[best])


def excursion_from_work_site(motion: Motion, hand: str) -> Optional[np.ndarray]:
    """(T,) distance of the hand from its median position (the wound, where it spends most time);
    gaps filled linearly so the signal is continuous."""
    track = hand_track(motion, hand)
    if track is None:
        return None
    return _fill_nan(np.linalg.norm(track - np.nanmedian(track, axis=0), axis=1))


def _cycle_troughs(signal: np.ndarray, period_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """(smoothed signal, trough frames): one sustained stay at the wound per stitch."""
    smooth = _moving_average(signal, max(1, period_frames // 6))
    prominence = PEAK_PROMINENCE_SHARE * (np.percentile(smooth, 95) - np.percentile(smooth, 5))
    # Pad with the top value so that a stay at the wound at either end of the clip still counts.
    padded = np.concatenate(([smooth.max()], smooth, [smooth.max()]))
    troughs = find_peaks(-padded, distance=max(1, int(0.25 * period_frames)), prominence=prominence)
    return smooth, troughs - 1


def find_stitch_cycles(motion: Motion, hand: str) -> list[tuple[float, float]]:
    """(start_s, end_s) of each stitch cycle of `hand` (usually the needle driver); [] when the
    movement shows no clear repetition.

    Every stitch brings the needle driver to the wound (reach, drive, regrasp) and takes it away (pull
    the thread, return), so the hand's distance from the wound dips once per stitch. The period from
    the autocorrelation sets the smoothing; each dip is one stitch, and cycles meet at the farthest
    point between two dips (the thread pull); the first starts and the last ends with the tracking."""
    signal = excursion_from_work_site(motion, hand)
    if signal is None or motion.n_frames < 4:
        return []
    fs = motion.fps
    period, strength = dominant_period(signal, fs)
    if not np.isfinite(period) or strength < MIN_PERIODICITY:
        return []
    smooth, troughs = _cycle_troughs(signal, int(round(period * fs)))
    if troughs.size == 0:
        return []
    track = hand_track(motion, hand)
    seen = np.flatnonzero(np.isfinite(track).all(axis=1)) if track is not None else np.arange(motion.n_frames)
    bounds = [int(seen[0])]
    bounds += [int(a + np.argmax(smooth[a:b])) for a, b in zip(troughs[:-1], troughs[1:])]
    bounds.append(int(seen[-1]))
    t = motion.timestamps
    return [(float(t[a]), float(t[b])) for a, b in zip(bounds[:-1], bounds[1:])]


def cycle_statistics(cycles: list[tuple[float, float]]) -> tuple[float, float, float]:
    """(count, mean duration s, coefficient of variation of durations) of stitch cycles."""
    if not cycles:
        return 0.0, float("nan"), float("nan")
    durations = np.array([end - start for start, end in cycles])
    cv = float(np.std(durations) / np.mean(durations)) if len(durations) >= 2 else float("nan")
    return float(len(durations)), float(np.mean(durations)), cv

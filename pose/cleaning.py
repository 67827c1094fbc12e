"""Clean-up of tracked motion: fill short dropouts, report long gaps, smooth jitter.

The motion keeps its positions as tracked; `clean_motion` returns a NEW Motion whose interpolated
positions are flagged in `filled` and whose parameters (and the long gaps it left missing) are recorded
as a processing step, so every feature computed from it can say how the data were treated.

Smoothing runs per contiguous observed run, never across a gap, so a hand that leaves the view and
comes back elsewhere does not get a fictitious path between the two places.

A glimpse is not a hand in view: observations of an individual that it shows in fewer than half of the
frames around them (within the gap-filling time on either side) are dropped before anything else. On the
real clips in ../shared this removes MediaPipe's false left hand in the half-size typing clip (one frame of
96, presence 0.60, while the tracked hand sits at 0.91) and nothing of a hand tracked for real: every
tracked hand of the ASL, reaching and typing clips, and both hands of the two-hand still, are seen in
every frame. The same time scale decides both ways: a hand missing for less than it is still there, a
hand seen for less than it, amid frames without it, was never there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from skillsight.pose.motion import Motion

DEFAULT_MAX_GAP_S = 0.3
# An individual must be seen in at least this share of the frames around a run of observations (within
# max_gap_s either side) for the run to count: a majority, so scattered false detections drop out.
DEFAULT_MIN_SEEN_SHARE = 0.5
DEFAULT_SAVGOL_WINDOW_S = 0.3
DEFAULT_SAVGOL_POLYORDER = 2
DEFAULT_ONE_EURO_MIN_CUTOFF = 1.0
DEFAULT_ONE_EURO_BETA = 0.05
DEFAULT_ONE_EURO_D_CUTOFF = 1.0
# Keeps the recorded provenance small on very patchy tracking.
MAX_GAPS_RECORDED_PER_INDIVIDUAL = 100

SMOOTHERS = ("savgol", "one_euro", None)


class CleaningError(ValueError):
    """Cleaning was asked for something it cannot do (unknown smoother, bad parameter)."""


@dataclass(frozen=True)
class Gap:
    """A run of missing samples [start_index, stop_index) of one track."""

    start_index: int
    stop_index: int
    start_s: float
    end_s: float
    duration_s: float
    interior: bool  # observed on both sides (so it can be interpolated)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start_s": round(self.start_s, 4),
            "end_s": round(self.end_s, 4),
            "duration_s": round(self.duration_s, 4),
            "frames": self.stop_index - self.start_index,
        }


def mask_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index pairs of the True runs of a 1-D bool array: the one way runs are found
    (observed stretches, gaps, pauses)."""
    if mask.size == 0:
        return []
    padded = np.concatenate(([False], mask.astype(bool), [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


def _sample_period(timestamps: np.ndarray) -> float:
    return float(np.median(np.diff(timestamps))) if timestamps.size > 1 else 0.0


def gaps_in_mask(missing: np.ndarray, timestamps: np.ndarray) -> list[Gap]:
    """Gaps (runs of True) of a (T,) missing-mask, with their times."""
    period = _sample_period(timestamps)
    n = missing.size
    gaps = []
    for a, b in mask_runs(missing):
        interior = a > 0 and b < n
        # The missing span: from one sample period after the last observation to the next observation.
        start_s = float(timestamps[a - 1] + period) if a > 0 else float(timestamps[a])
        end_s = float(timestamps[b]) if b < n else float(timestamps[b - 1] + period)
        gaps.append(Gap(a, b, start_s, end_s, max(end_s - start_s, 0.0), interior))
    return gaps


def longest_gap_s(missing: np.ndarray, timestamps: np.ndarray) -> float:
    """Duration of the longest gap of a (T,) missing-mask in seconds (0 when nothing is missing)."""
    return max((g.duration_s for g in gaps_in_mask(missing, timestamps)), default=0.0)


def find_gaps(motion: Motion, individual: str, keypoint: str) -> list[Gap]:
    """Runs of frames where `keypoint` of `individual` is missing (NaN), with their times.

    A gap's duration is the time without observation: for a constant frame rate, the number of missing
    frames divided by the frame rate. Leading and trailing gaps are reported with ``interior=False``.
    """
    missing = ~motion.observed(individual, keypoint)
    return gaps_in_mask(missing, motion.timestamps)


def _individual_gaps(positions: np.ndarray, timestamps: np.ndarray) -> list[Gap]:
    """Gaps where an individual, given by its (T, K, D) positions, is missing altogether (no keypoint
    observed)."""
    seen = ~np.isnan(positions[:, :, 0])
    if not seen.any():
        return []
    return gaps_in_mask(~seen.any(axis=1), timestamps)


def glimpse_runs(
    seen: np.ndarray, timestamps: np.ndarray, reach_s: float, min_seen_share: float = DEFAULT_MIN_SEEN_SHARE
) -> list[tuple[int, int]]:
    """[start, stop) runs of a (T,) seen-mask that are glimpses: from `reach_s` seconds before the run
    to `reach_s` after it, fewer than `min_seen_share` of the frames show the individual. Judged in
    seconds, so a false detection of one frame is a glimpse at any frame rate; a hand that flickers
    but is seen in most frames keeps every run (cleaning then fills its short gaps)."""
    if reach_s <= 0 or min_seen_share <= 0:
        return []
    counts = np.concatenate(([0], np.cumsum(seen)))
    glimpses = []
    for a, b in mask_runs(seen):
        lo = int(np.searchsorted(timestamps, timestamps[a] - reach_s - 1e-9, side="left"))
        hi = int(np.searchsorted(timestamps, timestamps[b - 1] + reach_s + 1e-9, side="right"))
        if counts[hi] - counts[lo] < min_seen_share * (hi - lo):
            glimpses.append((a, b))
    return glimpses


def _drop_glimpses(
    positions: np.ndarray, timestamps: np.ndarray, reach_s: float, min_seen_share: float
) -> dict[int, int]:
    """Set every glimpse of each individual of (T, I, K, D) positions to NaN, in place; individual
    index -> number of frames dropped (only those that lost some)."""
    dropped = {}
    for i in range(positions.shape[1]):
        seen = ~np.isnan(positions[:, i, :, 0]).all(axis=1)
        runs = glimpse_runs(seen, timestamps, reach_s, min_seen_share)
        for a, b in runs:
            positions[a:b, i] = np.nan
        if runs:
            dropped[i] = sum(b - a for a, b in runs)
    return dropped


def interpolate_gaps(track: np.ndarray, t: np.ndarray, gaps: list[Gap], method: str = "linear") -> np.ndarray:
    """Fill the given interior gaps of a (T, C) array whose columns share their gaps; other NaNs stay."""
    observed = ~np.isnan(track).any(axis=1)
    out = track.copy()
    t_obs = t[observed]
    if t_obs.size < 2:
        return out
    fill_idx = np.concatenate([np.arange(g.start_index, g.stop_index) for g in gaps]) if gaps else None
    if fill_idx is None or fill_idx.size == 0:
        return out
    if method == "cubic" and t_obs.size >= 4:
        from scipy.interpolate import PchipInterpolator

        # Shape-preserving cubic: no overshoot beyond the observations around a gap.
        out[fill_idx] = PchipInterpolator(t_obs, track[observed], axis=0)(t[fill_idx])
    else:
        # Linear: one search for all columns.
        right = np.searchsorted(t_obs, t[fill_idx])
        right = np.clip(right, 1, t_obs.size - 1)
        left = right - 1
        weight = ((t[fill_idx] - t_obs[left]) / (t_obs[right] - t_obs[left]))[:, None]
        values = track[observed]
        out[fill_idx] = (1 - weight) * values[left] + weight * values[right]
    return out


def _savgol_window_frames(window_s: float, period: float, polyorder: int) -> int:
    """The odd number of frames nearest to window_s (ties up), at least polyorder + 2. Rounding the
    frame count first flipped with the timestamps' last bit where window_s is a frame and a half:
    0.3 s at 25 fps was 7 frames when the median interval read 0.04000000000000001 s and 9 when it
    read 0.03999999999999915 s, so the same frames were smoothed differently (up to 0.15 hand sizes,
    and log dimensionless jerk 2.4 % apart) in two recordings that share them."""
    frames = 2 * int(math.floor((window_s / period - 1.0) / 2.0 + 0.5 + 1e-6)) + 1 if period > 0 else 1
    frames = max(frames, polyorder + 2)
    return frames if frames % 2 == 1 else frames + 1


def savgol_smooth(values: np.ndarray, window: int, polyorder: int) -> np.ndarray:
    """Savitzky-Golay smoothing along axis 0 of a finite (L, C) array, like scipy's savgol_filter
    with mode="interp" (the ends are the fitted polynomial of the first and last window). In numpy,
    because importing scipy.signal costs seconds and scoring must stay light."""
    n = values.shape[0]
    half = window // 2
    offsets = np.arange(-half, half + 1, dtype=np.float64)
    design = offsets[:, None] ** np.arange(polyorder + 1)
    projection = design @ np.linalg.pinv(design)  # (window, window): fit then evaluate
    centre = projection[half]
    out = np.empty_like(values)
    windows = np.lib.stride_tricks.sliding_window_view(values, window, axis=0)  # (n-w+1, C, w)
    out[half : n - half] = windows @ centre
    out[:half] = (projection @ values[:window])[:half]
    out[n - half :] = (projection @ values[n - window :])[window - half :]
    return out


def _savgol_runs(track: np.ndarray, window: int, polyorder: int, t: np.ndarray) -> np.ndarray:
    """Savitzky-Golay per contiguous observed run of a (T, C) array whose columns share their gaps;
    runs shorter than the window get a shorter one. A run whose frames are unevenly timed (a camera
    dropped frames, or repeats were taken out) is fitted over the window's seconds, not its frames
    (`_savgol_in_time`): a dropped frame no longer widens the window."""
    out = track.copy()
    period = _sample_period(t)
    for a, b in mask_runs(~np.isnan(track).any(axis=1)):
        length = b - a
        w = min(window, length if length % 2 == 1 else length - 1)
        if w <= polyorder:
            continue  # too short to smooth; keep as observed
        steps = np.diff(t[a:b])
        if np.all(np.abs(steps - period) <= 0.01 * period):
            out[a:b] = savgol_smooth(track[a:b], w, polyorder)
        else:
            out[a:b] = _savgol_in_time(track[a:b], t[a:b], (w // 2) * period, polyorder)
    return out


def time_cells(t: np.ndarray) -> np.ndarray:
    """(T,) the time each sample stands for, relative to the run's typical interval: half the way to each
    neighbour, at most one typical interval each way. A fit weighs samples by it, so a frame a camera
    dropped leaves a gap its neighbours fill rather than a dip in the kernel: with every 5th frame
    missing, the local-linear fits (scoring.features.local_fit; a wider kernel in effect) read a smooth
    curve's jerk 2 % low. On an even clock every cell is 1 and a fit is as before."""
    if t.size < 2:
        return np.ones(t.size)
    steps = np.diff(t)
    typical = float(np.median(steps))
    if not typical > 0:
        return np.ones(t.size)
    half = np.minimum(steps / typical, 2.0) / 2.0
    cells = np.empty(t.size)
    cells[1:-1] = half[:-1] + half[1:]
    cells[0], cells[-1] = 2 * half[0], 2 * half[-1]
    return cells


def _savgol_in_time(values: np.ndarray, t: np.ndarray, half_s: float, polyorder: int) -> np.ndarray:
    """Savitzky-Golay on uneven times: at each sample, the polynomial of degree `polyorder` fitted (least
    squares, each sample weighed by the time it stands for) to the samples within `half_s` seconds
    either side, evaluated there; near a run's ends the window keeps its length inside the run, as
    savgol_smooth's "interp" ends do."""
    eps = 1e-6 * half_s
    start = np.clip(t - half_s, t[0], max(t[0], t[-1] - 2 * half_s))
    lo = np.searchsorted(t, start - eps, side="left")
    hi = np.searchsorted(t, start + 2 * half_s + eps, side="right")
    need = polyorder + 1
    lo = np.clip(np.minimum(lo, hi - need), 0, max(t.size - need, 0))
    hi = np.minimum(np.maximum(hi, lo + need), t.size)
    width = int(np.max(hi - lo))
    index = lo[:, None] + np.arange(width)
    inside = index < hi[:, None]
    index = np.minimum(index, t.size - 1)
    u = (t[index] - t[:, None]) / half_s  # in half-windows, so the normal equations stay well conditioned
    weight = time_cells(t)[index] * inside
    design = u[..., None] ** np.arange(polyorder + 1) * inside[..., None]
    normal = np.einsum("tk,tki,tkj->tij", weight, design, design)
    right = np.einsum("tk,tki,tkd->tid", weight, design, values[index])
    return np.linalg.solve(normal, right)[:, 0]


def _one_euro_alpha(cutoff: np.ndarray, dt: float) -> np.ndarray:
    tau = 1.0 / (2.0 * np.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


def one_euro_filter(
    values: np.ndarray,
    timestamps: np.ndarray,
    min_cutoff: float = DEFAULT_ONE_EURO_MIN_CUTOFF,
    beta: float = DEFAULT_ONE_EURO_BETA,
    d_cutoff: float = DEFAULT_ONE_EURO_D_CUTOFF,
) -> np.ndarray:
    """One-Euro filter (Casiez et al. 2012) along axis 0 of a (T, ...) array; it restarts after NaNs.

    All columns are filtered at once (the loop is over time only), so many tracks cost little more
    than one. `beta` is in 1/(units per second): the cutoff grows with speed to limit lag.
    """
    values = np.asarray(values, dtype=np.float64)
    out = np.full_like(values, np.nan)
    prev_x = np.full(values.shape[1:], np.nan)
    prev_dx = np.zeros(values.shape[1:])
    for n in range(values.shape[0]):
        x = values[n]
        fresh = np.isnan(prev_x) & ~np.isnan(x)
        dt = float(timestamps[n] - timestamps[n - 1]) if n > 0 else 1.0
        dx = np.where(np.isnan(prev_x), 0.0, (x - prev_x) / dt)
        a_d = _one_euro_alpha(np.full(x.shape, d_cutoff), dt)
        dx_hat = a_d * dx + (1 - a_d) * prev_dx
        cutoff = min_cutoff + beta * np.abs(dx_hat)
        a = _one_euro_alpha(cutoff, dt)
        x_hat = np.where(fresh, x, a * x + (1 - a) * prev_x)
        x_hat = np.where(np.isnan(x), np.nan, x_hat)
        out[n] = x_hat
        prev_dx = np.where(np.isnan(x), 0.0, dx_hat)
        prev_x = x_hat
    return out


def _groups_sharing_gaps(positions: np.ndarray) -> list[tuple[int, list[int]]]:
    """(individual, keypoint indices) whose observed frames are identical: trackers usually report a
    whole hand or nothing, so one pass over its runs serves all its keypoints."""
    groups: list[tuple[int, list[int]]] = []
    for i in range(positions.shape[1]):
        by_mask: dict[bytes, list[int]] = {}
        observed = ~np.isnan(positions[:, i, :, 0])
        for k in range(positions.shape[2]):
            if observed[:, k].any():
                by_mask.setdefault(np.packbits(observed[:, k]).tobytes(), []).append(k)
        groups.extend((i, keys) for keys in by_mask.values())
    return groups


def _smooth_positions(positions: np.ndarray, t: np.ndarray, smoother: Optional[str], params: dict[str, Any]):
    if smoother is None:
        return positions
    n_t, n_i, n_k, n_s = positions.shape
    if smoother == "one_euro":
        flat = positions.reshape(n_t, -1)
        smoothed = one_euro_filter(
            flat, t, params["min_cutoff"], params["beta"], params.get("d_cutoff", DEFAULT_ONE_EURO_D_CUTOFF)
        )
        return smoothed.reshape(positions.shape)
    window = _savgol_window_frames(params["window_s"], _sample_period(t), params["polyorder"])
    out = positions  # smoothed in place: the caller passes its own copy
    for i, keys in _groups_sharing_gaps(positions):
        block = positions[:, i, keys].reshape(n_t, -1)
        out[:, i, keys] = _savgol_runs(block, window, params["polyorder"], t).reshape(n_t, len(keys), n_s)
    return out


def _smoother_params(smoother: Optional[str], params: dict[str, Any]) -> dict[str, Any]:
    if smoother not in SMOOTHERS:
        raise CleaningError(f"unknown smoother {smoother!r}; choose savgol, one_euro or None")
    if smoother == "savgol":
        merged = {"window_s": DEFAULT_SAVGOL_WINDOW_S, "polyorder": DEFAULT_SAVGOL_POLYORDER, **params}
        if merged["window_s"] <= 0 or int(merged["polyorder"]) < 0:
            raise CleaningError(f"savgol needs window_s > 0 and polyorder >= 0, got {merged}")
        merged["polyorder"] = int(merged["polyorder"])
        return merged
    if smoother == "one_euro":
        merged = {
            "min_cutoff": DEFAULT_ONE_EURO_MIN_CUTOFF,
            "beta": DEFAULT_ONE_EURO_BETA,
            "d_cutoff": DEFAULT_ONE_EURO_D_CUTOFF,
            **params,
        }
        if merged["min_cutoff"] <= 0 or merged["d_cutoff"] <= 0:
            raise CleaningError(f"one_euro needs positive cutoffs, got {merged}")
        return merged
    return {}


def clean_motion(
    motion: Motion,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
    smoother: Optional[str] = "savgol",
    interpolation: str = "linear",
    min_seen_share: float = DEFAULT_MIN_SEEN_SHARE,
    **params: Any,
) -> Motion:
    """A new Motion with glimpses dropped, short dropouts filled, long gaps reported and jitter smoothed.

    min_seen_share: observations of an individual seen in fewer than this share of the frames within
                   max_gap_s of them are glimpses (`glimpse_runs`), dropped and counted in the step;
                   0 keeps everything.
    max_gap_s:     interior gaps up to this long are interpolated (``interpolation`` "linear" or
                   "cubic", shape-preserving) and flagged in ``filled``; longer ones stay NaN and are
                   listed per individual in the recorded processing step.
    smoother:      "savgol" (params ``window_s``, ``polyorder``), "one_euro" (``min_cutoff``, ``beta``,
                   ``d_cutoff``) or None; applied per contiguous run after filling.
    Confidence is kept as tracked (0 at filled samples), so tracking quality still reads the truth.
    """
    cleaned = clean_arrays(motion, max_gap_s, smoother, interpolation, min_seen_share, **params)
    return motion.with_processing_step(cleaned.step, positions=cleaned.positions, filled=cleaned.filled)


@dataclass(frozen=True)
class CleanedArrays:
    """What cleaning produced, before it is wrapped in a Motion (so callers that also rescale
    build the validated container once)."""

    positions: np.ndarray
    filled: np.ndarray
    step: dict[str, Any]


def clean_arrays(
    motion: Motion,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
    smoother: Optional[str] = "savgol",
    interpolation: str = "linear",
    min_seen_share: float = DEFAULT_MIN_SEEN_SHARE,
    **params: Any,
) -> CleanedArrays:
    """`clean_motion`'s work: cleaned positions, the filled mask and the processing step."""
    if interpolation not in ("linear", "cubic"):
        raise CleaningError(f"interpolation must be 'linear' or 'cubic', not {interpolation!r}")
    if max_gap_s < 0:
        raise CleaningError(f"max_gap_s must be >= 0, got {max_gap_s}")
    smoother_params = _smoother_params(smoother, dict(params))
    t = motion.timestamps
    positions = np.array(motion.positions, copy=True)
    glimpses = _drop_glimpses(positions, t, max_gap_s, min_seen_share)
    filled = np.zeros(motion.confidence.shape, dtype=bool) if motion.filled is None else motion.filled.copy()
    tolerance = 1e-6 + 0.01 * _sample_period(t)
    n_t, n_s = motion.n_frames, len(motion.space)
    for i, keys in _groups_sharing_gaps(positions):
        block = positions[:, i, keys].reshape(n_t, -1)
        gaps = gaps_in_mask(np.isnan(block[:, 0]), t)
        short = [g for g in gaps if g.interior and g.duration_s <= max_gap_s + tolerance]
        if short:
            positions[:, i, keys] = interpolate_gaps(block, t, short, interpolation).reshape(
                n_t, len(keys), n_s
            )
            for g in short:
                filled[g.start_index : g.stop_index, i, keys] = True
    positions = _smooth_positions(positions, t, smoother, smoother_params)
    long_gaps = {}
    for i, individual in enumerate(motion.individuals):
        gaps = [g for g in _individual_gaps(positions[:, i], t) if g.duration_s > max_gap_s + tolerance]
        long_gaps[individual] = {
            "count": len(gaps),
            "total_s": round(float(sum(g.duration_s for g in gaps)), 4),
            "gaps": [g.to_dict() for g in gaps[:MAX_GAPS_RECORDED_PER_INDIVIDUAL]],
        }
    step = {
        "step": "clean",
        "max_gap_s": float(max_gap_s),
        "interpolation": interpolation,
        "smoother": smoother,
        "smoother_params": smoother_params,
        "filled_samples": int(filled.sum() - (0 if motion.filled is None else motion.filled.sum())),
        "long_gaps": long_gaps,
        "min_seen_share": float(min_seen_share),
        "glimpse_frames_dropped": {motion.individuals[i]: n for i, n in glimpses.items()},
    }
    return CleanedArrays(positions, filled, step)

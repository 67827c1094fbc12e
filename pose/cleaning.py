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

import functools
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
# The smoothing kernel reaches this many time scales either side (weight 0.03 %), as local fits do.
KERNEL_REACH = 4.0

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


def _kernel_time_scale_s(window_s: float, period: float, polyorder: int) -> float:
    """The Gaussian time scale whose local polynomial of degree `polyorder` leaves as much white jitter as
    a Savitzky-Golay fit over `window_s` seconds does, both in continuous time (the noise left scales with
    1 / width for both, so the ratio is a constant of the degree: 3 / (8 sqrt(pi)) of the window for
    degree 2, 0.063 s for 0.3 s). The window is widened where frames are so sparse that it would hold
    fewer than polyorder + 2 of them (a fit through polyorder + 1 samples passes through them)."""
    return max(window_s, (polyorder + 2) * period) * _kernel_per_window(polyorder)


@functools.lru_cache(maxsize=8)
def _kernel_per_window(polyorder: int) -> float:
    """Gaussian time scale per Savitzky-Golay window of equal noise gain for `polyorder`, from the two
    fits' weights at the centre on a fine grid (sum of squared weights / spacing: the noise gain x width)."""

    def centre_energy(u: np.ndarray, weight: np.ndarray) -> float:
        design = u[:, None] ** np.arange(polyorder + 1)
        weighted = design * weight[:, None]
        taps = weighted @ np.linalg.solve(weighted.T @ design, np.eye(polyorder + 1)[:, 0])
        return float(np.sum(taps**2) / (u[1] - u[0]))

    box = np.linspace(-0.5, 0.5, 4001)  # in windows
    gauss = np.linspace(-KERNEL_REACH, KERNEL_REACH, 8001)  # in time scales
    return centre_energy(gauss, np.exp(-0.5 * gauss**2)) / centre_energy(box, np.ones(box.size))


def _savgol_runs(track: np.ndarray, tau: float, polyorder: int, t: np.ndarray) -> np.ndarray:
    """The local polynomial smoother (`_local_polynomial_smooth`) per contiguous observed run of a (T, C)
    array whose columns share their gaps; a gap is never bridged. A run too short for the polynomial (an
    odd number of its samples, at most polyorder + 1) is kept as observed."""
    out = track.copy()
    for a, b in mask_runs(~np.isnan(track).any(axis=1)):
        length = b - a
        if (length if length % 2 == 1 else length - 1) <= polyorder + 1:
            continue  # too short to smooth; keep as observed
        out[a:b] = _local_polynomial_smooth(track[a:b], t[a:b], tau, polyorder)
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


def _local_polynomial_smooth(values: np.ndarray, t: np.ndarray, tau: float, polyorder: int) -> np.ndarray:
    """Savitzky-Golay in continuous time on a gap-free (T, C) run of at least polyorder + 2 samples: at
    each sample, the polynomial of degree `polyorder` fitted by least squares to the samples around it,
    weighted by a Gaussian of `tau` seconds and by the time each sample stands for (`time_cells`),
    evaluated there. A box window of whole frames spans a different time at each frame rate (0.3 s was
    +-0.133 / 0.120 / 0.133 / 0.150 s at 15 / 25 / 30 / 60 fps); a smooth kernel in seconds passes a
    3-Hz wave alike within 0.5 % at all four, and a dropped frame leaves no dip. Near a run's ends the
    kernel is cut by the run (at least polyorder + 2 samples take part), as a local fit is."""
    lo = np.searchsorted(t, t - KERNEL_REACH * tau, side="left")
    hi = np.searchsorted(t, t + KERNEL_REACH * tau, side="right")
    need = polyorder + 2
    lo = np.clip(np.minimum(lo, hi - need), 0, max(t.size - need, 0))
    hi = np.minimum(np.maximum(hi, lo + need), t.size)
    index = lo[:, None] + np.arange(int(np.max(hi - lo)))
    inside = index < hi[:, None]
    index = np.minimum(index, t.size - 1)
    u = (t[index] - t[:, None]) / tau  # in time scales, so the normal equations stay well conditioned
    weight = np.exp(-0.5 * u**2) * inside * time_cells(t)[index]
    design = np.empty(u.shape + (polyorder + 1,))
    design[..., 0] = 1.0
    for power in range(1, polyorder + 1):  # products, not **
        design[..., power] = design[..., power - 1] * u
    weighted = design * weight[..., None]
    normal = np.matmul(weighted.transpose(0, 2, 1), design)
    unit = np.broadcast_to(np.eye(polyorder + 1)[:, :1], normal.shape[:1] + (polyorder + 1, 1))
    taps = np.matmul(weighted, np.linalg.solve(normal, unit))[..., 0]  # (T, width): the fit's sample weights
    out = np.zeros(values.shape)
    for k in range(taps.shape[1]):  # one (T, C) product per tap: no (T, width, C) copy of the samples
        out += taps[:, k, None] * values[index[:, k]]
    return out


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
    tau = _kernel_time_scale_s(params["window_s"], _sample_period(t), params["polyorder"])
    out = positions  # smoothed in place: the caller passes its own copy
    for i, keys in _groups_sharing_gaps(positions):
        block = positions[:, i, keys].reshape(n_t, -1)
        out[:, i, keys] = _savgol_runs(block, tau, params["polyorder"], t).reshape(n_t, len(keys), n_s)
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

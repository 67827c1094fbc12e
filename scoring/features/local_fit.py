"""Position and velocity on a fixed time scale, and the tracking jitter of a recording: pure numpy.

Speeds measured per frame grow with the frame rate, because tracking jitter adds a little distance at
every frame. Here each sample's position and velocity come from a straight line fitted, in continuous
time, to the samples around it weighted by a Gaussian of fixed width in SECONDS (local-linear
regression). The same motion then gives the same curve at 15, 25 or 60 fps; only the noise left in it
shrinks as frames are added, and that noise is known: the fit is linear in the samples, so white
jitter of standard deviation sigma leaves `velocity_gain * sigma` in each velocity component.
The fitted curve lives in continuous time: `local_derivative_on_clock` reads it at the times of any clock
(a measure's fine common clock) instead of at the frames, so nothing is interpolated between frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from skillsight.pose.cleaning import mask_runs, time_cells

# The fit reaches this many time scales on either side (the Gaussian weight there is 0.03 %). At 3 (1 %)
# which samples fell inside the cut depended on the frame rate, and three fits in a row (mean jerk) read
# the same smooth curve 2.4 % lower at 20 fps than at 25 (1.7 % at 30): the real clips' 5-6 % at 20 fps
# was half that; now under 0.1 %.
KERNEL_REACH = 4.0
# Third differences of white noise have variance 20 sigma^2 (1 + 9 + 9 + 1).
THIRD_DIFFERENCE_VARIANCE = 20.0
MAD_TO_SD = 1.4826


@dataclass(frozen=True)
class LocalFit:
    """Per sample of a (T, D) track: the fitted position and velocity (NaN where not observed) and
    the velocity's noise gain (standard deviation per axis per unit of white position jitter)."""

    position: np.ndarray
    velocity: np.ndarray
    velocity_gain: np.ndarray


def local_linear_fit(values: np.ndarray, timestamps: np.ndarray, time_scale_s: float) -> LocalFit:
    """Local-linear fit of a (T, D) track with a Gaussian kernel of `time_scale_s` seconds, run by
    run: a gap (NaN row) is never bridged. A run of one sample keeps its position, without velocity."""
    values = np.asarray(values, dtype=np.float64)
    t = np.asarray(timestamps, dtype=np.float64)
    position = np.full(values.shape, np.nan)
    velocity = np.full(values.shape, np.nan)
    gain = np.full(values.shape[0], np.nan)
    for a, b in mask_runs(np.isfinite(values).all(axis=1)):
        if b - a == 1:
            position[a] = values[a]
            continue
        position[a:b], velocity[a:b], gain[a:b] = _fit_run(values[a:b], t[a:b], time_scale_s)
    return LocalFit(position, velocity, gain)


def _fit_run(x: np.ndarray, t: np.ndarray, tau: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fitted positions, velocities and velocity gains of one gap-free run (at least two samples)."""
    reach = KERNEL_REACH * tau
    lo = np.searchsorted(t, t - reach, side="left")
    hi = np.searchsorted(t, t + reach, side="right")
    # The two samples nearest each end always take part, so a run shorter than the kernel still fits.
    lo, hi = np.minimum(lo, t.size - 2), np.maximum(hi, 2)
    width = int(np.max(hi - lo))
    index = lo[:, None] + np.arange(width)
    inside = index < hi[:, None]
    index = np.minimum(index, t.size - 1)
    u = t[index] - t[:, None]
    w = np.exp(-0.5 * (u / tau) ** 2) * inside * time_cells(t)[index]
    s0, s1, s2 = w.sum(axis=1), (w * u).sum(axis=1), (w * u * u).sum(axis=1)
    det = s0 * s2 - s1 * s1
    det = np.where(det > 0, det, np.nan)
    slope_weights = w * (s0[:, None] * u - s1[:, None]) / det[:, None]
    level_weights = w * (s2[:, None] - s1[:, None] * u) / det[:, None]
    samples = x[index]  # (T, width, D)
    position = np.einsum("tk,tkd->td", level_weights, samples)
    velocity = np.einsum("tk,tkd->td", slope_weights, samples)
    return position, velocity, np.sqrt(np.sum(slope_weights**2, axis=1))


def estimate_jitter(values: np.ndarray) -> float:
    """Standard deviation of the white tracking jitter in a (T, D) track, per axis, in its units.

    From the third differences of consecutive observed samples, which cancel any motion of constant
    acceleration, leaving jitter (and the rarer jerky motion, which the median ignores). Taken over
    samples, not seconds, because jitter is added once per frame whatever the frame rate. NaN when
    fewer than four consecutive samples are observed anywhere."""
    values = np.asarray(values, dtype=np.float64)
    pieces = []
    for a, b in mask_runs(np.isfinite(values).all(axis=1)):
        run = values[a:b]
        # A frame identical to the one before is a repeat (a held or padded frame), not a measurement:
        # its zero differences would pass for a steadier tracker.
        run = run[np.r_[True, np.any(np.diff(run, axis=0) != 0, axis=1)]]
        if run.shape[0] >= 4:
            pieces.append(np.diff(run, n=3, axis=0).ravel())
    if not pieces:
        return float("nan")
    differences = np.abs(np.concatenate(pieces))
    return float(MAD_TO_SD * np.median(differences) / np.sqrt(THIRD_DIFFERENCE_VARIANCE))


def local_derivatives(
    values: np.ndarray, timestamps: np.ndarray, time_scale_s: float, order: int
) -> np.ndarray:
    """(T, D) `order`-th time derivative of a (T, D) track from a local polynomial fit of degree
    `order` + 2 with a Gaussian kernel of `time_scale_s` seconds, run by run (NaN in runs of at most
    `order` + 2 samples). Unlike repeated finite differences, whose stencil spans frames, it measures
    the same curve at any frame rate; the degree makes the jerk of a minimum-jerk (quintic) movement
    exact, which a lower degree would blur into the kernel."""
    values = np.asarray(values, dtype=np.float64)
    t = np.asarray(timestamps, dtype=np.float64)
    out = np.full(values.shape, np.nan)
    for a, b in mask_runs(np.isfinite(values).all(axis=1)):
        if b - a > order + 2:
            out[a:b] = _polynomial_run(values[a:b], t[a:b], time_scale_s, order)
    return out


# Samples x window cells fitted at once by `_polynomial_run` (its design array holds degree + 1 values
# per cell, ~100 MB at this size): a scale tied to a slow hand's own time scale (path_smoothness) widens
# the window to hundreds of samples at 60 fps.
POLYNOMIAL_BLOCK_CELLS = 2**21


def _polynomial_run(x: np.ndarray, t: np.ndarray, tau: float, order: int) -> np.ndarray:
    """The `order`-th derivative of one gap-free run of more than `order` + 2 samples."""
    degree = order + 2
    lo, hi = _kernel_windows(t, t, KERNEL_REACH * tau, degree + 1)
    out = np.empty(x.shape)
    block = max(1, POLYNOMIAL_BLOCK_CELLS // int(np.max(hi - lo)))
    for start in range(0, t.size, block):
        rows = slice(start, min(start + block, t.size))
        index, inside = _window_rows(lo, hi, rows, t.size)
        u = (t[index] - t[rows, None]) / tau  # in time scales, so the normal equations stay well conditioned
        w = np.exp(-0.5 * u**2) * inside
        design = u[..., None] ** np.arange(degree + 1)  # (rows, width, degree + 1)
        normal = np.einsum("tk,tki,tkj->tij", w, design, design)
        right = np.einsum("tk,tki,tkd->tid", w, design, x[index])
        coefficients = np.linalg.solve(normal, right)  # (rows, degree + 1, D), in powers of u
        out[rows] = coefficients[:, order] * math.factorial(order) / tau**order
    return out


def _kernel_windows(
    t: np.ndarray, centres: np.ndarray, reach: float, need: int
) -> tuple[np.ndarray, np.ndarray]:
    """[lo, hi) sample ranges within `reach` of each centre, widened to at least `need` samples so the
    fit is determined near the ends and at low frame rates."""
    lo = np.searchsorted(t, centres - reach, side="left")
    hi = np.searchsorted(t, centres + reach, side="right")
    lo = np.clip(np.minimum(lo, hi - need), 0, max(t.size - need, 0))
    return lo, np.minimum(np.maximum(hi, lo + need), t.size)


def _window_rows(lo: np.ndarray, hi: np.ndarray, rows: slice, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The sample indices of the windows of `rows`, padded to one width, and which of them are inside."""
    index = lo[rows, None] + np.arange(int(np.max(hi[rows] - lo[rows])))
    inside = index < hi[rows, None]
    return np.minimum(index, size - 1), inside


@dataclass(frozen=True)
class ClockFit:
    """A track's local polynomial fit evaluated at the times of a clock: (Q, D) `order`-th derivative
    and its (Q,) noise gain (standard deviation per axis per unit of white position jitter)."""

    derivative: np.ndarray
    gain: np.ndarray


def local_derivative_on_clock(
    values: np.ndarray,
    timestamps: np.ndarray,
    clock: np.ndarray,
    time_scale_s: float,
    order: int,
    degree: int,
) -> ClockFit:
    """The `order`-th derivative of a gap-free (T, D) track at the (Q,) times `clock` (inside the
    track's span), from a local polynomial of `degree` fitted with a Gaussian kernel of `time_scale_s`
    around each clock time, its samples weighed by the time each stands for (`time_cells`). The fit is
    a curve in continuous time: read where the clock is, not at the frames and interpolated between
    them, it does not depend on where a camera's frames happen to fall."""
    x = np.asarray(values, dtype=np.float64)
    t = np.asarray(timestamps, dtype=np.float64)
    q = np.asarray(clock, dtype=np.float64)
    need = degree + 1
    lo, hi = _kernel_windows(t, q, KERNEL_REACH * time_scale_s, need)
    cells = time_cells(t)
    out = np.full((q.size, x.shape[1]), np.nan)
    gain = np.full(q.size, np.nan)
    if t.size < need or q.size == 0:
        return ClockFit(out, gain)
    block = max(1, POLYNOMIAL_BLOCK_CELLS // (2 * int(np.max(hi - lo))))  # the design and its weighted copy
    for start in range(0, q.size, block):
        rows = slice(start, min(start + block, q.size))
        index, inside = _window_rows(lo, hi, rows, t.size)
        u = (t[index] - q[rows, None]) / time_scale_s
        w = np.exp(-0.5 * u**2) * inside * cells[index]
        design = np.empty(u.shape + (degree + 1,))
        design[..., 0] = 1.0
        for power in range(1, degree + 1):  # products, not **: the powers were most of the cost
            design[..., power] = design[..., power - 1] * u
        weighted = design * w[..., None]
        normal = np.matmul(weighted.transpose(0, 2, 1), design)
        # The row of the inverse normal matrix that gives the `order`-th coefficient, times the design:
        # the fit's weights on the samples, which give both the derivative and its noise gain.
        unit = np.broadcast_to(np.eye(degree + 1)[:, order : order + 1], normal.shape[:1] + (degree + 1, 1))
        pick = np.linalg.solve(normal, unit)[..., 0]
        weights = np.matmul(weighted, pick[..., None])[..., 0] * (math.factorial(order) / time_scale_s**order)
        out[rows] = np.matmul(weights[:, None, :], x[index])[:, 0]
        gain[rows] = np.sqrt(np.sum(weights**2, axis=1))
    return ClockFit(out, gain)

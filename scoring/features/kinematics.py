"""Per-hand kinematics: which point to follow, speed, path, movements, pauses, working area.

Every function is a pure function of a Motion. Distances are in the motion's units (hand sizes for
video after `prepare_motion`, metres for lab kinematics and motion capture); thresholds are given in
hand sizes and seconds and converted with `hand_size_in_units`, so the same procedure works for
every source.

Hand speed has ONE definition here (`hand_speed`), which the reference, the plots and every metric
use: the velocity of a local-linear fit on a fixed time scale (`local_fit`), less the tracking noise
estimated from the recording itself, so it does not change with the frame rate or the jitter.
Pauses (`pause_mask`, `pause_intervals`) are judged on it; runs of any mask are found by
`pose.cleaning.mask_runs`.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from skillsight.pose.cleaning import mask_runs
from skillsight.pose.motion import BODY, KIND_VIDEO_2D, Motion
from skillsight.pose.scale import hand_size_in_units
from skillsight.scoring.features.area import convex_hull_area
from skillsight.scoring.features.local_fit import LocalFit, estimate_jitter, local_linear_fit
from skillsight.scoring.features.peaks import find_peaks, peak_prominences

# In order of preference: glove/auto trackers' centroid, lab tool tips, then landmarks of the palm.
REFERENCE_KEYPOINTS = ("centroid", "tool_tip", "palm", "middle_finger_mcp", "wrist", "hand", "tip")

# Defaults in hand sizes and seconds; a procedure's `extra` may override them by the same names.
IDLE_SPEED_HAND_SIZES_PER_S = 0.3
MIN_PAUSE_S = 0.5
PEAK_SPEED_PERCENTILE = 99.0
PEAK_WINDOW_S = 0.3  # peak speed is the speed sustained over this long
TIME_GRID_S = 0.01  # percentiles over time are read on a clock this fine, whatever the frame rate
MOVEMENT_PROMINENCE_SHARE = 0.5  # of the idle speed: how deep the dip between two movements must be
SPEED_TIME_SCALE_S = 0.1  # sd of the Gaussian time window every speed is measured over
# Speeds within this many noise standard deviations (per axis) of zero are taken as still.
NOISE_MARGIN = 2.0
# prepare_motion records each hand's jitter (measured before smoothing) here, in the motion's units.
JITTER_METADATA_KEY = "tracking_jitter"
ACTIVITY_RAMP = 0.5  # activity rises from 0.5 to 1.5 times the idle speed (see `activity`)


@dataclass(frozen=True)
class KinematicThresholds:
    idle_speed: float  # in motion units per second
    min_pause_s: float
    movement_prominence: float  # in motion units per second


def thresholds_for(motion: Motion, extra: Optional[dict] = None) -> KinematicThresholds:
    """Idle speed and pause length for this motion's units (hand-size defaults, procedure overrides)."""
    extra = dict(extra or {})
    hand = hand_size_in_units(motion)
    idle = float(extra.get("idle_speed_hand_sizes_per_s", IDLE_SPEED_HAND_SIZES_PER_S)) * hand
    return KinematicThresholds(
        idle_speed=idle,
        min_pause_s=float(extra.get("min_pause_s", MIN_PAUSE_S)),
        movement_prominence=MOVEMENT_PROMINENCE_SHARE * idle,
    )


def spatial_axes(motion: Motion) -> list[int]:
    """Axes for distances: x and y for 2-D video (MediaPipe's z is a relative depth), all for 3-D."""
    if motion.kind == KIND_VIDEO_2D:
        axes = [i for i, name in enumerate(motion.space) if name in ("x", "y")]
        return axes or list(range(len(motion.space)))
    return list(range(len(motion.space)))


def hand_reference_keypoint(motion: Motion, hand: str) -> Optional[str]:
    """The point that stands for the whole hand: centroid, tool tip, or a palm landmark, as available."""
    if hand not in motion.individuals:
        return None
    # Positions, not confidence: cleaning may fill positions at zero confidence.
    return next(
        (k for k in REFERENCE_KEYPOINTS if k in motion.keypoints and motion.observed(hand, k).any()), None
    )


def hand_track(motion: Motion, hand: str, keypoint: Optional[str] = None) -> Optional[np.ndarray]:
    """(T, D) positions of the hand's reference point on the spatial axes, or None if never seen.

    Without a keypoint of its own (e.g. hand landmarks lost on a gloved hand holding a laryngoscope),
    the body pose's wrist on that side stands in for the hand."""
    if keypoint is None:
        keypoint = hand_reference_keypoint(motion, hand)
        if keypoint is None:
            return _body_wrist_track(motion, hand)
    if hand not in motion.individuals or keypoint not in motion.keypoints:
        return None
    track = motion.track(hand, keypoint)[:, spatial_axes(motion)]
    return track if not np.isnan(track).all() else None


def _body_wrist_track(motion: Motion, hand: str) -> Optional[np.ndarray]:
    side = hand.split("_")[0]
    if BODY not in motion.individuals or side not in ("left", "right"):
        return None
    for keypoint in (f"{side}_wrist", f"{side}_index"):
        if keypoint in motion.keypoints and motion.observed(BODY, keypoint).any():
            return motion.track(BODY, keypoint)[:, spatial_axes(motion)]
    return None


@dataclass(frozen=True)
class HandMotion:
    """A hand's reference point on the fixed time scale: (T, D) fitted positions and velocities, the
    (T,) speed less its noise (units/s) and the (T,) noise standard deviation of each velocity
    component (units/s). NaN where the hand is not observed."""

    position: np.ndarray
    velocity: np.ndarray
    speed: np.ndarray
    speed_noise: np.ndarray


def hand_jitter(motion: Motion, hand: str, keypoint: Optional[str] = None) -> float:
    """Standard deviation of the tracking jitter of the hand's reference point (motion units): as
    `prepare_motion` measured it before smoothing, else measured on the positions as they are."""
    recorded = (motion.metadata.get(JITTER_METADATA_KEY) or {}).get(hand)
    if keypoint is None and recorded is not None and np.isfinite(recorded):
        return float(recorded)
    track = hand_track(motion, hand, keypoint)
    return estimate_jitter(track) if track is not None else float("nan")


# motion -> {(hand, keypoint): fit}: a feature set reads each hand's fit some fifteen times, and the fit
# is the costly part. Motions are immutable and compared by identity; entries go with their motion.
_FITS: weakref.WeakKeyDictionary[Motion, dict] = weakref.WeakKeyDictionary()


def hand_motion(motion: Motion, hand: str, keypoint: Optional[str] = None) -> Optional[HandMotion]:
    """The hand's reference point fitted on SPEED_TIME_SCALE_S, with the noise that is left in it.
    Fitted once per motion and hand; the arrays are read-only, as they are shared."""
    fits = _FITS.setdefault(motion, {})
    if (hand, keypoint) not in fits:
        fits[(hand, keypoint)] = _fit_hand(motion, hand, keypoint)
    return fits[(hand, keypoint)]


def _fit_hand(motion: Motion, hand: str, keypoint: Optional[str]) -> Optional[HandMotion]:
    track = hand_track(motion, hand, keypoint)
    if track is None:
        return None
    fit: LocalFit = local_linear_fit(track, motion.timestamps, SPEED_TIME_SCALE_S)
    jitter = hand_jitter(motion, hand, keypoint)
    noise = fit.velocity_gain * (jitter if np.isfinite(jitter) else 0.0)
    fitted = HandMotion(fit.position, fit.velocity, noise_free_speed(fit.velocity, noise), noise)
    for values in (fitted.position, fitted.velocity, fitted.speed, fitted.speed_noise):
        values.setflags(write=False)
    return fitted


def noise_free_speed(velocity: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """(T,) speed with the noise floor taken off: |v|^2 less NOISE_MARGIN^2 times the noise's expected
    |v|^2 (D axes), floored at 0. A still hand reads 0 however jittery its tracking; a moving one
    loses little (a hand moving at 10 times the noise keeps 96 % of its speed)."""
    squared = np.sum(velocity**2, axis=1)
    floor = NOISE_MARGIN**2 * velocity.shape[1] * noise**2
    return np.sqrt(np.maximum(squared - floor, 0.0))


def hand_speed(motion: Motion, hand: str, keypoint: Optional[str] = None) -> Optional[np.ndarray]:
    """(T,) speed of the hand's reference point in units/s (NaN where not observed): THE hand speed
    of every metric, the reference's speed template and the plots."""
    fitted = hand_motion(motion, hand, keypoint)
    return None if fitted is None else fitted.speed


def frame_durations(timestamps: np.ndarray) -> np.ndarray:
    """Seconds each sample stands for (its interval to the next; the last gets the median)."""
    if timestamps.size < 2:
        return np.zeros(timestamps.size)
    dt = np.diff(timestamps)
    return np.append(dt, np.median(dt))


def _time_mean(values: np.ndarray, timestamps: np.ndarray) -> float:
    """Mean of (T,) values over the time they stand for (frames weighted by their duration)."""
    observed = np.isfinite(values)
    durations = frame_durations(timestamps)[observed]
    return float(np.sum(values[observed] * durations) / durations.sum()) if observed.any() else float("nan")


def compute_task_time(motion: Motion, hand: str, keypoint: Optional[str] = None) -> float:
    """Seconds from the hand's first to its last observation (s)."""
    track = hand_track(motion, hand, keypoint)
    if track is None:
        return float("nan")
    seen = np.flatnonzero(np.isfinite(track).all(axis=1))
    return float(
        motion.timestamps[seen[-1]] - motion.timestamps[seen[0]] + frame_durations(motion.timestamps)[-1]
    )


def compute_path_length(motion: Motion, hand: str, keypoint: Optional[str] = None) -> float:
    """Distance travelled by the hand's reference point (units): the time integral of `hand_speed`
    (trapezoids between consecutive observed samples). Jitter adds nothing however many frames carry
    it (the speed is measured on a fixed time scale, less its noise); tremor has its own metric."""
    speed = hand_speed(motion, hand, keypoint)
    if speed is None:
        return float("nan")
    both = np.isfinite(speed[:-1]) & np.isfinite(speed[1:])
    steps = 0.5 * (speed[:-1] + speed[1:]) * np.diff(motion.timestamps)
    return float(np.sum(steps[both]))


def compute_mean_speed(motion: Motion, hand: str, keypoint: Optional[str] = None) -> float:
    """Mean of `hand_speed` over the observed time (units/s)."""
    s = hand_speed(motion, hand, keypoint)
    return _time_mean(s, motion.timestamps) if s is not None else float("nan")


def compute_peak_speed(motion: Motion, hand: str, keypoint: Optional[str] = None) -> float:
    """Peak speed (units/s): the 99th percentile over time of `hand_speed` averaged over PEAK_WINDOW_S
    (distance covered in that window over its length), so neither one tracking glitch nor a few
    frames set it. Read on a fine clock (TIME_GRID_S), so the frame rate does not change which
    moments the percentile sees."""
    s = hand_speed(motion, hand, keypoint)
    t = motion.timestamps
    if s is None or not np.isfinite(s).any() or t.size < 2:
        return float("nan")
    clock = np.arange(t[0] + PEAK_WINDOW_S / 2, t[-1] - PEAK_WINDOW_S / 2 + 1e-9, TIME_GRID_S)
    sustained = sustained_speed(s, t, clock)
    if not np.isfinite(sustained).any():
        return float("nan")
    return float(np.nanpercentile(sustained, PEAK_SPEED_PERCENTILE))


def sustained_speed(
    speed: np.ndarray, timestamps: np.ndarray, at: np.ndarray, window_s: float = PEAK_WINDOW_S
) -> np.ndarray:
    """Mean of `speed` over the `window_s` seconds centred on each time in `at` (exact in time, so
    the same at any frame rate); NaN where the window reaches a sample that is not observed."""
    both = np.isfinite(speed[:-1]) & np.isfinite(speed[1:])
    steps = np.where(both, 0.5 * (speed[:-1] + speed[1:]) * np.diff(timestamps), 0.0)
    covered = np.concatenate(([0.0], np.cumsum(steps)))  # distance up to each sample
    ahead, behind = at + window_s / 2, at - window_s / 2
    mean = (np.interp(ahead, timestamps, covered) - np.interp(behind, timestamps, covered)) / window_s
    # Cumulative count of unobserved samples: any change within the window means a hole in it.
    holes = np.cumsum(~np.isfinite(speed))
    first = np.searchsorted(timestamps, behind, side="left") - 1
    last = np.searchsorted(timestamps, ahead, side="right")
    first, last = np.clip(first, 0, speed.size - 1), np.clip(last, 0, speed.size - 1)
    whole = (holes[last] == holes[first]) & np.isfinite(speed[first])
    return np.where(whole, mean, np.nan)


def _velocity_derivative(
    motion: Motion, hand: str, order: int, keypoint: Optional[str]
) -> Optional[np.ndarray]:
    """(T,) size of the `order`-th time derivative of the fitted velocity (acceleration for 1, jerk
    for 2): each derivative the slope of a local-linear fit on SPEED_TIME_SCALE_S, as the velocity is,
    not a finite difference over frames (whose span, and so the noise it passes, changed with the frame
    rate: mean jerk moved 14 % between 15 and 25 fps on the real clips, now 3.5 %)."""
    fitted = hand_motion(motion, hand, keypoint)
    if fitted is None:
        return None
    values = fitted.velocity
    for _ in range(order):
        values = local_linear_fit(values, motion.timestamps, SPEED_TIME_SCALE_S).velocity
    return np.linalg.norm(values, axis=1)


def compute_mean_acceleration(motion: Motion, hand: str, keypoint: Optional[str] = None) -> float:
    """Mean size of acceleration (units/s^2): the derivative of the fitted velocity."""
    a = _velocity_derivative(motion, hand, 1, keypoint)
    return _time_mean(a, motion.timestamps) if a is not None else float("nan")


def compute_mean_jerk(motion: Motion, hand: str, keypoint: Optional[str] = None) -> float:
    """Mean size of jerk, the derivative of acceleration (units/s^3)."""
    j = _velocity_derivative(motion, hand, 2, keypoint)
    return _time_mean(j, motion.timestamps) if j is not None else float("nan")


def moving_mask(speed: np.ndarray, thresholds: KinematicThresholds, timestamps: np.ndarray) -> np.ndarray:
    """(T,) True where the hand moves: everything observed that is not part of a pause."""
    observed = np.isfinite(speed)
    return observed & ~pause_mask(speed, thresholds, timestamps)


def pause_mask(speed: np.ndarray, thresholds: KinematicThresholds, timestamps: np.ndarray) -> np.ndarray:
    """(T,) True inside pauses: runs below the idle speed lasting at least min_pause_s."""
    slow = np.isfinite(speed) & (speed < thresholds.idle_speed)
    durations = frame_durations(timestamps)
    mask = np.zeros(speed.shape, dtype=bool)
    for a, b in mask_runs(slow):
        if durations[a:b].sum() >= thresholds.min_pause_s - 1e-9:
            mask[a:b] = True
    return mask


def activity(speed: np.ndarray, thresholds: KinematicThresholds, timestamps: np.ndarray) -> np.ndarray:
    """(T,) how much each sample counts as moving, 0 (paused) to 1 (moving); NaN where not observed.

    Graded, not a hard cut at the idle speed: the weight rises linearly from (1 - ACTIVITY_RAMP) to
    (1 + ACTIVITY_RAMP) times the idle speed, so a hand hovering near the threshold, where tracking
    noise decides which side a sample falls, moves active time and idle share a little, not by whole
    pauses. Dips shorter than min_pause_s are first filled (a morphological closing of the speed), so
    the slowing between two movements is not a pause, as with `pause_mask`."""
    observed = np.isfinite(speed)
    dt = float(np.median(np.diff(timestamps))) if timestamps.size > 1 else 1.0
    # Samples within min_pause_s / 2 on either side: the window spans the same seconds at any rate.
    half = int(np.floor(thresholds.min_pause_s / 2.0 / dt + 1e-9)) if dt > 0 else 0
    closed = _closing(np.where(observed, speed, np.nan), 2 * half + 1)
    return np.where(observed, _ramp(closed, thresholds.idle_speed), np.nan)


def _closing(values: np.ndarray, width: int) -> np.ndarray:
    """Grey closing (running max, then running min, over `width` samples, made odd so the window is
    centred): valleys narrower than `width` are filled, everything else is left as it was. NaN samples
    neither fill nor get filled."""
    width += 1 - width % 2
    if width <= 1 or values.size == 0:
        return values.copy()
    missing = np.isnan(values)
    dilated = _running(np.where(missing, -np.inf, values), width, np.max)
    closed = _running(np.where(missing, np.inf, dilated), width, np.min)
    return np.where(missing, np.nan, closed)


def _running(values: np.ndarray, width: int, reduce: Callable) -> np.ndarray:
    """Reduce over a centred window of `width` (odd) samples; the ends see fewer samples."""
    fill = -np.inf if reduce is np.max else np.inf
    half = width // 2
    padded = np.concatenate([np.full(half, fill), values, np.full(half, fill)])
    return reduce(sliding_window_view(padded, width), axis=1)


def pauses(
    speed: np.ndarray, thresholds: KinematicThresholds, timestamps: np.ndarray
) -> list[tuple[int, int]]:
    """[start, stop) frame ranges of the pauses."""
    return mask_runs(pause_mask(speed, thresholds, timestamps))


def pause_intervals(motion: Motion, hand: str, thresholds: KinematicThresholds) -> list[tuple[float, float]]:
    """(start_s, end_s) of the hand's pauses, each sample standing for its frame's duration: the
    pauses `compute_pause_count` counts, as a timeline shows them."""
    speed = hand_speed(motion, hand)
    if speed is None:
        return []
    t, durations = motion.timestamps, frame_durations(motion.timestamps)
    return [(float(t[a]), float(t[b - 1] + durations[b - 1])) for a, b in pauses(speed, thresholds, t)]


def compute_idle_share(motion: Motion, hand: str, thresholds: KinematicThresholds) -> float:
    """Share of the observed time spent paused (0-1), each sample weighted by how still it is
    (`activity`)."""
    s = hand_speed(motion, hand)
    if s is None or not np.isfinite(s).any():
        return float("nan")
    durations = frame_durations(motion.timestamps)
    weight = activity(s, thresholds, motion.timestamps)
    observed = np.isfinite(weight)
    return float(np.sum(durations[observed] * (1.0 - weight[observed])) / durations[observed].sum())


def compute_pause_count(motion: Motion, hand: str, thresholds: KinematicThresholds) -> float:
    """Number of pauses: runs below the idle speed of at least min_pause_s (count)."""
    s = hand_speed(motion, hand)
    if s is None or not np.isfinite(s).any():
        return float("nan")
    return float(len(pauses(s, thresholds, motion.timestamps)))


def compute_active_time(motion: Motion, hand: str, thresholds: KinematicThresholds) -> float:
    """Observed time spent moving (s), each sample weighted by how clearly it moves (`activity`)."""
    s = hand_speed(motion, hand)
    if s is None or not np.isfinite(s).any():
        return float("nan")
    weight = activity(s, thresholds, motion.timestamps)
    observed = np.isfinite(weight)
    return float(np.sum(frame_durations(motion.timestamps)[observed] * weight[observed]))


def _speed_levels(speed: np.ndarray, idle_speed: float) -> np.ndarray:
    """The speed padded with rest at both ends (so a hand moving at constant speed throughout makes
    one peak) and quantised far below any meaningful speed (so rounding ripples on a plateau make
    one flat peak); NaN counts as rest."""
    step = 1e-6 * idle_speed if idle_speed > 0 else 1e-12
    level = np.round(np.nan_to_num(speed, nan=0.0) / step) * step
    return np.concatenate(([0.0], level, [0.0]))


def movement_peaks(speed: np.ndarray, thresholds: KinematicThresholds) -> np.ndarray:
    """Frame indices of movements, ICSAD-style: speed peaks above the idle speed with a clear dip
    between them."""
    padded = _speed_levels(speed, thresholds.idle_speed)
    return find_peaks(padded, height=thresholds.idle_speed, prominence=thresholds.movement_prominence) - 1


def compute_movement_count(motion: Motion, hand: str, thresholds: KinematicThresholds) -> float:
    """Number of movements: peaks of `hand_speed` above the idle speed with a clear dip between them
    (count). Graded like `activity`: a peak whose height (or dip) lies within ACTIVITY_RAMP of its
    threshold counts in part, so a movement that barely reaches the idle speed, where tracking noise
    decides, moves the count by a fraction, not by one."""
    s = hand_speed(motion, hand)
    if s is None or not np.isfinite(s).any():
        return float("nan")
    padded = _speed_levels(s, thresholds.idle_speed)
    lowest = 1 - ACTIVITY_RAMP
    peaks = find_peaks(
        padded,
        height=lowest * thresholds.idle_speed,
        prominence=lowest * thresholds.movement_prominence,
    )
    heights = _ramp(padded[peaks], thresholds.idle_speed)
    dips = _ramp(peak_prominences(padded, peaks), thresholds.movement_prominence)
    return float(np.sum(heights * dips))


def _ramp(values: np.ndarray, threshold: float) -> np.ndarray:
    """0 below (1 - ACTIVITY_RAMP) * threshold, 1 above (1 + ACTIVITY_RAMP) * threshold, linear between."""
    low, high = (1 - ACTIVITY_RAMP) * threshold, (1 + ACTIVITY_RAMP) * threshold
    return np.clip((values - low) / max(high - low, 1e-12), 0.0, 1.0)


def movement_segments(
    speed: np.ndarray, thresholds: KinematicThresholds, timestamps: np.ndarray
) -> list[tuple[int, int]]:
    """[start, stop) ranges of movement units from rest to rest: the stretches between pauses that
    reach the idle speed, widened on each side to where the speed stops falling (`_widened`).
    Corrections made without pausing stay in the unit they correct, as smoothness measures need (a
    reach plus two corrections is less smooth than one reach)."""
    active = moving_mask(speed, thresholds, timestamps)
    runs = [(a, b) for a, b in mask_runs(active) if np.nanmax(speed[a:b]) >= thresholds.idle_speed]
    return _widened(runs, speed, thresholds)


def fast_segments(speed: np.ndarray, thresholds: KinematicThresholds) -> list[tuple[int, int]]:
    """[start, stop) ranges where the speed stays above the idle speed, widened on each side to where
    the speed stops falling (`_widened`): single bell-shaped movements as the speed profile shows them."""
    fast = np.isfinite(speed) & (speed >= thresholds.idle_speed)
    return _widened(mask_runs(fast), speed, thresholds)


def _widened(
    runs: Iterable[tuple[int, int]], speed: np.ndarray, thresholds: KinematicThresholds
) -> list[tuple[int, int]]:
    """Each [start, stop) run widened on both sides while the speed keeps falling and stays above
    the lower end of the activity ramp (below it the hand counts as still, and the fit's time window
    would otherwise add its own gentle tails); runs that then overlap are merged."""
    rest = (1 - ACTIVITY_RAMP) * thresholds.idle_speed
    moving = np.isfinite(speed) & (speed >= rest)
    segments: list[tuple[int, int]] = []
    for a, b in runs:
        while a > 0 and moving[a - 1] and speed[a - 1] < speed[a]:
            a -= 1
        while b < speed.size and moving[b] and speed[b] < speed[b - 1]:
            b += 1
        if segments and a < segments[-1][1]:
            segments[-1] = (segments[-1][0], b)
        else:
            segments.append((a, b))
    return segments


def compute_working_area(motion: Motion, hand: str, keypoint: Optional[str] = None) -> float:
    """Area of the convex hull of the hand's fitted path (units^2), so jitter does not widen it; 3-D
    paths are projected on their main plane."""
    fitted = hand_motion(motion, hand, keypoint)
    if fitted is None:
        return float("nan")
    points = fitted.position[np.isfinite(fitted.position).all(axis=1)]
    if points.shape[1] > 2:
        centred = points - points.mean(axis=0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        points = centred @ vt[:2].T
    return convex_hull_area(points)


def compute_out_of_view_share(motion: Motion, hand: str) -> float:
    """Share of frames (0-1) where the hand was not tracked (missing or only filled in by cleaning)."""
    keypoint = hand_reference_keypoint(motion, hand)
    if keypoint is None or motion.n_frames == 0:
        return 1.0
    seen = motion.observed(hand, keypoint)
    if motion.filled is not None:
        seen = seen & ~motion.filled[:, motion.individual_index(hand), motion.keypoint_index(keypoint)]
    return float(1.0 - seen.mean())

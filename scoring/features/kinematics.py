"""Per-hand kinematics: which point to follow, speed, path, movements, pauses, working area.

Every function is a pure function of a Motion. Distances are in the motion's units (hand sizes for
video after `prepare_motion`, metres for lab kinematics and motion capture); thresholds are given in
hand sizes and converted with `hand_size_in_units`, so the same procedure works for every source.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
from skillsight.pose.cleaning import observed_runs
from skillsight.pose.motion import BODY, KIND_VIDEO_2D, Motion
from skillsight.pose.scale import hand_size_in_units
from skillsight.scoring.features.peaks import find_peaks

# In order of preference: glove/auto trackers' centroid, lab tool tips, then landmarks of the palm.
REFERENCE_KEYPOINTS = ("centroid", "tool_tip", "palm", "middle_finger_mcp", "wrist", "hand", "tip")

# Defaults in hand sizes and seconds; a procedure's `extra` may override them by the same names.
IDLE_SPEED_HAND_SIZES_PER_S = 0.3
MIN_PAUSE_S = 0.5
PEAK_SPEED_PERCENTILE = 99.0
MOVEMENT_PROMINENCE_SHARE = 0.5  # of the idle speed: how deep the dip between two movements must be
PATH_STEP_S = 0.1  # path length is summed over steps this long
STILLNESS_WINDOW_S = 0.3  # pauses are judged on the net displacement over this window
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


def derivative(values: np.ndarray, timestamps: np.ndarray) -> np.ndarray:
    """Time derivative along axis 0 (central differences on the real timestamps); NaN where a
    neighbouring sample is missing, so derivatives never bridge a gap."""
    if values.shape[0] < 2:
        return np.full(values.shape, np.nan)
    return np.gradient(values, timestamps, axis=0)


def velocity(motion: Motion, hand: str, keypoint: Optional[str] = None) -> Optional[np.ndarray]:
    track = hand_track(motion, hand, keypoint)
    return None if track is None else derivative(track, motion.timestamps)


def speed_profile(motion: Motion, hand: str, keypoint: Optional[str] = None) -> Optional[np.ndarray]:
    """(T,) speed of the hand's reference point in units/s; NaN where not observed."""
    v = velocity(motion, hand, keypoint)
    return None if v is None else np.linalg.norm(v, axis=1)


def windowed_speed(motion: Motion, hand: str, window_s: float = STILLNESS_WINDOW_S) -> Optional[np.ndarray]:
    """(T,) net displacement over a centred window divided by its duration (units/s): whether the
    hand is still or moving, robust to tracking jitter (which averages out over the window, where
    instantaneous speed amplifies it). NaN where either end of the window is missing."""
    track = hand_track(motion, hand)
    if track is None or motion.n_frames < 2:
        return None
    n = motion.n_frames
    half = _half_window(motion, window_s)
    index = np.arange(n)
    before, after = np.clip(index - half, 0, n - 1), np.clip(index + half, 0, n - 1)
    elapsed = motion.timestamps[after] - motion.timestamps[before]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.linalg.norm(track[after] - track[before], axis=1) / elapsed


def _frame_durations(timestamps: np.ndarray) -> np.ndarray:
    """Seconds each sample stands for (its interval to the next; the last gets the median)."""
    if timestamps.size < 2:
        return np.zeros(timestamps.size)
    dt = np.diff(timestamps)
    return np.append(dt, np.median(dt))


def compute_task_time(motion: Motion, hand: str, keypoint: Optional[str] = None) -> float:
    """Seconds from the hand's first to its last observation (s)."""
    track = hand_track(motion, hand, keypoint)
    if track is None:
        return float("nan")
    seen = np.flatnonzero(np.isfinite(track).all(axis=1))
    return float(
        motion.timestamps[seen[-1]] - motion.timestamps[seen[0]] + _frame_durations(motion.timestamps)[-1]
    )


def compute_path_length(motion: Motion, hand: str, keypoint: Optional[str] = None) -> float:
    """Distance travelled by the hand's reference point (units): the path of its position averaged
    over the stillness window (as `windowed_speed` judges movement), summed over steps of about
    PATH_STEP_S and averaged over the step phases. Tracking jitter and tremor add little (tremor has
    its own metric); a straight movement keeps its full length, a tight curve traced within a fraction
    of a second is cut a little. Steps touching a missing sample are left out."""
    track = hand_track(motion, hand, keypoint)
    if track is None:
        return float("nan")
    track = _window_mean(track, _half_window(motion))
    n = track.shape[0]
    stride = max(1, int(round(PATH_STEP_S * motion.fps))) if n > 1 else 1
    total = 0.0
    for phase in range(min(stride, n)):
        # Every phase starts at the first sample and ends at the last, so it spans the whole motion.
        index = np.unique(np.r_[0, np.arange(phase, n, stride), n - 1])
        total += float(np.nansum(np.linalg.norm(np.diff(track[index], axis=0), axis=1)))
    return total / min(stride, n)


def _half_window(motion: Motion, window_s: float = STILLNESS_WINDOW_S) -> int:
    return max(1, int(round(window_s * motion.fps / 2.0)))


def _window_mean(track: np.ndarray, half: int) -> np.ndarray:
    """(T, D) mean over a centred window of up to 2*half+1 samples, narrowed symmetrically near the
    ends and near missing samples (so a straight line stays where it is); NaN where missing."""
    n = track.shape[0]
    finite = np.isfinite(track).all(axis=1)
    values = np.where(finite[:, None], track, 0.0)
    sums = np.cumsum(np.vstack([np.zeros((1, track.shape[1])), values]), axis=0)
    index = np.arange(n)
    missing = np.r_[-1, np.flatnonzero(~finite), n]  # the ends count as missing
    after = missing[np.searchsorted(missing, index, side="right")]
    before = missing[np.searchsorted(missing, index, side="left") - 1]
    reach = np.clip(np.minimum(np.minimum(index - before, after - index) - 1, half), 0, None)
    mean = (sums[index + reach + 1] - sums[index - reach]) / (2 * reach + 1)[:, None]
    return np.where(finite[:, None], mean, np.nan)


def compute_mean_speed(motion: Motion, hand: str, keypoint: Optional[str] = None) -> float:
    """Mean speed over observed frames (units/s), from the net displacement over a short window
    (`windowed_speed`), so tracking jitter does not inflate it."""
    s = windowed_speed(motion, hand) if keypoint is None else speed_profile(motion, hand, keypoint)
    return float(np.nanmean(s)) if s is not None and np.isfinite(s).any() else float("nan")


def compute_peak_speed(motion: Motion, hand: str, keypoint: Optional[str] = None) -> float:
    """Peak speed (units/s): the 99th percentile of the windowed speed (net displacement over the
    stillness window), so neither one tracking glitch nor a few frames of jitter set it."""
    s = windowed_speed(motion, hand) if keypoint is None else speed_profile(motion, hand, keypoint)
    return (
        float(np.nanpercentile(s, PEAK_SPEED_PERCENTILE))
        if s is not None and np.isfinite(s).any()
        else float("nan")
    )


def _magnitude_of_derivative(
    motion: Motion, hand: str, order: int, keypoint: Optional[str]
) -> Optional[np.ndarray]:
    track = hand_track(motion, hand, keypoint)
    if track is None:
        return None
    values = track
    for _ in range(order):
        values = derivative(values, motion.timestamps)
    return np.linalg.norm(values, axis=1)


def compute_mean_acceleration(motion: Motion, hand: str, keypoint: Optional[str] = None) -> float:
    """Mean magnitude of acceleration (units/s^2)."""
    a = _magnitude_of_derivative(motion, hand, 2, keypoint)
    return float(np.nanmean(a)) if a is not None and np.isfinite(a).any() else float("nan")


def compute_mean_jerk(motion: Motion, hand: str, keypoint: Optional[str] = None) -> float:
    """Mean magnitude of jerk, the third derivative of position (units/s^3)."""
    j = _magnitude_of_derivative(motion, hand, 3, keypoint)
    return float(np.nanmean(j)) if j is not None and np.isfinite(j).any() else float("nan")


def moving_mask(speed: np.ndarray, thresholds: KinematicThresholds, timestamps: np.ndarray) -> np.ndarray:
    """(T,) True where the hand moves: everything observed that is not part of a pause."""
    observed = np.isfinite(speed)
    return observed & ~pause_mask(speed, thresholds, timestamps)


def pause_mask(speed: np.ndarray, thresholds: KinematicThresholds, timestamps: np.ndarray) -> np.ndarray:
    """(T,) True inside pauses: runs below the idle speed lasting at least min_pause_s."""
    slow = np.isfinite(speed) & (speed < thresholds.idle_speed)
    durations = _frame_durations(timestamps)
    mask = np.zeros(speed.shape, dtype=bool)
    for a, b in observed_runs(slow):
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
    width = int(np.ceil(thresholds.min_pause_s / dt - 1e-9)) if dt > 0 else 1
    closed = _closing(np.where(observed, speed, np.nan), max(width, 1))
    low, high = (1 - ACTIVITY_RAMP) * thresholds.idle_speed, (1 + ACTIVITY_RAMP) * thresholds.idle_speed
    weight = np.clip((closed - low) / max(high - low, 1e-12), 0.0, 1.0)
    return np.where(observed, weight, np.nan)


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
    from numpy.lib.stride_tricks import sliding_window_view

    fill = -np.inf if reduce is np.max else np.inf
    half = width // 2
    padded = np.concatenate([np.full(half, fill), values, np.full(half, fill)])
    return reduce(sliding_window_view(padded, width), axis=1)


def pauses(
    speed: np.ndarray, thresholds: KinematicThresholds, timestamps: np.ndarray
) -> list[tuple[int, int]]:
    """[start, stop) frame ranges of the pauses."""
    return observed_runs(pause_mask(speed, thresholds, timestamps))


def compute_idle_share(motion: Motion, hand: str, thresholds: KinematicThresholds) -> float:
    """Share of the observed time spent paused (0-1), each sample weighted by how still it is
    (`activity`)."""
    s = windowed_speed(motion, hand)
    if s is None or not np.isfinite(s).any():
        return float("nan")
    durations = _frame_durations(motion.timestamps)
    weight = activity(s, thresholds, motion.timestamps)
    observed = np.isfinite(weight)
    return float(np.sum(durations[observed] * (1.0 - weight[observed])) / durations[observed].sum())


def compute_pause_count(motion: Motion, hand: str, thresholds: KinematicThresholds) -> float:
    """Number of pauses: runs below the idle speed of at least min_pause_s (count)."""
    s = windowed_speed(motion, hand)
    if s is None or not np.isfinite(s).any():
        return float("nan")
    return float(len(pauses(s, thresholds, motion.timestamps)))


def compute_active_time(motion: Motion, hand: str, thresholds: KinematicThresholds) -> float:
    """Observed time spent moving (s), each sample weighted by how clearly it moves (`activity`)."""
    s = windowed_speed(motion, hand)
    if s is None or not np.isfinite(s).any():
        return float("nan")
    weight = activity(s, thresholds, motion.timestamps)
    observed = np.isfinite(weight)
    return float(np.sum(_frame_durations(motion.timestamps)[observed] * weight[observed]))


def movement_peaks(
    speed: np.ndarray, thresholds: KinematicThresholds, net_speed: Optional[np.ndarray] = None
) -> np.ndarray:
    """Frame indices of movements, ICSAD-style: speed peaks above the idle speed with a clear dip
    between them. The profile is padded with rest at both ends, so a hand moving at constant speed
    throughout counts as one movement. With `net_speed` (windowed), peaks where the hand is still
    overall (jitter) do not count."""
    # Quantised far below any meaningful speed so rounding ripples on a plateau make one flat peak.
    step = 1e-6 * thresholds.idle_speed if thresholds.idle_speed > 0 else 1e-12
    level = np.round(np.nan_to_num(speed, nan=0.0) / step) * step
    padded = np.concatenate(([0.0], level, [0.0]))
    peaks = find_peaks(padded, height=thresholds.idle_speed, prominence=thresholds.movement_prominence) - 1
    if net_speed is not None:
        peaks = peaks[np.nan_to_num(net_speed[peaks], nan=0.0) >= thresholds.idle_speed]
    return peaks


def compute_movement_count(motion: Motion, hand: str, thresholds: KinematicThresholds) -> float:
    """Number of movements: peaks of the (windowed) speed above the idle speed (count)."""
    # Counted on the windowed speed: tracking jitter makes spurious peaks in the instantaneous one.
    s = windowed_speed(motion, hand)
    if s is None or not np.isfinite(s).any():
        return float("nan")
    return float(len(movement_peaks(s, thresholds)))


def movement_segments(
    speed: np.ndarray,
    thresholds: KinematicThresholds,
    timestamps: np.ndarray,
    net_speed: Optional[np.ndarray] = None,
) -> list[tuple[int, int]]:
    """[start, stop) ranges of movement units from rest to rest: the stretches between pauses (judged
    on `net_speed` when given, else on `speed`) that reach the idle speed, widened on each side to
    where the speed stops falling. Corrections made without pausing stay in the unit they correct,
    as smoothness measures need (a reach plus two corrections is less smooth than one reach)."""
    stillness = net_speed if net_speed is not None else speed
    active = np.isfinite(speed) & ~pause_mask(stillness, thresholds, timestamps)
    runs = [(a, b) for a, b in observed_runs(active) if np.nanmax(speed[a:b]) >= thresholds.idle_speed]
    return _widened_to_speed_minima(runs, speed)


def fast_segments(
    speed: np.ndarray, thresholds: KinematicThresholds, net_speed: Optional[np.ndarray] = None
) -> list[tuple[int, int]]:
    """[start, stop) ranges where the speed stays above the idle speed (and, with `net_speed`, the
    hand is not still overall), widened on each side to where the speed stops falling: single
    bell-shaped movements as the speed profile shows them."""
    fast = np.isfinite(speed) & (speed >= thresholds.idle_speed)
    if net_speed is not None:  # jitter while the hand is still is not a movement
        fast &= np.nan_to_num(net_speed, nan=0.0) >= thresholds.idle_speed
    return _widened_to_speed_minima(observed_runs(fast), speed)


def _widened_to_speed_minima(runs: Iterable[tuple[int, int]], speed: np.ndarray) -> list[tuple[int, int]]:
    """Each [start, stop) run widened on both sides to where the speed stops falling; runs that
    then overlap are merged."""
    segments: list[tuple[int, int]] = []
    for a, b in runs:
        while a > 0 and np.isfinite(speed[a - 1]) and speed[a - 1] < speed[a]:
            a -= 1
        while b < speed.size and np.isfinite(speed[b]) and speed[b] < speed[b - 1]:
            b += 1
        if segments and a < segments[-1][1]:
            segments[-1] = (segments[-1][0], b)
        else:
            segments.append((a, b))
    return segments


def compute_working_area(motion: Motion, hand: str, keypoint: Optional[str] = None) -> float:
    """Area of the convex hull of the hand's path (units^2); 3-D paths are projected on their main plane."""
    track = hand_track(motion, hand, keypoint)
    if track is None:
        return float("nan")
    points = track[np.isfinite(track).all(axis=1)]
    if points.shape[1] > 2:
        centred = points - points.mean(axis=0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        points = centred @ vt[:2].T
    return convex_hull_area(points)


def _cross(o: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    return float((a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]))


def _hull_candidates(points: np.ndarray, bins: int = 1024) -> np.ndarray:
    """The lowest and highest point of each of `bins` narrow x-columns: every hull vertex but those on
    a near-vertical edge is among them, so the hull area changes by far less than 0.1 %."""
    x = points[:, 0]
    span = float(x.max() - x.min())
    if points.shape[0] <= 2 * bins or span == 0:
        return points
    column = np.minimum(((x - x.min()) / span * bins).astype(np.int64), bins - 1)
    order = np.lexsort((points[:, 1], column))
    col_sorted = column[order]
    first = np.flatnonzero(np.r_[True, col_sorted[1:] != col_sorted[:-1]])
    last = np.r_[first[1:] - 1, col_sorted.size - 1]
    ends = np.array([np.argmin(x), np.argmax(x)], dtype=np.int64)
    return points[np.unique(np.concatenate([order[first], order[last], ends]))]


def convex_hull_area(points: np.ndarray) -> float:
    """Area of the convex hull of (N, 2) points (monotone chain, then the shoelace formula)."""
    pts = np.unique(np.round(_hull_candidates(points), 9), axis=0)  # sorted by x, then y
    if pts.shape[0] < 3:
        return 0.0
    hull = []
    for sequence in (pts, pts[::-1]):
        chain: list = []
        for p in sequence:
            while len(chain) >= 2 and _cross(chain[-2], chain[-1], p) <= 0:
                chain.pop()
            chain.append(p)
        hull.extend(chain[:-1])
    h = np.array(hull)
    x, y = h[:, 0], h[:, 1]
    return float(0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def compute_out_of_view_share(motion: Motion, hand: str) -> float:
    """Share of frames (0-1) where the hand was not tracked (missing or only filled in by cleaning)."""
    keypoint = hand_reference_keypoint(motion, hand)
    if keypoint is None or motion.n_frames == 0:
        return 1.0
    seen = motion.observed(hand, keypoint)
    if motion.filled is not None:
        seen = seen & ~motion.filled[:, motion.individual_index(hand), motion.keypoint_index(keypoint)]
    return float(1.0 - seen.mean())

"""Per-hand kinematics: which point to follow, speed, path, movements, pauses, working area.

Every function is a pure function of a Motion. Distances are in the motion's units (hand sizes for
video after `prepare_motion`, metres for lab kinematics and motion capture); thresholds are given in
hand sizes and seconds and converted with `hand_size_in_units`, so the same procedure works for
every source.

Hand speed has ONE definition here (`hand_speed`), which the reference, the plots and every metric
use: the velocity of a local-linear fit on a fixed time scale (`local_fit`), less the tracking noise
estimated from the recording itself, so it does not change with the frame rate or the jitter.
Pauses (a stretch of min_pause_s whose mean speed is below the idle speed) and movements (peaks of the
speed held for 0.1 s above the idle speed, with hysteresis) are judged on it, in seconds on a fine clock
rather than frame by frame, so jitter and the frame rate do not flip them; and every metric built on
them (idle share, active time, pauses, movements, mean jerk, simultaneous movement) is their mean over
a band of idle speeds around the stated one (IDLE_BAND), so none flips at one speed. `pause_intervals`
and `movement_peaks` give them at the band's centre, as a timeline shows them; runs of any mask are
found by `pose.cleaning.mask_runs`.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Optional

import numpy as np

from skillsight.pose.cleaning import mask_runs
from skillsight.pose.motion import BODY, KIND_VIDEO_2D, Motion
from skillsight.pose.scale import hand_size_in_units
from skillsight.scoring.features.area import convex_hull_area
from skillsight.scoring.features.local_fit import LocalFit, estimate_jitter, local_linear_fit
from skillsight.scoring.features.peaks import local_maxima, peak_prominences
from skillsight.scoring.features.timeline import (
    TIME_GRID_S,
    frame_durations,
    lowest_window_mean,
    recording_clock,
    time_clock,
    time_mean,
    window_mean,
)

# In order of preference: glove/auto trackers' centroid, lab tool tips, then landmarks of the palm.
REFERENCE_KEYPOINTS = ("centroid", "tool_tip", "palm", "middle_finger_mcp", "wrist", "hand", "tip")

# Defaults in hand sizes and seconds; a procedure's `extra` may override them by the same names.
IDLE_SPEED_HAND_SIZES_PER_S = 0.3
MIN_PAUSE_S = 0.5
PEAK_SPEED_PERCENTILE = 99.0
PEAK_WINDOW_S = 0.3  # peak speed is the speed sustained over this long
MOVEMENT_PROMINENCE_SHARE = 0.5  # of the idle speed: how deep the dip between two movements must be
SPEED_TIME_SCALE_S = 0.1  # sd of the Gaussian time window every speed is measured over
# Speeds within this many noise standard deviations (per axis) of zero are taken as still.
NOISE_MARGIN = 2.0
# prepare_motion records each hand's jitter (measured before smoothing) here, in the motion's units.
JITTER_METADATA_KEY = "tracking_jitter"
# Below this share of the idle speed a hand counts as at rest where a movement's edges are found.
REST_SHARE = 0.5
MOVEMENT_HOLD_S = 0.1  # a movement is a peak of the speed held this long (the speed's own time scale)
# The idle speed is the centre of a band, not a knife-edge: every pause and movement metric is the mean
# of its rule over idle speeds spread evenly across this share either side of it (0.15-0.45 hand
# sizes/s at the default 0.3). Read at one speed, active time, idle share, pauses, movements and mean
# jerk of the real clips jumped where a stretch's speed sat at it (ASL at 15 fps: active time -36 % from
# 0.32 to 0.33 hand sizes/s; typing -21 % from 0.28 to 0.30), and a variant's tracking moved that speed
# by a per cent or two: the invariance test passed at 0.30 and failed at 0.28, 0.32 and 0.34. Averaged
# over the band, a stretch hovering at the idle speed counts as half paused, and a change of the
# speed by a share d moves a metric by at most d / (2 x IDLE_BAND) of its largest jump.
IDLE_BAND = 0.5
BAND_STEPS = 20  # counts are read at the centres of this many equal cells of the band
MIN_REST_S = 0.1  # a movement unit ends where the speed stays below the rest level this long


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
    return time_mean(s, motion.timestamps) if s is not None else float("nan")


def compute_peak_speed(motion: Motion, hand: str, keypoint: Optional[str] = None) -> float:
    """Peak speed (units/s): the 99th percentile over time of `hand_speed` averaged over PEAK_WINDOW_S
    (distance covered in that window over its length), so neither one tracking glitch nor a few
    frames set it. Read on a fine clock (TIME_GRID_S), so the frame rate does not change which
    moments the percentile sees."""
    s = hand_speed(motion, hand, keypoint)
    t = motion.timestamps
    if s is None or not np.isfinite(s).any() or t.size < 2:
        return float("nan")
    clock = time_clock(t, PEAK_WINDOW_S / 2)
    sustained = sustained_speed(s, t, clock)
    if not np.isfinite(sustained).any():
        return float("nan")
    return float(np.nanpercentile(sustained, PEAK_SPEED_PERCENTILE))


def sustained_speed(
    speed: np.ndarray, timestamps: np.ndarray, at: np.ndarray, window_s: float = PEAK_WINDOW_S
) -> np.ndarray:
    """Mean of `speed` over the `window_s` seconds centred on each time in `at` (exact in time, so
    the same at any frame rate); NaN where the window reaches a sample that is not observed."""
    return window_mean(speed, timestamps, at, window_s)


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
    return time_mean(a, motion.timestamps) if a is not None else float("nan")


def compute_mean_jerk(
    motion: Motion,
    hand: str,
    keypoint: Optional[str] = None,
    thresholds: Optional[KinematicThresholds] = None,
) -> float:
    """Mean size of jerk, the derivative of acceleration (units/s^3). Given thresholds, over the time
    the hand moves (each moment weighted by how far it is from paused, `pause_timeline`; 0 for a hand
    that never moves): over the whole recording, three 3-s pauses inserted into 30 s of the real clips
    made it 18-22 % smoother (typing -19.1 %, ASL -21.7 %, reaching -17.7 %; now -1.5, +1.4 and -1.7 %),
    and a slower worker with more pauses looked smoother too. Idle share is a metric of its own."""
    j = _velocity_derivative(motion, hand, 2, keypoint)
    if j is None:
        return float("nan")
    if thresholds is None:
        return time_mean(j, motion.timestamps)
    speed, t = hand_speed(motion, hand, keypoint), motion.timestamps
    seen = np.isfinite(j) & np.isfinite(speed) if speed is not None else np.zeros(j.shape, dtype=bool)
    if speed is None or not seen.any():
        return float("nan")
    # On pause_timeline's fine clock, as active time is: frame by frame, each pause's edges moved by up
    # to a frame (67 ms at 15 fps), and the minimum-jerk rectangle's jerk with them (18.3 at 15 fps,
    # 19.8 at 60).
    clock, observed, paused = pause_timeline(speed, thresholds, t)
    moving = np.where(observed, 1.0 - paused, 0.0)
    if not moving.any():
        return 0.0
    return float(np.average(np.interp(clock, t[seen], j[seen]), weights=moving))


def band_speeds(idle_speed: float) -> np.ndarray:
    """The idle speeds a count is read at: the centres of BAND_STEPS equal cells of the band
    idle_speed x (1 +- IDLE_BAND)."""
    cells = (np.arange(BAND_STEPS) + 0.5) / BAND_STEPS
    return idle_speed * (1.0 - IDLE_BAND + 2.0 * IDLE_BAND * cells)


def pause_weight(still: np.ndarray, idle_speed: float) -> np.ndarray:
    """How paused (0-1) a moment is whose stillest window (`lowest_window_mean`) has mean speed `still`:
    the share of the band's idle speeds it lies below. 1 at or below idle_speed x (1 - IDLE_BAND), 0 at
    or above idle_speed x (1 + IDLE_BAND), linear between: the mean over the band of the rule "paused
    where the stillest window is slower than the idle speed", exactly."""
    low, high = idle_speed * (1.0 - IDLE_BAND), idle_speed * (1.0 + IDLE_BAND)
    if high <= low:
        return (still < idle_speed).astype(np.float64)
    return np.clip((high - still) / (high - low), 0.0, 1.0)


def pause_mask(speed: np.ndarray, thresholds: KinematicThresholds, timestamps: np.ndarray) -> np.ndarray:
    """(T,) True at samples at least half paused (`pause_weight` over 0.5: the band's centre), as
    timelines and plots shade them. A moment is paused when some stretch of min_pause_s seconds that
    contains it has a mean speed below the idle speed (the hand travels less than idle speed x
    min_pause_s in it). A mean over seconds, not a per-frame cut: a hand hovering near the idle speed,
    where tracking noise decides which side each frame falls, does not flip whole pauses (idle share on
    the real typing clip at 15/25/50 fps: within 1 %, where the per-frame rule moved it by 6 %, and by
    up to 14 % over resampled and re-jittered copies)."""
    still = lowest_window_mean(speed, timestamps, thresholds.min_pause_s, timestamps)
    return np.isfinite(speed) & (still < thresholds.idle_speed)


def stillness_timeline(
    speed: np.ndarray, thresholds: KinematicThresholds, timestamps: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(clock, observed, still): every TIME_GRID_S from the first sample to the end of the last frame,
    whether the hand is observed and the mean speed of the stillest min_pause_s window holding that
    moment (+inf where none), so durations do not move by a frame (67 ms at 15 fps) at each edge."""
    clock, frame = recording_clock(timestamps)
    observed = np.isfinite(speed)[frame]
    still = lowest_window_mean(speed, timestamps, thresholds.min_pause_s, clock)
    return clock, observed, np.where(observed, still, np.inf)


def pause_timeline(
    speed: np.ndarray, thresholds: KinematicThresholds, timestamps: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(clock, observed, paused): `stillness_timeline` with each moment's `pause_weight` (0 where not
    observed): THE pause of every metric (idle share, active time, mean jerk, simultaneous movement)."""
    clock, observed, still = stillness_timeline(speed, thresholds, timestamps)
    return clock, observed, np.where(observed, pause_weight(still, thresholds.idle_speed), 0.0)


def pauses(
    speed: np.ndarray,
    thresholds: KinematicThresholds,
    timestamps: np.ndarray,
    idle_speed: Optional[float] = None,
) -> list[tuple[float, float]]:
    """(start_s, end_s) of the pauses at one idle speed (the band's centre unless given): the stretches
    at least half paused, as a timeline shows them."""
    clock, observed, still = stillness_timeline(speed, thresholds, timestamps)
    paused = observed & (still < (thresholds.idle_speed if idle_speed is None else idle_speed))
    return [(float(clock[a]), float(clock[b - 1] + TIME_GRID_S)) for a, b in mask_runs(paused)]


def pause_intervals(motion: Motion, hand: str, thresholds: KinematicThresholds) -> list[tuple[float, float]]:
    """(start_s, end_s) of the hand's pauses at the band's centre, as a timeline shows them
    (`compute_pause_count` averages their number over the band)."""
    speed = hand_speed(motion, hand)
    return [] if speed is None else pauses(speed, thresholds, motion.timestamps)


def _paused_time(motion: Motion, hand: str, thresholds: KinematicThresholds) -> Optional[tuple[float, float]]:
    """(seconds paused, seconds observed) of the hand, each moment counted by its pause weight."""
    s = hand_speed(motion, hand)
    if s is None or not np.isfinite(s).any():
        return None
    _, observed, paused = pause_timeline(s, thresholds, motion.timestamps)
    return float(paused.sum() * TIME_GRID_S), float(observed.sum() * TIME_GRID_S)


def compute_idle_share(motion: Motion, hand: str, thresholds: KinematicThresholds) -> float:
    """Share of the observed time spent in pauses (0-1), each moment by its pause weight."""
    times = _paused_time(motion, hand, thresholds)
    return float("nan") if times is None or times[1] == 0 else times[0] / times[1]


def compute_pause_count(motion: Motion, hand: str, thresholds: KinematicThresholds) -> float:
    """Number of pauses (count): the mean over the band's idle speeds (`band_speeds`) of the number of
    stretches paused at each, so a stretch whose stillest window lies at the idle speed counts as half
    a pause rather than flipping between none and one."""
    s = hand_speed(motion, hand)
    if s is None or not np.isfinite(s).any():
        return float("nan")
    _, observed, still = stillness_timeline(s, thresholds, motion.timestamps)
    counts = [len(mask_runs(observed & (still < v))) for v in band_speeds(thresholds.idle_speed)]
    return float(np.mean(counts))


def compute_active_time(motion: Motion, hand: str, thresholds: KinematicThresholds) -> float:
    """Observed time not spent in pauses (s), each moment by its pause weight."""
    times = _paused_time(motion, hand, thresholds)
    return float("nan") if times is None else times[1] - times[0]


def held_speed(speed: np.ndarray, timestamps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(clock, speed held over MOVEMENT_HOLD_S around each clock time): the curve movements are
    counted on, on the fine clock so the frame rate does not move its peaks; unobserved counts as rest."""
    clock = time_clock(timestamps, MOVEMENT_HOLD_S / 2)
    if clock.size == 0:
        return clock, np.zeros(0)
    return clock, np.nan_to_num(sustained_speed(speed, timestamps, clock, MOVEMENT_HOLD_S), nan=0.0)


def speed_peaks(
    speed: np.ndarray, timestamps: np.ndarray, idle_speed: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times, heights, prominences) of every local peak of `held_speed` (peak_prominences' definition:
    how far the held speed falls before it meets a higher peak on either side)."""
    clock, held = held_speed(speed, timestamps)
    step = 1e-6 * idle_speed if idle_speed > 0 else 1e-12
    level = np.round(held / step) * step  # rounding ripples on a plateau make one flat peak
    peaks = local_maxima(level)
    return clock[peaks], level[peaks], peak_prominences(level, peaks)


def movement_peaks(
    speed: np.ndarray,
    thresholds: KinematicThresholds,
    timestamps: np.ndarray,
    idle_speed: Optional[float] = None,
) -> np.ndarray:
    """Times (s) of the movements at one idle speed (the band's centre unless given), as a timeline
    shows them, ICSAD-style: peaks of the speed held for MOVEMENT_HOLD_S that rise above the idle speed,
    each after a dip of at least MOVEMENT_PROMINENCE_SHARE of it (hysteresis: the speed must fall that far
    before another movement can start). Only peaks seen inside the recording count: the speed of a
    movement cut by the start or end is measured from one side only, and counting it made the real
    typing clip's count depend on the frame rate (+8 % at 15 fps)."""
    idle = thresholds.idle_speed if idle_speed is None else idle_speed
    times, heights, prominences = speed_peaks(speed, timestamps, thresholds.idle_speed)
    return times[(heights >= idle) & (prominences >= MOVEMENT_PROMINENCE_SHARE * idle)]


def movement_weights(heights: np.ndarray, prominences: np.ndarray, idle_speed: float) -> np.ndarray:
    """How much of a movement (0-1) each peak is at one idle speed: none below it; above it, in
    proportion to the dip before it up to MOVEMENT_PROMINENCE_SHARE of the idle speed (the share of
    dip requirements from nothing to that which it passes). A hard dip requirement flipped a stroke in
    and out with a few hundredths of a hand size per second: between two real ASL strokes 0.3 s apart
    the speed falls to 0.24 at 25 fps, 0.34 at 15 fps (read at the frames), which decided at 0.32 hand
    sizes/s whether the clip made 9 movements or 10."""
    dip = np.clip(prominences / (MOVEMENT_PROMINENCE_SHARE * idle_speed), 0.0, 1.0) if idle_speed > 0 else 1.0
    return np.where(heights >= idle_speed, dip, 0.0)


def compute_movement_count(motion: Motion, hand: str, thresholds: KinematicThresholds) -> float:
    """Number of movements (count): the mean over the band's idle speeds (`band_speeds`) of the peaks'
    `movement_weights` at each, so neither a peak that just reaches the idle speed nor one whose dip
    just reaches the hysteresis flips between no movement and one."""
    s = hand_speed(motion, hand)
    if s is None or not np.isfinite(s).any():
        return float("nan")
    _, heights, prominences = speed_peaks(s, motion.timestamps, thresholds.idle_speed)
    counts = [movement_weights(heights, prominences, v).sum() for v in band_speeds(thresholds.idle_speed)]
    return float(np.mean(counts))


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

"""Smoothness per stretch of path: log dimensionless jerk and SPARC that still pauses cannot change.

Rest-to-rest smoothness (one value per movement unit, averaged) is ruled by how long a unit is: the
dimensionless jerk of a stretch grows with the number of speed peaks in it, so a hand that stops after
every stroke scores each stroke alone, and a hesitating novice whose still pauses cut their motion
into single strokes (units of 2.0-2.3 s against an expert's 3.3-3.9 s) read as the smoother. Yet a
movement broken by arrests is the less smooth one (Balasubramanian et al. 2012, 2015: smoothness is
the absence of intermittency; Rohrer et al. 2002: recovering patients' submovements blend and their
speed arrests vanish as they improve).

So both measures here are read on the hand's MOVING time alone (its speed at or above REST_SHARE_OF_PEAK
of its own peak speed; time at rest is cut out, so a pause of any length, inserted anywhere the hand is
still, changes nothing), and that moving time is cut into pieces of the same PATH length
(PIECE_HAND_SIZES hand sizes), not into units between rests. Every piece holds the same distance
whatever the pauses, so a piece of a hand that stops between strokes holds those stops' slowing down
and speeding up, which is what makes it less smooth, while an expert's long flowing unit is cut into
pieces of the same distance instead of being scored whole. Each piece's dimensionless jerk is
D^5 / L^2 * integral |jerk|^2 dt over its moving time D and path L, and its SPARC is that of its speed
profile. Everything is read on a fixed clock (CLOCK_HZ), so the frame rate does not move a piece's ends.

Log dimensionless jerk fits its speed and jerk on a share of the hand's own time scale
(`own_scale_moving_time`), so a minimum-jerk stroke reads the same at any speed, as its dimensionless
jerk does; on the shared fixed 0.1 s, quick strokes were widened and, with D
counted to the fifth power, clean strokes performed at half speed read 0.6-0.9 smoother. Where the frames
cannot resolve that scale (a 0.25-0.5-s stroke at 15-20 fps) the fit stays 1.5 frames wide, and the
quickest strokes read rougher there (tests/unit/scoring/test_path_smoothness.py). SPARC reads the shared
speed; a piece may start or end mid-stroke, and SPARC reads such a half bell as less smooth than a whole one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from skillsight.pose.cleaning import mask_runs
from skillsight.pose.motion import Motion
from skillsight.pose.scale import hand_size_in_units
from skillsight.scoring.features.kinematics import (
    SPEED_TIME_SCALE_S,
    hand_jitter,
    hand_speed,
    hand_track,
    noise_free_speed,
)
from skillsight.scoring.features.local_fit import local_derivatives, local_linear_fit

# The path every piece holds: about one reach of the needle driver (the wound's width and back).
PIECE_HAND_SIZES = 1.0
# The hand rests below this share of its own peak speed (PEAK_PERCENTILE of its moving speed): a share,
# not a speed,
# so the same motion performed slower is cut at the same moments (a fixed rest level trimmed more of a
# slower hand's gentle starts and stops, where jerk is highest: half as fast read 0.9 smoother).
REST_SHARE_OF_PEAK = 0.05
PEAK_PERCENTILE = 99.0
# Motion is read on this clock (well above the speed's 10-Hz content at its 0.1-s time scale).
CLOCK_HZ = 100.0
# Log dimensionless jerk fits speed and jerk on this share of the hand's own TIME SCALE: sqrt(integral
# |v|^2 / integral |a|^2) over its moving time (0.29 of a minimum-jerk stroke's duration; 1 / (2 pi f) for
# a back-and-forth motion at f Hz), which does not depend on how far the hand goes and is k times as long
# when the same motion is performed k times slower; so the same strokes at any speed are fitted on the
# same share of themselves and read the same. On a fixed 0.1 s, quick strokes were widened and read
# rougher (clean strokes at 2x / 1x / 0.5x speed: -5.97 / -5.21 / -4.59). At 0.4, strokes of 0.8 s are
# fitted on about 0.09 s, near the scale the metric was checked on before. (A share of the time a piece
# of path takes ran away on a hand that moves back and forth: blurring shortened its path.)
TIME_SCALE_SHARE = 0.4
# The time scale and the fit are found together, starting from the shared 0.1 s (a wider fit lengthens
# the time scale it is read from, less than the share: a contraction); stop at this relative change.
SCALE_TOLERANCE = 0.01
SCALE_ITERATIONS = 8
# The fit spans at least this many frame intervals: narrower, a fit of a few samples no longer measures
# the same curve at every frame rate (the real fast capture at 25 fps, fitted on one frame, read 9 %
# rougher than at 30 or 60 fps). 1.5 frames is the shared 0.1 s at 15 fps, checked there.
MIN_SCALE_FRAMES = 1.5


@dataclass(frozen=True)
class MovingTime:
    """The hand's moving time on the CLOCK_HZ clock, rest cut out: (N,) speed (units/s) and squared
    jerk (units^2/s^6) per tick, and the (N,) cumulative path (units) at each tick's end."""

    speed: np.ndarray
    jerk_squared: np.ndarray
    path: np.ndarray


def moving_time(speed: np.ndarray, jerk_squared: np.ndarray, t: np.ndarray) -> MovingTime:
    """The ticks of every observed run at which the speed is at or above REST_SHARE_OF_PEAK of its
    PEAK_PERCENTILE over the ticks at which the hand moves at all (its speed above the noise floor is
    not 0), in order. Read over moving ticks only, stillness added anywhere leaves the level as it was."""
    clocks, speeds = [], []
    finite = np.isfinite(speed) & np.isfinite(jerk_squared)
    for a, b in mask_runs(finite):
        if b - a >= 2:
            clocks.append((a, b, np.arange(t[a], t[b - 1], 1.0 / CLOCK_HZ)))
            speeds.append(np.interp(clocks[-1][2], t[a:b], speed[a:b]))
    v = np.concatenate(speeds) if speeds else np.zeros(0)
    if not (v > 0).any():
        return MovingTime(np.zeros(0), np.zeros(0), np.zeros(0))
    rest = REST_SHARE_OF_PEAK * float(np.percentile(v[v > 0], PEAK_PERCENTILE))
    moving = v >= rest
    jerks = np.concatenate([np.interp(c, t[a:b], jerk_squared[a:b]) for a, b, c in clocks])
    return MovingTime(v[moving], jerks[moving], np.cumsum(v[moving]) / CLOCK_HZ)


def path_pieces(moving: MovingTime, piece_length: float) -> list[slice]:
    """The moving time cut into pieces of equal path, as close to `piece_length` as a whole number of
    them allows (none when it is under half a piece): the ends fall where the path reaches each share,
    so the same motion gives the same pieces however it was paused, sampled or slowed."""
    total = float(moving.path[-1]) if moving.path.size else 0.0
    count = int(round(total / piece_length)) if piece_length > 0 else 0
    if count < 1:
        return []
    ends = np.searchsorted(moving.path, total * np.arange(1, count) / count)
    bounds = np.concatenate(([0], ends, [moving.path.size]))
    return [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b - a >= 4]


def piece_log_dimensionless_jerk(moving: MovingTime, piece: slice) -> float:
    """-ln(D^5 / L^2 * integral |jerk|^2 dt) over one piece's moving time (higher is smoother; a
    minimum-jerk movement gives -ln 720 = -6.58)."""
    duration = (piece.stop - piece.start) / CLOCK_HZ
    length = float(np.sum(moving.speed[piece])) / CLOCK_HZ
    jerk = float(np.sum(moving.jerk_squared[piece])) / CLOCK_HZ
    if not (length > 0 and jerk > 0):
        return float("nan")
    return float(-np.log(duration**5 / length**2 * jerk))


def hand_moving_time(motion: Motion, hand: str) -> Optional[MovingTime]:
    """The hand's moving time (`moving_time`) on the shared speed (SPARC's)."""
    track, speed = hand_track(motion, hand), hand_speed(motion, hand)
    if track is None or speed is None:
        return None
    t = motion.timestamps
    jerk_squared = np.sum(local_derivatives(track, t, SPEED_TIME_SCALE_S, 3) ** 2, axis=1)
    return moving_time(speed, jerk_squared, t)


def own_scale_moving_time(motion: Motion, hand: str) -> Optional[MovingTime]:
    """The hand's moving time with speed and jerk fitted on TIME_SCALE_SHARE of its own time scale, the two
    found together from the shared 0.1 s; never narrower than MIN_SCALE_FRAMES frame intervals, where the
    frames cannot resolve the fit (a quick stroke at 15 fps)."""
    track = hand_track(motion, hand)
    t = motion.timestamps
    if track is None or t.size < 2:
        return None
    jitter = hand_jitter(motion, hand)
    jitter = jitter if np.isfinite(jitter) else 0.0
    floor = MIN_SCALE_FRAMES * float(np.median(np.diff(t)))
    scale, moving = SPEED_TIME_SCALE_S, None
    for _ in range(SCALE_ITERATIONS):
        fit = local_linear_fit(track, t, scale)
        speed = noise_free_speed(fit.velocity, fit.velocity_gain * jitter)
        moving = moving_time(speed, np.sum(local_derivatives(track, t, scale, 3) ** 2, axis=1), t)
        accelerating = moving_time(speed, np.sum(local_derivatives(track, t, scale, 2) ** 2, axis=1), t)
        acceleration = float(np.sum(accelerating.jerk_squared))
        if not acceleration > 0:
            return moving
        fitted = max(TIME_SCALE_SHARE * float(np.sqrt(np.sum(moving.speed**2) / acceleration)), floor)
        if abs(fitted - scale) <= SCALE_TOLERANCE * scale:
            break
        scale = fitted
    return moving


def compute_path_log_dimensionless_jerk(
    motion: Motion, hand: str, piece_hand_sizes: float = PIECE_HAND_SIZES
) -> float:
    """Mean over the moving time's pieces of equal path (`path_pieces`) of their log dimensionless
    jerk, fitted on the hand's own time scale (`own_scale_moving_time`); NaN when the hand moved less
    than half a piece."""
    moving = own_scale_moving_time(motion, hand)
    if moving is None:
        return float("nan")
    pieces = path_pieces(moving, piece_hand_sizes * hand_size_in_units(motion))
    values = [piece_log_dimensionless_jerk(moving, piece) for piece in pieces]
    values = [v for v in values if np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")


def spectral_arc_length(
    speed: np.ndarray,
    fs: float,
    pad_level: int = 4,
    cutoff_hz: float = 10.0,
    amplitude_threshold: float = 0.05,
) -> float:
    """SPARC (Balasubramanian et al. 2015) of one speed profile: the arc length of its normalised
    Fourier magnitude spectrum up to an adaptive cut-off. Negative; closer to 0 is smoother."""
    speed = np.asarray(speed, dtype=np.float64)
    if speed.size < 4 or not np.all(np.isfinite(speed)) or np.max(np.abs(speed)) == 0:
        return float("nan")
    cutoff_hz = min(cutoff_hz, fs / 2.0)
    nfft = int(2 ** (np.ceil(np.log2(speed.size)) + pad_level))
    freqs = np.arange(nfft) * fs / nfft
    magnitude = np.abs(np.fft.fft(speed, nfft))
    magnitude = magnitude / magnitude.max()
    keep = freqs <= cutoff_hz
    f_sel, m_sel = freqs[keep], magnitude[keep]
    above = np.flatnonzero(m_sel >= amplitude_threshold)
    f_sel, m_sel = f_sel[above[0] : above[-1] + 1], m_sel[above[0] : above[-1] + 1]
    if f_sel.size < 2:
        return 0.0
    df = np.diff(f_sel) / (f_sel[-1] - f_sel[0])
    return float(-np.sum(np.sqrt(df**2 + np.diff(m_sel) ** 2)))


def compute_path_sparc(motion: Motion, hand: str, piece_hand_sizes: float = PIECE_HAND_SIZES) -> float:
    """Mean over the moving time's pieces of equal path of the SPARC of their speed profiles."""
    moving = hand_moving_time(motion, hand)
    if moving is None:
        return float("nan")
    pieces = path_pieces(moving, piece_hand_sizes * hand_size_in_units(motion))
    values = [spectral_arc_length(moving.speed[piece], CLOCK_HZ) for piece in pieces]
    values = [v for v in values if np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")

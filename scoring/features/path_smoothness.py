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
D^5 / L^2 * integral |jerk|^2 dt over its moving time D and path L. Everything is read on a fixed
clock (CLOCK_HZ), so the frame rate does not move a piece's ends.

SPARC (Balasubramanian et al. 2015: the arc length of the speed's normalised spectrum up to an adaptive
cut-off, amplitude threshold 0.05; not capped at 10 Hz here, see SPARC_CUTOFF_HZ) is read on windows of
one piece's path at EVERY position along the moving time (`path_windows`, one every 1/16 of a piece),
not on a grid of whole pieces: SPARC grows with the speed peaks a stretch holds, so a grid whose count
rounds with the total path (8.5 hand sizes: 8 pieces without pauses, 9 with them) moved every piece's
ends and read a paused real clip 0.52 smoother, and a grid put a stop between two strokes on a piece's
end, where it reads as two whole bells, smoother than the unbroken stroke cut into two half bells. Every
window across a stop holds its slowing down and speeding up, wherever on the path the stop falls.

Log dimensionless jerk fits its speed and jerk on the hand's own time scale (`own_scale_moving_time`),
so a minimum-jerk stroke reads the same at any speed, as its dimensionless jerk does (on the shared fixed
0.1 s, quick strokes were widened and, with D counted to the fifth power, clean strokes performed at half
speed read 0.6-0.9 smoother). That fit widens every stroke by the same share, so a minimum-jerk stroke
reads about -7.75 rather than -ln 720; never narrower than 0.1 s, strokes whose own time scale is shorter
(under about 0.35 s) are still fitted on 0.1 s (tests/unit/scoring/test_path_smoothness.py). Both
fits are read at the clock's ticks themselves (`clock_moving_time`), not at the frames and interpolated
between them: at 15 fps a straight line between frames filled each dip of the speed, so more ticks
passed the rest level, pieces were 2-3 % longer in moving time, and with D counted to the fifth power
the real expert capture read 6.8 % rougher than at 30 fps (now 2.4 %).

What is left for SPARC: a window may start or end mid-stroke, where SPARC reads a cut bell as less smooth
than a whole one: every position is read, so that falls on every motion alike and no grid decides where.
A frame held still (a pause inserted in a recording) is an instant stop, which the fixed-time smoothing
spreads over the motion around it (a fast peak just before one on the real ASL loop flattens from 0.83 to
0.33 hand sizes/s) and which may ease a window's cut end: one 3-s hold on that loop moves SPARC by -0.036
to +0.016 (mean -0.002 over 14 places), one in mid-stroke on clean strokes by -0.10 to +0.01.
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
from skillsight.scoring.features.local_fit import (
    local_derivative_on_clock,
    local_derivatives,
)

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
# SPARC's windows of one piece's path start this share of a piece apart (or less).
WINDOW_STEP_SHARE = 1.0 / 16.0
# Log dimensionless jerk fits speed and jerk on the hand's own TIME SCALE, sqrt(integral |v|^2 /
# integral |a|^2) over its moving time as the shared 0.1-s fit reads it (0.29 of a minimum-jerk stroke's
# duration; 1 / (2 pi f) for a back-and-forth motion at f Hz): it does not depend on how far the hand goes
# and is k times as long when the same motion is performed k times slower, so the same strokes at any
# speed are fitted on the same share of themselves and read the same. Never narrower than the shared
# 0.1 s, which every frame rate from 15 fps resolves (narrower fits, at a few frames, made the real
# capture's value depend on the frame rate by up to 14 %). On a fixed 0.1 s, quick strokes were widened
# and read rougher: clean strokes at 2x / 1x / 0.5x speed read -5.97 / -5.21 / -4.59, slower smoother.
TIME_SCALE_SHARE = 1.0
# SPARC's spectrum is read up to the clock's Nyquist frequency, not the usual fixed 10 Hz: its adaptive
# cut-off (amplitude threshold 0.05) follows a stroke's spectrum, which is k times as narrow for a stroke
# k times as long, while a fixed cap cut off quick strokes' spectra alone (clean strokes at 2x / 1x / 0.5x
# / 0.25x pace read -2.20 / -2.44 / -2.59 / -2.56, faster smoother; now within 4 %). The cap's job,
# keeping tracking noise out, is done by the 0.1-s fit, whose response at 10 Hz is nil. Read on the hand's
# own time scale as well (`own_scale_moving_time`), the strokes read within 1.4 %, but real tracking's
# own time scale does not follow the pace (reaching loop 0.25 s, slowed 0.26 s) and the slowed real
# reaching loop read 0.12 smoother: not taken (bench_smoothness_invariance.py --pace). What is left is
# mostly the 100-Hz clock: read on 200 Hz, 2.7 / 2.2 / 1.2 % at 15 / 30 / 60 fps (analytic speed on 400 Hz:
# 0.2 %), but the real expert capture slowed to half speed then read 0.027 and 0.020 smoother: not taken.
SPARC_CUTOFF_HZ = CLOCK_HZ / 2.0


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
    jerks = np.concatenate([np.interp(c, t[a:b], jerk_squared[a:b]) for a, b, c in clocks]) if clocks else v
    return moving_ticks(v, jerks)


def moving_ticks(v: np.ndarray, jerks: np.ndarray) -> MovingTime:
    """The ticks of a speed and squared jerk read on the clock at which the hand moves (see
    `moving_time`)."""
    if not (v > 0).any():
        return MovingTime(np.zeros(0), np.zeros(0), np.zeros(0))
    rest = REST_SHARE_OF_PEAK * float(np.percentile(v[v > 0], PEAK_PERCENTILE))
    moving = v >= rest
    return MovingTime(v[moving], jerks[moving], np.cumsum(v[moving]) / CLOCK_HZ)


def clock_moving_time(motion: Motion, hand: str, scale: float, order: int = 3) -> Optional[MovingTime]:
    """The hand's moving time with speed (a local-linear fit, less its noise) and the squared
    `order`-th derivative (a local polynomial of degree `order` + 2) fitted on `scale` seconds and
    read at the ticks of the clock itself (`local_derivative_on_clock`), never interpolated between
    frames."""
    track, t = hand_track(motion, hand), motion.timestamps
    if track is None:
        return None
    jitter = hand_jitter(motion, hand)
    jitter = jitter if np.isfinite(jitter) else 0.0
    speeds, jerks = [], []
    for a, b in mask_runs(np.isfinite(track).all(axis=1)):
        if b - a < order + 3:
            continue
        clock = np.arange(t[a], t[b - 1], 1.0 / CLOCK_HZ)
        velocity = local_derivative_on_clock(track[a:b], t[a:b], clock, scale, 1, 1)
        speeds.append(noise_free_speed(velocity.derivative, velocity.gain * jitter))
        jerk = local_derivative_on_clock(track[a:b], t[a:b], clock, scale, order, order + 2).derivative
        jerks.append(np.sum(jerk**2, axis=1))
    if not speeds:
        return MovingTime(np.zeros(0), np.zeros(0), np.zeros(0))
    return moving_ticks(np.concatenate(speeds), np.concatenate(jerks))


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


def path_windows(moving: MovingTime, length: float) -> list[slice]:
    """Stretches of the moving time of exactly `length` path, starting every WINDOW_STEP_SHARE of it or
    less, spread evenly from its start to its end (the whole moving time when it is under one length,
    none under half a length). Every moment is read in every window position around it, so no count
    rounds and no grid moves when the path grows: the windows are a continuous function of the motion."""
    total = float(moving.path[-1]) if moving.path.size else 0.0
    if not (length > 0 and total >= 0.5 * length):
        return []
    spare = max(total - length, 0.0)
    starts = np.linspace(0.0, spare, int(np.ceil(spare / (WINDOW_STEP_SHARE * length))) + 1)
    a = np.searchsorted(moving.path, starts)
    b = np.searchsorted(moving.path, np.minimum(starts + length, total)) + 1
    return [slice(int(i), int(j)) for i, j in zip(a, b) if j - i >= 4]


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


def own_time_scale(motion: Motion, hand: str) -> float:
    """The hand's own time scale (s; see TIME_SCALE_SHARE) on its moving time, read on the shared speed
    and a fit of the same 0.1 s; NaN when it does not move. Tracking jitter in the acceleration shortens
    it on slow strokes (0.93 -> 0.55-0.6 s for 3.2-s strokes at 15 fps with 0.005 hand sizes of jitter);
    taking off the jitter's expected share over-corrects, as cleaning has already smoothed the track."""
    track, speed = hand_track(motion, hand), hand_speed(motion, hand)
    if track is None or speed is None:
        return float("nan")
    acceleration = np.sum(local_derivatives(track, motion.timestamps, SPEED_TIME_SCALE_S, 2) ** 2, axis=1)
    moving = moving_time(speed, acceleration, motion.timestamps)
    accelerating = float(np.sum(moving.jerk_squared))  # the acceleration's, here
    return float(np.sqrt(np.sum(moving.speed**2) / accelerating)) if accelerating > 0 else float("nan")


def own_scale_moving_time(motion: Motion, hand: str) -> Optional[MovingTime]:
    """The hand's moving time with speed and jerk fitted on TIME_SCALE_SHARE of its own time scale
    (`own_time_scale`), never narrower than the shared SPEED_TIME_SCALE_S, read on the clock itself
    (`clock_moving_time`)."""
    scale = TIME_SCALE_SHARE * own_time_scale(motion, hand)
    return clock_moving_time(
        motion, hand, max(scale, SPEED_TIME_SCALE_S) if np.isfinite(scale) else SPEED_TIME_SCALE_S
    )


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
    """Mean over windows of one piece's path at every position along the moving time (`path_windows`)
    of the SPARC of their speed profiles; NaN when the hand moved less than half a piece."""
    moving = hand_moving_time(motion, hand)
    if moving is None:
        return float("nan")
    windows = path_windows(moving, piece_hand_sizes * hand_size_in_units(motion))
    values = [
        spectral_arc_length(moving.speed[window], CLOCK_HZ, cutoff_hz=SPARC_CUTOFF_HZ) for window in windows
    ]
    values = [v for v in values if np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")

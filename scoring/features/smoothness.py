"""Smoothness and tremor: log dimensionless jerk, spectral arc length (SPARC), 4-12 Hz tremor.

Smooth, expert movements are few bell-shaped speed profiles; hesitant ones are many small corrections.
Both jerk measures are computed per movement (rest to rest) and averaged, so they do not grow with
the length of the task. Jerk comes from a local polynomial fit on the speed's time scale
(`local_fit.local_derivatives`), not from finite differences over frames, which made log dimensionless
jerk change by up to 18 % between 15 and 50 fps on the real clips (and by 40 % on synthetic reaches):
now 5 %. On that time scale 8-Hz tremor, which has its own metric, passes for no jerk. Tremor is
measured on fingertips relative to the wrist, which removes the voluntary motion of the whole hand, only
where the frame rate can see 12 Hz (Nyquist), and above the white jitter floor the recording shows above
the band (with the floor in, 25 fps read MediaPipe-sized jitter as 10-25 % more tremor than 60 fps).
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from skillsight.pose.cleaning import mask_runs
from skillsight.pose.motion import Motion
from skillsight.scoring.features.kinematics import (
    REST_SHARE,
    SPEED_TIME_SCALE_S,
    KinematicThresholds,
    hand_speed,
    hand_track,
    movement_segments,
    rest_span,
    spatial_axes,
)
from skillsight.scoring.features.local_fit import local_derivatives

TREMOR_BAND_HZ = (4.0, 12.0)
FINGERTIPS = ("thumb_tip", "index_finger_tip", "middle_finger_tip", "ring_finger_tip", "pinky_tip")
# prepare_motion keeps the unsmoothed fingertip offsets here, because smoothing removes tremor.
RAW_FINGERTIP_SIGNAL = "{hand}.fingertip_offsets_raw"
MIN_TREMOR_RUN_S = 1.0
# The white jitter floor is read from this far above the tremor band (a 2-s Hann window's main lobe: a
# line at the band's top leaks no further), where the Nyquist frequency leaves at least MIN_FLOOR_WIDTH_HZ.
FLOOR_GUARD_HZ = 1.0
MIN_FLOOR_WIDTH_HZ = 0.5
# Below this much spectrum above the band there is no floor to read (a 2-s segment's bins are 0.5 Hz
# apart): tremor is NaN under 24.8 fps. A 24-fps camera shown at 25 fps, its repeats dropped and its
# images evened out, read its floor on 12-12.1 Hz and its tremor 18-20 % apart between two variants.
MIN_FLOOR_HZ = 0.4
# Movement units shorter than this (or of fewer than 5 samples, for the derivatives) are not scored.
MIN_MOVEMENT_S = 0.15
# SPARC reads each movement's speed on this clock (well above its 10-Hz cut-off).
SPARC_CLOCK_HZ = 100.0


def dimensionless_jerk(speed_integral: Integral, jerk_integral: Integral, span: tuple[float, float]) -> float:
    """Dimensionless jerk of one movement over span = (start_s, end_s) in continuous time:
    D^5 / L^2 * integral |jerk|^2 dt (720 for minimum jerk), with D the span's length, L the distance
    travelled in it (the integral of the hand speed, as path length measures it) and the integrals
    read between exact times, so neither the frame rate nor jitter moves the unit's ends or its length."""
    start, end = span
    duration = end - start
    length = speed_integral(start, end)
    if duration <= 0 or not length > 0:
        return float("nan")
    return duration**5 / length**2 * jerk_integral(start, end)


class Integral:
    """The time integral of (T,) samples (trapezoids between consecutive finite ones) between any two
    times, by interpolating the running integral: exact at the samples, linear between."""

    def __init__(self, values: np.ndarray, timestamps: np.ndarray) -> None:
        both = np.isfinite(values[:-1]) & np.isfinite(values[1:])
        steps = np.where(both, 0.5 * (values[:-1] + values[1:]) * np.diff(timestamps), 0.0)
        self.timestamps, self.running = timestamps, np.concatenate(([0.0], np.cumsum(steps)))

    def __call__(self, start: float, end: float) -> float:
        return float(
            np.interp(end, self.timestamps, self.running) - np.interp(start, self.timestamps, self.running)
        )


def compute_log_dimensionless_jerk(motion: Motion, hand: str, thresholds: KinematicThresholds) -> float:
    """Mean over movement units (rest to rest) of -ln(dimensionless jerk); higher (closer to 0) is
    smoother.
    A minimum-jerk movement scores -ln(720) = -6.58."""
    track = hand_track(motion, hand)
    s = hand_speed(motion, hand)
    if track is None or s is None:
        return float("nan")
    t = motion.timestamps
    # Jerk over the whole track (a local fit on a fixed time scale), then cut into movements.
    jerk = local_derivatives(track, t, SPEED_TIME_SCALE_S, 3)
    speed_integral, jerk_integral = Integral(s, t), Integral(np.sum(jerk**2, axis=1), t)
    values, lengths = [], []
    for span in movement_units(s, t, thresholds):
        dj = dimensionless_jerk(speed_integral, jerk_integral, span)
        if np.isfinite(dj) and dj > 0:
            values.append(-np.log(dj))
            lengths.append(speed_integral(*span))
    # Weighted by the distance each unit covers: small units near the idle speed, which a slower or
    # noisier recording may drop or add, move the mean little.
    return float(np.average(values, weights=lengths)) if values else float("nan")


def movement_units(
    speed: np.ndarray, t: np.ndarray, thresholds: KinematicThresholds
) -> list[tuple[float, float]]:
    """(start_s, end_s) of each movement unit to score for smoothness: rest to rest in continuous time
    (`movement_segments`, `rest_span`), at least MIN_MOVEMENT_S long. Both smoothness measures use them."""
    rest = REST_SHARE * thresholds.idle_speed
    spans = [rest_span(speed, t, a, b, rest) for a, b in movement_segments(speed, thresholds, t)]
    return [span for span in spans if span[1] - span[0] >= MIN_MOVEMENT_S]


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


def speed_strokes(speed: np.ndarray, t: np.ndarray, thresholds: KinematicThresholds) -> list[np.ndarray]:
    """Each stroke's speed on a SPARC_CLOCK_HZ clock: a stretch above the
    idle speed, widened on both sides while the speed keeps falling and stays above the rest level
    (REST_SHARE of it), at least MIN_MOVEMENT_S long; strokes that touch each other merge, and those
    cut by the recording's ends or a gap are left out. Found on the clock, not on the frames, so the
    same motion gives the same strokes at any frame rate."""
    rest = REST_SHARE * thresholds.idle_speed
    strokes = []
    for a, b in mask_runs(np.isfinite(speed)):
        clock = np.arange(t[a], t[b - 1], 1.0 / SPARC_CLOCK_HZ)
        v = np.interp(clock, t[a:b], speed[a:b])
        spans: list[tuple[int, int]] = []
        for start, stop in mask_runs(v >= thresholds.idle_speed):
            while start > 0 and rest <= v[start - 1] < v[start]:
                start -= 1
            while stop < v.size and rest <= v[stop] < v[stop - 1]:
                stop += 1
            if spans and start < spans[-1][1]:
                spans[-1] = (spans[-1][0], stop)
            else:
                spans.append((start, stop))
        for start, stop in spans:
            if start > 0 and stop < v.size and (stop - start) / SPARC_CLOCK_HZ >= MIN_MOVEMENT_S:
                strokes.append(v[start:stop])
    return strokes


def compute_sparc(motion: Motion, hand: str, thresholds: KinematicThresholds) -> float:
    """Mean SPARC of the hand's strokes (`speed_strokes`; dimensionless, negative; closer to 0 is
    smoother). On a fixed clock the spectrum has the same frequencies and cut-off at any frame rate:
    strokes found frame by frame split and merged with the frames, kept strokes cut by the recording's
    start, and 15 fps cut the spectrum at 7.5 Hz (typing moved 7.9 % at 15 fps, ASL 3.8 %; now within
    3.1 % at 15-60 fps and half size)."""
    s = hand_speed(motion, hand)
    if s is None or motion.n_frames < 4:
        return float("nan")
    values = [
        spectral_arc_length(profile, SPARC_CLOCK_HZ)
        for profile in speed_strokes(s, motion.timestamps, thresholds)
    ]
    values = [v for v in values if np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")


def fingertip_offsets(motion: Motion, hand: str) -> tuple[Optional[np.ndarray], str]:
    """(T, N, D) fingertips relative to the wrist (or the glove tip relative to its centroid), and what
    was used. Unsmoothed offsets kept by `prepare_motion` are preferred."""
    raw = motion.signals.get(RAW_FINGERTIP_SIGNAL.format(hand=hand))
    if raw is not None:
        return np.asarray(raw), "fingertips - wrist (unsmoothed)"
    if hand not in motion.individuals:
        return None, ""
    axes = spatial_axes(motion)
    for base, tips, what in (
        ("wrist", FINGERTIPS, "fingertips - wrist"),
        ("centroid", ("tip",), "tip - centroid"),
    ):
        present = [t for t in tips if t in motion.keypoints and motion.observed(hand, t).any()]
        if base in motion.keypoints and motion.observed(hand, base).any() and present:
            origin = motion.track(hand, base)[:, axes]
            return np.stack([motion.track(hand, t)[:, axes] - origin for t in present], axis=1), what
    return None, ""


def band_density(values: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """(frequencies, one-sided power spectral density summed over channels) of a (T, C) signal by
    Welch's method (2 s Hann segments, half overlap, each linearly detrended), in numpy. The density
    of the end bins (0 Hz and, for an even segment, fs/2) is doubled as well: `band_power` gives them
    the half bin that lies inside 0..fs/2, so every bin is a density over the frequencies it stands for."""
    x = np.asarray(values, dtype=np.float64).reshape(values.shape[0], -1)
    nperseg = min(x.shape[0], int(round(2.0 * fs)))
    if nperseg < 4:
        return np.zeros(0), np.zeros(0)
    step = max(1, nperseg // 2)
    segments = np.lib.stride_tricks.sliding_window_view(x, nperseg, axis=0)[::step]  # (n, C, L)
    ramp = np.arange(nperseg) - (nperseg - 1) / 2.0
    slope = (segments @ ramp) / (ramp @ ramp)
    detrended = segments - segments.mean(axis=-1, keepdims=True) - slope[..., None] * ramp
    window = np.hanning(nperseg + 1)[:-1]  # periodic Hann, as scipy
    spectrum = np.abs(np.fft.rfft(detrended * window, axis=-1)) ** 2
    density = 2.0 * spectrum / (fs * np.sum(window**2))
    return np.fft.rfftfreq(nperseg, 1.0 / fs), density.mean(axis=0).sum(axis=0)


def band_power(freqs: np.ndarray, density: np.ndarray, fs: float, band: tuple[float, float]) -> float:
    """Power of `band_density`'s spectrum within a band (NaN when no bin reaches it)."""
    if freqs.size < 2:
        return float("nan")
    # Each bin stands for the frequencies within half a bin of it (those inside 0..fs/2), and counts by
    # the share of those in the band: a bin on an edge (4 Hz at 2-s segments) was in or out by
    # floating-point rounding of the frame rate (24.99999 fps left it out, 25.00001 fps in), moving
    # narrow bands by up to 30 %.
    half = 0.5 * (freqs[1] - freqs[0])
    low, high = max(band[0], 0.0), min(band[1], fs / 2.0)
    share = np.clip(np.minimum(freqs + half, high) - np.maximum(freqs - half, low), 0.0, None)
    return float(density @ share) if share.any() else float("nan")


def band_rms(values: np.ndarray, fs: float, band: tuple[float, float]) -> float:
    """Root-mean-square amplitude of a (T, C) signal within a frequency band, summed over channels. A
    sine of amplitude A inside the band gives A / sqrt(2)."""
    freqs, density = band_density(values, fs)
    return float(np.sqrt(band_power(freqs, density, fs, band)))


def tremor_power(values: np.ndarray, fs: float, band: tuple[float, float] = TREMOR_BAND_HZ) -> float:
    """Band power (`band_power`) of an evenly sampled (T, C) signal less its white noise floor: the
    floor's density is read above the band (from FLOOR_GUARD_HZ above its top, where the Nyquist
    frequency leaves room, to fs/2) and taken off per hertz of the band. White jitter of sd s adds
    2 s^2 / fs per hertz, so with the floor left in, 0.003 hand sizes of jitter read as 12 % more 8-Hz
    tremor at 25 fps than at 60. May come out below 0 (the floor is an estimate); NaN where fs/2 does
    not exceed the band's top."""
    freqs, density = band_density(values, fs)
    nyquist = fs / 2.0
    floor_start = max(band[1], min(band[1] + FLOOR_GUARD_HZ, nyquist - MIN_FLOOR_WIDTH_HZ))
    if nyquist - floor_start < MIN_FLOOR_HZ - 1e-9:
        return float("nan")
    floor = band_power(freqs, density, fs, (floor_start, nyquist)) / (nyquist - floor_start)
    return band_power(freqs, density, fs, band) - floor * (band[1] - band[0])


def even_clock(values: np.ndarray, timestamps: np.ndarray) -> tuple[np.ndarray, float]:
    """(N, ...) samples read on an even clock from their exact timestamps, and the clock's rate: the
    recording's typical rate (its median frame interval), so frames a camera dropped are filled in
    (linearly) while the others keep their values. Evenly timed frames come back as they are."""
    t = np.asarray(timestamps, dtype=np.float64)
    if t.size < 2 or not t[-1] > t[0]:
        return values, float("nan")
    fs = 1.0 / float(np.median(np.diff(t)))
    clock = t[0] + np.arange(int(round((t[-1] - t[0]) * fs)) + 1) / fs
    if clock.size == t.size and np.allclose(t, clock, rtol=0.0, atol=1e-3 / fs):
        return values, fs
    flat = values.reshape(t.size, -1)
    even = np.stack([np.interp(clock, t, flat[:, c]) for c in range(flat.shape[1])], axis=1)
    return even.reshape((clock.size, *values.shape[1:])), fs


def fps_too_low_for_tremor(motion: Motion) -> bool:
    """True when the frame rate's Nyquist frequency does not leave MIN_FLOOR_HZ above the tremor band's
    top, where the jitter floor is read."""
    return motion.fps / 2.0 - TREMOR_BAND_HZ[1] < MIN_FLOOR_HZ - 1e-9


def compute_tremor(motion: Motion, hand: str) -> tuple[float, str]:
    """4-12 Hz RMS amplitude of the fingertips relative to the wrist (units) above the recording's own
    white jitter floor (`tremor_power`), read on an even clock from the exact timestamps: the root of
    the mean power over fingertips and observed runs of at least 1 s (weighted by their length); NaN
    with a reason when the frame rate or keypoints do not allow it. The floor's estimate scatters by
    about 1 / sqrt(floor band x duration x channels): at 25 fps, where only 12-12.5 Hz is above the
    band, some 2 % over a minute of practice and 10-20 % on a clip of a few seconds."""
    fs = motion.fps
    if fps_too_low_for_tremor(motion):
        return float("nan"), (
            f"{fs:.1f} fps cannot see {TREMOR_BAND_HZ[1]:.0f} Hz and the jitter above it "
            f"(needs {2 * (TREMOR_BAND_HZ[1] + MIN_FLOOR_HZ):.1f} fps or more)"
        )
    offsets, what = fingertip_offsets(motion, hand)
    if offsets is None:
        return float("nan"), "no fingertip and wrist (or glove tip) keypoints for this hand"
    finite = np.isfinite(offsets.reshape(offsets.shape[0], -1)).all(axis=1)
    powers: list[float] = []
    weights: list[float] = []
    for a, b in mask_runs(finite):
        span = motion.timestamps[b - 1] - motion.timestamps[a]
        if span + 1.0 / fs >= MIN_TREMOR_RUN_S:
            even, rate = even_clock(offsets[a:b], motion.timestamps[a:b])
            # The fingertips' power pooled (their mean square): the floor, read on a narrow band at 25
            # fps, is then estimated from every fingertip at once.
            power = tremor_power(even.reshape(even.shape[0], -1), rate) / offsets.shape[1]
            if np.isfinite(power):
                powers.append(power)
                weights.append(span)
    if not powers:
        return float("nan"), f"no tracked run of {MIN_TREMOR_RUN_S:.0f} s or more ({what})"
    # Power, not amplitude, averaged over runs, then the root: the floor's estimate scatters around
    # the truth, and a root per run (clipped at 0) would bias a small tremor upwards.
    return float(np.sqrt(max(np.average(powers, weights=weights), 0.0))), what

"""Smoothness and tremor: log dimensionless jerk, spectral arc length (SPARC), 4-12 Hz tremor.

Smooth, expert movements are few bell-shaped speed profiles; hesitant ones are many small corrections.
Both jerk-type measures are read on the hand's moving time, in pieces of equal path, and averaged
(`path_smoothness`), so they neither grow with the length of the task nor change with still pauses.
Jerk comes from a local polynomial fit (`local_fit.local_derivatives`; for log dimensionless jerk on a
share of the hand's own pace, so a slower performance of the same strokes reads the same), not from
finite differences over frames, which made log dimensionless jerk change by up to 18 % between 15
and 50 fps on the real clips. On that time scale 8-Hz tremor, which has its own metric, passes for no
jerk. Tremor is measured on fingertips relative to the wrist, which removes the voluntary motion of
the whole hand, only where the frame rate can see 12 Hz (Nyquist), and above the white jitter floor the
recording shows above the band (with the floor in, 25 fps read MediaPipe-sized jitter as 10-25 % more
tremor than 60 fps). A tremor reading states its standard error, read from the spread of its own 2-s
stretches, and is withheld where that is too large ("not enough steady hand time"): on real hands the
4-12 Hz power comes in bursts of handling, and a minute of expert knot tying reads +/-20 to +/-41 %.
What it can claim: fingertip shake of 4-12 Hz relative to the wrist, physiological tremor (8-12 Hz)
included, where the camera takes 25 images a second or more; below that it is not read at all (a
15-fps camera folds 8-12 Hz onto 3-7 Hz, where it cannot be told from voluntary finger motion).
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np

from skillsight.pose.cleaning import mask_runs
from skillsight.pose.motion import Motion
from skillsight.scoring.features.kinematics import KinematicThresholds, spatial_axes
from skillsight.scoring.features.path_smoothness import (  # noqa: F401  (spectral_arc_length: re-exported)
    compute_path_log_dimensionless_jerk,
    compute_path_sparc,
    spectral_arc_length,
)

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
# Half-overlapping 2-s segments: about half as many independent ones.
SEGMENT_OVERLAP_FACTOR = 2.0
# Tremor is withheld where its standard error is over this share of it. Healthy people's tremor differs
# with a log-sd of about 0.5 (scoring.synthetic.TREMOR_PERSON_SD): a reading less sure than half that
# cannot tell two people apart. Real hands are far from that sure: 4-12 Hz fingertip power comes in
# bursts of handling (benchmarks/bench_tremor_uncertainty.py).
MAX_TREMOR_RELATIVE_ERROR = 0.25
# Below this many 2-s segments (8 s of tracked fingertips in one run: 4 that do not overlap) their spread
# cannot say how sure a reading is: typing_two_hands.mp4 (3.8 s, 2 segments) read +/-14 % at 25 fps
# and +/-0.3 % on the same images tracked again at 60 fps.
MIN_TREMOR_STEADY_S = 8.0
MIN_TREMOR_SEGMENTS = 7


def compute_log_dimensionless_jerk(motion: Motion, hand: str, thresholds: KinematicThresholds) -> float:
    """Log dimensionless jerk of the hand's moving time, per piece of one hand size of path
    (`path_smoothness`); higher (closer to 0) is smoother. Read rest to rest, per movement unit, a
    novice's still pauses cut their motion into short single strokes that scored smoother than an
    expert's long flowing units; pauses now change nothing, and a movement broken by stops is the
    jerkier one. `thresholds` is not needed: the rest level is a share of the hand's own peak speed."""
    return compute_path_log_dimensionless_jerk(motion, hand)


def compute_sparc(motion: Motion, hand: str, thresholds: KinematicThresholds) -> float:
    """SPARC of the hand's moving time, per piece of one hand size of path (`path_smoothness`;
    dimensionless, negative; closer to 0 is smoother)."""
    return compute_path_sparc(motion, hand)


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


def segment_densities(values: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """(frequencies, (S, F) one-sided power spectral density of each of Welch's S segments, summed
    over channels) of a (T, C) signal: 2 s Hann segments, half overlap, each linearly detrended, in
    numpy. The density of the end bins (0 Hz and, for an even segment, fs/2) is doubled as well:
    `band_power` gives them the half bin that lies inside 0..fs/2, so every bin is a density over the
    frequencies it stands for."""
    x = np.asarray(values, dtype=np.float64).reshape(values.shape[0], -1)
    nperseg = min(x.shape[0], int(round(2.0 * fs)))
    if nperseg < 4:
        return np.zeros(0), np.zeros((0, 0))
    step = max(1, nperseg // 2)
    segments = np.lib.stride_tricks.sliding_window_view(x, nperseg, axis=0)[::step]  # (n, C, L)
    ramp = np.arange(nperseg) - (nperseg - 1) / 2.0
    slope = (segments @ ramp) / (ramp @ ramp)
    detrended = segments - segments.mean(axis=-1, keepdims=True) - slope[..., None] * ramp
    window = np.hanning(nperseg + 1)[:-1]  # periodic Hann, as scipy
    spectrum = np.abs(np.fft.rfft(detrended * window, axis=-1)) ** 2
    density = 2.0 * spectrum / (fs * np.sum(window**2))
    return np.fft.rfftfreq(nperseg, 1.0 / fs), density.sum(axis=1)


def band_density(values: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """(frequencies, one-sided power spectral density summed over channels) of a (T, C) signal by
    Welch's method: the mean of `segment_densities`."""
    freqs, densities = segment_densities(values, fs)
    return freqs, densities.mean(axis=0) if freqs.size else np.zeros(0)


def band_shares(freqs: np.ndarray, fs: float, band: tuple[float, float]) -> np.ndarray:
    """(F,) hertz of each bin of `band_density`'s spectrum that lie within a band."""
    # Each bin stands for the frequencies within half a bin of it (those inside 0..fs/2), and counts by
    # the share of those in the band: a bin on an edge (4 Hz at 2-s segments) was in or out by
    # floating-point rounding of the frame rate (24.99999 fps left it out, 25.00001 fps in), moving
    # narrow bands by up to 30 %.
    half = 0.5 * (freqs[1] - freqs[0])
    low, high = max(band[0], 0.0), min(band[1], fs / 2.0)
    return np.clip(np.minimum(freqs + half, high) - np.maximum(freqs - half, low), 0.0, None)


def band_power(freqs: np.ndarray, density: np.ndarray, fs: float, band: tuple[float, float]) -> float:
    """Power of `band_density`'s spectrum within a band (NaN when no bin reaches it)."""
    if freqs.size < 2:
        return float("nan")
    share = band_shares(freqs, fs, band)
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
    not exceed the band's top. The mean of `tremor_powers` (both are linear in the spectrum)."""
    powers = tremor_powers(values, fs, band)
    return float(powers.mean()) if powers.size else float("nan")


def tremor_powers(values: np.ndarray, fs: float, band: tuple[float, float] = TREMOR_BAND_HZ) -> np.ndarray:
    """(S,) `tremor_power` of each of Welch's 2-s segments, each less its own floor: their spread is
    the reading's own sampling spread. Empty where fs/2 does not exceed the band's top."""
    return segment_tremor(values, fs, band)[0]


def segment_tremor(
    values: np.ndarray, fs: float, band: tuple[float, float] = TREMOR_BAND_HZ
) -> tuple[np.ndarray, np.ndarray]:
    """((S,) band power less the white floor, (S,) the floor's power within the band) of each 2-s
    segment: what `tremor_powers` reads and what the jitter it took off would have added."""
    freqs, densities = segment_densities(values, fs)
    nyquist = fs / 2.0
    floor_start = max(band[1], min(band[1] + FLOOR_GUARD_HZ, nyquist - MIN_FLOOR_WIDTH_HZ))
    if nyquist - floor_start < MIN_FLOOR_HZ - 1e-9 or freqs.size < 2:
        return np.zeros(0), np.zeros(0)
    # Not the Nyquist bin's half bin: it has half the degrees of freedom of the others, and a beat of
    # every other frame (a codec's alternating frame types, interlacing) lands on it as a line, not as
    # white jitter: on hand_reaching.mp4 it stands at 2x the bins below it in every variant.
    floor_end = nyquist - 0.5 * (freqs[1] - freqs[0]) if freqs[-1] >= nyquist - 1e-9 else nyquist
    floor = densities @ band_shares(freqs, fs, (floor_start, floor_end)) / (floor_end - floor_start)
    jitter = floor * (band[1] - band[0])
    return densities @ band_shares(freqs, fs, band) - jitter, jitter


def even_clock(values: np.ndarray, timestamps: np.ndarray) -> tuple[np.ndarray, float]:
    """(N, ...) samples read on an even clock from their exact timestamps, and the clock's rate: the
    recording's typical rate (its median frame interval), so frames a camera dropped are filled in
    (linearly) while the others keep their values. The clock is laid where most samples lie (the median
    of their offsets from a clock started at the first one): a stretch of images shown late by a third
    of a frame (a 25-fps clip shown at 30 fps, its repeats dropped) was read a third of the way between
    samples, a linear blend that kept 11 % of the power at 12.5 Hz, where the jitter floor is read, and
    about half of it in the band, and moved the real clips' tremor by -10 to +31 %. Evenly timed frames
    come back as they are."""
    t = np.asarray(timestamps, dtype=np.float64)
    if t.size < 2 or not t[-1] > t[0]:
        return values, float("nan")
    fs = 1.0 / float(np.median(np.diff(t)))
    ticks = (t - t[0]) * fs
    phase = round(float(np.median(ticks - np.round(ticks))), 6) % 1.0  # -0.0 is no phase
    start = t[0] + phase / fs
    clock = start + np.arange(int(np.floor((t[-1] - start) * fs + 1e-6)) + 1) / fs
    if clock.size == t.size and np.allclose(t, clock, rtol=0.0, atol=1e-3 / fs):
        return values, fs
    flat = values.reshape(t.size, -1)
    even = np.stack([np.interp(clock, t, flat[:, c]) for c in range(flat.shape[1])], axis=1)
    return even.reshape((clock.size, *values.shape[1:])), fs


def fps_too_low_for_tremor(motion: Motion) -> bool:
    """True when the frame rate's Nyquist frequency does not leave MIN_FLOOR_HZ above the tremor band's
    top, where the jitter floor is read."""
    return motion.fps / 2.0 - TREMOR_BAND_HZ[1] < MIN_FLOOR_HZ - 1e-9


class TremorReading(NamedTuple):
    """Tremor power (units^2, above the jitter floor) with its standard error from the spread of its
    2-s segments, how many segments and seconds of tracked fingertips it was read on, and what was used
    (or, with NaN power, why there is none)."""

    power: float
    standard_error: float
    jitter_power: float  # what the tracking jitter adds within the band, which `power` has taken off
    segments: int
    seconds: float
    what: str

    @property
    def amplitude(self) -> float:
        return float(np.sqrt(max(self.power, 0.0))) if np.isfinite(self.power) else float("nan")

    @property
    def amplitude_error(self) -> float:
        """Standard error of the amplitude (units): half the power's relative error times the
        amplitude, and no less than half the root of the power's error near no tremor."""
        return 0.5 * self.standard_error / np.sqrt(max(self.power, self.standard_error))

    @property
    def relative_error(self) -> float:
        """`amplitude_error` over the larger of the amplitude and the jitter's own amplitude in the band:
        a still hand reads about 0, and is read surely when its error is small beside the jitter that
        was taken off to find it."""
        scale = max(self.amplitude, float(np.sqrt(max(self.jitter_power, 0.0))))
        return self.amplitude_error / scale if scale > 0 else float("inf")


def _no_reading(why: str) -> TremorReading:
    return TremorReading(float("nan"), float("nan"), float("nan"), 0, 0.0, why)


def tremor_reading(motion: Motion, hand: str) -> TremorReading:
    """4-12 Hz power of the fingertips relative to the wrist above the recording's own white jitter
    floor (`tremor_powers`), read on an even clock from the exact timestamps, over fingertips and the
    observed runs of at least 1 s, each run weighted by its length. Its standard error is that of a
    weighted mean of the runs' 2-s segments, read from their spread (half-overlapping segments counted
    as half as many independent ones): on the real expert mocap it matches the spread between disjoint
    windows of 4-16 s within about a third (benchmarks/bench_tremor_uncertainty.py)."""
    fs = motion.fps
    if fps_too_low_for_tremor(motion):
        return _no_reading(
            f"{fs:.1f} fps cannot see {TREMOR_BAND_HZ[1]:.0f} Hz and the jitter above it "
            f"(needs {2 * (TREMOR_BAND_HZ[1] + MIN_FLOOR_HZ):.1f} fps or more)"
        )
    offsets, what = fingertip_offsets(motion, hand)
    if offsets is None:
        return _no_reading("no fingertip and wrist (or glove tip) keypoints for this hand")
    finite = np.isfinite(offsets.reshape(offsets.shape[0], -1)).all(axis=1)
    powers: list[np.ndarray] = []
    jitters: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for a, b in mask_runs(finite):
        span = motion.timestamps[b - 1] - motion.timestamps[a]
        if span + 1.0 / fs >= MIN_TREMOR_RUN_S:
            even, rate = even_clock(offsets[a:b], motion.timestamps[a:b])
            # The fingertips' power pooled (their mean square): the floor, read on a narrow band at 25
            # fps, is then estimated from every fingertip at once.
            segments, floors = segment_tremor(even.reshape(even.shape[0], -1), rate)
            if segments.size and np.isfinite(segments).all():
                powers.append(segments / offsets.shape[1])
                jitters.append(floors / offsets.shape[1])
                weights.append(np.full(segments.size, span / segments.size))
    if not powers:
        return _no_reading(f"no tracked run of {MIN_TREMOR_RUN_S:.0f} s or more ({what})")
    p, w = np.concatenate(powers), np.concatenate(weights)
    # Power, not amplitude, averaged, then the root: the floor's estimate scatters around the truth,
    # and a root per run (clipped at 0) would bias a small tremor upwards.
    power = float(np.average(p, weights=w))
    n = p.size
    spread = np.sum(w**2 * (p - power) ** 2) / np.sum(w) ** 2 * n / (n - 1) if n > 1 else np.inf
    error = float(np.sqrt(SEGMENT_OVERLAP_FACTOR * spread))
    jitter = float(np.average(np.concatenate(jitters), weights=w))
    return TremorReading(power, error, jitter, n, float(w.sum()), what)


def compute_tremor(motion: Motion, hand: str) -> tuple[float, str]:
    """RMS amplitude (units) of `tremor_reading`, and what was used; NaN with the reason where the
    frame rate or keypoints do not allow it, or where it is too unsure (`tremor_with_uncertainty`)."""
    value, reason, _ = tremor_with_uncertainty(motion, hand)
    return value, reason


def tremor_with_uncertainty(motion: Motion, hand: str) -> tuple[float, str, float]:
    """(RMS amplitude, what was used or why there is none, the amplitude's standard error in units).
    Withheld (NaN) with fewer than MIN_TREMOR_SEGMENTS segments, whose spread cannot say how sure the
    reading is, or where that error is over MAX_TREMOR_RELATIVE_ERROR: "I can't tell" rather than a
    number that another stretch of the same practice, or another camera, would not repeat."""
    reading = tremor_reading(motion, hand)
    if not np.isfinite(reading.power):
        return float("nan"), reading.what, float("nan")
    if reading.segments >= MIN_TREMOR_SEGMENTS and reading.relative_error <= MAX_TREMOR_RELATIVE_ERROR:
        return reading.amplitude, reading.what, reading.amplitude_error
    return float("nan"), _too_unsure(reading), reading.amplitude_error


def _too_unsure(reading: TremorReading) -> str:
    """Why a reading is withheld, and about how much hand time like it would do."""
    had = f"not enough steady hand time to read tremor: {reading.seconds:.0f} s of tracked fingertips"
    bound = f"shown at +/-{MAX_TREMOR_RELATIVE_ERROR:.0%} or better"
    if reading.segments < MIN_TREMOR_SEGMENTS:
        return f"{had}, too little to tell how sure a reading is (needs {MIN_TREMOR_STEADY_S:.0f} s)"
    wanted = reading.seconds * (reading.relative_error / MAX_TREMOR_RELATIVE_ERROR) ** 2
    return (
        f"{had}, where the reading is +/-{reading.relative_error:.0%} (one standard error; {bound}; "
        f"about {wanted:.0f} s like it would do)"
    )

"""Metrics measure the hand, not the camera: the same motion at 15, 25 or 50 fps, at full or half image
size, with real tracking jitter, gives the same path length, speeds, idle share, working area and
movement count (within 5 %).

Real clips from ../shared are turned into variants in memory (frames dropped or repeated, images
halved: no lossy re-encoding) and each variant is tracked again by MediaPipe through the project's own
tracking loop, so its jitter is real. Each variant is tracked once per test session (module fixtures).
Synthetic motion with known answers, with jitter added, checks the same at several frame rates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_file
from metamorphic_variants import take_frames

from skillsight.capture.frames import Frame, VideoInfo
from skillsight.pose.frame_clock import REPEAT_SIGNAL
from skillsight.pose.motion import LEFT_HAND, RIGHT_HAND, Motion
from skillsight.scoring.features import bimanual, prepare_motion
from skillsight.scoring.features import kinematics as k
from skillsight.scoring.features.handshape import compute_grip_cycles, compute_wrist_rotation_range
from skillsight.scoring.features.smoothness import (
    band_rms,
    compute_log_dimensionless_jerk,
    compute_sparc,
    compute_tremor,
    tremor_reading,
)
from skillsight.scoring.reference import hand_speed as reference_speed
from skillsight.scoring.synthetic import minimum_jerk, motion_from_tracks
from skillsight.webapp.plots import hand_speed as plotted_speed
from skillsight.webapp.plots import pause_intervals

TOLERANCE = 0.05
CLIPS = {
    "asl_hand": "tfjs/asl_hand.25fps.mp4",
    "typing_two_hands": "mediapipe_samples/typing_two_hands.mp4",
    "hand_reaching": "mediapipe_samples/hand_reaching.mp4",
}
# (frame rate, image scale) of each variant; the clips are 25 fps.
VARIANTS = {"15 fps": (15.0, 1.0), "50 fps": (50.0, 1.0), "half size": (25.0, 0.5)}
# Where the 5 % is given more room, each with what was measured (2026-11-30, `KNOWN_LIMITS` is empty
# for every metric the issue names: path, speeds, idle share, active time, working area, movements).
# Log dimensionless jerk is a third derivative, cut into pieces at the rest level: on these variants it
# moves at most 1.9 % (typing +1.9 % at 15 fps, read at the 100-Hz clock's ticks since 2026-11-30;
# 3.7 % read at the frames and interpolated; at most 4.1 % at 20, 30 and 60 fps, reaching at 60 fps)
# since the local fits reach 4 time scales and weigh each sample by the time it stands for, but over
# 40 other resamplings of the same clips (every phase of 60 fps kept 1 in 2, 3 or 4; the jitter
# redrawn), measured with the fits before that, up to 5.5 %, and MediaPipe gives other landmarks on
# another CPU: the real clips keep 0.08 until those are measured again. The synthetic rectangle at
# twice MediaPipe's jitter moved it 6.8 % between 15 and 60 fps with the fits cut off at 3 time scales;
# now at most 2.6 %, within the 5 %.
# Typing's movements, idle share and active time needed 0.12 until pauses were judged on the mean
# speed over 0.5 s and movements on peaks held 0.1 s (now 0.0 %, 0.1 %, 1.4 %).
# Tremor is not held to 5 % here: read from its own 2-s stretches, on these clips of 4-13 s it is
# +/-22 to +/-49 % sure (one standard error; benchmarks/bench_tremor_uncertainty.py), and it is
# withheld ("not enough steady hand time") under 8 s or over +/-25 %. Where it is read, its change
# between variants (-11.3 to +13.9 %, each variant tracked anew) lies within a fifth of that error
# (typing's +12.2 % at half size: 3.8 s, withheld); test_tremor_moves_within_its_own_error checks so.
KNOWN_LIMITS = {
    **{(clip, "log_dimensionless_jerk"): 0.08 for clip in CLIPS},
}
# Metrics that are withheld where their own error is too large: compared only where both are read.
WITHHELD_WHEN_UNSURE = ("tremor",)
COUNTS = ("grip_cycles",)
# Not compared where the variant's camera cannot see it: below 24.8 fps tremor is NaN with its reason
# (15 fps cannot see 8-12 Hz, and a band under 7.5 Hz would take 8-Hz tremor in at 15 fps, aliased to
# 7 Hz, and leave it out at 25; the jitter floor needs 0.4 Hz above the band).
NEEDS_FPS = {"tremor": 24.8}
# A hand seen for less than this is not a motion to measure (typing_two_hands shows its second hand in
# six frames): its metrics are noise at any frame rate.
MIN_TRACKED_S = 2.0


# --- variants in memory ------------------------------------------------------------------------------


class ResampledSource:
    """A video's frames at another frame rate (dropped or repeated in time order) and image scale,
    made on the fly from the decoded frames: a frame source the tracking loop takes as it is."""

    def __init__(self, path: Path, fps: float, scale: float) -> None:
        from skillsight.capture.sources import VideoFileSource

        self.base = VideoFileSource(path)
        self.fps, self.scale = fps, scale
        info: VideoInfo = self.base.info
        count = int(round((info.frame_count or 0) * fps / info.fps))
        size = {"width": int(round(info.width * scale)), "height": int(round(info.height * scale))}
        self.info = replace(info, fps=fps, frame_count=count, **size)
        self.error = None

    def __iter__(self) -> Iterator[Frame]:
        import cv2

        out = 0
        for frame in self.base:
            image = frame.image
            if self.scale != 1.0:
                size = (self.info.width, self.info.height)
                image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            shown = output_frames(frame.index, self.base.info.fps, self.fps, out)
            for index in shown:
                yield Frame(index, index / self.fps, image)
            out = shown.stop

    def close(self) -> None:
        self.base.close()


def output_frames(index: int, source_fps: float, fps: float, start: int) -> range:
    """The output frames (numbered from `start` on) whose instants fall within source frame `index`:
    each shows that frame (none when the output skips it)."""
    stop = start
    while stop / fps < (index + 1) / source_fps - 1e-9:
        stop += 1
    first = start
    while first < stop and first / fps < index / source_fps - 1e-9:
        first += 1
    return range(first, stop)


def _track(path: Path, fps: float, scale: float) -> Motion:
    from skillsight.pose.track import track_source

    return prepare_motion(track_source(ResampledSource(path, fps, scale), tracker="hands"))


@pytest.fixture(scope="module", params=sorted(CLIPS))
def clip_variants(request) -> tuple[str, dict[str, Motion]]:
    """(clip name, {"original": motion, variant name: motion}), every one tracked once, prepared."""
    path = shared_file(CLIPS[request.param])
    motions = {"original": _track(path, 25.0, 1.0)}
    motions.update({name: _track(path, fps, scale) for name, (fps, scale) in VARIANTS.items()})
    return request.param, motions


def _measured_hands(motion: Motion) -> list[str]:
    hands = []
    for hand in (LEFT_HAND, RIGHT_HAND):
        track = k.hand_track(motion, hand)
        if track is not None and np.isfinite(track).all(axis=1).sum() / motion.fps >= MIN_TRACKED_S:
            hands.append(hand)
    return hands


def _paced_metrics(motion: Motion, hand: str, idle_speed: float) -> dict[str, float]:
    """The metrics read through the idle speed (hand sizes/s), read at `idle_speed`."""
    th = k.thresholds_for(motion, {"idle_speed_hand_sizes_per_s": idle_speed})
    return {
        "idle_share": k.compute_idle_share(motion, hand, th),
        "active_time": k.compute_active_time(motion, hand, th),
        "movements": k.compute_movement_count(motion, hand, th),
        "pauses": k.compute_pause_count(motion, hand, th),
        "mean_jerk": k.compute_mean_jerk(motion, hand, thresholds=th),
    }


def _metrics(motion: Motion, hand: str) -> dict[str, float]:
    th = k.thresholds_for(motion)
    return {
        "path_length": k.compute_path_length(motion, hand),
        "mean_speed": k.compute_mean_speed(motion, hand),
        "peak_speed": k.compute_peak_speed(motion, hand),
        "idle_share": k.compute_idle_share(motion, hand, th),
        "active_time": k.compute_active_time(motion, hand, th),
        "working_area": k.compute_working_area(motion, hand),
        "movements": k.compute_movement_count(motion, hand, th),
        "log_dimensionless_jerk": compute_log_dimensionless_jerk(motion, hand, th),
        "sparc": compute_sparc(motion, hand, th),
        "mean_acceleration": k.compute_mean_acceleration(motion, hand),
        "mean_jerk": k.compute_mean_jerk(motion, hand, thresholds=th),
        "grip_cycles": compute_grip_cycles(motion, hand)[0],
        "wrist_rotation_range": compute_wrist_rotation_range(motion, hand)[0],
        "tremor": compute_tremor(motion, hand)[0],
    }


def _mismatches(original: dict[str, float], variant: dict[str, float], clip: str = "") -> list[str]:
    out = []
    for name, value in original.items():
        if np.isnan(value) and np.isnan(variant[name]):
            continue  # not measured on either (no fingertips on the synthetic hand)
        if name in WITHHELD_WHEN_UNSURE and (np.isnan(value) or np.isnan(variant[name])):
            continue  # too unsure to read on one of them: test_tremor_moves_within_its_own_error
        change = 0.0 if variant[name] == value else variant[name] / value - 1.0 if value else np.inf
        if not abs(change) <= KNOWN_LIMITS.get((clip, name), TOLERANCE):
            out.append(f"{name}: {value:.4g} -> {variant[name]:.4g} ({change:+.1%})")
    return out


@pytest.mark.slow
def test_real_clips_measure_the_same_at_any_frame_rate_and_image_size(clip_variants):
    name, motions = clip_variants
    hands = _measured_hands(motions["original"])
    assert hands, f"{name}: no hand tracked for {MIN_TRACKED_S} s"
    problems = {}
    for hand in hands:
        original = _metrics(motions["original"], hand)
        # Every metric measured (but those too unsure to read); only a count may be 0 (the reaching
        # hand never grips).
        measured = {m: v for m, v in original.items() if m not in WITHHELD_WHEN_UNSURE}
        assert all(np.isfinite(v) and (v != 0 or m in COUNTS) for m, v in measured.items()), (name, original)
        for variant, (fps, _) in VARIANTS.items():
            measured = _metrics(motions[variant], hand)
            measured.update({m: original[m] for m, needs in NEEDS_FPS.items() if fps < needs})
            found = _mismatches(original, measured, name)
            if found:
                problems[f"{name} {hand} {variant}"] = found
    assert not problems, problems


# The idle speed is a convention (0.3 hand sizes/s), not a fact of the motion: the metrics read through
# it hold on every variant at idle speeds 10 % either side of it too, not at the one value alone. Read at
# one speed, a stretch whose speed sat at it flipped whole: on main before the band (2026-12-01), the ASL
# clip at 15 fps failed at 0.28, 0.32 and 0.34 hand sizes/s (active time -32.7 % at 0.33).
IDLE_SPEEDS_AROUND = (0.27, 0.33)


@pytest.mark.slow
def test_real_clips_measure_the_same_at_idle_speeds_around_the_default(clip_variants):
    name, motions = clip_variants
    problems = {}
    for hand in _measured_hands(motions["original"]):
        for idle in IDLE_SPEEDS_AROUND:
            original = _paced_metrics(motions["original"], hand, idle)
            for variant in VARIANTS:
                found = _mismatches(original, _paced_metrics(motions[variant], hand, idle), name)
                if found:
                    problems[f"{name} {hand} {variant} at {idle}"] = found
    assert not problems, problems


# A 1 % move of the idle speed may move a moment's pause weight by at most 1.5 % (its ramp spans
# 2 x IDLE_BAND = 100 % of the idle speed, and a stiller window needs 1 + IDLE_BAND of it to leave):
# so idle share, and active time as a share of the observed time, by at most 0.015; a count by a part of
# one pause or movement, never a whole one. Read at one speed, on the real clips a 1 % step moved idle
# share by up to 0.064 (reaching), active time by 0.19 s of 3.8 s (typing) and the pause count by one.
SHARE_PER_STEP = 0.015
COUNT_PER_STEP = 0.3
STEPS = 0.30 * (1 + np.arange(-10, 11) / 100)


@pytest.mark.slow
def test_real_clips_move_smoothly_with_the_idle_speed(clip_variants):
    """Across idle speeds 0.27-0.33 in steps of 1 %, on every variant, no step moves idle share or
    active time (as a share of the observed time) by more than SHARE_PER_STEP, or a count (pauses,
    movements) by more than COUNT_PER_STEP of one."""
    name, motions = clip_variants
    problems = {}
    for variant, motion in motions.items():
        for hand in _measured_hands(motions["original"]):
            rows = [_paced_metrics(motion, hand, idle) for idle in STEPS]
            observed = rows[0]["active_time"] / (1 - rows[0]["idle_share"])
            for metric, unit, bound in (
                ("idle_share", 1.0, SHARE_PER_STEP),
                ("active_time", observed, SHARE_PER_STEP),
                ("pauses", 1.0, COUNT_PER_STEP),
                ("movements", 1.0, COUNT_PER_STEP),
            ):
                steps = np.abs(np.diff([row[metric] for row in rows])) / unit
                if not steps.max() <= bound:
                    at = STEPS[int(np.argmax(steps))]
                    problems[f"{name} {hand} {variant} {metric}"] = f"{steps.max():.3f} from {at:.3f}"
    assert not problems, problems


@pytest.mark.slow
def test_tremor_moves_within_its_own_error(clip_variants):
    """Where tremor can be read at all (a variant that sees 12 Hz), its change from the original lies
    within the two readings' combined standard error, each from its own 2-s stretches: the camera
    moves it less than another stretch of the same motion would. Shown or withheld, it says which."""
    name, motions = clip_variants
    for hand in _measured_hands(motions["original"]):
        original = tremor_reading(motions["original"], hand)
        for variant, (fps, _) in VARIANTS.items():
            reading = tremor_reading(motions[variant], hand)
            if fps < NEEDS_FPS["tremor"]:
                assert np.isnan(reading.power) and "fps" in reading.what
                continue
            combined = np.hypot(original.amplitude_error, reading.amplitude_error)
            where = f"{name} {hand} {variant}: {original.amplitude:.4g} -> {reading.amplitude:.4g}"
            assert abs(reading.amplitude - original.amplitude) <= combined, (where, combined)
            value, why = compute_tremor(motions[variant], hand)
            assert np.isfinite(value) or "not enough steady hand time" in why, (where, why)


@pytest.mark.slow
def test_variants_really_differ_in_frames_and_pixels(clip_variants):
    """The variants are what they claim: other frame counts, half the pixels, the same duration. The
    50-fps variant shows every image twice: twice the frames, and the copies found and dropped, so the
    motion has the original's images (the 24-fps ASL clip's own repeat a second among them, kept as in
    the 25-fps original: they are the recording's, not the stream's cadence)."""
    _, motions = clip_variants
    original = motions["original"]
    assert motions["15 fps"].n_frames == pytest.approx(0.6 * original.n_frames, abs=2)
    assert motions["50 fps"].metadata["frame_count"] == 2 * original.metadata["frame_count"]
    repeats = motions["50 fps"].metadata["frame_repeats"]
    assert repeats["repeated"] == pytest.approx(original.metadata["frame_count"], abs=14)
    assert repeats["occasional"] == original.metadata["frame_repeats"]["occasional"]
    assert motions["50 fps"].n_frames == original.n_frames
    assert motions["half size"].metadata["width"] == pytest.approx(original.metadata["width"] / 2, abs=1)
    for motion in motions.values():
        assert motion.duration_s == pytest.approx(original.duration_s, abs=0.1)


# --- synthetic motion with known answers -------------------------------------------------------------

RATES = (15.0, 25.0, 30.0, 60.0)
HAND = RIGHT_HAND
# Corners of a 2 x 1 hand-size rectangle, visited in turn: 1-s minimum-jerk reaches, 1-s rests.
CORNERS = np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 1.0], [0.0, 1.0], [0.0, 0.0]])
REACH_S, REST_S = 1.0, 1.0


def _rectangle_path(t: np.ndarray, offset_s: float = 0.0) -> np.ndarray:
    """(T, 2) position at times t: rest, reach to the next corner, rest, ... (starting after offset_s)."""
    position = np.tile(CORNERS[0], (t.size, 1))
    for i in range(len(CORNERS) - 1):
        start = offset_s + REST_S + i * (REACH_S + REST_S)
        tau = np.clip((t - start) / REACH_S, 0.0, 1.0)
        position = position + minimum_jerk(tau)[:, None] * (CORNERS[i + 1] - CORNERS[i])
    return position


def _jittery_motion(fps: float, jitter: float, seed: int, offsets: dict[str, float]) -> Motion:
    """The rectangle path of each hand (delayed by its offset) at `fps`, with white tracking jitter of
    `jitter` hand sizes, prepared as scoring prepares tracked motion (cleaned, smoothed)."""
    rng = np.random.default_rng(seed)
    duration = REST_S + (len(CORNERS) - 1) * (REACH_S + REST_S) + max(offsets.values())
    t = np.arange(int(round(duration * fps))) / fps
    tracks = {
        (hand, "centroid"): _rectangle_path(t, offset) + jitter * rng.standard_normal((t.size, 2))
        for hand, offset in offsets.items()
    }
    return prepare_motion(motion_from_tracks(tracks, fps=fps, units="hand_size"))


@pytest.fixture(scope="module")
def synthetic() -> dict[tuple[float, float], Motion]:
    """(fps, jitter) -> one hand drawing the rectangle, jittered as MediaPipe jitters and twice that."""
    return {
        (fps, jitter): _jittery_motion(fps, jitter, seed=int(fps), offsets={HAND: 0.0})
        for fps in RATES
        for jitter in (0.005, 0.01)
    }


def _still_edge(amplitude: float, idle_speed: float = k.IDLE_SPEED_HAND_SIZES_PER_S) -> float:
    """Seconds a minimum-jerk reach of `amplitude` hand sizes takes to cover the distance a pause may
    hold (idle speed x min pause): that much of each end of it lies inside the pause beside it."""
    held = idle_speed * k.MIN_PAUSE_S  # in hand sizes, the motions' unit
    tau = np.linspace(0.0, 0.5, 50001)
    return float(tau[np.argmax(amplitude * minimum_jerk(tau) >= held)])


def _moving_times(amplitude: float) -> np.ndarray:
    """The reach's moving time (less the ends a pause holds) at idle speeds spread evenly over the band
    (`kinematics.band_speeds`, finely): their mean is its active time, as pauses are weighed."""
    band = k.IDLE_SPEED_HAND_SIZES_PER_S * (1 + k.IDLE_BAND * np.linspace(-1, 1, 201))
    return np.array([REACH_S - 2 * _still_edge(amplitude, v) for v in band])


def test_known_answers_hold_at_every_frame_rate_with_jitter(synthetic):
    th = k.thresholds_for(next(iter(synthetic.values())))
    amplitudes = np.linalg.norm(np.diff(CORNERS, axis=0), axis=1)
    moving = sum(_moving_times(a).mean() for a in amplitudes)  # 1.96 s at 0.3 hand sizes/s alone
    for (fps, jitter), motion in synthetic.items():
        where = f"{fps:g} fps, jitter {jitter}"
        assert k.compute_path_length(motion, HAND) == pytest.approx(6.0, rel=TOLERANCE), where
        assert k.compute_movement_count(motion, HAND, th) == 4, where
        assert k.compute_working_area(motion, HAND) == pytest.approx(2.0, rel=TOLERANCE), where
        # Moving: the four reaches less their ends that a pause holds; the fit's 0.1-s window starts
        # and ends each reach a little early and late (measured: 0.02-0.03 s at each of the 8 ends).
        assert moving <= k.compute_active_time(motion, HAND, th) <= moving + 8 * 0.04, where
        assert k.compute_pause_count(motion, HAND, th) == 5, where


def test_metrics_agree_across_frame_rates_with_jitter(synthetic):
    for jitter in (0.005, 0.01):
        values = {fps: _metrics(synthetic[(fps, jitter)], HAND) for fps in RATES}
        for fps in RATES[1:]:
            assert _mismatches(values[RATES[0]], values[fps], "synthetic") == [], (fps, jitter)


def test_jitter_adds_no_path_to_a_still_hand_at_any_rate():
    rng = np.random.default_rng(3)
    for fps in RATES:
        t = np.arange(int(10 * fps)) / fps
        still = 0.01 * rng.standard_normal((t.size, 2))  # 1 % of a hand size, ten seconds
        motion = prepare_motion(motion_from_tracks({(HAND, "centroid"): still}, fps=fps, units="hand_size"))
        th = k.thresholds_for(motion)
        assert k.compute_path_length(motion, HAND) < 0.05, fps
        assert k.compute_idle_share(motion, HAND, th) == pytest.approx(1.0), fps
        assert k.compute_movement_count(motion, HAND, th) == 0.0, fps


def test_the_noise_floor_is_estimated_from_the_recording():
    """The jitter recorded by prepare_motion is the jitter that was added, whatever the frame rate."""
    for fps in RATES:
        for jitter in (0.005, 0.02):
            motion = _jittery_motion(fps, jitter, seed=7, offsets={HAND: 0.0})
            assert k.hand_jitter(motion, HAND) == pytest.approx(jitter, rel=0.25), (fps, jitter)


def test_simultaneous_share_is_the_same_at_every_frame_rate():
    """The second hand runs the same rectangle 0.25 s late: each hand moves for its reach less the ends a
    pause holds, and the two overlap for that less 0.25 s."""
    amplitudes = np.linalg.norm(np.diff(CORNERS, axis=0), axis=1)
    moving = [_moving_times(a) for a in amplitudes]
    expected = sum((m - 0.25).mean() for m in moving) / sum((m + 0.25).mean() for m in moving)
    shares = []
    for fps in RATES:
        motion = _jittery_motion(fps, 0.005, seed=11, offsets={RIGHT_HAND: 0.0, LEFT_HAND: 0.25})
        th = k.thresholds_for(motion)
        shares.append(bimanual.compute_simultaneous_share(motion, RIGHT_HAND, LEFT_HAND, th))
    assert shares[0] == pytest.approx(expected, abs=0.05)
    assert max(shares) / min(shares) - 1 <= TOLERANCE, shares


def test_one_speed_for_metrics_reference_and_plots():
    """The reference's speed template and the plots' speed chart read the features' hand speed."""
    motion = _jittery_motion(25.0, 0.005, seed=5, offsets={HAND: 0.0})
    speed = k.hand_speed(motion, HAND)
    np.testing.assert_allclose(reference_speed(motion, HAND), speed)
    np.testing.assert_allclose(plotted_speed(motion, HAND)[1], speed)
    shaded = pause_intervals(motion, HAND)
    assert len(shaded) == k.compute_pause_count(motion, HAND, k.thresholds_for(motion))


def test_frame_repeats_are_no_camera_for_tremor():
    """What the real-clip variants do to a 9-Hz fingertip line (in tremor's band): repeated 25-fps
    frames at 50 fps hold it (a fifth less), while a camera at 50 fps sees all of it."""
    source_fps, fps, hz = 25.0, 50.0, 9.0
    source = np.sin(2 * np.pi * hz * np.arange(250) / source_fps)[:, None]
    out, shown = 0, []
    for index in range(source.shape[0]):
        frames = output_frames(index, source_fps, fps, out)
        shown += [index] * len(frames)
        out = frames.stop
    camera = np.sin(2 * np.pi * hz * np.arange(500) / fps)[:, None]
    at_25 = band_rms(source, source_fps, (4.0, 12.0))
    assert band_rms(camera, fps, (4.0, 12.0)) == pytest.approx(at_25, rel=0.02)
    assert band_rms(source[shown], fps, (4.0, 12.0)) < 0.85 * at_25


def test_tremor_without_jitter_is_the_same_at_any_rate_that_sees_it():
    """A fingertip shaking at 5, 8 or 11 Hz (0.01 hand sizes) measures the same at 25-60 fps."""
    for hz in (5.0, 8.0, 11.0):
        values = []
        for fps in (25.0, 30.0, 50.0, 60.0):
            t = np.arange(int(20 * fps)) / fps
            wrist = np.c_[0.3 * np.sin(2 * np.pi * 0.2 * t), 0.0 * t]
            tip = wrist + [0.0, 0.8] + 0.01 * np.sin(2 * np.pi * hz * t)[:, None] * [0.6, 0.8]
            tracks = {(HAND, "wrist"): wrist, (HAND, "index_finger_tip"): tip}
            motion = prepare_motion(motion_from_tracks(tracks, fps=fps, units="hand_size"))
            values.append(compute_tremor(motion, HAND)[0])
        assert max(values) / min(values) - 1 <= TOLERANCE, (hz, values)
        assert values[0] == pytest.approx(0.01 / np.sqrt(2), rel=0.05), (hz, values)


def _tremor_hand(fps: float, seed: int, tremor: float = 0.01, jitter: float = 0.003) -> Motion:
    """60 s of a hand whose five fingertips shake at 8 Hz (`tremor` hand sizes), wrist and fingertips
    each with MediaPipe-sized white jitter, prepared as scoring prepares tracked motion."""
    return prepare_motion(_tremor_hand_raw(fps, seed, tremor, jitter))


def _tremor_hand_raw(fps: float, seed: int, tremor: float = 0.01, jitter: float = 0.003) -> Motion:
    """`_tremor_hand` as tracked, before it is prepared."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(60 * fps)) / fps
    wrist = np.c_[0.3 * np.sin(2 * np.pi * 0.2 * t), 0.0 * t]
    tracks = {(HAND, "wrist"): wrist + jitter * rng.standard_normal(wrist.shape)}
    for tip in ("thumb_tip", "index_finger_tip", "middle_finger_tip", "ring_finger_tip", "pinky_tip"):
        shake = tremor * np.sin(2 * np.pi * 8.0 * t + rng.uniform(0, 2 * np.pi))[:, None] * [0.6, 0.8]
        tracks[(HAND, tip)] = wrist + [0.0, 0.8] + shake + jitter * rng.standard_normal(wrist.shape)
    return motion_from_tracks(tracks, fps=fps, units="hand_size")


def test_tremor_with_jitter_is_the_same_at_any_rate_that_sees_it():
    """The jitter's white floor, read above the band, is taken off: 8-Hz tremor of 0.0071 RMS measures
    the same at 25-60 fps (0.00707-0.00711), where the band power with the floor left in reads 0.0085 at
    25 fps, 9.8 % above 60 fps.
    (Over 12 seeds the floor-free value scatters 1.8 % at 25 fps, 0.6 % at 60: the floor is read on
    12-12.5 Hz at 25 fps, 13-30 Hz at 60.)"""
    values, with_floor = [], []
    for fps in (25.0, 30.0, 50.0, 60.0):
        motion = _tremor_hand(fps, seed=int(fps))
        values.append(compute_tremor(motion, HAND)[0])
        offsets = motion.signals[f"{HAND}.fingertip_offsets_raw"]
        with_floor.append(band_rms(offsets.reshape(offsets.shape[0], -1), fps, (4.0, 12.0)) / np.sqrt(5))
    assert max(values) / min(values) - 1 <= TOLERANCE, values
    assert values == pytest.approx([0.01 / np.sqrt(2)] * 4, rel=TOLERANCE), values
    assert with_floor[0] / with_floor[-1] - 1 > 0.08, with_floor  # the floor is worth taking off


def test_jitter_alone_is_no_tremor():
    """A still hand with MediaPipe-sized jitter has (almost) no tremor at any rate; the band power with
    the floor left in reads 0.0048 hand sizes at 25 fps, 0.0031 at 60."""
    for fps in (25.0, 60.0):
        value = compute_tremor(_tremor_hand(fps, seed=3, tremor=0.0), HAND)[0]
        assert value < 0.0015, (fps, value)


def _held_twice(motion: Motion, marked: bool) -> Motion:
    """The motion as a 2x faster stream showing each sample twice (a webcam in low light), the repeats
    marked as tracking marks them, or not."""
    shown = take_frames(motion, np.repeat(np.arange(motion.n_frames), 2), fps=2 * motion.fps)
    if not marked:
        return shown
    flags = (np.arange(shown.n_frames) % 2).astype(float)
    return shown.with_updates(signals={**shown.signals, REPEAT_SIGNAL: flags})


def test_a_webcam_that_repeats_frames_reads_the_tremor_of_its_images():
    """8-Hz tremor with jitter, 25 images a second shown twice at 50 fps: with the repeats marked,
    tremor is read on the images, exactly as at 25 fps; held in, the held staircase puts images of the
    8-Hz line at 17 Hz, where the floor is read, and tremor reads 7 % low (0.0066 against 0.0071; on the
    real typing clip at 50 fps it read 0)."""
    raw = _tremor_hand_raw(25.0, seed=25)
    at_25 = compute_tremor(prepare_motion(raw), HAND)[0]
    marked = prepare_motion(_held_twice(raw, marked=True))
    assert marked.n_frames == raw.n_frames and marked.fps == pytest.approx(25.0)
    assert compute_tremor(marked, HAND)[0] == pytest.approx(at_25, rel=1e-9)
    assert compute_tremor(prepare_motion(_held_twice(raw, marked=False)), HAND)[0] < 0.95 * at_25


def test_tremor_needs_room_above_the_band_for_the_jitter_floor():
    """A 24-fps camera has no spectrum above 12 Hz to read the floor on: NaN with its reason; a webcam
    running at 24.9 fps still has it."""
    value, why = compute_tremor(_tremor_hand(24.2, seed=1), HAND)
    assert np.isnan(value) and "24.2 fps" in why and "24.8 fps" in why
    assert compute_tremor(_tremor_hand(24.9, seed=1), HAND)[0] == pytest.approx(0.01 / np.sqrt(2), rel=0.1)


def test_images_shown_late_by_part_of_a_frame_are_read_where_they_were_taken():
    """A 25-fps recording whose images after the first half second come a third of a frame late (a
    25-fps clip shown at 30 fps, its repeats dropped and its images evened out, as the real-clip variants
    are): the even clock is laid on the samples, so tremor reads as on time. Laid from the first sample,
    every later sample was read a third of the way to the next, a blend that kept 11 % of the jitter at
    12.5 Hz and half the 8-Hz line: 0.0050 against 0.0071."""
    raw = _tremor_hand_raw(25.0, seed=7)
    on_time = compute_tremor(prepare_motion(raw), HAND)[0]
    late = raw.timestamps + np.where(np.arange(raw.n_frames) >= 12, 1.0 / 75.0, 0.0)
    shifted = compute_tremor(prepare_motion(raw.with_updates(timestamps=late)), HAND)[0]
    assert shifted == pytest.approx(on_time, rel=0.02), (shifted, on_time)


def test_a_beat_of_every_other_frame_lifts_the_jitter_floor_less():
    """Fingertips that alternate by 0.0008 hand sizes from frame to frame (a codec's alternating frame
    types), beside 8-Hz tremor at 25 fps: the line on the Nyquist frequency stands at 1.9x the bins
    below it, as hand_reaching.mp4's does in every variant. The floor leaves out the Nyquist bin, so
    tremor reads 5.0 % low (0.00665 against 0.00700), where with that bin in the floor it read 11.4 % low
    (0.00613 against 0.00692). Not nil: a 2-s Hann window leaks a quarter of the line into the 12-Hz
    bin, all that is left above the band at 25 fps."""
    raw = _tremor_hand_raw(25.0, seed=11)
    plain = compute_tremor(prepare_motion(raw), HAND)[0]
    beat = 0.0008 * (-1.0) ** np.arange(raw.n_frames)
    tips = [raw.keypoint_index(k) for k in raw.keypoints if k.endswith("_tip")]
    positions = np.array(raw.positions)
    positions[:, raw.individual_index(HAND), tips, 0] += beat[:, None]
    beaten = compute_tremor(prepare_motion(raw.with_updates(positions=positions)), HAND)[0]
    assert beaten == pytest.approx(plain, rel=0.06), (beaten, plain)

"""Clean-up: short dropouts filled and flagged, long gaps kept and reported, jitter smoothed per run."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from skillsight.pose.cleaning import (
    CleaningError,
    clean_motion,
    find_gaps,
    glimpse_runs,
    one_euro_filter,
)
from skillsight.scoring.synthetic import motion_from_tracks

FPS = 30.0


def _line(n: int = 90, speed_px_s: float = 60.0) -> np.ndarray:
    t = np.arange(n) / FPS
    return np.c_[speed_px_s * t, 10.0 + 0 * t]


def _with_gap(track: np.ndarray, start: int, stop: int) -> np.ndarray:
    out = track.copy()
    out[start:stop] = np.nan
    return out


def test_find_gaps_reports_each_missing_run_with_its_duration():
    track = _with_gap(_with_gap(_line(), 10, 13), 40, 70)  # 3 frames, then 30 frames missing
    motion = motion_from_tracks({("right_hand", "centroid"): track}, fps=FPS)
    gaps = find_gaps(motion, "right_hand", "centroid")
    assert [(g.start_index, g.stop_index) for g in gaps] == [(10, 13), (40, 70)]
    assert gaps[0].duration_s == pytest.approx(3 / FPS)
    assert gaps[1].duration_s == pytest.approx(30 / FPS)
    assert all(g.interior for g in gaps)


def test_short_gap_is_interpolated_exactly_on_a_line_and_flagged():
    truth = _line()
    motion = motion_from_tracks({("right_hand", "centroid"): _with_gap(truth, 10, 15)}, fps=FPS)
    cleaned = clean_motion(motion, max_gap_s=0.3, smoother=None)
    np.testing.assert_allclose(cleaned.track("right_hand", "centroid"), truth, atol=1e-9)
    assert cleaned.filled[:, 0, 0].sum() == 5
    assert cleaned.filled[10:15, 0, 0].all()
    # The motion keeps its positions as tracked.
    assert np.isnan(motion.track("right_hand", "centroid")[10:15]).all()


def test_cubic_interpolation_follows_a_curve_better_than_linear():
    t = np.arange(120) / FPS
    truth = np.c_[100 * np.sin(2 * np.pi * 0.5 * t), 100 * np.cos(2 * np.pi * 0.5 * t)]
    motion = motion_from_tracks({("left_hand", "centroid"): _with_gap(truth, 50, 58)}, fps=FPS)
    errors = {}
    for method in ("linear", "cubic"):
        cleaned = clean_motion(motion, max_gap_s=0.3, smoother=None, interpolation=method)
        errors[method] = np.abs(cleaned.track("left_hand", "centroid")[50:58] - truth[50:58]).max()
    assert errors["cubic"] < errors["linear"] / 3


def test_long_gap_stays_missing_and_is_reported_in_the_processing_step():
    motion = motion_from_tracks({("right_hand", "centroid"): _with_gap(_line(), 30, 60)}, fps=FPS)
    cleaned = clean_motion(motion, max_gap_s=0.3, smoother=None)
    assert np.isnan(cleaned.track("right_hand", "centroid")[30:60]).all()
    step = cleaned.metadata["processing"][-1]
    assert step["step"] == "clean"
    report = step["long_gaps"]["right_hand"]
    assert report["count"] == 1
    assert report["gaps"][0]["duration_s"] == pytest.approx(1.0)
    assert step["max_gap_s"] == 0.3


@pytest.mark.parametrize("fps", [15.0, 25.0, 60.0])
def test_a_one_frame_glimpse_of_a_second_hand_is_dropped_at_any_frame_rate(fps):
    """A false detection (one frame here and there, as MediaPipe's false left hand in the half-size
    typing clip) is not a hand in view; the hand tracked throughout keeps every frame."""
    n = int(4 * fps)
    glimpse = np.full((n, 2), np.nan)
    glimpse[[n // 4, n // 4 + int(0.32 * fps) + 1, 3 * n // 4]] = 50.0  # two close glimpses, one apart
    track = _line(n)
    tracks = {("right_hand", "centroid"): track, ("left_hand", "centroid"): glimpse}
    motion = motion_from_tracks(tracks, fps=fps)
    cleaned = clean_motion(motion, smoother=None)
    assert np.isnan(cleaned.track("left_hand", "centroid")).all()
    np.testing.assert_allclose(cleaned.track("right_hand", "centroid"), track)
    assert cleaned.metadata["processing"][-1]["glimpse_frames_dropped"] == {"left_hand": 3}
    # Without the rule the glimpses stay, and two close ones may even be joined by gap filling.
    kept = clean_motion(motion, smoother=None, min_seen_share=0.0)
    assert np.isfinite(kept.track("left_hand", "centroid")).all(axis=1).sum() >= 3


def test_a_flickering_hand_seen_in_most_frames_keeps_every_frame():
    """Seen in two frames of every three: every run counts, and the one-frame gaps are filled."""
    seen = np.arange(90) % 3 != 2
    assert glimpse_runs(seen, np.arange(90) / FPS, reach_s=0.3) == []
    track = np.where(seen[:, None], _line(), np.nan)
    cleaned = clean_motion(motion_from_tracks({("right_hand", "centroid"): track}, fps=FPS), smoother=None)
    np.testing.assert_allclose(cleaned.track("right_hand", "centroid")[:-1], _line()[:-1], atol=1e-9)


def test_a_hand_that_enters_late_and_stays_is_kept_and_a_short_visit_is_judged_by_its_frames():
    t = np.arange(90) / FPS
    late = np.arange(90) >= 80  # the last third of a second, up to the end: a hand entering
    assert glimpse_runs(late, t, reach_s=0.3) == []
    visit = (np.arange(90) >= 40) & (np.arange(90) < 43)  # 3 frames amid 18 without
    assert glimpse_runs(visit, t, reach_s=0.3) == [(40, 43)]
    assert glimpse_runs(visit, t, reach_s=0.0) == []  # no gap filling, no glimpses


def test_savgol_reduces_jitter_and_keeps_a_line():
    rng = np.random.default_rng(0)
    truth = _line(300)
    noisy = truth + rng.normal(0, 2.0, truth.shape)
    motion = motion_from_tracks({("right_hand", "centroid"): noisy}, fps=FPS)
    cleaned = clean_motion(motion, smoother="savgol", window_s=0.3, polyorder=2)
    before = np.std(noisy - truth)
    after = np.std(cleaned.track("right_hand", "centroid") - truth)
    assert after < 0.6 * before
    params = cleaned.metadata["processing"][-1]["smoother_params"]
    assert params == {"window_s": 0.3, "polyorder": 2}


def test_smoothing_never_bridges_a_long_gap():
    # The hand leaves at x=0 and comes back at x=500: smoothing must not pull the ends towards each other.
    track = np.r_[np.zeros((40, 2)), np.full((30, 2), np.nan), np.full((40, 2), 500.0)]
    motion = motion_from_tracks({("right_hand", "centroid"): track}, fps=FPS)
    cleaned = clean_motion(motion, smoother="savgol", window_s=0.5)
    out = cleaned.track("right_hand", "centroid")
    np.testing.assert_allclose(out[:40], 0.0, atol=1e-9)
    np.testing.assert_allclose(out[70:], 500.0, atol=1e-9)


def test_one_euro_reduces_jitter_at_rest_and_follows_a_step():
    rng = np.random.default_rng(1)
    t = np.arange(200) / FPS
    values = np.r_[np.zeros(100), np.full(100, 100.0)][:, None] + rng.normal(0, 1.0, (200, 1))
    out = one_euro_filter(values, t, min_cutoff=1.0, beta=0.05)
    assert np.std(out[20:100]) < 0.5 * np.std(values[20:100])
    assert abs(out[-1, 0] - 100.0) < 2.0  # it caught up with the step
    motion = motion_from_tracks({("left_hand", "centroid"): np.c_[values, values]}, fps=FPS)
    cleaned = clean_motion(motion, smoother="one_euro", min_cutoff=1.0, beta=0.05)
    assert cleaned.metadata["processing"][-1]["smoother"] == "one_euro"


def _smoothed_wave(fps: float, hz: float = 3.0, seconds: float = 6.0) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(int(seconds * fps)) / fps
    wave = np.sin(2 * np.pi * hz * t)
    motion = motion_from_tracks({("right_hand", "centroid"): np.c_[wave, 0 * wave]}, fps=fps)
    return t, clean_motion(motion, smoother="savgol").track("right_hand", "centroid")[:, 0]


def test_the_smoother_spans_the_same_time_at_any_frame_rate():
    """The same continuous 3-Hz wave, sampled at 15 / 25 / 30 / 60 fps, keeps the same share of its
    amplitude (within 1 %): the window is in seconds. A window of the odd frame count nearest 0.3 s
    spanned +-0.133 / 0.120 / 0.133 / 0.150 s and kept 0.84 / 0.89 / 0.85 / 0.80 of it."""
    kept = []
    for fps in (15.0, 25.0, 30.0, 60.0):
        t, smoothed = _smoothed_wave(fps)
        middle = (t > 1.0) & (t < 5.0)
        basis = np.c_[np.sin(2 * np.pi * 3.0 * t), np.cos(2 * np.pi * 3.0 * t)][middle]
        kept.append(float(np.hypot(*np.linalg.lstsq(basis, smoothed[middle], rcond=None)[0])))
    assert max(kept) - min(kept) < 0.01 * max(kept), kept
    assert min(kept) > 0.75 and max(kept) < 0.95  # it smooths, about as much as 0.3 s of Savitzky-Golay


def test_the_smoother_keeps_polynomials_and_leaves_jitter_as_the_window_does():
    """A quadratic comes back exactly, also at the runs' ends; white jitter keeps the share a
    Savitzky-Golay fit over 0.3 s leaves in continuous time (9 / (8 x 0.15 s x fps) of its variance)."""
    for fps in (15.0, 30.0, 60.0):
        t = np.arange(int(4 * fps)) / fps
        quadratic = 1.0 + 20.0 * t - 6.0 * t**2
        motion = motion_from_tracks({("right_hand", "centroid"): np.c_[quadratic, quadratic]}, fps=fps)
        cleaned = clean_motion(motion, smoother="savgol").track("right_hand", "centroid")[:, 0]
        np.testing.assert_allclose(cleaned, quadratic, atol=1e-8)
        noise = np.random.default_rng(3).normal(0, 1.0, (int(200 * fps), 2))
        motion = motion_from_tracks({("right_hand", "centroid"): noise}, fps=fps)
        left = clean_motion(motion, smoother="savgol").track("right_hand", "centroid")[50:-50]
        assert np.var(left) == pytest.approx(9 / (8 * 0.15 * fps), rel=0.1)


def test_bad_parameters_name_the_problem():
    motion = motion_from_tracks({("right_hand", "centroid"): _line()}, fps=FPS)
    with pytest.raises(CleaningError, match="smoother"):
        clean_motion(motion, smoother="kalman")
    with pytest.raises(CleaningError, match="interpolation"):
        clean_motion(motion, interpolation="quadratic")


def test_prepare_motion_records_both_steps_and_does_not_repeat_them():
    from skillsight.scoring.features import prepare_motion
    from skillsight.scoring.synthetic import generate_practice

    practice = generate_practice("expert", "suturing", n_stitches=1, seed=0)
    # A 3-frame dropout of every hand and landmark, so the cleaning step has a gap to fill whatever
    # dropouts the generator happens to draw.
    positions, confidence = practice.positions.copy(), practice.confidence.copy()
    positions[40:43], confidence[40:43] = np.nan, 0.0
    tracked = dataclasses.replace(practice, positions=positions, confidence=confidence)
    prepared = prepare_motion(tracked)
    assert [s["step"] for s in prepared.metadata["processing"]] == ["clean", "scale"]
    assert prepared.units == "hand_size" and prepared.filled is not None and prepared.filled.any()
    assert prepare_motion(prepared) is prepared
    smoothed_once = clean_motion(tracked)  # as `skillsight track --smooth` saves it
    again = prepare_motion(smoothed_once)
    assert [s["step"] for s in again.metadata["processing"]] == ["clean", "scale"]
    # Same positions, up to the hand size being measured on smoothed rather than tracked landmarks (a
    # high percentile of the palm readings, pose/scale.py, sees the jitter smoothing removes: 0.2 %).
    np.testing.assert_allclose(again.positions, prepared.positions, rtol=5e-3, equal_nan=True)
    marker = prepare_motion(tracked, mm_per_px=0.25)
    assert marker.units == "mm"


def test_the_smoothing_window_does_not_flip_with_the_timestamps_last_bit():
    """0.3 s is 7.5 frames at 25 fps: the same frames, timed 0.04 s apart as two recordings' floats
    give it (a last bit either side), are smoothed alike; when the window was a whole number of frames
    it was 7 frames for one and 9 for the other."""
    rng = np.random.default_rng(2)
    track = np.cumsum(rng.standard_normal((200, 2)), axis=0)
    motion = motion_from_tracks({("right_hand", "centroid"): track}, fps=25.0)
    cleaned = [
        clean_motion(dataclasses.replace(motion, timestamps=np.arange(200) * period), smoother="savgol")
        for period in (0.04 * (1 + 1e-14), 0.04 * (1 - 1e-14))
    ]
    first, second = (c.track("right_hand", "centroid") for c in cleaned)
    np.testing.assert_allclose(first, second, atol=1e-9)
    assert not np.allclose(first, track)  # it did smooth


def test_savgol_on_uneven_times_fits_the_window_in_seconds():
    """Where frames are unevenly timed (a dropped frame, repeats taken out), the fit weighs samples by
    their times: a quadratic comes back exactly, and a frame missing does not widen the window: a 3-Hz
    wave keeps 0.84 of its amplitude on the even clock and 0.86 with every 5th frame missing, where a
    window of 9 frames (as counted on the even clock) kept 0.72 of it before and 0.52 after."""
    from skillsight.pose.cleaning import _kernel_time_scale_s, _local_polynomial_smooth

    t = np.arange(200) / 25.0
    tau = _kernel_time_scale_s(0.3, 1 / 25.0, 2)
    wave = np.sin(2 * np.pi * 3.0 * t)[:, None]
    kept = np.arange(200) % 5 != 4
    quadratic = (1.0 + 2.0 * t - 0.5 * t**2)[:, None]
    np.testing.assert_allclose(
        _local_polynomial_smooth(quadratic[kept], t[kept], tau, 2), quadratic[kept], atol=1e-9
    )
    even = np.abs(_local_polynomial_smooth(wave, t, tau, 2)[20:-20]).max()
    uneven = np.abs(_local_polynomial_smooth(wave[kept], t[kept], tau, 2)[20:-20]).max()
    assert abs(uneven - even) < 0.03 * even and 0.75 < even < 0.95

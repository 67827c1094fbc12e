"""Smoothness on the moving time in pieces of equal path: known answers, frame rates, still pauses."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import shared_file

from skillsight.scoring.features import prepare_motion
from skillsight.scoring.features.path_smoothness import (
    compute_path_log_dimensionless_jerk,
    compute_path_sparc,
    spectral_arc_length,
)
from skillsight.scoring.synthetic import minimum_jerk, motion_from_tracks
from skillsight.scoring.synthetic_realism import top_view

HAND = "right_hand"


def _moves(fps: float, strokes: list[tuple[float, float, float]], seed: int = 0, jitter: float = 0.005):
    """A prepared hand (hand sizes) making minimum-jerk strokes along x: (start_s, duration_s, distance)
    each, still in between, with white jitter."""
    end = max(start + duration for start, duration, _ in strokes) + 1.0
    t = np.arange(int(end * fps)) / fps
    x = sum(d * minimum_jerk(np.clip((t - start) / duration, 0, 1)) for start, duration, d in strokes)
    track = np.c_[x, 0 * t] + jitter * np.random.default_rng(seed).standard_normal((t.size, 2))
    return prepare_motion(motion_from_tracks({(HAND, "centroid"): track}, fps=fps, units="hand_size"))


def _smoothness(motion) -> tuple[float, float]:
    return compute_path_log_dimensionless_jerk(motion, HAND), compute_path_sparc(motion, HAND)


FRAME_RATES = (15, 20, 25, 30, 50, 60)
# A minimum-jerk stroke has dimensionless jerk 720. Fitted on its own time scale (0.29 of its duration),
# its speed profile is widened by the same share at any duration, which reads it about 1.2 rougher.
MINIMUM_JERK_ON_ITS_OWN_SCALE = -np.log(720) - 1.2


def test_one_minimum_jerk_stroke_per_piece_at_any_frame_rate_and_duration():
    """Strokes of one hand size (a piece each) read as a minimum-jerk movement fitted on its own time
    scale, less what the rest level trims off their gentlest ends, at 15-60 fps, and the same for strokes
    of 0.4 to 3.2 s. SPARC reads every window of one hand size, and the windows across a stop hold its
    slowing down and speeding up: rougher than one whole bell, by the same at every frame rate."""
    whole = spectral_arc_length(np.gradient(minimum_jerk(np.linspace(0, 1, 81)), 0.01), 100.0)
    strokes = [(1.0, 0.8, 1.0), (3.0, 0.8, 1.0), (5.0, 0.8, 1.0)]
    values = np.array([_smoothness(_moves(fps, strokes, seed=int(fps))) for fps in FRAME_RATES])
    assert values[:, 0] == pytest.approx(MINIMUM_JERK_ON_ITS_OWN_SCALE, abs=0.3)
    assert np.all(values[:, 1] < whole - 0.5)
    assert np.all(np.ptp(values, axis=0) < 0.05 * np.abs(values.mean(axis=0)))
    lasting = [[(1.0 + 2.5 * k * d, d, 1.0) for k in range(3)] for d in (0.4, 0.8, 1.6, 3.2)]
    durations = np.array([_smoothness(_moves(30.0, s, seed=30))[0] for s in lasting])
    assert durations == pytest.approx(MINIMUM_JERK_ON_ITS_OWN_SCALE, abs=0.3)


def test_one_whole_bell_in_its_one_piece_reads_as_a_whole_bell_at_any_frame_rate():
    """Known answer: one minimum-jerk stroke of one hand size, the whole moving time in one window, has
    the SPARC of a whole bell at 15-60 fps, however long the rests around it."""
    whole = spectral_arc_length(np.gradient(minimum_jerk(np.linspace(0, 1, 81)), 0.01), 100.0)
    for fps in FRAME_RATES:
        for start in (1.0, 6.0):
            motion = _moves(fps, [(start, 0.8, 1.0)], seed=int(fps))
            assert compute_path_sparc(motion, HAND) == pytest.approx(whole, rel=0.03), (fps, start)


def test_still_pauses_change_nothing_and_stops_inside_a_reach_are_less_smooth():
    """A reach of two hand sizes in one stroke, and the same reach in two strokes with a full stop
    between them (a novice's separate submovements): the stop makes it less smooth, however long it
    lasts; a longer rest between whole reaches changes neither measure."""
    one = _smoothness(_moves(30.0, [(1.0, 1.2, 2.0), (8.0, 1.2, 2.0)]))
    rested = _smoothness(_moves(30.0, [(1.0, 1.2, 2.0), (13.0, 1.2, 2.0)]))
    assert rested == pytest.approx(one, rel=0.03)
    stopped = [_moves(30.0, [(1.0, 0.6, 1.0), (1.6 + gap, 0.6, 1.0), (8.0, 1.2, 2.0)]) for gap in (0.6, 3.0)]
    short, long = (_smoothness(m) for m in stopped)
    assert short == pytest.approx(long, rel=0.03)
    assert short[0] < one[0] - 0.5
    # SPARC's windows across the stop hold its slowing down and speeding up (-2.49 against -2.25).
    # Cut into a grid of whole pieces, it had read the stopped reach as two whole bells (-1.52) and the
    # one stroke as two half bells (-1.63): the smoother.
    assert short[1] < one[1] - 0.1


STROKES = [(1.0, 0.8, 1.0), (2.5, 1.0, 1.5), (4.5, 0.6, 0.5), (6.0, 1.0, 2.0), (7.5, 0.5, 0.7)]


def _paced(pace: float, fps: float, jitter: float) -> tuple[float, float]:
    """STROKES performed `pace` times as slowly (their starts and durations stretched)."""
    strokes = [(pace * s, pace * d, a) for s, d, a in STROKES]
    return _smoothness(_moves(fps, strokes, seed=int(fps), jitter=jitter))


@pytest.mark.parametrize("fps", [15.0, 20.0, 30.0, 60.0])
def test_sparc_reads_the_same_strokes_the_same_at_any_pace(fps):
    """The same strokes at 2x / 1x / 0.5x / 0.25x speed with tracking jitter: the spectrum of a stroke
    k times as long is the same spectrum k times as narrow, and SPARC's amplitude threshold follows it,
    so the measure may not depend on the pace. A fixed 10-Hz cap cut off the quick strokes' spectra
    alone: they read -2.20 / -2.44 / -2.59 / -2.56 at 30 fps, faster smoother (15 %). Without it, within
    4 % (the fixed 0.1-s fit still widens the quickest strokes a little: they read up to 0.10 rougher)."""
    values = np.array([_paced(k, fps, 0.005)[1] for k in (0.5, 1, 2, 4)])
    assert np.ptp(values) < 0.045 * np.abs(values.mean()), values


@pytest.mark.parametrize("fps", [15.0, 20.0, 30.0, 60.0])
def test_log_dimensionless_jerk_reads_the_same_strokes_the_same_at_any_pace(fps):
    """The same strokes at 2x / 1x / 0.5x / 0.25x speed with tracking jitter: a minimum-jerk movement's
    dimensionless jerk does not depend on its duration, so neither may the measure (on a fixed 0.1-s fit,
    which widens quick strokes, they read -5.97 / -5.21 / -4.59 at 30 fps: slower read smoother). From 2x
    to 0.5x within 2.5 % (1.8 % at most; 3.6 % at 15 fps while speed and jerk were read at the frames and
    interpolated to the clock, now read at the clock's ticks); the slowest, whose acceleration the jitter
    swamps most and so shortens their own time scale (`own_time_scale`), read up to 2.8 % smoother at
    15-20 fps (3.3 % before), 0.9 % at 30."""
    values = np.array([_paced(k, fps, 0.005)[0] for k in (0.5, 1, 2, 4)])
    scale = np.abs(values.mean())
    assert np.ptp(values[:3]) < 0.025 * scale
    assert all(values[i] <= values[:i].max() + 0.035 * scale for i in range(1, values.size))


@pytest.mark.parametrize("take", ["BVH_Finale_Choreographie_MFK_ZFK", "Zeigefinger_BVH"])
def test_log_dimensionless_jerk_of_the_real_expert_capture_at_any_frame_rate(take):
    """The real expert knot-tying capture (../shared) seen from above at 15 / 25 / 60 fps reads within
    5 % of 30 fps (the issue's limit). Fit take: 2.4 / 2.6 / 1.4 %; held-out take: 2.0 / 0.6 / 0.8 %.
    While speed and jerk were read at the frames and interpolated to the 100-Hz clock, a straight line
    between 15-fps frames filled each dip of the speed, more ticks passed the rest level, and the fit
    take read 6.8 % rougher at 15 fps."""
    bvh = pytest.importorskip("skillsight.datasets.bvh", reason="BVH loader not available")
    capture = bvh.load_bvh_recording(shared_file(f"knot_tying_bvh/{take}/MetaData").parent)
    values = {fps: compute_path_log_dimensionless_jerk(prepare_motion(top_view(capture, fps=fps)), HAND)
              for fps in (15.0, 25.0, 30.0, 60.0)}  # fmt: skip
    changes = {fps: abs(v / values[30.0] - 1) for fps, v in values.items()}
    assert max(changes.values()) < 0.05, values


def test_a_hand_that_barely_moves_has_no_smoothness():
    still = _moves(30.0, [(1.0, 0.8, 0.3)])
    assert all(np.isnan(v) for v in _smoothness(still))


# Strokes back and forth, (start_s, duration_s, distance along x) each, rising along y as they go.
BACK_AND_FORTH = [(1.0, 0.8, 0.9), (2.2, 0.6, -0.5), (3.0, 1.0, 0.7), (4.4, 0.5, -0.4), (5.2, 0.9, 0.6)]
FPS = 30.0


def _back_and_forth(scale: float = 1.0, hold_at_s: float | None = None) -> float:
    """SPARC of BACK_AND_FORTH scaled by `scale`, the frame at `hold_at_s` held for 3 s (a pause)."""
    t = np.arange(int(7.5 * FPS)) / FPS
    x = sum(scale * d * minimum_jerk(np.clip((t - s) / du, 0, 1)) for s, du, d in BACK_AND_FORTH)
    y = sum(
        0.3 * scale * abs(d) * minimum_jerk(np.clip((t - s - 0.1) / du, 0, 1)) for s, du, d in BACK_AND_FORTH
    )
    track = np.c_[x, y] + 0.003 * np.random.default_rng(0).standard_normal((t.size, 2))
    if hold_at_s is not None:
        i = int(hold_at_s * FPS)
        track = np.concatenate([track[:i], np.repeat(track[i - 1 : i], int(3 * FPS), axis=0), track[i:]])
    motion = motion_from_tracks({(HAND, "centroid"): track}, fps=FPS, units="hand_size")
    return compute_path_sparc(prepare_motion(motion), HAND)


def test_sparc_is_continuous_in_the_path():
    """The same strokes a little larger, their path (3.2-3.6 hand sizes) crossing 3.5: SPARC moves
    smoothly. Cut into a whole number of pieces, it jumped from -1.96 to -2.34 where the count rounded
    from 3 to 4."""
    values = np.array([_back_and_forth(scale) for scale in (1.06, 1.08, 1.09, 1.10, 1.12)])
    assert np.all(np.abs(np.diff(values)) < 0.05), values


def test_a_pause_in_mid_stroke_does_not_read_smoother():
    """A 3-s hold in the middle of each stroke in turn. Cut into a grid of whole pieces, holds read
    up to 0.10 smoother (a stop moved onto a piece's end). In windows at every position what is left
    is a window's own cut ends: a stop that slows the hand where a window ends takes away some of the
    abruptness of cutting a stroke there (here at most +0.012; -0.10 to +0.01 in all)."""
    original = _back_and_forth()
    changes = [_back_and_forth(hold_at_s=s + du / 2) - original for s, du, _ in BACK_AND_FORTH]
    assert max(changes) < 0.02, changes

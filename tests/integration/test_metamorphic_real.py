"""Metamorphic checks of scoring on real clips: the same recording slowed down or with pauses inserted
never scores higher and moves task time, speed and idle share the right way; mirrored and scored
left-handed, or at half size, it scores the same.

Each real clip is tracked once per session (module fixtures); its variants are made in memory (see
tests/metamorphic_variants.py). Where the level and score are withheld (out of the model's domain) or
refused, the checks compare the model's raw output (its unclipped score and level probabilities) and the
metrics, so they still test something. No real gloved clip is shared, so the glove-colour relation is
not checked here (the gloves tests cover colours on synthetic scenes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from conftest import shared_file
from metamorphic_variants import (
    decode_frames,
    half_size,
    mirrored,
    paused,
    ping_pong,
    slowed,
    take_frames,
    track_images,
)

from skillsight.pose.motion import Motion
from skillsight.scoring.assessment import assess_motion
from skillsight.scoring.features import compute_features, prepare_motion
from skillsight.scoring.procedure import load_procedure
from skillsight.scoring.reference import measure_motion
from skillsight.scoring.results import ResultStatus

pytestmark = pytest.mark.slow

PROCEDURE = "suturing"
LOOP_S = 30.0
SCORE_TOLERANCE = 0.25  # points on the 6-30 scale: numerical noise, not a real change
LEVEL_TOLERANCE = 0.05  # expected level index (0 novice .. 2 expert)


@dataclass
class Judged:
    """An assessment plus what the model said before anything was withheld or clipped."""

    status: str
    shown_score: Any
    shown_probabilities: dict[str, float]
    raw_score: float
    expected_level: float  # raw probabilities: sum of p(level) x index (0 novice, 1 intermediate, 2 expert)
    metrics: dict[str, float]
    duration_s: float


@pytest.fixture(scope="module")
def scorer() -> Any:
    from skillsight.models import default_model_path
    from skillsight.scoring.scorer import load_scorer

    return load_scorer(default_model_path(PROCEDURE))


def judge(motion: Motion, dominant_hand: str, scorer: Any) -> Judged:
    assessment = assess_motion(motion, PROCEDURE, model=scorer, dominant_hand=dominant_hand)
    _, features = measure_motion(motion, load_procedure(PROCEDURE), dominant_hand)
    row, _ = scorer.feature_vector(features)
    probabilities, raw = scorer.run(row)
    order = {"novice": 0, "intermediate": 1, "expert": 2}
    expected = float(sum(p * order[level] for level, p in zip(scorer.levels, probabilities[0])))
    return Judged(
        status=assessment.status,
        shown_score=assessment.score,
        shown_probabilities=dict(assessment.level_probabilities),
        raw_score=float(raw[0]),
        expected_level=expected,
        metrics={k: f.value for k, f in features.items()},
        duration_s=motion.duration_s,
    )


def tracked_hand(motion: Motion) -> str:
    """The hand tracked in most frames: the needle driver for a one-hand clip."""
    shares = {h: float(np.mean(motion.confidence[:, i, 0] > 0)) for i, h in enumerate(motion.individuals)}
    return max(shares, key=lambda hand: shares[hand]).split("_")[0]


def looped(motion: Motion) -> Motion:
    return take_frames(motion, ping_pong(motion.n_frames, int(round(LOOP_S * motion.fps))))


# --- the clips, tracked once per session --------------------------------------------------------------


@pytest.fixture(scope="module")
def typing_tracks() -> dict[str, Motion]:
    """typing_two_hands.mp4 tracked as it is, mirrored and at half size (frames in memory, no re-encoding)."""
    images, fps = decode_frames(shared_file("mediapipe_samples/typing_two_hands.mp4"))
    tracks = {
        "original": track_images(images, fps, "typing_two_hands", PROCEDURE),
        "mirrored": track_images(mirrored(images), fps, "typing_two_hands mirrored", PROCEDURE, "left"),
        "half_size": track_images(half_size(images), fps, "typing_two_hands half size", PROCEDURE),
    }
    del images
    return tracks


@pytest.fixture(scope="module")
def asl_track() -> Motion:
    images, fps = decode_frames(shared_file("tfjs/asl_hand.25fps.mp4"))
    return track_images(images, fps, "asl_hand", PROCEDURE)


@pytest.fixture(scope="module", params=["typing_two_hands", "asl_hand"])
def time_variants(request: Any, scorer: Any) -> dict[str, Judged]:
    """The clip ping-pong looped to 30 s, that loop slowed to half speed, and with three 3-s pauses."""
    if request.param == "typing_two_hands":
        base, hand = request.getfixturevalue("typing_tracks")["original"], "right"
    else:
        base = request.getfixturevalue("asl_track")
        hand = tracked_hand(base)
    loop = ping_pong(base.n_frames, int(round(LOOP_S * base.fps)))
    return {
        "original": judge(take_frames(base, loop), hand, scorer),
        "slowed": judge(take_frames(base, slowed(loop)), hand, scorer),
        "paused": judge(take_frames(base, paused(loop, base.fps)), hand, scorer),
    }


# --- slower or with pauses: never better --------------------------------------------------------------


@pytest.mark.parametrize("variant", ["slowed", "paused"])
def test_slower_or_paused_never_scores_higher(time_variants: Mapping[str, Judged], variant: str) -> None:
    original, other = time_variants["original"], time_variants[variant]
    assert other.raw_score <= original.raw_score + SCORE_TOLERANCE, (other.raw_score, original.raw_score)
    if other.shown_score is not None and original.shown_score is not None:
        assert other.shown_score <= original.shown_score + SCORE_TOLERANCE


@pytest.mark.parametrize("variant", ["slowed", "paused"])
def test_slower_or_paused_level_never_rises(time_variants: Mapping[str, Judged], variant: str) -> None:
    original, other = time_variants["original"], time_variants[variant]
    assert other.expected_level <= original.expected_level + LEVEL_TOLERANCE


def test_slowed_doubles_task_time_and_halves_speed(time_variants: Mapping[str, Judged]) -> None:
    original, slow = time_variants["original"].metrics, time_variants["slowed"].metrics
    assert slow["task.duration"] == pytest.approx(2 * original["task.duration"], rel=0.02)
    assert slow["needle_driver.mean_speed"] < 0.75 * original["needle_driver.mean_speed"]
    assert slow["needle_driver.idle_share"] >= original["needle_driver.idle_share"] - 0.01


def test_pauses_add_their_time_and_idle_share(time_variants: Mapping[str, Judged]) -> None:
    original, held = time_variants["original"].metrics, time_variants["paused"].metrics
    assert held["task.duration"] == pytest.approx(original["task.duration"] + 9.0, abs=0.2)
    # Nine more seconds, all of them still: the idle share they make, less a little for the moving
    # moments a pause takes in at its edges (it was 0.87-0.91 on these clips before the pauses).
    duration = original["task.duration"]
    expected = (original["needle_driver.idle_share"] * duration + 9.0) / (duration + 9.0)
    assert held["needle_driver.idle_share"] == pytest.approx(expected, abs=0.02)
    assert held["needle_driver.idle_share"] > original["needle_driver.idle_share"]
    assert held["needle_driver.mean_speed"] < original["needle_driver.mean_speed"]


def test_pauses_do_not_make_the_motion_look_smoother(time_variants: Mapping[str, Judged]) -> None:
    """Nine seconds of stillness never make the motion look smoother (figures on the clips as the
    benchmark tracks them). Jerk is measured over the time the hand moves (typing -1.5 %, ASL +1.4 %;
    over the whole recording it fell 19.1 % and 21.7 %). SPARC and log dimensionless jerk are read on the
    moving time per hand size of path (scoring/features/path_smoothness.py): a frame held where the
    hand was moving is an arrest, which makes it rougher, never smoother (SPARC: the test below); read
    per movement unit, log dimensionless jerk had read the paused clips 6.0 % and 4.3 % smoother."""
    original, held = time_variants["original"].metrics, time_variants["paused"].metrics
    jerk = "needle_driver.mean_jerk"
    assert held[jerk] == pytest.approx(original[jerk], rel=0.05)
    ldlj = "needle_driver.log_dimensionless_jerk"
    size = abs(original[ldlj])
    assert original[ldlj] - 0.1 * size < held[ldlj] < original[ldlj] + 0.04 * size


@pytest.mark.parametrize("variant", ["slowed", "paused"])
def test_slowed_or_paused_is_not_smoother_by_sparc(time_variants: Mapping[str, Judged], variant: str) -> None:
    """SPARC is read in windows of one hand size of moving path at every position (every 1/16 of one),
    so no whole number of pieces rounds with the path: measured 2026-11-30, typing -3.22 / slowed -3.27
    / paused -3.26, ASL -3.60 / -3.68 / -3.59. A grid of whole pieces had read the paused ASL loop 0.52
    smoother (its path of 8.5 hand sizes rounded to 8 pieces without pauses and 9 with them)."""
    original, other = time_variants["original"].metrics, time_variants[variant].metrics
    sparc = "needle_driver.sparc"
    assert other[sparc] < original[sparc] + 0.03
    if variant == "paused":  # stillness adds no motion: only the arrests where it cut a movement
        assert other[sparc] > original[sparc] - 0.2


def test_shown_probabilities_are_never_certain(time_variants: Mapping[str, Judged]) -> None:
    for judged in time_variants.values():
        if judged.status == ResultStatus.SCORED.value:
            assert all(0.005 < p < 0.995 for p in judged.shown_probabilities.values())
        else:  # withheld or refused: no level, no score shown
            assert judged.shown_score is None and not judged.shown_probabilities


# --- mirrored (scored left-handed) or half size: the same -----------------------------------------------

NEEDLE_DRIVER = ("mean_speed", "idle_share", "path_length", "log_dimensionless_jerk", "working_area")


@pytest.fixture(scope="module")
def image_variants(typing_tracks: Mapping[str, Motion], scorer: Any) -> dict[str, Judged]:
    return {
        "original": judge(looped(typing_tracks["original"]), "right", scorer),
        "mirrored": judge(looped(typing_tracks["mirrored"]), "left", scorer),
        "half_size": judge(looped(typing_tracks["half_size"]), "right", scorer),
    }


@pytest.mark.parametrize("variant", ["mirrored", "half_size"])
def test_mirrored_or_half_size_judged_the_same_way(
    image_variants: Mapping[str, Judged], variant: str
) -> None:
    """Same status, and the well-tracked (needle-driver) hand measures the same."""
    original, other = image_variants["original"], image_variants[variant]
    assert other.status == original.status
    assert other.metrics["task.duration"] == pytest.approx(original.metrics["task.duration"], rel=0.01)
    for name in NEEDLE_DRIVER:
        key = f"needle_driver.{name}"
        assert other.metrics[key] == pytest.approx(original.metrics[key], rel=0.05, abs=0.01), key


# At half size MediaPipe's per-frame palm search once glimpsed a false left hand in 3.7% of the loop's
# frames (raw score 19.99 -> 16.72). Two changes remove it, each alone: cleaning drops glimpses (issue 11)
# and hands are followed on crops, palms searched only every few frames (issue 15).
@pytest.mark.parametrize("variant", ["mirrored", "half_size"])
def test_mirrored_or_half_size_scores_the_same(image_variants: Mapping[str, Judged], variant: str) -> None:
    original, other = image_variants["original"], image_variants[variant]
    assert other.raw_score == pytest.approx(original.raw_score, abs=1.0)
    assert other.expected_level == pytest.approx(original.expected_level, abs=0.15)


# --- a glimpse is not a hand in view; a real second hand is --------------------------------------------


def test_a_glimpsed_false_hand_is_not_in_view(typing_tracks: Mapping[str, Motion]) -> None:
    """At half size MediaPipe glimpses a false left hand (one frame, presence about 0.6): tracked, it
    is there; prepared for scoring, it is not, and both hands are never in view, as in the original."""
    raw = typing_tracks["half_size"]
    left = raw.individual_index("left_hand")
    glimpsed = np.isfinite(raw.positions[:, left, :, 0]).any(axis=1)
    if not glimpsed.any():
        pytest.skip("this MediaPipe build shows no false left hand at half size")
    assert glimpsed.mean() < 0.05
    for name in ("original", "half_size"):
        features = compute_features(prepare_motion(looped(typing_tracks[name])), PROCEDURE, "right")
        assert features["task.both_hands_in_view_share"].value == 0.0, name


@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_a_real_second_hand_stays_in_view(scale: float) -> None:
    """Both real hands of the two-hand still (tfjs hands.jpg, two seconds of it, full and half size)
    stay in view after the glimpse rule."""
    import cv2

    image = cv2.cvtColor(cv2.imread(str(shared_file("tfjs/hands.jpg"))), cv2.COLOR_BGR2RGB)
    if scale != 1.0:
        size = (int(image.shape[1] * scale), int(image.shape[0] * scale))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    motion = prepare_motion(track_images([image] * 50, 25.0, "hands still", PROCEDURE))
    features = compute_features(motion, PROCEDURE, "right")
    assert features["task.both_hands_in_view_share"].value == 1.0

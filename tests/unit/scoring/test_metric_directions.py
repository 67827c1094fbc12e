"""A scorer never counts a metric against its direction (scoring/metric_directions.py), and the shipped
models do not either: a jerkier hand must not earn points its own feedback takes away."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from skillsight.scoring.features import compute_features, prepare_motion
from skillsight.scoring.metric_directions import (
    MEASURED_TO_REWARD_SLOWNESS,
    SCORE_TOLERANCE,
    STEP_SD,
    against_direction,
    metric_effects,
    rewards_slowness,
    sign_consistent_features,
    time_exponent,
)
from skillsight.scoring.scorer_runtime import load_scorer
from skillsight.scoring.synthetic import NOT_REPRODUCED, generate_practice

REPO_MODELS = Path(__file__).resolve().parents[3] / "models"


def _linear(weights: np.ndarray):
    def predict(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        score = X @ weights
        return score, score / 10.0

    return predict


def test_a_metric_counted_the_wrong_way_is_named_and_one_counted_its_way_is_not():
    X = np.random.default_rng(0).normal(size=(50, 3))
    effects = metric_effects(_linear(np.array([1.0, -1.0, 2.0])), X)
    wrong = against_direction(["speed", "smoothness", "idle"], {"smoothness": True, "idle": False}, effects)
    assert set(wrong) == {"smoothness", "idle"}
    assert "higher is better" in wrong["smoothness"] and "lower is better" in wrong["idle"]


def test_selection_leaves_out_what_runs_against_its_direction_and_keeps_the_rest():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 3))
    truth = np.array([1.0, -0.5, 0.0])  # the data say: metric b lower is better

    def fit(columns: np.ndarray, names: list[str]):
        weights = np.linalg.lstsq(columns, X @ truth, rcond=None)[0]
        return _linear(weights)

    kept, left_out = sign_consistent_features(fit, X, ["a", "b", "c"], {"a": True, "b": True, "c": None})
    assert kept == ["a", "c"] and list(left_out) == ["b"]


def test_selection_leaves_a_margin_below_the_tolerance():
    """A metric counted against its direction by 0.8 of the tolerance passes the check, but the build
    leaves it out (SELECTION_MARGIN): on other practices it may tip past the tolerance."""
    X = np.random.default_rng(2).normal(size=(40, 2))
    spread = X.std(axis=0)
    weights = np.array([1.0, -0.8 * SCORE_TOLERANCE / (STEP_SD * spread[1])])

    def fit(columns: np.ndarray, names: list[str]):
        return _linear(weights[[["a", "b"].index(n) for n in names]])

    directions = {"a": True, "b": True}
    assert against_direction(["a", "b"], directions, metric_effects(fit(X, ["a", "b"]), X)) == {}
    kept, left_out = sign_consistent_features(fit, X, ["a", "b"], directions)
    assert kept == ["a"] and list(left_out) == ["b"]


def _rows(scorer, procedure: str) -> np.ndarray:
    rows = []
    for i in range(6):
        motion = prepare_motion(generate_practice(skill=i / 5, procedure=procedure, seed=500 + i))
        rows.append(scorer.feature_vector(compute_features(motion, procedure))[0])
    return np.vstack(rows)


@pytest.mark.parametrize("procedure", ["suturing", "intubation"])
def test_shipped_models_count_every_metric_its_way(procedure):
    scorer = load_scorer(REPO_MODELS / f"{procedure}-scorer-v1.json")
    X = _rows(scorer, procedure)
    motion = prepare_motion(generate_practice(skill=0.5, procedure=procedure, seed=1))
    features = compute_features(motion, procedure)
    directions = {name: features[name].higher_is_better for name in scorer.feature_names}
    levels = list(scorer.card["levels"])
    order = np.array([levels.index(level) for level in ("novice", "intermediate", "expert")])

    def predict(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out = scorer.predict_many(rows)
        return out["score"], out["probabilities"][:, order] @ np.arange(3)

    assert against_direction(scorer.feature_names, directions, metric_effects(predict, X)) == {}


def test_a_metric_that_a_slower_performance_improves_is_named(monkeypatch):
    assert [time_exponent(u) for u in ("hand_size/s^3", "deg/s", "s", "share", "hand_size^2")] == [
        -3,
        -1,
        1,
        0,
        0,
    ]
    units = {"jerk": "hand_size/s^3", "time": "s", "speed": "hand_size/s", "hold": "s", "sparc": "1"}
    directions = {"jerk": False, "time": False, "speed": None, "hold": True, "sparc": True}
    slower = rewards_slowness(units, directions)
    assert set(slower) == {"jerk", "hold"}  # jerk falls 8-fold at half speed, a hold lasts twice as long
    assert "0.125 times" in slower["jerk"] and "reward slowness" in slower["hold"]
    # Dimensionless: named only when measured to read slower strokes as better (MEASURED_TO_REWARD_SLOWNESS).
    units["hand.log_dimensionless_jerk"], directions["hand.log_dimensionless_jerk"] = "1", True
    assert set(rewards_slowness(units, directions)) == {"jerk", "hold"}
    monkeypatch.setitem(MEASURED_TO_REWARD_SLOWNESS, "log_dimensionless_jerk", "measured")
    assert set(rewards_slowness(units, directions)) == {"jerk", "hold", "hand.log_dimensionless_jerk"}


@pytest.mark.parametrize("procedure", ["suturing", "intubation"])
def test_shipped_models_use_no_metric_that_a_slower_performance_improves(procedure):
    """Mean jerk (hand sizes/s^3, lower is better) fell 7.07 -> 2.54 on the real ASL clip slowed to half
    speed and raised that clip's expected level from 0.954 to 0.972 with the model that used it."""
    scorer = load_scorer(REPO_MODELS / f"{procedure}-scorer-v1.json")
    features = compute_features(
        prepare_motion(generate_practice(0.5, procedure=procedure, seed=1)), procedure
    )
    units = {name: feature.unit for name, feature in features.items()}
    directions = {name: feature.higher_is_better for name, feature in features.items()}
    slower = rewards_slowness(units, directions)
    assert f"{'needle_driver' if procedure == 'suturing' else 'laryngoscope'}.mean_jerk" in slower
    assert not set(slower) & set(scorer.feature_names)
    assert set(slower) & set(scorer.card["training_data"]["left_out_metrics"])


@pytest.mark.parametrize("procedure", ["suturing", "intubation"])
def test_shipped_models_leave_out_what_the_generator_does_not_reproduce(procedure):
    """The forceps hand's log dimensionless jerk reads -2.8 and -12.2 on the real expert's two takes,
    either side of every generated practice (NOT_REPRODUCED): learned from generated practice alone, it
    put the held-out take outside the suturing model's domain."""
    scorer = load_scorer(REPO_MODELS / f"{procedure}-scorer-v1.json")
    left_out = scorer.card["training_data"]["left_out_metrics"]
    practice = prepare_motion(generate_practice(0.5, procedure=procedure, seed=1))
    features = compute_features(practice, procedure)
    expected = set(NOT_REPRODUCED) & set(features)
    assert not expected & set(scorer.feature_names)
    assert all(NOT_REPRODUCED[name] == left_out[name] for name in expected)
    assert expected or procedure == "intubation"

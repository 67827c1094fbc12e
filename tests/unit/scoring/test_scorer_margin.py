"""What pulls a practice towards another level (scoring/scorer_margin.py): each metric's pull on the
log-odds margin, against a typical practice's values."""

from __future__ import annotations

import numpy as np
import pytest

from skillsight.scoring.scorer_margin import log_odds_margin, margin_pulls

LEVELS = ("expert", "intermediate", "novice")
NAMES = ("speed", "idle", "cycle")
WEIGHTS = np.array([[2.0, -1.0, 0.5], [0.5, 0.0, 1.0], [-1.0, 1.0, 0.0]])  # per level, per metric
IMPUTED = np.array([1.0, 0.3, 9.0])  # what the model puts in for a withheld metric


def _linear(X: np.ndarray) -> np.ndarray:
    """A linear-softmax model that imputes withheld (NaN) metrics with IMPUTED, as the scorer does."""
    X = np.where(np.isfinite(X), X, IMPUTED)
    logits = X @ WEIGHTS.T + np.array([0.1, 0.0, -0.1])
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


TYPICAL = {"speed": 1.5, "idle": 0.25, "cycle": 7.0}


def test_each_pull_is_the_weight_difference_times_the_distance_from_the_typical_value():
    row = np.array([1.3, 0.15, 7.0])
    result = margin_pulls(_linear, LEVELS, NAMES, row, TYPICAL)
    difference = WEIGHTS[0] - WEIGHTS[1]
    for j, pull in enumerate(result.pulls):
        assert pull.pull == pytest.approx(difference[j] * (row[j] - TYPICAL[NAMES[j]]))
    assert result.pulls[2].pull == pytest.approx(0.0)
    assert result.strongest().name == "speed"
    direct = log_odds_margin(_linear(row[None]), LEVELS, "expert", "intermediate")[0]
    assert result.margin == pytest.approx(direct)
    assert result.interaction == pytest.approx(0.0, abs=1e-9)


def test_a_withheld_metric_pulls_as_the_models_imputation_does():
    result = margin_pulls(_linear, LEVELS, NAMES, np.array([1.5, 0.25, np.nan]), TYPICAL)
    cycle = result.pulls[2]
    assert np.isnan(cycle.value)
    assert cycle.pull == pytest.approx((WEIGHTS[0, 2] - WEIGHTS[1, 2]) * (IMPUTED[2] - TYPICAL["cycle"]))
    assert result.strongest().name == "cycle"


def test_what_a_non_linear_model_leaves_unexplained_is_reported():
    def crossed(X: np.ndarray) -> np.ndarray:  # speed and idle share act together, not each alone
        X = np.where(np.isfinite(X), X, IMPUTED)
        return _linear(np.column_stack([X[:, 0] * X[:, 1], X[:, 1], X[:, 2]]))

    result = margin_pulls(crossed, LEVELS, NAMES, np.array([1.0, 0.5, 8.0]), TYPICAL)
    assert abs(result.interaction) > 1e-3


def test_a_metric_without_a_typical_value_does_not_pull_and_a_row_of_the_wrong_width_is_refused():
    result = margin_pulls(_linear, LEVELS, NAMES, np.array([1.0, 0.5, 8.0]), {"speed": 1.5})
    assert [p.pull == 0.0 for p in result.pulls] == [False, True, True]
    with pytest.raises(ValueError):
        margin_pulls(_linear, LEVELS, NAMES, np.array([1.0, 0.5]), TYPICAL)

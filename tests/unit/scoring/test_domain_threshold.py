"""The novelty threshold read from a chi-type fit of the training practices' leave-out distances:
closer to the true quantile and steadier than the plain empirical quantile of a few hundred values, and
faithful to a tail a little heavier than chi-like."""

from __future__ import annotations

import numpy as np
import pytest

from skillsight.scoring.domain import THRESHOLD_QUANTILE, _threshold, chi_type_quantile, training_domain

N = 240  # as many practices as the shipped models are trained on
NOMINAL = 1.0 - THRESHOLD_QUANTILE


def _chi(rng: np.random.Generator, dof: float, n: int = N) -> np.ndarray:
    return np.sqrt(rng.chisquare(dof, n))


def test_the_fit_is_steadier_than_the_plain_quantile_on_chi_distances() -> None:
    rng = np.random.default_rng(11)
    true = float(np.sqrt(np.quantile(rng.chisquare(6, 2_000_000), THRESHOLD_QUANTILE)))
    fitted, empirical = [], []
    for _ in range(100):
        d = 2.0 * _chi(rng, 6)
        fitted.append(chi_type_quantile(d, THRESHOLD_QUANTILE)[0] / 2.0)
        empirical.append(float(np.quantile(d, THRESHOLD_QUANTILE)) / 2.0)
    fitted_error = np.sqrt(np.mean((np.array(fitted) - true) ** 2))
    empirical_error = np.sqrt(np.mean((np.array(empirical) - true) ** 2))
    assert fitted_error < 0.8 * empirical_error
    assert np.mean(fitted) == pytest.approx(true, rel=0.03)


def test_the_degrees_of_freedom_are_those_of_the_distances() -> None:
    _, dof = chi_type_quantile(_chi(np.random.default_rng(3), 9, 5000), THRESHOLD_QUANTILE)
    assert dof == pytest.approx(9.0, rel=0.15)


def test_a_tail_heavier_than_the_bulk_is_followed() -> None:
    """Most distances chi(6)-like, the largest fifth from a wider chi: a fit to all of them misses the
    tail, the fit to the upper half keeps the training share beyond its threshold near nominal."""
    rng = np.random.default_rng(7)
    shares = []
    for _ in range(40):
        d = np.concatenate([_chi(rng, 6, 192), 1.5 * _chi(rng, 6, 48)])
        shares.append(_threshold(d)["training_share_beyond"])
    assert np.mean(shares) <= 1.7 * NOMINAL  # a fit to all: 2.2 times nominal


def test_too_few_distances_fall_back_to_the_plain_quantile() -> None:
    section = _threshold(np.array([1.0, 2.0, 3.0]))
    assert section["threshold"] == section["threshold_empirical"]
    assert section["threshold_fit"].startswith("empirical")


def test_the_card_says_how_the_threshold_was_made() -> None:
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(N, 6)) @ rng.normal(size=(6, 6))
    domain = training_domain(matrix, [f"m{i}" for i in range(6)])
    novelty = domain["novelty"]
    assert novelty["threshold_fit"].startswith("chi-type")
    assert novelty["threshold_empirical"] > 0 and novelty["threshold"] > novelty["leave_out_distance_median"]
    assert novelty["training_share_beyond"] <= 2 * NOMINAL
    assert "chi-type fit" in domain["method"]

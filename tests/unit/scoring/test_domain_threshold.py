"""The novelty threshold read from a fitted distribution of the training practices' leave-out distances:
closer to the true quantile and steadier than the plain empirical quantile of a few hundred values."""

from __future__ import annotations

import numpy as np
import pytest

from skillsight.scoring.domain import (
    THRESHOLD_QUANTILE,
    _threshold,
    chi_type_quantile,
    tail_quantile,
    training_domain,
)

N = 240  # as many practices as the shipped models are trained on


def _chi(rng: np.random.Generator, dof: int, n: int = N) -> np.ndarray:
    return np.sqrt(rng.chisquare(dof, n))


def test_the_chi_type_fit_is_steadier_than_the_plain_quantile_on_chi_distances() -> None:
    rng = np.random.default_rng(11)
    true = float(np.sqrt(np.quantile(rng.chisquare(6, 2_000_000), THRESHOLD_QUANTILE)))
    fitted, empirical = [], []
    for _ in range(150):
        d = _chi(rng, 6)
        fitted.append(chi_type_quantile(d, THRESHOLD_QUANTILE)[0])
        empirical.append(float(np.quantile(d, THRESHOLD_QUANTILE)))
    fitted_error = np.sqrt(np.mean((np.array(fitted) - true) ** 2))
    empirical_error = np.sqrt(np.mean((np.array(empirical) - true) ** 2))
    assert fitted_error < 0.7 * empirical_error
    assert np.mean(fitted) == pytest.approx(true, rel=0.03)


def test_the_degrees_of_freedom_are_those_of_the_distances() -> None:
    _, dof = chi_type_quantile(_chi(np.random.default_rng(3), 9, 5000), THRESHOLD_QUANTILE)
    assert dof == pytest.approx(9.0, rel=0.1)


def test_the_pareto_tail_recovers_an_exponential_quantile() -> None:
    rng = np.random.default_rng(5)
    values = [tail_quantile(rng.exponential(1.0, N), THRESHOLD_QUANTILE) for _ in range(200)]
    assert np.mean(values) == pytest.approx(-np.log(1 - THRESHOLD_QUANTILE), rel=0.05)


def test_a_tail_heavier_than_chi_type_falls_back_to_the_pareto_fit() -> None:
    rng = np.random.default_rng(7)
    d = np.concatenate([_chi(rng, 6, 216), 4.0 + rng.exponential(3.0, 24)])  # a long upper tail
    chi_fit, _ = chi_type_quantile(d, THRESHOLD_QUANTILE)
    assert np.mean(d > chi_fit) > 2 * (1 - THRESHOLD_QUANTILE)  # the chi-type fit misses this tail
    section = _threshold(d)
    assert section["threshold_fit"] == "generalised Pareto tail"
    assert section["training_share_beyond"] <= 2 * (1 - THRESHOLD_QUANTILE)


def test_the_card_says_how_the_threshold_was_made() -> None:
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(N, 6)) @ rng.normal(size=(6, 6))
    domain = training_domain(matrix, [f"m{i}" for i in range(6)])
    novelty = domain["novelty"]
    assert novelty["threshold_fit"].startswith(("chi-type", "generalised Pareto"))
    assert novelty["training_share_beyond"] <= 2 * (1 - THRESHOLD_QUANTILE)
    assert novelty["threshold_empirical"] > 0 and novelty["threshold"] > novelty["leave_out_distance_median"]
    assert "chi-type fit" in domain["method"] and "generalised Pareto" in domain["method"]

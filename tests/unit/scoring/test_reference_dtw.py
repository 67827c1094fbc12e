"""DTW: known warpings, the band, agreement with a brute-force recurrence, and the medoid."""

from __future__ import annotations

import numpy as np
import pytest

from skillsight.scoring.dtw import accumulated_cost, band_width, dtw, medoid_index


def brute_force_cost(query: np.ndarray, template: np.ndarray) -> float:
    n, m = len(query), len(template)
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(n):
        for j in range(m):
            acc[i + 1, j + 1] = abs(query[i] - template[j]) + min(acc[i, j], acc[i, j + 1], acc[i + 1, j])
    return float(acc[n, m])


def test_identical_series_align_on_the_diagonal_at_zero_cost():
    series = np.sin(np.linspace(0, 6, 50))
    alignment = dtw(series, series, band=0.1)
    assert alignment.cost == pytest.approx(0.0)
    assert alignment.path == tuple((i, i) for i in range(50))


def test_recovers_a_known_warping():
    # The query is the template played through a known monotone time warp: query(u) = template(u**1.6).
    n = 120
    u = np.linspace(0, 1, n)
    shape = lambda x: np.sin(2 * np.pi * 2 * x) + 0.5 * x  # noqa: E731
    template = shape(u)
    query = shape(u**1.6)
    alignment = dtw(query, template, band=0.3)
    expected = (u**1.6) * (n - 1)  # template index each query sample came from
    errors = [abs(tj - expected[qi]) for qi, tj in alignment.path]
    assert np.median(errors) <= 1.0
    assert max(errors) <= 4.0
    # Without warping the same pair costs far more than the aligned one.
    assert alignment.cost < 0.2 * float(np.abs(query - template).sum())


@pytest.mark.parametrize("shape", [(30, 40), (50, 50), (17, 60)])
def test_matches_the_textbook_recurrence_without_a_band(shape):
    rng = np.random.default_rng(sum(shape))
    query, template = rng.normal(size=shape[0]), rng.normal(size=shape[1])
    assert accumulated_cost(query, template, band=None)[-1, -1] == pytest.approx(
        brute_force_cost(query, template)
    )


def test_band_constrains_the_path():
    rng = np.random.default_rng(3)
    query, template = rng.normal(size=80), rng.normal(size=80)
    narrow = dtw(query, template, band=0.05)
    free = dtw(query, template, band=None)
    width = band_width(80, 80, 0.05)
    assert all(abs(i - j) <= width for i, j in narrow.path)
    assert narrow.cost >= free.cost - 1e-9
    assert any(abs(i - j) > width for i, j in free.path) or narrow.cost == pytest.approx(free.cost)


def test_band_never_narrower_than_the_length_difference():
    alignment = dtw(np.zeros(10), np.zeros(40), band=0.0)
    assert alignment.path[-1] == (9, 39)


def test_template_to_query_spans_cover_every_template_index():
    template = np.sin(np.linspace(0, 3, 40))
    query = np.repeat(template, 2)  # every template sample held twice
    spans = dtw(query, template, band=0.6).template_to_query(40)
    assert all(first >= 0 and last >= first for first, last in spans)
    assert spans[0][0] == 0 and spans[-1][1] == 79


def test_medoid_is_the_central_series():
    x = np.linspace(0, 1, 60)
    series = [np.sin(6 * x) + offset for offset in (0.0, 0.1, 0.2, 0.3, 3.0)]
    assert medoid_index(series) == 2


def test_rejects_gaps_and_empty_series():
    with pytest.raises(ValueError, match="finite"):
        dtw([0.0, np.nan, 1.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="empty"):
        dtw([], [0.0])

"""Dynamic time warping in plain numpy, with a Sakoe-Chiba band.

Used to align a trainee's time-normalised speed profile to an expert template, so that each phase
of the template can be matched with the part of the trainee's practice that played the same role.

The row recurrence D[i, j] = c[i, j] + min(D[i-1, j-1], D[i-1, j], D[i, j-1]) has a sequential
dependency along the row; it is solved per row with prefix sums and a running minimum, so each row
costs a few numpy calls instead of a Python loop over columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

import numpy as np


@dataclass(frozen=True)
class Alignment:
    """A warping path between a query (rows) and a template (columns) and its accumulated cost."""

    cost: float
    path: tuple[tuple[int, int], ...]  # (query index, template index), monotone, from (0, 0) to the ends

    @property
    def normalised_cost(self) -> float:
        """Cost per step of the path, comparable across lengths."""
        return self.cost / max(len(self.path), 1)

    def template_to_query(self, n_template: int) -> list[tuple[int, int]]:
        """For each template index, the first and last query index aligned to it."""
        spans: list[list[int]] = [[-1, -1] for _ in range(n_template)]
        for qi, tj in self.path:
            first, _ = spans[tj]
            spans[tj] = [qi if first < 0 else first, qi]
        return [(a, b) for a, b in spans]


def band_width(n_query: int, n_template: int, band: Optional[float]) -> int:
    """Half-width of the Sakoe-Chiba band in cells; `band` is a share of the longer series (None: no band).

    The band never gets narrower than the length difference, or no path would reach the corner.
    """
    longest = max(n_query, n_template)
    if band is None:
        return longest
    if not 0 <= band <= 1:
        raise ValueError(f"band must be a share in [0, 1], not {band}")
    return max(int(np.ceil(band * longest)), abs(n_query - n_template), 1)


def accumulated_cost(query: np.ndarray, template: np.ndarray, band: Optional[float] = 0.1) -> np.ndarray:
    """The (n, m) accumulated-cost matrix of aligning `query` to `template` (inf outside the band).

    Series are (n,) or (n, d); the local cost is the Euclidean distance between samples.
    """
    q = _as_2d(query, "query")
    t = _as_2d(template, "template")
    n, m = len(q), len(t)
    width = band_width(n, m, band)
    acc = np.full((n, m), np.inf)
    for i in range(n):
        # Centre the band on the diagonal scaled to the two lengths.
        centre = int(round(i * (m - 1) / max(n - 1, 1)))
        lo, hi = max(0, centre - width), min(m, centre + width + 1)
        local = np.linalg.norm(t[lo:hi] - q[i], axis=1)
        if i == 0:
            acc[0, lo:hi] = np.cumsum(local) if lo == 0 else np.inf
            continue
        prev = acc[i - 1]
        diagonal = np.full(hi - lo, np.inf)
        diagonal[(1 if lo == 0 else 0) :] = prev[max(lo - 1, 0) : hi - 1]
        from_above_or_diagonal = local + np.minimum(prev[lo:hi], diagonal)
        # D[j] = min_k<=j (from_above_or_diagonal[k] + sum(local[k+1..j])) via prefix sums.
        prefix = np.cumsum(local)
        with np.errstate(invalid="ignore"):
            acc[i, lo:hi] = prefix + np.minimum.accumulate(from_above_or_diagonal - prefix)
        row = acc[i, lo:hi]
        row[np.isnan(row)] = np.inf
    return acc


def dtw(
    query: Sequence[float] | np.ndarray, template: Sequence[float] | np.ndarray, band: Optional[float] = 0.1
) -> Alignment:
    """Align `query` to `template` by DTW within a Sakoe-Chiba band (share of the longer length)."""
    q = np.asarray(query, dtype=np.float64)
    t = np.asarray(template, dtype=np.float64)
    if len(q) == 0 or len(t) == 0:
        raise ValueError("cannot align an empty series")
    if not (np.all(np.isfinite(q)) and np.all(np.isfinite(t))):
        raise ValueError("series to align must be finite (fill gaps first)")
    acc = accumulated_cost(q, t, band)
    if not np.isfinite(acc[-1, -1]):
        raise ValueError("no warping path inside the band")
    return Alignment(cost=float(acc[-1, -1]), path=_backtrack(acc))


def dtw_distance(query: np.ndarray, template: np.ndarray, band: Optional[float] = 0.1) -> float:
    """Accumulated DTW cost only (no path)."""
    acc = accumulated_cost(np.asarray(query, float), np.asarray(template, float), band)
    return float(acc[-1, -1])


def medoid_index(series: Sequence[np.ndarray], band: Optional[float] = 0.1) -> int:
    """Index of the series with the smallest total DTW distance to all others."""
    if not series:
        raise ValueError("no series to choose a medoid from")
    n = len(series)
    distances = np.zeros((n, n))
    for a in range(n):
        for b in range(a + 1, n):
            distances[a, b] = distances[b, a] = dtw_distance(series[a], series[b], band)
    return int(np.argmin(distances.sum(axis=1)))


def _as_2d(series: np.ndarray, label: str) -> np.ndarray:
    arr = np.asarray(series, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or len(arr) == 0:
        raise ValueError(f"{label} must be a non-empty (n,) or (n, d) series, got shape {arr.shape}")
    return arr


def _backtrack(acc: np.ndarray) -> tuple[tuple[int, int], ...]:
    i, j = acc.shape[0] - 1, acc.shape[1] - 1
    path = [(i, j)]
    while i > 0 or j > 0:
        if i == 0:
            j -= 1
        elif j == 0:
            i -= 1
        else:
            # Prefer the diagonal on ties so equal series align one-to-one.
            steps = ((i - 1, j - 1), (i - 1, j), (i, j - 1))
            i, j = min(steps, key=lambda s: acc[s])
        path.append((i, j))
    return tuple(reversed(path))

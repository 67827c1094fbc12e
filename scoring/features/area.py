"""Working area: the convex hull of a path, in numpy (a few thousand points per clip)."""

from __future__ import annotations

import numpy as np


def _cross(o: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    return float((a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]))


def _hull_candidates(points: np.ndarray, bins: int = 1024) -> np.ndarray:
    """The lowest and highest point of each of `bins` narrow x-columns: every hull vertex but those on
    a near-vertical edge is among them, so the hull area changes by far less than 0.1 %."""
    x = points[:, 0]
    span = float(x.max() - x.min())
    if points.shape[0] <= 2 * bins or span == 0:
        return points
    column = np.minimum(((x - x.min()) / span * bins).astype(np.int64), bins - 1)
    order = np.lexsort((points[:, 1], column))
    col_sorted = column[order]
    first = np.flatnonzero(np.r_[True, col_sorted[1:] != col_sorted[:-1]])
    last = np.r_[first[1:] - 1, col_sorted.size - 1]
    ends = np.array([np.argmin(x), np.argmax(x)], dtype=np.int64)
    extremes: list[np.ndarray] = [order[first], order[last], ends]
    return points[np.unique(np.concatenate(extremes))]


# Directions whose extreme points span the polygon that `_outside_extremes` keeps points outside of.
_EXTREME_DIRECTIONS = np.array([[1, 0], [1, 1], [0, 1], [-1, 1], [-1, 0], [-1, -1], [0, -1], [1, -1]], float)


def _outside_extremes(points: np.ndarray) -> np.ndarray:
    """The points not strictly inside the convex polygon of the extreme points in eight directions
    (Akl-Toussaint): every hull vertex stays, and on a path most points go before the Python loop."""
    if points.shape[0] < 16:
        return points
    corners = points[np.argmax(points @ _EXTREME_DIRECTIONS.T, axis=0)]  # counter-clockwise
    corners = corners[np.r_[True, np.any(np.diff(corners, axis=0) != 0, axis=1)]]
    if corners.shape[0] >= 2 and np.array_equal(corners[0], corners[-1]):
        corners = corners[:-1]
    if corners.shape[0] < 3:
        return points
    edges = np.roll(corners, -1, axis=0) - corners
    rel = points[:, None, :] - corners[None, :, :]
    cross = edges[None, :, 0] * rel[..., 1] - edges[None, :, 1] * rel[..., 0]
    return points[~np.all(cross > 0, axis=1)]


def convex_hull_area(points: np.ndarray) -> float:
    """Area of the convex hull of (N, 2) points (monotone chain, then the shoelace formula)."""
    candidates = _outside_extremes(_hull_candidates(np.asarray(points, dtype=np.float64)))
    pts = np.unique(np.round(candidates, 9), axis=0)  # sorted by x, then y
    if pts.shape[0] < 3:
        return 0.0
    hull = []
    for sequence in (pts, pts[::-1]):
        chain: list = []
        for p in sequence:
            while len(chain) >= 2 and _cross(chain[-2], chain[-1], p) <= 0:
                chain.pop()
            chain.append(p)
        hull.extend(chain[:-1])
    h = np.array(hull)
    x, y = h[:, 0], h[:, 1]
    return float(0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))

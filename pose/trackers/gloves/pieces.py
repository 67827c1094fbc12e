"""Pieces of glove colour joined into gloves: a glove cut by an instrument is one hand, two gloves are two.

An instrument or thread lying across a glove cuts its blob in pieces; a piece that touches no border,
near a bigger blob, is a piece of that glove. Two gloves whose sleeves are not of
their colour both float inside the frame, and the smaller lies near the bigger as such a piece would: it
must not join it. Parts are joined only where joining keeps a hand-shaped whole:
- a piece joins the nearest blob it may belong to, not the first (the largest): fingers cut off one glove
  lie nearer their own palm than the other glove;
- a piece with a palm of its own does not join a blob with a palm of its own where it lies beside that
  blob's main axis (two gloves side by side); the pieces of a glove cut across (fingers from palm, hand
  from cuff) lie along it.
Stills and video alike (stills took the first blob near a piece, with no second-glove check, until
2.15). Tried and dropped: in video, a piece nearest one tracked hand not joining a blob nearest the other.
It added nothing on the outside seeds, and where the tracks had a wrong idea it kept it: 21006, 58 -> 55
of 60 hands.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from skillsight.pose.trackers.gloves.hands import MIN_AREA_SHARE, MIN_PALM_RADIUS

PIECE_GAP = 0.35  # of the bigger blob's size: a piece this near belongs to it
# a piece at least this share of its host's area is a glove's worth of colour, not a finger or a cuff's rim
MIN_WHOLE_SHARE = 0.3
# how far beside the other's main axis (in its half-widths) a part lies where the two are two gloves: pieces
# of a glove cut across lie along its axis (under 1); two gloves side by side, about 2.4-4.8 on the outside
# seeds looked at (21006, 21012)
MIN_BESIDE_WIDTHS = 2.0


def join_glove_pieces(labels: np.ndarray, stats: np.ndarray, frame_area: float) -> list[np.ndarray]:
    """Label groups, one per glove (see the module notes): a piece that touches no border joins the
    nearest bigger blob near it, unless the two are two gloves."""
    height, width = labels.shape
    keep = [
        i for i in range(1, len(stats)) if stats[i, cv2.CC_STAT_AREA] >= 0.2 * MIN_AREA_SHARE * frame_area
    ]
    keep.sort(key=lambda i: -stats[i, cv2.CC_STAT_AREA])
    min_palm = MIN_PALM_RADIUS * max(height, width)
    groups: list[list[int]] = []
    for i in keep:
        x, y, w, h, area = (int(v) for v in stats[i, :5])
        touches = x == 0 or y == 0 or x + w >= width or y + h >= height
        host, best_gap = None, math.inf
        for group in [] if touches else groups:
            main = stats[group[0]]
            gap = _bbox_gap((x, y, w, h), tuple(int(v) for v in main[:4]))
            near = area < main[cv2.CC_STAT_AREA] and gap <= PIECE_GAP * math.sqrt(main[cv2.CC_STAT_AREA])
            if near and gap < best_gap:  # the first of equally near ones
                host, best_gap = group, gap
        if host is not None and not _two_gloves(labels, stats, host, i, min_palm):
            host.append(i)
        else:
            groups.append([i])
    return [np.array(g) for g in groups]


def _bbox_gap(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    dx = max(0, max(a[0], b[0]) - min(a[0] + a[2], b[0] + b[2]))
    dy = max(0, max(a[1], b[1]) - min(a[1] + a[3], b[1] + b[3]))
    return math.hypot(dx, dy)


def _two_gloves(labels: np.ndarray, stats: np.ndarray, host: list[int], piece: int, min_palm: float) -> bool:
    """Whether a piece and the blob it would join are two gloves: each with a palm, the piece a glove's
    worth of the host's area, and lying beside the other's main axis, not along it."""
    if stats[piece, cv2.CC_STAT_AREA] < MIN_WHOLE_SHARE * stats[host, cv2.CC_STAT_AREA].sum():
        return False
    if (
        _thickness(labels, stats, piece) < min_palm
        or max(_thickness(labels, stats, i) for i in host) < min_palm
    ):
        return False
    return _offset_widths(labels, host, [piece]) >= MIN_BESIDE_WIDTHS


def _thickness(labels: np.ndarray, stats: np.ndarray, label: int) -> float:
    x, y, w, h = (int(v) for v in stats[label, :4])
    inside = np.pad((labels[y : y + h, x : x + w] == label).astype(np.uint8), 1)
    return float(cv2.distanceTransform(inside, cv2.DIST_L2, 3).max())


def _offset_widths(labels: np.ndarray, first: list[int], second: list[int]) -> float:
    """How far the one part's centre lies beside the other's main axis, in half-widths of that other
    (the more drawn-out of the two): under 1 for a glove cut across (its pieces lie along its axis), 2 or
    more for two gloves side by side."""
    shapes = []
    for part in (first, second):
        ys, xs = np.nonzero(np.isin(labels, part))
        points = np.column_stack([xs, ys]).astype(np.float64)
        centre = points.mean(axis=0)
        values, vectors = np.linalg.eigh(np.cov((points - centre).T))
        roundness = math.sqrt(max(values[0], 1e-9) / max(values[1], 1e-9))
        shapes.append((centre, vectors[:, -1], values[0], roundness))
    reference, other = sorted(shapes, key=lambda shape: shape[3])
    centre, axis, minor_variance, _ = reference
    offset = other[0] - centre
    beside = abs(float(axis[0] * offset[1] - axis[1] * offset[0]))
    return beside / math.sqrt(3.0 * max(minor_variance, 1e-9))  # a uniform band's half-width: sqrt(3) sd

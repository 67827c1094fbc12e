"""Pieces of glove colour joined into gloves: a glove cut by an instrument is one hand, two gloves are two.

An instrument or thread lying across a glove cuts its blob in pieces; a piece that touches no border,
near a bigger blob, is a piece of that glove (`hands.join_pieces`). Two gloves whose sleeves are not of
their colour both float inside the frame, and the smaller lies near the bigger as such a piece would: it
must not join it. Parts are joined only where joining keeps a hand-shaped whole:
- a piece joins the nearest blob it may belong to, not the first (the largest): fingers cut off one glove
  lie nearer their own palm than the other glove;
- a piece with a palm of its own does not join a blob with a palm of its own where it lies beside that
  blob's main axis (two gloves side by side); the pieces of a glove cut across (fingers from palm, hand
  from cuff) lie along it.
(Tried and dropped: in video, a piece nearest one tracked hand not joining a blob nearest the other. It
added nothing on the outside seeds, and where the tracks had a wrong idea it kept it: 21006, 58 -> 55 of
60 hands.)
The tracker joins pieces so in video; stills keep `hands.join_pieces` for now.
"""

from __future__ import annotations

import math
from typing import Optional

import cv2
import numpy as np

from skillsight.pose.trackers.gloves.hands import MIN_PALM_RADIUS, component_thickness, join_pieces

# a piece at least this share of its host's area is a glove's worth of colour, not a finger or a cuff's rim
MIN_WHOLE_SHARE = 0.3
# how far beside the other's main axis (in its half-widths) a part lies where the two are two gloves: pieces
# of a glove cut across lie along its axis (under 1); two gloves side by side, about 2.4-4.8 on the outside
# seeds looked at (21006, 21012)
MIN_BESIDE_WIDTHS = 2.0


def join_glove_pieces(
    labels: np.ndarray,
    stats: np.ndarray,
    frame_area: float,
) -> list[np.ndarray]:
    """Label groups, one per glove (see the module notes)."""
    min_palm = MIN_PALM_RADIUS * max(labels.shape)

    def nearest_unless_two_gloves(near: list[tuple[float, list[int]]], piece: int) -> Optional[list[int]]:
        if not near:
            return None
        host = min(near, key=lambda pair: pair[0])[1]  # the first of equally near ones
        return None if _two_gloves(labels, stats, host, piece, min_palm) else host

    return join_pieces(labels, stats, frame_area, nearest_unless_two_gloves)


def _two_gloves(labels: np.ndarray, stats: np.ndarray, host: list[int], piece: int, min_palm: float) -> bool:
    """Whether a piece and the blob it would join are two gloves: each with a palm, the piece a glove's
    worth of the host's area, and lying beside the other's main axis, not along it."""
    if stats[piece, cv2.CC_STAT_AREA] < MIN_WHOLE_SHARE * stats[host, cv2.CC_STAT_AREA].sum():
        return False
    if (
        component_thickness(labels, stats, piece) < min_palm
        or max(component_thickness(labels, stats, i) for i in host) < min_palm
    ):
        return False
    return _offset_widths(labels, host, [piece]) >= MIN_BESIDE_WIDTHS


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

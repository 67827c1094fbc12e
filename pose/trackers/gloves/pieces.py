"""Pieces of glove colour joined into gloves: a glove cut by an instrument is one hand, two gloves are two.

An instrument or thread lying across a glove cuts its blob in pieces; a piece that touches no border,
near a bigger blob, is a piece of that glove (`hands.join_pieces`). Two gloves whose sleeves are not of
their colour both float inside the frame, and the smaller lies near the bigger as such a piece would: it
must not join it. Parts are joined only where joining keeps a hand-shaped whole:
- a piece joins the nearest blob it may belong to, not the first (the largest): fingers cut off one glove
  lie nearer their own palm than the other glove;
- a piece with a palm of its own does not join a blob with a palm of its own where it lies beside that
  blob's main axis (two gloves side by side); the pieces of a glove cut across (fingers from palm, hand
  from cuff) lie along it;
- in video, a piece nearest one tracked hand does not join a blob nearest the other: the tracks held
  them as two hands a moment ago (`due`: where each tracked hand is expected in this frame).
The tracker joins pieces so in video; stills keep `hands.join_pieces` for now.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from skillsight.capture.frames import Frame
from skillsight.pose.trackers.gloves.hands import (
    MIN_AREA_SHARE,
    MIN_PALM_RADIUS,
    PIECE_GAP,
    _bbox_gap,
)
from skillsight.pose.trackers.gloves.identity import HandTrack
from skillsight.pose.trackers.gloves.naming import MAX_TRACK_GAP_S

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
    due: Sequence[tuple[float, float]] = (),
) -> list[np.ndarray]:
    """Label groups, one per glove (see the module notes); `due`: tracked hands' expected positions."""
    height, width = labels.shape
    keep = [
        i for i in range(1, len(stats)) if stats[i, cv2.CC_STAT_AREA] >= 0.2 * MIN_AREA_SHARE * frame_area
    ]
    keep.sort(key=lambda i: -stats[i, cv2.CC_STAT_AREA])
    nearest_hand = _nearest_tracked(labels, stats, keep, due)
    min_palm = MIN_PALM_RADIUS * max(height, width)
    groups: list[list[int]] = []
    for i in keep:
        x, y, w, h, area = (int(v) for v in stats[i, :5])
        touches = x == 0 or y == 0 or x + w >= width or y + h >= height
        host = None
        if not touches:
            best_gap = math.inf
            for group in groups:
                main = stats[group[0]]
                gap = _bbox_gap((x, y, w, h), tuple(int(v) for v in main[:4]))
                near = area < main[cv2.CC_STAT_AREA] and gap <= PIECE_GAP * math.sqrt(main[cv2.CC_STAT_AREA])
                if near and gap < best_gap and _same_hand(nearest_hand, i, group[0]):
                    host, best_gap = group, gap
            if host is not None and _two_gloves(labels, stats, host, i, min_palm):
                host = None
        if host is not None:
            host.append(i)
        else:
            groups.append([i])
    return [np.array(g) for g in groups]


def _same_hand(nearest_hand: dict[int, int], piece: int, host: int) -> bool:
    """Whether the tracks allow a piece to join a host: not where each lies nearest another hand."""
    return nearest_hand.get(piece) is None or nearest_hand.get(host) in (None, nearest_hand[piece])


def _nearest_tracked(
    labels: np.ndarray, stats: np.ndarray, keep: list[int], due: Sequence[tuple[float, float]]
) -> dict[int, int]:
    """Per component, the tracked hand whose expected position lies nearest its pixels (video, two
    tracked hands); none where both lie on it (hands that met) or nearly as near (no telling)."""
    if len(due) < 2:
        return {}
    nearest: dict[int, int] = {}
    for i in keep:
        x, y, w, h = (int(v) for v in stats[i, :4])
        ys, xs = np.nonzero(labels[y : y + h, x : x + w] == i)
        distances = sorted(
            (float(np.min(np.hypot(xs + x - px, ys + y - py))), k) for k, (px, py) in enumerate(due)
        )
        (first, hand), (second, _) = distances[0], distances[1]
        if second - first > 0.25 * math.sqrt(float(stats[i, cv2.CC_STAT_AREA])):
            nearest[i] = hand
    return nearest


def _two_gloves(labels: np.ndarray, stats: np.ndarray, host: list[int], piece: int, min_palm: float) -> bool:
    """Whether a piece and the blob it would join are two gloves: each with a palm, the piece a glove's
    worth of the host's area, and the two together about as wide as long (a glove cut across stays long)."""
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


def tracked_positions(tracks: dict[str, HandTrack], frame: Frame) -> list[tuple[float, float]]:
    """Where each recently tracked hand is expected in this frame (video; a track older than
    MAX_TRACK_GAP_S is no longer followed)."""
    return [t.predicted(frame.index) for t in tracks.values() if frame.time_s - t.time_s <= MAX_TRACK_GAP_S]


def _offset_widths(labels: np.ndarray, first: list[int], second: list[int]) -> float:
    """How far the one part's centre lies beside the other's main axis, in half-widths of that other
    (the longer-drawn of the two): under 1 for a glove cut across (its pieces lie along its axis), 2 or
    more for two gloves side by side."""
    shapes = []
    for part in (first, second):
        ys, xs = np.nonzero(np.isin(labels, part))
        points = np.column_stack([xs, ys]).astype(np.float64)
        centre = points.mean(axis=0)
        values, vectors = np.linalg.eigh(np.cov((points - centre).T))
        shapes.append(
            (centre, vectors[:, -1], values, math.sqrt(max(values[0], 1e-9) / max(values[1], 1e-9)))
        )
    (reference, other) = sorted(shapes, key=lambda s: s[3])
    centre, axis, values, _ = reference
    beside = abs(float(np.cross(axis, other[0] - centre)))
    return beside / (math.sqrt(3.0 * max(values[0], 1e-9)))

"""Gloves inside the frame named, and split, by the sleeves that run into them (stills).

From above, an arm runs straight from where it enters the frame to the wrist, and the hand lies on at
its end. Where the sleeves are of another colour than the gloves, the gloves float inside the frame and
their position says nothing certain about which arm they belong to: crossed at the wrists, the left hand
lies right of the right one. The sleeves say it: each glove lies on the line of its own sleeve, beyond
the sleeve's end. So
- two gloves inside the frame take the entries of the two sleeves whose lines pass nearest them
  (crossed arms keep their own hands, whatever the hands' order);
- one glove blob that two sleeves run into holds two hands (a compact blob fed by two arms is two
  hands), split between the two sleeves' lines.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Optional

import numpy as np

from skillsight.pose.trackers.gloves import hands as handlib

# a sleeve runs into a glove where its end lies within this share of the glove's size (square root of
# its area) of the glove's pixels, and the glove lies ahead of that end, along the sleeve's line
SLEEVE_END_GAP = 0.35
# a glove lies on a sleeve's line where its centre is within this share of the glove's size of that line
LINE_REACH = 0.6
SLEEVE_REACH = 2.0  # hand sizes from a sleeve's end to the centre of the glove it runs into (as sleeves.py)
MIN_PART_SHARE = 0.25  # of the blob: each of two hands split from one blob is at least this much of it


def arm_line_distance(points: np.ndarray, sleeve: handlib.HandBlob) -> np.ndarray:
    """Distance of (x, y) points from a sleeve's arm line: from its end (tip) straight on along its axis;
    behind the end, the distance to the end itself."""
    axis = np.array([math.cos(math.radians(sleeve.angle_deg)), math.sin(math.radians(sleeve.angle_deg))])
    relative = points - np.asarray(sleeve.tip)
    along = relative @ axis
    across = np.abs(relative @ np.array([-axis[1], axis[0]]))
    return np.asarray(np.where(along >= 0, across, np.hypot(along, across)))


def feeding_sleeves(blob: np.ndarray, sleeves: Sequence[handlib.HandBlob]) -> list[handlib.HandBlob]:
    """The sleeves (entering the frame) whose end lies at this glove blob and points into it."""
    ys, xs = np.nonzero(blob)
    if len(xs) < 10:
        return []
    points = np.column_stack([xs, ys]).astype(np.float64)
    size = math.sqrt(len(xs))
    centre = points.mean(axis=0)
    fed = []
    for sleeve in sleeves:
        if sleeve.entry is None:
            continue
        gap = float(np.min(np.hypot(*(points - np.asarray(sleeve.tip)).T)))
        axis = np.array([math.cos(math.radians(sleeve.angle_deg)), math.sin(math.radians(sleeve.angle_deg))])
        ahead = float(np.dot(centre - np.asarray(sleeve.tip), axis)) > 0
        on_line = float(arm_line_distance(centre[None, :], sleeve)[0]) <= LINE_REACH * size
        if gap <= SLEEVE_END_GAP * size and ahead and on_line:
            fed.append(sleeve)
    return fed


def split_by_sleeves(
    blob: np.ndarray, sleeves: Sequence[handlib.HandBlob], trainee_edge: str
) -> list[handlib.HandBlob]:
    """One glove blob fed by two sleeves: its two hands, each the pixels nearer its sleeve's line, each
    entering where its sleeve does. Empty where a part is too small to be a hand."""
    if len(sleeves) != 2 or sleeves[0].entry == sleeves[1].entry:
        return []
    ys, xs = np.nonzero(blob)
    points = np.column_stack([xs, ys]).astype(np.float64)
    nearer_first = arm_line_distance(points, sleeves[0]) <= arm_line_distance(points, sleeves[1])
    hands = []
    for keep, sleeve in ((nearer_first, sleeves[0]), (~nearer_first, sleeves[1])):
        if keep.sum() < MIN_PART_SHARE * len(xs):
            return []
        part = np.zeros_like(blob)
        part[ys[keep], xs[keep]] = 1
        described = handlib.describe_hand(part, np.empty((0, 2)), trainee_edge)
        if described is None:
            return []
        hands.append(dataclasses.replace(described, entry=sleeve.entry, named=None))
    return hands


def entries_from_sleeves(
    hands: Sequence[handlib.HandBlob], sleeves: Sequence[handlib.HandBlob]
) -> Optional[list[handlib.HandBlob]]:
    """Two gloves inside the frame with two sleeves, each glove lying on a sleeve's line: each takes the
    entry of the sleeve it lies on (the pairing with the smaller sum of distances); None otherwise."""
    free = [s for s in sleeves if s.entry is not None]
    if len(hands) != 2 or len(free) < 2 or any(h.entry is not None for h in hands):
        return None
    centres = np.array([h.centre for h in hands], np.float64)
    distance = np.array([arm_line_distance(centres, s) for s in free]).T  # hands x sleeves
    best: Optional[tuple[float, int, int]] = None
    for i in range(len(free)):
        for j in range(len(free)):
            if i != j and free[i].entry != free[j].entry:
                total = float(distance[0, i] + distance[1, j])
                if best is None or total < best[0]:
                    best = (total, i, j)
    if best is None:
        return None
    _, i, j = best
    for n, (hand, k) in enumerate(zip(hands, (i, j))):
        reach = math.sqrt(max(hand.area, 1.0))
        if distance[n, k] > LINE_REACH * reach or math.dist(free[k].tip, hand.centre) > SLEEVE_REACH * reach:
            return None
    return [dataclasses.replace(h, entry=free[k].entry, named=None) for h, k in zip(hands, (i, j))]

"""Which arm a glove belongs to, in stills: by the sleeves that run into it, its forearm's line, and
gloves being a pair.

From above, an arm runs straight from where it enters the frame to the wrist, and the hand lies on at
its end. Where the sleeves are of another colour than the gloves, the gloves float inside the frame and
their position says nothing certain about which arm they belong to: crossed at the wrists, the left hand
lies right of the right one. The sleeves say it: each glove lies on the line of its own sleeve, beyond
the sleeve's end. So
- two gloves inside the frame take the entries of the two sleeves whose lines pass nearest them
  (crossed arms keep their own hands, whatever the hands' order); a sleeve with no hand at its end (a
  square strip entering the frame, `border_arms.sleeve_line`) has a line too, and where each glove lies
  on one line and far off the other, the lines name them however short of its glove a sleeve's end shows
  (the other arm or an instrument covers the rest);
- one glove blob that two sleeves run into holds two hands (a compact blob fed by two arms is two
  hands), split between the two sleeves' lines;
- hands crossed at the wrists lie within about a hand's length of each other (each on the other arm's
  side): there, a glove inside the frame is named by where its forearm's line enters (`close_pair`);
- gloves are a pair of one colour (`of_a_pair`): of two hands of one colour, one is not a sleeve over a
  white glove while the other ends in its own fingers, nor are both sleeves over one white blob too
  small for two gloves; and sleeves are a pair too: the fellow of a sleeve over a glove of another
  colour is a sleeve.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Optional

import numpy as np

from skillsight.pose.trackers.gloves import hands as handlib
from skillsight.pose.trackers.gloves.sleeves import runs_into

# a sleeve runs into a glove where its end lies within this share of the glove's size (square root of
# its area) of the glove's pixels, and the glove lies ahead of that end, along the sleeve's line
SLEEVE_END_GAP = 0.35
# a glove lies on a sleeve's line where its centre is within this share of the glove's size of that line
LINE_REACH = 0.6
SLEEVE_REACH = 2.0  # hand sizes from a sleeve's end to the centre of the glove it runs into
# hands crossed at the wrists lie within about a hand's length of each other; farther apart, a still's
# hands lie on their own arms' sides (a floating glove's axis, read from its end nearest the trainee, is a
# poorer guide to its arm than its place)
CLOSE_HANDS = 1.6  # hand sizes (square root of the hand part's area)
# the other pairing of two gloves with two sleeves' lines lies at least this many times farther off: clear
CLEAR_PAIRING = 2.0
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
    total, i, j = best
    # gloves are a pair of one size: a glove that an instrument or the cut between two touching hands left
    # smaller is as big as the other
    reach = math.sqrt(max(hands[0].area, hands[1].area, 1.0))
    # where each glove lies on one sleeve's line and far off the other's, the pair is named by the lines
    # alone: a sleeve's end seen short of its glove (the other arm or an instrument covers the rest) says
    # nothing against it
    clear = float(distance[0, j] + distance[1, i]) >= CLEAR_PAIRING * max(total, 1.0)
    for n, (hand, k) in enumerate(zip(hands, (i, j))):
        near_end = math.dist(free[k].tip, hand.centre) <= SLEEVE_REACH * reach
        if distance[n, k] > LINE_REACH * reach or not (near_end or clear):
            return None
    return [dataclasses.replace(h, entry=free[k].entry, named=None) for h, k in zip(hands, (i, j))]


def by_sleeves(
    best: list[tuple[handlib.HandBlob, float]],
    sleeves: Sequence[handlib.HandBlob],
    groups: np.ndarray,
    trainee_edge: str,
    pair_confidence: float,
) -> list[tuple[handlib.HandBlob, float]]:
    """A still's gloves named by the sleeves they lie on; the only glove blob (`groups`: its family's
    hand-like blobs numbered) that two sleeves run into split into its two hands, each `pair_confidence`
    times as sure as the blob."""
    hands = [blob for blob, _ in best]
    if len(best) == 1 and hands[0].entry is None:
        blob = group_of(hands[0], groups)
        pair = split_by_sleeves(blob, feeding_sleeves(blob, sleeves)[:2], trainee_edge)
        if pair:
            return [(hand, pair_confidence * best[0][1]) for hand in pair]
    named = entries_from_sleeves(hands, sleeves)
    return best if named is None else [(hand, score) for hand, (_, score) in zip(named, best)]


def arms_from_sleeves(
    hands: list[tuple[handlib.HandBlob, float]], sleeves: Sequence[handlib.HandBlob]
) -> list[tuple[handlib.HandBlob, float]]:
    """A glove inside the frame whose sleeve (of another colour) leads to it enters where its sleeve
    does: crossed arms are then named by where they enter, not by where the hands lie. A sleeve goes to
    the glove lying on its line where that is clear (`on_its_line`: crossed at the wrists, the other
    glove may lie nearer the sleeve's end); otherwise to the glove nearest its end, within SLEEVE_REACH."""
    free = [s for s in sleeves if s.entry is not None]
    named = list(hands)
    for sleeve in list(free):
        floating = [n for n, (blob, _) in enumerate(named) if blob.entry is None]
        n = on_its_line(sleeve, [named[k][0] for k in floating])
        if n is not None:
            blob, score = named[floating[n]]
            named[floating[n]] = (dataclasses.replace(blob, entry=sleeve.entry), score)
            free.remove(sleeve)
    for n, (blob, score) in enumerate(named):
        if blob.entry is None and free:
            reach = [math.dist(s.tip, blob.centre) / max(math.sqrt(blob.area), 1.0) for s in free]
            nearest = int(np.argmin(reach))
            if reach[nearest] <= SLEEVE_REACH:
                named[n] = (dataclasses.replace(blob, entry=free.pop(nearest).entry), score)
    return named


def on_its_line(sleeve: handlib.HandBlob, gloves: Sequence[handlib.HandBlob]) -> Optional[int]:
    """Which of two or more gloves inside the frame lies on a sleeve's line, within SLEEVE_REACH of its
    end, while every other lies CLEAR_PAIRING times farther off that line (as `entries_from_sleeves`
    pairs two of each; gloves are a pair of one size, so the larger sets the reach); None where unclear."""
    if len(gloves) < 2:
        return None
    centres = np.array([g.centre for g in gloves], np.float64)
    distance = arm_line_distance(centres, sleeve)
    order = np.argsort(distance)
    n = int(order[0])
    reach = math.sqrt(max(max(g.area for g in gloves), 1.0))
    near_end = math.dist(sleeve.tip, gloves[n].centre) <= SLEEVE_REACH * reach
    on_line = distance[n] <= LINE_REACH * reach
    if near_end and on_line and distance[order[1]] >= CLEAR_PAIRING * max(float(distance[n]), 1.0):
        return n
    return None


def group_of(hand: handlib.HandBlob, groups: np.ndarray) -> np.ndarray:
    """The blob (joined pieces) that gave a hand: the group most pixels around its centre belong to."""
    r = max(2, int(0.5 * math.sqrt(hand.area)))
    x, y = int(hand.centre[0]), int(hand.centre[1])
    around = groups[max(0, y - r) : y + r + 1, max(0, x - r) : x + r + 1]
    labels = around[around > 0]
    if not labels.size:
        return np.zeros(groups.shape, np.uint8)
    return (groups == np.bincount(labels).argmax()).astype(np.uint8)


def close_pair(blobs: Sequence[handlib.HandBlob]) -> bool:
    """Two hands nearer each other than CLOSE_HANDS hand sizes: their arms may cross at the wrists."""
    if len(blobs) != 2:
        return False
    size = math.sqrt(max(0.5 * (blobs[0].area + blobs[1].area), 1.0))
    return math.dist(blobs[0].centre, blobs[1].centre) < CLOSE_HANDS * size


def of_a_pair(
    found_by: dict[str, list[tuple[handlib.HandBlob, float]]],
    family: str,
    sleeves: list[bool],
    others: dict[str, np.ndarray],
    own_mask: np.ndarray,
) -> list[bool]:
    """Which of `family`'s hands are sleeves, given which `runs_into` another family's blob. Gloves are a
    pair of one colour, and white pad, card, paper and instruments' white lines lie at a glove's fingers
    on every bench: of two hands of one colour, one is not a sleeve over a white glove while the other
    ends in its own fingers, unless white shows a pair of gloves; both are hands then. Nor are both
    sleeves where white shows one hand only, in a blob smaller than the two together: two arms' gloves
    are a pair, and one white blob beyond both that could not hold two hands is pad seen between them.
    (A sleeve that runs into a glove of another colour, or into skin, stays a sleeve.)"""
    whites = found_by.get("white", [])
    if len(sleeves) != 2 or not any(sleeves) or "white" not in others or len(whites) > 1:
        return sleeves
    if all(sleeves) and not (whites and whites[0][0].blob_area < sum(h.area for h, _ in found_by[family])):
        return sleeves
    not_white = {f: m for f, m in others.items() if f != "white"}
    for (hand, _), flagged in zip(found_by[family], sleeves):
        if flagged and not_white and runs_into(hand, not_white, found_by, own_mask):
            return [True, True]  # sleeves are a pair too: the other arm of that colour is its fellow
    return [False, False]

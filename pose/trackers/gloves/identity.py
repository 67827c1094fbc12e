"""Which glove is which hand: anatomy for the camera view, kept over time in video.

Seen from above with the trainee at the bottom edge, each arm comes in from the bottom or a side, the
left arm on the left of the right one along the frame's edge, even when the hands cross. So hands are
named by where their arms enter, walking the frame's edge from the top-left corner down the left side,
along the bottom and up the right side; a glove floating inside the frame (its sleeve not of its
colour) is named by its centre in a still, and in video by where the line of its forearm (the glove's
main axis, cuff included) enters (`arm_entry`: hands crossed at the wrists keep their arms' order). In
video, a hand recently seen keeps its name where a detection lies near its predicted position (hands
crossing apart keep their names; after they meet in one blob, their arms' entries name them again:
`naming.PairNames`), and anatomy names it otherwise: also
where the nearest assignment still leaves a hand more than about a hand's length from where it was due
(the tracks coasted on while the hands met, held and came back).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

from skillsight.base.keypoints import HAND_INDIVIDUALS as HAND_NAMES

# The edge the trainee's arms come from, and whether the image left is the trainee's left hand
# (a camera facing the trainee mirrors it).
TRAINEE_EDGE = {"top": "bottom", "front": "bottom", "side": "bottom"}
ENTRY_EDGES = {
    "top": ("left", "bottom", "right"),
    "front": ("left", "bottom", "right"),
    "side": ("left", "bottom", "right"),
}
IMAGE_LEFT_IS_LEFT_HAND = {"top": True, "front": False, "side": True}
MATCH_GATE = 0.25  # of the frame diagonal
# two hands matched to their tracks farther than this (share of the frame diagonal, about a hand's length
# at the usual distance) from where they were due: the tracks lost them (hands that met, held and came
# back while the tracks coasted on), so anatomy names them
TRUST_GATE = 0.12


def edge_position(point: tuple[float, float], size: tuple[int, int]) -> float:
    """Position along the left, bottom and right edges (0 at the top-left corner), for a point on them;
    for a point inside the frame, that of the nearest of those edges."""
    width, height = size
    x, y = point
    to_left, to_bottom, to_right = x, height - 1 - y, width - 1 - x
    nearest = min(to_left, to_bottom, to_right)
    if nearest == to_left:
        return y
    if nearest == to_bottom:
        return height + x
    return height + width + (height - y)


def side_key(
    entry: Optional[tuple[float, float]], centre: tuple[float, float], size: tuple[int, int]
) -> float:
    """A number that grows from the trainee's image-left to image-right."""
    if entry is not None:
        return edge_position(entry, size)
    width, height = size
    return height + centre[0]  # a floating glove: as if its arm came from straight below


def names_by_side(keys: Sequence[float], size: tuple[int, int], camera_view: str) -> list[str]:
    width, height = size
    left_first = IMAGE_LEFT_IS_LEFT_HAND[camera_view]
    first, second = (HAND_NAMES[0], HAND_NAMES[1]) if left_first else (HAND_NAMES[1], HAND_NAMES[0])
    if len(keys) == 1:
        return [first if keys[0] < height + width / 2.0 else second]
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    names = [""] * len(keys)
    names[order[0]], names[order[-1]] = first, second
    return names


@dataclass
class HandTrack:
    position: tuple[float, float]
    velocity: tuple[float, float]
    frame_index: int
    time_s: float

    def predicted(self, frame_index: int) -> tuple[float, float]:
        steps = min(frame_index - self.frame_index, 5)
        return self.position[0] + self.velocity[0] * steps, self.position[1] + self.velocity[1] * steps


def names_by_tracks(
    centres: Sequence[tuple[float, float]],
    by_side: list[str],
    predictions: dict[str, tuple[float, float]],
    size: tuple[int, int],
) -> list[str]:
    """Names matched to predicted positions where that is unambiguous; the anatomical ones otherwise."""
    if not predictions or not centres:
        return by_side
    gate = MATCH_GATE * math.hypot(*size)

    def distance(i: int, hand: str) -> float:
        return math.dist(centres[i], predictions[hand]) if hand in predictions else math.inf

    if len(centres) == 2 and len(predictions) == 2:
        straight = distance(0, HAND_NAMES[0]) + distance(1, HAND_NAMES[1])
        crossed = distance(0, HAND_NAMES[1]) + distance(1, HAND_NAMES[0])
        names = list(HAND_NAMES) if straight <= crossed else [HAND_NAMES[1], HAND_NAMES[0]]
        if max(distance(0, names[0]), distance(1, names[1])) > TRUST_GATE * math.hypot(*size):
            return by_side
        return names
    if len(centres) == 1:
        nearest = min(predictions, key=lambda hand: distance(0, hand))
        return [nearest] if distance(0, nearest) <= gate else by_side
    return by_side


def arm_entry(
    entry: Optional[tuple[float, float]], tip: tuple[float, float], angle_deg: float, size: tuple[int, int]
) -> Optional[tuple[float, float]]:
    """Where a hand's arm enters the frame: where its blob does, or, for a glove inside the frame (its
    sleeve not of its colour), where the line of its main axis, from the tip back past the cuff, leaves
    the frame (a forearm is straight from the wrist to the elbow). None where that line leaves through
    the top: no arm from the trainee's side points there."""
    if entry is not None:
        return entry
    width, height = size
    dx, dy = -math.cos(math.radians(angle_deg)), -math.sin(math.radians(angle_deg))
    if dy < 0:
        return None
    x, y = tip
    steps = [(height - 1 - y) / dy] if dy > 1e-6 else []
    if dx < -1e-6:
        steps.append(-x / dx)
    elif dx > 1e-6:
        steps.append((width - 1 - x) / dx)
    if not steps:
        return None
    t = max(0.0, min(steps))
    return x + t * dx, y + t * dy

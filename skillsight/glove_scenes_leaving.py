"""A hand that leaves the frame and comes back, in the generated crossing videos (issue 10's field
notes: "a hand may be cut by the top border or leave the frame").

In real bench suturing a trainee's hand leaves the camera's view to take or put down an instrument or to
pull thread: it moves out by the bottom border or by its own side's border (the arm going with it,
pivoting at the shoulder below the frame), stays out 1-3 s and comes back by about the same border; the
other hand keeps working meanwhile, often still, holding forceps. Here that happens while the hands are
apart: before the tie begins (as in the first version of these videos), as they approach each other
(to fetch the instrument the throw needs), or after they part (the hand pulling the thread out wide to
tighten the knot). The tie pauses there: the hand leaves from where the tie had it and comes back to it,
and the tie then runs on as it would have. When, is drawn from a stream of its own (`drawn_moment`): a
video that leaves before the tie is as it was.

Ground truth: while no landmark of the hand lies within `ABSENT_MARGIN` palms of the frame, the hand is
absent (left out of the frame's hands: a hand reported then is a false hand); while it crosses the
border it is partly visible (kept, `SceneHand.visible` by the stills' rule: centre inside, most
landmarks inside).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

import numpy as np

from skillsight.glove_scenes import SceneHand

FPS = 25.0
SHARE = 0.25  # of the crossing videos, drawn from a stream of its own (the others stay as they were)
OUT_SECONDS = (1.0, 3.0)
BEYOND = 1.6  # palms: how far beyond the border the hand's centre goes (all of it out)
ABSENT_MARGIN = 0.3  # palms: a hand with every landmark farther than this outside the frame is absent
OWN_SIDE_BORDER = (
    "left",
    "right",
)  # by SIDES: the left hand leaves by the left border, the right by the right

Point = tuple[float, float]


@dataclass(frozen=True)
class Excursion:
    """One hand's trip out of the frame and back, in frames at 25 fps."""

    hand: int  # index into SIDES of the hand that leaves
    border: str  # "bottom", "left" or "right"
    frames: tuple[int, int, int, int]  # both in place, moving out, out, coming back
    out: tuple[Point, Point]  # its centre when it has just left, and when it turns back (both beyond)
    sway: tuple[float, float]  # the staying hand's slow push and back: pixels, direction (radians)
    holds_forceps: bool  # the staying hand holds an instrument throughout
    at: float = 0.0  # the tie's time (0-1) at which the hand leaves: 0 before it begins, 1 after it ends

    @property
    def length(self) -> int:
        return sum(self.frames)

    @property
    def out_frames(self) -> range:
        """The frames of the drawn time out (the hand lies wholly beyond the border)."""
        first = self.frames[0] + self.frames[1]
        return range(first, first + self.frames[2])


def drawn_excursion(
    rng: np.random.Generator,
    size: tuple[int, int],
    starts: Sequence[Point],
    palm: float,
    share: float = SHARE,
) -> Optional[Excursion]:
    """The excursion of one video (None in a share `1 - share`): which hand, which border, how long, all
    from `rng` alone."""
    if rng.random() >= share:
        return None
    width, height = size
    hand = int(rng.integers(0, 2))
    border = "bottom" if rng.random() < 0.5 else OWN_SIDE_BORDER[hand]
    seconds = (rng.uniform(0.2, 0.6), rng.uniform(0.4, 0.8), rng.uniform(*OUT_SECONDS), rng.uniform(0.4, 0.8))
    lead, leave, out, back = (max(1, int(round(s * FPS))) for s in seconds)
    x, y = starts[hand]
    beyond = BEYOND * palm
    if border == "bottom":  # pulled back towards the body, then along below the frame
        first = (x + rng.uniform(-0.1, 0.1) * width, height + beyond)
        turn = (first[0] + rng.uniform(-0.06, 0.06) * width, first[1])
    else:  # reaching out to the side (a tray of instruments), a little towards the body
        edge = -beyond if border == "left" else width + beyond
        first = (edge, y + rng.uniform(0.0, 0.2) * height)
        turn = (edge, first[1] + rng.uniform(-0.06, 0.06) * height)
    sway = (rng.uniform(0.0, 0.015) * height, rng.uniform(0.0, 2 * math.pi))
    return Excursion(hand, border, (lead, leave, out, back), (first, turn), sway, bool(rng.random() < 0.7))


def drawn_moment(rng: np.random.Generator, approach_ends: float, ends_apart: bool) -> float:
    """When in the tie (0-1) a hand leaves: before it (half the videos), as the hands approach (before
    `approach_ends`, while they are still a palm or more apart) or after they part, where they part apart
    (with the arms crossed, a hand does not leave by its own side)."""
    if rng.random() < 0.5:
        return 0.0
    if ends_apart and rng.random() < 0.5:
        return 1.0
    return float(rng.uniform(0.2, 0.6) * approach_ends)


def excursion_centres(trip: Excursion, starts: Sequence[Point]) -> list[list[Point]]:
    """Both hands' centres (by SIDES) in each frame of the excursion, ending where the tie begins."""
    lead, leave, out, back = trip.frames
    start = starts[trip.hand]
    first, turn = trip.out
    path: list[Point] = [start] * lead
    path += [_eased(start, first, j / leave) for j in range(1, leave + 1)]
    path += [_eased(first, turn, j / out) for j in range(1, out + 1)]
    path += [_eased(turn, start, j / back) for j in range(1, back + 1)]
    amount, angle = trip.sway
    frames = []
    for i, moving in enumerate(path):
        push = amount * math.sin(math.pi * i / max(len(path) - 1, 1))  # back in place when the tie begins
        staying = starts[1 - trip.hand]
        still = (staying[0] + push * math.cos(angle), staying[1] + push * math.sin(angle))
        frames.append([moving, still] if trip.hand == 0 else [still, moving])
    return frames


def arm_towards(centre: Point, shoulder: Point, palm: float) -> tuple[float, float]:
    """Unit vector from the hand to where its arm goes: its shoulder, below the frame; a hand pulled back
    below the frame has its shoulder further below (the elbow bends, the arm stays behind the hand)."""
    target = (shoulder[0], max(shoulder[1], centre[1] + 3.0 * palm))
    dx, dy = target[0] - centre[0], target[1] - centre[1]
    norm = max(math.hypot(dx, dy), 1e-6)
    return dx / norm, dy / norm


def present(hands: Sequence[SceneHand], size: tuple[int, int], palm: float) -> tuple[SceneHand, ...]:
    """The hands that are in the frame or crossing its border; a hand wholly beyond it is absent."""
    width, height = size
    margin = ABSENT_MARGIN * palm
    kept = []
    for hand in hands:
        points = hand.landmarks
        if points is None:
            kept.append(hand)
            continue
        near = (
            (points[:, 0] >= -margin)
            & (points[:, 0] < width + margin)
            & (points[:, 1] >= -margin)
            & (points[:, 1] < height + margin)
        )
        if near.any():
            kept.append(hand)
    return tuple(kept)


def _eased(a: Point, b: Point, u: float) -> Point:
    ease = 0.5 - 0.5 * math.cos(math.pi * min(max(u, 0.0), 1.0))
    return a[0] + (b[0] - a[0]) * ease, a[1] + (b[1] - a[1]) * ease

"""Annotated frames from a Motion: every individual at one time drawn with capture's primitives.

An annotator in supervision's sense: the motion says what to draw, capture.drawing how. The annotated
replay (pose.track.write_overlay) and the app's live view draw through here.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Optional

import numpy as np

from skillsight.base.keypoints import GLOVE_KEYPOINTS
from skillsight.base.keypoints import HAND_KEYPOINTS as HAND_LANDMARK_NAMES
from skillsight.base.keypoints import POSE_KEYPOINTS as POSE_LANDMARK_NAMES
from skillsight.capture.drawing import (
    INDIVIDUAL_COLOURS,
    OTHER_COLOUR,
    Colour,
    canvas,
    draw_glove,
    draw_hand_skeleton,
    draw_pose_skeleton,
    draw_quality_badge,
    draw_trail,
    quality_level,
)
from skillsight.pose.motion import Motion


def colour_for(individual: str) -> Colour:
    return INDIVIDUAL_COLOURS.get(individual, OTHER_COLOUR)


def _is_hand(individual: str) -> bool:
    return "hand" in individual


def _named_points(motion: Motion, individual_index: int, t_index: int, names: Sequence[str]) -> np.ndarray:
    """(len(names), 2) x, y at one time; NaN for names the motion lacks."""
    points = np.full((len(names), 2), np.nan)
    for row, name in enumerate(names):
        if name in motion.keypoints:
            points[row] = motion.positions[t_index, individual_index, motion.keypoint_index(name), :2]
    return points


@lru_cache(maxsize=4)
def _hand_presence(motion: Motion, hands_expected: int = 0) -> tuple[np.ndarray, int]:
    """Per frame, how many tracked individuals were found, and how many to expect (computed once per motion).

    Hands when the motion has any, else every individual; expected counts those found at least once, so a
    clip showing one hand is not marked down for the hand that was never there, but at least
    `hands_expected` hands (a procedure's required hands: a replay read "hands 1/1 found 100%", green,
    beside a refusal for the other hand, never found)."""
    indices = [i for i, name in enumerate(motion.individuals) if _is_hand(name)] or list(
        range(len(motion.individuals))
    )
    if motion.n_frames == 0 or not indices:
        return np.zeros(motion.n_frames, dtype=np.int64), 0
    found = np.any(np.isfinite(motion.positions[..., 0][:, indices]), axis=2)  # (T, hands)
    expected = max(int(np.sum(found.any(axis=0))), hands_expected if _presence_word(motion) == "hands" else 0)
    return found.sum(axis=1).astype(np.int64), expected


def tracking_badge(motion: Motion, t_index: int, hands_expected: int = 0) -> tuple[str, str]:
    """(text, level) of the badge at time index `t_index`: hands found now, and share found so far."""
    per_frame, expected = _hand_presence(motion, hands_expected)
    done = per_frame[: t_index + 1]
    return presence_badge(
        _presence_word(motion), int(per_frame[t_index]), expected, int(done.sum()), len(done)
    )


def presence_badge(
    what: str, found_now: int, expected: int, found_so_far: int, frames: int
) -> tuple[str, str]:
    """(text, level) of a badge: `found_now` of `expected` hands (or individuals) in this frame, and the
    share found over the `frames` so far (`found_so_far` hand-frames of `expected` x `frames`)."""
    if expected == 0:
        return f"no {what} found" if what == "hands" else "nothing tracked", "red"
    share = float(found_so_far) / (expected * frames)
    return f"{what} {found_now}/{expected}  found {share:.0%}", quality_level(share)


def hand_presence_now(motion: Motion, t_index: int) -> tuple[str, np.ndarray]:
    """What the badge counts ("hands", or "tracked" for a motion without hands) and, per counted
    individual, whether it was found at `t_index` (for a badge kept up while tracking)."""
    indices = [i for i, name in enumerate(motion.individuals) if _is_hand(name)] or list(
        range(len(motion.individuals))
    )
    found = np.isfinite(motion.positions[t_index, indices, :, 0]).any(axis=1)
    return _presence_word(motion), found


def _presence_word(motion: Motion) -> str:
    return "hands" if any(_is_hand(name) for name in motion.individuals) else "tracked"


def _trail_points(
    motion: Motion, individual_index: int, t_index: int, trail_s: float
) -> Optional[np.ndarray]:
    """The last `trail_s` seconds of the wrist (or glove centroid) up to `t_index`."""
    start = int(np.searchsorted(motion.timestamps, motion.timestamps[t_index] - trail_s, side="right"))
    for name in ("wrist", "centroid"):
        if name in motion.keypoints:
            points = motion.positions[start : t_index + 1, individual_index, motion.keypoint_index(name), :2]
            if np.isfinite(points).any():
                return points
    return None


def annotate_frame(
    image: np.ndarray,
    motion: Motion,
    t_index: int,
    trail_s: float = 1.0,
    *,
    scale: float = 1.0,
    badge: Optional[tuple[str, str]] = None,
    inplace: bool = False,
) -> np.ndarray:
    """A copy of `image` with every individual of `motion` at time index `t_index` drawn on it.

    Hands get MediaPipe skeletons when their landmarks are present and glove markers (centroid, tip)
    when the glove tracker's keypoints are; the body gets its pose skeleton; each hand gets a trail of
    its wrist (or centroid) over the last `trail_s` seconds; a badge gives the share of hands found.
    `scale` maps the motion's pixels onto this image (e.g. 0.5 for a half-size preview). `badge`
    replaces the badge's (text, level) (an overlay drawn while tracking knows the share so far, not
    the whole motion's). `inplace` draws on `image` itself (one the caller made for this, e.g. shrunk).
    """
    if not 0 <= t_index < motion.n_frames:
        raise IndexError(f"time index {t_index} outside the motion's {motion.n_frames} frames")
    out = canvas(image, inplace=inplace)
    for i, individual in enumerate(motion.individuals):
        colour = colour_for(individual)
        if _is_hand(individual):
            trail = _trail_points(motion, i, t_index, trail_s)
            if trail is not None:
                draw_trail(out, trail * scale, colour, inplace=True)
        hand = _named_points(motion, i, t_index, HAND_LANDMARK_NAMES) * scale
        if np.isfinite(hand).any():
            draw_hand_skeleton(out, hand, colour, inplace=True)
        glove = _named_points(motion, i, t_index, GLOVE_KEYPOINTS) * scale
        if np.isfinite(glove[0]).all():
            draw_glove(out, glove[0], glove[1], colour, inplace=True)
        pose = _named_points(motion, i, t_index, POSE_LANDMARK_NAMES) * scale
        if np.isfinite(pose).any():
            draw_pose_skeleton(out, pose, colour, inplace=True)
    text, level = badge if badge is not None else tracking_badge(motion, t_index)
    return draw_quality_badge(out, text, level, inplace=True)

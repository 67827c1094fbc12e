"""Drawing tracked motion onto RGB frames: skeletons, gloves, trails and a tracking-quality badge.

Every function takes an RGB uint8 (H, W, 3) image and returns the drawn image; the input is left
untouched unless `inplace=True` (`annotate_frame` copies once and then draws in place). Points are
(x, y) pixels; NaN points, and lines touching them, are skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Optional

import numpy as np
from skillsight.pose.keypoints import GLOVE_KEYPOINTS
from skillsight.pose.keypoints import HAND_KEYPOINTS as HAND_LANDMARK_NAMES
from skillsight.pose.keypoints import POSE_KEYPOINTS as POSE_LANDMARK_NAMES

if TYPE_CHECKING:
    from skillsight.pose.motion import Motion

Colour = tuple[int, int, int]

# MediaPipe's landmark names (lower case) and connections, as data.
HAND_CONNECTIONS: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 4),
    (0, 5), (5, 6), (6, 7), (7, 8),
    (5, 9), (9, 10), (10, 11), (11, 12),
    (9, 13), (13, 14), (14, 15), (15, 16),
    (13, 17), (0, 17), (17, 18), (18, 19), (19, 20),
)  # fmt: skip
POSE_CONNECTIONS: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10),
    (11, 12), (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19),
    (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20),
    (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28),
    (27, 29), (28, 30), (29, 31), (30, 32), (27, 31), (28, 32),
)  # fmt: skip


INDIVIDUAL_COLOURS: dict[str, Colour] = {
    # warm colours: they stand out on blue, purple and green gloves and on skin alike
    "left_hand": (255, 80, 0),  # orange-red
    "right_hand": (255, 225, 0),  # yellow
    "body": (235, 235, 235),  # light grey
}
OTHER_COLOUR: Colour = (255, 0, 255)
BADGE_COLOURS: dict[str, Colour] = {"green": (30, 160, 60), "amber": (230, 160, 0), "red": (200, 30, 30)}
BADGE_TEXT_COLOUR: Colour = (255, 255, 255)

# Share of hands found at or above which the badge is green, or amber.
GOOD_SHARE = 0.9
FAIR_SHARE = 0.6


def _line_width(image: np.ndarray) -> int:
    """Lines that stay visible on small frames and do not swamp large ones."""
    return max(2, round(min(image.shape[:2]) / 300))


def _target(image: np.ndarray, inplace: bool) -> np.ndarray:
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 (H, W, 3) image, got {image.dtype} {image.shape}")
    return image if inplace else image.copy()


def _pixel(point: Sequence[float]) -> Optional[tuple[int, int]]:
    x, y = float(point[0]), float(point[1])
    if not (np.isfinite(x) and np.isfinite(y)):
        return None
    return int(round(x)), int(round(y))


def _draw_connected_points(
    image: np.ndarray, points: np.ndarray, connections: Sequence[tuple[int, int]], colour: Colour
) -> None:
    import cv2

    width = _line_width(image)
    pixels = [_pixel(p) for p in np.asarray(points, dtype=np.float64)[:, :2]]
    for a, b in connections:
        pa, pb = pixels[a], pixels[b]
        if pa is not None and pb is not None:
            cv2.line(image, pa, pb, colour, width, cv2.LINE_AA)
    for p in pixels:
        if p is not None:
            cv2.circle(image, p, width + 1, colour, -1, cv2.LINE_AA)


def draw_hand_skeleton(
    image: np.ndarray, points21: np.ndarray, colour: Colour, *, inplace: bool = False
) -> np.ndarray:
    """MediaPipe's 21 hand landmarks (rows in MediaPipe order, x and y first) joined as a hand."""
    points = np.asarray(points21, dtype=np.float64)
    if points.shape[0] != len(HAND_LANDMARK_NAMES):
        raise ValueError(f"a hand skeleton needs 21 points, got {points.shape[0]}")
    out = _target(image, inplace)
    _draw_connected_points(out, points, HAND_CONNECTIONS, colour)
    return out


def draw_pose_skeleton(
    image: np.ndarray,
    points33: np.ndarray,
    colour: Colour = INDIVIDUAL_COLOURS["body"],
    *,
    inplace: bool = False,
) -> np.ndarray:
    """MediaPipe's 33 pose landmarks (rows in MediaPipe order) joined as a body."""
    points = np.asarray(points33, dtype=np.float64)
    if points.shape[0] != len(POSE_LANDMARK_NAMES):
        raise ValueError(f"a pose skeleton needs 33 points, got {points.shape[0]}")
    out = _target(image, inplace)
    _draw_connected_points(out, points, POSE_CONNECTIONS, colour)
    return out


def draw_glove(
    image: np.ndarray,
    centroid: Sequence[float],
    tip: Optional[Sequence[float]],
    colour: Colour,
    *,
    inplace: bool = False,
) -> np.ndarray:
    """A gloved hand: a ring at its centroid and an arrow to its leading tip (when known)."""
    import cv2

    out = _target(image, inplace)
    width = _line_width(out)
    centre = _pixel(centroid)
    if centre is None:
        return out
    radius = max(4, round(min(out.shape[:2]) / 60))
    cv2.circle(out, centre, radius, colour, width + 1, cv2.LINE_AA)
    cv2.circle(out, centre, width + 1, colour, -1, cv2.LINE_AA)
    tip_pixel = _pixel(tip) if tip is not None else None
    if tip_pixel is not None and tip_pixel != centre:
        cv2.arrowedLine(out, centre, tip_pixel, colour, width, cv2.LINE_AA, tipLength=0.2)
    return out


def draw_trail(
    image: np.ndarray, recent_points: np.ndarray, colour: Colour, *, inplace: bool = False
) -> np.ndarray:
    """A path through recent points (oldest first), thicker towards the newest; NaN breaks the path."""
    import cv2

    out = _target(image, inplace)
    points = np.asarray(recent_points, dtype=np.float64).reshape(-1, np.shape(recent_points)[-1])[:, :2]
    n = len(points)
    max_width = _line_width(out) + 1
    for i in range(1, n):
        pa, pb = _pixel(points[i - 1]), _pixel(points[i])
        if pa is None or pb is None:
            continue
        width = max(1, round(max_width * i / (n - 1)))
        cv2.line(out, pa, pb, colour, width, cv2.LINE_AA)
    return out


def draw_quality_badge(image: np.ndarray, text: str, level: str, *, inplace: bool = False) -> np.ndarray:
    """A filled badge in the top-left corner, coloured by `level` ("green", "amber" or "red")."""
    import cv2

    if level not in BADGE_COLOURS:
        raise ValueError(f"badge level must be one of {sorted(BADGE_COLOURS)}, got {level!r}")
    out = _target(image, inplace)
    font = cv2.FONT_HERSHEY_SIMPLEX
    font_scale = max(0.4, min(out.shape[:2]) / 900)
    thickness = max(1, round(font_scale * 2))
    (text_w, text_h), baseline = cv2.getTextSize(text, font, font_scale, thickness)
    pad = max(2, round(text_h / 3))
    corner = (pad + text_w + 2 * pad, pad + text_h + baseline + 2 * pad)
    cv2.rectangle(out, (pad, pad), corner, BADGE_COLOURS[level], -1)
    origin = (2 * pad, pad + pad + text_h)
    cv2.putText(out, text, origin, font, font_scale, BADGE_TEXT_COLOUR, thickness, cv2.LINE_AA)
    return out


def quality_level(share_found: float) -> str:
    """green / amber / red for a share of hands found."""
    if share_found >= GOOD_SHARE:
        return "green"
    if share_found >= FAIR_SHARE:
        return "amber"
    return "red"


# --- a whole frame from a Motion ----------------------------------------------------------------


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
def _hand_presence(motion: Motion) -> tuple[np.ndarray, int]:
    """Per frame, how many tracked individuals were found, and how many to expect (computed once per motion).

    Hands when the motion has any, else every individual; expected counts only those found at least once,
    so a clip showing one hand is not marked down for the hand that was never there."""
    indices = [i for i, name in enumerate(motion.individuals) if _is_hand(name)] or list(
        range(len(motion.individuals))
    )
    if motion.n_frames == 0 or not indices:
        return np.zeros(motion.n_frames, dtype=np.int64), 0
    found = np.any(np.isfinite(motion.positions[..., 0][:, indices]), axis=2)  # (T, hands)
    expected = int(np.sum(found.any(axis=0)))
    return found.sum(axis=1).astype(np.int64), expected


def tracking_badge(motion: Motion, t_index: int) -> tuple[str, str]:
    """(text, level) of the badge at time index `t_index`: hands found now, and share found so far."""
    per_frame, expected = _hand_presence(motion)
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
) -> np.ndarray:
    """A copy of `image` with every individual of `motion` at time index `t_index` drawn on it.

    Hands get MediaPipe skeletons when their landmarks are present and glove markers (centroid, tip)
    when the glove tracker's keypoints are; the body gets its pose skeleton; each hand gets a trail of
    its wrist (or centroid) over the last `trail_s` seconds; a badge gives the share of hands found.
    `scale` maps the motion's pixels onto this image (e.g. 0.5 for a half-size preview). `badge`
    replaces the badge's (text, level) (an overlay drawn while tracking knows the share so far, not
    the whole motion's).
    """
    if not 0 <= t_index < motion.n_frames:
        raise IndexError(f"time index {t_index} outside the motion's {motion.n_frames} frames")
    out = _target(image, inplace=False)
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

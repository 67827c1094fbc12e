"""From a glove mask to hands: pieces joined, touching hands split, the hand found at the arm's end.

What a gloved hand looks like from above: an arm (sleeve, cuff) runs in from a border the trainee sits
at, and the hand is its far (distal) end. So:
- a piece that touches no border, lying beside a blob that does, is a piece of that glove (an
  instrument or thread cut it off);
- a blob that enters the frame at two separate places holds two arms: two hands touching or crossing;
- a blob that is the only one of its colour and is about as wide as long, with deep gaps in its outline,
  holds two hands that touch or cross (one glove with its cuff is about three times as long as wide);
  so does one with no such gap that is much wider across the hands than where the arms come in: two
  hands crossed at the wrists, each lying on the other arm's side. The tracker splits it where it is
  narrowest (in video: between where the two tracked hands are due, and names the parts by the tracks);
- in a still, a blob that gave one hand but holds two palms side by side holds two hands, split between
  the palms (`palms.two_palms`); a blob entering at two places is split between its arms
  (`arm_entries.split_by_entries`);
- the hand is the part of the blob within about two arm widths of its far end; its centre, leading
  point (the far end), main-axis angle and area are measured there.
Shapes that are not hands are dropped: near-rectangles (a pad, a magazine, a sheet of paper), strips
lying along a border (a table edge), thin bars inside the frame (instruments), specks, regions covering
half the frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

MIN_AREA_SHARE = 0.006  # of the frame: a glove covers 5-30%, a part cut by the border less
MAX_AREA_SHARE = 0.45
MAX_RECTANGULARITY = (
    0.9  # area (closed, holes filled) / minimum-area rectangle: pads, sheets and boxes lie above
)
MAX_BORDER_RUN = 0.5  # of a border: a blob lying along it is a table edge or a sleeve of the drape
# ... when its width along that border keeps to a straight line (std about the fitted line / mean width):
# a table or drape edge is bounded by a straight line; a hand leaving the frame (palm, thumb, fingers,
# cuff; measured 0.10-0.42 on the generated scenes) is not
MAX_STRIP_BEND = 0.06
PIECE_GAP = 0.35  # of the bigger blob's size: a piece this near belongs to it (between bounding boxes)
# ... and, in stills, its pixels within this many times that gap of the blob's pixels: a V or X of two
# arms spans a box holding instruments' rings and pad pieces far from either arm (outside still 40006: a
# ring 2.25 times that gap away became a hand's tip), while pieces cut off a glove by its shading or an
# instrument lie at most about 1.3 times that gap from it (boxes meet sooner than pixels)
PIECE_PIXEL_GAP = 2.0
HAND_LENGTH_WIDTHS = 1.8  # a hand is about this many arm widths long from the far end
FLOATING_LENGTH_WIDTHS = HAND_LENGTH_WIDTHS  # a glove that touches no border (tried 2.6: worse on the scenes)
MIN_CONTACT_GAP = 0.08  # of the border's length between two entries of one blob: two arms
MIN_PALM_RADIUS = 0.018  # of the frame's long side: a hand has a palm at least this thick (half its width)
EDGES = ("top", "bottom", "left", "right")
TOWARD_EDGE = {"bottom": (0.0, 1.0), "top": (0.0, -1.0), "left": (-1.0, 0.0), "right": (1.0, 0.0)}
FLOATING_MIN_ROUNDNESS = 0.2  # minor / major axis: a glove inside the frame (hand and cuff) is never thinner
PAIR_MIN_ROUNDNESS = 0.55  # minor / major axis of the blob's ellipse (one hand with its cuff: about 0.35)
PAIR_MAX_SOLIDITY = 0.85  # area / convex hull area: two hands leave deep gaps in their joint outline
# widest across the hand half / across where the arm comes in, for a blob already about as round as two
# hands: two palms side by side over arms that come in crossed measure about twice one hand's (1.6-4.1 on
# the generated crossed scenes); one hand's palm, thumb out, is 1.2-1.7 times its cuff, and the single
# gloves that are that round measured at most 1.5 (seed sets 0 and 5000; 9000 not looked at)
PAIR_MIN_WIDENING = 1.6
PAIR_ARM_BAND = (0.7, 0.85)  # of the blob's extent from its far end: where the arm's width is read
PAIR_CUT_RANGE = (0.3, 0.7)  # of the blob's extent across the trainee's direction: where the cut may fall


@dataclass
class HandBlob:
    """One hand, in working pixels."""

    centre: tuple[float, float]
    tip: tuple[float, float]
    entry: Optional[tuple[float, float]]  # where its arm enters the frame; None inside the frame
    angle_deg: float  # of the main axis, from the entry towards the tip, image coordinates
    area: float  # of the hand part
    blob_area: float  # of the whole blob (hand, cuff, sleeve)
    shape_score: float  # 0-1: how hand-like the blob's shape is
    # the hand this is known to be, where one blob held two: the track it was split for (video), or the
    # other side's name for hands crossed at the wrists (a still)
    named: Optional[str] = None


def components(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return labels, stats[:n]


def border_contacts(blob: np.ndarray, entry_edges: tuple[str, ...]) -> list[np.ndarray]:
    """Runs of the blob along the entry borders, each as its (x, y) points; a run is one arm."""
    height, width = blob.shape
    lines = {
        "bottom": (blob[-1, :], lambda i: (i, height - 1.0)),
        "top": (blob[0, :], lambda i: (i, 0.0)),
        "left": (blob[:, 0], lambda i: (0.0, i)),
        "right": (blob[:, -1], lambda i: (width - 1.0, i)),
    }
    # walk the perimeter left side (top to bottom), bottom (left to right), right side (bottom to top)
    gap_limit = MIN_CONTACT_GAP * max(width, height)
    runs: list[list[tuple[float, float]]] = []
    last = -math.inf
    position = 0.0
    for edge in ("left", "bottom", "right", "top"):
        line, point = lines[edge]
        indices = np.arange(len(line))
        if edge in ("right",):
            indices = indices[::-1]
        for i in indices:
            position += 1.0
            if edge not in entry_edges or not line[i]:
                continue
            if position - last > gap_limit or not runs:
                runs.append([])
            runs[-1].append(point(float(i)))
            last = position
    return [np.array(run) for run in runs if len(run) >= 2]


def shape_score(blob: np.ndarray, area: float, frame_area: float, contacts: list[np.ndarray]) -> float:
    """0 for shapes that are not a hand (see module notes), else up to 1."""
    share = area / frame_area
    if share < MIN_AREA_SHARE or share > MAX_AREA_SHARE:
        return 0.0
    height, width = blob.shape
    for edge_line, length, across_rows in (
        (blob[0, :], width, False),
        (blob[-1, :], width, False),
        (blob[:, 0], height, True),
        (blob[:, -1], height, True),
    ):
        if np.count_nonzero(edge_line) > MAX_BORDER_RUN * length and _straight_strip(blob, across_rows):
            return 0.0
    contours, _ = cv2.findContours(blob, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    outline = np.concatenate([c.reshape(-1, 2) for c in contours])
    if not contacts and len(outline) >= 5:
        _, axes, _ = cv2.fitEllipse(outline)
        if min(axes) < FLOATING_MIN_ROUNDNESS * max(axes):
            return 0.0  # a thin bar inside the frame: an instrument, a pad's lit edge, not a hand
    (_, _), (w, h), _ = cv2.minAreaRect(outline)
    cut_by_border = False  # a thin blob along a border whose width is not straight: a hand leaving
    if min(w, h) < 0.3 * max(w, h) and _lies_along_border(blob, outline):
        _, _, box_w, box_h = cv2.boundingRect(outline)
        if _straight_strip(blob, across_rows=box_h >= box_w):
            return 0.0  # a strip along the frame's edge: the table beyond the drape
        cut_by_border = True
    # closing first: notches that instruments and thread cut into a pad do not make it less square
    closed = cv2.morphologyEx(blob, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9)))
    closed_contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    rectangularity = sum(cv2.contourArea(c) for c in closed_contours) / max(w * h, 1.0)
    # a hand leaving by a side border is cut straight along it: its thin remainder fills its box as a
    # pad does, and only its width along the border (not straight, above) tells it from a table's edge
    if (rectangularity > MAX_RECTANGULARITY and not cut_by_border) or _straight_edged(contours):
        return 0.0
    size_score = min(1.0, share / 0.03)
    return float(np.clip(0.5 + 0.5 * size_score, 0.0, 1.0))


def _lies_along_border(blob: np.ndarray, outline: np.ndarray) -> bool:
    _, _, w, h = cv2.boundingRect(outline)
    """Long along a border it touches over most of its length (an arm runs into the border across it)."""
    along_top_or_bottom = (
        w >= 3 * h and max(np.count_nonzero(blob[0, :]), np.count_nonzero(blob[-1, :])) >= 0.7 * w
    )
    along_a_side = h >= 3 * w and max(np.count_nonzero(blob[:, 0]), np.count_nonzero(blob[:, -1])) >= 0.7 * h
    return bool(along_top_or_bottom or along_a_side)


def _straight_strip(blob: np.ndarray, across_rows: bool) -> bool:
    """Whether the blob's width (per row along a side border, per column along the top or bottom) keeps
    to a straight line over its length: the edge of a table or drape, not an arm and hand."""
    widths = np.count_nonzero(blob, axis=1 if across_rows else 0).astype(np.float64)
    widths = widths[widths > 0]
    if len(widths) < 4:
        return True
    steps = np.arange(len(widths), dtype=np.float64)
    line = np.polyval(np.polyfit(steps, widths, 1), steps)
    return float(np.std(widths - line)) <= MAX_STRIP_BEND * float(widths.mean())


def _straight_edged(contours: Sequence[np.ndarray]) -> bool:
    """A convex outline of a few straight sides (a pad, a sheet, a sponge cut by the border), not a hand."""
    largest = max(contours, key=cv2.contourArea)
    hull = cv2.convexHull(largest)
    solidity = cv2.contourArea(largest) / max(cv2.contourArea(hull), 1.0)
    corners = cv2.approxPolyDP(largest, 0.015 * cv2.arcLength(largest, True), True)
    return solidity > 0.95 and len(corners) <= 5


def component_thickness(labels: np.ndarray, stats: np.ndarray, label: int) -> float:
    """Radius of the largest disc inside one labelled component (its palm, for a hand)."""
    x, y, w, h = (int(v) for v in stats[label, :4])
    inside = np.pad((labels[y : y + h, x : x + w] == label).astype(np.uint8), 1)
    return float(cv2.distanceTransform(inside, cv2.DIST_L2, 3).max())


def join_pieces(
    labels: np.ndarray,
    stats: np.ndarray,
    frame_area: float,
    host_among: Optional[Callable[[list[tuple[float, list[int]]], int], Optional[list[int]]]] = None,
    pixel_gaps: bool = False,
) -> list[np.ndarray]:
    """Label groups, one per glove: small pieces that touch no border join a bigger blob near them. Of
    the groups near a piece (with their gaps, largest first), `host_among` picks the one it joins, or
    none; by default the first (`pieces.join_glove_pieces` picks otherwise in video). The gap is between
    bounding boxes; with `pixel_gaps` the pixels must lie near too (PIECE_PIXEL_GAP)."""
    height, width = labels.shape
    keep = [
        i for i in range(1, len(stats)) if stats[i, cv2.CC_STAT_AREA] >= 0.2 * MIN_AREA_SHARE * frame_area
    ]
    keep.sort(key=lambda i: -stats[i, cv2.CC_STAT_AREA])
    groups: list[list[int]] = []
    for i in keep:
        x, y, w, h, area = (int(v) for v in stats[i, :5])
        touches = x == 0 or y == 0 or x + w >= width or y + h >= height
        near: list[tuple[float, list[int]]] = []
        if not touches:
            for group in groups:
                main = stats[group[0]]
                gap = _bbox_gap((x, y, w, h), tuple(int(v) for v in main[:4]))
                limit = PIECE_GAP * math.sqrt(main[cv2.CC_STAT_AREA])
                if area >= main[cv2.CC_STAT_AREA] or gap > limit:
                    continue
                if not pixel_gaps or _pixels_near(labels, i, group[0], (x, y, w, h), PIECE_PIXEL_GAP * limit):
                    near.append((gap, group))
        host = (host_among or _first_near)(near, i)
        if host is not None:
            host.append(i)
        else:
            groups.append([i])
    return [np.array(g) for g in groups]


def _first_near(near: list[tuple[float, list[int]]], piece: int) -> Optional[list[int]]:
    return near[0][1] if near else None


def _pixels_near(
    labels: np.ndarray, piece: int, host: int, box: tuple[int, int, int, int], limit: float
) -> float:
    """Pixels from the piece to the host component, where under `limit` (else inf): only the host's
    pixels within `limit` of the piece's box can be that near."""
    x, y, w, h = box
    reach = int(math.ceil(limit)) + 1
    top, left = max(0, y - reach), max(0, x - reach)
    window = labels[top : y + h + reach, left : x + w + reach]
    if not np.any(window == host):
        return False
    to_host = cv2.distanceTransform((window != host).astype(np.uint8), cv2.DIST_L2, 3)
    return float(to_host[window == piece].min()) <= limit


def _bbox_gap(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    dx = max(0, max(a[0], b[0]) - min(a[0] + a[2], b[0] + b[2]))
    dy = max(0, max(a[1], b[1]) - min(a[1] + a[3], b[1] + b[3]))
    return math.hypot(dx, dy)


def split_side_by_side(blob: np.ndarray, trainee_edge: str) -> list[np.ndarray]:
    """A glove blob that enters from no border (sleeves of another colour) may still be two hands
    side by side (touching, crossed at the wrists): two wrists leave a deep notch on the trainee's side
    of the blob, which one hand's wrist does not. Split along the line from that notch away from the
    trainee; else the blob is one hand."""
    contours, _ = cv2.findContours(blob, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return [blob]
    outline = max(contours, key=cv2.contourArea)
    hull = cv2.convexHull(outline, returnPoints=False)
    if hull is None or len(hull) < 4:
        return [blob]
    try:
        defects = cv2.convexityDefects(outline, hull)
    except cv2.error:
        return [blob]
    if defects is None:
        return [blob]
    points = outline.reshape(-1, 2).astype(np.float64)
    size = math.sqrt(max(cv2.contourArea(outline), 1.0))
    toward = {"bottom": np.array([0.0, 1.0]), "top": np.array([0.0, -1.0]), "left": np.array([-1.0, 0.0])}
    down = toward.get(trainee_edge, np.array([1.0, 0.0]))
    centre = points.mean(axis=0)
    best = None
    for _start, _end, far, depth in defects.reshape(-1, 4):
        notch = points[far]
        on_trainee_side = float(np.dot(notch - centre, down)) > 0.15 * size
        if depth / 256.0 >= 0.3 * size and on_trainee_side and (best is None or depth > best[1]):
            best = (notch, depth)
    if best is None:
        return [blob]
    notch = best[0]
    ys, xs = np.nonzero(blob)
    side = (xs - notch[0]) * down[1] - (ys - notch[1]) * down[0]  # which side of the line through the notch
    parts = []
    for keep in (side < 0, side >= 0):
        part = np.zeros_like(blob)
        part[ys[keep], xs[keep]] = 1
        if keep.sum() >= 0.2 * len(xs):
            parts.append(part)
    return parts if len(parts) == 2 else [blob]


def two_hands_in_one(blob: np.ndarray, trainee_edge: str = "bottom") -> bool:
    """Whether a blob, the only one of its colour, is more likely two hands that touch or cross than one
    (see `pair_in_one`)."""
    return pair_in_one(blob, trainee_edge) is not None


def pair_in_one(blob: np.ndarray, trainee_edge: str = "bottom") -> Optional[str]:
    """None where a blob, the only one of its colour, is one hand; else how its two hands lie. A gloved
    hand with its cuff is about three times as long as wide; two side by side or crossed make a blob about
    as wide as long, with deep gaps in its outline (between the wrists, between the two hands' fingers):
    "side_by_side"; or, where they overlap into one compact blob, much wider across the hands than where
    the arms come in: "crossed" at the wrists (no gap between the arms, so each hand lies on the other
    arm's side)."""
    contours, _ = cv2.findContours(blob, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    if len(outline) < 5:
        return None
    _, axes, _ = cv2.fitEllipse(outline)
    roundness = min(axes) / max(max(axes), 1e-6)
    if roundness < PAIR_MIN_ROUNDNESS:
        return None
    solidity = cv2.contourArea(outline) / max(cv2.contourArea(cv2.convexHull(outline)), 1.0)
    if solidity <= PAIR_MAX_SOLIDITY:
        return "side_by_side"
    return "crossed" if widening(blob, trainee_edge) >= PAIR_MIN_WIDENING else None


def widening(blob: np.ndarray, trainee_edge: str = "bottom") -> float:
    """How much wider the blob is across its far half (the hands) than where the arm comes in (rows or
    columns across the trainee's direction; holes and notches closed): about 1-1.5 for one hand,
    about 2 for two hands side by side whose arms cross, even where they overlap into one compact
    blob with no deep gap in its outline."""
    filled = cv2.morphologyEx(fill_holes(blob), cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    across_rows = trainee_edge in ("bottom", "top")
    counts = np.count_nonzero(filled, axis=1 if across_rows else 0)
    lines = np.nonzero(counts)[0]
    if len(lines) < 8:
        return 1.0
    counts = counts[lines[0] : lines[-1] + 1]
    if trainee_edge in ("top", "left"):
        counts = counts[::-1]  # from the far end towards the trainee
    n = len(counts)
    arm = float(np.median(counts[int(PAIR_ARM_BAND[0] * n) : int(PAIR_ARM_BAND[1] * n) + 1]))
    return float(counts[: n // 2].max()) / max(arm, 1.0)


def split_pair(
    blob: np.ndarray, trainee_edge: str, seeds: Optional[Sequence[tuple[float, float]]] = None
) -> list[np.ndarray]:
    """Two hands in one blob: with `seeds` (where two hands are expected), the pixels nearer each;
    else side by side across the direction the arms come from, cut where the blob is narrowest (the
    two hands meet along less than a hand's width) in the middle part of its extent."""
    ys, xs = np.nonzero(blob)
    if seeds is not None:
        (ax, ay), (bx, by) = seeds
        nearer_a = (xs - ax) ** 2 + (ys - ay) ** 2 <= (xs - bx) ** 2 + (ys - by) ** 2
        return [_pixels_to_mask(blob, ys[keep], xs[keep]) for keep in (nearer_a, ~nearer_a)]
    across = xs if trainee_edge in ("bottom", "top") else ys
    # the hands lie in the half away from the trainee (arms and cuffs, which may cross, in the near half)
    depth = (np.column_stack([xs, ys]) @ np.array(TOWARD_EDGE[trainee_edge])).astype(np.float64)
    hands = across[depth <= np.median(depth)]
    low, high = int(hands.min()), int(hands.max())
    if high - low < 4:
        return [blob]
    counts = np.bincount(hands - low, minlength=high - low + 1).astype(np.float64)
    counts = np.convolve(counts, np.ones(3) / 3.0, mode="same")  # a stray column does not make the cut
    first = int(PAIR_CUT_RANGE[0] * (high - low))
    last = max(first + 1, int(PAIR_CUT_RANGE[1] * (high - low)))
    cut = low + first + int(np.argmin(counts[first:last]))
    return [_pixels_to_mask(blob, ys[keep], xs[keep]) for keep in (across < cut, across >= cut)]


def _pixels_to_mask(like: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    mask = np.zeros_like(like)
    mask[ys, xs] = 1
    return mask


def describe_hand(blob: np.ndarray, contact: np.ndarray, trainee_edge: str) -> Optional[HandBlob]:
    """Centre, tip, axis and area of the hand at the far end of one arm's blob. Holes are filled first:
    highlights, thread and instruments that come and go over a glove then do not shake its centre."""
    ys, xs = np.nonzero(fill_holes(blob))
    if len(xs) < 10:
        return None
    points = np.column_stack([xs, ys]).astype(np.float64)
    entry: Optional[tuple[float, float]] = None
    if len(contact):
        origin = contact.mean(axis=0)
        entry = (float(origin[0]), float(origin[1]))
    else:  # inside the frame: the arm comes from the trainee's side
        origin = _towards_edge(points, blob.shape, trainee_edge)
    reach = np.hypot(points[:, 0] - origin[0], points[:, 1] - origin[1])
    far = reach >= np.percentile(reach, 98)
    tip = points[far].mean(axis=0)
    axis = tip - origin
    length = float(np.linalg.norm(axis)) or 1.0
    axis /= length
    along = (points - origin) @ axis
    arm_width = len(points) / max(float(along.max() - along.min()), 1.0)
    # a soft cut (full weight within HAND_LENGTH_WIDTHS - 0.4 widths of the far end, none beyond + 0.4):
    # where the cut falls on a short blob, the centre does not jump between frames
    from_end = (along.max() - along) / max(arm_width, 1.0)
    # a glove that floats (its sleeve or arm not of its colour) is hand and a short cuff: longer cut
    length_widths = HAND_LENGTH_WIDTHS if entry is not None else FLOATING_LENGTH_WIDTHS
    weight = np.clip((length_widths + 0.4 - from_end) / 0.8, 0.0, 1.0)
    if weight.sum() < 10:
        weight = np.ones(len(points))
    centre = (points * weight[:, None]).sum(axis=0) / weight.sum()
    return HandBlob(
        (float(centre[0]), float(centre[1])),
        (float(tip[0]), float(tip[1])),
        entry,
        math.degrees(math.atan2(axis[1], axis[0])),
        float(weight.sum()),
        float(len(points)),
        1.0,
    )


def fill_holes(blob: np.ndarray) -> np.ndarray:
    contours, _ = cv2.findContours(blob, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(blob)
    cv2.drawContours(filled, list(contours), -1, (1,), thickness=-1)
    return filled


def _towards_edge(points: np.ndarray, shape: tuple[int, ...], edge: str) -> np.ndarray:
    """The blob's end nearest the trainee's edge: where a floating glove's wrist most likely is."""
    height, width = shape[:2]
    key = {"bottom": points[:, 1], "top": -points[:, 1], "left": -points[:, 0], "right": points[:, 0]}[edge]
    end = key >= np.percentile(key, 95)
    return np.asarray(points[end].mean(axis=0))

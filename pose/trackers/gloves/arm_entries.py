"""Where arms enter the frame: one blob entering at two places holds two arms, split between them.

From above, an arm runs straight in from where it enters the frame to the wrist, and its hand lies at its
end. Two arms of the glove's colour (sleeves of its hue, or gloves reaching to the border) that touch
or cross make one blob entering at two places: each pixel belongs to the arm whose line passes nearest.
An arm's line is its middle traced in from the border, cross-section by cross-section, until it meets the
other arm (`trace_arm`): the blob's pixels near the entry mix both arms where they cross or meet in a
V, and their main axis then runs along the border (outside stills 30031 and 40043 named the crossing
point and a border corner as the hands).
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

MERGED_WIDTH = 1.5  # times the entry's width: the arm's cross-section has met the other arm (or its hand)
MISSED_LINES = 3  # cross-sections in a row with no blob over the arm (an instrument across it) ends the trace
MIN_TRACED = 4  # cross-sections: fewer tell no direction
TRACE_DEPTH = 2.0  # entry widths: how far in from the border an arm is traced at most
CROSSED_BEYOND = 1.0  # arm widths each arm goes on beyond where the two arms' lines meet: they cross


def split_by_entries(
    blob: np.ndarray, contacts: list[np.ndarray], traced: bool = False
) -> list[tuple[np.ndarray, np.ndarray]]:
    """One (mask, contact) per arm. Each arm runs on from where it enters in a straight line (with
    `traced`, its middle traced in from the border; else the main axis of the blob's pixels near the
    entry), so a pixel belongs to the arm whose line passes nearest: touching hands split between them,
    and crossed arms keep their own hands. Traced arms that meet without crossing (`_crossed`) keep to
    their own side of where their lines meet (past it the other arm's line passes nearer)."""
    if len(contacts) <= 1:
        return [(blob, contacts[0] if contacts else np.empty((0, 2)))]
    ys, xs = np.nonzero(blob)
    points = np.column_stack([xs, ys]).astype(np.float64)
    arms = [trace_arm(blob, contact) if traced else None for contact in contacts]
    axes = [arm[0] if arm is not None else None for arm in arms]
    distances = np.stack(
        [_distance_to_arm_line(points, contact, axis) for contact, axis in zip(contacts, axes)], axis=1
    )
    nearest = np.argmin(distances, axis=1)
    if len(contacts) == 2 and arms[0] is not None and arms[1] is not None:
        entries = [contact.mean(axis=0) for contact in contacts]
        sides = _sides_unless_crossed(points, entries, [arms[0], arms[1]])
        nearest = nearest if sides is None else sides
    parts = []
    for k, contact in enumerate(contacts):
        part = np.zeros_like(blob)
        part[ys[nearest == k], xs[nearest == k]] = 255
        parts.append((part, contact))
    return parts


def _sides_unless_crossed(
    points: np.ndarray, entries: list[np.ndarray], arms: list[tuple[np.ndarray, float]]
) -> Optional[np.ndarray]:
    """Which arm's side of the bisector of their two lines each point lies on (0 for the first arm's),
    where the arms meet but do not cross; None where they cross, or their lines do not meet ahead of
    both entries (nearly parallel: each line is nearest its own arm anyway). Crossed arms go on beyond
    where their lines meet by a hand each (at least CROSSED_BEYOND arm widths along both lines); arms
    that meet at their hands (a V, hands touching) end about there (on outside stills 20000-50000, arms
    crossing went on 0.85-6 arm widths, all but one over 1; hands touching in a V 0.9 or less, but one
    at 1.3)."""
    (first, width_a), (second, width_b) = arms
    turn = np.column_stack([first, -second])
    if abs(float(np.linalg.det(turn))) < 1e-3:
        return None
    along_a, along_b = np.linalg.solve(turn, entries[1] - entries[0])
    if along_a <= 0 or along_b <= 0:
        return None
    beyond_a = float(((points - entries[0]) @ first).max()) - along_a
    beyond_b = float(((points - entries[1]) @ second).max()) - along_b
    if min(beyond_a / max(width_a, 1.0), beyond_b / max(width_b, 1.0)) >= CROSSED_BEYOND:
        return None
    meeting = entries[0] + along_a * first
    bisector = first + second
    normal = np.array([-bisector[1], bisector[0]])
    first_side = float(np.dot(entries[0] - meeting, normal)) >= 0
    on_first_side = (points - meeting) @ normal >= 0
    return np.asarray(np.where(on_first_side == first_side, 0, 1))


def trace_arm(blob: np.ndarray, contact: np.ndarray) -> Optional[tuple[np.ndarray, float]]:
    """The unit direction in which an arm runs into the frame from its contact with the border, and the
    arm's width: a line fitted to the middles of its cross-sections parallel to that border, each the
    blob's pixels over the one before, until the cross-section widens to MERGED_WIDTH times the entry's
    (the other arm, or the hand) or TRACE_DEPTH entry widths in. None where too few were traced."""
    height, width = blob.shape
    on_edge = {
        "bottom": np.count_nonzero(contact[:, 1] >= height - 1),
        "top": np.count_nonzero(contact[:, 1] <= 0),
        "left": np.count_nonzero(contact[:, 0] <= 0),
        "right": np.count_nonzero(contact[:, 0] >= width - 1),
    }
    edge = max(on_edge, key=lambda e: on_edge[e])
    # cross-sections as rows of a view in which depth 0 is the border
    view = {"bottom": blob[::-1], "top": blob, "left": blob.T, "right": blob.T[::-1]}[edge] > 0
    along = contact[:, 0] if edge in ("bottom", "top") else contact[:, 1]
    on = along[[p for p in range(len(contact)) if _on(contact[p], edge, height, width)]]
    low, high = float(on.min()), float(on.max())
    entry_width = high - low + 1.0
    middles: list[tuple[int, float, float]] = []
    missed = 0
    for depth in range(min(len(view), int(TRACE_DEPTH * entry_width) + 1)):
        section = _overlapping(view[depth], low, high)
        if section is None:
            missed += 1
            if missed > MISSED_LINES:
                break
            continue
        missed = 0
        if depth > 0 and section[1] - section[0] + 1.0 > MERGED_WIDTH * entry_width:
            break
        low, high = section
        middles.append((depth, 0.5 * (low + high), high - low + 1.0))
    if len(middles) < MIN_TRACED:
        return None
    depths, centres, widths = np.array(middles, np.float64).T
    slope = float(np.polyfit(depths, centres, 1)[0])  # sideways per cross-section inwards
    direction = {
        "bottom": (slope, -1.0),
        "top": (slope, 1.0),
        "left": (1.0, slope),
        "right": (-1.0, slope),
    }[edge]
    # a cross-section along the border is wider than the arm by the slant
    return np.array(direction) / float(np.hypot(*direction)), float(np.median(widths)) / math.hypot(
        1.0, slope
    )


def _on(point: np.ndarray, edge: str, height: int, width: int) -> bool:
    x, y = point
    return bool({"bottom": y >= height - 1, "top": y <= 0, "left": x <= 0, "right": x >= width - 1}[edge])


def _overlapping(line: np.ndarray, low: float, high: float) -> Optional[tuple[float, float]]:
    """The span of the blob's runs in one cross-section that overlap [low, high] (1 pixel's slack)."""
    filled = np.flatnonzero(line)
    if not len(filled):
        return None
    breaks = np.flatnonzero(np.diff(filled) > 1)
    starts = filled[np.concatenate([[0], breaks + 1])]
    ends = filled[np.concatenate([breaks, [len(filled) - 1]])]
    over = (ends >= low - 1) & (starts <= high + 1)
    if not over.any():
        return None
    return float(starts[over].min()), float(ends[over].max())


def _distance_to_arm_line(
    points: np.ndarray, contact: np.ndarray, traced: Optional[np.ndarray] = None
) -> np.ndarray:
    entry = contact.mean(axis=0)
    axis = traced if traced is not None else _near_axis(points, entry, contact)
    if axis is None:
        return np.asarray(np.hypot(*(points - entry).T))
    relative = points - entry
    along = relative @ axis
    across = np.abs(relative @ np.array([-axis[1], axis[0]]))
    return np.asarray(np.where(along >= 0, across, np.hypot(along, across)))


def _near_axis(points: np.ndarray, entry: np.ndarray, contact: np.ndarray) -> Optional[np.ndarray]:
    """The main axis of the blob's pixels near the entry, pointing into the frame."""
    run = max(float(np.linalg.norm(contact[-1] - contact[0])), 4.0)
    near = points[np.hypot(*(points - entry).T) <= 1.5 * run]
    if len(near) < 10:
        return None
    centred = near - near.mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T @ centred)
    axis = vectors[:, -1]
    if float(np.dot(near.mean(axis=0) - entry, axis)) < 0:
        axis = -axis
    return np.asarray(axis)

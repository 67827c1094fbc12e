"""Where arms enter the frame: one blob entering at two places holds two arms, split between them.

From above, an arm runs straight in from where it enters the frame to the wrist, and its hand lies at its
end. Two arms of the glove's colour (sleeves of its hue, or gloves reaching to the border) that touch
or cross make one blob entering at two places: each pixel belongs to the arm whose line passes nearest.
"""

from __future__ import annotations

import numpy as np


def split_by_entries(blob: np.ndarray, contacts: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """One (mask, contact) per arm. Each arm runs on from where it enters in a straight line (its
    direction from the blob's pixels near the entry), so a pixel belongs to the arm whose line passes
    nearest: touching hands split between them, and crossed arms keep their own hands."""
    if len(contacts) <= 1:
        return [(blob, contacts[0] if contacts else np.empty((0, 2)))]
    ys, xs = np.nonzero(blob)
    points = np.column_stack([xs, ys]).astype(np.float64)
    distances = np.stack([_distance_to_arm_line(points, contact) for contact in contacts], axis=1)
    nearest = np.argmin(distances, axis=1)
    parts = []
    for k, contact in enumerate(contacts):
        part = np.zeros_like(blob)
        part[ys[nearest == k], xs[nearest == k]] = 255
        parts.append((part, contact))
    return parts


def _distance_to_arm_line(points: np.ndarray, contact: np.ndarray) -> np.ndarray:
    entry = contact.mean(axis=0)
    run = max(float(np.linalg.norm(contact[-1] - contact[0])), 4.0)
    near = points[np.hypot(*(points - entry).T) <= 1.5 * run]
    if len(near) < 10:
        return np.asarray(np.hypot(*(points - entry).T))
    centred = near - near.mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T @ centred)
    axis = vectors[:, -1]
    if float(np.dot(near.mean(axis=0) - entry, axis)) < 0:
        axis = -axis
    relative = points - entry
    along = relative @ axis
    across = np.abs(relative @ np.array([-axis[1], axis[0]]))
    return np.asarray(np.where(along >= 0, across, np.hypot(along, across)))

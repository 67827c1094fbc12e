"""Palms: the thick cores of a glove blob, and whether one blob holds two palms side by side (stills).

A palm is the thickest part of a gloved hand seen from above; fingers, thumb and mostly the wrist are
thinner. Two hands that touch or cross into one blob keep two palms where they do not overlap.
"""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

from skillsight.pose.trackers.gloves.hands import TOWARD_EDGE, border_contacts, fill_holes

# A palm is a thick core of a hand: a part of the blob at least PALM_CORE of its largest inscribed radius
# thick (fingers, thumb and mostly the wrist are thinner). A second core at least SECOND_PALM as thick as
# the first is a second palm where it lies beside the first across the arm's direction; a forearm or cuff
# as thick lies behind its palm, along it. So two hands touching at their fingers or thumbs, or in a V,
# are two whatever the blob's roundness (on outside stills 20001-20214 and 30001-30214, single gloves
# showed second cores beside the palm of at most 0.61, and of 0.75-1.0 only behind it). Palms pressed
# together or overlapping stay one core at this level; cutting higher too (0.5-0.9) parted them, but
# also split white gloves' flat palms into two peaks (outside 2 hands gained, 2 gloves doubled)
PALM_CORE = 0.5
SECOND_PALM = 0.75


def palm_cores(blob: np.ndarray) -> list[tuple[float, float, float]]:
    """(radius, x, y) of each palm-like core of the blob, thickest first: the largest disc inside each
    part of it at least PALM_CORE of the blob's largest radius thick (holes and instrument-thin gaps
    closed first)."""
    filled = cv2.morphologyEx(fill_holes(blob), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    depth = cv2.distanceTransform(np.pad(filled, 1), cv2.DIST_L2, 5)[1:-1, 1:-1]
    largest = float(depth.max())
    if largest <= 0:
        return []
    count, labels = cv2.connectedComponents((depth >= PALM_CORE * largest).astype(np.uint8), connectivity=8)
    peaks = np.zeros(count)
    np.maximum.at(peaks, np.asarray(labels, np.intp).ravel(), depth.ravel())
    cores = []
    for label in np.argsort(-peaks[1:]) + 1:
        ys, xs = np.nonzero((labels == label) & (depth >= peaks[label]))
        cores.append((float(peaks[label]), float(xs[0]), float(ys[0])))
    return cores


def two_palms(
    blob: np.ndarray, trainee_edge: str = "bottom", entry_edges: tuple[str, ...] = ("left", "bottom", "right")
) -> Optional[list[tuple[float, float]]]:
    """The centres of two palms of about one size lying beside each other across the direction the
    blob's arm comes from (from where it enters the frame, else from the trainee's edge); None where the
    blob does not hold two."""
    cores = palm_cores(blob)
    if len(cores) < 2 or cores[1][0] < SECOND_PALM * cores[0][0]:
        return None
    down = np.array(TOWARD_EDGE[trainee_edge])
    contacts = border_contacts(blob, entry_edges)
    if len(contacts) == 1:
        ys, xs = np.nonzero(blob)
        towards_entry = contacts[0].mean(axis=0) - np.array([xs.mean(), ys.mean()])
        down = towards_entry / max(float(np.linalg.norm(towards_entry)), 1e-6)
    palms = [(x, y) for _, x, y in cores[:2]]
    apart = np.subtract(palms[1], palms[0])
    across = abs(float(apart[0] * down[1] - apart[1] * down[0]))
    return palms if across > abs(float(apart @ down)) else None

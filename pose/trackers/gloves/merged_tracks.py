"""Tracks of two hands merged into one blob (video): kept on the blob they are merged in.

While two tracked gloves form one blob, each hand's track coasts on its velocity from before the merge and
the blob is split between the tracks' predictions (`naming.HandNamer.tracked_pair`). A velocity misread
before the merge (an instrument cut the glove, white on a white pad gave a jumpy centre) would carry a
track off the blob; the blob would then be taken for one hand and the other hand lost until they part.
The blob's area and its two arms say it is still two hands, each near where it was.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from skillsight.pose.trackers.gloves.identity import HandTrack


def kept_on(
    track: HandTrack, part_centre: tuple[float, float], inside: np.ndarray, limit: float
) -> HandTrack:
    """A merged hand's track that lies further than `limit` off the blob (`inside`, holes filled) is
    drawn back towards its own part's centre until it lies that near; its velocity takes the correction,
    as it takes a measured step: a misread speed is undone, and tracks that met with no speed yet gain
    it as the blob draws them on (they may still pass each other inside the blob as the hands cross).
    Drawn towards its own part, not to the nearest pixel of the blob: two tracks off the same notch
    (between two wrists) would otherwise land on one point."""
    outside = cv2.distanceTransform((inside == 0).astype(np.uint8), cv2.DIST_L2, 3)
    height, width = inside.shape

    def off(point: tuple[float, float]) -> float:
        column = int(round(min(max(point[0], 0.0), width - 1.0)))
        row = int(round(min(max(point[1], 0.0), height - 1.0)))
        return float(outside[row, column])

    (x, y), (cx, cy) = track.position, part_centre
    if off((x, y)) <= limit:
        return track
    point = (cx, cy)
    for share in np.linspace(0.05, 1.0, 20):
        point = (x + share * (cx - x), y + share * (cy - y))
        if off(point) <= limit:
            break
    velocity = (track.velocity[0] + point[0] - x, track.velocity[1] + point[1] - y)
    return dataclasses.replace(track, position=point, velocity=velocity)

"""Skin-tone latex or bare skin, told by how even a hand's colour is (`auto`'s latex decision).

MediaPipe is no witness here: it finds latex hands (a glove is hand-shaped) and misses bare ones (small,
holding instruments, crossing) alike. On generated crossing videos (outside seeds 20000-20005) it saw
the hands in under half the samples in two of six bare-handed videos, and in over half in four of six
latex ones. What differs is the material: a latex glove is one dyed film, so over the hand its chroma
only shades; bare skin is not one colour (redder knuckles and palm creases, paler nails, veins). Its
spread of CIELAB a* (red-green) over a hand's skin-coloured pixels: generated latex 1.3-2.1, the real bare
hands cut from the shared clips 4.8-6.2 (OpenCV's 0-255 scale; seeds 20000-20005, 30000-30001, crossing
and gentle videos alike). So `auto` decides skin-tone latex only where the skin hands it follows are of
one chroma; elsewhere they are bare hands MediaPipe misses, tracked beside its landmarks (the same
positions, reported as bare skin, not as gloves).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import numpy as np

from skillsight.base.keypoints import HAND_INDIVIDUALS as HAND_NAMES
from skillsight.capture.frames import Frame
from skillsight.pose.trackers.base import FrameObservation

LATEX_CHROMA_SPREAD = 3.5  # a* standard deviation (0-255 scale) over a hand's skin: at most this for latex
HAND_DISC = 0.35  # of the square root of a hand's blob area: the disc around its centroid that is read
MIN_SKIN_PIXELS = 50  # fewer skin-coloured pixels in the disc: no reading


def chroma_spread(image_rgb: np.ndarray, centre: np.ndarray, area: float) -> Optional[float]:
    """Standard deviation of CIELAB a* over the skin-coloured pixels of a disc around a hand's centroid
    (HAND_DISC of its size); None where the disc holds too few of them."""
    if np.isnan(centre).any() or not area > 0 or image_rgb.ndim != 3:
        return None
    radius = HAND_DISC * float(np.sqrt(area))
    height, width = image_rgb.shape[:2]
    cx, cy = float(centre[0]), float(centre[1])
    x0, x1 = max(int(cx - radius), 0), min(int(cx + radius) + 1, width)
    y0, y1 = max(int(cy - radius), 0), min(int(cy + radius) + 1, height)
    if x1 <= x0 or y1 <= y0:
        return None
    # lazy: OpenCV (cv2) loads only for gloves
    import cv2

    from skillsight.pose.trackers.gloves.segmentation import skin_coloured

    patch = np.ascontiguousarray(image_rgb[y0:y1, x0:x1], dtype=np.uint8)
    yy, xx = np.mgrid[y0:y1, x0:x1]
    disc = (xx - cx) ** 2 + (yy - cy) ** 2 <= radius**2
    skin = skin_coloured(patch).astype(bool) & disc
    if int(skin.sum()) < MIN_SKIN_PIXELS:
        return None
    red_green = cv2.cvtColor(patch, cv2.COLOR_RGB2LAB)[..., 1][skin].astype(float)
    return float(np.std(red_green))


def hand_spreads(skin_hands: Sequence[FrameObservation], sample: Sequence[Frame]) -> list[float]:
    """chroma_spread of every hand the skin tracker reports in each sample (its view of them)."""
    spreads = []
    for frame, observation in zip(sample, skin_hands):
        for slot, hand in enumerate(HAND_NAMES):
            if not np.any(observation.confidence[slot] > 0):
                continue
            area = float(observation.extras.get(f"{hand}.glove_area_px", np.nan))
            spread = chroma_spread(frame.image, np.asarray(observation.positions[slot, 0, :2]), area)
            if spread is not None:
                spreads.append(spread)
    return spreads


def of_one_chroma(skin_hands: Sequence[FrameObservation], sample: Sequence[Frame]) -> bool:
    """Whether the skin hands of a video's samples are latex by their colour: over all the hands read,
    the median chroma spread is at most LATEX_CHROMA_SPREAD (a hand crossing an instrument or the other
    hand reads higher in a sample or two; the median over the video holds). No reading is no evidence
    against latex."""
    spreads = hand_spreads(skin_hands, sample)
    return not spreads or float(np.median(spreads)) <= LATEX_CHROMA_SPREAD

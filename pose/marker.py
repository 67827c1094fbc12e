"""Scale from a printed ArUco marker lying on the pad: millimetres per pixel.

Where a marker of known side length is visible, distances can be reported in mm instead of hand sizes.
The scale is the median over the frames where the marker is found, so a frame with a partly hidden or
tilted marker does not decide it alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Optional, Union

import numpy as np

from skillsight.capture.frames import Frame

DEFAULT_ARUCO_DICTIONARY = "DICT_4X4_50"


def marker_side_lengths_px(image_rgb: np.ndarray, dictionary: str = DEFAULT_ARUCO_DICTIONARY) -> list[float]:
    """Mean side length in pixels of every marker of `dictionary` found in one RGB (or gray) image."""
    import cv2

    aruco = cv2.aruco
    if not hasattr(aruco, dictionary):
        raise ValueError(f"unknown ArUco dictionary {dictionary!r} (e.g. {DEFAULT_ARUCO_DICTIONARY})")
    detector = aruco.ArucoDetector(
        aruco.getPredefinedDictionary(getattr(aruco, dictionary)), aruco.DetectorParameters()
    )
    image = np.ascontiguousarray(image_rgb)
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    corners, ids, _ = detector.detectMarkers(gray)
    if ids is None:
        return []
    sides = []
    for quad in corners:
        points = np.asarray(quad, dtype=np.float64).reshape(4, 2)
        sides.append(float(np.mean(np.linalg.norm(points - np.roll(points, -1, axis=0), axis=1))))
    return sides


def detect_marker_scale(
    frames: Iterable[Union[Frame, np.ndarray]],
    marker_mm: float,
    dictionary: str = DEFAULT_ARUCO_DICTIONARY,
) -> Optional[float]:
    """Millimetres per pixel from a printed ArUco marker of side `marker_mm`, the median over the frames
    where one is found (the first marker of each frame); None where no frame shows one."""
    if not marker_mm > 0:
        raise ValueError(f"marker size must be a positive number of millimetres, not {marker_mm}")
    scales = []
    for frame in frames:
        image = frame.image if isinstance(frame, Frame) else frame
        sides = marker_side_lengths_px(image, dictionary)
        if sides and sides[0] > 0:
            scales.append(marker_mm / sides[0])
    return float(np.median(scales)) if scales else None

"""ArUco scale: mm per pixel from a generated marker of known printed size and pixel size."""

from __future__ import annotations

import numpy as np
import pytest

from skillsight.capture.frames import Frame
from skillsight.pose.marker import detect_marker_scale, marker_side_lengths_px

cv2 = pytest.importorskip("cv2")


def pad_with_marker(side_px: int, angle_deg: float = 0.0, size=(1280, 720), marker_id: int = 7) -> np.ndarray:
    """A pale pad with one DICT_4X4_50 marker of `side_px` pixels (its white quiet zone included around
    it, as printed), rotated by `angle_deg` about its centre."""
    aruco = cv2.aruco
    marker = aruco.generateImageMarker(aruco.getPredefinedDictionary(aruco.DICT_4X4_50), marker_id, side_px)
    width, height = size
    image = np.full((height, width), 205, np.uint8)
    quiet = side_px // 4
    x0, y0 = width // 2 - side_px // 2, height // 2 - side_px // 2
    image[y0 - quiet : y0 + side_px + quiet, x0 - quiet : x0 + side_px + quiet] = 255
    image[y0 : y0 + side_px, x0 : x0 + side_px] = marker
    if angle_deg:
        rotation = cv2.getRotationMatrix2D((width / 2, height / 2), angle_deg, 1.0)
        image = cv2.warpAffine(image, rotation, size, flags=cv2.INTER_LINEAR, borderValue=205)
    return np.repeat(image[..., None], 3, axis=2)


@pytest.mark.parametrize(("side_px", "angle"), [(120, 0.0), (200, 0.0), (160, 30.0)])
def test_scale_is_marker_size_over_its_side_in_pixels(side_px: int, angle: float) -> None:
    marker_mm = 40.0
    scale = detect_marker_scale([pad_with_marker(side_px, angle)], marker_mm)
    assert scale == pytest.approx(marker_mm / side_px, rel=0.02)


def test_median_over_frames_ignores_frames_without_a_marker() -> None:
    blank = np.full((720, 1280, 3), 205, np.uint8)
    frames = [
        Frame(0, 0.0, blank),
        Frame(1, 0.04, pad_with_marker(100)),
        Frame(2, 0.08, pad_with_marker(104)),
    ]
    frames.append(Frame(3, 0.12, pad_with_marker(300)))  # one outlier frame does not decide the median
    frames.append(Frame(4, 0.16, pad_with_marker(102)))
    scale = detect_marker_scale(frames, 50.0)
    assert scale == pytest.approx(50.0 / 103.0, rel=0.02)


def test_no_marker_gives_none() -> None:
    assert detect_marker_scale([np.full((480, 640, 3), 128, np.uint8)], 40.0) is None
    assert marker_side_lengths_px(np.full((480, 640, 3), 128, np.uint8)) == []


def test_a_marker_of_another_dictionary_is_not_taken() -> None:
    aruco = cv2.aruco
    other = aruco.generateImageMarker(aruco.getPredefinedDictionary(aruco.DICT_6X6_250), 3, 150)
    image = np.full((600, 800), 255, np.uint8)
    image[200:350, 300:450] = other
    assert detect_marker_scale([np.repeat(image[..., None], 3, axis=2)], 40.0) is None
    assert detect_marker_scale(
        [np.repeat(image[..., None], 3, axis=2)], 40.0, "DICT_6X6_250"
    ) == pytest.approx(40.0 / 150.0, rel=0.02)


def test_bad_arguments_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="positive"):
        detect_marker_scale([pad_with_marker(100)], 0.0)
    with pytest.raises(ValueError, match="dictionary"):
        detect_marker_scale([pad_with_marker(100)], 40.0, dictionary="DICT_NOPE")

"""Makers of synthetic test clips: gloved hands from bare-hand video, mirrored and resized clips, and
top-down bench scenes with gloved hands at known places.

Recolouring keeps the hand's shading: in Lab, the glove's lightness follows the skin's lightness
variations (creases, shadows, highlights) around the glove's own mean lightness, while the chroma (a, b)
becomes the glove's. Edges are feathered so no hard seam betrays the edit. Clips are written as H.264
(PyAV's libx264), atomically. Fairness and robustness tests reuse these functions.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Optional, Union

import numpy as np

from skillsight.base.atomic import atomic_output
from skillsight.pose.trackers.mediapipe_tasks import LandmarkerRunner, create_hand_landmarker

PathLike = Union[str, "os.PathLike[str]"]
Landmarks = Optional[np.ndarray]  # (21, 2+) pixel landmarks of one hand, or None where no hand

# Typical glove colours (RGB) as seen under room light.
GLOVE_RGB = {
    "blue": (66, 112, 200),
    "purple": (118, 84, 182),
    "green": (64, 148, 96),
    "white": (236, 232, 222),
}
WRIST = 0
MIDDLE_FINGER_MCP = 9


# --- masks ------------------------------------------------------------------------------------------


def skin_mask_ycrcb(image_rgb: np.ndarray) -> np.ndarray:
    """uint8 mask (255 = skin) from the classic YCrCb skin box, lightly cleaned."""
    import cv2

    ycrcb = cv2.cvtColor(np.ascontiguousarray(image_rgb), cv2.COLOR_RGB2YCrCb)
    mask = cv2.inRange(ycrcb, np.array([20, 133, 77], np.uint8), np.array([255, 178, 130], np.uint8))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    return cv2.morphologyEx(cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel), cv2.MORPH_CLOSE, kernel)


def hand_mask_from_landmarks(
    image_rgb: np.ndarray, landmarks: np.ndarray, cuff: float = 0.3, margin: float = 0.12
) -> np.ndarray:
    """uint8 mask of one hand: convex hull of its landmarks extended over the wrist by `cuff` palm
    lengths (a glove covers the wrist), dilated by `margin` palm lengths, kept to skin-coloured pixels."""
    import cv2

    points = np.asarray(landmarks, dtype=np.float64)[:, :2]
    wrist, middle = points[WRIST], points[MIDDLE_FINGER_MCP]
    palm_length = float(np.linalg.norm(middle - wrist)) or 1.0
    beyond_wrist = wrist + cuff * (wrist - middle)
    side = np.array([-(middle - wrist)[1], (middle - wrist)[0]]) / palm_length * 0.35 * palm_length
    hull_points = np.vstack([points, beyond_wrist + side, beyond_wrist - side]).astype(np.int32)
    mask = np.zeros(image_rgb.shape[:2], dtype=np.uint8)
    cv2.fillConvexPoly(mask, np.asarray(cv2.convexHull(hull_points)), (255,))
    radius = max(1, int(margin * palm_length))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    hand = np.asarray(cv2.dilate(mask, kernel)) & skin_mask_ycrcb(image_rgb)
    # nails and dark creases are not skin-coloured but lie under the glove too: fill the holes
    return _fill_holes(hand)


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    import cv2

    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(mask)
    cv2.drawContours(filled, list(contours), -1, (255,), thickness=-1)
    return filled


# --- recolouring ------------------------------------------------------------------------------------


def recolor_skin_to_glove(
    image_rgb: np.ndarray, color: str = "blue", hand_mask: Optional[np.ndarray] = None
) -> np.ndarray:
    """The image with skin (or `hand_mask`) recoloured to a glove colour, keeping its shading."""

    if color not in GLOVE_RGB:
        raise ValueError(f"color must be one of {', '.join(GLOVE_RGB)}, not {color!r}")
    image = np.ascontiguousarray(image_rgb)
    mask = skin_mask_ycrcb(image) if hand_mask is None else hand_mask
    if not np.any(mask):
        return image.copy()
    # work only on the mask's bounding box (plus the feathering margin): much faster on large frames
    ys, xs = np.nonzero(mask)
    y0, y1 = max(0, ys.min() - 4), min(image.shape[0], ys.max() + 5)
    x0, x1 = max(0, xs.min() - 4), min(image.shape[1], xs.max() + 5)
    out = image.copy()
    out[y0:y1, x0:x1] = _recolor_region(image[y0:y1, x0:x1], mask[y0:y1, x0:x1], color)
    return out


def _recolor_region(image: np.ndarray, mask: np.ndarray, color: str) -> np.ndarray:
    import cv2

    image = np.ascontiguousarray(image)
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB).astype(np.float32)
    glove_lab = cv2.cvtColor(np.array([[GLOVE_RGB[color]]], np.uint8), cv2.COLOR_RGB2LAB)[0, 0].astype(
        np.float32
    )
    skin_lightness = lab[..., 0][mask > 0]
    shading = lab[..., 0] - float(np.median(skin_lightness))
    gloved = np.empty_like(lab)
    # White latex is near the top of the lightness scale: compress its shading so it is not clipped.
    gain = 0.6 if color == "white" else 0.9
    gloved[..., 0] = np.clip(glove_lab[0] + gain * shading, 0, 255)
    # Chroma fades a little in shadow and highlight, as on a real glove.
    chroma_gain = np.clip(1.0 - np.abs(shading) / 160.0, 0.6, 1.0)
    gloved[..., 1] = 128 + (glove_lab[1] - 128) * chroma_gain
    gloved[..., 2] = 128 + (glove_lab[2] - 128) * chroma_gain
    gloved_rgb = cv2.cvtColor(gloved.astype(np.uint8), cv2.COLOR_LAB2RGB).astype(np.float32)
    alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (5, 5), 0)[..., None]
    return (alpha * gloved_rgb + (1.0 - alpha) * image.astype(np.float32)).round().astype(np.uint8)


def glove_frame(image_rgb: np.ndarray, color: str, landmarks: Landmarks = None) -> np.ndarray:
    """One frame gloved: the hand from its landmarks where given, else every skin-coloured pixel."""
    mask = hand_mask_from_landmarks(image_rgb, landmarks) if landmarks is not None else None
    return recolor_skin_to_glove(image_rgb, color, mask)


# --- clips ------------------------------------------------------------------------------------------


def rewrite_clip(
    src: PathLike,
    dst: PathLike,
    transform: Callable[[int, np.ndarray], np.ndarray],
    max_frames: Optional[int] = None,
    crf: int = 18,
    lossless: bool = False,
) -> Path:
    """Decode `src`, apply `transform(index, rgb)` to each frame, write `dst` atomically: H.264 mp4, or
    with `lossless` FFV1 RGB in Matroska (decoding gives back exactly the transformed pixels)."""
    import av

    dst = Path(dst)
    with (
        atomic_output(dst, suffix=".mkv" if lossless else ".mp4") as tmp_name,
        av.open(str(src)) as source,
        av.open(str(tmp_name), "w", format="matroska" if lossless else "mp4") as sink,
    ):
        in_stream = source.streams.video[0]
        rate = in_stream.average_rate or Fraction(25)
        out_stream = None
        for index, frame in enumerate(source.decode(in_stream)):
            if max_frames is not None and index >= max_frames:
                break
            image = _even_size(transform(index, frame.to_ndarray(format="rgb24")))
            if out_stream is None:
                out_stream = _video_stream(sink, rate, image.shape, crf, lossless)
            for packet in out_stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                sink.mux(packet)
        if out_stream is None:
            raise ValueError(f"{src}: no frames to rewrite")
        for packet in out_stream.encode():
            sink.mux(packet)
    return dst


def _video_stream(sink: Any, rate: Fraction, shape: tuple[int, ...], crf: int, lossless: bool) -> Any:
    stream = sink.add_stream("ffv1" if lossless else "libx264", rate=rate)
    stream.width, stream.height = shape[1], shape[0]
    if lossless:
        stream.pix_fmt = "bgr0"
    else:
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf), "preset": "veryfast"}
    return stream


def _even_size(image: np.ndarray) -> np.ndarray:
    # yuv420p needs even width and height
    height, width = image.shape[:2]
    return np.ascontiguousarray(image[: height - height % 2, : width - width % 2])


def landmarks_from_mediapipe(src: PathLike, max_frames: Optional[int] = None) -> list:
    """Per frame the (21, 2) pixel landmarks of the first hand MediaPipe finds, or None."""
    import av

    found: list = []
    landmarker = create_hand_landmarker(
        num_hands=1, min_detection=0.5, min_presence=0.5, min_tracking=0.5, independent_frames=False
    )
    hands = LandmarkerRunner(landmarker, independent_frames=False)
    try:
        with av.open(str(src)) as source:
            for index, frame in enumerate(source.decode(video=0)):
                if max_frames is not None and index >= max_frames:
                    break
                image = frame.to_ndarray(format="rgb24")
                result = hands(image)
                if not result.hand_landmarks:
                    found.append(None)
                    continue
                height, width = image.shape[:2]
                found.append(np.array([[p.x * width, p.y * height] for p in result.hand_landmarks[0]]))
    finally:
        hands.close()
    return found


def make_gloved_clip(
    src: PathLike,
    dst: PathLike,
    color: str = "blue",
    landmarks: Union[Sequence[Landmarks], str, None] = None,
    max_frames: Optional[int] = None,
) -> Path:
    """A gloved version of a bare-hand clip.

    landmarks: per frame (21, 2+) pixel landmarks of the hand (e.g. a reference file) or None for frames
    without a hand; "mediapipe" to find them now; None to recolour every skin-coloured pixel.
    """
    if color not in GLOVE_RGB:
        raise ValueError(f"color must be one of {', '.join(GLOVE_RGB)}, not {color!r}")
    per_frame = landmarks_from_mediapipe(src, max_frames) if isinstance(landmarks, str) else landmarks

    def glove(index: int, image: np.ndarray) -> np.ndarray:
        if per_frame is None:
            return recolor_skin_to_glove(image, color)
        hand = per_frame[index] if index < len(per_frame) else None
        if hand is None:
            return image
        return glove_frame(image, color, np.asarray(hand))

    return rewrite_clip(src, dst, glove, max_frames)


def mirror_clip(
    src: PathLike, dst: PathLike, max_frames: Optional[int] = None, lossless: bool = False
) -> Path:
    """The clip flipped left-right (a left hand becomes a right hand in the image); `lossless` writes
    FFV1 in Matroska (give `dst` a .mkv name), whose frames are exactly the original's mirrored."""
    return rewrite_clip(src, dst, lambda _i, image: image[:, ::-1], max_frames, lossless=lossless)


def resize_clip(src: PathLike, dst: PathLike, factor: float, max_frames: Optional[int] = None) -> Path:
    """The clip scaled by `factor` (e.g. 0.5 for half size)."""
    import cv2

    if factor <= 0:
        raise ValueError(f"resize factor must be positive, not {factor}")

    def scale(_index: int, image: np.ndarray) -> np.ndarray:
        height, width = image.shape[:2]
        size = (max(2, round(width * factor)), max(2, round(height * factor)))
        return cv2.resize(image, size, interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR)

    return rewrite_clip(src, dst, scale, max_frames)


# --- synthetic bench scenes -------------------------------------------------------------------------


def top_down_glove_frame(
    hands: Sequence[tuple[float, float]],
    size: tuple[int, int] = (1920, 1080),
    color: Union[str, tuple[int, int, int]] = "blue",
    table_rgb: tuple[int, int, int] = (92, 84, 78),
    pad_rgb: Optional[tuple[int, int, int]] = (228, 196, 178),
    sleeve_rgb: tuple[int, int, int] = (70, 120, 110),
    hand_length: float = 0.2,
    seed: int = 0,
) -> np.ndarray:
    """A bird's-eye bench frame (RGB): a pad on a table and gloved hands whose arms come from the
    bottom edge. `hands` are palm centres in pixels; fingers point up, so each hand's leading point is
    its top. `hand_length` is the glove's length as a share of the frame height. `color` is a glove colour
    name or an RGB triple (e.g. skin, for bare hands)."""
    import cv2

    width, height = size
    rng = np.random.default_rng(seed)
    image = np.empty((height, width, 3), dtype=np.float32)
    image[:] = table_rgb
    if pad_rgb is not None:
        cv2.rectangle(
            image, (int(0.3 * width), int(0.25 * height)), (int(0.7 * width), int(0.75 * height)), pad_rgb, -1
        )
    glove_mask = np.zeros((height, width), dtype=np.uint8)
    length = hand_length * height
    for cx, cy in hands:
        palm_axes = (int(0.28 * length), int(0.3 * length))
        wrist_y = cy + 0.3 * length
        # sleeve from the bottom edge to the wrist, drawn first so the glove lies over it
        cv2.rectangle(
            image, (int(cx - 0.22 * length), int(wrist_y)), (int(cx + 0.22 * length), height), sleeve_rgb, -1
        )
        cv2.ellipse(glove_mask, (int(cx), int(cy)), palm_axes, 0, 0, 360, (255,), -1)
        cv2.rectangle(
            glove_mask,
            (int(cx - 0.22 * length), int(cy)),
            (int(cx + 0.22 * length), int(wrist_y + 0.1 * length)),
            255,
            -1,
        )
        for dx, reach in ((-0.16, 0.62), (-0.05, 0.7), (0.06, 0.68), (0.16, 0.58)):
            x = cx + dx * length
            cv2.line(
                glove_mask,
                (int(x), int(cy)),
                (int(x), int(cy - reach * length)),
                (255,),
                max(2, int(0.08 * length)),
            )
    # shading: lighter towards the top-left, as under a ceiling light
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    light = 0.85 + 0.3 * (1.0 - (xx / width + yy / height) / 2.0)
    rgb = GLOVE_RGB[color] if isinstance(color, str) else color
    glove = np.array(rgb, dtype=np.float32) * light[..., None]
    image = np.where(glove_mask[..., None] > 0, glove, image)
    image += rng.normal(0.0, 4.0, image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)

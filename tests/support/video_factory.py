"""Tiny synthetic videos for tests, written with PyAV into a test's tmp_path.

`write_test_video(tmp_path / "clip.mp4", 10)` writes ten 64x48 frames of `synthetic_frame(i)`: a
background whose brightness encodes the frame index and a red square in the top-left corner, so tests
can check order (from the brightness) and orientation (from where the red square ends up).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

# A codec PyAV's wheel can encode for each container, and the pixel format it wants.
DEFAULT_CODECS = {
    ".mp4": "libx264",
    ".mov": "mpeg4",
    ".mkv": "libx264",
    ".webm": "libvpx-vp9",
    ".avi": "mpeg4",
}
_PIXEL_FORMATS = {"mjpeg": "yuvj420p", "ffv1": "yuv444p", "png": "rgb24", "rawvideo": "rgb24"}
MARKER_SIZE = 8
MARKER_RGB = (255, 0, 0)
_TIME_BASE = Fraction(1, 1000)


def index_brightness(index: int) -> int:
    """The background grey of frame `index` (distinct for the first 20 frames, then repeating)."""
    return 40 + (index % 20) * 10


def synthetic_frame(index: int, size: tuple[int, int] = (64, 48)) -> np.ndarray:
    """An RGB (height, width, 3) frame: grey background encoding `index`, red square at the top left."""
    width, height = size
    image = np.full((height, width, 3), index_brightness(index), dtype=np.uint8)
    image[:MARKER_SIZE, :MARKER_SIZE] = MARKER_RGB
    return image


def textured_frame(index: int, size: tuple[int, int] = (64, 48)) -> np.ndarray:
    """`synthetic_frame` with fixed noise in its top-right quarter, so that every frame costs the encoder
    about the same bytes (a cut at half the file lands near half the frames)."""
    image = synthetic_frame(index, size)
    height, width = image.shape[:2]
    noise = np.random.default_rng(index).integers(
        0, 256, (height // 2, width - width // 2, 3), dtype=np.uint8
    )
    image[: height // 2, width // 2 :] = noise
    return image


def brightness_to_index(image: np.ndarray) -> int:
    """Recover `index % 20` from a decoded synthetic frame (median of its bottom-right quarter)."""
    height, width = image.shape[:2]
    grey = float(np.median(image[height // 2 :, width // 2 :]))
    return int(round((grey - 40) / 10))


def marker_centre(image: np.ndarray) -> tuple[float, float]:
    """(row, column) centre of the red marker in an RGB image."""
    red = (image[..., 0] > 180) & (image[..., 1] < 90) & (image[..., 2] < 90)
    rows, cols = np.nonzero(red)
    if rows.size == 0:
        raise AssertionError("no red marker found")
    return float(rows.mean()), float(cols.mean())


def write_test_video(
    path: Union[str, Path],
    frames: Union[int, Sequence[np.ndarray]] = 10,
    fps: float = 10.0,
    codec: Optional[str] = None,
    size: tuple[int, int] = (64, 48),
    rotation: Optional[int] = None,
    vfr_times: Optional[Sequence[float]] = None,
) -> Path:
    """Write a small video and return its path.

    frames:    a count of `synthetic_frame`s, or the RGB images themselves (their size wins over `size`).
    codec:     an FFmpeg encoder name; default by extension (see DEFAULT_CODECS).
    rotation:  display rotation in degrees counter-clockwise, stored as the container's display matrix.
    vfr_times: one timestamp in seconds per frame (variable frame rate); default i / fps.
    """
    import av

    path = Path(path)
    images = [synthetic_frame(i, size) for i in range(frames)] if isinstance(frames, int) else list(frames)
    if not images:
        raise ValueError("write_test_video needs at least one frame; see write_zero_frame_video")
    height, width = images[0].shape[:2]
    times = list(vfr_times) if vfr_times is not None else [i / fps for i in range(len(images))]
    if len(times) != len(images):
        raise ValueError(f"{len(times)} timestamps for {len(images)} frames")
    codec = codec or DEFAULT_CODECS.get(path.suffix.lower(), "libx264")
    with av.open(str(path), mode="w") as container:
        stream: Any = container.add_stream(codec, rate=Fraction(fps).limit_denominator(1000))
        stream.width, stream.height = width, height
        stream.pix_fmt = _PIXEL_FORMATS.get(codec, "yuv420p")
        if vfr_times is not None:
            stream.time_base = _TIME_BASE
            stream.codec_context.time_base = _TIME_BASE
        if rotation:
            stream.set_display_rotation(rotation)
        for i, (image, t) in enumerate(zip(images, times)):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            if vfr_times is not None:
                frame.pts = int(round(t / _TIME_BASE))
                frame.time_base = _TIME_BASE
            else:
                frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


_MATROSKA_CLUSTER_ID = bytes.fromhex("1F43B675")


def write_zero_frame_video(path: Union[str, Path]) -> Path:
    """A valid Matroska file with a video stream but no frames (a one-frame mkv cut before its cluster)."""
    path = Path(path)
    write_test_video(path.with_name(path.stem + ".full.mkv"), 1, codec="libx264")
    data = path.with_name(path.stem + ".full.mkv").read_bytes()
    cut = data.find(_MATROSKA_CLUSTER_ID)
    if cut < 0:
        raise RuntimeError("no Matroska cluster found to cut at")
    path.write_bytes(data[:cut])
    path.with_name(path.stem + ".full.mkv").unlink()
    return path


def truncate_file(path: Union[str, Path], keep_fraction: float, out: Union[str, Path]) -> Path:
    """Copy the first `keep_fraction` of a file's bytes to `out` (a file cut short mid-stream)."""
    data = Path(path).read_bytes()
    Path(out).write_bytes(data[: int(len(data) * keep_fraction)])
    return Path(out)


def corrupt_file(path: Union[str, Path], start_fraction: float, n_bytes: int, out: Union[str, Path]) -> Path:
    """Copy a file to `out` with `n_bytes` overwritten by fixed pseudo-random bytes from `start_fraction`."""
    data = bytearray(Path(path).read_bytes())
    start = int(len(data) * start_fraction)
    noise = np.random.default_rng(0).integers(0, 256, n_bytes, dtype=np.uint8).tobytes()
    data[start : start + n_bytes] = noise[: max(0, len(data) - start)]
    Path(out).write_bytes(bytes(data))
    return Path(out)


def moving_square_scene(
    k: float, rng: np.random.Generator, noise: float = 2.0, size: tuple[int, int] = (120, 160)
) -> np.ndarray:
    """A textured background with a bright square 2 px further per unit of `k`, and sensor noise of s.d.
    `noise` (rows, columns = `size`): the repeat detector's test scene."""
    y, x = np.mgrid[: size[0], : size[1]]
    image = 80 + 40 * np.sin(x / 7.0) * np.cos(y / 11.0)
    left = int(20 + 2 * k) % (size[1] - 30)
    image[40:70, left : left + 30] = 220
    image = image + noise * rng.standard_normal(size)
    return np.clip(np.repeat(image[..., None], 3, axis=2), 0, 255).astype(np.uint8)


def drifting_texture_scene(
    k: float, rng: np.random.Generator, noise: float = 1.0, size: tuple[int, int] = (120, 160)
) -> np.ndarray:
    """A fine texture drifting 1 px to the right per unit of `k`, with sensor noise of s.d. `noise`: slow
    motion, whose change between images a lossy encoder's residue on a repeat comes near (at CRF 28 a
    repeat differs from its image by a third to a half of what a new image does)."""
    y, x = np.mgrid[: size[0], : size[1]].astype(np.float64)
    x = x + k
    image = 110 + 40 * np.sin(x / 5.0) * np.cos(y / 9.0) + 25 * np.sin((x + y) / 13.0)
    image = image + noise * rng.standard_normal(size)
    return np.clip(np.repeat(image[..., None], 3, axis=2), 0, 255).astype(np.uint8)

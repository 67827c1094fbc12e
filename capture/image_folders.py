"""Folders of images as a frame source: png/jpg files in natural name order, at a chosen rate.

A broken image is skipped (its time stays a gap) and named in the source's `damage`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Optional, Union

import numpy as np

from skillsight.capture.frames import (
    ClosingMixin,
    DecodeDamage,
    DecodeInterrupted,
    EmptyVideoError,
    Frame,
    NotAVideoError,
    SourceNotFoundError,
    VideoInfo,
)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
DEFAULT_IMAGE_FOLDER_FPS = 1.0


def natural_sort_key(name: str) -> tuple:
    """Order file names as people do: frame2 before frame10."""
    parts = re.split(r"(\d+)", name.lower())
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def read_image_rgb(path: Union[str, os.PathLike[str]]) -> np.ndarray:
    """An image file as RGB uint8 (alpha dropped, greyscale expanded); raises NotAVideoError naming it."""
    import cv2

    data = np.fromfile(str(path), dtype=np.uint8)  # fromfile + imdecode copes with non-ASCII paths
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise NotAVideoError(str(path), "not a readable png/jpg image")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


class ImageFolderSource(ClosingMixin):
    """The png/jpg images of a folder in natural file-name order, at `fps` for timestamps."""

    def __init__(self, folder: Union[str, os.PathLike[str]], fps: float = DEFAULT_IMAGE_FOLDER_FPS) -> None:
        self.folder = Path(folder)
        self.source = str(self.folder)
        self.error: Optional[DecodeInterrupted] = None
        self.damage: Optional[DecodeDamage] = None  # set by a pass that reaches the end
        if not self.folder.is_dir():
            raise SourceNotFoundError(self.source, "folder not found")
        if not fps or fps <= 0:
            raise ValueError(f"{self.source}: fps must be positive, got {fps}")
        self.fps = float(fps)
        self.files = sorted(
            # hidden files (macOS "._name.png" resource forks) are not images
            (
                p
                for p in self.folder.iterdir()
                if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
            ),
            key=lambda p: natural_sort_key(p.name),
        )
        if not self.files:
            raise EmptyVideoError(self.source, "the folder holds no png or jpg images")
        first = read_image_rgb(self.files[0])
        n = len(self.files)
        self.info = VideoInfo(
            source=self.source,
            width=int(first.shape[1]),
            height=int(first.shape[0]),
            fps=self.fps,
            frame_count=n,
            duration_s=n / self.fps,
            codec="images",
        )

    def __iter__(self) -> Iterator[Frame]:
        """Every readable image; a broken one is skipped (its time stays a gap) and named in `damage`."""
        self.error = None
        self.damage = None
        broken: list[str] = []
        delivered = 0
        for position, path in enumerate(self.files):
            try:
                image = read_image_rgb(path)
            except (NotAVideoError, OSError):
                broken.append(f"{path.name} is not a readable image")
                continue
            yield Frame(delivered, position / self.fps, image)
            delivered += 1
        self.damage = DecodeDamage(self.source, len(self.files), delivered, tuple(broken))

    def close(self) -> None:
        """Nothing stays open; present for the FrameSource protocol."""

    def __repr__(self) -> str:
        return f"ImageFolderSource({self.source!r}, fps={self.fps})"

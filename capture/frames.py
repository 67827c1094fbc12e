"""What every frame source yields and the errors capture raises.

A frame source is an iterable of `Frame` (index from 0, timestamp in seconds, RGB image) with an
`info: VideoInfo`. Frames are streamed: a source never holds the whole video in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple, Optional, Protocol, runtime_checkable

import numpy as np


class Frame(NamedTuple):
    """One decoded frame: 0-based index in source order, time in seconds, RGB uint8 (H, W, 3)."""

    index: int  # type: ignore[assignment]  # shadows tuple.index on purpose: it is the frame's index
    time_s: float
    image: np.ndarray


@dataclass(frozen=True)
class VideoInfo:
    """What is known about a source before decoding it all (frame_count/duration may be estimates)."""

    source: str
    width: int
    height: int
    fps: float
    frame_count: Optional[int]
    duration_s: Optional[float]
    codec: str
    rotation_deg: int = 0

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "width": self.width,
            "height": self.height,
            "fps": self.fps,
            "frame_count": self.frame_count,
            "duration_s": self.duration_s,
            "codec": self.codec,
            "rotation_deg": self.rotation_deg,
        }


@runtime_checkable
class FrameSource(Protocol):
    """A re-iterable stream of frames with its `VideoInfo`; `error` is set if decoding broke mid-stream."""

    info: VideoInfo
    error: Optional[DecodeInterrupted]

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...


class CaptureError(Exception):
    """A source could not be read. The message always names the source and the problem."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = str(source)
        self.problem = problem
        super().__init__(f"{self.source}: {problem}")


class SourceNotFoundError(CaptureError, FileNotFoundError):
    """The file, folder or camera does not exist."""


class NotAVideoError(CaptureError):
    """The file is not a readable video container."""


class EmptyVideoError(CaptureError):
    """The source holds no decodable frames."""


class UnsupportedCodecError(CaptureError):
    """The container is readable but its video codec is not."""


@dataclass(frozen=True)
class DecodeInterrupted:
    """Decoding broke part-way: frames before `frame_index` were delivered and are kept."""

    source: str
    frame_index: int
    time_s: Optional[float]
    problem: str

    def __str__(self) -> str:
        at = f"{self.time_s:.2f} s" if self.time_s is not None else "unknown time"
        return f"{self.source}: decoding stopped at frame {self.frame_index} ({at}): {self.problem}"

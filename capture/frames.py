"""What every frame source yields and the errors capture raises.

A frame source is an iterable of `Frame` (index from 0, timestamp in seconds, RGB image) with an
`info: VideoInfo`. Frames are streamed: a source never holds the whole video in memory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple, Optional, Protocol, runtime_checkable

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


class ClosingMixin:
    """Context-manager support shared by the sources: `with open_source(...) as frames:`."""

    def close(self) -> None:  # pragma: no cover - overridden
        pass

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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


# A container's frame count is an estimate (duration x rate) for many formats: this many frames (or this
# share) missing is rounding, not damage.
_COUNT_TOLERANCE_FRAMES = 2
_COUNT_TOLERANCE_SHARE = 0.02
# Fewer frames than this hold no motion: one picture has no speed, no path, no time.
MIN_MOTION_FRAMES = 2


@dataclass(frozen=True)
class DecodeDamage:
    """How much of a recording could not be decoded, measured by the decoder after a full pass.

    `expected_frames` is what the container (or the image folder) promises; `decoded_frames` is what was
    delivered; `problems` says what broke and where (a broken image's name, the time decoding stopped).
    A later check (refusing a too-short clip, scoring a damaged one) reads `undecodable_share`.
    """

    source: str
    expected_frames: Optional[int]
    decoded_frames: int
    problems: tuple[str, ...] = ()

    @property
    def missing_frames(self) -> int:
        if self.expected_frames is None:
            return 0
        missing = self.expected_frames - self.decoded_frames
        tolerance = max(_COUNT_TOLERANCE_FRAMES, _COUNT_TOLERANCE_SHARE * self.expected_frames)
        return missing if missing > tolerance or (missing > 0 and self.problems) else 0

    @property
    def undecodable_share(self) -> float:
        """Share of the promised frames that did not decode (0 when nothing is missing)."""
        if not self.expected_frames:
            return 0.0
        return min(1.0, self.missing_frames / self.expected_frames)

    @property
    def too_few_frames(self) -> bool:
        return self.decoded_frames < MIN_MOTION_FRAMES

    @property
    def damaged(self) -> bool:
        """Anything at all was lost or broken (even a share too small to refuse the recording for)."""
        return bool(self.problems) or self.missing_frames > 0 or self.too_few_frames

    def describe(self) -> str:
        """One line naming the source (its file name: the folder it was read from is this machine's
        business, and in the app a temporary copy's) and the damage, for a warning, a refusal or batch's
        error column."""
        if self.too_few_frames:
            what = (
                f"only {self.decoded_frames} frame could be decoded: a single picture holds no motion"
                if self.decoded_frames == 1
                else "no frame could be decoded"
            )
        elif self.expected_frames:
            what = (
                f"{self.undecodable_share:.0%} of the recording could not be decoded "
                f"({self.decoded_frames} of {self.expected_frames} frames)"
            )
        else:
            what = "part of the recording could not be decoded"
        details = "; ".join(self.problems[:3]) + (" ..." if len(self.problems) > 3 else "")
        name = os.path.basename(self.source.rstrip("/\\")) or self.source
        return f"{name}: {what}" + (f" ({details})" if details else "")

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "expected_frames": self.expected_frames,
            "decoded_frames": self.decoded_frames,
            "missing_frames": self.missing_frames,
            "undecodable_share": round(self.undecodable_share, 4),
            "problems": list(self.problems),
            "damaged": self.damaged,
            "message": self.describe() if self.damaged else "",
        }

    @classmethod
    def from_dict(cls, data: dict) -> DecodeDamage:
        return cls(
            source=str(data.get("source", "")),
            expected_frames=data.get("expected_frames"),
            decoded_frames=int(data.get("decoded_frames", 0)),
            problems=tuple(str(p) for p in data.get("problems", ())),
        )

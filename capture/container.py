"""What a video container holds, read without decoding a frame: how long its video stream really is.

A container's header can misreport its length (a stale duration after a cut, none at all in a live
WebM); its packets cannot. Demuxing (reading packets, decoding nothing) a minute of 1080p takes a few
milliseconds, so a recording too short to score is refused before any tracking, whatever the header says.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Optional, Union

from skillsight.capture.frames import CaptureError

_CUT_SHORT_S = 0.5  # as the decoder's own check for a file that ends early (capture.sources)


@dataclass(frozen=True)
class ContainerLength:
    """span_s: seconds the video stream's packets cover (first timestamp to the last one's end);
    stated_s: the duration the header states (None when it states none); packets: how many (about
    one per frame)."""

    span_s: float
    stated_s: Optional[float]
    packets: int

    @property
    def cut_short(self) -> bool:
        """The packets end well before the stated duration: a cut or damaged file, for the decoder's
        damage measurement to judge rather than a length check."""
        return self.stated_s is not None and self.stated_s - self.span_s > _CUT_SHORT_S


def container_length(path: Union[str, os.PathLike[str]]) -> Optional[ContainerLength]:
    """How long the video stream is, from its packets (None when the file cannot be demuxed or
    carries no timestamps: then only decoding can tell)."""
    import av  # lazy: importing capture stays light (PyAV loads when a file is read)

    try:
        container = av.open(os.fspath(path), mode="r")
    except (av.error.FFmpegError, OSError, ValueError, EOFError, UnicodeDecodeError):
        return None
    try:
        if not container.streams.video:
            return None
        stream = container.streams.video[0]
        found = _packet_span(container, stream)
        if found is None:
            return None
        return ContainerLength(found[0], stated_duration_s(stream, container), found[1])
    except (av.error.FFmpegError, OSError, ValueError, CaptureError):
        return None
    finally:
        container.close()


def stated_duration_s(stream: Any, container: Any) -> Optional[float]:
    """The duration an open container's header states for `stream` (None when it states none)."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return float(container.duration) / 1_000_000  # AV_TIME_BASE
    return None


def _packet_span(container: object, stream: object) -> Optional[tuple[float, int]]:
    time_base = getattr(stream, "time_base", None) or Fraction(1, 1)
    first: Optional[int] = None
    end: Optional[int] = None
    count = 0
    for packet in container.demux(stream):  # type: ignore[attr-defined]
        if packet.pts is None or packet.size == 0:
            continue  # a flushing packet, or one without a timestamp
        count += 1
        first = packet.pts if first is None else min(first, packet.pts)
        stop = packet.pts + (packet.duration or 0)
        end = stop if end is None else max(end, stop)
    if first is None or end is None:
        return None
    return float((end - first) * time_base), count


class KeyframePicker:
    """Chooses, in one pass over a video's keyframe packets (times in seconds, in order), the keyframe
    nearest each target time, each keyframe at most once: `offer` returns what to decode now (the
    keyframe passed before, when it is the nearer, and/or this one), `finish` what is left at the end."""

    def __init__(self, targets: list[float], half_frame_s: float) -> None:
        self.targets = sorted(targets)
        self.half_frame_s = half_frame_s
        self._previous: Optional[tuple[float, Any]] = None
        self._taken_s = -float("inf")

    @property
    def done(self) -> bool:
        return not self.targets

    def offer(self, time_s: float, packet: Any) -> list[Any]:
        chosen: list[Any] = []
        while self.targets and time_s + self.half_frame_s >= self.targets[0]:
            previous = self._previous
            target = self.targets[0]
            if (
                previous is not None
                and previous[0] > self._taken_s
                and target - previous[0] < time_s - target
            ):
                chosen.append(self._take(*previous))
            else:
                chosen.append(self._take(time_s, packet))
        self._previous = (time_s, packet)
        return chosen

    def finish(self) -> list[Any]:
        previous = self._previous
        if self.targets and previous is not None and previous[0] > self._taken_s:
            return [self._take(*previous)]
        return []

    def _take(self, time_s: float, packet: Any) -> Any:
        """The keyframe serves the first target and every other one it is at or past."""
        self._taken_s = time_s
        self.targets = [t for t in self.targets[1:] if t > time_s + self.half_frame_s]
        return packet

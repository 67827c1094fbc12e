"""Frame sources: video files (PyAV) here, folders of images (image_folders.py) and webcams (webcam.py,
OpenCV), all behind one `open_source`.

Every source is re-iterable, streams its frames (never the whole video in memory), yields
`Frame(index from 0, time_s, RGB uint8 image)`, exposes `info: VideoInfo` and `error`, and closes.
Problems that can be seen up front (missing file, not a video, no frames, unknown codec) are raised
by the constructor, which decodes the first frame to be sure; a file that breaks later yields what
decoded, then sets `error` to a `DecodeInterrupted` and stops without raising.

Video timestamps are the container's (pts x time_base, shifted so the first frame is at 0), so variable
frame rate is kept exactly. Rotation follows the display matrix (`VideoInfo.rotation_deg`, counter-
clockwise degrees as FFmpeg reports it); frames and `VideoInfo` sizes are as a player shows them.
"""

from __future__ import annotations

import os
import queue
import re
import threading
from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from skillsight.capture.container import KeyframePicker, stated_duration_s
from skillsight.capture.file_kinds import describe as _describe
from skillsight.capture.file_kinds import unreadable_reason
from skillsight.capture.frames import (
    CaptureError,
    ClosingMixin,
    DecodeDamage,
    DecodeInterrupted,
    EmptyVideoError,
    Frame,
    FrameSource,
    NotAVideoError,
    SourceNotFoundError,
    UnsupportedCodecError,
    VideoInfo,
)
from skillsight.capture.image_folders import (  # re-exported: sources of every kind are opened here
    DEFAULT_IMAGE_FOLDER_FPS,
    IMAGE_SUFFIXES,
    ImageFolderSource,
    natural_sort_key,
    read_image_rgb,
)
from skillsight.capture.resize import tracking_scale
from skillsight.capture.webcam import WebcamSource

SourceSpec = Union[str, "os.PathLike[str]", int]


# FFmpeg happily "decodes" still images, text files (as ANSI art) and lyrics files; none is a video.
_STILL_IMAGE_FORMAT = re.compile(r"(_pipe$|^image2)")
_NON_VIDEO_FORMATS = {"tty", "lrc", "srt", "ass", "webvtt", "mpl2", "subviewer", "jacosub"}
_NON_VIDEO_CODECS = {"ansi", "none"}

# A file whose last frame ends this much before the container's stated duration was cut short.
_MIN_SHORTFALL_S = 0.5
# Sample keyframes for calibration when the video has this many times more frames than the sample.
_KEYFRAME_SAMPLING_FACTOR = 20
_MIN_SHORTFALL_FRAMES = 3


def open_source(
    spec: SourceSpec, *, fps: Optional[float] = None, threads: bool = True, max_side: Optional[int] = None
) -> FrameSource:
    """A frame source for a video file, a folder of images or a webcam index (int or digit string).

    `fps` sets the timestamps of an image folder (default 1 frame per second) and the rate requested
    from a webcam; a video file's timestamps always come from its container, so it is not used there.
    `threads=False` decodes a video on the calling thread only (a batch worker given one core).
    `max_side` converts a larger video's frames straight to that size (see VideoFileSource).
    """
    if isinstance(spec, bool):
        raise TypeError(f"not a source: {spec!r}")
    if isinstance(spec, int):
        return WebcamSource(spec, fps=fps)
    text = os.fspath(spec)
    path = Path(text)
    if text.strip().isdigit() and not path.exists():
        return WebcamSource(int(text.strip()), fps=fps)
    if path.is_dir():
        return ImageFolderSource(path, fps=fps if fps is not None else DEFAULT_IMAGE_FOLDER_FPS)
    return VideoFileSource(path, threads=threads, max_side=max_side)


def prefetch_frames(frames: Iterable[Frame], depth: int = 4) -> Iterator[Frame]:
    """Iterate `frames` in a background thread, up to `depth` frames ahead, so decoding overlaps
    whatever the caller does with each frame (FFmpeg and MediaPipe both release the GIL).

    An exception raised by the source is re-raised here; stopping early (break, close) stops the thread.
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    finished = object()

    def produce() -> None:
        try:
            for frame in frames:
                while not stop.is_set():
                    try:
                        buffer.put(frame, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            item: object = finished
        except BaseException as exc:  # handed to the consumer, which re-raises it
            item = exc
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    worker = threading.Thread(target=produce, name="skillsight-decode", daemon=True)
    worker.start()
    try:
        while True:
            item = buffer.get()
            if item is finished:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join(timeout=5)


# --- video files --------------------------------------------------------------------------------


def _rotate_to_display(image: np.ndarray, rotation_deg: int) -> np.ndarray:
    """Turn a decoded image the way the container's display matrix says (counter-clockwise degrees)."""
    quarter_turns = round(rotation_deg / 90) % 4
    if quarter_turns == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=quarter_turns))


def _frame_rotation(frame: Any, stream: Any) -> int:
    """Counter-clockwise display rotation in degrees: the frame's display matrix (PyAV >= 14), else
    the stream's legacy `rotate` tag (clockwise degrees, hence the minus)."""
    try:
        return int(round(float(frame.rotation or 0)))
    except (AttributeError, TypeError, ValueError):
        pass
    try:
        return -int(float(stream.metadata.get("rotate", 0)))
    except (AttributeError, TypeError, ValueError):
        return 0


class VideoFileSource(ClosingMixin):
    """Frames of a video file decoded with PyAV (FFmpeg inside): container timestamps, rotation honoured."""

    def __init__(
        self, path: Union[str, os.PathLike[str]], *, threads: bool = True, max_side: Optional[int] = None
    ) -> None:
        self.path = Path(path)
        self.source = str(self.path)
        self.threads = threads
        self.error: Optional[DecodeInterrupted] = None
        self.damage: Optional[DecodeDamage] = None  # set by a pass that reaches the end
        if not self.path.exists():
            raise SourceNotFoundError(self.source, "file not found")
        if not self.path.is_file():
            raise NotAVideoError(self.source, "not a regular file")
        self.info = self._probe()
        # Frames over `max_side` are scaled down by FFmpeg in their own YUV planes, then converted to
        # RGB: no full-size RGB frame is made (4K: 4.2 CPU-ms a frame, about what converting it at full
        # size costs, where scaling while converting took 9 and a full conversion plus OpenCV's shrink
        # 5.5); `info` keeps the recording's own size.
        scale = tracking_scale(self.info.width, self.info.height, max_side) if max_side else 1.0
        self.frame_size = (round(self.info.width * scale), round(self.info.height * scale))
        self._shrink: Optional[dict[str, Any]] = None
        if scale < 1.0:
            width, height = self.frame_size
            turned = round(self.info.rotation_deg / 90) % 2  # scaled before it is turned for display
            size = {"width": height, "height": width} if turned else {"width": width, "height": height}
            self._shrink = {**size, "interpolation": "AREA"}

    def _image(self, frame: Any, stream: Any) -> np.ndarray:
        """A decoded frame as RGB at the source's frame size, turned as the display matrix says."""
        rotation = _frame_rotation(frame, stream)  # read from the decoded frame's own side data
        if self._shrink is not None:
            frame = frame.reformat(**self._shrink)
        return _rotate_to_display(frame.to_ndarray(format="rgb24"), rotation)

    # The container is opened afresh for each pass, so the source is re-iterable and holds nothing open.
    def _open_container(self) -> Any:
        import av

        try:
            container = av.open(self.source, mode="r")
        except FileNotFoundError as exc:
            raise SourceNotFoundError(self.source, "file not found") from exc
        except EOFError as exc:
            # A container header with nothing after it (a recording stopped before its first frame).
            raise EmptyVideoError(self.source, "the file ends after its header: no frames") from exc
        except (av.error.FFmpegError, UnicodeDecodeError, ValueError, OSError) as exc:
            raise NotAVideoError(self.source, unreadable_reason(self.path, _describe(exc))) from exc
        try:
            self._check_is_video(container)
        except CaptureError:
            container.close()
            raise
        return container

    def _check_is_video(self, container: Any) -> None:
        format_name = str(getattr(container.format, "name", "") or "")
        if _STILL_IMAGE_FORMAT.search(format_name):
            raise NotAVideoError(
                self.source,
                f"a still image ({format_name}), not a video; put images in a folder to read them",
            )
        if not list(container.streams) and format_name not in _NON_VIDEO_FORMATS:
            raise EmptyVideoError(self.source, f"the {format_name} container holds no streams: no frames")
        if format_name in _NON_VIDEO_FORMATS or not container.streams.video:
            raise NotAVideoError(
                self.source, f"no video stream (FFmpeg reads it as {format_name or 'unknown'})"
            )
        codec_context = container.streams.video[0].codec_context
        codec_name = (
            str(getattr(codec_context, "name", "") or "none") if codec_context is not None else "none"
        )
        if codec_name == "ansi":
            raise NotAVideoError(self.source, "a text file, not a video")
        if codec_context is None or codec_name in _NON_VIDEO_CODECS:
            raise UnsupportedCodecError(
                self.source,
                f"its video codec is unknown to this FFmpeg build ({format_name} container); "
                "re-encode it, e.g. ffmpeg -i IN -c:v libx264 OUT.mp4",
            )

    def _video_stream(self, container: Any) -> Any:
        stream = container.streams.video[0]
        if self.threads:
            stream.thread_type = "AUTO"
        else:
            stream.codec_context.thread_count = 1  # the one core this process was given
        return stream

    def _probe(self) -> VideoInfo:
        import av

        container = self._open_container()
        try:
            stream = self._video_stream(container)
            try:
                first = next(iter(container.decode(stream)), None)
            except (av.error.FFmpegError, ValueError) as exc:
                raise NotAVideoError(
                    self.source,
                    f"the first frame could not be decoded ({stream.codec_context.name}: {_describe(exc)})",
                ) from exc
            if first is None:
                raise EmptyVideoError(self.source, "the video has no frames")
            rotation = _frame_rotation(first, stream)
            width, height = int(first.width), int(first.height)
            if round(rotation / 90) % 2:
                width, height = height, width
            fps = _stream_fps(stream)
            duration = stated_duration_s(stream, container)
            frame_count = int(stream.frames) if stream.frames else None
            if frame_count is None and duration is not None and fps > 0:
                frame_count = int(round(duration * fps))
            return VideoInfo(
                source=self.source,
                width=width,
                height=height,
                fps=fps,
                frame_count=frame_count,
                duration_s=duration,
                codec=str(stream.codec_context.name),
                rotation_deg=rotation,
            )
        finally:
            container.close()

    def __iter__(self) -> Iterator[Frame]:
        import av

        self.error = None
        self.damage = None
        container = self._open_container()
        stream = self._video_stream(container)
        time_base = stream.time_base or Fraction(1, 1)
        period = 1.0 / self.info.fps if self.info.fps > 0 else 0.0
        first_pts: Optional[int] = None
        last_time: Optional[float] = None
        index = 0
        reached_end = False
        try:
            try:
                for frame in container.decode(stream):
                    time_s = _frame_time(frame, time_base, first_pts, index, period)
                    if first_pts is None and frame.pts is not None:
                        first_pts = frame.pts
                        time_s = 0.0
                    if frame.is_corrupt:
                        self._interrupt(index, time_s, "corrupt frame data")
                        reached_end = True
                        return
                    # Decoders can repeat a broken pts; keep time strictly increasing as Motion requires.
                    if last_time is not None and time_s <= last_time:
                        time_s = last_time + (period or 1e-3)
                    yield Frame(index, time_s, self._image(frame, stream))
                    last_time = time_s
                    index += 1
            except (av.error.FFmpegError, ValueError, OSError) as exc:
                next_time = None if last_time is None else last_time + period
                self._interrupt(index, next_time, _describe(exc))
                reached_end = True
                return
            self._check_ended_early(index, last_time, period)
            reached_end = True
        finally:
            container.close()
            if reached_end:  # a pass stopped early by its consumer measures nothing
                self.damage = self._measure_damage(index)

    def _measure_damage(self, decoded: int) -> DecodeDamage:
        problems = () if self.error is None else (str(self.error)[len(self.source) + 2 :],)
        return DecodeDamage(self.source, self.info.frame_count, decoded, problems)

    def sample(self, count: int) -> list[Frame]:
        """About `count` frames spread evenly over the video, for calibration. Long videos are sampled
        from their keyframes, each decoded once (a keyframe serves calibration as well as any frame);
        where keyframes are too sparse for half the sample, one pass that converts only the frames it
        keeps (colour conversion, not decoding, is the costly part; decoding forward from a keyframe for
        each target would decode more than the whole video when keyframes are that sparse)."""
        total = self.info.frame_count
        if not total or count <= 0:
            return []
        if total > _KEYFRAME_SAMPLING_FACTOR * count and self.info.duration_s and self.info.fps > 0:
            keyframes = self._keyframe_sample(count)
            if len(keyframes) >= count // 2:
                return keyframes
        return self._sample_in_one_pass(total, count)

    def _sample_in_one_pass(self, total: int, count: int) -> list[Frame]:
        """The frames nearest `count` evenly spread indices, in one decoding pass."""
        import av

        wanted = set(np.linspace(0, total - 1, num=min(count, total)).round().astype(int).tolist())
        picked: list[Frame] = []
        container = self._open_container()
        stream = self._video_stream(container)
        time_base = stream.time_base or Fraction(1, 1)
        period = 1.0 / self.info.fps if self.info.fps > 0 else 0.0
        first_pts: Optional[int] = None
        try:
            for index, frame in enumerate(container.decode(stream)):
                if first_pts is None and frame.pts is not None:
                    first_pts = frame.pts
                if index in wanted and not frame.is_corrupt:
                    time_s = _frame_time(frame, time_base, first_pts, index, period)
                    picked.append(Frame(index, time_s, self._image(frame, stream)))
                if index >= max(wanted):
                    break
        except (av.error.FFmpegError, ValueError, OSError):
            pass  # a sample is best effort; the tracking pass reports where the file breaks
        finally:
            container.close()
        return picked

    def _keyframe_sample(self, count: int) -> list[Frame]:
        """The keyframe nearest each of `count` times spread over the video, found in one pass over the
        packets (no seeking) and each decoded once: only the chosen keyframes' packets reach the
        decoder, so nothing else is decoded and no keyframe twice."""
        import av

        fps = self.info.fps
        targets = np.linspace(0.0, float(self.info.duration_s or 0.0) * 0.98, num=count).tolist()
        picker = KeyframePicker(targets, 0.5 / fps)
        container = self._open_container()
        stream = self._video_stream(container)
        time_base = stream.time_base or Fraction(1, 1)
        start_pts = stream.start_time or 0
        decoded: list[Any] = []
        try:
            for packet in container.demux(stream):
                if picker.done:
                    break
                if packet.pts is not None and packet.is_keyframe:
                    for chosen in picker.offer(float((packet.pts - start_pts) * time_base), packet):
                        decoded += chosen.decode()
            for chosen in picker.finish():
                decoded += chosen.decode()
            decoded += stream.decode(None)  # what the decoder still holds
        except (av.error.FFmpegError, ValueError, OSError):
            pass  # best effort, as above
        finally:
            container.close()
        picked: list[Frame] = []
        for frame in sorted(
            (f for f in decoded if f.pts is not None and not f.is_corrupt), key=lambda f: f.pts
        ):
            time_s = float((frame.pts - start_pts) * time_base)
            image = self._image(frame, stream)
            index = int(round(time_s * fps))
            if not picked or index > picked[-1].index:
                picked.append(Frame(index, time_s, image))
        return picked

    def _interrupt(self, index: int, time_s: Optional[float], problem: str) -> None:
        self.error = DecodeInterrupted(self.source, index, time_s, problem)

    def _check_ended_early(self, decoded: int, last_time: Optional[float], period: float) -> None:
        """A container cut short often just ends; compare what decoded with the duration it states."""
        duration = self.info.duration_s
        if duration is None or last_time is None:
            return
        decoded_end = last_time + period
        if duration - decoded_end > max(_MIN_SHORTFALL_S, _MIN_SHORTFALL_FRAMES * period):
            self._interrupt(
                decoded,
                decoded_end,
                f"the file ends early: frames stop at {decoded_end:.2f} s "
                f"but the container says {duration:.2f} s",
            )

    def close(self) -> None:
        """Nothing stays open between passes; present for the FrameSource protocol."""

    def __repr__(self) -> str:
        return f"VideoFileSource({self.source!r})"


def _frame_time(
    frame: Any, time_base: Fraction, first_pts: Optional[int], index: int, period: float
) -> float:
    if frame.pts is None:
        return index * period
    if first_pts is None:
        return 0.0
    return float((frame.pts - first_pts) * time_base)


def _stream_fps(stream: Any) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate:
            return float(rate)
    return 0.0


__all__ = [
    "DEFAULT_IMAGE_FOLDER_FPS",
    "IMAGE_SUFFIXES",
    "ImageFolderSource",
    "VideoFileSource",
    "WebcamSource",
    "natural_sort_key",
    "open_source",
    "prefetch_frames",
    "read_image_rgb",
]

"""A webcam as a frame source (OpenCV): live frames, timestamps from a monotonic clock."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, Optional

import numpy as np

from skillsight.capture.frames import (
    ClosingMixin,
    DecodeInterrupted,
    EmptyVideoError,
    Frame,
    SourceNotFoundError,
    VideoInfo,
)


class WebcamSource(ClosingMixin):
    """Live frames from a camera with OpenCV; timestamps from a monotonic clock since the first frame.

    Each pass reads until the camera stops delivering or `close()` is called; indices restart at 0.
    """

    def __init__(self, index: int, *, fps: Optional[float] = None) -> None:
        import cv2

        self.index = int(index)
        self.source = f"camera {self.index}"
        self.error: Optional[DecodeInterrupted] = None
        self._capture: Any = cv2.VideoCapture(self.index)
        if not self._capture.isOpened():
            self._capture.release()
            raise SourceNotFoundError(
                self.source, "the camera could not be opened (is it connected and free?)"
            )
        if fps:
            self._capture.set(cv2.CAP_PROP_FPS, float(fps))
        ok, first = self._capture.read()
        if not ok or first is None:
            self._capture.release()
            raise EmptyVideoError(self.source, "the camera opened but delivered no frame")
        self._pending: Optional[np.ndarray] = first
        reported_fps = float(self._capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self.info = VideoInfo(
            source=self.source,
            width=int(first.shape[1]),
            height=int(first.shape[0]),
            fps=reported_fps or float(fps or 30.0),
            frame_count=None,
            duration_s=None,
            codec="camera",
        )

    def __iter__(self) -> Iterator[Frame]:
        import cv2

        self.error = None
        start = time.monotonic()
        index = 0
        while self._capture is not None and self._capture.isOpened():
            if self._pending is not None:
                bgr, self._pending = self._pending, None
            else:
                ok, bgr = self._capture.read()
                if not ok or bgr is None:
                    self.error = DecodeInterrupted(
                        self.source, index, time.monotonic() - start, "camera stopped"
                    )
                    return
            yield Frame(index, time.monotonic() - start, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            index += 1

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    def __repr__(self) -> str:
        return f"WebcamSource({self.index})"

"""Variants of one real recording for metamorphic checks, made without lossy re-encoding.

Image variants (mirrored, half size) are made from decoded frames in memory and tracked again; time
variants (a ping-pong loop, slowed down, paused) repeat tracked frames, as a tracker that gives the same
landmarks for the same image would: a repeated frame is the same observation again. The benchmark
``benchmarks/bench_metamorphic_figure.py`` tracks whole variant videos (written losslessly) instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Optional

import numpy as np

from skillsight.capture.frames import Frame, VideoInfo
from skillsight.pose.motion import Motion


class MemorySource:
    """A re-readable FrameSource over decoded RGB frames held in memory."""

    def __init__(self, images: Sequence[np.ndarray], fps: float, name: str) -> None:
        self._images = list(images)
        height, width = self._images[0].shape[:2]
        self.info = VideoInfo(name, width, height, fps, len(self._images), len(self._images) / fps, "raw")
        self.error = None

    def __iter__(self) -> Iterator[Frame]:
        for i, image in enumerate(self._images):
            yield Frame(i, i / self.info.fps, image)

    def close(self) -> None:
        pass


def decode_frames(path: Path) -> tuple[list[np.ndarray], float]:
    from skillsight.capture.sources import open_source

    source = open_source(str(path))
    try:
        return [frame.image for frame in source], float(source.info.fps)
    finally:
        source.close()


def mirrored(images: Sequence[np.ndarray]) -> list[np.ndarray]:
    return [np.ascontiguousarray(image[:, ::-1]) for image in images]


def half_size(images: Sequence[np.ndarray]) -> list[np.ndarray]:
    import cv2

    return [cv2.resize(i, (i.shape[1] // 2, i.shape[0] // 2), interpolation=cv2.INTER_AREA) for i in images]


def track_images(
    images: Sequence[np.ndarray], fps: float, name: str, procedure: str, dominant_hand: str = "right"
) -> Motion:
    """Track frames held in memory as scoring tracks a video: the procedure's trackers, in the
    canonical orientation for `dominant_hand` (a left-hander's frames mirrored for the tracker)."""
    from skillsight.pose.track import track_source
    from skillsight.scoring.procedure import load_procedure

    proc = load_procedure(procedure)
    return track_source(
        MemorySource(images, fps, name),
        tracker=proc.tracker,
        camera_view=proc.camera_view,
        tracker_options=proc.tracker_options,
        dominant_hand=dominant_hand,
    )


def ping_pong(n_frames: int, length: int) -> np.ndarray:
    """Frame indices 0..n-1, n-2..1, 0.. repeated up to `length` frames."""
    cycle = np.concatenate([np.arange(n_frames), np.arange(n_frames - 2, 0, -1)])
    return np.resize(cycle, length)


def slowed(indices: np.ndarray) -> np.ndarray:
    """Every frame twice: the same motion at half speed."""
    return np.repeat(indices, 2)


def paused(indices: np.ndarray, fps: float, pause_s: float = 3.0, n_pauses: int = 3) -> np.ndarray:
    """Hold the frame for `pause_s` at `n_pauses` evenly spread points."""
    hold = int(round(pause_s * fps))
    cuts = [len(indices) * (k + 1) // (n_pauses + 1) for k in range(n_pauses)]
    parts, start = [], 0
    for cut in cuts:
        parts += [indices[start:cut], np.full(hold, indices[cut - 1])]
        start = cut
    parts.append(indices[start:])
    return np.concatenate(parts)


def take_frames(motion: Motion, indices: np.ndarray, fps: Optional[float] = None) -> Motion:
    """The motion with its frames in the given order (repeats allowed), evenly timed at `fps`."""
    rate = float(fps or motion.fps)
    idx = np.asarray(indices, dtype=int)

    def pick(values: Any) -> Any:
        return None if values is None else np.asarray(values)[idx]

    return replace(
        motion,
        positions=motion.positions[idx],
        confidence=motion.confidence[idx],
        timestamps=np.arange(idx.size) / rate,
        frame_indices=None,
        filled=pick(motion.filled),
        world_positions=pick(motion.world_positions),
        signals={k: np.asarray(v)[idx] for k, v in motion.signals.items()},
        metadata=dict(motion.metadata, fps=rate),
    )

"""The annotated overlay video: each tracked frame drawn with the motion, as H.264 mp4."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Optional, Union

import numpy as np

from skillsight.capture.frames import Frame
from skillsight.capture.resize import replay_due, replay_image, replay_preset, replay_size
from skillsight.capture.sinks import AnnotatedVideoWriter
from skillsight.pose.annotate import annotate_frame, tracking_badge
from skillsight.pose.motion import Motion


def write_overlay(
    frames: Iterable[Frame],
    motion: Motion,
    path: Union[str, os.PathLike[str]],
    max_side: Optional[int] = None,
    max_fps: Optional[float] = None,
    hands_expected: int = 0,
) -> Path:
    """A pass over the source's frames: each tracked frame annotated with the motion, as H.264 mp4
    (shrunk to `max_side` pixels on the long side and drawn at most `max_fps` times a second when
    given); its badge counts at least `hands_expected` hands."""
    t_index = {int(f): k for k, f in enumerate(np.asarray(motion.frame_indices))}
    last = max(t_index) if t_index else -1
    writer: Optional[AnnotatedVideoWriter] = None
    fps = float(motion.metadata.get("fps") or motion.fps or 25.0)
    written_s: Optional[float] = None
    try:
        for frame in frames:
            if frame.index > last:
                break
            k = t_index.get(frame.index)
            if k is None or not replay_due(frame.time_s, written_s, max_fps):
                continue
            written_s = frame.time_s
            height, width = frame.image.shape[:2]
            size, scale = replay_size(width, height, max_side)
            if writer is None:
                rate = min(fps, max_fps or fps)
                writer = AnnotatedVideoWriter(path, rate, size, preset=replay_preset(max_side)).open()
            image = replay_image(frame.image, size)
            badge = tracking_badge(motion, k, hands_expected)
            writer.write(
                annotate_frame(image, motion, k, scale=scale, badge=badge, inplace=True), time_s=frame.time_s
            )
    except BaseException:
        if writer is not None:
            writer.__exit__(RuntimeError, RuntimeError("overlay failed"), None)
        raise
    if writer is None:
        raise ValueError(f"{path}: no tracked frames to draw")
    return writer.close()

"""The motion on the clock of new images.

Tracking marks the frames a camera repeated (capture.repeats) in the signal REPEAT_SIGNAL and says
what it found in metadata["frame_repeats"]; every frame stays in the tracked motion, so it lines up
frame for frame with its video, its overlay and any per-frame reference. Before anything measures
time (`scoring.features.prepare_motion`), `on_image_clock` drops the repeats and, where a steady
camera's images were shown unevenly, evens their times out: speeds, jerk, tremor and the jitter
estimate then see the images the camera took and when, not a held picture.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

import numpy as np

from skillsight.capture.repeats import FrameRepeats, RepeatWatcher, new_image_times, shown_unevenly
from skillsight.pose.motion import Motion

FRAME_REPEATS_KEY = "frame_repeats"
REPEAT_SIGNAL = "frame.repeats_previous"  # 1 where the frame shows the image of the frame before


def mark_repeats(motion: Motion, watcher: Optional[RepeatWatcher]) -> Motion:
    """The tracked motion with its repeated frames marked (REPEAT_SIGNAL, only when there are some) and
    metadata["frame_repeats"] (None when no frames were watched: a folder of stills)."""
    metadata = dict(motion.metadata)
    if watcher is None or not watcher.step:
        metadata[FRAME_REPEATS_KEY] = None
        return motion.with_updates(metadata=metadata)
    repeats, found = watcher.find()
    flags = np.isin(motion.frame_indices, repeats)
    times, retimed = _image_times(motion.timestamps[~flags])
    found = replace(found, repeated=int(flags.sum()), image_fps=_rate(times), retimed=retimed)
    metadata[FRAME_REPEATS_KEY] = found.to_dict()
    signals = dict(motion.signals)
    if flags.any():
        signals[REPEAT_SIGNAL] = flags.astype(np.float64)
    return motion.with_updates(metadata=metadata, signals=signals)


def on_image_clock(motion: Motion) -> Motion:
    """The motion without the frames marked as repeats, its new images evened out where they were shown
    unevenly (a processing step says so); a motion with none marked comes back as it is."""
    flags = motion.signals.get(REPEAT_SIGNAL)
    if flags is None:
        return motion
    keep = np.flatnonzero(np.asarray(flags) == 0)
    if keep.size < 2:
        return motion
    times, retimed = _image_times(motion.timestamps[keep])
    step = {"step": "image_clock", "repeats_dropped": int(motion.n_frames - keep.size), "retimed": retimed}
    return _take(motion, keep, times).with_processing_step(step)


def frame_repeats(motion: Motion) -> Optional[FrameRepeats]:
    """What a tracked motion's metadata records about repeated frames (None: not recorded)."""
    entry = motion.metadata.get(FRAME_REPEATS_KEY)
    return None if entry is None else FrameRepeats.from_dict(entry)


def _image_times(times: np.ndarray) -> tuple[np.ndarray, bool]:
    if shown_unevenly(times):
        return new_image_times(times), True
    return times, False


def _rate(times: np.ndarray) -> Optional[float]:
    return float(1.0 / np.median(np.diff(times))) if times.size > 1 else None


def _take(motion: Motion, index: np.ndarray, times: np.ndarray) -> Motion:
    def pick(values: Any) -> Any:
        return None if values is None else np.asarray(values)[index]

    signals = {name: np.asarray(v)[index] for name, v in motion.signals.items() if name != REPEAT_SIGNAL}
    return replace(
        motion,
        positions=motion.positions[index],
        confidence=motion.confidence[index],
        timestamps=times,
        frame_indices=motion.frame_indices[index],
        filled=pick(motion.filled),
        world_positions=pick(motion.world_positions),
        signals=signals,
    )

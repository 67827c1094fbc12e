"""The motion on the clock of new images: frames a camera repeated (capture.repeats) are dropped, and
the new images' times evened out where a steady camera's images were shown unevenly, so speeds, jerk,
tremor and the jitter estimate see the images the camera took and when, not a held picture.
metadata["frame_repeats"] says what was found and done."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

import numpy as np

from skillsight.capture.repeats import FrameRepeats, RepeatWatcher, new_image_times, shown_unevenly
from skillsight.pose.motion import Motion

FRAME_REPEATS_KEY = "frame_repeats"


def on_image_clock(motion: Motion, watcher: Optional[RepeatWatcher]) -> tuple[Motion, Optional[dict]]:
    """(the motion without the repeats the watcher found, its new images evened out where they were
    shown unevenly; the provenance entry, None when no frames were watched: a folder of stills)."""
    if watcher is None or not watcher.step:
        return motion, None
    repeats, found = watcher.find()
    keep = ~np.isin(motion.frame_indices, repeats)
    if keep.all() or keep.sum() < 2:
        return motion, replace(found, repeated=0, image_fps=_rate(motion.timestamps)).to_dict()
    index = np.flatnonzero(keep)
    times = motion.timestamps[index]
    retimed = shown_unevenly(times)
    times = new_image_times(times) if retimed else times
    kept = _take(motion, index, times)
    found = replace(found, repeated=int((~keep).sum()), image_fps=_rate(times), retimed=retimed)
    return kept, found.to_dict()


def frame_repeats(motion: Motion) -> Optional[FrameRepeats]:
    """What a tracked motion's metadata records about repeated frames (None: not recorded)."""
    entry = motion.metadata.get(FRAME_REPEATS_KEY)
    return None if entry is None else FrameRepeats.from_dict(entry)


def _rate(times: np.ndarray) -> Optional[float]:
    return float(1.0 / np.median(np.diff(times))) if times.size > 1 else None


def _take(motion: Motion, index: np.ndarray, times: np.ndarray) -> Motion:
    def pick(values: Any) -> Any:
        return None if values is None else np.asarray(values)[index]

    return replace(
        motion,
        positions=motion.positions[index],
        confidence=motion.confidence[index],
        timestamps=times,
        frame_indices=motion.frame_indices[index],
        filled=pick(motion.filled),
        world_positions=pick(motion.world_positions),
        signals={name: np.asarray(values)[index] for name, values in motion.signals.items()},
    )

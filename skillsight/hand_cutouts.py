"""Real hands cut out of the shared clips, for the realistic glove scenes (`glove_scenes`).

Each cut-out is a crop of a real video frame, a hand mask (the landmarks' hull widened a little, kept to
skin-coloured pixels, holes filled: `synthetic_video.hand_mask_from_landmarks`) and the 21 landmarks in
crop pixels. Landmarks come from the reference file of `asl_hand.25fps.mp4` and, where MediaPipe is
installed, from the hands tracker (through the registry) on `hand_reaching.mp4` and `typing_two_hands.mp4`.
Clips that are missing are skipped; the loaded set is cached per process.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np

from skillsight.capture.frames import Frame
from skillsight.pose.trackers.base import create_tracker
from skillsight.synthetic_video import hand_mask_from_landmarks

WRIST, THUMB_MCP, INDEX_MCP, MIDDLE_MCP, PINKY_MCP = 0, 2, 5, 9, 17
ASL_FRAMES = tuple(range(12, 325, 26))  # 12 poses spread over the signing
MEDIAPIPE_CLIPS = {
    "mediapipe_samples/hand_reaching.mp4": (15, 45, 75, 105, 135, 165),
    "mediapipe_samples/typing_two_hands.mp4": (5, 35, 65, 90),
}


@dataclass(frozen=True)
class HandCutout:
    """One real hand: RGB crop, uint8 mask (255 = hand), (21, 2) landmarks in crop pixels."""

    source: str
    rgb: np.ndarray
    mask: np.ndarray
    landmarks: np.ndarray

    @property
    def palm_length(self) -> float:
        return float(np.linalg.norm(self.landmarks[MIDDLE_MCP] - self.landmarks[WRIST])) or 1.0

    @property
    def palm_width(self) -> float:
        return float(np.linalg.norm(self.landmarks[INDEX_MCP] - self.landmarks[PINKY_MCP])) or 1.0

    def thumb_on_left(self) -> bool:
        """Whether the thumb lies on the image left when the fingers point up."""
        up = self.landmarks[MIDDLE_MCP] - self.landmarks[WRIST]
        right = np.array([-up[1], up[0]])  # image coordinates: y down, so this points to the right
        return float(np.dot(self.landmarks[THUMB_MCP] - self.landmarks[WRIST], right)) < 0


def data_dir() -> Path:
    here = Path(__file__).resolve().parents[1]
    return Path(os.environ.get("SKILLSIGHT_TEST_DATA", here.parent / "shared" / "data"))


def cut_hand(image_rgb: np.ndarray, landmarks: np.ndarray, source: str) -> Optional[HandCutout]:
    """The hand of one frame as a cut-out, or None where its mask is too small to be a hand."""
    points = np.asarray(landmarks, dtype=np.float64)[:, :2]
    mask = hand_mask_from_landmarks(image_rgb, points, cuff=0.35)
    ys, xs = np.nonzero(mask)
    if len(xs) < 400:
        return None
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    # the mask must cover most of the landmark hull, else skin segmentation failed on this frame
    hull_area = float(np.ptp(points[:, 0]) * np.ptp(points[:, 1]))
    if len(xs) < 0.25 * hull_area:
        return None
    crop = np.ascontiguousarray(image_rgb[y0:y1, x0:x1])
    return HandCutout(source, crop, mask[y0:y1, x0:x1].copy(), points - (x0, y0))


def _decode(path: Path, wanted: set[int]) -> dict[int, np.ndarray]:
    import av

    frames: dict[int, np.ndarray] = {}
    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index in wanted:
                frames[index] = frame.to_ndarray(format="rgb24")
            if index >= max(wanted):
                break
    return frames


def _asl_cutouts(root: Path) -> list[HandCutout]:
    clip, reference = root / "tfjs/asl_hand.25fps.mp4", root / "tfjs/asl_hand.full.json"
    if not clip.exists() or not reference.exists():
        return []
    landmarks = json.loads(reference.read_text())
    frames = _decode(clip, set(ASL_FRAMES))
    found = [cut_hand(frames[i], np.array(landmarks[i]), f"asl_hand#{i}") for i in sorted(frames)]
    return [c for c in found if c is not None]


def _mediapipe_cutouts(root: Path) -> list[HandCutout]:
    try:
        tracker = create_tracker("hands", camera_view="front", independent_frames=True)
    except (ImportError, ValueError, RuntimeError, OSError):
        return []
    found: list[HandCutout] = []
    try:
        for relative, indices in MEDIAPIPE_CLIPS.items():
            if not (root / relative).exists():
                continue
            for index, image in sorted(_decode(root / relative, set(indices)).items()):
                observation = tracker.process(Frame(index, index / 25.0, image))
                for slot in np.flatnonzero(np.any(observation.confidence > 0, axis=1)):
                    cut = cut_hand(
                        image, observation.positions[slot, :, :2], f"{Path(relative).stem}#{index}"
                    )
                    if cut is not None:
                        found.append(cut)
    finally:
        tracker.close()
    return found


@lru_cache(maxsize=2)
def load_cutouts(with_mediapipe: bool = True) -> tuple[HandCutout, ...]:
    """All cut-outs the shared data gives (empty where the data is absent)."""
    root = data_dir()
    cutouts = _asl_cutouts(root)
    if with_mediapipe:
        cutouts += _mediapipe_cutouts(root)
    return tuple(cutouts)


def required_cutouts(cutouts: Optional[Sequence[HandCutout]] = None) -> Sequence[HandCutout]:
    """The given cut-outs, else all the shared data gives; a scene cannot be made without any."""
    found = cutouts if cutouts is not None else load_cutouts()
    if not found:
        raise FileNotFoundError("no hand cut-outs: the shared clips (../shared/data) are missing")
    return found

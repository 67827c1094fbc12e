"""What a video teaches the glove tracker before and while it tracks.

prepare() looks at sample frames spread over the video: which glove family wins there (shows the most
hand-like pair of hands, the same contest a frame holds), so a video runs only the families that win on
its samples (a blue-gloved video is not searched for white gloves every frame, and white pieces at a
blue fingertip cannot win a frame of it); the drape; and the large white regions that never move
(pad, table: a white glove is then looked for only where the frame differs from them). While
tracking, the hue band of the hands found so far narrows the coloured mask to the gloves' own hue (a
blue sponge beside purple gloves drops out). An image folder of unrelated stills skips all of this:
every still is read on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import cv2
import numpy as np

from skillsight.pose.trackers.gloves.segmentation import BENCH_MOVED, BENCH_STILL, WorkingImage, white_mask

MIN_GLOVED_SAMPLE_SHARE = 0.3  # of the samples won by one family, for gloves (of that family) to be present
STATIC_WHITE_MIN_SHARE = 0.08  # of the frame: a white region this large that never moves is the bench
STILL_LAB_DISTANCE = 18  # summed Lab difference under which a pixel is still, for telling moving hands apart
# A pixel shows the still background where it differs from the samples' median by less than this many times
# the recording's own noise (the median summed Lab difference of the samples from their median: most pixels
# are still in most samples). A white glove over a white pad differs from it only by its shading, 5-25 summed
# Lab units at working size, under the fixed 18 that was used before; sensor noise there is 1-2 units.
STILL_NOISE_GAIN = 4.0
STILL_SMOOTHING = 3  # working pixels
BENCH_SEEN_SHARE = 0.7  # of the samples
STILL_MIN_DISTANCE = 5.0  # never under this: 8-bit rounding and compression steps
HUE_LEARN_FRAMES = 8  # frames with hands before the hue band is narrowed
HUE_MARGIN = 12
MOVED_SHARE = 0.2  # of a hand's core away from the samples' still background: it moved between samples


@dataclass(frozen=True)
class StillBackground:
    """What never moves in a video (working-size Lab median of the samples), where it is known, and the
    summed Lab difference under which a pixel shows it, set by the recording's noise."""

    median: np.ndarray
    known: np.ndarray  # bool: where the samples showed the median most of the time
    threshold: float


@dataclass
class Calibration:
    """The outcome of prepare(), recorded in provenance."""

    gloves_present: bool
    families: tuple[str, ...]  # in the order they are tried
    family_shares: dict[str, float]
    n_samples: int
    still_background: Optional[StillBackground] = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "gloves_present": self.gloves_present,
            "families": list(self.families),
            "family_shares": {k: round(v, 3) for k, v in self.family_shares.items()},
            "n_samples": self.n_samples,
            "still_white_background": self.still_background is not None,
            "stillness_threshold": None if self.still_background is None else self.still_background.threshold,
        }


def calibrate(
    samples: Sequence[WorkingImage],
    families: Sequence[str],
    winner: Callable[[WorkingImage, Optional[StillBackground]], Optional[str]],
) -> Calibration:
    """Share of samples each family wins (`winner`: the family whose hands win a frame, None where no
    family shows a hand); families that win at least MIN_GLOVED_SAMPLE_SHARE of the samples are kept,
    most wins first, else none: no gloves in this video. A glove pair has one colour: a family that wins
    only now and then (white pieces or a shadow beside coloured gloves) is not the video's."""
    background = still_white_background(samples) if "white" in families else None
    won = [winner(image, background) for image in samples]
    shares = {f: float(np.mean([w == f for w in won])) if won else 0.0 for f in families}
    kept = sorted((f for f in families if shares[f] >= MIN_GLOVED_SAMPLE_SHARE), key=lambda f: -shares[f])
    return Calibration(bool(kept), tuple(kept), shares, len(samples), background)


def moving_entering_share(
    samples: Sequence[WorkingImage],
    hands_of: Callable[[WorkingImage], Sequence[Any]],
    entry_edges: Sequence[str] = ("left", "bottom", "right"),
) -> float:
    """Share of the samples holding a hand (from `hands_of`: objects with centre, area and entry) that
    moves and enters the frame. It moves where enough of its core differs from the samples' median, the
    still background (an object lying on the bench, a photo of hands, a wooden board are the median
    itself); it enters where its blob touches an entry border or, seen through a sleeve of any colour,
    the moving region around it does (an arm moves with its hand). Time, not colour, tells a
    candidate from a hand."""
    if len(samples) < 3 or len({s.lab.shape for s in samples}) != 1:
        return 0.0
    median = np.median(np.stack([s.lab for s in samples]), axis=0).astype(np.uint8)
    height, width = median.shape[:2]
    rows, columns = np.mgrid[0:height, 0:width]
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    hits = 0
    for image in samples:
        moved = cv2.absdiff(image.lab, median).astype(np.uint16).sum(axis=2) >= STILL_LAB_DISTANCE
        labels = cv2.connectedComponents(cv2.morphologyEx(moved.astype(np.uint8), cv2.MORPH_CLOSE, kernel))[1]
        edges = {"left": labels[:, 0], "right": labels[:, -1], "bottom": labels[-1], "top": labels[0]}
        entering = set(np.concatenate([edges[e] for e in entry_edges]).tolist()) - {0}
        for hand in hands_of(image):
            radius = 0.4 * np.sqrt(float(hand.area))
            core = (columns - hand.centre[0]) ** 2 + (rows - hand.centre[1]) ** 2 <= radius**2
            if not core.any() or float(moved[core].mean()) < MOVED_SHARE:
                continue
            if hand.entry is not None or entering & set(np.unique(labels[core]).tolist()):
                hits += 1
                break
    return hits / len(samples)


def still_white_background(samples: Sequence[WorkingImage]) -> Optional[StillBackground]:
    """The samples' median Lab (the bench without the moving hands) where the frame holds a large white
    region (pad, table: else None), where it is known, and the stillness threshold from the samples' own
    noise."""
    if len(samples) < 3 or len({s.lab.shape for s in samples}) != 1:
        return None
    stack = np.stack([s.lab for s in samples])
    median = np.median(stack, axis=0).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(white_mask(median), connectivity=8)
    if not any(stats[i, cv2.CC_STAT_AREA] >= STATIC_WHITE_MIN_SHARE * labels.size for i in range(1, n)):
        return None
    median = _smoothed(median)
    # every sample's difference from the median, on a coarse grid (the noise is the same everywhere)
    coarse = [cv2.absdiff(_smoothed(s.lab), median)[::3, ::3].astype(np.uint16).sum(axis=2) for s in samples]
    noise = float(np.median(np.stack(coarse)))
    threshold = round(max(STILL_MIN_DISTANCE, STILL_NOISE_GAIN * noise), 1)
    # the background is known where the samples showed it (the median) most of the time; where hands, their
    # shadows and sleeves lay in many samples, the median may be one of them, and the bench uncovered there
    # would look moved (a white glove there needs its shading, as in a still)
    seen = np.mean([cv2.absdiff(_smoothed(s.lab), median).sum(axis=2) < threshold for s in samples], axis=0)
    return StillBackground(median, seen >= BENCH_SEEN_SHARE, threshold)


def still_pixels(image: WorkingImage, background: Optional[StillBackground]) -> Optional[np.ndarray]:
    """Per pixel: BENCH_STILL where it shows the still background, BENCH_MOVED where something moved over
    it, 0 where the background is not known (hands lay there in many samples)."""
    if background is None or background.median.shape != image.lab.shape:
        return None
    difference = cv2.absdiff(_smoothed(image.lab), background.median).astype(np.uint16).sum(axis=2)
    states = np.where(difference < background.threshold, BENCH_STILL, BENCH_MOVED).astype(np.uint8)
    states[~background.known] = 0
    return states


def _smoothed(lab: np.ndarray) -> np.ndarray:
    """Lab averaged over 3x3 pixels: a glove's shading is broad, sensor noise is per pixel."""
    return np.asarray(cv2.blur(lab, (STILL_SMOOTHING, STILL_SMOOTHING)))


@dataclass
class HueModel:
    """The gloves' hue band learnt from the hands found so far (coloured gloves only)."""

    histogram: np.ndarray = field(default_factory=lambda: np.zeros(180))
    frames: int = 0

    def learn(self, hues: np.ndarray) -> None:
        self.histogram += np.bincount(hues.ravel(), minlength=180)[:180]
        self.frames += 1

    def band(self) -> Optional[tuple[int, int]]:
        if self.frames < HUE_LEARN_FRAMES or self.histogram.sum() == 0:
            return None
        cumulative = np.cumsum(self.histogram) / self.histogram.sum()
        low, high = int(np.searchsorted(cumulative, 0.02)), int(np.searchsorted(cumulative, 0.98))
        return max(0, low - HUE_MARGIN), min(179, high + HUE_MARGIN)

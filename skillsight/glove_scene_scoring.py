"""Scoring a glove tracker on generated scenes (`glove_scenes`): the figures issue 10 asks for.

A visible true hand is found when a reported hand of the same side lies within 0.15 x frame width of
its centre; a reported hand is false when no true hand (visible or not) of any side lies within that
distance, or when more hands are reported near the true ones than there are (one glove reported as
two). Errors are in shares of the frame width.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from skillsight.base.keypoints import HAND_INDIVIDUALS
from skillsight.glove_scenes import Scene
from skillsight.pose.trackers.base import FrameObservation

TOLERANCE = 0.15  # of the frame width


@dataclass
class SceneScore:
    visible: int = 0
    found: int = 0
    reported: int = 0
    false: int = 0
    errors: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def found_share(self) -> float:
        return self.found / self.visible if self.visible else 1.0

    @property
    def false_share(self) -> float:
        return self.false / self.reported if self.reported else 0.0

    @property
    def median_error(self) -> float:
        return float(np.median(self.errors)) if self.errors else math.nan

    def summary(self) -> str:
        return (
            f"{self.found}/{self.visible} visible hands found on the right side ({self.found_share:.1%}), "
            f"median error {self.median_error:.3f} x width, {self.false}/{self.reported} false hands "
            f"({self.false_share:.1%})"
        )


def score_observation(scene: Scene, centres: dict[str, tuple[float, float]], into: SceneScore) -> None:
    """Add one scene's reported hand centres (side -> x, y in scene pixels) to the score."""
    width = scene.image.shape[1]
    limit = TOLERANCE * width
    for hand in scene.visible_hands:
        into.visible += 1
        reported = centres.get(hand.side)
        if reported is not None and math.dist(reported, hand.centre) <= limit:
            into.found += 1
            into.errors.append(math.dist(reported, hand.centre) / width)
        else:
            into.misses.append(f"{scene.glove}/{scene.drape}/{scene.condition}#{scene.seed} {hand.side}")
    near = 0
    for side, point in centres.items():
        into.reported += 1
        if any(math.dist(point, h.centre) <= limit for h in scene.hands):
            near += 1
        else:
            into.false += 1
            into.misses.append(f"{scene.glove}/{scene.drape}/{scene.condition}#{scene.seed} false {side}")
    doubled = max(0, near - len(scene.hands))  # one glove reported as two hands, both near it
    into.false += doubled
    into.misses += [f"{scene.glove}/{scene.drape}/{scene.condition}#{scene.seed} doubled"] * doubled


def centres_of(observation: FrameObservation) -> dict[str, tuple[float, float]]:
    """side -> centre of the hands a glove or auto observation reports (keypoint "centroid")."""
    positions, confidence = observation.positions, observation.confidence
    centroid = positions.shape[1] - 2  # glove keypoints (centroid, tip) come last in both trackers
    found = {}
    for slot, side in enumerate(HAND_INDIVIDUALS):
        if confidence[slot, centroid] > 0:
            found[side] = (float(positions[slot, centroid, 0]), float(positions[slot, centroid, 1]))
    return found


def score_scenes(scenes: Iterable[Scene], observe: Callable[[Scene], FrameObservation]) -> SceneScore:
    """`observe(scene)` returns the tracker's observation of the scene's image."""
    total = SceneScore()
    for scene in scenes:
        score_observation(scene, centres_of(observe(scene)), total)
    return total

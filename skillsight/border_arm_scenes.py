"""Generated scenes of arms lying along a border (issue 10), beside the conditions of `glove_scenes`.

Field notes: gloves enter from the bottom and the sides; a hand reaching in close to a side lays its
forearm along that border, so the arm is a straight strip cut squarely by the frame edge with the hand
at its inner end. Two conditions, each in every glove colour on every drape:

- "arm_along_border": one or two hands whose forearms lie along the bottom border (entering from a side)
  or along a side border (entering from the bottom); the hand's centre is the truth, never the strip's;
- "strip_along_border": no hand, a straight strip in the glove's colour along a border with a square
  free end (a sleeve lying on the bench, a drape's hem, a fold of gown): every hand reported is false.

Built with the same scene builder (`glove_scenes.compose`: real cut hands, cuff and sleeve, shadows,
instruments, thread, light, noise) and bench (`bench_scenery`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Optional

import cv2
import numpy as np

from skillsight.bench_scenery import DRAPES, bench
from skillsight.glove_scenes import GLOVE_COLORS, SLEEVES, Scene, _Placement, compose
from skillsight.hand_cutouts import HandCutout, load_cutouts, required_cutouts

BORDER_CONDITIONS = ("arm_along_border", "strip_along_border")


def _along_bottom(rng: np.random.Generator, side: str, size: tuple[int, int], palm: float) -> _Placement:
    """A hand low in the frame whose arm comes in from its own side, lying along the bottom border."""
    width, height = size
    from_left = side == "left_hand"
    x = rng.uniform(0.25, 0.45) if from_left else rng.uniform(0.55, 0.75)
    tilt = math.radians(rng.uniform(-6, 6))
    entry = (-math.cos(tilt), math.sin(tilt)) if from_left else (math.cos(tilt), math.sin(tilt))
    return _Placement(side, (x * width, height - rng.uniform(0.42, 0.55) * palm), entry, palm)


def _along_side(rng: np.random.Generator, side: str, size: tuple[int, int], palm: float) -> _Placement:
    """A hand close to its own side border whose arm comes up from the bottom along that border."""
    width, height = size
    margin = rng.uniform(0.42, 0.55) * palm
    x = margin if side == "left_hand" else width - margin
    tilt = math.radians(rng.uniform(-6, 6))
    return _Placement(side, (x, rng.uniform(0.35, 0.6) * height), (math.sin(tilt), math.cos(tilt)), palm)


def _arm_placements(rng: np.random.Generator, size: tuple[int, int]) -> list[_Placement]:
    palm = size[1] * rng.uniform(0.13, 0.2)
    along = _along_bottom if rng.random() < 0.5 else _along_side
    sides = (
        ["left_hand", "right_hand"] if rng.random() < 0.5 else [str(rng.choice(["left_hand", "right_hand"]))]
    )
    return [along(rng, side, size, palm * rng.uniform(0.95, 1.05)) for side in sides]


def _strip(rng: np.random.Generator, image: np.ndarray, colour: tuple[int, int, int]) -> None:
    """A straight strip along a border with a square free end, shaded across like a cylinder (a sleeve)
    or flat with soft folds (a hem); drawn onto the float RGB image."""
    height, width = image.shape[:2]
    thickness = rng.uniform(0.06, 0.13) * height
    edge = str(rng.choice(["bottom", "left", "right"]))
    if edge == "bottom":
        length = rng.uniform(0.3, 0.65) * width
        start = 0.0 if rng.random() < 0.5 else width - length
        box = ((start + length / 2, height - thickness / 2 + 2), (length, thickness), 0.0)
    else:
        length = rng.uniform(0.35, 0.8) * height
        x = thickness / 2 - 2 if edge == "left" else width - thickness / 2 + 2
        box = ((x, height - length / 2), (thickness, length), 0.0)
    ((cx, cy), (bw, bh), angle) = box
    box = ((cx, cy), (bw, bh), angle + rng.uniform(-3, 3))
    mask = np.zeros((height, width), np.uint8)
    cv2.fillConvexPoly(mask, cv2.boxPoints(box).astype(np.int32), (255,))
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    across = (yy - cy) / (bh / 2) if edge == "bottom" else (xx - cx) / (bw / 2)
    shade = 1.0 - 0.25 * np.clip(across, -1.2, 1.2) ** 2 if rng.random() < 0.5 else np.ones_like(xx)
    alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (3, 3), 0)[..., None]
    painted = np.array(colour, np.float32) * shade[..., None]
    image[:] = image * (1.0 - alpha) + painted * alpha


def border_scene(
    seed: int,
    glove: str = "indigo",
    drape: str = "teal",
    condition: str = "arm_along_border",
    size: tuple[int, int] = (960, 540),
    cutouts: Optional[Sequence[HandCutout]] = None,
) -> Scene:
    """One still of a `BORDER_CONDITIONS` condition."""
    if condition not in BORDER_CONDITIONS:
        raise ValueError(f"condition must be one of {', '.join(BORDER_CONDITIONS)}, not {condition!r}")
    cutouts = required_cutouts(cutouts)
    rng = np.random.default_rng(seed)
    background = bench(rng, size, drape)
    sleeve = str(rng.choice(list(SLEEVES)))
    if condition == "strip_along_border":
        _strip(rng, background, GLOVE_COLORS[glove])
        image, hands = compose(rng, background, [], cutouts, glove, sleeve, "no_hands")
        return Scene(image, hands, glove, drape, condition, seed)
    image, hands = compose(rng, background, _arm_placements(rng, size), cutouts, glove, sleeve, "apart")
    return Scene(image, hands, glove, drape, condition, seed)


def border_scene_set(
    size: tuple[int, int] = (960, 540),
    seed: int = 0,
    cutouts: Optional[Sequence[HandCutout]] = None,
    gloves: Optional[Sequence[str]] = None,
) -> Iterator[Scene]:
    """Every glove colour x drape x border condition, seeds from `seed` + 1 (as `glove_scenes.scene_set`)."""
    cutouts = cutouts if cutouts is not None else load_cutouts()
    k = seed
    for glove in GLOVE_COLORS:
        for drape in DRAPES:
            for condition in BORDER_CONDITIONS:
                k += 1
                if gloves is None or glove in gloves:
                    yield border_scene(k, glove, drape, condition, size, cutouts)

"""Generated video of two gloved hands crossing while tying (the "crossing in video" scene condition).

From the field notes of issue 10: hands touch, cross and overlap while tying; fast moves blur. Seen from
above with the trainee at the bottom edge, each arm comes from its own shoulder, below the frame on its
own side. In an instrument tie the two hands approach each other, touch, pass each other so that the
arms cross at the wrists (one hand over the other), hold there a moment, and part: back to their own
sides, or on to the other side with the arms still crossed. So each video here:

- two real hands cut from the shared clips (two cut-outs, or one and its mirror image), recoloured to one
  glove colour with their shading kept, cuffs and sleeves running to the bottom border along the line to
  their shoulder (the arm's angle changes as the hand moves, as a forearm pivots);
- the meeting point, the hands' separations (apart, touching, crossed by most of a palm) and the way they
  part are drawn from the seed; one hand lies over the other throughout (which one is drawn too); in a
  third of the videos the tie goes on: the hands part with their arms crossed, meet again and cross back
  to their own sides (a throw and its return), drawn from a stream of their own so that the other
  videos stay as they were;
- a held instrument (needle driver, forceps) turning with its hand, thread through the hands, the hands'
  shadows, uneven light, fresh sensor noise per frame;
- motion blur along each hand's own velocity, as long as the hand moves during half a frame time.
Ground truth per frame as for the stills (`glove_scenes.SceneHand`: side, centre, visibility).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from skillsight.bench_scenery import DRAPES, bench, draw_instrument, draw_thread, light
from skillsight.glove_scenes import GLOVE_COLORS, SIDES, SLEEVES, Scene, SceneHand, _compose_hand, _Placement
from skillsight.glove_scenes_leaving import (
    SHARE,
    Excursion,
    arm_towards,
    drawn_excursion,
    drawn_moment,
    excursion_centres,
    present,
)
from skillsight.hand_cutouts import HandCutout, required_cutouts

CONDITION = "crossing_video"
LEAVING_CONDITION = "leaving_video"  # a crossing video in which one hand leaves the frame and returns
VIDEO_GLOVES = ("indigo", "purple", "light_blue", "green", "white")  # skin-tone latex needs MediaPipe
EXPOSURE = 0.5  # of a frame time: how long the shutter is open (blur length / speed)


@dataclass(frozen=True)
class _Crossing:
    """One video's choreography, all in scene pixels."""

    meet: tuple[float, float]  # where the hands meet
    palm: float
    shoulders: tuple[tuple[float, float], tuple[float, float]]  # left, right: below the bottom border
    keys: tuple[float, ...]  # half-separations (left hand at meet - s) at the key times
    times: tuple[float, ...]  # key times, 0-1
    bob: tuple[float, float, float, float]  # vertical wobble: amplitude, phase (left), phase (right), lift
    on_top: int  # index into SIDES of the hand drawn over the other


def _choreography(rng: np.random.Generator, size: tuple[int, int], tie: np.random.Generator) -> _Crossing:
    width, height = size
    palm = height * rng.uniform(0.13, 0.19)
    meet = (rng.uniform(0.4, 0.6) * width, rng.uniform(0.38, 0.55) * height)
    shoulder_y = height * rng.uniform(1.25, 1.6)
    shoulders = (
        (meet[0] - rng.uniform(0.22, 0.4) * width, shoulder_y),
        (meet[0] + rng.uniform(0.22, 0.4) * width, shoulder_y),
    )
    apart = palm * rng.uniform(1.1, 1.6)
    crossed = -palm * rng.uniform(0.3, 0.6)
    parted = apart * rng.uniform(0.8, 1.1) if rng.random() < 0.5 else crossed * rng.uniform(1.6, 2.4)
    keys: tuple[float, ...] = (apart, 0.5 * palm, crossed, crossed * rng.uniform(0.85, 1.1), parted)
    hold = rng.uniform(0.5, 0.6)
    times: tuple[float, ...] = (0.0, rng.uniform(0.2, 0.3), rng.uniform(0.38, 0.45), hold, 1.0)
    bob = (0.04 * height, rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi), 0.1 * palm)
    on_top = int(rng.integers(0, 2))
    if tie.random() < 1 / 3:  # parted crossed, they meet again and cross back (the arms keep their entries)
        keys = (
            apart,
            0.5 * palm,
            crossed,
            crossed * tie.uniform(1.6, 2.4),
            crossed,
            apart * tie.uniform(0.8, 1.1),
        )
        times = (
            0.0,
            tie.uniform(0.1, 0.15),
            tie.uniform(0.22, 0.28),
            tie.uniform(0.4, 0.46),
            tie.uniform(0.58, 0.64),
            1.0,
        )
    return _Crossing(meet, palm, shoulders, keys, times, bob, on_top)


def _half_separation(plan: _Crossing, t: float) -> float:
    """Eased between the key separations: hands slow down as they meet, cross and part."""
    for k in range(len(plan.times) - 1):
        t0, t1 = plan.times[k], plan.times[k + 1]
        if t <= t1 or k == len(plan.times) - 2:
            u = float(np.clip((t - t0) / max(t1 - t0, 1e-6), 0.0, 1.0))
            ease = 0.5 - 0.5 * math.cos(math.pi * u)
            return plan.keys[k] + (plan.keys[k + 1] - plan.keys[k]) * ease
    return plan.keys[-1]


def _centres(plan: _Crossing, t: float) -> list[tuple[float, float]]:
    s = _half_separation(plan, t)
    amplitude, phase_left, phase_right, lift = plan.bob
    crossed = float(np.clip(-s / max(plan.palm * 0.3, 1.0), 0.0, 1.0))  # the upper hand rides higher
    centres = []
    for k, (sign, phase) in enumerate(((-1.0, phase_left), (1.0, phase_right))):
        up = lift * crossed * (1.0 if k == plan.on_top else -1.0)
        y = plan.meet[1] + amplitude * math.sin(2 * math.pi * t + phase) - up
        centres.append((plan.meet[0] + sign * s, y))
    return centres


def _placements(plan: _Crossing, t: float) -> list[_Placement]:
    placements = []
    for side, centre, shoulder in zip(SIDES, _centres(plan, t), plan.shoulders):
        to_shoulder = np.subtract(shoulder, centre)
        entry = to_shoulder / max(float(np.linalg.norm(to_shoulder)), 1e-6)
        placements.append(_Placement(side, centre, (float(entry[0]), float(entry[1])), plan.palm))
    return placements


def _trip_placements(plan: _Crossing, centres: Sequence[tuple[float, float]]) -> list[_Placement]:
    """Placements while a hand is out of the frame: each arm runs towards its shoulder (`arm_towards`)."""
    return [
        _Placement(side, centre, arm_towards(centre, shoulder, plan.palm), plan.palm)
        for side, centre, shoulder in zip(SIDES, centres, plan.shoulders)
    ]


def _motion_blur(layer: np.ndarray, alpha: np.ndarray, velocity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    length = int(round(EXPOSURE * float(np.linalg.norm(velocity))))
    if length < 3:
        return layer, alpha
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2] = 1.0 / length
    angle = -math.degrees(math.atan2(float(velocity[1]), float(velocity[0])))
    turn = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle, 1.0)
    kernel = np.asarray(cv2.warpAffine(kernel, turn, (length, length)), np.float32)
    kernel /= max(float(kernel.sum()), 1e-6)
    return cv2.filter2D(layer, -1, kernel), cv2.filter2D(alpha, -1, kernel)


def _frame(
    seed: int,
    index: int,
    background: np.ndarray,
    placements: Sequence[_Placement],
    velocities: Sequence[np.ndarray],
    cuts: Sequence[HandCutout],
    look: dict,
) -> tuple[np.ndarray, tuple[SceneHand, ...]]:
    """One frame: the lower hand first, then the upper one, then instruments, thread, light and noise.
    Each hand's own generator is seeded per video, so its cuff, sleeve and instrument stay the same."""
    height, width = background.shape[:2]
    size = (width, height)
    image = background.copy()
    truth: dict[str, SceneHand] = {}
    order = [1 - look["on_top"], look["on_top"]]
    for k in order:
        place, hand_rng = placements[k], np.random.default_rng([seed, 1, k])
        layer, alpha, hand = _compose_hand(hand_rng, cuts[k], place, look["glove"], look["sleeve"], size)
        shift = np.array([[1, 0, 0.02 * width], [0, 1, 0.03 * height]], np.float32)
        shadow = cv2.GaussianBlur(cv2.warpAffine(alpha, shift, size), (0, 0), 0.01 * width)
        image *= (1.0 - 0.3 * shadow)[..., None]
        layer, alpha = _motion_blur(layer, alpha, velocities[k])
        image = image * (1.0 - alpha[..., None]) + layer
        truth[place.side] = hand
    for k in order:
        place, tool_rng = placements[k], np.random.default_rng([seed, 2, k])
        offset, length = tool_rng.uniform(-0.8, 0.8), tool_rng.uniform(0.2, 0.3) * width
        if look["held"][k]:  # held across the hand, turning with it
            angle = math.atan2(-place.entry[1], -place.entry[0]) + offset
            start = np.array(place.centre) - 0.12 * width * np.array([math.cos(angle), math.sin(angle)])
            draw_instrument(tool_rng, image, start, angle, length)
    if look["thread"]:
        draw_thread(np.random.default_rng([seed, 3]), image, placements[0].centre)
    image *= look["light"][..., None]
    image += np.random.default_rng([seed, 4, index]).normal(0, 2.5, image.shape).astype(np.float32)
    hands = tuple(truth[side] for side in SIDES)
    return np.clip(image, 0, 255).astype(np.uint8), hands


def crossing_video(
    seed: int,
    n_frames: int = 48,
    glove: str = "indigo",
    drape: Optional[str] = None,
    size: tuple[int, int] = (960, 540),
    cutouts: Optional[Sequence[HandCutout]] = None,
    leaving: Optional[bool] = None,
) -> list[Scene]:
    """Frames (25 fps) of two gloved hands approaching, touching, crossing at the wrists and parting; in
    some (`leaving` None: drawn, True: always, False: never) one hand leaves the frame and comes back
    while the hands are apart, in frames added to those `n_frames` (`excursion_of` says how and when).
    `glove` None: bare hands."""
    cutouts = required_cutouts(cutouts)
    drape, background, plan, cuts, look, trip = _setup(seed, glove, drape, size, cutouts, leaving)
    step = 1.0 / max(n_frames - 1, 1)
    pause = n_frames if trip is None else trip_start(trip, n_frames)
    condition = CONDITION if trip is None else LEAVING_CONDITION
    frames: list[Scene] = []
    for i in range(n_frames + 1):
        if i == pause and trip is not None:
            frames += _trip_frames(seed, len(frames), trip, plan, background, cuts, look, glove, drape)
        if i == n_frames:
            break
        t = i * step
        now = np.array(_centres(plan, t))
        before = np.array(_centres(plan, max(t - step, 0.0)))
        image, hands = _frame(
            seed, len(frames), background, _placements(plan, t), list(now - before), cuts, look
        )
        frames.append(Scene(image, hands, glove, drape, condition, seed))
    return frames


def trip_start(trip: Excursion, n_frames: int) -> int:
    """The index of a video's first frame of its trip out of the frame: after the tie's frames before
    its moment (at the end of the tie: before its last frame, the hands parted)."""
    if trip.at <= 0.0:
        return 0
    step = 1.0 / max(n_frames - 1, 1)
    return next((i for i in range(n_frames) if i * step >= trip.at - 1e-9), n_frames - 1)


def excursion_of(
    seed: int,
    glove: str = "indigo",
    drape: Optional[str] = None,
    size: tuple[int, int] = (960, 540),
    cutouts: Optional[Sequence[HandCutout]] = None,
    leaving: Optional[bool] = None,
) -> Optional[Excursion]:
    """How a hand leaves the frame in `crossing_video` with the same arguments (None: it does not)."""
    return _setup(seed, glove, drape, size, required_cutouts(cutouts), leaving)[5]


def _setup(
    seed: int,
    glove: str,
    drape: Optional[str],
    size: tuple[int, int],
    cutouts: Sequence[HandCutout],
    leaving: Optional[bool],
) -> tuple[str, np.ndarray, _Crossing, tuple[HandCutout, HandCutout], dict, Optional[Excursion]]:
    """One video's drape, bench, choreography, hands, look and excursion, drawn from its seed."""
    rng = np.random.default_rng([seed, 0])
    drape = drape if drape is not None else str(rng.choice(list(DRAPES)))
    background = bench(rng, size, drape)
    plan = _choreography(rng, size, np.random.default_rng([seed, 5]))
    first = int(rng.integers(0, len(cutouts)))
    second = first if rng.random() < 0.5 else int(rng.integers(0, len(cutouts)))
    look = {
        "glove": GLOVE_COLORS[glove] if glove else None,
        "sleeve": SLEEVES[str(rng.choice(list(SLEEVES)))],
        "on_top": plan.on_top,
        "held": (rng.random() < 0.6, rng.random() < 0.6),
        "thread": rng.random() < 0.6,
        "light": light(rng, size, strong=rng.random() < 0.3),
    }
    trip = None
    if leaving is not False:  # its own streams, per colour: the videos it does not choose stay as they were
        colour = list(GLOVE_COLORS).index(glove) if glove else len(GLOVE_COLORS)
        at = drawn_moment(np.random.default_rng([seed, 7, colour]), plan.times[1], plan.keys[-1] > 0)
        trip_rng = np.random.default_rng([seed, 6, colour])
        trip = drawn_excursion(trip_rng, size, _centres(plan, at), plan.palm, 1.0 if leaving else SHARE)
        trip = None if trip is None else dataclasses.replace(trip, at=at)
    return drape, background, plan, (cutouts[first], cutouts[second]), look, trip


def _trip_frames(
    seed: int,
    first: int,
    trip: Excursion,
    plan: _Crossing,
    background: np.ndarray,
    cuts: tuple[HandCutout, HandCutout],
    look: dict,
    glove: str,
    drape: str,
) -> list[Scene]:
    """The frames, from the video's frame `first` on, in which one hand leaves the frame and comes back
    (`glove_scenes_leaving`); the staying hand holds an instrument in most (from then on)."""
    if trip.holds_forceps:
        look["held"] = tuple(held or k != trip.hand for k, held in enumerate(look["held"]))
    path = excursion_centres(trip, _centres(plan, trip.at))
    size = (background.shape[1], background.shape[0])
    frames = []
    for i, now in enumerate(path):
        velocities = list(np.subtract(now, path[max(i - 1, 0)]))
        image, hands = _frame(
            seed, first + i, background, _trip_placements(plan, now), velocities, cuts, look
        )
        frames.append(Scene(image, present(hands, size, plan.palm), glove, drape, LEAVING_CONDITION, seed))
    return frames

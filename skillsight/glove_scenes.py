"""Realistic top-down bench-suturing scenes with gloved hands at known places (tests and benchmarks).

The scene conditions come from the field notes of real bird's-eye footage of gloved bench suturing
(issue 10), written down before the tracker was tuned, and none is left out because a tracker finds it
hard:

- camera 40-70 cm above the pad looking down; the trainee sits at the bottom edge;
- a drape covers most of the frame: pale teal, green or blue, low saturation, with folds and shadows;
- a white pad or card in the centre with black pins at its corners and handwritten labels;
- a white table and paper at the edges of the frame;
- gloves: dark blue / indigo nitrile (saturated, strongly shaded, dark in the folds), purple, light blue,
  green, white latex and skin-tone latex (`GLOVE_COLORS`);
- each glove covers 5-30% of the frame and enters from the bottom or a side border, cuff and sleeve cut
  by the frame edge; a hand may be cut by the top border or leave the frame;
- instruments (needle driver with gold ring handles, forceps, scissors: shiny grey lines) are held in the
  hands and lie on the drape; they cross the gloves and cut a glove's blob in two;
- hands touch, cross and overlap while tying;
- thread is dark and thin;
- fast moves blur;
- light is uneven (a gradient over the bench, shadows of the hands).
Plus a bare-handed scene with white and blue objects (a magazine, gauze, a blue sponge) but no gloves.

Hands are real hands cut from the shared clips (`hand_cutouts`), scaled, turned so the forearm runs to
the entry border, continued by a cuff and a sleeve to beyond the frame edge, recoloured with their
shading kept (Lab lightness variations around the glove's own lightness) and composited. Two hands are
two cut-outs or one and its mirror image. Ground truth per hand: side (anatomical) and centre (mean of
the 21 landmarks after the composition), and whether it is visible (centre in the frame, most landmarks
inside). Everything is drawn with OpenCV from one seed, so a scene costs tens of milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from skillsight.bench_scenery import DRAPES, bare_bench, bench, draw_instrument, draw_thread, light
from skillsight.hand_cutouts import HandCutout, load_cutouts, required_cutouts

GLOVE_COLORS: dict[str, tuple[int, int, int]] = {  # RGB under room light
    "indigo": (48, 58, 138),
    "purple": (112, 78, 170),
    "light_blue": (118, 168, 218),
    "green": (62, 140, 98),
    "white": (232, 230, 222),
    "skin_latex": (226, 196, 160),
}
SKIN_TONES: dict[str, tuple[int, int, int]] = {  # RGB of bare skin under room light, light to dark
    "very_light": (240, 205, 185),
    "light": (225, 180, 150),
    "medium": (195, 140, 105),
    "tan": (160, 105, 70),
    "brown": (120, 75, 50),
    "dark": (85, 55, 40),
    "very_dark": (60, 40, 32),
}
SLEEVES: dict[str, tuple[int, int, int]] = {
    "navy_gown": (40, 52, 92),
    "ceil_scrubs": (112, 146, 178),
    "green_scrubs": (70, 120, 104),
    "white_coat": (226, 228, 230),
    "bare_arm": (0, 0, 0),  # skin: the cut-out's own colour
}
CONDITIONS = (
    "apart",  # two hands apart, from the bottom
    "side_entry",  # hands from the left and right borders
    "top_cut",  # a hand's fingers cut by the top border
    "leaving",  # one hand partly out of the frame
    "one_hand",
    "touching",  # hands touching while tying
    "crossing",  # the left hand right of the right hand, arms crossed
    "instrument_split",  # an instrument held across a glove cuts its blob in two
    "motion_blur",
    "uneven_light",
    "dark_sleeve",  # sleeves of the glove's hue, darker
    "no_hands",  # the bench with instruments, no hands
)
SIDES = ("left_hand", "right_hand")


@dataclass(frozen=True)
class SceneHand:
    side: str  # anatomical: left_hand or right_hand
    centre: tuple[float, float]  # mean of the 21 landmarks, scene pixels
    visible: bool
    landmarks: Optional[np.ndarray] = None  # (21, 2) scene pixels, as placed


@dataclass(frozen=True)
class Scene:
    image: np.ndarray  # RGB
    hands: tuple[SceneHand, ...]
    glove: Optional[str]  # None for bare hands
    drape: str
    condition: str
    seed: int

    @property
    def visible_hands(self) -> list[SceneHand]:
        return [h for h in self.hands if h.visible]


@dataclass(frozen=True)
class _Placement:
    side: str
    centre: tuple[float, float]  # wanted hand centre, scene pixels
    entry: tuple[float, float]  # unit vector from the wrist towards the border the arm comes from
    palm: float  # palm length, pixels


# --- hands ------------------------------------------------------------------------------------------


def _lab(rgb: tuple[int, int, int] | np.ndarray) -> np.ndarray:
    pixel = np.asarray(rgb, np.float32).reshape(1, 1, 3) / 255.0
    return np.asarray(cv2.cvtColor(pixel, cv2.COLOR_RGB2LAB)).reshape(3)


def _oriented(cut: HandCutout, side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Crop, mask and landmarks mirrored where needed so that, seen from above with the fingers up,
    a right hand has its thumb on the left (palm down)."""
    if cut.thumb_on_left() == (side == "right_hand"):
        return cut.rgb, cut.mask, cut.landmarks
    width = cut.rgb.shape[1]
    landmarks = cut.landmarks.copy()
    landmarks[:, 0] = width - 1 - landmarks[:, 0]
    return cut.rgb[:, ::-1].copy(), cut.mask[:, ::-1].copy(), landmarks


def _arm_polygon(
    wrist: np.ndarray, entry: np.ndarray, start: float, end: float, w0: float, w1: float
) -> np.ndarray:
    normal = np.array([-entry[1], entry[0]])
    a, b = wrist + entry * start, wrist + entry * end
    return np.array(
        [a + normal * w0 / 2, b + normal * w1 / 2, b - normal * w1 / 2, a - normal * w0 / 2], np.int32
    )


def _arm(
    rng: np.random.Generator,
    wrist: np.ndarray,
    entry: np.ndarray,
    palm: float,
    wrist_width: float,
    size: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cuff and sleeve masks from the wrist to beyond the frame edge, and the forearm's cylinder shading."""
    width, height = size
    cuff_end = palm * rng.uniform(0.5, 1.1)
    far = 2.0 * (width + height)
    cuff = np.zeros((height, width), np.uint8)
    sleeve = np.zeros((height, width), np.uint8)
    cv2.fillConvexPoly(
        cuff, _arm_polygon(wrist, entry, -0.25 * palm, cuff_end, wrist_width, 1.15 * wrist_width), (255,)
    )
    cv2.fillConvexPoly(
        sleeve, _arm_polygon(wrist, entry, cuff_end, far, 1.25 * wrist_width, 2.5 * wrist_width), (255,)
    )
    cuff[sleeve > 0] = 0
    # cylinder shading across the forearm: lighter along its middle, darker at the sides
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    normal = np.array([-entry[1], entry[0]], np.float32)
    across = ((xx - wrist[0]) * normal[0] + (yy - wrist[1]) * normal[1]) / (0.8 * wrist_width)
    cylinder = -28.0 * np.clip(across, -1.5, 1.5) ** 2 + 8.0 * np.clip(across, -1, 1) * rng.choice([-1, 1])
    return cuff, sleeve, cylinder


def _compose_hand(
    rng: np.random.Generator,
    cut: HandCutout,
    place: _Placement,
    glove_rgb: Optional[tuple[int, int, int]],
    sleeve_rgb: tuple[int, int, int],
    size: tuple[int, int],
    skin_rgb: Optional[tuple[int, int, int]] = None,
) -> tuple[np.ndarray, np.ndarray, SceneHand]:
    """One hand with cuff and sleeve as a premultiplied float RGB layer and its alpha, plus truth."""
    width, height = size
    rgb, mask, landmarks = _oriented(cut, place.side)
    up = landmarks[9] - landmarks[0]
    fingers = -np.asarray(place.entry)
    angle = math.atan2(fingers[1], fingers[0]) - math.atan2(up[1], up[0])
    scale = place.palm / cut.palm_length
    rotation = scale * np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    centre_src = landmarks.mean(axis=0)
    matrix = np.hstack([rotation, (np.array(place.centre) - rotation @ centre_src)[:, None]]).astype(
        np.float32
    )
    hand_rgb = cv2.warpAffine(rgb, matrix, size, flags=cv2.INTER_LINEAR).astype(np.float32) / 255.0
    hand_alpha = cv2.warpAffine(mask, matrix, size, flags=cv2.INTER_LINEAR).astype(np.float32) / 255.0
    points = landmarks @ rotation.T + matrix[:, 2]
    wrist, entry = points[0], np.asarray(place.entry, np.float64)
    wrist_width = scale * cut.palm_width * rng.uniform(0.9, 1.1)
    cuff, sleeve, cylinder = _arm(rng, wrist, entry, place.palm, wrist_width, size)
    hand_lab = cv2.cvtColor(hand_rgb, cv2.COLOR_RGB2LAB)
    inside = hand_alpha > 0.5
    skin_lab = np.median(hand_lab[inside], axis=0) if inside.any() else _lab((200, 160, 140))
    hand_shading = hand_lab[..., 0] - skin_lab[0]
    out_lab = np.zeros_like(hand_lab)
    sleeve_lab = skin_lab if sleeve_rgb == SLEEVES["bare_arm"] else _lab(sleeve_rgb)
    _paint(out_lab, sleeve > 0, sleeve_lab, 0.7 * cylinder)
    if glove_rgb is not None:
        glove = _lab(glove_rgb) + rng.uniform(-4, 4, 3).astype(np.float32)
        gain = 0.6 if glove[0] > 85 else (1.25 if glove[0] < 40 else 1.0)  # dark nitrile: deep folds
        _paint(out_lab, cuff > 0, glove, gain * cylinder)
        _paint(out_lab, inside, glove, gain * hand_shading)
    elif skin_rgb is not None:  # bare, recoloured to another skin tone with its shading kept
        tone = _lab(skin_rgb)
        _paint(out_lab, cuff > 0, tone, cylinder)
        _paint(out_lab, inside, tone, hand_shading)
        if sleeve_rgb == SLEEVES["bare_arm"]:
            _paint(out_lab, sleeve > 0, tone, 0.7 * cylinder)
    else:
        _paint(out_lab, cuff > 0, skin_lab, cylinder)
        out_lab[inside] = hand_lab[inside]
    out_rgb = np.clip(cv2.cvtColor(out_lab, cv2.COLOR_LAB2RGB), 0, 1) * 255.0
    arm_alpha = cv2.GaussianBlur(((cuff > 0) | (sleeve > 0)).astype(np.float32), (3, 3), 0)
    alpha = np.maximum(hand_alpha, arm_alpha)
    centre = (float(points[:, 0].mean()), float(points[:, 1].mean()))
    in_frame = (points[:, 0] >= 0) & (points[:, 0] < width) & (points[:, 1] >= 0) & (points[:, 1] < height)
    visible = bool(0 <= centre[0] < width and 0 <= centre[1] < height and in_frame.mean() >= 0.6)
    return out_rgb * alpha[..., None], alpha, SceneHand(place.side, centre, visible, points)


def _paint(out_lab: np.ndarray, where: np.ndarray, colour: np.ndarray, shading: np.ndarray) -> None:
    chroma_gain = np.clip(1.0 - np.abs(shading[where]) / 120.0, 0.6, 1.0)
    out_lab[where, 0] = np.clip(colour[0] + shading[where], 2, 100)
    out_lab[where, 1] = colour[1] * chroma_gain
    out_lab[where, 2] = colour[2] * chroma_gain


# --- placements ---------------------------------------------------------------------------------------


def _entry(rng: np.random.Generator, low_deg: float, high_deg: float) -> tuple[float, float]:
    angle = math.radians(rng.uniform(low_deg, high_deg))
    return math.cos(angle), math.sin(angle)  # image coordinates: 90 degrees points down


def _placements(rng: np.random.Generator, condition: str, size: tuple[int, int]) -> list[_Placement]:
    width, height = size
    palm = height * rng.uniform(0.13, 0.21)

    def at(side: str, x: float, y: float, entry: tuple[float, float]) -> _Placement:
        return _Placement(side, (x * width, y * height), entry, palm * rng.uniform(0.92, 1.08))

    def left(x: tuple[float, float] = (0.2, 0.42), y: tuple[float, float] = (0.3, 0.7)) -> _Placement:
        return at("left_hand", rng.uniform(*x), rng.uniform(*y), _entry(rng, 92, 135))

    def right(x: tuple[float, float] = (0.58, 0.8), y: tuple[float, float] = (0.3, 0.7)) -> _Placement:
        return at("right_hand", rng.uniform(*x), rng.uniform(*y), _entry(rng, 45, 88))

    if condition == "no_hands":
        return []
    if condition == "one_hand":
        return [left() if rng.random() < 0.5 else right()]
    if condition == "side_entry":
        return [
            at("left_hand", rng.uniform(0.18, 0.38), rng.uniform(0.3, 0.7), _entry(rng, 160, 200)),
            at("right_hand", rng.uniform(0.62, 0.82), rng.uniform(0.3, 0.7), _entry(rng, -20, 20)),
        ]
    if condition == "top_cut":
        hands = [left(), right()]
        k = int(rng.integers(0, 2))
        hands[k] = _Placement(
            hands[k].side,
            (hands[k].centre[0], rng.uniform(0.03, 0.1) * height),
            hands[k].entry,
            hands[k].palm,
        )
        return hands
    if condition == "leaving":
        if rng.random() < 0.5:
            return [left(x=(0.0, 0.07)), right()]
        return [left(), right(x=(0.93, 1.0))]
    if condition in ("touching", "crossing"):
        gap = palm * (rng.uniform(0.95, 1.25) if condition == "touching" else rng.uniform(0.7, 1.3))
        x, y = rng.uniform(0.4, 0.6) * width, rng.uniform(0.35, 0.6) * height
        sign = 1.0 if condition == "touching" else -1.0
        return [
            _Placement("left_hand", (x - sign * gap / 2, y), _entry(rng, 100, 140), palm),
            _Placement("right_hand", (x + sign * gap / 2, y), _entry(rng, 40, 80), palm),
        ]
    return [left(), right()]


# --- scenes -------------------------------------------------------------------------------------------


def compose(
    rng: np.random.Generator,
    background: np.ndarray,
    placements: Sequence[_Placement],
    cutouts: Sequence[HandCutout],
    glove: Optional[str],
    sleeve: str,
    condition: str,
    skin_rgb: Optional[tuple[int, int, int]] = None,
) -> tuple[np.ndarray, tuple[SceneHand, ...]]:
    """Hands (with their shadows, held instruments and thread) over a bench background."""
    height, width = background.shape[:2]
    size = (width, height)
    image = background.copy()
    glove_rgb = GLOVE_COLORS[glove] if glove else None
    if condition == "dark_sleeve" and glove_rgb is not None:
        sleeve_rgb = tuple(int(0.55 * c) for c in glove_rgb)
    else:
        sleeve_rgb = SLEEVES[sleeve]
    truth = []
    first = int(rng.integers(0, len(cutouts)))
    mirror_pair = rng.random() < 0.5  # two hands: one cut-out and its mirror image, or two cut-outs
    for k, place in enumerate(placements):
        cut = cutouts[first if mirror_pair or k == 0 else int(rng.integers(0, len(cutouts)))]
        layer, alpha, hand = _compose_hand(rng, cut, place, glove_rgb, sleeve_rgb, size, skin_rgb)  # type: ignore[arg-type]
        shift = np.array([[1, 0, 0.02 * width], [0, 1, 0.03 * height]], np.float32)
        shadow = cv2.GaussianBlur(cv2.warpAffine(alpha, shift, size), (0, 0), 0.01 * width)
        image *= (1.0 - 0.3 * shadow)[..., None]
        if condition == "motion_blur":
            layer, alpha = _blur(rng, layer, alpha)
        image = image * (1.0 - alpha[..., None]) + layer
        truth.append(hand)
    for hand in truth:
        if condition == "instrument_split" or rng.random() < 0.5:  # held: crosses the glove
            angle = rng.uniform(0, 2 * math.pi)
            start = np.array(hand.centre) - 0.12 * width * np.array([math.cos(angle), math.sin(angle)])
            draw_instrument(rng, image, start, angle, rng.uniform(0.2, 0.3) * width)
        if rng.random() < 0.5:
            draw_thread(rng, image, hand.centre)
    image *= light(rng, size, strong=condition == "uneven_light")[..., None]
    image += rng.normal(0, 2.5, image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8), tuple(truth)


def _blur(rng: np.random.Generator, layer: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    length = max(3, int(rng.uniform(0.012, 0.03) * layer.shape[1]))
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2] = 1.0 / length
    turn = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1.0)
    kernel = np.asarray(cv2.warpAffine(kernel, turn, (length, length)), np.float32)
    kernel /= max(float(kernel.sum()), 1e-6)
    return cv2.filter2D(layer, -1, kernel), cv2.filter2D(alpha, -1, kernel)


def make_scene(
    seed: int,
    glove: Optional[str] = "indigo",
    drape: str = "teal",
    condition: str = "apart",
    size: tuple[int, int] = (960, 540),
    cutouts: Optional[Sequence[HandCutout]] = None,
) -> Scene:
    """One still; `glove` None makes bare hands."""
    if condition not in CONDITIONS:
        raise ValueError(f"condition must be one of {', '.join(CONDITIONS)}, not {condition!r}")
    cutouts = required_cutouts(cutouts)
    rng = np.random.default_rng(seed)
    background = bench(rng, size, drape)
    sleeve = str(rng.choice([s for s in SLEEVES if glove or s != "white_coat"]))
    placements = _placements(rng, condition, size)
    image, hands = compose(rng, background, placements, cutouts, glove, sleeve, condition)
    return Scene(image, hands, glove, drape, condition, seed)


def scene_set(
    size: tuple[int, int] = (960, 540),
    seed: int = 0,
    repeats: int = 1,
    cutouts: Optional[Sequence[HandCutout]] = None,
    gloves: Optional[Sequence[str]] = None,
) -> Iterator[Scene]:
    """Every glove colour x drape x condition (`repeats` times with other seeds); `gloves` keeps some
    colours, each scene keeping the seed it has in the whole set."""
    k = seed
    for _ in range(repeats):
        for glove in GLOVE_COLORS:
            for drape in DRAPES:
                for condition in CONDITIONS:
                    k += 1
                    if gloves is None or glove in gloves:
                        yield make_scene(k, glove, drape, condition, size, cutouts)


def bare_hand_scene(
    seed: int,
    size: tuple[int, int] = (960, 540),
    cutouts: Optional[Sequence[HandCutout]] = None,
    skin: Optional[str] = None,
) -> Scene:
    """Bare hands on a bench with white and blue objects (a magazine, gauze, a blue sponge, a cap);
    `skin` (a SKIN_TONES name) recolours the real hands to that tone, shading kept."""
    cutouts = cutouts if cutouts is not None else load_cutouts()
    rng = np.random.default_rng(seed)
    background = bare_bench(rng, size)
    sleeve = str(rng.choice(["navy_gown", "ceil_scrubs", "green_scrubs", "bare_arm"]))
    placements = _placements(rng, "apart", size)
    skin_rgb = SKIN_TONES[skin] if skin else None
    image, hands = compose(rng, background, placements, cutouts, None, sleeve, "apart", skin_rgb)
    return Scene(image, hands, None, "bench", "bare_hands", seed)


def scene_video(
    seed: int,
    n_frames: int = 50,
    glove: Optional[str] = "indigo",
    drape: str = "teal",
    size: tuple[int, int] = (960, 540),
    fps: float = 25.0,
    cutouts: Optional[Sequence[HandCutout]] = None,
) -> list[Scene]:
    """Frames of one bench with two hands moving smoothly (tying, reaching), for video mode; `glove`
    None: bare hands on a bench with still white and blue objects."""
    cutouts = cutouts if cutouts is not None else load_cutouts()
    rng = np.random.default_rng(seed)
    background = bench(rng, size, drape) if glove else bare_bench(rng, size)
    base = _placements(rng, "apart", size)
    sleeve = str(rng.choice([s for s in SLEEVES if glove or s != "white_coat"]))
    phases = rng.uniform(0, 2 * math.pi, (len(base), 2))
    frames = []
    for i in range(n_frames):
        t = i / fps
        moved = [
            _Placement(
                p.side,
                (
                    p.centre[0] + 0.08 * size[0] * math.sin(1.3 * t + ph[0]),
                    p.centre[1] + 0.06 * size[1] * math.sin(1.7 * t + ph[1]),
                ),
                p.entry,
                p.palm,
            )
            for p, ph in zip(base, phases)
        ]
        frame_rng = np.random.default_rng([seed, i])
        image, hands = compose(
            frame_rng, background, moved, cutouts[:1] if cutouts else cutouts, glove, sleeve, "apart"
        )
        frames.append(Scene(image, hands, glove, drape, "video", seed))
    return frames

"""Glove-colour masks of one frame at a reduced working size.

Three families of glove colour, each a mask of its own:
- "colored": nitrile and vinyl gloves (blue, indigo, light blue, purple, green): saturated pixels of any
  hue outside skin's. A drape of a similar hue is pale (low saturation, covering much of the frame): where
  such a large low-saturation cluster is found, pixels of its hue need a saturation clearly above it.
- "skin": skin-tone latex (and bare skin, which auto tells apart with MediaPipe).
- "white": white latex: light, near-neutral pixels that are shaded (a glove's folds, knuckles and the
  curve of the hand vary its lightness, where paper, a pad or the table are flat: colour alone cannot
  tell a white glove from a white pad, its shading can). In video the bench is learnt over time instead:
  white pixels that differ from it by more than the recording's noise moved, shaded or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

WORKING_LONG_SIDE = 384  # segmenting at about 384x216 keeps 1080p tracking above 100 fps
FAMILIES = ("colored", "skin", "white")
SKIN_HUE_HIGH = 24  # OpenCV hue 0-179: skin and skin-tone latex lie at hue < 24 or > 168
SKIN_HUE_WRAP = 168
# nitrile and vinyl gloves are green to blue to purple; yellow, orange and gold (hue 24-35) are a needle
# driver's ring handles, tape and wood on a bench, never a glove
GLOVE_HUE_LOW = 36
MIN_SATURATION = 55  # a coloured glove is at least this saturated even in its highlights
MIN_VALUE = 28  # below this, hue and saturation are noise (dark folds of indigo nitrile stay above)
DRAPE_MAX_SATURATION = 100  # a drape is pale
DRAPE_MIN_SHARE = 0.15  # of the frame, for a pale cluster of one hue to count as the drape
DRAPE_HUE_HALF_WIDTH = 12
DRAPE_MARGIN = 10  # saturation a glove of the drape's hue needs above the drape's own
WHITE_MAX_CHROMA = 12  # Lab a, b distance from neutral
WHITE_MAX_REDNESS = 4  # Lab a above neutral: pale skin is pinker than white latex
WHITE_MIN_LIGHTNESS = 170
DRAPE_TINT_SHARE = 0.3  # of the drape's own chroma, towards its hue: a washed-out drape, not white
DRAPE_TINT_FLOOR = WHITE_MAX_CHROMA / 2  # Lab units: the tint of a white glove lying on a pale drape
SKIN_MIN_SATURATION = 45
# Skin of every tone, from very light to very dark, lies in one narrow band of Lab hue (orange-red, a and b
# both positive) at a chroma that falls with lightness but stays well above a webcam's chroma noise (very
# dark skin in shadow about 8 Lab units): chroma and hue decide, not a lightness floor (a floor of V 90
# dropped the darker half of human skin tones). Below SKIN_MIN_LIGHTNESS the 8-bit a, b are noise.
SKIN_MIN_CHROMA = 6
SKIN_MIN_LIGHTNESS = 20  # OpenCV Lab L (0-255)
# a pixel this far short of the saturation and redness floors (about two steps of a webcam's chroma
# noise at working size) still counts where this share of its connected region clears them
SKIN_REGION_MARGIN_S = 20
SKIN_REGION_MARGIN_A = 2
SKIN_REGION_SHARE = 0.3
# skin and latex are never as colourful as gold instrument rings (Lab chroma ~55) or wood stain; an HSV
# saturation cap (150) cut dark skin, whose HSV saturation is high at a modest chroma (tan: 143 at 34)
SKIN_MAX_CHROMA = 45
# ... and their chroma stays under this share of their lightness (Lab saturation, 8-bit L): bare hands on
# the shared real clips 0.06-0.26 (quartiles), the 7 generated tones 0.06-0.33, where the dark wooden table
# of typing_two_hands, the same hue as dark skin, lies at 0.26-0.56
SKIN_MAX_LAB_SATURATION = 0.35
WHITE_OPENING = 0.018  # of the long side (7 px at 384): about a gloved finger's width
TEXTURE_WINDOW = 5  # working pixels: local lightness spread
TEXTURE_NOISE_GAIN = 3.0  # a shaded pixel varies this many times the frame's flattest regions
TEXTURE_MIN_SPREAD = 2.0  # Lab L units, a floor where the frame is very clean
TEXTURE_DENSITY = 0.3  # share of shaded pixels around a pixel of a glove (a palm has smooth parts)
# in video, what a pixel shows of the still background (calibration.still_pixels): the background itself,
# or something that moved over it (0: the background is not known there)
BENCH_STILL = 1
BENCH_MOVED = 2


@dataclass(frozen=True)
class DrapeModel:
    """The pale background cluster: its hue and the saturation under which its pixels lie."""

    hue: int
    saturation_high: int

    def as_dict(self) -> dict[str, int]:
        return {"hue": self.hue, "saturation_high": self.saturation_high}


@dataclass
class WorkingImage:
    """One frame at working size in the colour spaces the masks use."""

    rgb: np.ndarray
    hsv: np.ndarray
    lab: np.ndarray
    scale: tuple[float, float]  # original pixels per working pixel, x and y

    @classmethod
    def of(cls, image_rgb: np.ndarray, long_side: int = WORKING_LONG_SIDE) -> WorkingImage:
        height, width = image_rgb.shape[:2]
        factor = min(1.0, long_side / float(max(width, height)))
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        image = np.ascontiguousarray(image_rgb)
        if factor < 0.5:
            # a bilinear step to twice the size, then an area step: nearly the anti-aliasing of one
            # area resize at under half its cost on 1080p frames
            double = (2 * size[0], 2 * size[1])
            halfway = cv2.resize(image, double, interpolation=cv2.INTER_LINEAR)
            image = cv2.resize(halfway, size, interpolation=cv2.INTER_AREA)
        elif factor < 1.0:
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)
        lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB)
        return cls(image, hsv, lab, (width / size[0], height / size[1]))

    @property
    def size(self) -> tuple[int, int]:
        return self.rgb.shape[1], self.rgb.shape[0]


def find_drape(hsv: np.ndarray) -> Optional[DrapeModel]:
    """The drape: the largest pale cluster of one hue outside skin's, where it covers enough of the frame."""
    hue, saturation, value = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    pale = (saturation <= DRAPE_MAX_SATURATION) & (saturation >= 12) & (value >= 80)
    pale &= (hue >= SKIN_HUE_HIGH) & (hue <= SKIN_HUE_WRAP)
    counts = np.bincount(hue[pale].ravel() // 4, minlength=45).astype(np.float64)
    counts = np.convolve(counts, np.ones(3), mode="same")  # a cluster spreads over neighbouring bins
    peak = int(np.argmax(counts))
    if counts[peak] < DRAPE_MIN_SHARE * hue.size:
        return None
    centre = peak * 4 + 2
    near = pale & (np.abs(hue.astype(np.int16) - centre) <= DRAPE_HUE_HALF_WIDTH)
    if not near.any():
        return None
    # the drape proper: its brighter half (shadows, folds and a glove's blurred edge lie in the darker)
    values = value[near]
    lit = near & (value >= np.median(values))
    return DrapeModel(centre, int(np.percentile(saturation[lit], 99)))


def colored_mask(
    hsv: np.ndarray, drape: Optional[DrapeModel], min_saturation: int = MIN_SATURATION
) -> np.ndarray:
    """Saturated non-skin pixels, with a drape-dependent saturation floor near the drape's hue."""
    hue, saturation, value = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    floor = np.full(hue.shape, min_saturation, np.uint8)
    if drape is not None:
        near = np.abs(hue.astype(np.int16) - drape.hue) <= DRAPE_HUE_HALF_WIDTH + 4
        floor[near] = max(min_saturation, min(230, drape.saturation_high + DRAPE_MARGIN))
    tinted = (value >= MIN_VALUE) & (hue >= GLOVE_HUE_LOW) & (hue <= SKIN_HUE_WRAP)
    strong = (saturation >= floor) & tinted
    if drape is None or not strong.any():
        return strong.astype(np.uint8) * 255
    # hysteresis: a glove's paler or shaded rim, in the drape's saturation range, is kept where it
    # touches the glove (the drape's own pixels do not touch one except along the glove's edge)
    weak = tinted & (saturation >= max(min_saturation, int(floor.max()) - DRAPE_MARGIN - 20))
    grown = cv2.dilate(strong.astype(np.uint8), np.ones((3, 3), np.uint8), iterations=2) > 0
    return (strong | (weak & grown)).astype(np.uint8) * 255


def skin_mask(hsv: np.ndarray, lab: np.ndarray) -> np.ndarray:
    """Skin-coloured pixels, decided per region: pale latex lies near the saturation and redness floors,
    where noise flips single pixels in and out (a speckled glove falls apart into specks). Pixels a
    little short of the floors are kept in the regions where enough pixels clear them."""
    saturation = hsv[..., 1]
    redness = lab[..., 1]
    candidate = skin_chroma(hsv, lab, max_chroma=SKIN_MAX_CHROMA)
    # Lab a: skin is a little red; beige paper and wood are yellower
    strong = candidate & (redness > 129) & (saturation >= SKIN_MIN_SATURATION)
    weak = candidate & (redness > 129 - SKIN_REGION_MARGIN_A)
    weak &= saturation >= SKIN_MIN_SATURATION - SKIN_REGION_MARGIN_S
    n, labels = cv2.connectedComponents(weak.astype(np.uint8), connectivity=8)
    if n <= 1:
        return strong.astype(np.uint8) * 255
    total = np.bincount(labels.ravel(), minlength=n)
    cleared = np.bincount(labels.ravel(), weights=strong.ravel().astype(np.float64), minlength=n)
    kept = cleared >= SKIN_REGION_SHARE * total
    kept[0] = False
    return (kept[labels] | strong).astype(np.uint8) * 255


def skin_chroma(hsv: np.ndarray, lab: np.ndarray, max_chroma: Optional[float] = None) -> np.ndarray:
    """Pixels of skin's hue with chroma above the noise (and at most `max_chroma`), at any lightness
    dark skin reaches."""
    hue = hsv[..., 0]
    a = lab[..., 1].astype(np.int16) - 128
    b = lab[..., 2].astype(np.int16) - 128
    chroma2 = a * a + b * b
    skin = (hue < SKIN_HUE_HIGH) | (hue > SKIN_HUE_WRAP)
    skin &= (chroma2 >= SKIN_MIN_CHROMA**2) & (lab[..., 0] >= SKIN_MIN_LIGHTNESS)
    if max_chroma is not None:
        lightness = lab[..., 0].astype(np.float32)
        skin &= (chroma2 <= max_chroma**2) & (chroma2 <= (SKIN_MAX_LAB_SATURATION * lightness) ** 2)
    return np.asarray(skin)


def shaded(lab: np.ndarray, within: np.ndarray) -> np.ndarray:
    """Where lightness varies as on a glove (folds, knuckles, the curve of a hand) rather than lying flat
    as on paper: the local spread of L among the `within` pixels only, their rim left out (a pad's edge
    against the drape, its pins and writing do not count), against the frame's own noise (the spread
    in its flattest tenth), as a density so that a glove's smoother parts between folds are kept."""
    core = cv2.erode((within > 0).astype(np.uint8), np.ones((3, 3), np.uint8))
    weight = core.astype(np.float32)
    lightness = lab[..., 0].astype(np.float32)
    window = (TEXTURE_WINDOW, TEXTURE_WINDOW)
    count = np.maximum(cv2.blur(weight, window), 1e-3)
    mean = cv2.blur(lightness * weight, window) / count
    square = cv2.blur(lightness * lightness * weight, window) / count
    spread = np.sqrt(np.maximum(square - mean * mean, 0.0))
    coarse = lightness[::2, ::2]  # the frame's noise, from every pixel
    coarse_mean = cv2.blur(coarse, window)
    frame_spread = np.sqrt(np.maximum(cv2.blur(coarse * coarse, window) - coarse_mean**2, 0.0))
    noise = float(np.percentile(frame_spread, 10))
    varied = (spread > max(TEXTURE_MIN_SPREAD, TEXTURE_NOISE_GAIN * noise)) & (core > 0)
    return np.asarray(cv2.blur(varied.astype(np.float32), (9, 9)) >= TEXTURE_DENSITY)


def white_mask(lab: np.ndarray, min_lightness: int = WHITE_MIN_LIGHTNESS) -> np.ndarray:
    a = lab[..., 1].astype(np.int16) - 128
    b = lab[..., 2].astype(np.int16) - 128
    neutral = (
        (a * a + b * b <= WHITE_MAX_CHROMA**2) & (a <= WHITE_MAX_REDNESS) & (lab[..., 0] >= min_lightness)
    )
    return neutral.astype(np.uint8) * 255


def drape_tinted(lab: np.ndarray, drape: DrapeModel) -> np.ndarray:
    """Near-neutral pixels tinted towards the drape's hue: a pale drape washed out by bright light is light
    and almost neutral, yet it keeps its hue, where a white glove under the same light is as neutral as
    the pad. A pixel is the drape's when its Lab chroma towards the drape's reaches DRAPE_TINT_SHARE of
    the drape's own chroma (from its hue and saturation, so each drape sets its own limit)."""
    colour = np.array([[[drape.hue, drape.saturation_high, 255]]], np.uint8)
    reference = np.asarray(cv2.cvtColor(cv2.cvtColor(colour, cv2.COLOR_HSV2RGB), cv2.COLOR_RGB2LAB))[0, 0]
    direction = reference[1:].astype(np.float32) - 128.0
    chroma = float(np.linalg.norm(direction))
    if chroma < 1.0:
        return np.zeros(lab.shape[:2], bool)
    direction /= chroma
    towards = (lab[..., 1].astype(np.float32) - 128.0) * direction[0]
    towards += (lab[..., 2].astype(np.float32) - 128.0) * direction[1]
    # never under the tint light reflected from a drape gives a white glove beside it
    return np.asarray(towards >= max(DRAPE_TINT_SHARE * chroma, DRAPE_TINT_FLOOR))


def clean(mask: np.ndarray, close_px: int = 5) -> np.ndarray:
    """Opening drops specks; closing bridges thin instruments, thread and creases across a glove."""
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (2, 2)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (close_px, close_px))
    return np.asarray(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel))


def family_mask(
    family: str,
    image: WorkingImage,
    drape: Optional[DrapeModel],
    static_background: Optional[np.ndarray] = None,
) -> np.ndarray:
    """The cleaned mask of one glove family; `static_background` (video: BENCH_STILL, BENCH_MOVED or 0 per
    pixel) removes the still background and keeps white that moved over it without shading."""
    if family == "colored":
        mask = colored_mask(image.hsv, drape)
    elif family == "skin":
        mask = skin_mask(image.hsv, image.lab)
    elif family == "white":
        mask = white_mask(image.lab)
        if drape is not None:
            mask[drape_tinted(image.lab, drape)] = 0
        # in video, white that moved over the known background (a white glove over the pad differs from it by
        # its shading only, too faint and too smooth in places to pass as texture); elsewhere, shading
        needs_shading = np.ones(mask.shape, bool)
        if static_background is not None and static_background.shape == mask.shape:
            needs_shading = static_background != BENCH_MOVED
        mask[needs_shading & ~shaded(image.lab, mask)] = 0
        # shiny instruments are shaded too, but thinner than a palm: an opening about a finger wide drops
        # them (and thin white lines), and keeps a glove's palm
        size = max(5, round(WHITE_OPENING * max(mask.shape))) | 1
        mask = cv2.morphologyEx(
            mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
        )
    else:
        raise ValueError(f"unknown glove family {family!r}; choose from {', '.join(FAMILIES)}")
    if static_background is not None and static_background.shape == mask.shape:
        mask[static_background == BENCH_STILL] = 0
    return clean(mask)


def skin_coloured(image_rgb: np.ndarray) -> np.ndarray:
    """Boolean mask of skin-coloured pixels of an RGB image (any size): skin hue, a little red, at
    least faintly saturated; looser than the skin family (pale and shaded skin pass)."""
    hsv = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2HSV)
    lab = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2LAB)
    return np.asarray(skin_chroma(hsv, lab) & (hsv[..., 1] >= 20) & (lab[..., 1] > 130))


def glove_coloured(image_rgb: np.ndarray) -> np.ndarray:
    """Boolean mask of pixels of a glove's colour (any size): saturated outside skin's hues, or white."""
    hsv = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2HSV)
    hue, saturation, value = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    coloured = (saturation >= MIN_SATURATION) & (value >= MIN_VALUE)
    coloured &= (hue >= SKIN_HUE_HIGH) & (hue <= SKIN_HUE_WRAP)
    return np.asarray(coloured | (white_mask(cv2.cvtColor(image_rgb, cv2.COLOR_RGB2LAB)) > 0))

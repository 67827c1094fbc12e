"""Gloved-hand tracker: colour segmentation of nitrile or latex gloves, calibrated per video.

MediaPipe finds no hands on bird's-eye views of gloved bench suturing, so this tracker segments the
gloves instead.

prepare() calibrates the glove colour from the sample frames. Blue, purple and green are hue bands (HSV)
swept over saturation thresholds; white latex is a separate mode (light, near-neutral Lab chroma) that
ignores large static white regions of the samples (a pad, a table). A threshold counts only where the
samples show one or two hand-sized blobs that stand out from their surroundings and where one step looser
barely grows the mask (a colour of its own, not the tail of a pale-blue wall's colour); blobs that always
run into the image border are sleeves or arms. The best colour leads; other colours seen in a few samples
are kept as per-frame fallbacks (an image folder may hold stills of different videos). The outcome,
`gloves_present` and the colour model, is in provenance()["calibration"].

process() segments each frame at about 480 px on its long side, groups small pieces with the glove they
belong to, cuts a darker same-hue sleeve off a glove that runs into the border, keeps up to two blobs
(splitting one merged blob about twice a single hand's area when both hands were just seen apart) and
reports per hand its centroid (holes filled), its leading point "tip" (the outline point farthest from
where the arm enters: the blob's contact with the border, else the trainee's edge of the frame), its area
(extras "<hand>.glove_area_px", original pixels) and a confidence (colour match and shape, 0-1). z is 0:
a colour blob has no depth. Identity is anatomical, from image side and camera view, and kept across
frames by matching each hand to its predicted position (hands that cross keep their names).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Optional

import cv2
import numpy as np
from skillsight.capture.frames import Frame
from skillsight.pose.keypoints import GLOVE_KEYPOINTS
from skillsight.pose.keypoints import HAND_INDIVIDUALS as HAND_NAMES
from skillsight.pose.trackers.base import CAMERA_VIEWS, DEFAULT_CAMERA_VIEW, FrameObservation

GLOVE_TRACKER_VERSION = "1.0"
GLOVE_COLORS = ("blue", "purple", "green", "white")

# OpenCV hue (0-179) bands of the coloured glove families; skin (hue < 25 or > 165) lies outside all.
HUE_FAMILIES: dict[str, tuple[int, int]] = {"green": (35, 88), "blue": (88, 127), "purple": (125, 165)}
SATURATION_STEPS = tuple(range(40, 171, 10))  # the first is only the looser reference
# White latex: near-neutral chroma in Lab (pale skin is pinker, a pale-blue wall bluer) and light.
WHITE_MAX_CHROMA = 10
WHITE_LIGHTNESS_STEPS = tuple(range(140, 241, 10))  # OpenCV 8-bit L; loosest first, like saturation
MIN_VALUE = 35  # shaded glove parts are dark; below this hue and saturation are noise

WORKING_LONG_SIDE = 480
MIN_HAND_AREA_FRACTION = 0.002  # of the frame
MAX_HAND_AREA_FRACTION = 0.35
MAX_MASK_FRACTION = 0.5  # a "glove colour" covering half the frame is background
MIN_CONTRAST_COLORED = 18.0  # Lab distance between a blob and the ring around it
MIN_CONTRAST_WHITE = 22.0
STATIC_WHITE_MIN_FRACTION = 0.12  # a static white region larger than this is a pad or table, not a glove
BACKGROUND_MATCH_LAB = 20  # summed absolute Lab difference under which a white pixel shows that background
MIN_GLOVED_SAMPLE_SHARE = 0.3
MIN_FAMILY_SAMPLES = 2  # sample frames a colour must show gloves in to be kept at all
MIN_INSIDE_FRAME_SHARE = 0.3  # of glove blobs in the samples that do not touch the image border
MAX_STABLE_GROWTH = 1.5  # mask growth for one step looser threshold that still counts as stable
MERGED_AREA_RATIO = 1.6  # one blob at least this many single-hand areas holds both hands
SLEEVE_VALUE_GAP = 50  # HSV value between a glove and a darker same-hue sleeve
FRAGMENT_AREA_RATIO = 0.6  # a blob under this share of a neighbour's area may be a piece of it
FRAGMENT_GAP = 0.25  # ... when the gap between them is under this share of the neighbour's size
MIN_REPORTED_CONFIDENCE = 0.25  # fainter blobs (a highlight on bare skin) are not hands
MAX_TRACK_GAP_S = 0.5  # longer gaps (stills of an image folder at 1 fps) forget earlier positions
MATCH_GATE_FRACTION = 0.25  # of the frame diagonal

# Which image edge the trainee's arms come from when a glove does not touch the border.
ENTRY_EDGE = {"top": "bottom", "front": "bottom", "side": "bottom"}
# Whether the image left is the trainee's left hand (a camera facing the trainee mirrors it).
IMAGE_LEFT_IS_LEFT_HAND = {"top": True, "front": False, "side": True}


@dataclass(frozen=True)
class GloveColorModel:
    """Bounds of one glove colour: HSV for coloured gloves (OpenCV scale: hue 0-179, saturation and value
    0-255); Lab chroma and lightness (OpenCV 8-bit) for white gloves."""

    color: str
    hue_low: int = 0
    hue_high: int = 179
    sat_min: int = 0
    val_min: int = 0
    chroma_max: int = 0
    lightness_min: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_color_model(color: str) -> GloveColorModel:
    """Uncalibrated bounds for a named glove colour."""
    if color == "white":
        return GloveColorModel("white", chroma_max=WHITE_MAX_CHROMA, lightness_min=180)
    low, high = HUE_FAMILIES[color]
    return GloveColorModel(color, low, high, sat_min=90, val_min=MIN_VALUE)


@dataclass
class GloveCalibration:
    """What prepare() learnt: whether gloves are present, their colour model, a typical hand area."""

    gloves_present: bool
    model: Optional[GloveColorModel]
    hand_area_fraction: Optional[float]  # one hand's area / frame area, when two hands were seen apart
    gloved_sample_share: float
    n_samples: int
    candidates: list[dict[str, Any]]
    background_lab: Optional[np.ndarray] = None  # white mode: static white background (working size)
    alternatives: list[GloveColorModel] = field(default_factory=list)  # tried where `model` finds none

    @property
    def models(self) -> list[GloveColorModel]:
        return ([self.model] if self.model else []) + list(self.alternatives)

    def as_dict(self) -> dict[str, Any]:
        return {
            "gloves_present": self.gloves_present,
            "model": self.model.as_dict() if self.model else None,
            "alternatives": [m.as_dict() for m in self.alternatives],
            "hand_area_fraction": self.hand_area_fraction,
            "gloved_sample_share": round(self.gloved_sample_share, 3),
            "n_samples": self.n_samples,
            "candidates": self.candidates,
        }


@dataclass
class GloveBlob:
    """One hand-sized glove region, in working-size pixels."""

    area: float
    centroid: tuple[float, float]
    tip: tuple[float, float]
    confidence: float


# --- image preparation ------------------------------------------------------------------------------


def working_scale(width: int, height: int, long_side: int = WORKING_LONG_SIDE) -> float:
    return min(1.0, long_side / float(max(width, height)))


def to_working_size(image_rgb: np.ndarray, long_side: int = WORKING_LONG_SIDE) -> np.ndarray:
    height, width = image_rgb.shape[:2]
    scale = working_scale(width, height, long_side)
    if scale >= 1.0:
        return image_rgb
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image_rgb, size, interpolation=cv2.INTER_AREA)


def _clean(mask: np.ndarray) -> np.ndarray:
    # Opening drops specks; closing bridges instruments and creases that cross a glove.
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7)))


def segment_gloves(
    hsv: np.ndarray,
    model: GloveColorModel,
    lab: Optional[np.ndarray] = None,
    background_lab: Optional[np.ndarray] = None,
) -> np.ndarray:
    """uint8 mask (255 = glove) of a working-size HSV image, cleaned with morphology."""
    if model.color == "white":
        if lab is None:
            raise ValueError("white gloves are segmented in Lab: pass lab")
        mask = white_mask(lab, model)
        if background_lab is not None:
            mask[_matches_white_background(lab, background_lab, model)] = 0
    else:
        mask = _in_range(hsv, (model.hue_low, model.sat_min, model.val_min), (model.hue_high, 255, 255))
    return _clean(mask)


def _in_range(image: np.ndarray, low: tuple[int, int, int], high: tuple[int, int, int]) -> np.ndarray:
    bounds = np.array([low, high], dtype=np.uint8)
    return np.asarray(cv2.inRange(image, bounds[0], bounds[1]))


def white_mask(lab: np.ndarray, model: GloveColorModel) -> np.ndarray:
    """uint8 mask of light, near-neutral pixels of an 8-bit Lab image."""
    chroma_sq = (lab[..., 1].astype(np.int32) - 128) ** 2 + (lab[..., 2].astype(np.int32) - 128) ** 2
    neutral = (chroma_sq <= model.chroma_max**2) & (lab[..., 0] >= model.lightness_min)
    return neutral.astype(np.uint8) * 255


def _matches_white_background(
    lab: np.ndarray, background_lab: np.ndarray, model: GloveColorModel
) -> np.ndarray:
    """White pixels that only show the static white background (pad, table) of the samples' median."""
    background_white = white_mask(background_lab, model) > 0
    channels = cv2.absdiff(lab, background_lab).astype(np.uint16)
    difference = channels[..., 0] + channels[..., 1] + channels[..., 2]  # faster than sum(axis=-1)
    return background_white & (difference < BACKGROUND_MATCH_LAB)


# --- blobs ------------------------------------------------------------------------------------------


@dataclass
class _Component:
    label: int
    area: int
    bbox: tuple[int, int, int, int]  # x, y, w, h


def plausible_components(mask: np.ndarray) -> tuple[np.ndarray, list[_Component]]:
    """Connected components of hand size, largest first, and the label image."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    frame_area = mask.shape[0] * mask.shape[1]
    low, high = MIN_HAND_AREA_FRACTION * frame_area, MAX_HAND_AREA_FRACTION * frame_area
    found = [
        _Component(i, int(stats[i, cv2.CC_STAT_AREA]), tuple(int(v) for v in stats[i, :4]))  # type: ignore[arg-type]
        for i in range(1, n)
        if low <= stats[i, cv2.CC_STAT_AREA] <= high
    ]
    return labels, sorted(found, key=lambda c: -c.area)


def group_fragments(components: list[_Component]) -> list[list[_Component]]:
    """Components grouped into hands, largest first: a much smaller blob right beside a bigger one is a
    piece of the same glove (cut off by an instrument, a crease or a highlight), not another hand."""
    groups: list[list[_Component]] = []
    for comp in components:
        for group in groups:
            main = group[0]
            near = _bbox_gap(comp.bbox, main.bbox) <= FRAGMENT_GAP * math.sqrt(main.area)
            if comp.area < FRAGMENT_AREA_RATIO * main.area and near:
                group.append(comp)
                break
        else:
            groups.append([comp])
    return sorted(groups, key=lambda g: -sum(c.area for c in g))


def _two_separate_hands(first: list[_Component], second: list[_Component]) -> bool:
    """Two blobs of similar size well apart: a sound sample of one hand's area."""
    area_a, area_b = sum(c.area for c in first), sum(c.area for c in second)
    similar = min(area_a, area_b) >= 0.5 * max(area_a, area_b)
    return similar and _bbox_gap(first[0].bbox, second[0].bbox) >= 0.5 * math.sqrt(max(area_a, area_b))


def _bbox_gap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    dx = max(0, max(a[0], b[0]) - min(a[0] + a[2], b[0] + b[2]))
    dy = max(0, max(a[1], b[1]) - min(a[1] + a[3], b[1] + b[3]))
    return math.hypot(dx, dy)


def blob_contrast(lab: np.ndarray, blob_mask: np.ndarray, bbox: tuple[int, int, int, int]) -> float:
    """Lab distance between a blob's mean colour and the ring of pixels just outside it."""
    x, y, w, h = bbox
    pad = 8
    y0, y1 = max(0, y - pad), min(lab.shape[0], y + h + pad)
    x0, x1 = max(0, x - pad), min(lab.shape[1], x + w + pad)
    inside = blob_mask[y0:y1, x0:x1]
    grown = np.asarray(cv2.dilate(inside, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (11, 11))), dtype=bool)
    ring = grown & (inside == 0)
    patch = lab[y0:y1, x0:x1].reshape(-1, 3).astype(np.float32)
    inside_flat, ring_flat = inside.reshape(-1) > 0, ring.reshape(-1)
    if not inside_flat.any() or not ring_flat.any():
        return 0.0
    return float(np.linalg.norm(patch[inside_flat].mean(axis=0) - patch[ring_flat].mean(axis=0)))


def _entry_point(
    blob_mask: np.ndarray, centroid: tuple[float, float], entry_edge: str
) -> tuple[float, float]:
    """Where the arm enters: the blob's contact with the image border, else the trainee's edge."""
    height, width = blob_mask.shape
    top, bottom = np.flatnonzero(blob_mask[0, :]), np.flatnonzero(blob_mask[-1, :])
    left, right = np.flatnonzero(blob_mask[:, 0]), np.flatnonzero(blob_mask[:, -1])
    xs = np.concatenate([top, bottom, np.zeros(len(left)), np.full(len(right), width - 1.0)])
    ys = np.concatenate([np.zeros(len(top)), np.full(len(bottom), height - 1.0), left, right])
    if len(xs) >= 3:
        return float(xs.mean()), float(ys.mean())
    cx, cy = centroid
    edges = {"bottom": (cx, height - 1.0), "top": (cx, 0.0), "left": (0.0, cy), "right": (width - 1.0, cy)}
    return edges[entry_edge]


def describe_blob(
    blob_mask: np.ndarray,
    in_core: np.ndarray,
    entry_edge: str,
    expected_area: Optional[float],
) -> Optional[GloveBlob]:
    """Centroid, tip, area and confidence of one blob (a full-size working mask holding only it).

    Centroid and area are those of the blob with its holes filled: highlights and instruments that come
    and go inside a glove then do not shake the centroid, and all glove colours give the same outline."""
    pixel_count = int(np.count_nonzero(blob_mask))
    if pixel_count == 0:
        return None
    contours, _ = cv2.findContours(blob_mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    filled = np.zeros_like(blob_mask)
    cv2.drawContours(filled, list(contours), -1, (255,), thickness=-1)
    moments = cv2.moments(filled, binaryImage=True)
    centroid = (moments["m10"] / moments["m00"], moments["m01"] / moments["m00"])
    outline = np.concatenate([c.reshape(-1, 2) for c in contours]).astype(np.float64)
    entry = np.array(_entry_point(blob_mask, centroid, entry_edge))
    tip = outline[int(np.argmax(np.sum((outline - entry) ** 2, axis=1)))]
    area = float(moments["m00"])
    hull_area = float(cv2.contourArea(cv2.convexHull(outline.astype(np.float32))))
    solidity = pixel_count / hull_area if hull_area > 0 else 0.0
    color_match = float(np.count_nonzero(in_core & (blob_mask > 0))) / pixel_count
    shape = min(1.0, solidity / 0.75)
    if expected_area:
        shape *= math.exp(-max(0.0, abs(math.log(area / expected_area)) - math.log(2.0)))
    confidence = float(np.clip(0.5 * color_match + 0.5 * shape, 0.0, 1.0))
    return GloveBlob(area, centroid, (float(tip[0]), float(tip[1])), confidence)


def drop_darker_sleeve(blob_mask: np.ndarray, value: np.ndarray) -> np.ndarray:
    """A blob that runs into the image border may be a glove plus a sleeve of the same hue (blue gloves,
    navy scrubs). Where its brightness (HSV value) splits into a clearly darker part at the border and a
    lighter, hand-sized part inside the frame, only the lighter part is the glove."""
    if not _touches_border(blob_mask):
        return blob_mask
    inside = blob_mask > 0
    values = value[inside].reshape(-1, 1)
    threshold, _ = cv2.threshold(values, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    lighter = inside & (value > threshold)
    darker = inside & ~lighter
    if not lighter.any() or not darker.any():
        return blob_mask
    if float(value[lighter].mean()) - float(value[darker].mean()) < SLEEVE_VALUE_GAP:
        return blob_mask
    lighter_mask = _clean(lighter.astype(np.uint8) * 255)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(lighter_mask, connectivity=8)
    if n < 2:
        return blob_mask
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    glove = (labels == largest).astype(np.uint8) * 255
    big_enough = stats[largest, cv2.CC_STAT_AREA] >= 0.25 * np.count_nonzero(inside)
    if big_enough and not _touches_border(glove) and _touches_border(darker.astype(np.uint8)):
        return glove
    return blob_mask


def _touches_border(mask: np.ndarray) -> bool:
    return bool(mask[0, :].any() or mask[-1, :].any() or mask[:, 0].any() or mask[:, -1].any())


def split_merged_blob(blob_mask: np.ndarray) -> list[np.ndarray]:
    """Two masks from one blob holding both hands: k-means (k=2) on its pixel coordinates."""
    ys, xs = np.nonzero(blob_mask)
    points = np.column_stack([xs, ys]).astype(np.float32)
    step = max(1, len(points) // 4000)  # a subsample finds the same two centres much faster
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.5)
    _, _, centres = cv2.kmeans(points[::step], 2, None, criteria, 3, cv2.KMEANS_PP_CENTERS)  # type: ignore[call-overload]
    nearest = np.argmin(((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
    parts = []
    for k in range(2):
        part = np.zeros_like(blob_mask)
        part[ys[nearest == k], xs[nearest == k]] = 255
        parts.append(part)
    return parts


# --- calibration ------------------------------------------------------------------------------------


@dataclass
class _CandidateResult:
    score: float
    blob_fractions: list[float]  # area fraction of each blob, in frames with two blobs apart
    pixels: list[np.ndarray]  # HSV pixels inside accepted blobs
    n_glove_pixels: int
    free_share: float  # share of accepted blobs that do not touch the image border
    mask_fractions: np.ndarray  # per sample frame, share of the frame in the mask
    gloved: np.ndarray  # per sample frame, whether it shows one or two gloves


def _evaluate_candidate(
    hsvs: Sequence[np.ndarray],
    labs: Sequence[np.ndarray],
    model: GloveColorModel,
    background_lab: Optional[np.ndarray],
) -> _CandidateResult:
    min_contrast = MIN_CONTRAST_WHITE if model.color == "white" else MIN_CONTRAST_COLORED
    gloved = np.zeros(len(hsvs), dtype=bool)
    blob_fractions: list[float] = []
    pixels: list[np.ndarray] = []
    n_pixels = free = n_blobs = 0
    mask_fractions = []
    for frame_number, (hsv, lab) in enumerate(zip(hsvs, labs)):
        mask = segment_gloves(hsv, model, lab, background_lab)
        frame_area = mask.size
        mask_fractions.append(np.count_nonzero(mask) / frame_area)
        if mask_fractions[-1] > MAX_MASK_FRACTION:
            continue
        labels, components = plausible_components(mask)
        accepted = []
        for comp in components[:3]:
            blob = drop_darker_sleeve((labels == comp.label).astype(np.uint8) * 255, hsv[..., 2])
            x, y, w, h = cv2.boundingRect(blob)
            comp = _Component(comp.label, int(np.count_nonzero(blob)), (x, y, w, h))
            if blob_contrast(lab, blob, comp.bbox) >= min_contrast:
                accepted.append((comp, blob))
        if not 1 <= len(accepted) <= 2:
            continue
        gloved[frame_number] = True
        if len(accepted) == 2 and _two_separate_hands([accepted[0][0]], [accepted[1][0]]):
            blob_fractions.extend(comp.area / frame_area for comp, _ in accepted)
        for comp, blob in accepted:
            x, y, w, h = comp.bbox
            free += int(x > 0 and y > 0 and x + w < mask.shape[1] and y + h < mask.shape[0])
            n_blobs += 1
            pixels.append(hsv[blob > 0][:: max(1, comp.area // 500)])
            n_pixels += comp.area
    score = float(gloved.mean()) if len(hsvs) else 0.0
    free_share = free / n_blobs if n_blobs else 0.0
    return _CandidateResult(
        score, blob_fractions, pixels, n_pixels, free_share, np.array(mask_fractions), gloved
    )


def _stable(looser: _CandidateResult, stricter: _CandidateResult) -> bool:
    """A glove is a colour cluster of its own: one step looser threshold adds a few of its paler or darker
    pixels. Cutting the tail of a background colour (a pale-blue wall) instead grows the mask a lot."""
    grew = looser.mask_fractions / np.maximum(stricter.mask_fractions, 1e-6)
    seen = stricter.mask_fractions > 0
    return bool(seen.any() and np.median(grew[seen]) <= MAX_STABLE_GROWTH)


def _refine_hue(model: GloveColorModel, pixels: list[np.ndarray]) -> GloveColorModel:
    if model.color == "white" or not pixels:
        return model
    hues = np.concatenate(pixels)[:, 0].astype(np.float64)
    family_low, family_high = HUE_FAMILIES[model.color]
    # a robust band: blob edges blend into neighbouring colours (sleeves, the pad), so no percentiles
    centre = float(np.median(hues))
    half_width = float(np.clip(3.0 * 1.4826 * np.median(np.abs(hues - centre)), 6.0, 15.0))
    low = int(max(family_low - 8, round(centre - half_width)))
    high = int(min(family_high + 8, round(centre + half_width)))
    return replace(model, hue_low=low, hue_high=high)


def _candidate_models(color: str) -> list[GloveColorModel]:
    if color == "white":
        return [
            GloveColorModel("white", chroma_max=WHITE_MAX_CHROMA, lightness_min=v)
            for v in WHITE_LIGHTNESS_STEPS
        ]
    low, high = HUE_FAMILIES[color]
    return [GloveColorModel(color, low, high, sat_min=s, val_min=MIN_VALUE) for s in SATURATION_STEPS]


def calibrate_gloves(images_rgb: Sequence[np.ndarray], glove_color: str = "auto") -> GloveCalibration:
    """Find the glove colour of a video from sample frames (RGB, any size), or decide there are none.

    Each colour family is tried at several saturation (white: lightness) thresholds; a threshold scores the
    share of samples showing one or two hand-sized blobs that stand out from their surroundings, and counts
    only where one step looser barely grows the mask (a colour cluster of its own, not the tail of a
    background colour). The best family wins if its score reaches MIN_GLOVED_SAMPLE_SHARE, keeping its
    most tolerant near-best threshold (shaded parts included). White is tried only when no coloured glove
    is found, ignoring large static white regions (pad, table).
    """
    if glove_color != "auto" and glove_color not in GLOVE_COLORS:
        raise ValueError(
            f"glove_color must be 'auto' or one of {', '.join(GLOVE_COLORS)}, not {glove_color!r}"
        )
    small = [to_working_size(np.ascontiguousarray(img)) for img in images_rgb]
    hsvs = [cv2.cvtColor(img, cv2.COLOR_RGB2HSV) for img in small]
    labs = [cv2.cvtColor(img, cv2.COLOR_RGB2LAB) for img in small]
    colored = [c for c in HUE_FAMILIES if glove_color in ("auto", c)]
    background_lab = _median_background(labs) if glove_color in ("auto", "white") and len(labs) >= 3 else None

    candidates: list[dict[str, Any]] = []
    viable: list[tuple[tuple[float, float, int], GloveColorModel, _CandidateResult]] = []
    for family in [*colored, *(["white"] if glove_color in ("auto", "white") else [])]:
        best = max(viable, key=lambda v: v[0]) if viable else None
        # white is the fallback mode, unless the coloured blobs often run into the border (sleeves over
        # white gloves)
        explained = (
            best is not None and best[2].score >= MIN_GLOVED_SAMPLE_SHARE and best[2].free_share >= 0.5
        )
        if family == "white" and explained:
            break
        found = _calibrate_family(family, hsvs, labs, background_lab, candidates)
        if found is not None:
            viable.append(found)

    n = len(small)
    viable.sort(key=lambda v: v[0], reverse=True)
    gloved = np.any([v[2].gloved for v in viable], axis=0) if viable else np.zeros(n, dtype=bool)
    share = float(gloved.mean()) if n else 0.0
    if not viable or (share < MIN_GLOVED_SAMPLE_SHARE and glove_color == "auto"):
        # an explicitly named colour is trusted with default bounds when calibration finds nothing
        fallback = None if glove_color == "auto" else default_color_model(glove_color)
        return GloveCalibration(fallback is not None, fallback, None, share, n, candidates, background_lab)
    # Other colours that showed gloves in a few samples are kept as per-frame fallbacks (an image folder
    # may hold stills of different videos); the best one leads.
    models = [model for _, model, _ in viable]
    _, _, lead = viable[0]
    hand_area = float(np.median(lead.blob_fractions)) if lead.blob_fractions else None
    background = background_lab if any(m.color == "white" for m in models) else None
    return GloveCalibration(True, models[0], hand_area, share, n, candidates, background, models[1:])


def _calibrate_family(
    family: str,
    hsvs: Sequence[np.ndarray],
    labs: Sequence[np.ndarray],
    background_lab: Optional[np.ndarray],
    candidates: list[dict[str, Any]],
) -> Optional[tuple[tuple[float, float, int], GloveColorModel, _CandidateResult]]:
    """The family's chosen model with its rank, or None where it shows no gloves in the samples."""
    sweep = _sweep(_candidate_models(family), hsvs, labs, background_lab)
    candidates.append(
        {"color": family, "score": round(sweep.top, 3), "inside_frame_share": sweep.inside_share}
    )
    if sweep.chosen is None:
        return None
    model, result = sweep.chosen
    # The hue band narrows to the glove's own hues. (A second saturation sweep inside the narrowed band
    # was tried: on a pale-blue wall it let the wall's bluest pixels in, so the saturation stays.)
    model = _refine_hue(model, result.pixels)
    if result.gloved.sum() < min(MIN_FAMILY_SAMPLES, len(hsvs)):
        return None
    # near-equal scores: gloves end at the wrist, sleeves and arms run into the border
    return (round(result.score, 1), result.free_share, result.n_glove_pixels), model, result


@dataclass
class _Sweep:
    top: float
    inside_share: float
    chosen: Optional[tuple[GloveColorModel, _CandidateResult]]


def _sweep(
    models: Sequence[GloveColorModel],
    hsvs: Sequence[np.ndarray],
    labs: Sequence[np.ndarray],
    background_lab: Optional[np.ndarray],
) -> _Sweep:
    """Evaluate thresholds from loosest to strictest; keep the most tolerant stable near-best one."""
    swept = [(m, _evaluate_candidate(hsvs, labs, m, background_lab)) for m in models]
    # each threshold counts only where the mask is stable against the next looser one
    results = [
        (model, result if _stable(looser, result) else replace(result, score=0.0))
        for (_, looser), (model, result) in zip(swept, swept[1:])
    ]
    top = max(r.score for _, r in results)
    near_best = [(m, r) for m, r in results if r.score >= top - 0.05 and r.score > 0]
    if not near_best:
        return _Sweep(top, 0.0, None)
    # blobs that run into the border are sleeves or arms, so a stricter threshold that leaves them out
    # is taken where needed
    inside = [(m, r) for m, r in near_best if r.free_share >= MIN_INSIDE_FRAME_SHARE]
    inside_share = round(max(r.free_share for _, r in near_best), 3)
    return _Sweep(top, inside_share, inside[0] if inside else None)


def _median_background(labs: Sequence[np.ndarray]) -> Optional[np.ndarray]:
    """Median Lab image of the samples, kept only in static white regions larger than a hand (a pad, a
    table); elsewhere black, which never matches a white glove. A hand-sized white region that stays
    put is left alone: it may be a glove that hardly moves."""
    shapes = {lab.shape for lab in labs}
    if len(shapes) != 1:
        return None
    median = np.median(np.stack(labs), axis=0).astype(np.uint8)
    loosest = GloveColorModel("white", chroma_max=WHITE_MAX_CHROMA, lightness_min=WHITE_LIGHTNESS_STEPS[0])
    n, labels, stats, _ = cv2.connectedComponentsWithStats(white_mask(median, loosest), connectivity=8)
    large = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= STATIC_WHITE_MIN_FRACTION * labels.size]
    static_white = np.isin(labels, large)
    median[~static_white] = (0, 128, 128)
    return median


# --- identity ---------------------------------------------------------------------------------------


@dataclass
class _HandTrack:
    position: tuple[float, float]  # working-size pixels
    velocity: tuple[float, float]  # pixels per frame
    frame_index: int
    time_s: float

    def predicted(self, frame_index: int) -> tuple[float, float]:
        steps = min(frame_index - self.frame_index, 5)
        return self.position[0] + self.velocity[0] * steps, self.position[1] + self.velocity[1] * steps


def assign_hands_by_side(xs: Sequence[float], image_width: float, camera_view: str) -> list[str]:
    """Anatomical names for detections from image position alone."""
    left_first = IMAGE_LEFT_IS_LEFT_HAND[camera_view]
    if len(xs) == 1:
        on_left = xs[0] < image_width / 2.0
        return ["left_hand" if on_left == left_first else "right_hand"]
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    names = [""] * len(xs)
    names[order[0]], names[order[1]] = (
        ("left_hand", "right_hand") if left_first else ("right_hand", "left_hand")
    )
    return names


def assign_hands(
    centroids: Sequence[tuple[float, float]],
    predictions: dict[str, tuple[float, float]],
    image_size: tuple[int, int],
    camera_view: str,
) -> list[str]:
    """Anatomical names for up to two detections: matched to the hands' predicted positions where
    recent tracks exist (so crossing hands keep identity), by image side otherwise."""
    width, height = image_size
    gate = MATCH_GATE_FRACTION * math.hypot(width, height)
    by_side = assign_hands_by_side([c[0] for c in centroids], width, camera_view) if centroids else []
    if not predictions or not centroids:
        return by_side

    def distance(i: int, hand: str) -> float:
        if hand not in predictions:
            return math.inf
        return math.dist(centroids[i], predictions[hand])

    if len(centroids) == 2:
        straight = distance(0, "left_hand") + distance(1, "right_hand")
        crossed = distance(0, "right_hand") + distance(1, "left_hand")
        if math.isinf(straight) and math.isinf(crossed):
            return by_side
        if len(predictions) == 1:
            # one hand known: the detection nearer to it keeps the name, the other takes the other name
            (known,) = predictions
            other = "right_hand" if known == "left_hand" else "left_hand"
            nearer = 0 if distance(0, known) <= distance(1, known) else 1
            if distance(nearer, known) > gate:
                return by_side
            names = [other, other]
            names[nearer] = known
            return names
        return ["left_hand", "right_hand"] if straight <= crossed else ["right_hand", "left_hand"]
    nearest = min(predictions, key=lambda hand: distance(0, hand))
    return [nearest] if distance(0, nearest) <= gate else by_side


# --- the tracker ------------------------------------------------------------------------------------


class GloveTracker:
    """Tracks gloved hands by colour; individuals left_hand/right_hand, keypoints centroid/tip."""

    name = "gloves"
    individuals: tuple[str, ...] = HAND_NAMES
    keypoints: tuple[str, ...] = GLOVE_KEYPOINTS

    def __init__(
        self,
        camera_view: str = DEFAULT_CAMERA_VIEW,
        glove_color: str = "auto",
        independent_frames: bool = False,
    ) -> None:
        if camera_view not in CAMERA_VIEWS:
            raise ValueError(f"camera_view must be one of {', '.join(CAMERA_VIEWS)}, not {camera_view!r}")
        if glove_color != "auto" and glove_color not in GLOVE_COLORS:
            raise ValueError(
                f"glove_color must be 'auto' or one of {', '.join(GLOVE_COLORS)}, not {glove_color!r}"
            )
        self.camera_view = camera_view
        self.glove_color = glove_color
        self.independent_frames = independent_frames  # unrelated stills: no identity carried over
        self.calibration: Optional[GloveCalibration] = None
        self._tracks: dict[str, _HandTrack] = {}
        self._hand_area: Optional[float] = None  # working-size pixels of one hand
        self._frames = 0
        self._frames_with = {"left_hand": 0, "right_hand": 0}
        self._splits = 0
        self._fallback_frames = 0  # frames whose gloves were found with a fallback colour

    @property
    def gloves_present(self) -> bool:
        return bool(self.calibration and self.calibration.gloves_present)

    def prepare(self, sample: Sequence[Frame]) -> None:
        # no sample (a live source that lends none): calibrate on the first frame instead
        self.calibration = calibrate_gloves([f.image for f in sample], self.glove_color) if sample else None
        self._tracks.clear()
        self._hand_area = None

    def process(self, frame: Frame) -> FrameObservation:
        if self.calibration is None:
            self.prepare([frame])  # tracking without prepare(): calibrate on the first frame
        assert self.calibration is not None
        if self.independent_frames:
            self._tracks.clear()
        self._frames += 1
        positions = np.full((2, 2, 3), np.nan)
        confidence = np.zeros((2, 2))
        extras: dict[str, Any] = {f"{hand}.glove_area_px": math.nan for hand in HAND_NAMES}
        if not self.calibration.gloves_present or not self.calibration.models:
            return FrameObservation(positions, confidence, extras=extras)

        height, width = frame.image.shape[:2]
        blobs, small_size = self._find_blobs(frame.image)
        sx, sy = width / small_size[0], height / small_size[1]
        names = self._identify(blobs, small_size, frame)
        for blob, hand in zip(blobs, names):
            i = HAND_NAMES.index(hand)
            for k, (x, y) in enumerate((blob.centroid, blob.tip)):
                positions[i, k] = ((x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5, 0.0)
            confidence[i, :] = blob.confidence
            extras[f"{hand}.glove_area_px"] = blob.area * sx * sy
            self._frames_with[hand] += 1
        return FrameObservation(positions, confidence, extras=extras)

    def _find_blobs(self, image_rgb: np.ndarray) -> tuple[list[GloveBlob], tuple[int, int]]:
        """Glove blobs of the calibrated colour; the other calibrated colours only where it finds none."""
        assert self.calibration is not None
        small = to_working_size(np.ascontiguousarray(image_rgb))
        size = (small.shape[1], small.shape[0])
        hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
        models = self.calibration.models
        lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB) if any(m.color == "white" for m in models) else None
        background = self.calibration.background_lab
        if background is None or background.shape != small.shape:
            background = None
        if self._hand_area is None and self.calibration.hand_area_fraction:
            self._hand_area = self.calibration.hand_area_fraction * hsv.shape[0] * hsv.shape[1]
        for rank, model in enumerate(models):
            blobs = self._blobs_of_color(model, hsv, lab, background)
            if blobs:
                if rank:
                    self._fallback_frames += 1
                return blobs, size
        return [], size

    def _blobs_of_color(
        self,
        model: GloveColorModel,
        hsv: np.ndarray,
        lab: Optional[np.ndarray],
        background: Optional[np.ndarray],
    ) -> list[GloveBlob]:
        mask = segment_gloves(hsv, model, lab, background)
        labels, components = plausible_components(mask)
        if not components:
            return []
        in_core = self._core_mask(hsv, lab, model)
        groups = group_fragments(components)[:2]
        masks = [np.isin(labels, [c.label for c in group]).astype(np.uint8) * 255 for group in groups]
        areas = [sum(c.area for c in group) for group in groups]
        if len(groups) == 2 and _two_separate_hands(groups[0], groups[1]):
            self._learn_hand_area(areas[0] + areas[1], 2)
        elif (
            len(groups) == 1
            and len(self._tracks) == 2  # both hands were just seen apart: they have come together
            and self._hand_area
            and areas[0] >= MERGED_AREA_RATIO * self._hand_area
        ):
            masks = split_merged_blob(masks[0])
            self._splits += 1
        masks = [drop_darker_sleeve(m, hsv[..., 2]) for m in masks]
        entry_edge = ENTRY_EDGE[self.camera_view]
        blobs = [describe_blob(m, in_core, entry_edge, self._hand_area) for m in masks]
        return [b for b in blobs if b is not None and b.confidence >= MIN_REPORTED_CONFIDENCE]

    @staticmethod
    def _core_mask(hsv: np.ndarray, lab: Optional[np.ndarray], model: GloveColorModel) -> np.ndarray:
        """Pixels that match the colour model with a margin: the colour-match part of confidence."""
        if model.color == "white" and lab is not None:
            stricter = replace(model, chroma_max=model.chroma_max - 3, lightness_min=model.lightness_min + 15)
            core = white_mask(lab, stricter)
        else:
            low = (model.hue_low + 3, min(255, model.sat_min + 20), MIN_VALUE + 15)
            core = _in_range(hsv, low, (model.hue_high - 3, 255, 255))
        return core > 0

    def _learn_hand_area(self, total_area: float, n_hands: int) -> None:
        area = total_area / n_hands
        self._hand_area = area if self._hand_area is None else 0.9 * self._hand_area + 0.1 * area

    def _identify(self, blobs: list[GloveBlob], size: tuple[int, int], frame: Frame) -> list[str]:
        for hand in list(self._tracks):
            if frame.time_s - self._tracks[hand].time_s > MAX_TRACK_GAP_S:
                del self._tracks[hand]
        predictions = {hand: t.predicted(frame.index) for hand, t in self._tracks.items()}
        names = assign_hands([b.centroid for b in blobs], predictions, size, self.camera_view)
        if len(names) == 2 and names[0] == names[1]:
            names = assign_hands_by_side([b.centroid[0] for b in blobs], size[0], self.camera_view)
        for blob, hand in zip(blobs, names):
            previous = self._tracks.get(hand)
            velocity = (0.0, 0.0)
            if previous is not None and frame.index > previous.frame_index:
                steps = frame.index - previous.frame_index
                velocity = (
                    (blob.centroid[0] - previous.position[0]) / steps,
                    (blob.centroid[1] - previous.position[1]) / steps,
                )
            self._tracks[hand] = _HandTrack(blob.centroid, velocity, frame.index, frame.time_s)
        return names

    def provenance(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": GLOVE_TRACKER_VERSION,
            "camera_view": self.camera_view,
            "glove_color_requested": self.glove_color,
            "gloves_present": self.gloves_present,
            "calibration": self.calibration.as_dict() if self.calibration else None,
            "working_long_side": WORKING_LONG_SIDE,
            "frames_processed": self._frames,
            "frames_with_hand": dict(self._frames_with),
            "merged_blobs_split": self._splits,
            "frames_with_fallback_color": self._fallback_frames,
        }

    def close(self) -> None:
        self._tracks.clear()

    def __enter__(self) -> GloveTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""Scale: distances in hand sizes (camera distance does not change metrics) or in mm (ArUco marker).

One hand size is a palm length measured on the trainee's own hands (from five palm segments,
pose.hand_geometry), as the palm is, not as it is turned. A camera sees a palm's projection, which can
only be shorter than the palm: on the real expert motion capture seen from above
(scoring/synthetic_realism.top_view) a palm turned away reads 0.40 of its length in the median frame,
one lying flat 0.85, so a median over frames measured how the hands were held as much as how big they
are (the expert's two takes read 0.53 and 0.69 of the palm, and every metric in hand sizes moved by
1.3 with it). A hand's longest readings are its least foreshortened, so per hand the size is the
PALM_PERCENTILE-th percentile of its per-frame readings (not the maximum: the top 5 % of frames may
hold a misplaced landmark). On the real webcam clips in ../shared (one hand each: typing, reaching,
ASL) the 90th to 99th percentiles lie within 2 % of each other (a plateau of true readings, not
outliers), 1.01 to 1.12 times the median.
Both hands are one person's, so ONE common scale serves both (ratios between the hands keep their
meaning): the larger of the two hands' sizes, the hand nearer to lying flat at some time; on the
capture's two takes 0.86 and 0.87 of the palm. Only hands measured in at least SEEN_SHARE of the frames
of the best-measured hand take part, so a hand glimpsed in a few frames (often a false detection)
cannot rescale a hand seen throughout.
Glove-only hands have no landmarks; their size comes from the glove area or, failing that, from the
centroid-to-tip distance, each converted to palm lengths by a fixed ratio. These keep the median: a
glove blob grows as well as shrinks (a sleeve of its colour joined to it), so its largest readings are
not its truest.
Motion that is already metric (lab kinematics, motion capture) stays in metres.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional

import numpy as np

from skillsight.pose.hand_geometry import PALM_SEGMENTS, palm_length_per_frame
from skillsight.pose.motion import KIND_KINEMATICS_3D, KIND_MOCAP_3D, LEFT_HAND, RIGHT_HAND, Motion

UNITS_HAND_SIZE = "hand_size"
UNITS_MM = "mm"
METRIC_KINDS = (KIND_KINEMATICS_3D, KIND_MOCAP_3D)

# Palm length of an adult hand ~ 0.75 x sqrt(area of the whole hand seen from above), and ~ the distance
# from the glove's centroid to its leading fingertip. Approximations; they only matter for glove-only hands.
GLOVE_AREA_SQRT_TO_HAND_SIZE = 0.75
CENTROID_TIP_TO_HAND_SIZE = 1.0
# A hand's size is this percentile of its per-frame palm readings (its least foreshortened ones).
PALM_PERCENTILE = 95.0
# A hand takes part in the common scale when measured in at least this share of the frames of the
# best-measured hand: a false detection is glimpsed in a few per cent of frames, a working hand in most.
SEEN_SHARE = 0.25


@dataclass(frozen=True)
class HandSize:
    hand: str
    size: float  # in the motion's units
    method: str  # which measurement gave it
    n_frames: int


def _planar(motion: Motion) -> tuple[int, ...]:
    """Axes used for in-image distances: x and y for 2-D video (z is only relative depth)."""
    if motion.kind in METRIC_KINDS:
        return tuple(range(len(motion.space)))
    return tuple(i for i, name in enumerate(motion.space) if name in ("x", "y"))


def _distance(motion: Motion, hand: str, a: str, b: str, percentile: float = 50.0) -> tuple[float, int]:
    """A percentile (default the median) of the in-image distance between two keypoints over frames."""
    if not (motion.has(hand, a) and motion.has(hand, b)):
        return float("nan"), 0
    axes = list(_planar(motion))
    d = np.linalg.norm(motion.track(hand, a)[:, axes] - motion.track(hand, b)[:, axes], axis=1)
    d = d[np.isfinite(d) & (d > 0)]
    return (float(np.percentile(d, percentile)), int(d.size)) if d.size else (float("nan"), 0)


def _glove_area_signal(motion: Motion, hand: str) -> Optional[np.ndarray]:
    for name in (f"{hand}.area_px", f"{hand}.glove_area_px"):
        if name in motion.signals:
            return np.asarray(motion.signals[name], dtype=np.float64).reshape(motion.n_frames, -1)[:, 0]
    return None


def measure_hand_size(motion: Motion, hand: str) -> Optional[HandSize]:
    """The palm length of one hand in the motion's units, or None when nothing measures it."""
    if hand not in motion.individuals:
        return None
    if all(motion.has(hand, k) for segment in PALM_SEGMENTS for k in segment):
        lengths = palm_length_per_frame(motion, hand, list(_planar(motion)))
        lengths = lengths[np.isfinite(lengths) & (lengths > 0)]
        if lengths.size:
            size = float(np.percentile(lengths, PALM_PERCENTILE))
            return HandSize(hand, size, "palm segments", int(lengths.size))
    palm, n = _distance(motion, hand, "wrist", "middle_finger_mcp", PALM_PERCENTILE)
    if np.isfinite(palm):
        return HandSize(hand, palm, "wrist-middle_finger_mcp", n)
    width, n = _distance(motion, hand, "index_finger_mcp", "pinky_mcp", PALM_PERCENTILE)
    if np.isfinite(width):
        # Palm width (index to pinky knuckle) is ~0.8 palm length.
        return HandSize(hand, width / 0.8, "index_finger_mcp-pinky_mcp", n)
    area = _glove_area_signal(motion, hand)
    if area is not None:
        valid = area[np.isfinite(area) & (area > 0)]
        if valid.size:
            size = GLOVE_AREA_SQRT_TO_HAND_SIZE * float(np.sqrt(np.median(valid)))
            return HandSize(hand, size, "sqrt(glove area)", int(valid.size))
    reach, n = _distance(motion, hand, "centroid", "tip")
    if np.isfinite(reach):
        return HandSize(hand, CENTROID_TIP_TO_HAND_SIZE * reach, "centroid-tip", n)
    return None


def common_hand_size(motion: Motion) -> tuple[float, list]:
    """The larger of the two hands' sizes (or the one available), among the hands measured in at least
    SEEN_SHARE of the best-measured hand's frames; NaN when no hand can be measured."""
    sizes = [s for s in (measure_hand_size(motion, h) for h in (LEFT_HAND, RIGHT_HAND)) if s is not None]
    if not sizes:
        return float("nan"), []
    most = max(s.n_frames for s in sizes)
    seen = [s.size for s in sizes if s.n_frames >= SEEN_SHARE * most]
    return float(max(seen)), sizes


@dataclass(frozen=True)
class ScalePlan:
    """How to rescale a motion: multiply positions by `factor` (1 = leave) into `units`, recording
    `step` (None = nothing to record)."""

    factor: float
    units: str
    step: Optional[dict]


def plan_hand_size_scale(motion: Motion) -> ScalePlan:
    """The scale to hand sizes for this motion (metric motion stays in metres; step says why)."""
    if motion.kind in METRIC_KINDS or motion.units in ("m", UNITS_MM):
        note = f"already metric ({motion.units}); not rescaled"
        return ScalePlan(1.0, motion.units, {"step": "scale", "units": motion.units, "note": note})
    if motion.units == UNITS_HAND_SIZE:
        return ScalePlan(1.0, UNITS_HAND_SIZE, None)
    size, sizes = common_hand_size(motion)
    if not np.isfinite(size) or size <= 0:
        note = "no hand could be measured; left unscaled"
        return ScalePlan(1.0, motion.units, {"step": "scale", "units": motion.units, "note": note})
    step = {
        "step": "scale",
        "units": UNITS_HAND_SIZE,
        "hand_size": size,
        "from_units": motion.units,
        "per_hand": {s.hand: {"size": s.size, "method": s.method, "frames": s.n_frames} for s in sizes},
    }
    return ScalePlan(1.0 / size, UNITS_HAND_SIZE, step)


def plan_mm_scale(motion: Motion, mm_per_px: float) -> ScalePlan:
    """The scale to millimetres from a known image scale (e.g. a printed ArUco marker)."""
    if not np.isfinite(mm_per_px) or mm_per_px <= 0:
        raise ValueError(f"mm_per_px must be a positive number, got {mm_per_px}")
    if motion.units != "px":
        raise ValueError(f"scale_to_mm needs a motion in pixels, this one is in {motion.units!r}")
    step = {"step": "scale", "units": UNITS_MM, "mm_per_px": float(mm_per_px), "from_units": "px"}
    return ScalePlan(float(mm_per_px), UNITS_MM, step)


def apply_scale(
    motion: Motion, plan: ScalePlan, signals: Optional[Mapping[str, np.ndarray]] = None
) -> Motion:
    """The motion rescaled by `plan` (positions only; world positions stay in metres), with any extra
    `signals` added in the same step."""
    changes: dict = {}
    if signals:
        changes["signals"] = {**motion.signals, **signals}
    if plan.factor != 1.0:
        changes["positions"] = motion.positions * plan.factor
    if plan.step is None:
        return motion.with_updates(**changes) if changes else motion
    metadata = dict(motion.metadata)
    metadata["units"] = plan.units
    return motion.with_processing_step(plan.step, metadata=metadata, **changes)


def normalise_to_hand_size(motion: Motion) -> Motion:
    """Positions in hand sizes (units "hand_size"); metric motion is left in metres (step recorded)."""
    return apply_scale(motion, plan_hand_size_scale(motion))


def scale_to_mm(motion: Motion, mm_per_px: float) -> Motion:
    """Positions in millimetres from a known image scale (e.g. a printed ArUco marker of known size)."""
    return apply_scale(motion, plan_mm_scale(motion, mm_per_px))


def hand_size_in_units(motion: Motion) -> float:
    """How long one hand size is in the motion's units (thresholds are set in hand sizes).

    Metric motion uses a typical adult palm length (0.09 m); pixel motion measures the hands.
    """
    units = motion.units
    if units == UNITS_HAND_SIZE:
        return 1.0
    if units == "m":
        return 0.09
    if units == UNITS_MM:
        return 90.0
    size, _ = common_hand_size(motion)
    return size if np.isfinite(size) and size > 0 else 100.0

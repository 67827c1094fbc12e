"""Motion features: from a cleaned, scaled Motion to named metrics with units and explanations.

    motion = prepare_motion(tracked)                      # clean-up + scale, both recorded
    features = compute_features(motion, "suturing", dominant_hand="left")

Names: per hand by the ROLE it plays in the procedure ("needle_driver.path_length"), between the hands
"bimanual.*", procedure-specific "suturing.*" / "intubation.*", whole task "task.*". Every value is a
`Feature` with a unit, a description and whether higher is better; unavailable ones are NaN with a reason
(e.g. tremor at 15 fps). All features are pure functions of the motion: no I/O.
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Optional, Union

import numpy as np

from skillsight.pose.cleaning import (
    DEFAULT_MAX_GAP_S,
    CleanedArrays,
    clean_arrays,
    gaps_in_mask,
    interpolate_gaps,
)
from skillsight.pose.frame_clock import on_image_clock
from skillsight.pose.hand_geometry import with_landmark_centroids
from skillsight.pose.motion import KIND_VIDEO_2D, LEFT_HAND, RIGHT_HAND, Motion
from skillsight.pose.scale import METRIC_KINDS, plan_hand_size_scale, plan_mm_scale
from skillsight.scoring.features import bimanual, handshape, intubation, kinematics, smoothness, suturing
from skillsight.scoring.features.definitions import (
    METRIC_DEFINITIONS,
    definition_version,
    definition_versions,
)
from skillsight.scoring.features.intubation import find_intubation_phases
from skillsight.scoring.features.kinematics import (
    KinematicThresholds,
    hand_reference_keypoint,
    thresholds_for,
)
from skillsight.scoring.features.suturing import find_stitch_cycles
from skillsight.scoring.procedure import Procedure, load_procedure
from skillsight.scoring.results import Feature, FeatureSet, Phase

__all__ = [
    "FEATURE_SPECS",
    "METRIC_DEFINITIONS",
    "FeatureSpec",
    "FeatureSet",
    "compute_features",
    "definition_version",
    "definition_versions",
    "find_intubation_phases",
    "find_stitch_cycles",
    "hand_reference_keypoint",
    "prepare_motion",
    "procedure_phases",
]


class FeatureSpec(NamedTuple):
    """One metric, defined once: what it measures and how a trainee reads it."""

    unit: str  # unit template, {u} standing for the motion's length unit
    description: str
    higher_is_better: Optional[bool]  # None: neither way is better (compare with the experts)
    label: str  # the trainee's name for it, without the hand ("distance travelled")


# suffix (per hand) or full name -> spec. Labels and units as a trainee reads them: metric_display.py.
FEATURE_SPECS: dict[str, FeatureSpec] = {
    "task_time": FeatureSpec("s", "time from the hand's first to its last appearance", False, "time on task"),
    "active_time": FeatureSpec("s", "time the hand was moving (not in a pause)", False, "time moving"),
    "path_length": FeatureSpec("{u}", "distance the hand travelled", False, "distance travelled"),
    "movements": FeatureSpec(
        "count",
        "number of distinct movements (speed peaks held 0.1 s above the idle speed), as ICSAD counts them",
        False,
        "number of movements",
    ),
    "mean_speed": FeatureSpec("{u}/s", "average hand speed", None, "average speed"),
    "peak_speed": FeatureSpec("{u}/s", "peak hand speed over 0.3 s (99th percentile)", None, "top speed"),
    "mean_acceleration": FeatureSpec(
        "{u}/s^2", "average size of the hand's acceleration", None, "average acceleration"
    ),
    "mean_jerk": FeatureSpec(
        "{u}/s^3", "average jerk (change of acceleration): lower is smoother", False, "jerkiness"
    ),
    "log_dimensionless_jerk": FeatureSpec(
        "1",
        "log dimensionless jerk per hand size of movement, pauses left out: closer to 0 is smoother",
        True,
        "smoothness (jerk score)",
    ),
    "sparc": FeatureSpec(
        "1",
        "spectral arc length of the speed per hand size of movement, pauses out: closer to 0 is smoother",
        True,
        "smoothness (few corrections)",
    ),
    "idle_share": FeatureSpec("share", "share of the time the hand was paused", False, "time idle"),
    "pauses": FeatureSpec(
        "count",
        "number of pauses (the hand moved less than the idle speed allows over 0.5 s)",
        False,
        "number of pauses",
    ),
    "working_area": FeatureSpec(
        "{u}^2", "area covered by the hand's path (convex hull)", False, "working area"
    ),
    "tremor": FeatureSpec(
        "{u}", "4-12 Hz shake of the fingertips relative to the wrist (RMS)", False, "fine shake (tremor)"
    ),
    "grip_cycles": FeatureSpec(
        "count",
        "grip open-close cycles (thumb-index distance or gripper angle)",
        None,
        "grip open-close cycles",
    ),
    "wrist_rotation_range": FeatureSpec(
        "deg", "range of the hand's in-plane rotation", None, "wrist rotation range"
    ),
    "out_of_view_share": FeatureSpec(
        "share", "share of frames where the hand was not tracked", False, "time out of view"
    ),
    "bimanual.speed_correlation": FeatureSpec(
        "1", "correlation of the two hands' speeds", True, "hands moving in step"
    ),
    "bimanual.simultaneous_share": FeatureSpec(
        "share", "share of moving time when both hands move together", True, "both hands moving together"
    ),
    "bimanual.path_ratio": FeatureSpec(
        "ratio",
        "path of the second hand divided by the first's",
        None,
        "distance of second hand per first hand",
    ),
    "suturing.stitch_count": FeatureSpec("count", "number of stitch cycles found", None, "stitches"),
    "suturing.mean_cycle_time": FeatureSpec("s", "average time per stitch cycle", False, "time per stitch"),
    "suturing.cycle_time_cv": FeatureSpec(
        "ratio",
        "variation of stitch-cycle times (std / mean): lower is steadier",
        False,
        "variation between stitches",
    ),
    "intubation.attempt_duration": FeatureSpec(
        "s", "laryngoscope at the mouth until it leaves (experts ~5.5 s)", False, "attempt duration"
    ),
    "intubation.laryngoscopy_duration": FeatureSpec(
        "s", "laryngoscope in until the tube hand arrives", False, "time to view the cords"
    ),
    "intubation.wrist_flexion_change": FeatureSpec(
        "deg",
        "how much the laryngoscope wrist bends during the attempt",
        False,
        "wrist bending (levering)",
    ),
    "intubation.lift_distance": FeatureSpec(
        "{u}", "lift of the laryngoscope wrist along the forearm", True, "laryngoscope lift"
    ),
    "intubation.lever_index": FeatureSpec(
        "deg/{u}", "wrist bending per unit of lift: high means levering", False, "levering per lift"
    ),
    "intubation.elbow_elevation": FeatureSpec(
        "deg", "elevation of the laryngoscope upper arm from the trunk", None, "elbow raised"
    ),
    "intubation.trunk_flexion": FeatureSpec(
        "deg", "forward bend of the trunk from vertical", False, "trunk bent forward"
    ),
    "intubation.neck_flexion": FeatureSpec(
        "deg", "bend of the neck relative to the trunk", False, "neck bent"
    ),
    "intubation.head_forward_shift": FeatureSpec(
        "{u}", "how far the head moved towards the manikin", False, "head moved forward"
    ),
    "intubation.head_jerk": FeatureSpec(
        "{u}/s^3", "average jerk of the head during the attempt", False, "head jerkiness"
    ),
    "task.duration": FeatureSpec("s", "length of the recording", False, "task duration"),
    "task.both_hands_in_view_share": FeatureSpec(
        "share", "share of frames with both hands tracked", True, "both hands in view"
    ),
}

PROCEDURE_GROUPS = {"suturing": ("suturing",), "intubation": ("intubation",)}


def prepare_motion(
    motion: Motion,
    mm_per_px: Optional[float] = None,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
    smoother: Optional[str] = "savgol",
) -> Motion:
    """Clean (fill short gaps, smooth) then scale (hand sizes, or mm when a marker gave `mm_per_px`;
    metric sources stay in metres). Both steps are recorded in the motion's metadata. Unsmoothed
    fingertip offsets are kept as signals (at any frame rate) for the tremor measure, which smoothing
    would erase, and for the grip aperture's jitter, which sets the grip cycles' noise floor."""
    # Landmark hands get the centre of their landmarks as "centroid", the point every tracker's
    # features follow (the auto tracker already records it, mixing in glove centroids). World
    # positions are left out: no feature reads them, cleaning does not fill them, and on a long
    # video each copy of them is as large as the positions (~70 MiB for 10 minutes of hands+pose).
    if motion.world_positions is not None:
        motion = motion.with_updates(world_positions=None)
    motion = on_image_clock(motion)  # frames a camera repeated leave: every metric reads its clock
    motion = with_landmark_centroids(motion)
    if mm_per_px is None:  # a marker found while tracking (`--marker-mm`) gives millimetres
        mm_per_px = (motion.metadata.get("marker_scale") or {}).get("mm_per_px")
    done = [s.get("step") for s in motion.metadata.get("processing", [])]
    if "clean" in done and "scale" in done:
        return motion  # already prepared
    if "clean" in done:  # e.g. saved by `skillsight track --smooth`: don't smooth twice
        filled = motion.filled if motion.filled is not None else np.zeros(motion.confidence.shape, dtype=bool)
        cleaned = CleanedArrays(np.array(motion.positions), filled, {})
    else:
        cleaned = clean_arrays(motion, max_gap_s=max_gap_s, smoother=smoother)
    # Hand sizes are medians over frames: measured on the tracked positions, as cleaning leaves them.
    if mm_per_px is not None and motion.units == "px" and motion.kind not in METRIC_KINDS:
        plan = plan_mm_scale(motion, mm_per_px)
    else:
        plan = plan_hand_size_scale(motion)
    metadata = dict(motion.metadata)
    metadata[kinematics.JITTER_METADATA_KEY] = _hand_jitters(motion, plan.factor)
    steps = [*metadata.get("processing", []), *([cleaned.step] if cleaned.step else [])]
    metadata["processing"] = steps + ([plan.step] if plan.step is not None else [])
    metadata["units"] = plan.units
    # One validated Motion for both steps: building the container is the costly part on long clips.
    positions = cleaned.positions
    if plan.factor != 1.0:
        positions *= plan.factor  # cleaning's own array, scaled in place
    return motion.with_updates(
        positions=positions,
        filled=cleaned.filled,
        metadata=metadata,
        signals={**motion.signals, **_raw_fingertip_signals(motion, plan.factor, max_gap_s)},
    )


def _hand_jitters(raw: Motion, factor: float) -> dict[str, float]:
    """hand -> jitter of its reference point as tracked (before smoothing hides it), in the units
    the motion is scaled to: the noise floor of `kinematics.hand_speed`."""
    jitters = {}
    for hand in (LEFT_HAND, RIGHT_HAND):
        jitter = kinematics.hand_jitter(raw, hand)
        if np.isfinite(jitter):
            jitters[hand] = float(jitter * factor)
    return jitters


def _raw_fingertip_signals(raw: Motion, factor: float, max_gap_s: float) -> dict:
    """name -> (T, 5, D) fingertip offsets from the wrist, gap-filled like cleaning but unsmoothed."""
    if raw.kind != KIND_VIDEO_2D:
        return {}
    signals = {}
    for hand in (LEFT_HAND, RIGHT_HAND):
        offsets, what = smoothness.fingertip_offsets(raw, hand)
        if offsets is None or what != "fingertips - wrist":
            continue
        # Short dropouts filled as in cleaning (a straight line adds no tremor-band power).
        flat = offsets.reshape(offsets.shape[0], -1)
        gaps = [g for g in gaps_in_mask(np.isnan(flat).any(axis=1), raw.timestamps) if g.interior]
        gaps = [g for g in gaps if g.duration_s <= max_gap_s + 1e-6]
        flat = interpolate_gaps(flat, raw.timestamps, gaps) if gaps else flat
        signals[smoothness.RAW_FINGERTIP_SIGNAL.format(hand=hand)] = flat.reshape(offsets.shape) * factor
    return signals


def _unit(template: str, motion: Motion) -> str:
    return template.format(u=motion.units)


def _feature(
    name: str, suffix: str, value: float, motion: Motion, reason: str = "", uncertainty: float = float("nan")
) -> Feature:
    unit, description, higher, _ = FEATURE_SPECS[suffix]
    value = float(value) if value is not None else float("nan")
    if not np.isfinite(value) and not reason:
        reason = "not enough tracked movement to compute it"
    known = np.isfinite(value) and np.isfinite(uncertainty)
    return Feature(
        name,
        value,
        _unit(unit, motion),
        description,
        higher,
        "" if np.isfinite(value) else reason,
        float(uncertainty) if known else None,
    )


def _hand_values(motion: Motion, hand: str, th: KinematicThresholds) -> dict[str, tuple[float, str, float]]:
    """suffix -> (value, why it is missing, its standard error in its unit where measured)."""
    simple: dict[str, Callable[[], float]] = {
        "task_time": lambda: kinematics.compute_task_time(motion, hand),
        "active_time": lambda: kinematics.compute_active_time(motion, hand, th),
        "path_length": lambda: kinematics.compute_path_length(motion, hand),
        "movements": lambda: kinematics.compute_movement_count(motion, hand, th),
        "mean_speed": lambda: kinematics.compute_mean_speed(motion, hand),
        "peak_speed": lambda: kinematics.compute_peak_speed(motion, hand),
        "mean_acceleration": lambda: kinematics.compute_mean_acceleration(motion, hand),
        "mean_jerk": lambda: kinematics.compute_mean_jerk(motion, hand, thresholds=th),
        "log_dimensionless_jerk": lambda: smoothness.compute_log_dimensionless_jerk(motion, hand, th),
        "sparc": lambda: smoothness.compute_sparc(motion, hand, th),
        "idle_share": lambda: kinematics.compute_idle_share(motion, hand, th),
        "pauses": lambda: kinematics.compute_pause_count(motion, hand, th),
        "working_area": lambda: kinematics.compute_working_area(motion, hand),
    }
    values = {name: (fn(), "") for name, fn in simple.items()}
    tremor, why, uncertainty = smoothness.tremor_with_uncertainty(motion, hand)
    values["tremor"] = (tremor, why)
    values["grip_cycles"] = handshape.compute_grip_cycles(motion, hand)
    values["wrist_rotation_range"] = handshape.compute_wrist_rotation_range(motion, hand)
    values["out_of_view_share"] = (kinematics.compute_out_of_view_share(motion, hand), "")
    # Reasons only matter for missing values; tremor & co. return a description otherwise.
    errors = {"tremor": uncertainty}
    return {k: (v, r if not np.isfinite(v) else "", errors.get(k, np.nan)) for k, (v, r) in values.items()}


def _role_hands(procedure: Procedure, dominant_hand: str) -> dict[str, str]:
    return {role: procedure.hand_for_role(role, dominant_hand) for role in procedure.hand_roles}


def _groups(procedure: Procedure) -> tuple[str, ...]:
    configured = procedure.extra.get("feature_groups")
    if configured is not None:
        return tuple(configured)
    return PROCEDURE_GROUPS.get(procedure.name, ())


def _both_in_view_share(motion: Motion) -> float:
    seen = []
    for hand in (LEFT_HAND, RIGHT_HAND):
        key = hand_reference_keypoint(motion, hand)
        if key is None:
            return 0.0
        seen.append(motion.observed(hand, key))
    return float(np.mean(seen[0] & seen[1])) if motion.n_frames else float("nan")


def compute_features(
    motion: Motion, procedure: Union[Procedure, str], dominant_hand: str = "right"
) -> FeatureSet:
    """Every feature for this procedure (a superset of `procedure.metrics`), by name.

    `motion` should come from `prepare_motion`; the dominant hand decides which anatomical hand plays
    each role, so a left-handed trainee's needle driver is the left hand.
    """
    proc = load_procedure(procedure)
    th = thresholds_for(motion, dict(proc.extra))
    features: FeatureSet = {}
    roles = _role_hands(proc, dominant_hand)
    for role, hand in roles.items():
        tracked = kinematics.hand_track(motion, hand) is not None
        missing = "" if tracked else f"the {role} hand ({hand}) was never tracked"
        for suffix, (value, reason, uncertainty) in _hand_values(motion, hand, th).items():
            features[f"{role}.{suffix}"] = _feature(
                f"{role}.{suffix}", suffix, value, motion, missing or reason, uncertainty
            )
    if len(roles) >= 2:
        first, second = list(roles.values())[:2]
        pairs = {
            "bimanual.speed_correlation": bimanual.compute_speed_correlation(motion, first, second),
            "bimanual.simultaneous_share": bimanual.compute_simultaneous_share(motion, first, second, th),
            "bimanual.path_ratio": bimanual.compute_path_ratio(motion, first, second),
        }
        for name, value in pairs.items():
            features[name] = _feature(name, name, value, motion, "needs both hands tracked")
    groups = _groups(proc)
    if "suturing" in groups:
        features.update(_suturing_features(motion, proc, roles))
    if "intubation" in groups:
        features.update(_intubation_features(motion, proc, roles, th))
    features["task.duration"] = _feature("task.duration", "task.duration", motion.duration_s, motion)
    share = _both_in_view_share(motion)
    features["task.both_hands_in_view_share"] = _feature(
        "task.both_hands_in_view_share", "task.both_hands_in_view_share", share, motion
    )
    return features


def procedure_phases(motion: Motion, procedure: Union[Procedure, str], hand: str) -> list[Phase]:
    """The phases the procedure's feature groups define, for timelines and speed templates: the stitch
    cycles of `hand` ("stitch 1", ...) for the suturing group, the intubation phases with `hand` as the
    laryngoscope hand for the intubation group; [] for neither, or where none are found."""
    if not hand:
        return []
    groups = _groups(load_procedure(procedure))
    if "suturing" in groups:
        cycles = find_stitch_cycles(motion, hand)
        return [Phase(f"stitch {i + 1}", float(start), float(end)) for i, (start, end) in enumerate(cycles)]
    if "intubation" in groups:
        return find_intubation_phases(motion, hand, RIGHT_HAND if hand == LEFT_HAND else LEFT_HAND)
    return []


def _primary_hand(proc: Procedure, roles: dict[str, str], wanted: str) -> str:
    role = wanted if wanted in roles else next(iter(roles))
    return roles[role]


def _suturing_features(motion: Motion, proc: Procedure, roles: dict[str, str]) -> FeatureSet:
    hand = _primary_hand(proc, roles, str(proc.extra.get("cycle_role", "needle_driver")))
    cycles = find_stitch_cycles(motion, hand)
    count, mean_time, cv = suturing.cycle_statistics(cycles)
    reason = "" if cycles else "no repeated stitch cycle found in the needle-driver hand's movement"
    values = {
        "suturing.stitch_count": count,
        "suturing.mean_cycle_time": mean_time,
        "suturing.cycle_time_cv": cv,
    }
    out = {}
    for name, value in values.items():
        why = reason or ("needs at least two cycles" if name.endswith("_cv") else "")
        out[name] = _feature(name, name, value, motion, why)
    return out


def _intubation_features(
    motion: Motion, proc: Procedure, roles: dict[str, str], th: KinematicThresholds
) -> FeatureSet:
    laryngoscope = _primary_hand(proc, roles, "laryngoscope")
    tube = roles.get("tube", RIGHT_HAND if laryngoscope == LEFT_HAND else LEFT_HAND)
    values = intubation.intubation_features(motion, laryngoscope, tube, th)
    return {
        f"intubation.{k}": _feature(f"intubation.{k}", f"intubation.{k}", v, motion, reason)
        for k, (v, reason) in values.items()
    }

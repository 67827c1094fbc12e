"""Synthetic practice: seeded, labelled motion for tests, training and the shipped defaults.

Hand paths are sums of minimum-jerk submovements (Flash & Hogan 1985; superposition as in Flash &
Henis 1991) between task targets, with the things that separate novices from experts under control:
pauses, physiological tremor, detours (curved, longer paths), corrective submovements after an
inaccurate primary movement, slower and more variable cycles, and for intubation a levering wrist and a
bent-over posture. Output looks like video tracking: 21 MediaPipe hand landmarks around a moving palm
plus the glove tracker's "centroid"/"tip" per hand, and for intubation 33 pose landmarks, in pixels
(kind video_2d), with tracking jitter and short dropouts as measured on real MediaPipe tracking, and
reaches made of submovements as long as a real expert's (scripts/measure_synthetic_realism.py).
Suturing is calibrated on a real expert's hand motion seen from above (REAL_EXPERT): quick, unevenly
shared strokes, small adjustments of working hands between reaches, fingers that move and shake in
bursts while they handle needle, instrument and thread (the stitch's phases: scoring/synthetic_suturing.py;
so a short practice's tremor is often too unsure to show, as a real one's is), and a wrist turn of each
person's own; novices differ from there as the literature says (slower, more
and longer pauses, corrections, detours, tremor, less even strokes whose submovements stand apart
rather than blend; a hesitating hand that drifts rather than freezes is built but off, HOVER_SPEED).

Each motion carries its ground truth in ``metadata["synthetic"]``: the skill in [0, 1], the level
(novice / intermediate / expert) and a GRS-like global rating on the OSATS scale 6-30. The rating
follows the skill with some rater noise; it is NOT derived from real trainees.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass
from typing import Any, Optional, Union

import numpy as np

from skillsight.base.keypoints import GLOVE_KEYPOINTS, HAND_KEYPOINTS, POSE_KEYPOINTS
from skillsight.pose.motion import (
    BODY,
    KIND_KINEMATICS_3D,
    KIND_MOCAP_3D,
    KIND_VIDEO_2D,
    LEFT_HAND,
    RIGHT_HAND,
    Motion,
)
from skillsight.scoring.synthetic_intubation import body_and_hands, intubation_plans
from skillsight.scoring.synthetic_plans import (  # noqa: F401  (minimum_jerk, SUBMOVEMENT_S: re-exported)
    SUBMOVEMENT_S,
    PracticeParameters,
    minimum_jerk,
    render_hand,
)
from skillsight.scoring.synthetic_suturing import suturing_plans
from skillsight.scoring.synthetic_tracking import (
    BODY_JITTER_STILL,
    DROPOUT_SHARE,
    add_tracking_artifacts,
    torso_length,
)

SKILL_PRESETS = {"novice": 0.15, "intermediate": 0.5, "expert": 0.85}
GRS_RANGE = (6.0, 30.0)
GRS_RATER_NOISE = 1.2
TREMOR_PERSON_SD = 0.5  # log-normal sd of one person's tremor amplitude around their skill's
# Real expert hand motion (the knot-tying capture in ../shared seen from above, 30 fps, measured with
# the project's own compute_* features: scripts/measure_synthetic_realism.py --features), and the
# suturing generator's values calibrated to it. Fitted on take BVH_Finale_Choreographie_MFK_ZFK
# (right hand, 51.9 s at work); take Zeigefinger_BVH (20.1 s) is held out to check.
REAL_EXPERT = {  # measured: fit take, held-out take (hands at work: synthetic_realism.working_span)
    "needle_driver.mean_speed": (0.965, 1.017),  # hand sizes / s while moving
    "needle_driver.mean_jerk": (26.4, 22.9),  # while moving (outside pauses)
    "needle_driver.log_dimensionless_jerk": (-5.95, -6.89),  # per hand size of path, on its own time scale
    "needle_driver.idle_share": (0.431, 0.294),
    "needle_driver.tremor": (0.013, 0.013),  # 4-12 Hz fingertip motion above jitter: handling, not tremor
    "needle_driver.wrist_rotation_range": (111.0, 109.0),  # deg
    "forceps.idle_share": (0.807, 0.833),
    "forceps.log_dimensionless_jerk": (-5.54, -13.1),
}
# Metrics whose real values the generator does not reproduce, so the shipped scorers leave them out
# (scripts/build_default_models.py): a model that learned them from generated practice alone would put
# real motion outside its domain for them (the held-out take at 1.4 times the novelty threshold).
NOT_REPRODUCED = {
    "forceps.log_dimensionless_jerk": "the real expert's two takes read -5.5 and -13.1, either side of "
    "the generated practices' -10 to -12: the generator does not model how a holding hand's small moves "
    "are paced",
}
# How evenly a reach's submovements share its distance (Dirichlet concentration): lower, a few quick
# strokes carry it (real expert speed p99/p50 11-19, the generator's before 6); novices' reaches are
# broken up less evenly still (less smooth), 0.5 + 1.5 skill.
STROKE_CONCENTRATION = (0.5, 1.5)
# How far a reach's successive submovements overlap (share of their spacing): 0.0 + 0.35 skill, so an
# expert (0.85) keeps the 0.3 calibrated on the real expert. With practice a movement's elements blend
# into one flowing stroke (co-articulation: Sosnik et al. 2004; fewer, more blended submovements: Rohrer
# et al. 2002); a novice's reach shows its submovements as separate speed peaks. Read rest to rest, that
# did not rate novices the less smooth (their still pauses cut their motion into short single strokes);
# read on the moving time per hand size of path (scoring/features/path_smoothness.py) it does: log
# dimensionless jerk -4.6 (expert) against -7.2 (novice); SPARC, read at any pace alike, barely: -2.46
# against -2.49 (seeds 0-5; the -2.10 against -2.29 read with a fixed 10-Hz cap was mostly pace).
BLENDING = (0.0, 0.35)
# Reaches take this share of their planned time, and suturing hands pause this share (start, per skill),
# so experts (0.85) move and rest as the fit take at work: mean speed 1.01 hand sizes/s (real 0.97), idle
# share 0.44 (0.43), LDLJ -5.9 (-6.0), mean jerk 21 (26; seeds 30000-30009, 60 s). Refitted when the hand
# size became the least foreshortened palm (SUTURING_PLAN_UNIT): the fit take's idle share rose from 0.25
# to 0.46 (its slow moves fell under the idle speed of 0.3 hand sizes/s), the generated experts' only to
# 0.37, so experts paused more (0.37 -> 0.45 at skill 0) and reached a little slower (0.55 -> 0.60). And
# again when pauses became a mean over idle speeds 0.15-0.45 (kinematics.IDLE_BAND): the fit take's idle
# share fell to 0.43 and the generated experts' stayed at 0.48 (their reaches' slow ends lie in the upper
# half of the band, the real hand's hovering in the lower), so hands pause less (0.45 -> 0.36 at skill 0,
# every level alike) and reach slower (0.60 -> 0.70): at 0.45 and 0.60, speed 1.05 and idle share 0.48.
REACH_TIME_SCALE = 0.70
SUTURING_PAUSE_SHARE = (0.36, 0.24)  # an expert's 0.16, a novice's 0.32
ADJUSTMENT_RATE_HZ = 0.6  # an expert's needle-driver hand; novices adjust more (1.6 - 0.7 skill)
ADJUSTMENT_HAND_SIZES = 0.15
FINGER_MOTION_HAND_SIZES = 0.012  # experts' tremor metric 0.012 (seeds 30000-30011), real 0.013 at work
# Log-normal sd between people of their fingers' own motion: real fingertips' 4-12 Hz motion spans 0.007
# (an open hand reaching) to 0.037 (knot tying) hand sizes on the shared clips.
FINGER_MOTION_PERSON_SD = 0.5
WRIST_TURN_PERSON_SD = 0.7  # log-normal; set when the fit take read 459 deg (its hands arriving), 111 at work
# Log-normal sd between people of how far the assisting (forceps) hand moves: the fit take at work moves
# it 0.18-0.32 times the driver's path from one 13-17 s stretch to the next (log sd 0.3-0.4; generated: 0.2).
ASSIST_PERSON_SD = 0.3
# A hesitating novice's hand may drift rather than freeze (hand sizes/s at skill 0, less with skill).
# Built but off: path smoothness rates experts smoother without it, the one real capture (an expert's)
# says nothing of how novices hesitate, and with it on (0.35) the suturing model counted idle share
# against its direction and scored real typing slowed to half speed higher (raw 21.4 vs 20.4).
HOVER_SPEED = 0.0
PALM_LENGTH_M = 0.09  # to express as_video_2d=False output in metres
# The suturing plans' distances (paths, adjustments, tremor, finger motion) are in the unit they were
# calibrated in: the fit take's hand size as the median palm over frames read it (0.53 of its palm, the
# knot being tied with the palms turned from the camera). pose/scale.py now reads a hand's least
# foreshortened palm (0.86 of it on the fit take), so that unit is 0.613 of a hand size today, measured
# on the fit take only (47.6 px against 77.6 px in top_view); the plans are drawn at that share of the
# rendered palm, which keeps every REAL_EXPERT calibration and shows the palm at its full length.
SUTURING_PLAN_UNIT = 0.613


def skill_value(skill: Union[str, float]) -> float:
    """A skill in [0, 1] from a level name or a number."""
    if isinstance(skill, str):
        if skill not in SKILL_PRESETS:
            raise ValueError(f"unknown skill {skill!r}; use {', '.join(SKILL_PRESETS)} or a number in [0, 1]")
        return SKILL_PRESETS[skill]
    value = float(skill)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"skill must lie in [0, 1], got {value}")
    return value


def skill_level(skill: float) -> str:
    return "novice" if skill < 1 / 3 else ("intermediate" if skill < 2 / 3 else "expert")


def practice_parameters(skill: float, procedure: str, **overrides: Any) -> PracticeParameters:
    """Parameters for a skill in [0, 1]; keyword overrides (None = keep) replace single ones."""
    s = skill
    params = PracticeParameters(
        skill=s,
        cycle_time_s=(22.0 - 14.0 * s) if procedure == "suturing" else (13.5 - 9.0 * s),
        cycle_cv=0.35 - 0.27 * s,
        pause_share=0.30 - 0.24 * s,
        tremor_hz=8.0,
        tremor_amplitude=0.03 - 0.025 * s,
        detours=0.6 - 0.5 * s,
        corrective_submovements=1.6 - 1.4 * s,
        endpoint_error=0.35 - 0.25 * s,
        wrist_lever_deg=28.0 - 24.0 * s,
        lift_hand_sizes=0.15 + 0.6 * s,
        trunk_flexion_deg=35.0 - 25.0 * s,
        neck_flexion_deg=30.0 - 20.0 * s,
    )
    if procedure == "suturing":  # calibrated on real expert hand motion (REAL_EXPERT)
        params = dataclasses.replace(
            params,
            reach_time_scale=REACH_TIME_SCALE,
            pause_share=SUTURING_PAUSE_SHARE[0] - SUTURING_PAUSE_SHARE[1] * s,
            adjustment_rate_hz=ADJUSTMENT_RATE_HZ,
            adjustment_hand_sizes=ADJUSTMENT_HAND_SIZES,
            finger_motion=FINGER_MOTION_HAND_SIZES,
            hover_speed=HOVER_SPEED * (1.0 - s),
            submovement_overlap=BLENDING[0] + BLENDING[1] * s,
            stroke_concentration=STROKE_CONCENTRATION[0] + STROKE_CONCENTRATION[1] * s,
        )
    fields = asdict(params)
    for name, value in overrides.items():
        if value is not None:
            if name not in fields:
                raise TypeError(f"unknown practice parameter {name!r}")
            fields[name] = float(value)
    return PracticeParameters(**fields)


def individual_variation(
    p: PracticeParameters, rng: np.random.Generator, fixed: dict[str, Any]
) -> PracticeParameters:
    """The parameters of one person: physiological tremor differs several-fold between healthy people
    of the same skill, so the amplitude the skill implies is scaled by a person factor (log-normal,
    TREMOR_PERSON_SD), unless the caller fixed it. Without this, tremor alone would tell the skill,
    and a model trained here would lean on it, though on real video it is mostly tracking jitter."""
    if fixed.get("tremor_amplitude") is None:
        factor = float(rng.lognormal(0.0, TREMOR_PERSON_SD))
        p = dataclasses.replace(p, tremor_amplitude=p.tremor_amplitude * factor)
    if p.finger_motion > 0:  # calibrated (suturing): how a person turns and fingers is their own
        turn = float(rng.lognormal(0.0, WRIST_TURN_PERSON_SD))
        fingers = float(rng.lognormal(0.0, FINGER_MOTION_PERSON_SD))
        if fixed.get("finger_motion") is not None:
            fingers = 1.0
        assist = float(rng.lognormal(0.0, ASSIST_PERSON_SD))
        p = dataclasses.replace(p, wrist_turn_scale=turn, assist_scale=assist)
        p = dataclasses.replace(p, finger_motion=p.finger_motion * fingers)
    return p


# --- assembling a Motion ----------------------------------------------------------------------


def _grs(skill: float, rng: np.random.Generator) -> float:
    low, high = GRS_RANGE
    return float(np.clip(low + (high - low) * skill + rng.normal(0, GRS_RATER_NOISE), low, high))


@dataclass
class _Scene:
    """One generated practice before tracking artefacts: (T, I, K, 2) px and what describes it."""

    t: np.ndarray
    xy: np.ndarray
    individuals: tuple[str, ...]
    keypoints: tuple[str, ...]
    camera_view: str
    palm_px: float  # hand size in px as the camera sees it
    truth: dict[str, Any]


def _suturing_scene(
    p: PracticeParameters, n_stitches: Optional[int], duration_s: Optional[float], fps: float,
    dominant_hand: str, image_size: tuple[int, int], hand_size_px: float, rng: np.random.Generator,
) -> _Scene:  # fmt: skip
    side = 1.0 if dominant_hand == "right" else -1.0
    driver, forceps, stitches = suturing_plans(p, n_stitches, duration_s, rng, side)
    end = duration_s if duration_s is not None else max(driver.cursor, forceps.cursor) + 1.0
    t = np.arange(int(round(end * fps))) / fps
    origin = np.array([image_size[0] / 2.0, image_size[1] / 2.0])
    plans = {dominant_hand: driver, ("left" if dominant_hand == "right" else "right"): forceps}
    # Seen from above with the trainee at the bottom of the image, the left hand's thumb points right.
    hands = {
        h: render_hand(plans[h], t, origin, hand_size_px, h == "left", p, rng, SUTURING_PLAN_UNIT)
        for h in ("left", "right")
    }
    xy = np.stack([hands["left"], hands["right"]], axis=1)
    keypoints = HAND_KEYPOINTS + GLOVE_KEYPOINTS
    return _Scene(t, xy, (LEFT_HAND, RIGHT_HAND), keypoints, "top", hand_size_px, {"n_stitches": stitches})


def _intubation_scene(
    p: PracticeParameters, duration_s: Optional[float], fps: float, image_size: tuple[int, int],
    hand_size_px: float, rng: np.random.Generator,
) -> _Scene:  # fmt: skip
    lary, tube, timeline, flexion = intubation_plans(p, duration_s, rng)
    t = np.arange(int(round(timeline.end * fps))) / fps
    origin = np.array([0.2 * image_size[0], 0.35 * image_size[1]])
    size = hand_size_px * 0.6  # a whole person in the frame: hands look smaller
    pose, left, right = body_and_hands(p, t, lary, tube, timeline, flexion, origin, size, rng)
    keypoints = HAND_KEYPOINTS + GLOVE_KEYPOINTS + POSE_KEYPOINTS
    xy = np.full((t.size, 3, len(keypoints), 2), np.nan)
    n_hand = len(HAND_KEYPOINTS) + len(GLOVE_KEYPOINTS)
    xy[:, 0, :n_hand], xy[:, 1, :n_hand], xy[:, 2, n_hand:] = left, right, pose
    truth = {
        "attempt_start_s": timeline.attempt_start,
        "tube_start_s": timeline.tube_start,
        "attempt_end_s": timeline.attempt_end,
        "attempt_duration_s": timeline.attempt_end - timeline.attempt_start,
    }
    return _Scene(t, xy, (LEFT_HAND, RIGHT_HAND, BODY), keypoints, "side", size, truth)


def _check_arguments(procedure: str, dominant_hand: str, fps: float) -> None:
    if procedure not in ("suturing", "intubation"):
        raise ValueError(f"unknown synthetic procedure {procedure!r}; use suturing or intubation")
    if dominant_hand not in ("left", "right"):
        raise ValueError(f"dominant_hand must be 'left' or 'right', not {dominant_hand!r}")
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")


def _tracked(
    scene: _Scene, fps: float, rng: np.random.Generator, noise_px: Optional[float], dropout_share: float
) -> tuple[np.ndarray, np.ndarray]:
    """Positions (with z = 0 where seen) and confidence as a tracker would give them: jitter, dropouts."""
    z = np.where(np.isnan(scene.xy[..., :1]), np.nan, 0.0)
    n_hand = len(HAND_KEYPOINTS) + len(GLOVE_KEYPOINTS)
    body = None
    if BODY in scene.individuals:
        body = BODY_JITTER_STILL * torso_length(scene.xy[:, scene.individuals.index(BODY), n_hand:])
    positions, confidence = add_tracking_artifacts(
        np.concatenate([scene.xy, z], axis=-1),
        {0: slice(0, n_hand), 1: slice(0, n_hand)},
        {0: scene.palm_px, 1: scene.palm_px},
        fps,
        rng,
        noise_px=noise_px,
        dropout_share=dropout_share,
        body_jitter_px=body,
    )
    positions[..., 2] = np.where(np.isnan(positions[..., 0]), np.nan, 0.0)
    return positions, confidence


def _practice_metadata(
    scene: _Scene, truth: dict[str, Any], fps: float, image_size: tuple[int, int]
) -> dict[str, Any]:
    return {
        "source": f"synthetic:{truth['procedure']}:{truth['level']}:seed{truth['seed']}",
        "fps": float(fps),
        "width": int(image_size[0]),
        "height": int(image_size[1]),
        "kind": KIND_VIDEO_2D,
        "units": "px",
        "camera_view": scene.camera_view,
        "trackers": [{"name": "synthetic", "version": "1"}],
        "synthetic": truth,
    }


def _glove_area_signals(scene: _Scene, positions: np.ndarray) -> dict[str, np.ndarray]:
    """Each hand's area in px where it is seen, as the glove tracker records it (a hand size is 0.75
    times the square root of the hand's area)."""
    area = (scene.palm_px / 0.75) ** 2
    return {
        f"{hand}.area_px": np.where(~np.isnan(positions[:, i, 0, 0]), area, np.nan)
        for i, hand in enumerate(scene.individuals[:2])
    }


def generate_practice(
    skill: Union[str, float] = "intermediate",
    procedure: str = "suturing",
    duration_s: Optional[float] = None,
    fps: float = 30.0,
    n_stitches: Optional[int] = None,
    seed: int = 0,
    dominant_hand: str = "right",
    tremor_hz: Optional[float] = None,
    tremor_amplitude: Optional[float] = None,
    pause_share: Optional[float] = None,
    detours: Optional[float] = None,
    corrective_submovements: Optional[float] = None,
    finger_motion: Optional[float] = None,
    as_video_2d: bool = True,
    noise_px: Optional[float] = None,
    dropout_share: float = DROPOUT_SHARE,
    hand_size_px: float = 90.0,
    image_size: tuple[int, int] = (1280, 720),
) -> Motion:
    """A seeded synthetic practice with its ground truth in ``metadata["synthetic"]``.

    skill:        "novice" | "intermediate" | "expert" or a number in [0, 1].
    procedure:    "suturing" (two hands, stitch cycles, top view) or "intubation" (laryngoscope in the
                  left hand, tube in the right, plus a 33-landmark body, side view).
    duration_s:   pad or repeat to this length; suturing without it makes `n_stitches` stitches (4).
    tremor_hz, tremor_amplitude (hand sizes), pause_share (0-1), detours (hand sizes), corrective_submovements
    (per reach), finger_motion (fingertips' own motion, hand sizes): override what the skill implies.
    noise_px:     None gives tracking jitter as measured on real MediaPipe tracking (shared by the whole
                  hand and per landmark, growing with hand speed; scoring/synthetic_tracking.py); a
                  number gives plain Gaussian jitter of that sd in px on every keypoint.
    as_video_2d:  True gives pixels like video tracking (kind video_2d, units px); False gives the same
                  movement in metres (suturing: "tool_tip" per hand, kind kinematics_3d; intubation: all
                  keypoints, kind mocap_3d), like lab kinematics.
    """
    _check_arguments(procedure, dominant_hand, fps)
    s = skill_value(skill)
    rng = np.random.default_rng(seed)
    overrides = dict(tremor_hz=tremor_hz, tremor_amplitude=tremor_amplitude, pause_share=pause_share)
    overrides.update(
        detours=detours, corrective_submovements=corrective_submovements, finger_motion=finger_motion
    )
    p = individual_variation(practice_parameters(s, procedure, **overrides), rng, overrides)
    if procedure == "suturing":
        scene = _suturing_scene(p, n_stitches, duration_s, fps, dominant_hand, image_size, hand_size_px, rng)
    else:
        scene = _intubation_scene(p, duration_s, fps, image_size, hand_size_px, rng)
    positions, confidence = _tracked(scene, fps, rng, noise_px, dropout_share)
    truth = {"procedure": procedure, "seed": int(seed), "dominant_hand": dominant_hand}
    truth.update(skill=s, level=skill_level(s), grs=_grs(s, rng), grs_range=list(GRS_RANGE))
    truth.update(parameters=asdict(p), **scene.truth)
    motion = Motion(
        positions, confidence, scene.t, scene.individuals, scene.keypoints, ("x", "y", "z"),
        metadata=_practice_metadata(scene, truth, fps, image_size),
        signals=_glove_area_signals(scene, positions),
    )  # fmt: skip
    return motion if as_video_2d else _as_metric(motion, procedure, hand_size_px)


def _as_metric(motion: Motion, procedure: str, hand_size_px: float) -> Motion:
    """The same movement in metres (a palm length is PALM_LENGTH_M), like lab kinematics or mocap."""
    size = hand_size_px if procedure == "suturing" else hand_size_px * 0.6
    metres = motion.positions * (PALM_LENGTH_M / size)
    metadata = dict(
        motion.metadata, units="m", kind=KIND_KINEMATICS_3D if procedure == "suturing" else KIND_MOCAP_3D
    )
    if procedure == "suturing":
        tip = motion.keypoint_index("index_finger_tip")
        return Motion(
            metres[:, :, tip : tip + 1],
            motion.confidence[:, :, tip : tip + 1],
            motion.timestamps,
            motion.individuals,
            ("tool_tip",),
            motion.space,
            metadata=metadata,
        )
    return motion.with_updates(positions=metres, metadata=metadata, signals={})


def synthetic_truth(motion: Motion) -> dict[str, Any]:
    """The ground truth a synthetic motion carries (skill, level, grs, parameters); {} for real motion."""
    return dict(motion.metadata.get("synthetic", {}))


def motion_from_tracks(
    tracks: dict[tuple[str, str], np.ndarray],
    fps: float = 30.0,
    kind: str = KIND_VIDEO_2D,
    units: str = "px",
    space: Optional[tuple[str, ...]] = None,
    signals: Optional[dict[str, np.ndarray]] = None,
) -> Motion:
    """A Motion from {(individual, keypoint): (T, D) positions} (NaN rows = missing), for hand-made
    known-answer motions in tests and examples."""
    if not tracks:
        raise ValueError("no tracks given")
    individuals = tuple(dict.fromkeys(ind for ind, _ in tracks))
    keypoints = tuple(dict.fromkeys(kp for _, kp in tracks))
    first = np.asarray(next(iter(tracks.values())), dtype=float)
    n_t, dims = first.shape
    space = space or ("x", "y", "z")[:dims]
    positions = np.full((n_t, len(individuals), len(keypoints), dims), np.nan)
    for (ind, kp), values in tracks.items():
        positions[:, individuals.index(ind), keypoints.index(kp)] = np.asarray(values, dtype=float)
    confidence = np.where(np.isnan(positions).any(axis=-1), 0.0, 1.0)
    metadata = {"fps": float(fps), "kind": kind, "units": units, "source": "hand-made"}
    return Motion(
        positions,
        confidence,
        np.arange(n_t) / fps,
        individuals,
        keypoints,
        space,
        metadata=metadata,
        signals=signals or {},
    )

"""Synthetic practice: seeded, labelled motion for tests, training and the shipped defaults.

Hand paths are sums of minimum-jerk submovements (Flash & Hogan 1985; superposition as in Flash &
Henis 1991) between task targets, with the things that separate novices from experts under control:
pauses, physiological tremor, detours (curved, longer paths), corrective submovements after an
inaccurate primary movement, slower and more variable cycles, and for intubation a levering wrist and a
bent-over posture. Output looks like video tracking: 21 MediaPipe hand landmarks around a moving palm
plus the glove tracker's "centroid"/"tip" per hand, and for intubation 33 pose landmarks, in pixels
(kind video_2d), with tracking jitter and short dropouts as measured on real MediaPipe tracking, and
reaches made of submovements as long as a real expert's (scripts/measure_synthetic_realism.py).

Each motion carries its ground truth in ``metadata["synthetic"]``: the skill in [0, 1], the level
(novice / intermediate / expert) and a GRS-like global rating on the OSATS scale 6-30. The rating
follows the skill with some rater noise; it is NOT derived from real trainees.
"""

from __future__ import annotations

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
from skillsight.scoring.synthetic_plans import (  # noqa: F401  (minimum_jerk, SUBMOVEMENT_S: re-exported)
    FINGERTIP_KEYPOINTS,
    SUBMOVEMENT_S,
    HandPlan,
    PracticeParameters,
    SubmovementPlan,
    grip,
    hand_keypoints,
    minimum_jerk,
    new_hand_plan,
    pause,
    reach,
    render_hand,
    rotate,
    tremor_shake,
    two_link_elbow,
)
from skillsight.scoring.synthetic_tracking import DROPOUT_SHARE, add_tracking_artifacts

SKILL_PRESETS = {"novice": 0.15, "intermediate": 0.5, "expert": 0.85}
# The needle driver's wrist turns the needle through its curve: about 80 degrees, varying stitch to
# stitch, more for less skilled hands.
WRIST_TURN_DEG = 80.0
WRIST_TURN_SD_DEG = (6.0, 20.0)  # expert, novice
GRS_RANGE = (6.0, 30.0)
GRS_RATER_NOISE = 1.2
PALM_LENGTH_M = 0.09  # to express as_video_2d=False output in metres


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
    fields = asdict(params)
    for name, value in overrides.items():
        if value is not None:
            if name not in fields:
                raise TypeError(f"unknown practice parameter {name!r}")
            fields[name] = float(value)
    return PracticeParameters(**fields)


# --- suturing ---------------------------------------------------------------------------------


def _suturing_plans(
    p: PracticeParameters,
    n_stitches: Optional[int],
    duration_s: Optional[float],
    rng: np.random.Generator,
    side: float,
) -> tuple[HandPlan, HandPlan, int]:
    """Needle-driver and forceps plans in hand sizes around the wound (x to the dominant side = +side)."""
    home_d, home_f = np.array([1.6 * side, 1.2]), np.array([-1.6 * side, 1.2])
    driver = new_hand_plan(tuple(home_d), -np.pi / 2)
    forceps = new_hand_plan(tuple(home_f), -np.pi / 2)
    driver.cursor = forceps.cursor = 0.5
    nominal_active = 4.6  # s of movement per stitch at slowness 1
    limit = n_stitches if n_stitches is not None else (10**6 if duration_s else 4)
    done = 0
    while done < limit and (duration_s is None or driver.cursor < duration_s - 1.0):
        slowness = p.cycle_time_s * (1.0 - min(p.pause_share, 0.9)) / nominal_active
        slowness *= float(np.clip(rng.lognormal(0.0, p.cycle_cv), 0.4, 2.5))
        y = -1.2 + 0.35 * (done % 8)
        entry, exit_ = np.array([0.6 * side, y]), np.array([-0.25 * side, y])
        # Forceps evert the edge while the driver reaches the entry point.
        forceps.cursor = max(forceps.cursor, driver.cursor)
        reach(forceps, np.array([-0.6 * side, y + 0.1]), 0.7 * slowness, p, rng)
        reach(driver, entry, 0.8 * slowness, p, rng)
        pause(driver, 0.8 * slowness, p, rng)
        # Drive: follow the needle's curve with a wrist rotation.
        turn = np.radians(rng.normal(WRIST_TURN_DEG, np.interp(p.skill, [0, 1], WRIST_TURN_SD_DEG[::-1])))
        rotate(driver, driver.cursor, 1.2 * slowness, side * turn)
        reach(driver, exit_, 1.2 * slowness, p, rng)
        pause(driver, 1.2 * slowness, p, rng)
        # Forceps take the needle tip; the driver lets go and regrasps (a grip cycle each).
        forceps.cursor = max(forceps.cursor, driver.cursor - 0.2 * slowness)
        grip(forceps, forceps.cursor, 0.25 * slowness, 0.3)
        reach(forceps, np.array([-0.45 * side, y]), 0.5 * slowness, p, rng)
        grip(forceps, forceps.cursor, 0.25 * slowness, -0.3)
        grip(driver, driver.cursor, 0.3 * slowness, 0.45)
        reach(driver, exit_ + np.array([-0.2 * side, 0.0]), 0.5 * slowness, p, rng)
        grip(driver, driver.cursor - 0.15 * slowness, 0.3 * slowness, -0.45)
        pause(driver, 0.5 * slowness, p, rng)
        # Pull the thread through, away from the wound, then return.
        rotate(driver, driver.cursor, 1.0 * slowness, -side * turn)
        reach(driver, np.array([2.6 * side, y - 1.8]), 1.0 * slowness, p, rng)
        pause(driver, 1.0 * slowness, p, rng)
        forceps.cursor = max(forceps.cursor, driver.cursor - 0.5 * slowness)
        reach(forceps, home_f + rng.normal(0, 0.1, 2), 0.8 * slowness, p, rng)
        reach(driver, home_d + rng.normal(0, 0.1, 2), 0.8 * slowness, p, rng)
        pause(driver, 0.8 * slowness, p, rng)
        done += 1
    return driver, forceps, done


# --- intubation -------------------------------------------------------------------------------


@dataclass
class IntubationTimeline:
    approach: float
    attempt_start: float
    tube_start: float
    attempt_end: float
    end: float


def _intubation_plans(
    p: PracticeParameters, duration_s: Optional[float], rng: np.random.Generator
) -> tuple[HandPlan, HandPlan, IntubationTimeline, SubmovementPlan]:
    """Laryngoscope and tube hand wrist plans (hand sizes, body frame: +x towards the manikin, +y down),
    the timeline, and the laryngoscope wrist's flexion (deg) plan."""
    slowness = 1.0 + 0.8 * (1.0 - p.skill)
    mouth = np.array([6.0, 1.0])  # the manikin's mouth, at the trainee's lower-chest height
    lary = new_hand_plan((2.5, 1.5), 0.0)
    tube = new_hand_plan((2.0, 2.0), 0.0)
    lary.cursor = tube.cursor = 1.0
    approach_start = 1.0
    reach(lary, mouth + np.array([-0.4, 0.3]), 1.2 * slowness, p, rng)
    reach(tube, np.array([4.0, 2.2]), 1.2 * slowness, p, rng)  # tube ready, below and behind the mouth
    attempt_start = lary.cursor
    attempt = max(p.cycle_time_s * float(np.clip(rng.lognormal(0, p.cycle_cv / 2), 0.6, 1.6)), 2.5)
    laryngoscopy = 0.55 * attempt
    # Insert the blade (small movements, corrections for novices), then lift along the forearm.
    lary.cursor = attempt_start + 0.1
    reach(lary, mouth, 0.25 * laryngoscopy, p, rng)
    pause(lary, 0.25 * laryngoscopy, p, rng)
    lary.cursor = min(lary.cursor, attempt_start + 0.5 * laryngoscopy)
    lift_dir = np.array([0.5, -0.866])  # up and away, along the handle
    lary.position.add(lary.cursor, 0.4 * laryngoscopy, p.lift_hand_sizes * lift_dir)
    flexion = SubmovementPlan(np.array([5.0]))
    flexion.add(lary.cursor, 0.4 * laryngoscopy, np.array([p.wrist_lever_deg]))
    tube_start = attempt_start + laryngoscopy
    tube.cursor = tube_start
    reach(tube, mouth + np.array([0.3, 0.1]), 0.45 * (attempt - laryngoscopy), p, rng)
    tube.position.add(tube.cursor, 0.3 * (attempt - laryngoscopy), np.array([0.4, 0.2]))
    attempt_end = attempt_start + attempt
    flexion.add(attempt_end, 0.8 * slowness, np.array([-p.wrist_lever_deg]))
    lary.cursor = attempt_end
    lary.position.add(attempt_end, 0.05, np.zeros(2))
    reach(lary, np.array([2.5, 1.5]), 1.2 * slowness, p, rng)
    tube.cursor = max(tube.cursor, attempt_end + 0.5)
    reach(tube, np.array([2.2, 1.8]), 1.2 * slowness, p, rng)
    end = max(lary.cursor, tube.cursor) + 1.0
    if duration_s is not None:
        end = max(end, float(duration_s))
    timeline = IntubationTimeline(approach_start, attempt_start, tube_start, attempt_end, end)
    return lary, tube, timeline, flexion


def _head_adjustments(
    p: PracticeParameters, t: np.ndarray, timeline: IntubationTimeline, rng: np.random.Generator
) -> np.ndarray:
    """(T, 2) quick head movements during the attempt (peering to find the cords): frequent for
    novices, rare for experts, as head jerk separates them (BMC Med Educ 2018)."""
    head = SubmovementPlan(np.zeros(2))
    duration = timeline.attempt_end - timeline.attempt_start
    for _ in range(int(rng.poisson(1.5 * (1.0 - p.skill) * duration))):
        start = timeline.attempt_start + rng.uniform(0, duration)
        shift = rng.normal(0, 0.15, 2)
        head.add(start, 0.25, shift)
        head.add(start + 0.3, 0.3, -shift)
    return head.render(t)


def _body_and_hands(
    p: PracticeParameters, t: np.ndarray, lary: HandPlan, tube: HandPlan, timeline: IntubationTimeline,
    flexion: SubmovementPlan, origin: np.ndarray, size: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Pose (T, 33, 2) and the two hands (T, 23, 2), all in px, for a side view facing +x."""
    n = t.size
    # Novices lean in further as the attempt goes on.
    in_attempt = minimum_jerk((t - timeline.attempt_start) / 2.0) - minimum_jerk(
        (t - timeline.attempt_end) / 1.5
    )
    trunk = np.radians(p.trunk_flexion_deg + 6.0 * (1.0 - p.skill) * in_attempt + 3.0 * in_attempt)
    neck = np.radians(p.neck_flexion_deg + 4.0 * (1.0 - p.skill) * in_attempt)
    hip = np.tile(np.array([0.0, 4.0]), (n, 1))
    shoulder = hip + 5.0 * np.stack([np.sin(trunk), -np.cos(trunk)], axis=1)
    ear = shoulder + 1.4 * np.stack([np.sin(trunk + neck), -np.cos(trunk + neck)], axis=1)
    ear = ear + _head_adjustments(p, t, timeline, rng)
    face = np.stack([np.cos(trunk + neck), np.sin(trunk + neck)], axis=1)  # forward, across the neck
    nose = ear + 0.8 * face + np.array([0.0, 0.2])
    wrists = {"left": lary.position.render(t), "right": tube.position.render(t)}
    elbows = {s: two_link_elbow(shoulder, w, 3.2, 2.8) for s, w in wrists.items()}
    flex = np.radians(flexion.render(t)[:, 0])
    pose = np.full((n, len(POSE_KEYPOINTS), 2), np.nan)
    hands = {}
    near_offset = {"left": np.zeros(2), "right": np.array([0.25, -0.1])}
    for side in ("left", "right"):
        forearm = wrists[side] - elbows[side]
        forearm_angle = np.arctan2(forearm[:, 1], forearm[:, 0])
        # Wrist flexion (levering) tips the hand up relative to the forearm (y is image-down).
        hand_angle = forearm_angle - (flex if side == "left" else np.radians(5.0))
        fwd = np.stack([np.cos(hand_angle), np.sin(hand_angle)], axis=1)
        wrist_px = origin + size * wrists[side]
        palm_px = wrist_px + 0.5 * size * fwd
        aperture = np.full(n, 0.25)
        shake = tremor_shake(t, p.tremor_hz, p.tremor_amplitude, rng) * size
        points = hand_keypoints(palm_px + 0.15 * shake, hand_angle, aperture, size, mirror=(side == "right"))
        for name in FINGERTIP_KEYPOINTS:
            points[:, HAND_KEYPOINTS.index(name)] += shake
        centroid = points.mean(axis=1)
        tip = points[:, HAND_KEYPOINTS.index("middle_finger_tip")]
        hands[side] = np.concatenate([points, centroid[:, None], tip[:, None]], axis=1)
        off = near_offset[side]
        hand_pts = {
            f"{side}_shoulder": shoulder + off,
            f"{side}_elbow": elbows[side] + off,
            f"{side}_hip": hip + off,
            f"{side}_knee": hip + off + np.array([0.3, 4.5]),
            f"{side}_ankle": hip + off + np.array([0.0, 8.8]),
            f"{side}_heel": hip + off + np.array([-0.3, 9.1]),
            f"{side}_foot_index": hip + off + np.array([1.0, 9.2]),
            f"{side}_ear": ear + off,
        }
        for name, xy in hand_pts.items():
            pose[:, POSE_KEYPOINTS.index(name)] = origin + size * xy
        for name, landmark in (
            ("wrist", "wrist"),
            ("index", "index_finger_mcp"),
            ("pinky", "pinky_mcp"),
            ("thumb", "thumb_tip"),
        ):
            pose[:, POSE_KEYPOINTS.index(f"{side}_{name}")] = points[:, HAND_KEYPOINTS.index(landmark)]
    for name, offset in (
        ("nose", (0.0, 0.0)), ("left_eye_inner", (-0.1, -0.3)), ("left_eye", (-0.15, -0.3)),
        ("left_eye_outer", (-0.25, -0.3)), ("right_eye_inner", (-0.05, -0.32)), ("right_eye", (-0.1, -0.32)),
        ("right_eye_outer", (-0.2, -0.32)), ("mouth_left", (-0.15, 0.3)), ("mouth_right", (-0.1, 0.3)),
    ):  # fmt: skip
        pose[:, POSE_KEYPOINTS.index(name)] = origin + size * (nose + np.array(offset))
    return pose, hands["left"], hands["right"]


# --- assembling a Motion ----------------------------------------------------------------------


def _grs(skill: float, rng: np.random.Generator) -> float:
    low, high = GRS_RANGE
    return float(np.clip(low + (high - low) * skill + rng.normal(0, GRS_RATER_NOISE), low, high))


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
    tremor_hz, tremor_amplitude (hand sizes), pause_share (0-1), detours (hand sizes),
    corrective_submovements (expected per reach): override what the skill implies.
    noise_px:     None gives tracking jitter as measured on real MediaPipe tracking (shared by the whole
                  hand and per landmark, growing with hand speed; scoring/synthetic_tracking.py); a
                  number gives plain Gaussian jitter of that sd in px on every keypoint.
    as_video_2d:  True gives pixels like video tracking (kind video_2d, units px); False gives the same
                  movement in metres (suturing: "tool_tip" per hand, kind kinematics_3d; intubation: all
                  keypoints, kind mocap_3d), like lab kinematics.
    """
    if procedure not in ("suturing", "intubation"):
        raise ValueError(f"unknown synthetic procedure {procedure!r}; use suturing or intubation")
    if dominant_hand not in ("left", "right"):
        raise ValueError(f"dominant_hand must be 'left' or 'right', not {dominant_hand!r}")
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    s = skill_value(skill)
    rng = np.random.default_rng(seed)
    p = practice_parameters(
        s,
        procedure,
        tremor_hz=tremor_hz,
        tremor_amplitude=tremor_amplitude,
        pause_share=pause_share,
        detours=detours,
        corrective_submovements=corrective_submovements,
    )
    width, height = image_size
    if procedure == "suturing":
        side = 1.0 if dominant_hand == "right" else -1.0
        driver, forceps, stitches = _suturing_plans(p, n_stitches, duration_s, rng, side)
        end = duration_s if duration_s is not None else max(driver.cursor, forceps.cursor) + 1.0
        t = np.arange(int(round(end * fps))) / fps
        origin = np.array([width / 2.0, height / 2.0])
        plans = {dominant_hand: driver, ("left" if dominant_hand == "right" else "right"): forceps}
        # Seen from above with the trainee at the bottom of the image, the left hand's thumb points right.
        hands = {
            h: render_hand(plans[h], t, origin, hand_size_px, h == "left", p, rng) for h in ("left", "right")
        }
        individuals: tuple[str, ...] = (LEFT_HAND, RIGHT_HAND)
        keypoints: tuple[str, ...] = HAND_KEYPOINTS + GLOVE_KEYPOINTS
        xy = np.stack([hands["left"], hands["right"]], axis=1)
        truth_extra: dict[str, Any] = {"n_stitches": stitches}
        camera_view = "top"
    else:
        lary, tube, timeline, flexion = _intubation_plans(p, duration_s, rng)
        t = np.arange(int(round(timeline.end * fps))) / fps
        origin = np.array([0.2 * width, 0.35 * height])
        size = hand_size_px * 0.6  # a whole person in the frame: hands look smaller
        pose, left, right = _body_and_hands(p, t, lary, tube, timeline, flexion, origin, size, rng)
        individuals = (LEFT_HAND, RIGHT_HAND, BODY)
        keypoints = HAND_KEYPOINTS + GLOVE_KEYPOINTS + POSE_KEYPOINTS
        xy = np.full((t.size, 3, len(keypoints), 2), np.nan)
        n_hand = len(HAND_KEYPOINTS) + len(GLOVE_KEYPOINTS)
        xy[:, 0, :n_hand], xy[:, 1, :n_hand], xy[:, 2, n_hand:] = left, right, pose
        truth_extra = {
            "attempt_start_s": timeline.attempt_start,
            "tube_start_s": timeline.tube_start,
            "attempt_end_s": timeline.attempt_end,
            "attempt_duration_s": timeline.attempt_end - timeline.attempt_start,
        }
        camera_view = "side"
    z = np.where(np.isnan(xy[..., :1]), np.nan, 0.0)
    palm_px = hand_size_px if procedure == "suturing" else hand_size_px * 0.6
    n_hand = len(HAND_KEYPOINTS) + len(GLOVE_KEYPOINTS)
    positions, confidence = add_tracking_artifacts(
        np.concatenate([xy, z], axis=-1),
        {0: slice(0, n_hand), 1: slice(0, n_hand)},
        {0: palm_px, 1: palm_px},
        fps,
        rng,
        noise_px=noise_px,
        dropout_share=dropout_share,
    )
    positions[..., 2] = np.where(np.isnan(positions[..., 0]), np.nan, 0.0)
    grs = _grs(s, rng)
    truth = {
        "skill": s,
        "level": skill_level(s),
        "grs": grs,
        "grs_range": list(GRS_RANGE),
        "procedure": procedure,
        "seed": int(seed),
        "dominant_hand": dominant_hand,
        "parameters": asdict(p),
        **truth_extra,
    }
    metadata: dict[str, Any] = {
        "source": f"synthetic:{procedure}:{skill_level(s)}:seed{seed}",
        "fps": float(fps),
        "width": int(width),
        "height": int(height),
        "kind": KIND_VIDEO_2D,
        "units": "px",
        "camera_view": camera_view,
        "trackers": [{"name": "synthetic", "version": "1"}],
        "synthetic": truth,
    }
    signals = {}
    for i, hand in enumerate(individuals[:2]):
        seen = ~np.isnan(positions[:, i, 0, 0])
        area = (hand_size_px / 0.75 if procedure == "suturing" else hand_size_px * 0.6 / 0.75) ** 2
        signals[f"{hand}.area_px"] = np.where(seen, area, np.nan)
    motion = Motion(
        positions, confidence, t, individuals, keypoints, ("x", "y", "z"), metadata=metadata, signals=signals
    )
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

"""Synthetic intubation practice: the laryngoscope and tube hands' plans, the timeline of the attempt,
and a side-view body (33 pose landmarks) with both hands, in px. Used by scoring/synthetic.py.

Novices take longer, lever the laryngoscope with the wrist instead of lifting along the forearm,
bend trunk and neck further and move the head more during the attempt (Carlson 2012; BMC Med Educ
2018), as the practice parameters say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from skillsight.pose.keypoints import HAND_KEYPOINTS, POSE_KEYPOINTS
from skillsight.scoring.synthetic_plans import (
    FINGERTIP_KEYPOINTS,
    HandPlan,
    PracticeParameters,
    SubmovementPlan,
    hand_keypoints,
    minimum_jerk,
    new_hand_plan,
    pause,
    reach,
    tremor_shake,
    two_link_elbow,
)


@dataclass
class IntubationTimeline:
    approach: float
    attempt_start: float
    tube_start: float
    attempt_end: float
    end: float


def intubation_plans(
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


FACE_OFFSETS = {  # hand sizes from the nose, for a side view facing +x
    "nose": (0.0, 0.0), "left_eye_inner": (-0.1, -0.3), "left_eye": (-0.15, -0.3),
    "left_eye_outer": (-0.25, -0.3), "right_eye_inner": (-0.05, -0.32), "right_eye": (-0.1, -0.32),
    "right_eye_outer": (-0.2, -0.32), "mouth_left": (-0.15, 0.3), "mouth_right": (-0.1, 0.3),
}  # fmt: skip
# Pose wrist, index, pinky and thumb points are the hand landmarks they sit on.
POSE_FROM_HAND = (
    ("wrist", "wrist"),
    ("index", "index_finger_mcp"),
    ("pinky", "pinky_mcp"),
    ("thumb", "thumb_tip"),
)
NEAR_SIDE_OFFSET = {"left": np.zeros(2), "right": np.array([0.25, -0.1])}  # the far side, seen past the body


@dataclass
class _Posture:
    """Trunk and head of the intubating trainee over time, in hand sizes (side view, +y down)."""

    hip: np.ndarray
    shoulder: np.ndarray
    ear: np.ndarray
    nose: np.ndarray


def _posture(
    p: PracticeParameters, t: np.ndarray, timeline: IntubationTimeline, rng: np.random.Generator
) -> _Posture:
    """Trunk and neck flexion, leaning in further during the attempt (novices more), head adjustments."""
    in_attempt = minimum_jerk((t - timeline.attempt_start) / 2.0) - minimum_jerk(
        (t - timeline.attempt_end) / 1.5
    )
    trunk = np.radians(p.trunk_flexion_deg + 6.0 * (1.0 - p.skill) * in_attempt + 3.0 * in_attempt)
    neck = np.radians(p.neck_flexion_deg + 4.0 * (1.0 - p.skill) * in_attempt)
    hip = np.tile(np.array([0.0, 4.0]), (t.size, 1))
    shoulder = hip + 5.0 * np.stack([np.sin(trunk), -np.cos(trunk)], axis=1)
    ear = shoulder + 1.4 * np.stack([np.sin(trunk + neck), -np.cos(trunk + neck)], axis=1)
    ear = ear + _head_adjustments(p, t, timeline, rng)
    face = np.stack([np.cos(trunk + neck), np.sin(trunk + neck)], axis=1)  # forward, across the neck
    return _Posture(hip, shoulder, ear, ear + 0.8 * face + np.array([0.0, 0.2]))


def _side_hand(
    p: PracticeParameters, t: np.ndarray, side: str, wrist: np.ndarray, elbow: np.ndarray,
    flex: np.ndarray, origin: np.ndarray, size: float, rng: np.random.Generator,
) -> np.ndarray:  # fmt: skip
    """(T, 23, 2) px: the 21 landmarks of one hand plus its centroid and tip, angled along the forearm;
    the laryngoscope (left) hand levers with the wrist flexion."""
    forearm = wrist - elbow
    forearm_angle = np.arctan2(forearm[:, 1], forearm[:, 0])
    # Wrist flexion (levering) tips the hand up relative to the forearm (y is image-down).
    hand_angle = forearm_angle - (flex if side == "left" else np.radians(5.0))
    forward = np.stack([np.cos(hand_angle), np.sin(hand_angle)], axis=1)
    palm_px = origin + size * wrist + 0.5 * size * forward
    shake = tremor_shake(t, p.tremor_hz, p.tremor_amplitude, rng) * size
    aperture = np.full(t.size, 0.25)
    points = hand_keypoints(palm_px + 0.15 * shake, hand_angle, aperture, size, mirror=(side == "right"))
    for name in FINGERTIP_KEYPOINTS:
        points[:, HAND_KEYPOINTS.index(name)] += shake
    tip = points[:, HAND_KEYPOINTS.index("middle_finger_tip")]
    return np.concatenate([points, points.mean(axis=1)[:, None], tip[:, None]], axis=1)


def body_and_hands(
    p: PracticeParameters, t: np.ndarray, lary: HandPlan, tube: HandPlan, timeline: IntubationTimeline,
    flexion: SubmovementPlan, origin: np.ndarray, size: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Pose (T, 33, 2) and the two hands (T, 23, 2), all in px, for a side view facing +x."""
    body = _posture(p, t, timeline, rng)
    wrists = {"left": lary.position.render(t), "right": tube.position.render(t)}
    elbows = {s: two_link_elbow(body.shoulder, w, 3.2, 2.8) for s, w in wrists.items()}
    flex = np.radians(flexion.render(t)[:, 0])
    pose = np.full((t.size, len(POSE_KEYPOINTS), 2), np.nan)
    hands = {}
    for side in ("left", "right"):
        hands[side] = _side_hand(p, t, side, wrists[side], elbows[side], flex, origin, size, rng)
        hip, off = body.hip, NEAR_SIDE_OFFSET[side]
        body_points = {
            "shoulder": body.shoulder, "elbow": elbows[side], "hip": hip, "ear": body.ear,
            "knee": hip + np.array([0.3, 4.5]), "ankle": hip + np.array([0.0, 8.8]),
            "heel": hip + np.array([-0.3, 9.1]), "foot_index": hip + np.array([1.0, 9.2]),
        }  # fmt: skip
        for name, xy in body_points.items():
            pose[:, POSE_KEYPOINTS.index(f"{side}_{name}")] = origin + size * (xy + off)
        for name, landmark in POSE_FROM_HAND:
            pose[:, POSE_KEYPOINTS.index(f"{side}_{name}")] = hands[side][:, HAND_KEYPOINTS.index(landmark)]
    for name, offset in FACE_OFFSETS.items():
        pose[:, POSE_KEYPOINTS.index(name)] = origin + size * (body.nose + np.array(offset))
    return pose, hands["left"], hands["right"]

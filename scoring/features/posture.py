"""Posture angles from the 33 MediaPipe pose landmarks of the "body" individual (side view).

Image coordinates have y pointing down, so "up" is -y. Angles are in degrees. Where both sides of the
body are seen, left and right landmarks are averaged (in a side view they nearly coincide).
"""

from __future__ import annotations

import warnings
from typing import Optional

import numpy as np

from skillsight.pose.motion import BODY, Motion
from skillsight.scoring.features.kinematics import spatial_axes


def body_point(motion: Motion, name: str) -> Optional[np.ndarray]:
    """(T, 2) in-plane position of a pose landmark; "mid_shoulder" etc. average left and right."""
    if BODY not in motion.individuals:
        return None
    names = [f"left_{name[4:]}", f"right_{name[4:]}"] if name.startswith("mid_") else [name]
    names = [n for n in names if n in motion.keypoints]
    if not names:
        return None
    x, y = spatial_axes(motion)[:2]
    tracks = np.stack([motion.track(BODY, n)[:, [x, y]] for n in names])
    if np.isnan(tracks).all():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # frames where neither side is seen stay NaN
        return np.nanmean(tracks, axis=0)


def angle_between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(T,) angle in degrees between two (T, 2) vector series."""
    dot = np.sum(u * v, axis=1)
    norm = np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.degrees(np.arccos(np.clip(dot / norm, -1.0, 1.0)))


UP = np.array([0.0, -1.0])


def trunk_flexion(motion: Motion) -> Optional[np.ndarray]:
    """(T,) forward bend of the trunk: angle of hip-midpoint -> shoulder-midpoint from vertical (deg)."""
    hip, shoulder = body_point(motion, "mid_hip"), body_point(motion, "mid_shoulder")
    if hip is None or shoulder is None:
        return None
    trunk = shoulder - hip
    return angle_between(trunk, np.broadcast_to(UP, trunk.shape))


def neck_flexion(motion: Motion) -> Optional[np.ndarray]:
    """(T,) bend of the neck relative to the trunk: shoulder-midpoint -> ear-midpoint vs the trunk (deg)."""
    hip, shoulder, ear = (
        body_point(motion, "mid_hip"),
        body_point(motion, "mid_shoulder"),
        body_point(motion, "mid_ear"),
    )
    if hip is None or shoulder is None or ear is None:
        return None
    return angle_between(ear - shoulder, shoulder - hip)


def elbow_elevation(motion: Motion, side: str) -> Optional[np.ndarray]:
    """(T,) elevation of the upper arm: shoulder -> elbow against the trunk's downward line (deg);
    0 with the arm hanging, 90 with it horizontal."""
    shoulder, elbow = body_point(motion, f"{side}_shoulder"), body_point(motion, f"{side}_elbow")
    hip = body_point(motion, f"{side}_hip")
    if hip is None:
        hip = body_point(motion, "mid_hip")
    if shoulder is None or elbow is None or hip is None:
        return None
    return angle_between(elbow - shoulder, hip - shoulder)


def wrist_flexion(motion: Motion, side: str) -> Optional[np.ndarray]:
    """(T,) signed bend at the wrist (deg): the turn from the forearm (elbow -> wrist) to the hand
    (wrist -> index); 0 = hand in line with the forearm (plus a fixed offset where the index landmark
    is off the hand's axis, which ranges and changes cancel). Uses the pose's index landmark, else
    the hand's middle-finger knuckle."""
    elbow, wrist = body_point(motion, f"{side}_elbow"), body_point(motion, f"{side}_wrist")
    hand_point = body_point(motion, f"{side}_index")
    hand = f"{side}_hand"
    if hand_point is None and hand in motion.individuals and "middle_finger_mcp" in motion.keypoints:
        x, y = spatial_axes(motion)[:2]
        hand_point = motion.track(hand, "middle_finger_mcp")[:, [x, y]]
        if hand in motion.individuals and "wrist" in motion.keypoints and wrist is None:
            wrist = motion.track(hand, "wrist")[:, [x, y]]
    if elbow is None or wrist is None or hand_point is None:
        return None
    return signed_angle(wrist - elbow, hand_point - wrist)


def signed_angle(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(T,) signed angle in degrees turning (T, 2) vectors u into v, in (-180, 180]."""
    cross = u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]
    return np.degrees(np.arctan2(cross, np.sum(u * v, axis=1)))

"""Where a hand is and how big it is, the same way for every tracker.

The centre of a hand is the mean of its 21 MediaPipe landmarks: the centre of the whole hand, fingers
included, as a glove blob's centroid is, so a track that switches between landmarks and gloves does
not jump. Averaging 21 points also cancels much of the per-landmark noise, which differs between a hand
and its mirror image (MediaPipe is not mirror-symmetric): the centre of the palm alone moved ~4% less in
a mirrored clip, the centre of all 21 landmarks the same.

A hand's size is a palm length measured on five palm segments at once (wrist to each finger's knuckle,
index to little-finger knuckle) rather than on one, for the same reason.
"""

from __future__ import annotations

import numpy as np

from skillsight.base.keypoints import HAND_INDIVIDUALS, HAND_KEYPOINTS
from skillsight.pose.motion import Motion

CENTROID = "centroid"
PALM_SEGMENTS: tuple[tuple[str, str], ...] = (
    ("wrist", "index_finger_mcp"),
    ("wrist", "middle_finger_mcp"),
    ("wrist", "ring_finger_mcp"),
    ("wrist", "pinky_mcp"),
    ("index_finger_mcp", "pinky_mcp"),
)
# Mean of the five segments / wrist-to-middle-knuckle, on MediaPipe landmarks of a real hand (the
# tfjs reference landmarks in ../shared: 0.94), so a hand size stays one palm length.
PALM_SEGMENTS_PER_PALM_LENGTH = 0.94


def landmark_centroid(points: np.ndarray) -> np.ndarray:
    """(..., D) centre of (..., 21, D) hand landmarks; NaN where any landmark is missing (MediaPipe
    reports all 21 or none, so a partial set means a broken frame, not a smaller hand)."""
    return np.asarray(points, dtype=np.float64).mean(axis=-2)


def has_hand_landmarks(motion: Motion) -> bool:
    return all(k in motion.keypoints for k in HAND_KEYPOINTS)


def with_landmark_centroids(motion: Motion) -> Motion:
    """The motion with a "centroid" keypoint for each landmark hand (the landmarks' centre), so
    features follow the same point whichever tracker made the motion. Unchanged when it has one."""
    if CENTROID in motion.keypoints or not has_hand_landmarks(motion):
        return motion
    landmarks = [motion.keypoint_index(k) for k in HAND_KEYPOINTS]
    hands = [i for i, name in enumerate(motion.individuals) if name in HAND_INDIVIDUALS]
    t, n_ind, _, n_space = motion.positions.shape
    centre = np.full((t, n_ind, 1, n_space), np.nan)
    confidence = np.zeros((t, n_ind, 1))
    for i in hands:
        centre[:, i, 0] = landmark_centroid(motion.positions[:, i, landmarks])
        seen = np.isfinite(centre[:, i, 0]).all(axis=1)
        confidence[seen, i, 0] = motion.confidence[seen, i][:, landmarks].min(axis=1)
    filled = None
    if motion.filled is not None:
        extra = np.zeros((t, n_ind, 1), dtype=bool)
        for i in hands:
            extra[:, i, 0] = motion.filled[:, i][:, landmarks].any(axis=1)
        filled = np.concatenate([motion.filled, extra], axis=2)
    world = None
    if motion.world_positions is not None:
        world_centre = np.full((t, n_ind, 1, motion.world_positions.shape[-1]), np.nan)
        for i in hands:
            world_centre[:, i, 0] = landmark_centroid(motion.world_positions[:, i, landmarks])
        world = np.concatenate([motion.world_positions, world_centre], axis=2)
    return motion.with_updates(
        positions=np.concatenate([motion.positions, centre], axis=2),
        confidence=np.concatenate([motion.confidence, confidence], axis=2),
        keypoints=(*motion.keypoints, CENTROID),
        filled=filled,
        world_positions=world,
    )


def palm_length_per_frame(motion: Motion, hand: str, axes: list[int]) -> np.ndarray:
    """(T,) palm length from the five palm segments (NaN where a landmark is missing)."""
    lengths = [
        np.linalg.norm(motion.track(hand, a)[:, axes] - motion.track(hand, b)[:, axes], axis=1)
        for a, b in PALM_SEGMENTS
    ]
    return np.mean(lengths, axis=0) / PALM_SEGMENTS_PER_PALM_LENGTH

"""Keypoint names, re-exported from their one definition in skillsight.base.keypoints.

The names are shared vocabulary (capture draws skeletons by them, pose tracks them), so they live in
the base layer below both; this module keeps the pose.keypoints import path working.
"""

from skillsight.base.keypoints import GLOVE_KEYPOINTS, HAND_INDIVIDUALS, HAND_KEYPOINTS, POSE_KEYPOINTS

__all__ = ["GLOVE_KEYPOINTS", "HAND_INDIVIDUALS", "HAND_KEYPOINTS", "POSE_KEYPOINTS"]

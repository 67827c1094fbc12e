"""Trackers behind one Protocol and a registry; see `base`."""

from skillsight.pose.trackers.base import (
    CAMERA_VIEWS,
    DEFAULT_CAMERA_VIEW,
    FrameObservation,
    Tracker,
    available_trackers,
    create_tracker,
    register_tracker,
)

__all__ = [
    "CAMERA_VIEWS",
    "DEFAULT_CAMERA_VIEW",
    "FrameObservation",
    "Tracker",
    "available_trackers",
    "create_tracker",
    "register_tracker",
]

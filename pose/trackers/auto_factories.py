"""How `auto` builds its trackers: MediaPipe's hands, the glove tracker, and the skin-tone latex tracker (the
glove trackers load OpenCV only when built)."""

from __future__ import annotations

from typing import Callable

from skillsight.pose.trackers.base import Tracker, create_tracker

TrackerFactory = Callable[[], Tracker]


def default_gloves_factory(
    camera_view: str, glove_color: str, independent_frames: bool, skin_tone_gloves: bool
) -> TrackerFactory:
    from skillsight.pose.trackers.gloves import GloveTracker  # lazy: OpenCV loads only for gloves

    def gloves_factory() -> Tracker:
        return GloveTracker(
            camera_view=camera_view,
            glove_color=glove_color,
            independent_frames=independent_frames,
            skin_tone_gloves=skin_tone_gloves,
        )

    return gloves_factory


def default_hands_factory(camera_view: str, independent_frames: bool = False) -> TrackerFactory:
    def build() -> Tracker:
        options = {"independent_frames": True} if independent_frames else {}
        return create_tracker("hands", camera_view=camera_view, **options)

    return build


def skin_latex_factory(camera_view: str) -> TrackerFactory:
    def build() -> Tracker:
        from skillsight.pose.trackers.gloves.latex import latex_tracker  # lazy: OpenCV loads only for gloves

        return latex_tracker(camera_view)

    return build

"""capture: frames in (video files, image folders, webcams), annotated video out.

Importing this package is light (numpy only); PyAV and OpenCV load when a source, sink or drawing
function first needs them.
"""

from __future__ import annotations

from skillsight.capture.drawing import (
    draw_glove,
    draw_hand_skeleton,
    draw_pose_skeleton,
    draw_quality_badge,
    draw_trail,
)
from skillsight.capture.frames import (
    CaptureError,
    DecodeDamage,
    DecodeInterrupted,
    EmptyVideoError,
    Frame,
    FrameSource,
    NotAVideoError,
    SourceNotFoundError,
    UnsupportedCodecError,
    VideoInfo,
)
from skillsight.capture.resize import downscale_for_tracking, map_points_to_original, tracking_scale
from skillsight.capture.sinks import AnnotatedVideoWriter
from skillsight.capture.sources import (
    ImageFolderSource,
    VideoFileSource,
    WebcamSource,
    open_source,
    prefetch_frames,
)

__all__ = [
    "AnnotatedVideoWriter",
    "CaptureError",
    "DecodeDamage",
    "DecodeInterrupted",
    "EmptyVideoError",
    "Frame",
    "FrameSource",
    "ImageFolderSource",
    "NotAVideoError",
    "SourceNotFoundError",
    "UnsupportedCodecError",
    "VideoFileSource",
    "VideoInfo",
    "WebcamSource",
    "downscale_for_tracking",
    "draw_glove",
    "draw_hand_skeleton",
    "draw_pose_skeleton",
    "draw_quality_badge",
    "draw_trail",
    "map_points_to_original",
    "open_source",
    "prefetch_frames",
    "tracking_scale",
]

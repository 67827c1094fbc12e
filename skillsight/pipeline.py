"""The one assessment path that the CLI, the app and batch workers share.

frames (capture) -> motion (pose) -> features, reference, scorer (scoring) -> Assessment.
Each step lives in its own package; this module only wires them together.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Union

from skillsight.pose.motion import Motion
from skillsight.scoring.results import Assessment

# progress(done_frames, total_frames_or_None)
ProgressCallback = Callable[[int, Optional[int]], None]
PathLike = Union[str, "os.PathLike[str]"]


@dataclass
class AssessmentRun:
    """A motion and the assessment made from it."""

    motion: Motion
    assessment: Assessment


def load_or_track(
    source: PathLike | int,
    procedure: str,
    *,
    tracker: Optional[str] = None,
    camera_view: Optional[str] = None,
    progress: Optional[ProgressCallback] = None,
    overlay_path: Optional[PathLike] = None,
    marker_mm: Optional[float] = None,
) -> Motion:
    """A file that holds motion (a motion file, BVH motion capture, JIGSAWS kinematics) is loaded as it
    is; a video, image folder or webcam is tracked with the procedure's trackers (or `tracker` when
    given) and its tracker options (mirror averaging)."""
    if not isinstance(source, int):
        from skillsight.datasets.practice_files import read_practice_motion

        motion = read_practice_motion(source)
        if motion is not None:
            return motion
    from skillsight.pose.track import track_source
    from skillsight.scoring.procedure import load_procedure

    proc = load_procedure(procedure)
    return track_source(
        source,
        tracker=tracker or proc.tracker,
        camera_view=camera_view or proc.camera_view,
        progress=progress,
        overlay_path=Path(overlay_path) if overlay_path else None,
        marker_mm=marker_mm,
        tracker_options=proc.tracker_options,
    )


def assess_source(
    source: PathLike | int,
    procedure: str,
    *,
    model: Optional[PathLike] = None,
    reference: Optional[PathLike] = None,
    dominant_hand: str = "right",
    tracker: Optional[str] = None,
    camera_view: Optional[str] = None,
    progress: Optional[ProgressCallback] = None,
    overlay_path: Optional[PathLike] = None,
    marker_mm: Optional[float] = None,
) -> AssessmentRun:
    """Track (or load) a source and assess it: the single path behind every entry point."""
    from skillsight.scoring.assessment import assess_motion

    model, reference = model_and_reference(procedure, model, reference)
    motion = load_or_track(
        source,
        procedure,
        tracker=tracker,
        camera_view=camera_view,
        progress=progress,
        overlay_path=overlay_path,
        marker_mm=marker_mm,
    )
    assessment = assess_motion(
        motion,
        procedure,
        model=model,
        reference=reference,
        dominant_hand=dominant_hand,
    )
    return AssessmentRun(motion=motion, assessment=assessment)


def model_and_reference(
    procedure: str, model: Optional[PathLike], reference: Optional[PathLike]
) -> tuple[PathLike, PathLike]:
    """The scorer and reference to use: those given, else the procedure's shipped ones. Resolved before
    any tracking, so a procedure without a model fails in a moment, not after minutes of video."""
    from skillsight.models import default_model_path, default_reference_path
    from skillsight.scoring.procedure import load_procedure

    name = load_procedure(procedure).name
    return (
        model if model is not None else default_model_path(name),
        reference if reference is not None else default_reference_path(name),
    )

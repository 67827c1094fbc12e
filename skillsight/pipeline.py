"""The one assessment path that the CLI, the app and batch workers share.

frames (capture) -> motion (pose) -> features, reference, scorer (scoring) -> Assessment.
Each step lives in its own package; this module only wires them together.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Union

from skillsight.datasets.practice_files import read_practice_motion
from skillsight.models import default_model_path, default_reference_path
from skillsight.pose.motion import Motion
from skillsight.scoring.assessment import assess_motion
from skillsight.scoring.damage import apply_decode_damage, damage_of
from skillsight.scoring.damage import max_undecodable_share as damage_limit
from skillsight.scoring.procedure import load_procedure
from skillsight.scoring.procedure_tracking import track_for_procedure
from skillsight.scoring.reference import load_reference
from skillsight.scoring.results import Assessment
from skillsight.scoring.scorer import ModelError, load_scorer

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
        motion = read_practice_motion(source)
        if motion is not None:
            return motion
    return track_for_procedure(
        source,
        procedure,
        tracker=tracker,
        camera_view=camera_view,
        progress=progress,
        overlay_path=overlay_path,
        marker_mm=marker_mm,
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
    max_undecodable_share: Optional[float] = None,
) -> AssessmentRun:
    """Track (or load) a source and assess it: the single path behind every entry point.

    Decoding damage recorded with the motion goes into the assessment: a warning, or the DAMAGED status
    above `max_undecodable_share` (default: scoring.damage's, or $SKILLSIGHT_MAX_UNDECODABLE).
    """

    limit = damage_limit(max_undecodable_share)  # a bad limit fails before any tracking
    model_path, reference_path = model_and_reference(procedure, model, reference)
    scorer, expert_reference = load_model_and_reference(model_path, reference_path)
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
        model=scorer,
        reference=expert_reference,
        dominant_hand=dominant_hand,
    )
    assessment = apply_decode_damage(assessment, damage_of(motion.metadata), limit)
    return AssessmentRun(motion=motion, assessment=assessment)


def model_and_reference(
    procedure: str, model: Optional[PathLike], reference: Optional[PathLike]
) -> tuple[PathLike, PathLike]:
    """The scorer and reference to use: those given, else the procedure's shipped ones. Resolved before
    any tracking, so a procedure without a model fails in a moment, not after minutes of video."""

    name = load_procedure(procedure).name
    return (
        model if model is not None else default_model_path(name),
        reference if reference is not None else default_reference_path(name),
    )


def load_model_and_reference(model: PathLike, reference: PathLike) -> tuple[Any, Any]:
    """The scorer and reference, loaded and verified before any tracking (minutes of video are not
    spent before a broken card is found); a problem with them names their own files, never the
    recording being scored."""

    loaded: list[Any] = []
    for path, load in ((model, load_scorer), (reference, load_reference)):
        try:
            loaded.append(load(Path(path)))  # type: ignore[operator]
        except (ValueError, OSError):
            raise  # our loaders' errors name the file already
        except Exception as exc:
            raise ModelError(f"{path}: cannot be used ({type(exc).__name__}: {exc})") from exc
    return loaded[0], loaded[1]

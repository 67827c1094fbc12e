"""The one assessment path that the CLI, the app and batch workers share.

frames (capture) -> motion (pose) -> features, reference, scorer (scoring) -> Assessment.
Each step lives in its own package; this module only wires them together. An entry point builds one
`ScoreRequest` (skillsight.score_request) and calls `assess`; the procedure is resolved once, there.

Work only where needed: the model and reference are loaded and checked, and a recording too short to
score is refused from its container's packets, before any tracking.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

from skillsight.capture.container import container_length
from skillsight.capture.frames import MIN_MOTION_FRAMES
from skillsight.datasets.practice_files import read_practice_motion
from skillsight.models import default_model_path, default_reference_path
from skillsight.pose.motion import Motion, empty_motion
from skillsight.pose.track import track
from skillsight.score_request import ProgressCallback, ScoreRequest
from skillsight.scoring.assessment import assess_motion, too_short
from skillsight.scoring.damage import apply_decode_damage, damage_of
from skillsight.scoring.damage import max_undecodable_share as damage_limit
from skillsight.scoring.procedure import Procedure, load_procedure
from skillsight.scoring.reference import load_reference
from skillsight.scoring.results import Assessment, ResultStatus
from skillsight.scoring.scorer import ModelError, load_scorer

__all__ = ["AssessmentRun", "ProgressCallback", "ScoreRequest", "assess", "assess_source", "load_or_track"]

PathLike = Union[str, "os.PathLike[str]"]


@dataclass
class AssessmentRun:
    """A motion and the assessment made from it."""

    motion: Motion
    assessment: Assessment


def assess(request: ScoreRequest) -> AssessmentRun:
    """Track (or load) the request's source and assess it: the single path behind every entry point.

    Decoding damage recorded with the motion goes into the assessment: a warning, or the DAMAGED status
    above the request's `max_undecodable_share` (default: scoring.damage's, or the environment's).
    """
    limit = damage_limit(request.max_undecodable_share)  # a bad limit fails before any tracking
    model_path, reference_path = model_and_reference(request.procedure, request.model, request.reference)
    scorer, expert_reference = load_model_and_reference(model_path, reference_path)
    early = refusal_before_tracking(request)
    if early is not None:
        return early
    motion = motion_for(request)
    assessment = assess_motion(
        motion,
        request.procedure,
        model=scorer,
        reference=expert_reference,
        dominant_hand=request.dominant_hand,
    )
    assessment = apply_decode_damage(assessment, damage_of(motion.metadata), limit)
    return AssessmentRun(motion=motion, assessment=assessment)


def assess_source(source: PathLike | int, procedure: Union[str, Procedure], **options: Any) -> AssessmentRun:
    """`assess` from plain values (ScoreRequest.build's keywords: model, reference, dominant_hand,
    tracker, camera_view, progress, overlay_path, marker_mm, max_undecodable_share, threads)."""
    return assess(ScoreRequest.build(source, procedure, **options))


def motion_for(request: ScoreRequest) -> Motion:
    """A file that holds motion (a motion file, BVH motion capture, JIGSAWS kinematics) is loaded as it
    is; a video, image folder or webcam is tracked with the procedure's trackers (or the request's)."""
    if not request.is_webcam:
        motion = read_practice_motion(request.source)  # type: ignore[arg-type]
        if motion is not None:
            return motion
    return track(request.source, request.tracking(), request.progress)


def load_or_track(source: PathLike | int, procedure: Union[str, Procedure], **options: Any) -> Motion:
    """`motion_for` from plain values (e.g. a dataset loader tracking its videos, tracker=...)."""
    return motion_for(ScoreRequest.build(source, procedure, **options))


def refusal_before_tracking(request: ScoreRequest) -> Optional[AssessmentRun]:
    """A video whose packets cover less time than the procedure needs is refused now, as tracking it
    would be refused afterwards (the packets, not the header's duration, so a container that misreports
    its length is neither refused wrongly nor tracked for nothing; a file whose packets end before its
    header's duration is cut, and decoding measures its damage). None: track it."""
    source = request.source
    if request.is_webcam or not Path(source).is_file() or read_practice_motion(source) is not None:  # type: ignore[arg-type]
        return None
    length = container_length(source)  # type: ignore[arg-type]
    minimum = float(request.procedure.min_duration_s)
    if length is None or length.span_s >= minimum or length.cut_short or length.packets < MIN_MOTION_FRAMES:
        return None  # long enough, unknown, cut short or a still: decoding measures what is there
    span = length.span_s
    reason, advice = too_short(span, minimum)
    assessment = Assessment(
        status=ResultStatus.REFUSED.value,
        procedure=request.procedure.name,
        refusal_reasons=[reason],
        advice=[advice],
        provenance={
            "dominant_hand": request.dominant_hand,
            "refused_before_tracking": {"container_span_s": round(span, 3), "min_duration_s": minimum},
        },
    )
    metadata = {"source": str(Path(source).resolve()), "refused_before_tracking": True}  # type: ignore[arg-type]
    return AssessmentRun(
        motion=empty_motion(("left_hand", "right_hand"), ("wrist",), metadata=metadata), assessment=assessment
    )


def model_and_reference(
    procedure: Union[str, Procedure], model: Optional[PathLike], reference: Optional[PathLike]
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

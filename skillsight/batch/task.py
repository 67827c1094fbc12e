"""The per-video task that the local pool and Dask workers run: the one assessment path, never raising.

`score_with` scores one video (or motion file), writes its motion file and JSON result into the output
folder (named by content, so a renamed file finds its result) and returns a `VideoResult` whose status
is the assessment's (`ResultStatus`); a file that is not a readable video becomes UNREADABLE (its result
file kept, so later runs skip it until it changes), anything else that goes wrong a FAILED result naming
the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional

from skillsight import pipeline  # called as pipeline.X: tests and plugins replace them there
from skillsight.base.hashing import file_sha256
from skillsight.batch.inputs import MOTION_SUFFIX
from skillsight.batch.results import (
    RESULT_SUFFIX,
    VideoResult,
    VideoTask,
    assessment_error,
    make_result_key,
    result_stem,
    write_result,
)
from skillsight.capture.frames import EmptyVideoError, NotAVideoError, UnsupportedCodecError
from skillsight.pose.motion import save_motion
from skillsight.score_request import ScoreRequest
from skillsight.scoring.results import ResultStatus

if TYPE_CHECKING:
    from skillsight.pipeline import AssessmentRun


def _error_message(task: VideoTask, exc: BaseException) -> str:
    """The error as results.csv says it: the video named as in its video column (never the absolute path
    this machine read it from, which only repeated what that column says)."""
    message = (str(exc) or type(exc).__name__).replace(task.source, task.video)
    if task.video not in message and Path(task.source).name not in message:
        message = f"{task.video}: {message}"
    return message


# Errors about the file's content (it would fail the same way again), not about the moment.
UNREADABLE_ERRORS = (NotAVideoError, EmptyVideoError, UnsupportedCodecError)

AssessFunction = Callable[[ScoreRequest], "AssessmentRun"]


def score_with(task: VideoTask, assess: AssessFunction) -> VideoResult:
    """Score one video with `assess` (pipeline.assess: a ScoreRequest in), write its outputs, never raise."""
    started = time.perf_counter()
    result = VideoResult(
        video=task.video,
        source=task.source,
        procedure=task.procedure_name,
        status=ResultStatus.FAILED.value,
        participant=task.participant,
        dominant_hand=task.dominant_hand,
        model_identity=task.model_identity,
        reference_identity=task.reference_identity,
    )
    marker = in_progress_marker(task)
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch(mode=0o600)  # owner-only, as every file batch writes
        _score_into(result, task, assess, FramesToMarker(marker))
        result.elapsed_s = round(time.perf_counter() - started, 3)
        write_result(result)
    except Exception as exc:  # one bad video must never stop the batch
        result.error = _error_message(task, exc)
        result.elapsed_s = round(time.perf_counter() - started, 3)
        _record_failure(result, exc)
    marker.unlink(missing_ok=True)
    return result


def _record_failure(result: VideoResult, exc: Exception) -> None:
    """A file that is not a readable video is UNREADABLE, its result file kept (keyed by content, so the
    next run skips it until the file changes); anything else FAILED, with no file (retried next run)."""
    if isinstance(exc, UNREADABLE_ERRORS) and result.key and result.result_path:
        result.status = ResultStatus.UNREADABLE.value
        with contextlib.suppress(OSError):  # unrecorded, it is simply tried again next run
            write_result(result)
        return
    result.status = ResultStatus.FAILED.value
    result.result_path = None


def _score_into(
    result: VideoResult, task: VideoTask, assess: AssessFunction, progress: Optional[FramesToMarker] = None
) -> None:
    source = Path(task.source)
    if not source.is_file():
        raise FileNotFoundError(f"{source}: file not found")
    sha = file_sha256(source)
    result.source_sha256 = sha
    result.key = make_result_key(
        sha,
        task.procedure_name,
        task.dominant_hand,
        task.model_identity,
        task.reference_identity,
        task.participant,
    )
    out_dir = Path(task.out_dir)
    stem = result_stem(sha, task.procedure_name, task.participant)
    result.result_path = str(out_dir / f"{stem}{RESULT_SUFFIX}")
    is_video = not source.name.lower().endswith(MOTION_SUFFIX)
    overlay = out_dir / f"{stem}.overlay.mp4" if task.overlay and is_video else None
    request = ScoreRequest.build(
        str(source),
        task.procedure,
        model=task.model,
        reference=task.reference,
        dominant_hand=task.dominant_hand,
        overlay_path=overlay,
        max_undecodable_share=task.max_undecodable_share,
        threads=task.threads,
        progress=progress,
    )
    run = assess(request)
    assessment = run.assessment
    motion_path = save_motion(run.motion, out_dir / f"{stem}{MOTION_SUFFIX}")
    interval = assessment.score_interval or (None, None)
    result.status = assessment.status
    result.error = assessment_error(assessment)
    result.skill_level = assessment.skill_level
    result.score = plain_float(assessment.score)
    result.score_low = plain_float(interval[0])
    result.score_high = plain_float(interval[1])
    result.tracking_quality = assessment.tracking_quality.stored_share  # as the database stores it
    result.metrics = {m.name: plain_float(m.value) for m in assessment.metrics}
    result.metric_units = {m.name: m.unit for m in assessment.metrics}
    result.assessment = assessment.to_dict()
    result.motion_path = str(motion_path)
    result.overlay_path = str(overlay) if overlay and overlay.exists() else None


def plain_float(value: Any) -> Optional[float]:
    if value is None:
        return None
    number = float(value)
    return number if number == number and abs(number) != float("inf") else None


def score_one(task: VideoTask) -> VideoResult:
    """The per-video task that the local pool and Dask workers run: the one assessment path."""
    return score_with(task, pipeline.assess)


def in_progress_marker(task: VideoTask) -> Path:
    """A file that exists while a worker is scoring `task`: after a worker dies, it names the suspects.
    While tracking, it holds "DONE TOTAL" frames (FramesToMarker), which the batch bar reads."""
    name = hashlib.sha256(f"{task.source}|{task.participant or ''}".encode()).hexdigest()[:16]
    return Path(task.out_dir) / ".in-progress" / name


# A worker writes its frame count into its marker at most this often (the bar reads it about as often).
MARKER_EVERY_S = 1.0


class FramesToMarker:
    """A tracking progress callback that writes "DONE TOTAL" into the video's in-progress marker, so the
    parent (on this machine or, under Dask, on the shared output folder) can show frames, not only
    whole videos."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker
        self._last = -float("inf")

    def __call__(self, done: int, total: Optional[int]) -> None:
        now = time.monotonic()
        if now - self._last < MARKER_EVERY_S and done != total:
            return
        self._last = now
        with contextlib.suppress(OSError):  # progress is a courtesy: never fail a video over it
            self.marker.write_text(f"{done} {total or 0}", encoding="ascii")


def read_marker(marker: Path) -> Optional[tuple[int, int]]:
    """(frames done, frames in all) from a marker: (0, 0) before tracking counts (setting up, or a count
    half-written), None when there is no marker (not started, or finished)."""
    try:
        text = marker.read_text(encoding="ascii")
    except OSError:
        return None
    try:
        done, total = text.split()
        return int(done), int(total)
    except ValueError:
        return 0, 0

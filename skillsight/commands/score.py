"""`skillsight score`: assess one practice video or motion file.

Exit codes (scoring/results.py, one per ResultStatus): 0 scored, 3 refused (tracking too poor, clip too
short, or a model or reference that does not fit the motion; the reasons and what to change are
printed), 4 out of domain (level and score withheld: the motion is unlike the model's training
data; metrics and the expert comparison are printed), 5 damaged (more of the recording undecodable
than --max-undecodable allows), 1 error (a missing or broken file), 2 usage (an unknown procedure, a
bad option, a --json target that cannot be written (a missing folder is made): all found before any
tracking).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn, Optional

import typer

from skillsight.artifact_packages import artifact_file
from skillsight.base.atomic import write_json_atomic as write_json
from skillsight.capture.frames import CaptureError
from skillsight.commands.console import SETUP_NOTE_AFTER_S, FrameProgress, native_logs_filtered
from skillsight.data_folder import default_data_dir
from skillsight.packages import PackageError
from skillsight.pose.motion import KIND_VIDEO_2D
from skillsight.score_request import ScoreRequest
from skillsight.scoring.damage import max_undecodable_share
from skillsight.scoring.metric_display import metric_display, motion_kind_text
from skillsight.scoring.procedure import ProcedureError, load_procedure
from skillsight.scoring.results import EXIT_ERROR, EXIT_USAGE, Assessment, ResultStatus
from skillsight.webapp.report_content import plain_text
from skillsight.webapp.views import (
    badge_text,
    caveat,
    details_lines,
    lead_metric_names,
    position_text,
    probability_text,
)

FEEDBACK_SHOWN = 5


def register(app: typer.Typer) -> None:
    @app.command("score")
    def score(
        source: str = typer.Argument(
            ...,
            help="A practice video, image folder or webcam index; or motion: a .motion.npz, a .bvh "
            "recording (file or folder) or a JIGSAWS kinematics .txt",
        ),
        procedure: str = typer.Option(
            ..., "--procedure", "-p", help="suturing, intubation, or a procedure file"
        ),
        reference: Optional[str] = typer.Option(
            None, "--reference", help="Expert reference: a JSON file or an installed reference's name"
        ),
        model: Optional[str] = typer.Option(
            None, "--model", help="Scorer: an .onnx (its .json card beside it) or an installed model's name"
        ),
        json_out: Optional[str] = typer.Option(
            None, "--json", help="Write the full assessment as JSON ('-': stdout)"
        ),
        dominant_hand: str = typer.Option("right", "--dominant-hand", help="right or left"),
        tracker: Optional[str] = typer.Option(None, "--tracker", help="Override the procedure's tracker"),
        camera_view: Optional[str] = typer.Option(None, "--camera-view", help="front, top or side"),
        progress: bool = typer.Option(True, "--progress/--no-progress", help="Show tracking progress"),
        marker_mm: Optional[float] = typer.Option(
            None, "--marker-mm", help="Side of a printed ArUco marker on the pad, in mm: distances in mm."
        ),
        max_undecodable: Optional[float] = typer.Option(
            None,
            "--max-undecodable",
            help="Largest share of undecodable frames still scored, with a warning (default 0.10, or the "
            "variable named above); above it the result is 'damaged' (exit 5).",
        ),
    ) -> None:
        """Score a practice against the expert reference, with ranked feedback (exit 0 scored, 3 refused,
        4 out of domain, 5 damaged, 1 error, 2 usage).

        --max-undecodable defaults to 0.10, or to $SKILLSIGHT_MAX_UNDECODABLE where it is set."""
        check_usage(procedure, dominant_hand, json_out, max_undecodable)
        model_file, reference_file = named_artifacts(model, reference)
        try:
            request = ScoreRequest.build(
                _source_spec(source),
                procedure,
                model=model_file,
                reference=reference_file,
                dominant_hand=dominant_hand,
                tracker=tracker,
                camera_view=camera_view,
                marker_mm=marker_mm,
                max_undecodable_share=max_undecodable,
            )
            assessment = run_score(request, show_progress=progress and json_out != "-")
        except KeyboardInterrupt:
            _fail("interrupted")
        except Exception as exc:  # every failure becomes one clear line, never a traceback
            _fail(_describe(exc, source) + _installed_hint(exc, procedure))
        emit(assessment, json_out)
        raise typer.Exit(exit_code(assessment))


def emit(assessment: Assessment, json_out: Optional[str]) -> None:
    """Print the summary (first: a failed JSON write then loses nothing) and write the JSON."""
    if json_out != "-":
        typer.echo(render_assessment(assessment))
    if json_out == "-":
        typer.echo(assessment.to_json())
    elif json_out:
        try:
            write_json_atomic(Path(json_out), assessment.to_dict())
        except OSError as exc:
            _fail(f"{json_out}: the assessment could not be written ({exc}); it is printed above")


def exit_code(assessment: Assessment) -> int:
    """The documented exit code of the assessment's status."""
    try:
        return ResultStatus(assessment.status).exit_code
    except ValueError:
        return EXIT_ERROR


def check_usage(
    procedure: str, dominant_hand: str, json_out: Optional[str], max_undecodable: Optional[float]
) -> None:
    """Everything that can be wrong with the command line, found before minutes of tracking (exit 2)."""

    if dominant_hand not in ("left", "right"):
        _fail(f"--dominant-hand must be 'left' or 'right', not {dominant_hand!r}", code=EXIT_USAGE)
    try:
        max_undecodable_share(max_undecodable)
    except ValueError as exc:
        _fail(f"--max-undecodable: {exc}", code=EXIT_USAGE)
    try:
        load_procedure(procedure)
    except ProcedureError as exc:  # an unknown name is usage; a broken procedure file is an error
        _fail(str(exc), code=EXIT_ERROR if procedure.endswith(".json") else EXIT_USAGE)
    if json_out and json_out != "-":
        problem = json_target_problem(Path(json_out))
        if problem:
            _fail(f"--json {json_out}: {problem}", code=EXIT_USAGE)


def named_artifacts(model: Optional[str], reference: Optional[str]) -> tuple[Optional[Path], Optional[Path]]:
    """The files --model and --reference name (a path, or a shipped or installed name); exit 2 if none."""
    try:
        data_dir = default_data_dir()
        return artifact_file("model", model, data_dir), artifact_file("reference", reference, data_dir)
    except PackageError as exc:
        _fail(str(exc), code=EXIT_USAGE)


def json_target_problem(path: Path) -> Optional[str]:
    """Why `path` cannot receive the JSON (a folder, a path under a file, an unwritable folder), or None.
    A missing folder is no problem: it is made, as for every file SkillSight writes (`export --out`,
    `track --out`, `sessions export --csv`), so the nearest folder that exists must be writable."""
    import os

    if path.is_dir():
        return "is a folder; give a file name, e.g. result.json"
    folder = path.parent if str(path.parent) else Path(".")
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    if not folder.is_dir():
        return f"{folder} is a file, not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"its folder {folder} is not writable"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file exists and is not writable"
    return None


def _source_spec(source: str) -> Any:
    """A webcam index, or a file or folder that must exist."""
    if source.isdigit() and not Path(source).exists():
        return int(source)
    if not Path(source).exists():
        raise FileNotFoundError(f"{source}: no such file or folder")
    return source


def run_score(request: ScoreRequest, *, show_progress: bool) -> Assessment:
    """Score one request through the pipeline, with a progress bar and MediaPipe's logs filtered."""
    # Imported here, and called as pipeline.X (tests and plugins replace them there): the scoring
    # stack is heavy and only this command and `reference` need it.
    from skillsight import pipeline
    from skillsight.datasets.practice_files import holds_motion

    with native_logs_filtered() as stderr:
        bar = FrameProgress(stderr) if show_progress else None
        if bar is not None and not holds_motion(request.source):
            bar.note_setup(SETUP_NOTE_AFTER_S)
        try:
            run = pipeline.assess(replace(request, progress=bar.update_to if bar else None))
        finally:
            if bar:
                bar.close()
    return run.assessment


def _describe(exc: BaseException, source: str) -> str:
    """Our loaders' errors already name the file; anything else gets the source in front."""
    message = str(exc) or type(exc).__name__
    names_its_file = isinstance(exc, (OSError, ValueError, CaptureError))
    return message if names_its_file else f"{source}: {type(exc).__name__}: {message}"


def _installed_hint(exc: BaseException, procedure: str) -> str:
    """For a procedure without a shipped model or reference: the ones `skillsight import` installed,
    which are only used when named (a lab chooses its own)."""
    from skillsight.artifact_packages import names_for
    from skillsight.models import DefaultModelMissing

    if not isinstance(exc, DefaultModelMissing):
        return ""
    kind = "model" if str(exc).startswith("no shipped scorer") else "reference"
    installed = names_for(kind, procedure, default_data_dir())
    return f"; installed here: {', '.join(installed)} (name one with --{kind})" if installed else ""


def _fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def write_json_atomic(path: Path, data: Any) -> None:
    write_json(path, data)


def render_assessment(assessment: Assessment) -> str:
    """The human-readable summary printed by `skillsight score`."""
    lines = [f"WARNING: {warning}" for warning in assessment.warnings]
    lines.append(f"Procedure: {assessment.procedure}")
    quality = assessment.tracking_quality
    kind = str(assessment.provenance.get("motion_kind") or KIND_VIDEO_2D)
    if quality.n_frames and kind != KIND_VIDEO_2D:  # recorded motion: nothing was tracked
        lines.append(
            f"Motion: {motion_kind_text(kind)}, required hands in {quality.share:.0%} of "
            f"{quality.n_frames} samples ({quality.duration_s:.1f} s)"
        )
    elif quality.n_frames:
        lines.append(
            f"Tracking: required hands in {quality.share:.0%} of {quality.n_frames} frames "
            f"({quality.duration_s:.1f} s)"
        )
    if assessment.status == ResultStatus.OUT_OF_DOMAIN.value:
        lines.append("LEVEL AND SCORE WITHHELD: this model cannot judge this recording.")
        lines += [f"  - {reason}" for reason in assessment.refusal_reasons]
        lines += _feedback_lines(assessment)
        return "\n".join(lines + _provenance_lines(assessment))
    if not assessment.scored:
        damaged = assessment.status == ResultStatus.DAMAGED.value
        lines.append(
            "NOT SCORED: the recording is damaged."
            if damaged
            else "NOT SCORED: the recording can't be scored reliably."
        )
        lines += [f"  - {reason}" for reason in assessment.refusal_reasons]
        if assessment.advice:
            lines.append("What to change:")
            lines += [f"  - {tip}" for tip in assessment.advice]
        return "\n".join(lines + _provenance_lines(assessment))

    probabilities = ", ".join(f"{k} {probability_text(v)}" for k, v in assessment.level_probabilities.items())
    lines.append(f"Skill level: {assessment.skill_level} ({probabilities})")
    if assessment.score is not None and assessment.score_interval:
        low, high = assessment.score_interval
        coverage = f"{assessment.interval_coverage:.0%} " if assessment.interval_coverage else ""
        lines.append(
            f"Score: {assessment.score:.1f} on {assessment.score_scale or 'the score scale'} "
            f"({coverage}interval {low:.1f}-{high:.1f})"
        )
    explanation = (assessment.provenance.get("consistency") or {}).get("explanation")
    if explanation:
        lines.append(f"Note: {explanation}")
    lines += _feedback_lines(assessment)
    return "\n".join(lines + _provenance_lines(assessment))


def _metric_lines(assessment: Assessment) -> list[str]:
    """The procedure's key metrics, and any other that measures its own error or is missing (with why),
    each read as on the page: value ± standard error, then where it sits among the experts."""
    lead = set(lead_metric_names(assessment))
    chosen = [m for m in assessment.metrics if m.name in lead or m.uncertainty is not None or m.reason]
    if not chosen:
        return []
    lines = ["Key metrics (± standard error where measured):"]
    for metric in chosen:
        shown = metric_display(metric.name, metric.unit)
        where = f" ({position_text(metric)})" if metric.percentile is not None else ""
        lines.append(
            f"  {shown.label}: {shown.measured_text(metric.value, metric.uncertainty, metric.reason)}{where}"
        )
    return lines


def _feedback_lines(assessment: Assessment) -> list[str]:
    lines = _metric_lines(assessment)
    if assessment.feedback:
        lines.append("Feedback:")
        for item in assessment.feedback[:FEEDBACK_SHOWN]:
            lines.append(f"  {item.rank}. {item.message}")
            lines.append(f"     Tip: {item.tip}")
            if item.evidence:
                lines.append(f"     ({item.evidence})")
    thin = [metric_display(m.name).phrase for m in assessment.metrics if m.reference_note]
    if thin:
        shown = ", ".join(thin[:6]) + (f" and {len(thin) - 6} more" if len(thin) > 6 else "")
        lines.append(f"Expert ranges not to be trusted (no spread or too few experts): {shown}")
    return lines


def _provenance_lines(assessment: Assessment) -> list[str]:
    """Where the numbers came from, each said once (the same lines as the app's details and reports)."""

    prov = assessment.provenance
    lines = [plain_text(line) for line in details_lines(assessment)]
    if caveat(assessment):
        lines.append(f"{badge_text(assessment)}: {plain_text(caveat(assessment))}")
    thresholds = prov.get("thresholds")
    if thresholds:
        lines.append(
            "Thresholds: "
            + ", ".join(f"{k}={v:g}" for k, v in thresholds.items() if isinstance(v, (int, float)))
        )
    return lines

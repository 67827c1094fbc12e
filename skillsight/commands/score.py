"""`skillsight score`: assess one practice video or motion file.

Exit codes (scoring/results.py): 0 scored, 3 refused (tracking too poor, clip too short, or a model
or reference that does not fit the motion; the reasons and what to change are printed), 1 error
(a missing or broken file, an unknown procedure), 2 usage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn, Optional

import typer

from skillsight.scoring.results import EXIT_ERROR, EXIT_REFUSED, EXIT_SCORED, Assessment

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
        reference: Optional[Path] = typer.Option(
            None, "--reference", help="Expert reference JSON (default: shipped)"
        ),
        model: Optional[Path] = typer.Option(None, "--model", help="Scorer .onnx (its .json card beside it)"),
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
    ) -> None:
        """Score a practice against the expert reference, with ranked feedback (exit 0 scored, 3 refused,
        1 error)."""
        if dominant_hand not in ("left", "right"):
            _fail(f"--dominant-hand must be 'left' or 'right', not {dominant_hand!r}", code=2)
        try:
            assessment = run_score(
                source,
                procedure,
                model=model,
                reference=reference,
                dominant_hand=dominant_hand,
                tracker=tracker,
                camera_view=camera_view,
                show_progress=progress and json_out != "-",
                marker_mm=marker_mm,
            )
        except KeyboardInterrupt:
            _fail("interrupted")
        except Exception as exc:  # every failure becomes one clear line, never a traceback
            _fail(_describe(exc, source))
        if json_out:
            if json_out == "-":
                typer.echo(assessment.to_json())
            else:
                write_json_atomic(Path(json_out), assessment.to_dict())
        if json_out != "-":
            typer.echo(render_assessment(assessment))
        raise typer.Exit(EXIT_SCORED if assessment.scored else EXIT_REFUSED)


def run_score(
    source: str,
    procedure: str,
    *,
    model: Optional[Path],
    reference: Optional[Path],
    dominant_hand: str,
    tracker: Optional[str],
    camera_view: Optional[str],
    show_progress: bool,
    marker_mm: Optional[float] = None,
) -> Assessment:
    from skillsight.pipeline import assess_source

    target: Any = int(source) if source.isdigit() and not Path(source).exists() else source
    if not isinstance(target, int) and not Path(target).exists():
        raise FileNotFoundError(f"{target}: no such file or folder")
    from skillsight.commands.console import FrameProgress, native_logs_filtered

    with native_logs_filtered() as stderr:
        bar = FrameProgress(stderr) if show_progress else None
        try:
            run = assess_source(
                target,
                procedure,
                model=model,
                reference=reference,
                dominant_hand=dominant_hand,
                tracker=tracker,
                camera_view=camera_view,
                progress=bar.update_to if bar else None,
                marker_mm=marker_mm,
            )
        finally:
            if bar:
                bar.close()
    return run.assessment


def _describe(exc: BaseException, source: str) -> str:
    """Our loaders' errors already name the file; anything else gets the source in front."""
    message = str(exc) or type(exc).__name__
    return message if isinstance(exc, (OSError, ValueError)) else f"{source}: {type(exc).__name__}: {message}"


def _fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def write_json_atomic(path: Path, data: Any) -> None:
    from skillsight.atomic_write import write_json_atomic as write_json

    write_json(path, data)


def render_assessment(assessment: Assessment) -> str:
    """The human-readable summary printed by `skillsight score`."""
    lines = [f"Procedure: {assessment.procedure}"]
    quality = assessment.tracking_quality
    if quality:
        lines.append(
            f"Tracking: required hands in {quality.get('share', 0):.0%} of "
            f"{quality.get('n_frames', 0)} frames "
            f"({quality.get('duration_s', 0):.1f} s)"
        )
    if not assessment.scored:
        lines.append("NOT SCORED: the recording can't be scored reliably.")
        lines += [f"  - {reason}" for reason in assessment.refusal_reasons]
        if assessment.advice:
            lines.append("What to change:")
            lines += [f"  - {tip}" for tip in assessment.advice]
        return "\n".join(lines + _provenance_lines(assessment))
    from skillsight.webapp.views import probability_text

    probabilities = ", ".join(f"{k} {probability_text(v)}" for k, v in assessment.level_probabilities.items())
    lines.append(f"Skill level: {assessment.skill_level} ({probabilities})")
    if assessment.score is not None and assessment.score_interval:
        low, high = assessment.score_interval
        coverage = f"{assessment.interval_coverage:.0%} " if assessment.interval_coverage else ""
        lines.append(
            f"Score: {assessment.score:.1f} on {assessment.score_scale or 'the score scale'} "
            f"({coverage}interval {low:.1f}-{high:.1f})"
        )
    if assessment.feedback:
        lines.append("Feedback:")
        for item in assessment.feedback[:FEEDBACK_SHOWN]:
            lines.append(f"  {item.rank}. {item.message}")
            lines.append(f"     Tip: {item.tip}")
            if item.evidence:
                lines.append(f"     ({item.evidence})")
    return "\n".join(lines + _provenance_lines(assessment))


def _provenance_lines(assessment: Assessment) -> list[str]:
    """Where the numbers came from, each said once (the same lines as the app's details and reports)."""
    from skillsight.webapp.report_content import plain_text
    from skillsight.webapp.views import DEMO_BADGE, caveat, details_lines

    prov = assessment.provenance
    lines = [plain_text(line) for line in details_lines(assessment)]
    if caveat(assessment):
        lines.append(f"{DEMO_BADGE}: {plain_text(caveat(assessment))}")
    thresholds = prov.get("thresholds")
    if thresholds:
        lines.append(
            "Thresholds: "
            + ", ".join(f"{k}={v:g}" for k, v in thresholds.items() if isinstance(v, (int, float)))
        )
    return lines

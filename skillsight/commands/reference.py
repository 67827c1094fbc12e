"""`skillsight reference build|show`: build an expert reference from experts' videos or motion files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List, NoReturn, Optional  # noqa: UP035 (Typer reads these at run time)

import typer

from skillsight.capture.frames import CaptureError
from skillsight.scoring.metric_display import metric_display, motion_text
from skillsight.scoring.procedure import ProcedureError, load_procedure
from skillsight.scoring.reference import build_reference, load_reference, save_reference
from skillsight.scoring.results import EXIT_ERROR, EXIT_USAGE


def build_command(
    sources: List[str] = typer.Argument(  # noqa: UP006
        ...,
        help="Expert videos or image folders; or motion: .motion.npz, .bvh recordings (files or "
        "folders), JIGSAWS kinematics .txt",
    ),
    procedure: str = typer.Option(..., "--procedure", "-p", help="suturing, intubation, or a procedure file"),
    out: Path = typer.Option(..., "--out", "-o", help="Reference JSON to write"),
    name: Optional[str] = typer.Option(None, "--name", help="Reference name (default: from --out)"),
    version: str = typer.Option("1", "--version", help="Reference version"),
    built_from: Optional[str] = typer.Option(None, "--built-from", help="Who/what the experts were"),
    dominant_hand: str = typer.Option("right", "--dominant-hand", help="The experts' dominant hand"),
    experts: Optional[str] = typer.Option(
        None,
        "--experts",
        help="Who did each practice, one name per source in order, comma-separated (e.g. A,A,B,B,C): "
        "experts are counted as people. Without it, only files that name their person (JIGSAWS user "
        "letter, generated practices) are counted; otherwise the count is unknown and flagged",
    ),
    tracker: Optional[str] = typer.Option(None, "--tracker", help="Override the procedure's tracker"),
    camera_view: Optional[str] = typer.Option(None, "--camera-view", help="front, top or side"),
) -> None:
    """Build a reference (expert metric distributions + speed template) from expert practices."""
    if dominant_hand not in ("left", "right"):
        _fail(f"--dominant-hand must be 'left' or 'right', not {dominant_hand!r}", code=2)
    names = _expert_names(experts, len(sources))
    try:
        load_procedure(procedure)  # before any expert video is read
    except ProcedureError as exc:  # an unknown name is usage (2, as for score); a broken file is an error
        _fail(str(exc), code=EXIT_ERROR if procedure.endswith(".json") else EXIT_USAGE)
    try:
        reference = build_from_sources(
            sources,
            procedure,
            name=name or _name_from(out),
            version=version,
            built_from=built_from,
            dominant_hand=dominant_hand,
            tracker=tracker,
            camera_view=camera_view,
            experts=names,
        )
        path = save_reference(reference, out)
    except KeyboardInterrupt:
        _fail("interrupted")
    except (OSError, ValueError, CaptureError) as exc:  # they name the file and the problem
        _fail(str(exc))
    typer.echo(
        f"Wrote {path}: {reference.name} v{reference.version} for {reference.procedure}, "
        f"{reference.experts_text}, {len(reference.features)} metrics, "
        f"speed template: {'yes' if reference.template else 'no'}"
    )
    if reference.too_few_experts:  # said where it is shown too; say it now, while experts can be added
        hint = "; name them with --experts" if reference.n_experts is None else ""
        typer.echo(
            f"warning: {reference.too_few_experts}{hint}: until then every range is flagged where shown",
            err=True,
        )


def show_command(
    path: Path = typer.Argument(..., help="A reference JSON"),
    as_json: bool = typer.Option(
        False, "--json", help="Print it as JSON for scripts: metric keys and stored unit codes"
    ),
) -> None:
    """Print what a reference holds and what it was built from, each metric in words with its unit."""
    try:
        reference = load_reference(path)
    except ValueError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(_show_json(reference), indent=1))
        return
    typer.echo(
        f"{reference.name} v{reference.version}: {reference.procedure}, from "
        f"{motion_text(reference.motion_kind, reference.units)}; {reference.experts_text}; "
        f"created {reference.created or 'on an unknown date'}"
    )
    typer.echo(f"built from: {reference.built_from}")
    if reference.experts_counted_by:
        typer.echo(f"experts counted: {reference.experts_counted_by}")
    if reference.too_few_experts:
        hint = " (rebuild it with --experts to name them)" if reference.n_experts is None else ""
        typer.echo(f"warning: {reference.too_few_experts}: every range below is flagged{hint}")
    if reference.disclaimer:
        typer.echo(f"note: {reference.disclaimer}")
    for line in _range_lines(reference):
        typer.echo(line)


def _range_lines(reference) -> list[str]:  # Reference (imported lazily)
    """Each metric's expert median and middle 80% in the words and units the app shows."""
    shown = {name: metric_display(name, dist.unit) for name, dist in reference.features.items()}
    width = min(max((len(d.label) for d in shown.values()), default=0), 50)
    lines = ["Expert ranges: median (middle 80% of the experts' practices, 10th to 90th percentile)"]
    for name, dist in reference.features.items():
        display = shown[name]
        spread = f"{display.number(dist.p10)} to {display.value_text(dist.p90)}"
        flag = f"  [range not to be trusted: {dist.degenerate_reason}]" if dist.degenerate_reason else ""
        lines.append(f"  {display.label:{width}s}  {display.value_text(dist.median)} ({spread}){flag}")
    return lines


def _show_json(reference) -> dict[str, Any]:  # Reference (imported lazily)
    """What `show` prints, with the file's own keys and unit codes (a script's view)."""
    return {
        "name": reference.name,
        "version": reference.version,
        "procedure": reference.procedure,
        "motion_kind": reference.motion_kind,
        "units": reference.units,
        "n_experts": reference.n_experts,
        "n_practices": reference.practices,
        "experts": reference.experts_text,
        "experts_counted_by": reference.experts_counted_by,
        "too_few_experts": reference.too_few_experts,
        "created": reference.created,
        "built_from": reference.built_from,
        "sha256": reference.sha256,
        "metrics": {
            name: {
                "label": metric_display(name, dist.unit).label,
                "unit": dist.unit,
                "median": dist.median,
                "p10": dist.p10,
                "p90": dist.p90,
                "n": dist.n,
                "n_experts": dist.n_experts,
                "untrusted_because": dist.degenerate_reason,
            }
            for name, dist in reference.features.items()
        },
    }


def register(app: typer.Typer) -> None:
    reference_app = typer.Typer(help="Build and inspect expert references.", no_args_is_help=True)
    reference_app.command("build")(build_command)
    reference_app.command("show")(show_command)
    app.add_typer(reference_app, name="reference")


def build_from_sources(
    sources: list[str],
    procedure: str,
    *,
    name: str,
    version: str,
    built_from: Optional[str],
    dominant_hand: str,
    tracker: Optional[str] = None,
    camera_view: Optional[str] = None,
    experts: Optional[list[str]] = None,
):  # -> Reference (imported lazily)
    """Track or load every expert practice and build the reference from them."""
    # Imported here, called as pipeline.X (tests replace them there): the scoring stack is heavy.
    from skillsight import pipeline

    motions = []
    for source in sources:
        if not Path(source).exists():
            raise FileNotFoundError(f"{source}: no such file or folder")
        typer.echo(f"reading {source}", err=True)
        motions.append(pipeline.load_or_track(source, procedure, tracker=tracker, camera_view=camera_view))
    description = built_from or f"{len(sources)} expert practices: " + ", ".join(
        Path(s).name for s in sources
    )
    return build_reference(
        motions,
        procedure,
        name=name,
        version=version,
        built_from=description,
        dominant_hands=dominant_hand,
        experts=experts,
    )


def _expert_names(experts: Optional[str], n_sources: int) -> Optional[list[str]]:
    """--experts as one name per source, or None; a wrong count or an empty name is a usage error."""
    if experts is None:
        return None
    names = [name.strip() for name in experts.split(",")]
    if len(names) != n_sources or not all(names):
        _fail(f"--experts gives {len(names)} names for {n_sources} sources: one name per source", code=2)
    return names


def _name_from(out: Path) -> str:
    stem = out.name[: -len(".json")] if out.name.endswith(".json") else out.name
    return stem


def _fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)

"""`skillsight batch`: score a folder or manifest of practice videos, resumably, locally or on Dask."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, NoReturn, Optional

import typer

from skillsight.artifact_packages import artifact_file
from skillsight.base.interrupts import termination_as_interrupt
from skillsight.commands.console import native_logs_filtered
from skillsight.data_folder import DatabaseError, default_data_dir
from skillsight.scoring.procedure import ProcedureError

EXIT_INTERRUPTED = 130

_INPUT = typer.Argument(
    ...,
    metavar="INPUT",
    help="A folder (searched recursively for videos and .motion.npz files) or a manifest CSV with "
    "columns video,participant,procedure,dominant_hand (relative paths resolve against the CSV's folder).",
)
_PROCEDURE = typer.Option(
    None, "--procedure", "-p", help="suturing, intubation, ... (a manifest row's own procedure wins)."
)
_OUT = typer.Option(..., "--out", "-o", help="Folder for results.csv, motion files and JSON results.")
_WORKERS = typer.Option(None, "--workers", "-w", min=1, help="Parallel workers (default: number of cores).")
_THREADS = typer.Option(
    1,
    "--threads-per-worker",
    min=1,
    help="Threads each worker uses (default 1, so that workers scale with cores; more for few long videos).",
)
_DOMINANT = typer.Option(
    "right",
    "--dominant-hand",
    help="right or left: the dominant hand of inputs whose row and participant say none.",
)
_PARTICIPANTS = typer.Option(
    None,
    "--participants",
    help="CSV with the columns participant and dominant_hand: each participant's default dominant hand.",
)
_DB = typer.Option(
    None, "--db", help="Database URL (default: the app's SQLite file in the user data folder)."
)
_DASK = typer.Option(
    None,
    "--dask",
    metavar="ADDRESS|local",
    help="Run on a Dask cluster (e.g. tcp://host:8786) or 'local' for a LocalCluster; the workers "
    "must see INPUT and --out at the same paths.",
)
_MODEL = typer.Option(None, "--model", help="Scorer: a file or an installed model's name (default: shipped).")
_REFERENCE = typer.Option(
    None, "--reference", help="Expert reference: a file or an installed reference's name (default: shipped)."
)
_OVERLAY = typer.Option(False, "--overlay", help="Also write an annotated video per input.")
_QUIET = typer.Option(False, "--quiet", "-q", help="No progress bar.")
_MAX_UNDECODABLE = typer.Option(
    None,
    "--max-undecodable",
    help="Largest share of undecodable frames still scored (default 0.10, or the variable named above); "
    "above it a video is recorded as 'damaged'.",
)
_RETRY_UNREADABLE = typer.Option(
    False,
    "--retry-unreadable",
    help="Try again the files an earlier run recorded as unreadable (not a video, empty, a codec this "
    "install lacks); without it they are skipped until the file changes.",
)
_LOCK_TIMEOUT = typer.Option(
    None,
    "--lock-timeout",
    min=0,
    help="Another batch writing to the same --out is waited for (then its results are skipped); "
    "give up after this many seconds with exit code 75 (default: wait until it finishes).",
)


def register(app: typer.Typer) -> None:
    @app.command("batch")
    def batch(
        input_path: Path = _INPUT,
        procedure: Optional[str] = _PROCEDURE,
        out: Path = _OUT,
        workers: Optional[int] = _WORKERS,
        threads_per_worker: int = _THREADS,
        dominant_hand: str = _DOMINANT,
        participants: Optional[Path] = _PARTICIPANTS,
        db: Optional[str] = _DB,
        dask: Optional[str] = _DASK,
        model: Optional[str] = _MODEL,
        reference: Optional[str] = _REFERENCE,
        overlay: bool = _OVERLAY,
        quiet: bool = _QUIET,
        max_undecodable: Optional[float] = _MAX_UNDECODABLE,
        lock_timeout: Optional[float] = _LOCK_TIMEOUT,
        retry_unreadable: bool = _RETRY_UNREADABLE,
    ) -> None:
        """Score many videos; finished ones are skipped on a rerun, failed ones retried.

        A file that is not a readable video is recorded as unreadable and skipped on later runs until
        it changes (or --retry-unreadable). A video with more undecodable frames than --max-undecodable
        (default 0.10, or $SKILLSIGHT_MAX_UNDECODABLE) is recorded as damaged.

        Exit codes: 0 when every video got an answer (scored, refused, out of domain, damaged or
        unreadable: the reason is in results.csv's error column), 1 when any video failed (its error is
        in results.csv; run again to retry it), 2 for bad usage, 75 when another batch held --out past
        --lock-timeout, 130 when interrupted (finished results are kept; run again to continue).
        """
        run_batch_command(dict(locals()))


def run_batch_command(args: dict[str, Any]) -> NoReturn:
    """Run the batch the command line describes; every outcome is an exit code."""
    # Imported here: the batch package brings the database stack (sqlalchemy), which only this command needs.
    from skillsight.batch import EXIT_BUSY, BatchBusyError, BatchInputError, run_batch
    from skillsight.batch.inputs import DominantHands

    try:
        hands = (
            DominantHands.read(args["participants"], args["dominant_hand"])
            if args["participants"] is not None
            else DominantHands(default=args["dominant_hand"])
        )
        data_dir = default_data_dir()
        # Workers inherit fd 2: their MediaPipe/LiteRT start-up chatter is dropped, the progress bar kept.
        # SIGTERM/SIGHUP stop like Ctrl-C: workers ended, results kept (they outlived a killed parent).
        with termination_as_interrupt(), native_logs_filtered() as stderr, contextlib.redirect_stderr(stderr):
            summary = run_batch(
                args["input_path"],
                args["procedure"],
                args["out"],
                workers=args["workers"],
                db_url=args["db"],
                dask=args["dask"],
                model=artifact_file("model", args["model"], data_dir),
                reference=artifact_file("reference", args["reference"], data_dir),
                overlay=args["overlay"],
                progress=not args["quiet"],
                lock_timeout=args["lock_timeout"],
                max_undecodable_share=args["max_undecodable"],
                hands=hands,
                threads_per_worker=args["threads_per_worker"],
                retry_unreadable=args["retry_unreadable"],
            )
    except (BatchInputError, ProcedureError, ValueError) as exc:
        _exit(f"error: {exc}", 2)
    except BatchBusyError as exc:
        _exit(f"error: {exc}", EXIT_BUSY)
    except DatabaseError as exc:
        _exit(f"error: {exc}", 1)
    except KeyboardInterrupt:  # while planning: nothing was started, nothing is lost
        _exit("Interrupted before scoring started.", EXIT_INTERRUPTED)
    typer.echo(summary.describe())
    _say_passed_over(args["input_path"], args["out"])
    if summary.total == 0:  # a wrong folder must not look like a finished batch
        typer.echo(
            f"warning: {args['input_path']} holds no video or motion file (subfolders included): "
            "nothing was scored",
            err=True,
        )
    if summary.interrupted:
        _exit(
            "Interrupted: finished results are kept; run the same command again to continue.",
            EXIT_INTERRUPTED,
        )
    raise typer.Exit(summary.exit_code)


def _say_passed_over(input_path: Path, out: Path) -> None:
    """A folder's other files (notes, a camera format SkillSight does not know) are named, not dropped
    unseen."""
    from skillsight.batch.inputs import passed_over

    names = passed_over(input_path, out)
    if names:
        more = f" and {len(names) - 10} more" if len(names) > 10 else ""
        typer.echo(f"  passed over (not a video or motion file): {', '.join(names[:10])}{more}")


def _exit(message: str, code: int) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)

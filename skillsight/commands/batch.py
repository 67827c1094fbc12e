"""`skillsight batch`: score a folder or manifest of practice videos, resumably, locally or on Dask."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from skillsight.batch import EXIT_BUSY, BatchBusyError, BatchInputError, run_batch
from skillsight.scoring.procedure import ProcedureError
from skillsight.storage import DatabaseError

EXIT_INTERRUPTED = 130


def register(app: typer.Typer) -> None:
    @app.command("batch")
    def batch(
        input_path: Path = typer.Argument(
            ...,
            metavar="INPUT",
            help="A folder (searched recursively for videos and .motion.npz files) or a manifest CSV with "
            "columns video,participant,procedure (relative paths resolve against the CSV's folder).",
        ),
        procedure: Optional[str] = typer.Option(
            None, "--procedure", "-p", help="suturing, intubation, ... (a manifest row's own procedure wins)."
        ),
        out: Path = typer.Option(
            ..., "--out", "-o", help="Folder for results.csv, motion files and JSON results."
        ),
        workers: Optional[int] = typer.Option(
            None, "--workers", "-w", min=1, help="Parallel workers (default: number of cores)."
        ),
        db: Optional[str] = typer.Option(
            None, "--db", help="Database URL (default: the app's SQLite file in the user data folder)."
        ),
        dask: Optional[str] = typer.Option(
            None,
            "--dask",
            metavar="SCHEDULER_ADDRESS|local",
            help="Run on a Dask cluster (e.g. tcp://host:8786) or 'local' for a LocalCluster; the workers "
            "must see INPUT and --out at the same paths.",
        ),
        model: Optional[Path] = typer.Option(
            None, "--model", help="Scorer model (default: the shipped one)."
        ),
        reference: Optional[Path] = typer.Option(
            None, "--reference", help="Expert reference (default: the shipped one)."
        ),
        overlay: bool = typer.Option(False, "--overlay", help="Also write an annotated video per input."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
        max_undecodable: Optional[float] = typer.Option(
            None,
            "--max-undecodable",
            help="Largest share of undecodable frames still scored (default 0.10 or "
            "$SKILLSIGHT_MAX_UNDECODABLE); above it a video is recorded as 'damaged'.",
        ),
        lock_timeout: Optional[float] = typer.Option(
            None,
            "--lock-timeout",
            min=0,
            help="Another batch writing to the same --out is waited for (then its results are skipped); "
            "give up after this many seconds with exit code 75 (default: wait until it finishes).",
        ),
    ) -> None:
        """Score many videos; finished ones are skipped on a rerun, failed ones retried.

        Exit codes: 0 when every video got an answer (scored, refused, out of domain or damaged: the
        reason is in results.csv's error column), 1 when any video failed (its error is in results.csv;
        run again to retry it), 2 for bad usage, 75 when another batch held --out past --lock-timeout,
        130 when interrupted (finished results are kept; run again to continue).
        """

        try:
            summary = run_batch(
                input_path,
                procedure,
                out,
                workers=workers,
                db_url=db,
                dask=dask,
                model=model,
                reference=reference,
                overlay=overlay,
                progress=not quiet,
                lock_timeout=lock_timeout,
                max_undecodable_share=max_undecodable,
            )
        except (BatchInputError, ProcedureError, ValueError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        except BatchBusyError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_BUSY) from None
        except DatabaseError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:  # while planning: nothing was started, nothing is lost
            typer.echo("Interrupted before scoring started.", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        typer.echo(summary.describe())
        if summary.interrupted:
            typer.echo(
                "Interrupted: finished results are kept; run the same command again to continue.", err=True
            )
            raise typer.Exit(EXIT_INTERRUPTED)
        raise typer.Exit(summary.exit_code)

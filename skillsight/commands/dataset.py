"""`skillsight dataset export`: a motion-only dataset package of consented, rated sessions.

skillsight dataset export --out leeds-2026.skillsight                      # from the database
skillsight dataset export --folder labelled/ --out leeds.skillsight        # an `ours` folder
skillsight dataset export --batch results/ --ratings ratings.csv --out leeds.skillsight
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, List, NoReturn, Optional  # noqa: UP035 (Typer reads List at run time)

import typer

from skillsight import signing
from skillsight.commands.share import NOT_STATED, signing_key
from skillsight.data_folder import DatabaseError, default_data_dir
from skillsight.datasets import DatasetError
from skillsight.datasets.shared_packages import load_pooled
from skillsight.motion_sharing import site_salt
from skillsight.packages import PackageError
from skillsight.pooled_reference import pooled_reference, spread_lines
from skillsight.pose.motion import MotionError
from skillsight.scoring.procedure import load_procedure
from skillsight.scoring.reference import ReferenceError, save_reference
from skillsight.scoring.results import EXIT_ERROR

if TYPE_CHECKING:
    from skillsight import dataset_export as export


def _fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def select_sessions(
    folder: Optional[Path],
    batch: Optional[Path],
    ratings: Optional[Path],
    db_url: Optional[str],
    procedure: Optional[str],
    site: str,
) -> tuple[export.Selection, str]:
    """The sessions to share from the chosen source, and the site id to stamp on them."""
    # Imported here, as in export_dataset: the exporter and the database bring sqlalchemy, which the
    # other commands do not need.
    from skillsight import dataset_export as export
    from skillsight.lab_records import site_of
    from skillsight.storage import Database

    if folder is not None:
        return export.from_folder(folder, procedure), site
    if batch is not None:
        if ratings is None:
            _fail("--batch needs --ratings CSV (video, consent, skill_level, grs, osats_<item>)", code=2)
        return export.from_batch(batch, ratings), site
    with Database(db_url) as db:
        return export.from_database(db, procedure), site or site_of(db)


def register(app: typer.Typer) -> None:
    dataset_app = typer.Typer(help="Share practice as motion-only datasets.", no_args_is_help=True)

    @dataset_app.command("export")
    def export_dataset(
        out: Path = typer.Option(..., "--out", "-o", help="The package to write (FILE.skillsight)"),
        folder: Optional[Path] = typer.Option(None, "--folder", help="An `ours` folder (labels.csv)"),
        batch: Optional[Path] = typer.Option(None, "--batch", help="A batch output folder"),
        ratings: Optional[Path] = typer.Option(None, "--ratings", help="Ratings + consent for --batch"),
        db_url: Optional[str] = typer.Option(None, "--db", help="Database URL (default: the data folder's)"),
        procedure: Optional[str] = typer.Option(None, "--procedure", "-p", help="Only this procedure"),
        site: str = typer.Option("", "--site", help="This lab's site id (default: `skillsight site`)"),
        name: Optional[str] = typer.Option(None, "--name", help="Dataset name (default <site>-motion)"),
        licence: str = typer.Option(NOT_STATED, "--licence", help="e.g. CC-BY-NC-4.0"),
        consent: str = typer.Option(NOT_STATED, "--consent", help="What the trainees consented to"),
        key: Optional[Path] = typer.Option(None, "--key", help="Private key (default: the lab's key)"),
        no_sign: bool = typer.Option(False, "--no-sign", help="Write an unsigned package"),
    ) -> None:
        """Write consented, rated sessions as motion only, pseudonymised, with a datasheet."""
        if folder is not None and batch is not None:
            _fail("give --folder or --batch, not both (neither: the database)", code=2)
        from skillsight import dataset_export as export  # sqlalchemy: only for this command

        data_dir = default_data_dir()
        try:
            selection, site_id = select_sessions(folder, batch, ratings, db_url, procedure, site)
            if not site_id:
                _fail("no site id: set one with `skillsight site YOUR-LAB` or pass --site", code=2)
            card = export.write_dataset_package(
                selection, out, site=site_id, salt=site_salt(signing.default_key_dir(data_dir)),
                name=name or f"{site_id}-motion", licence=licence, consent=consent,
                private_key=signing_key(no_sign, key, data_dir),
            )  # fmt: skip
        except (DatasetError, DatabaseError, PackageError, MotionError, signing.SigningError, OSError) as exc:
            _fail(str(exc))
        built = card["built_from"]
        typer.echo(
            f"wrote {out}: {built['n_sessions']} sessions of {built['n_trainees']} trainees from site "
            f"{site_id}; left out: {json.dumps(dict(selection.skipped)) if selection.skipped else 'none'}"
        )

    _register_reference(dataset_app)
    app.add_typer(dataset_app, name="dataset")


def _register_reference(dataset_app: typer.Typer) -> None:
    @dataset_app.command("reference")
    def reference(
        paths: List[Path] = typer.Argument(..., help="Dataset packages or ours folders"),  # noqa: UP006
        procedure: str = typer.Option(..., "--procedure", "-p", help="suturing, intubation, ..."),
        out: Path = typer.Option(..., "--out", "-o", help="The pooled reference JSON to write"),
        name: Optional[str] = typer.Option(None, "--name", help="Reference name (default from --out)"),
    ) -> None:
        """Build one expert reference from the experts of several sites; show each site's spread."""
        try:
            dataset = load_pooled("ours", paths, procedure=procedure)
            built, spread = pooled_reference(dataset, procedure, name=name or out.stem)
            save_reference(built, out)
        except (DatasetError, ReferenceError, MotionError, OSError, ValueError) as exc:
            _fail(str(exc))
        typer.echo(f"wrote {out}: {built.experts_text}; {built.built_from}")
        if built.too_few_experts:
            typer.echo(
                f"warning: {built.too_few_experts}: every range is flagged where it is shown", err=True
            )
        typer.echo("per metric, pooled and per site: median +/- spread (n experts)")
        for line in spread_lines(spread, load_procedure(procedure).lead_metrics or built.feature_names):
            typer.echo(line)

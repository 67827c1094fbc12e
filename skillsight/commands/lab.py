"""`skillsight rate|consent|site`: what a lab records before it shares anything.

skillsight site lab-leeds                                   # once: this lab's site id
skillsight consent trainee-7 --yes --by "Dr A"              # the trainee agreed to share motion
skillsight rate 12 --rater "Dr A" --item respect_for_tissue=4 --item time_and_motion=3 ...
skillsight rate --csv ratings.csv       # columns: session_id, rater, grs, osats_<item>, consent
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, List, NoReturn, Optional  # noqa: UP035 (Typer reads these at run time)

import typer

from skillsight.data_folder import DatabaseError
from skillsight.scoring.results import EXIT_ERROR

DB_HELP = "Database URL (default: the SQLite file in the data folder)"


def _fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def lab_records() -> ModuleType:
    """skillsight.lab_records, imported when a command runs: it brings the database stack (sqlalchemy),
    which `skillsight --help` and the other commands do not need."""
    from skillsight import lab_records as records

    return records


@contextmanager
def lab_database(db_url: Optional[str]) -> Iterator[tuple[Any, ModuleType]]:
    """The lab's database, open, and the records module; their errors end the command (exit 1)."""
    records = lab_records()
    from skillsight.storage import Database  # sqlalchemy, as above

    try:
        with Database(db_url) as db:
            yield db, records
    except (records.RecordError, DatabaseError) as exc:
        _fail(str(exc))


def parse_items(pairs: list[str]) -> dict[str, float]:
    """``name=value`` pairs; a name must be an OSATS item (or `custom:` anything, for other scales)."""
    known = lab_records().OSATS_ITEMS
    items: dict[str, float] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        name = name.strip().lower()
        if name not in known and not name.startswith("custom:"):
            hint = " (the global rating score goes in --grs)" if name == "grs" else ""
            _fail(f"--item {pair!r}: unknown item{hint}; OSATS items are {', '.join(known)}", code=2)
        try:
            items[name] = float(value)
        except ValueError:
            _fail(f"--item {pair!r}: write name=score, e.g. respect_for_tissue=4", code=2)
    return items


def register(app: typer.Typer) -> None:
    @app.command("rate")
    def rate(
        session: Optional[int] = typer.Argument(None, help="The session id (see the app's history)"),
        rater: str = typer.Option("", "--rater", help="Who rated (the educator)"),
        grs: Optional[float] = typer.Option(None, "--grs", help="Global rating score (default: item sum)"),
        level: Optional[str] = typer.Option(None, "--level", help="novice, intermediate or expert"),
        item: List[str] = typer.Option([], "--item", help="OSATS item score, name=1..5 (repeat)"),  # noqa: UP006
        csv_path: Optional[Path] = typer.Option(None, "--csv", help="Ratings table to import instead"),
        db_url: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        """Record an educator's rating (GRS and OSATS items) of a session, or a CSV of them."""
        if (session is None) == (csv_path is None):
            _fail("give a session id or --csv FILE (one of them)", code=2)
        if session is not None and not rater.strip():  # a CSV may name its raters in a column
            _fail('--rater NAME is needed: who rated the session (e.g. --rater "Dr A")', code=2)
        with lab_database(db_url) as (db, records):
            if csv_path is not None:
                count = records.import_ratings_csv(db, csv_path, default_rater=rater)
                typer.echo(f"recorded {count} rating(s) from {csv_path}")
                return
            assert session is not None
            items = parse_items(item)
            records.record_rating(db, session, rater=rater, items=items, grs=grs, skill_level=level)
            typer.echo(f"session {session}: rating by {rater} recorded")

    @app.command("consent")
    def consent(
        trainee: str = typer.Argument(..., help="The trainee's name as stored"),
        share: bool = typer.Option(..., "--yes/--no", help="Agrees to share motion, or withdraws"),
        by: str = typer.Option("", "--by", help="Who recorded the decision"),
        statement: str = typer.Option("", "--statement", help="What the trainee agreed to"),
        db_url: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        """Record a trainee's consent to share their motion (only consented sessions are exported)."""
        with lab_database(db_url) as (db, records):
            records.record_consent(db, trainee, share, recorded_by=by, statement=statement)
        typer.echo(f"{trainee}: {'shares' if share else 'does not share'} motion from now on")

    @app.command("site")
    def site(
        site_id: Optional[str] = typer.Argument(None, help="Set this lab's site id (else show it)"),
        db_url: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        """Show or set this lab's site id (written into every package it exports)."""
        with lab_database(db_url) as (db, records):
            if site_id:
                records.set_site(db, site_id)
            typer.echo(records.site_of(db) or "no site id set (skillsight site YOUR-LAB)")

"""`skillsight sessions list|rescore|history|export`: stored sessions and the definitions that read them.

skillsight sessions list --trainee ann                 # which sessions hold older or unrecorded definitions
skillsight sessions rescore --dry-run                  # what re-reading the stored motion would change
skillsight sessions rescore                            # re-score stale sessions; their old numbers are kept
skillsight sessions history 12                         # what session 12 held before each re-score
skillsight sessions export --csv sessions.csv          # one column per metric and definition, with
                                                       # "(± s.e.)" and "(why no value)" columns
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, NoReturn, Optional  # noqa: UP035 (Typer reads these at run time)

import typer

from skillsight.data_folder import DatabaseError
from skillsight.scoring.results import EXIT_ERROR, EXIT_USAGE, status_words

DB_HELP = "Database URL (default: the SQLite file in the data folder)"
TRAINEE_HELP = "Only this trainee's sessions"
PROCEDURE_HELP = "Only this procedure's sessions"
# `sessions list`: its header, one name per tab-separated column.
LIST_COLUMNS = ("session", "trainee", "procedure", "when (UTC)", "status", "motion", "definitions")


def _fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _open(db_url: Optional[str]) -> Any:
    from skillsight.storage import Database  # sqlalchemy: only when a command runs

    try:
        return Database(db_url)
    except DatabaseError as exc:
        _fail(str(exc))


def _list(db_url: Optional[str], trainee: Optional[str], procedure: Optional[str]) -> None:
    from skillsight import session_rescore as rescore

    with _open(db_url) as db:
        records = db.list_sessions(trainee=trainee, procedure=procedure)
        if records:
            typer.echo("\t".join(LIST_COLUMNS))
        for record in records:
            reason = rescore.stale_reason(rescore.stale_metrics(db, record.id), rescore.stale_scorers(record))
            state = f"stale: {reason}" if reason else "current"
            motion = (
                "motion stored" if record.motion_path and Path(record.motion_path).is_file() else "no motion"
            )
            row = (
                record.id,
                record.trainee,
                record.procedure,
                record.created_at[:19],
                status_words(record.status),
            )
            typer.echo("\t".join(map(str, (*row, motion, state))))
        if not records:
            typer.echo("no sessions")


def _rescore(
    db_url: Optional[str],
    trainee: Optional[str],
    procedure: Optional[str],
    ids: list[int],
    options: dict[str, Any],
) -> int:
    from skillsight import session_rescore as rescore

    with _open(db_url) as db:
        records = rescore.select_sessions(db, trainee, procedure, ids)
        missing = sorted(set(ids) - {r.id for r in records})
        for sid in missing:
            typer.echo(f"session {sid}: not found", err=True)
        counts: dict[str, int] = {}
        for record in records:
            outcome = rescore.rescore_session(db, record, **options)
            counts[outcome.action] = counts.get(outcome.action, 0) + 1
            stream_err = outcome.action in ("skipped", "failed")
            typer.echo(outcome.message, err=stream_err)
            for change in outcome.changes:
                typer.echo(f"    {change}")
    summary = ", ".join(f"{n} {action.replace('_', ' ')}" for action, n in sorted(counts.items()))
    typer.echo(f"{len(records)} session(s): {summary or 'nothing to do'}")
    return EXIT_ERROR if counts.get("failed") or missing else 0


def list_sessions(
    trainee: Optional[str] = typer.Option(None, "--trainee", help=TRAINEE_HELP),
    procedure: Optional[str] = typer.Option(None, "--procedure", "-p", help=PROCEDURE_HELP),
    db_url: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Stored sessions, each with whether its metrics are read by today's definitions (and its score by
    today's shipped scorer, where it used the shipped one)."""
    _list(db_url, trainee, procedure)


def rescore_sessions(
    session: List[int] = typer.Argument(None, help="Session ids (default: every selected session)"),  # noqa: UP006
    trainee: Optional[str] = typer.Option(None, "--trainee", help=TRAINEE_HELP),
    procedure: Optional[str] = typer.Option(None, "--procedure", "-p", help=PROCEDURE_HELP),
    every: bool = typer.Option(False, "--all", help="Also sessions already read by today's definitions"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would change; write nothing"),
    model: Optional[Path] = typer.Option(
        None, "--model", help="Scorer (default: the session's own, while it exists, else the procedure's)"
    ),
    reference: Optional[Path] = typer.Option(
        None, "--reference", help="Expert reference (default: as --model)"
    ),
    db_url: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Re-score stored sessions from their stored motion under today's metric definitions.

    Each session is replaced in one transaction, after what it held is kept (`sessions history ID`);
    a session whose motion file is gone is left as it is, and said so. Exit 1 when any failed."""
    for path, what in ((model, "--model"), (reference, "--reference")):
        if path is not None and not path.is_file():
            _fail(f"{what} {path}: no such file", code=EXIT_USAGE)
    options = {"model": model, "reference": reference, "dry_run": dry_run, "only_stale": not every}
    raise typer.Exit(_rescore(db_url, trainee, procedure, list(session or []), options))


def _kept_value(metric: dict[str, Any]) -> str:
    """A kept metric as stored (its unit, full precision), with its standard error where it measured one
    ('0.0421 ± 0.0091', as the History tab's bars and the export's "(± s.e.)" column), or why it had no
    value ('– (not enough steady hand time ...)'), as the export's "(why no value)" column says."""
    value, error, reason = metric.get("value"), metric.get("uncertainty"), metric.get("reason")
    if value is None:
        return f"– ({reason})" if reason else "–"
    return f"{value} ± {error}" if error is not None and error > 0 else str(value)


def history(
    session: int = typer.Argument(..., help="The session id"),
    db_url: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """What a session held before each re-score (score, metrics and the definitions that read them).
    A session that does not exist is an error (exit code 2)."""
    from skillsight import session_rescore as rescore

    with _open(db_url) as db:
        if db.get_session(session) is None:
            _fail(f"session {session}: not found", code=EXIT_USAGE)
        kept = rescore.rescore_history(db, session)
    for entry in kept:
        columns = entry["columns"]
        typer.echo(
            f"before {entry['rescored_at']} ({entry['reason']}): "
            f"{columns['status']}, score {columns['score']}"
        )
        for metric in entry["metrics"]:
            version = metric.get("definition_version")
            said = f"definition {version}" if version is not None else rescore.NOT_RECORDED
            typer.echo(f"    {metric['name']} = {_kept_value(metric)} ({said})")
    if not kept:
        typer.echo(f"session {session}: never re-scored")


def export(
    csv_path: Path = typer.Option(..., "--csv", help="The CSV file to write"),
    trainee: Optional[str] = typer.Option(None, "--trainee", help=TRAINEE_HELP),
    procedure: Optional[str] = typer.Option(None, "--procedure", "-p", help=PROCEDURE_HELP),
    db_url: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Stored sessions as CSV, one column per metric and definition: two definitions never share one.

    Then "name (± s.e.)" for each metric that carries a standard error and "name (why no value)" for each
    whose value was withheld or unreadable; empty where a session stored none (never zero)."""
    from skillsight.session_export import write_sessions_csv

    with _open(db_url) as db:
        try:
            count = write_sessions_csv(db, csv_path, trainee=trainee, procedure=procedure)
        except OSError as exc:  # a --csv target that cannot be written is wrong usage, as score's --json
            _fail(f"--csv {csv_path}: cannot be written ({exc.strerror or exc})", code=EXIT_USAGE)
    typer.echo(f"{count} session(s) written to {csv_path}")


def register(app: typer.Typer) -> None:
    sessions_app = typer.Typer(
        help="Stored sessions and the definitions that read them.", no_args_is_help=True
    )
    sessions_app.command("list")(list_sessions)
    sessions_app.command("rescore")(rescore_sessions)
    sessions_app.command("history")(history)
    sessions_app.command("export")(export)
    app.add_typer(sessions_app, name="sessions")

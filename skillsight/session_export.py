"""Stored sessions as one CSV: one row per session, one column per metric AND definition.

Its `error` column says what results.csv's does: why a session was not scored (refused, out of domain),
or a scored one's warnings.

A metric read by two definitions (say SPARC before and after it changed) gets two columns,
"needle_driver.sparc (definition 1)" and "needle_driver.sparc (definition not recorded)", so a spreadsheet's
chart of one column never joins two definitions; `skillsight sessions rescore` brings old sessions onto
today's definition (one column again).

After every metric column come, as in batch's results.csv, a standard-error column "name (± s.e.)" for each
metric that carries one in some session, then a column "name (why no value)" for each metric whose value
some session withheld or could not read, with the reason. A session stored without them (before schema 6,
or scored before its metric measured an error) has empty cells there: no error known, never zero.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from skillsight.base.atomic import write_text_atomic
from skillsight.batch.results import assessment_error, error_column, extra_columns, reason_column
from skillsight.scoring.features.definitions import versioned_name
from skillsight.scoring.metric_display import csv_number
from skillsight.storage import Database, SessionRecord, stored_metrics

SESSION_COLUMNS = (
    "session_id", "trainee", "procedure", "created_at", "status", "error", "skill_level", "score",
    "score_low", "score_high", "tracking_quality", "model_id", "reference_id", "source_name",
)  # fmt: skip


@dataclass
class SessionCells:
    """One session's metric cells by column: values, standard errors and reasons."""

    values: dict[str, Optional[float]] = field(default_factory=dict)
    errors: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)


def session_cells(db: Database, ids: Sequence[int]) -> dict[int, SessionCells]:
    """session id -> its cells, each metric under its column for the definition that read it."""
    with db.engine.connect() as conn:
        stored = stored_metrics(conn, list(ids))
    out = {}
    for session_id, entry in stored.items():
        cells = SessionCells()
        for name, value in entry["metrics"].items():
            column = versioned_name(str(name), entry["definitions"].get(name))
            cells.values[column] = value
            if name in entry["uncertainties"]:
                cells.errors[error_column(column)] = entry["uncertainties"][name]
            if name in entry["reasons"]:
                cells.reasons[reason_column(column)] = entry["reasons"][name]
        out[session_id] = cells
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return csv_number(value) if isinstance(value, float) else str(value)


def _columns(cells: dict[int, SessionCells]) -> tuple[list[str], list[str], list[str]]:
    """(metric, standard-error, reason) columns: the last two only for metrics that carry them, in the
    shape of batch's results.csv (`extra_columns`)."""
    names = sorted({column for c in cells.values() for column in c.values})
    errors = {column for c in cells.values() for column in c.errors}
    reasons = {column for c in cells.values() for column in c.reasons}
    error_columns, reason_columns = extra_columns(names, errors, reasons)
    return names, error_columns, reason_columns


def sessions_csv(records: Sequence[SessionRecord], cells: dict[int, SessionCells]) -> str:
    names, error_columns, reason_columns = _columns(cells)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*SESSION_COLUMNS, *names, *error_columns, *reason_columns])
    for r in records:
        base = [r.id, r.trainee, r.procedure, r.created_at, r.status, assessment_error(r.assessment)]
        base += [r.skill_level, r.score, r.score_low]
        base += [r.score_high, r.tracking_quality, r.model_id, r.reference_id, r.source_name]
        own = cells.get(r.id, SessionCells())
        row = base + [own.values.get(n) for n in names] + [own.errors.get(n) for n in error_columns]
        writer.writerow([_cell(v) for v in row] + [own.reasons.get(n) or "" for n in reason_columns])
    return buffer.getvalue()


def write_sessions_csv(
    db: Database, path: Path, trainee: Optional[str] = None, procedure: Optional[str] = None
) -> int:
    """Write the sessions (oldest first) atomically and owner-only; returns how many."""
    records = db.list_sessions(trainee=trainee, procedure=procedure)
    text = sessions_csv(records, session_cells(db, [r.id for r in records]))
    write_text_atomic(path, text, mode=0o600)  # trainees' results are personal data
    return len(records)

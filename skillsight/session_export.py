"""Stored sessions as one CSV: one row per session, one column per metric AND definition.

A metric read by two definitions (say SPARC before and after it changed) gets two columns,
"needle_driver.sparc (definition 1)" and "needle_driver.sparc (definition not recorded)", so a spreadsheet's
chart of one column never joins two definitions; `skillsight sessions rescore` brings old sessions onto
today's definition (one column again).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa

from skillsight.base.atomic import write_text_atomic
from skillsight.schema import metrics_table
from skillsight.scoring.features.definitions import versioned_name
from skillsight.scoring.metric_display import csv_number
from skillsight.storage import Database, SessionRecord

SESSION_COLUMNS = (
    "session_id", "trainee", "procedure", "created_at", "status", "skill_level", "score", "score_low",
    "score_high", "tracking_quality", "model_id", "reference_id", "source_name",
)  # fmt: skip


def _metric_rows(db: Database, ids: Sequence[int]) -> dict[int, dict[str, float]]:
    """session id -> column name -> value."""
    out: dict[int, dict[str, Any]] = {i: {} for i in ids}
    if not ids:
        return out
    columns = (metrics_table.c.session_id, metrics_table.c.name, metrics_table.c.definition_version)
    query = sa.select(*columns, metrics_table.c.value).where(metrics_table.c.session_id.in_(list(ids)))
    with db.engine.connect() as conn:
        for session_id, name, version, value in conn.execute(query):
            out[int(session_id)][versioned_name(str(name), version)] = value
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return csv_number(value) if isinstance(value, float) else str(value)


def sessions_csv(records: Sequence[SessionRecord], metrics: dict[int, dict[str, Any]]) -> str:
    names = sorted({column for values in metrics.values() for column in values})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*SESSION_COLUMNS, *names])
    for r in records:
        base = [r.id, r.trainee, r.procedure, r.created_at, r.status, r.skill_level, r.score, r.score_low]
        base += [r.score_high, r.tracking_quality, r.model_id, r.reference_id, r.source_name]
        writer.writerow([_cell(v) for v in base] + [_cell(metrics[r.id].get(n)) for n in names])
    return buffer.getvalue()


def write_sessions_csv(
    db: Database, path: Path, trainee: Optional[str] = None, procedure: Optional[str] = None
) -> int:
    """Write the sessions (oldest first) atomically and owner-only; returns how many."""
    records = db.list_sessions(trainee=trainee, procedure=procedure)
    text = sessions_csv(records, _metric_rows(db, [r.id for r in records]))
    write_text_atomic(path, text, mode=0o600)  # trainees' results are personal data
    return len(records)

"""The database schema and its migrations (storage.py opens, reads and writes it).

The schema is versioned in the `meta` table; `MIGRATIONS[v]` brings a database from version v-1 to v
inside the transaction that records the new version. Add a step and bump SCHEMA_VERSION to change it.
"""

from __future__ import annotations

import json
import math
from typing import Callable, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from skillsight.data_folder import DatabaseError

# 2: one session per batch result key (unique index), duplicates removed
# 3: the tracking_quality column is the stored assessment's own tracking-quality share
# 4: educators' ratings of sessions and trainees' consent to share (issue 17; the lab's site id is a
#    `meta` row)
# 5: metric definitions (issue 11): each metric row keeps the version of the definition that read it
#    (NULL: stored before versions were recorded), each session the scorer and reference that scored it,
#    and `session_rescores` keeps what a session held before `skillsight sessions rescore` replaced it
# 6: every number says how sure it is (issue 11): each metric row keeps its standard error (NULL: none
#    measured, or stored before v6 without one in its assessment) and why its value is missing
SCHEMA_VERSION = 6

metadata = sa.MetaData()

meta_table = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

trainees_table = sa.Table(
    "trainees",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    sa.Column("created_at", sa.String(40), nullable=False),
)

sessions_table = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "trainee_id", sa.Integer, sa.ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("procedure", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("skill_level", sa.String(32)),
    sa.Column("score", sa.Float),
    sa.Column("score_low", sa.Float),
    sa.Column("score_high", sa.Float),
    sa.Column("tracking_quality", sa.Float),
    sa.Column("source_name", sa.Text, nullable=False),
    sa.Column("source_sha256", sa.String(64)),
    sa.Column("result_key", sa.String(128), index=True),
    sa.Column("assessment_json", sa.Text, nullable=False),
    sa.Column("motion_path", sa.Text),
    sa.Column("video_path", sa.Text),
    sa.Column("model_id", sa.Text),  # "name version (sha256 prefix)" of the scorer; NULL: none used
    sa.Column("reference_id", sa.Text),  # the same for the expert reference
)

metrics_table = sa.Table(
    "metrics",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("value", sa.Float),
    sa.Column("unit", sa.String(64)),
    sa.Column("percentile", sa.Float),
    # scoring.features.definitions' version of this metric when it was read; NULL: not recorded (v<5)
    sa.Column("definition_version", sa.Integer),
    # the value's standard error in its unit, where the metric measures one; NULL: none measured
    sa.Column("uncertainty", sa.Float),
    # why the value is missing (withheld as too unsure, not tracked, ...); NULL: present or not said
    sa.Column("reason", sa.Text),
)

# What a session held before it was re-scored from its stored motion: nothing is replaced silently.
session_rescores_table = sa.Table(
    "session_rescores",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("rescored_at", sa.String(40), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    # the replaced session columns, assessment and metric rows (with their definition versions), as JSON
    sa.Column("previous_json", sa.Text, nullable=False),
)


# An educator's rating of one session (several raters may rate it): the GRS, its items (OSATS) as JSON.
ratings_table = sa.Table(
    "ratings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("rater", sa.String(255), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("scale", sa.String(32), nullable=False),
    sa.Column("grs", sa.Float),
    sa.Column("skill_level", sa.String(32)),
    sa.Column("items_json", sa.Text, nullable=False),
    sa.Column("note", sa.Text),
)

# A trainee's consent to share motion (every change is kept; the latest decides).
consents_table = sa.Table(
    "consents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "trainee_id", sa.Integer, sa.ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("share", sa.Boolean, nullable=False),
    sa.Column("recorded_at", sa.String(40), nullable=False),
    sa.Column("recorded_by", sa.String(255)),
    sa.Column("statement", sa.Text),
)


# One session per batch result key (content, procedure, hand, participant, model, reference): two
# batches that score the same video at once cannot both insert it. NULL keys (app sessions) are free.
unique_result_key = sa.Index("uq_sessions_result_key", sessions_table.c.result_key, unique=True)


def _create_schema_v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[trainees_table, sessions_table, metrics_table])


def _unique_result_keys_v2(conn: Connection) -> None:
    """Keep the first session of each result key (concurrent batches before v2 inserted duplicates),
    delete the others with their metrics, then make the key unique."""
    first = (
        sa.select(sa.func.min(sessions_table.c.id))
        .where(sessions_table.c.result_key.is_not(None))
        .group_by(sessions_table.c.result_key)
    )
    duplicates = [
        int(row[0])
        for row in conn.execute(
            sa.select(sessions_table.c.id)
            .where(sessions_table.c.result_key.is_not(None))
            .where(sessions_table.c.id.not_in(first))
        )
    ]
    if duplicates:
        conn.execute(metrics_table.delete().where(metrics_table.c.session_id.in_(duplicates)))
        conn.execute(sessions_table.delete().where(sessions_table.c.id.in_(duplicates)))
    unique_result_key.create(conn, checkfirst=True)


def _tracking_quality_from_assessment_v3(conn: Connection) -> None:
    """Rewrite the tracking_quality column from each session's stored assessment.

    Before v3 the app stored the assessment's share (frames with every required individual tracked,
    the body too for intubation) and batch stored its own (frames with the hands tracked), so the same
    video had two numbers. Every stored assessment carries its share (`tracking_quality.share`); this
    step copies it into the column (None where nothing was tracked), with no code of later versions.
    """
    rows = conn.execute(sa.select(sessions_table.c.id, sessions_table.c.assessment_json)).all()
    for session_id, text in rows:
        try:
            quality = json.loads(text).get("tracking_quality") or {}
            share = float(quality["share"]) if quality.get("n_frames") else None
        except (ValueError, TypeError, KeyError, AttributeError):
            continue  # an unreadable row keeps its value rather than losing it
        if share is not None and not math.isfinite(share):
            share = None
        conn.execute(
            sessions_table.update().where(sessions_table.c.id == session_id).values(tracking_quality=share)
        )


def _ratings_and_consent_v4(conn: Connection) -> None:
    """Two new tables; existing sessions stay unrated and their trainees without consent (not shared)."""
    metadata.create_all(conn, tables=[ratings_table, consents_table])


def scorer_id(summary: object) -> Optional[str]:
    """ "name version (sha256 prefix)" of a model or reference from its provenance summary; None if none."""
    if not isinstance(summary, dict) or not (summary.get("name") or summary.get("sha256")):
        return None
    words = [str(summary[k]) for k in ("name", "version") if summary.get(k) not in (None, "")]
    sha = str(summary.get("sha256") or "")[:12]
    return " ".join(words) + (f" ({sha})" if sha else "")


def _definitions_and_scorers_v5(conn: Connection) -> None:
    """Metric rows get `definition_version` (left NULL: which definition read an old session's metric was
    never recorded, and is shown as "not recorded"), sessions the scorer and reference read from their
    stored assessment's provenance, and the `session_rescores` table."""
    columns = {
        table: {c["name"] for c in sa.inspect(conn).get_columns(table)} for table in ("metrics", "sessions")
    }
    if "definition_version" not in columns["metrics"]:
        conn.exec_driver_sql("ALTER TABLE metrics ADD COLUMN definition_version INTEGER")
    for column in ("model_id", "reference_id"):
        if column not in columns["sessions"]:
            conn.exec_driver_sql(f"ALTER TABLE sessions ADD COLUMN {column} TEXT")
    metadata.create_all(conn, tables=[session_rescores_table])
    rows = conn.execute(sa.select(sessions_table.c.id, sessions_table.c.assessment_json)).all()
    for session_id, text in rows:
        try:
            provenance = json.loads(text).get("provenance") or {}
        except (ValueError, AttributeError):
            continue  # an unreadable row keeps NULLs rather than losing anything
        ids = {
            "model_id": scorer_id(provenance.get("model")),
            "reference_id": scorer_id(provenance.get("reference")),
        }
        if any(ids.values()):
            conn.execute(sessions_table.update().where(sessions_table.c.id == session_id).values(**ids))


def _finite_float(value: object) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _stored_uncertainties(text: str) -> dict[str, tuple[Optional[float], Optional[str]]]:
    """metric name -> (standard error, reason) as the stored assessment JSON carries them; {} when the
    JSON is unreadable or its metrics carry neither (stored before metrics measured their error)."""
    try:
        metrics = json.loads(text).get("metrics") or []
    except (ValueError, AttributeError):
        return {}
    found = {}
    for metric in metrics:
        if not isinstance(metric, dict) or not isinstance(metric.get("name"), str):
            continue
        error, reason = _finite_float(metric.get("uncertainty")), metric.get("reason")
        missing = _finite_float(metric.get("value")) is None  # a present value's reason says what was used
        reason = reason if missing and isinstance(reason, str) and reason else None
        if error is not None or reason is not None:
            found[metric["name"]] = (error, reason)
    return found


def _uncertainty_and_reason_v6(conn: Connection) -> None:
    """Metric rows get `uncertainty` and `reason`, filled from each session's stored assessment where it
    carries them (sessions scored since metrics measured their error); every other row stays NULL, read
    as "no standard error" and "no reason given", never as zero."""
    columns = {c["name"] for c in sa.inspect(conn).get_columns("metrics")}
    if "uncertainty" not in columns:
        conn.exec_driver_sql("ALTER TABLE metrics ADD COLUMN uncertainty FLOAT")
    if "reason" not in columns:
        conn.exec_driver_sql("ALTER TABLE metrics ADD COLUMN reason TEXT")
    rows = conn.execute(sa.select(sessions_table.c.id, sessions_table.c.assessment_json)).all()
    for session_id, text in rows:
        for name, (error, reason) in _stored_uncertainties(text).items():
            conn.execute(
                metrics_table.update()
                .where(metrics_table.c.session_id == session_id, metrics_table.c.name == name)
                .values(uncertainty=error, reason=reason)
            )


# version -> the step that brings a database from version-1 to version. Add a step (and bump
# SCHEMA_VERSION) when the schema changes; a step runs inside the transaction that records it.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    1: _create_schema_v1,
    2: _unique_result_keys_v2,
    3: _tracking_quality_from_assessment_v3,
    4: _ratings_and_consent_v4,
    5: _definitions_and_scorers_v5,
    6: _uncertainty_and_reason_v6,
}


def _stored_version(conn: Connection) -> tuple[int, bool]:
    """(the schema version the database records, whether it records one); (0, False) for a new file."""
    if not sa.inspect(conn).has_table("meta"):
        return 0, False
    row = conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == "schema_version")).first()
    return (int(row[0]), True) if row else (0, False)


def upgrade(
    engine: Engine,
    where: str,
    target: int = SCHEMA_VERSION,
    steps: Optional[dict[int, Callable[[Connection], None]]] = None,
) -> int:
    """Bring the database to version `target` by `steps` (MIGRATIONS), every step and the new version in
    one transaction, and return it; a database of a newer SkillSight is refused (DatabaseError)."""
    steps = MIGRATIONS if steps is None else steps
    with engine.connect() as conn:  # the common case, a current database: a read, no write lock
        if _stored_version(conn)[0] == target:
            return target
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            # Python's sqlite3 opens a transaction only before INSERT/UPDATE/DELETE, so an ALTER TABLE
            # would commit on its own: a step that fails midway would leave a half-migrated file.
            # IMMEDIATE also takes the write lock before the version is read again, so two processes
            # opening an old database migrate it once, one after the other.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        meta_table.create(conn, checkfirst=True)
        current, recorded = _stored_version(conn)
        if current > target:
            raise DatabaseError(
                f"{where}: schema version {current} is newer than this SkillSight ({target}); "
                "upgrade SkillSight"
            )
        for version in range(current + 1, target + 1):
            steps[version](conn)
        row = meta_table.c.key == "schema_version"
        if recorded and current != target:
            conn.execute(meta_table.update().where(row).values(value=str(target)))
        elif not recorded:
            conn.execute(meta_table.insert().values(key="schema_version", value=str(target)))
    return target

"""The database that the app and batch scoring share: trainees, sessions, their metrics and scores.

SQLAlchemy Core on a URL, so a lab can point `--db` at PostgreSQL; by default a SQLite file in the
user's data folder. SQLite runs in WAL mode with a busy timeout so several batch workers and the app
can use it at once, and with `secure_delete` on so that deleting a session really erases it.

The schema is versioned in the `meta` table (skillsight/schema.py); `MIGRATIONS` upgrades an older
database on open.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from skillsight.data_folder import DatabaseError, default_data_dir  # re-exported: callers import them here
from skillsight.schema import (  # the schema and its migrations live in schema.py
    MIGRATIONS,
    SCHEMA_VERSION,
    metrics_table,
    scorer_id,
    session_rescores_table,
    sessions_table,
    trainees_table,
    upgrade,
)
from skillsight.scoring.features.definitions import PROVENANCE_KEY as DEFINITIONS_KEY
from skillsight.scoring.results import Assessment, ResultStatus

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Sessions whose metrics are measurements a learning curve shows (defined with the statuses).
MEASURED_STATUSES = tuple(status.value for status in ResultStatus if status.metrics_measured)


def default_database_url() -> str:
    return f"sqlite:///{default_data_dir() / 'skillsight.db'}"


def sessions_dir() -> Path:
    """Motion files (and videos, only when the trainee keeps them) live here."""
    return default_data_dir() / "sessions"


@dataclass
class SessionRecord:
    """One stored practice session, as the app's history and batch results read it."""

    id: int
    trainee: str
    procedure: str
    created_at: str  # ISO 8601, UTC
    status: str  # "scored" | "refused"
    skill_level: Optional[str]
    score: Optional[float]
    score_low: Optional[float]
    score_high: Optional[float]
    tracking_quality: Optional[float]  # the assessment's TrackingQuality.share
    source_name: str
    source_sha256: Optional[str]
    motion_path: Optional[str]
    video_path: Optional[str]
    result_key: Optional[str]
    assessment: Assessment
    model_id: Optional[str] = None  # the scorer that scored it ("name version (sha256 prefix)")
    reference_id: Optional[str] = None  # the expert reference it was compared with


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _finite(value: Any) -> Optional[float]:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def plain_json_value(value: Any) -> Any:
    """`value` with NaN/inf turned into None and numpy scalars and tuples into plain JSON types, so a
    stray NaN deep in a provenance dict cannot make a finished result unstorable."""
    if isinstance(value, Mapping):
        return {str(k): plain_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_json_value(v) for v in value]
    if isinstance(value, (str, bool)) or value is None:
        return value
    if isinstance(value, int) and not hasattr(value, "dtype"):
        return value
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return plain_json_value(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value)


def metric_rows(session_id: int, assessment: Assessment) -> list[dict[str, Any]]:
    """The metrics table's rows of one assessment, each with the definition version that read it (None
    when the assessment does not say: one made before definitions were versioned), its standard error
    (None where none was measured) and why its value is missing (None when not said)."""
    versions = assessment.provenance.get(DEFINITIONS_KEY)
    versions = versions if isinstance(versions, Mapping) else {}
    return [
        {
            "session_id": session_id,
            "name": m.name,
            "value": _finite(m.value),
            "unit": m.unit,
            "percentile": _finite(m.percentile),
            "definition_version": int(versions[m.name]) if versions.get(m.name) is not None else None,
            "uncertainty": _finite(m.uncertainty),
            # A present value's `reason` may say what was used; the column keeps only why one is missing.
            "reason": (m.reason or None) if _finite(m.value) is None else None,
        }
        for m in assessment.metrics
    ]


def stored_metrics(conn: Connection, session_ids: list[int]) -> dict[int, dict[str, dict[str, Any]]]:
    """session id -> what its metric rows hold, each a dict of metric name -> one column: "metrics" (the
    value; None when missing), "definitions" (the version that read it; None: not recorded, stored before
    v5), "uncertainties" (the standard error, only for metrics that carry one) and "reasons" (why the
    value is missing, only where said)."""
    out: dict[int, dict[str, dict[str, Any]]] = {
        i: {"metrics": {}, "definitions": {}, "uncertainties": {}, "reasons": {}} for i in session_ids
    }
    if not session_ids:
        return out
    m = metrics_table.c
    query = sa.select(m.session_id, m.name, m.value, m.definition_version, m.uncertainty, m.reason)
    for session_id, name, value, version, error, reason in conn.execute(
        query.where(m.session_id.in_(session_ids))
    ):
        entry = out[int(session_id)]
        entry["metrics"][name] = value
        entry["definitions"][name] = version
        if _finite(error) is not None:
            entry["uncertainties"][name] = float(error)
        if reason:
            entry["reasons"][name] = str(reason)
    return out


def assessment_columns(assessment: Assessment) -> dict[str, Any]:
    """The session columns an assessment fills: status, level, score and interval, tracking quality, the
    assessment itself, and the scorer and reference that made it. The `tracking_quality` column is the
    assessment's own TrackingQuality share, stored as is."""
    interval = assessment.score_interval or (None, None)
    provenance = assessment.provenance
    return {
        "status": assessment.status,
        "skill_level": assessment.skill_level,
        "score": _finite(assessment.score),
        "score_low": _finite(interval[0]),
        "score_high": _finite(interval[1]),
        "tracking_quality": assessment.tracking_quality.stored_share,
        "assessment_json": json.dumps(plain_json_value(assessment.to_dict())),
        "model_id": scorer_id(provenance.get("model")),
        "reference_id": scorer_id(provenance.get("reference")),
    }


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Deleted content is overwritten with zeros, so a deleted session leaves nothing in the file.
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _private_database_file(path: Path) -> None:
    """Trainees' data is owner-only: the folder 0700 when we create it, the file 0600 from its first
    byte. SQLite gives the -wal and -shm files the database file's permissions; existing ones of ours
    are tightened too."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # an empty file is a new database
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if file.exists() and file.stat().st_uid == os.getuid() and file.stat().st_mode & 0o077:
                os.chmod(file, 0o600)
        except (OSError, AttributeError):  # AttributeError: no getuid on Windows
            pass


def _make_engine(url: str) -> Engine:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        _private_database_file(Path(database).expanduser())
    kwargs: dict[str, Any] = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
    if not database or database == ":memory:":
        # One shared connection, or every checkout would see a fresh empty database.
        kwargs["poolclass"] = sa.pool.StaticPool
        kwargs["connect_args"]["check_same_thread"] = False
    engine = sa.create_engine(url, **kwargs)
    sa.event.listen(engine, "connect", _enable_sqlite_pragmas)
    return engine


class Database:
    """Sessions of every trainee; methods taking `trainee` only see that trainee's sessions."""

    def __init__(self, url: Optional[str] = None) -> None:
        self.url = url or default_database_url()
        try:
            self._engine = _make_engine(self.url)
            self.schema_version = self._migrate()
        except sa.exc.SQLAlchemyError as exc:
            raise DatabaseError(f"{self.display_url}: cannot open the database ({exc})") from exc

    @property
    def display_url(self) -> str:
        """The URL with any password hidden, for messages and logs."""
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)

    @property
    def engine(self) -> Engine:
        """For modules that keep their own tables in this database (skillsight.lab_records)."""
        return self._engine

    @property
    def is_sqlite(self) -> bool:
        return self._engine.dialect.name == "sqlite"

    # --- schema -------------------------------------------------------------------------------
    def _migrate(self) -> int:
        return upgrade(self._engine, self.display_url, SCHEMA_VERSION, MIGRATIONS)

    # --- writing --------------------------------------------------------------------------------
    def _trainee_id(self, conn: Connection, trainee: str) -> int:
        found = conn.execute(sa.select(trainees_table.c.id).where(trainees_table.c.name == trainee)).first()
        if found:
            return int(found[0])
        result = conn.execute(trainees_table.insert().values(name=trainee, created_at=_utc_now()))
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def add_session(
        self,
        *,
        trainee: str,
        procedure: str,
        assessment: Assessment,
        source_name: str,
        source_sha256: Optional[str] = None,
        motion_path: Optional[str] = None,
        video_path: Optional[str] = None,
        result_key: Optional[str] = None,
    ) -> int:
        """Store one assessed session and its metrics; returns the session id (the existing session's
        when another writer already stored this `result_key`).
        The `tracking_quality` column is the assessment's own TrackingQuality share, stored as is.
        """
        if not trainee:
            raise ValueError("a session needs a trainee name")
        try:
            return self._insert_session(
                trainee, procedure, assessment, source_name, source_sha256, motion_path, video_path,
                result_key,
            )  # fmt: skip
        except sa.exc.IntegrityError:
            existing = self.find_by_key(result_key) if result_key else None
            if existing is None:
                raise
            return existing.id  # another batch recorded this result first: one session per key

    def _insert_session(
        self,
        trainee: str,
        procedure: str,
        assessment: Assessment,
        source_name: str,
        source_sha256: Optional[str],
        motion_path: Optional[str],
        video_path: Optional[str],
        result_key: Optional[str],
    ) -> int:
        with self._engine.begin() as conn:
            trainee_id = self._trainee_id(conn, trainee)
            result = conn.execute(
                sessions_table.insert().values(
                    trainee_id=trainee_id,
                    procedure=procedure,
                    created_at=_utc_now(),
                    source_name=source_name,
                    source_sha256=source_sha256,
                    result_key=result_key,
                    motion_path=str(motion_path) if motion_path else None,
                    video_path=str(video_path) if video_path else None,
                    **assessment_columns(assessment),
                )
            )
            session_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            rows = metric_rows(session_id, assessment)
            if rows:
                conn.execute(metrics_table.insert(), rows)
        return session_id

    def delete_session(self, session_id: int, trainee: Optional[str] = None) -> bool:
        """Remove a session's rows and the motion/video files it owns; False if not found (or not theirs).

        A file is kept only while another session still refers to it.
        """
        record = self.get_session(session_id, trainee=trainee)
        if record is None:
            return False
        with self._engine.begin() as conn:
            conn.execute(metrics_table.delete().where(metrics_table.c.session_id == session_id))
            # what a re-score replaced is the session's too
            conn.execute(
                session_rescores_table.delete().where(session_rescores_table.c.session_id == session_id)
            )
            conn.execute(sessions_table.delete().where(sessions_table.c.id == session_id))
            owned = [p for p in (record.motion_path, record.video_path) if p]
            still_used = set()
            for path in owned:
                refs = conn.execute(
                    sa.select(sa.func.count())
                    .select_from(sessions_table)
                    .where(sa.or_(sessions_table.c.motion_path == path, sessions_table.c.video_path == path))
                ).scalar_one()
                if refs:
                    still_used.add(path)
        for path in owned:
            if path not in still_used:
                Path(path).unlink(missing_ok=True)
        self._erase_freed_pages()
        return True

    def _erase_freed_pages(self) -> None:
        # secure_delete zeroes freed pages in the database file; the WAL still holds the old pages
        # until a checkpoint copies them back and truncates it.
        if not self.is_sqlite:
            return
        with self._engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    # --- reading --------------------------------------------------------------------------------
    def _select_sessions(self) -> sa.Select:
        return sa.select(sessions_table, trainees_table.c.name.label("trainee")).join(
            trainees_table, trainees_table.c.id == sessions_table.c.trainee_id
        )

    @staticmethod
    def _record(row: Any) -> SessionRecord:
        m = row._mapping
        return SessionRecord(
            id=int(m["id"]),
            trainee=m["trainee"],
            procedure=m["procedure"],
            created_at=m["created_at"],
            status=m["status"],
            skill_level=m["skill_level"],
            score=m["score"],
            score_low=m["score_low"],
            score_high=m["score_high"],
            tracking_quality=m["tracking_quality"],
            source_name=m["source_name"],
            source_sha256=m["source_sha256"],
            motion_path=m["motion_path"],
            video_path=m["video_path"],
            result_key=m["result_key"],
            assessment=Assessment.from_dict(json.loads(m["assessment_json"])),
            model_id=m["model_id"],
            reference_id=m["reference_id"],
        )

    def get_session(self, session_id: int, trainee: Optional[str] = None) -> Optional[SessionRecord]:
        query = self._select_sessions().where(sessions_table.c.id == int(session_id))
        if trainee is not None:
            query = query.where(trainees_table.c.name == trainee)
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return self._record(row) if row else None

    def list_sessions(
        self, trainee: Optional[str] = None, procedure: Optional[str] = None
    ) -> list[SessionRecord]:
        """Sessions oldest first (optionally of one trainee and/or procedure)."""
        query = self._select_sessions()
        if trainee is not None:
            query = query.where(trainees_table.c.name == trainee)
        if procedure is not None:
            query = query.where(sessions_table.c.procedure == procedure)
        query = query.order_by(sessions_table.c.created_at, sessions_table.c.id)
        with self._engine.connect() as conn:
            return [self._record(row) for row in conn.execute(query)]

    def list_trainees(self) -> list[str]:
        with self._engine.connect() as conn:
            return [
                r[0] for r in conn.execute(sa.select(trainees_table.c.name).order_by(trainees_table.c.name))
            ]

    def metric_history(self, trainee: str, procedure: str) -> list[dict[str, Any]]:
        """One entry per session of a trainee and procedure whose metrics were measured, oldest first
        (learning curves): scored ones, and out-of-domain ones (real metrics; only their level and score
        are withheld, so their score is None), with the status, the metrics, their definitions, standard
        errors and withheld reasons (`stored_metrics`)."""
        query = (
            sa.select(
                sessions_table.c.id,
                sessions_table.c.created_at,
                sessions_table.c.score,
                sessions_table.c.score_low,
                sessions_table.c.score_high,
                sessions_table.c.skill_level,
                sessions_table.c.model_id,
                sessions_table.c.status,
            )
            .join(trainees_table, trainees_table.c.id == sessions_table.c.trainee_id)
            .where(trainees_table.c.name == trainee)
            .where(sessions_table.c.procedure == procedure)
            .where(sessions_table.c.status.in_(MEASURED_STATUSES))
            .order_by(sessions_table.c.created_at, sessions_table.c.id)
        )
        with self._engine.connect() as conn:
            sessions = list(conn.execute(query))
            stored = stored_metrics(conn, [int(s.id) for s in sessions])
        return [
            {
                "session_id": int(s.id),
                "created_at": s.created_at,
                "score": s.score,
                "score_low": s.score_low,
                "score_high": s.score_high,
                "skill_level": s.skill_level,
                "model_id": s.model_id,
                "status": s.status,
                **stored[int(s.id)],
            }
            for s in sessions
        ]

    def find_by_key(self, result_key: str) -> Optional[SessionRecord]:
        """The latest session recorded under a batch result key (content, procedure, model, reference)."""
        query = (
            self._select_sessions()
            .where(sessions_table.c.result_key == result_key)
            .order_by(sessions_table.c.id.desc())
            .limit(1)
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return self._record(row) if row else None

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

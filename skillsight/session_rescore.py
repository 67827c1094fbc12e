"""Stored sessions re-read from their stored motion under today's metric definitions.

A session's metrics keep the definition version that read them (`metrics.definition_version`; NULL when
stored before versions were recorded). A session is stale when any metric was read by another definition
than today's, or by one not recorded, or when it was scored with the shipped model or reference and
today's shipped one of that name is another build (a lab's own scorer is its choice, never stale).
Re-scoring runs the stored motion through the one pipeline again and replaces the session's numbers in
one transaction, after copying what it held into `session_rescores`: the old numbers are kept, never
lost silently. A session whose motion file is gone is left as it is, and said so.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa

from skillsight import pipeline
from skillsight.models import default_model_path, default_reference_path
from skillsight.schema import metrics_table, scorer_id, session_rescores_table, sessions_table, trainees_table
from skillsight.score_request import ScoreRequest
from skillsight.scoring.features.definitions import definition_version
from skillsight.scoring.results import Assessment, ResultStatus
from skillsight.storage import Database, SessionRecord, assessment_columns, metric_rows, plain_json_value

NOT_RECORDED = "not recorded"
# A re-score that answers with one of these where the session had an answer is not stored: the motion is
# the same, so the refusal comes from the model or reference chosen, and the session's numbers would go.
_NO_ANSWER = (ResultStatus.REFUSED.value, ResultStatus.DAMAGED.value, ResultStatus.FAILED.value)
_REPLACED_COLUMNS = (
    "status", "skill_level", "score", "score_low", "score_high", "tracking_quality",
    "model_id", "reference_id",
)  # fmt: skip


@dataclass
class StaleMetric:
    name: str
    stored: Optional[int]  # None: not recorded
    today: Optional[int]  # None: no feature defines this metric any more

    def __str__(self) -> str:
        return f"{self.name} ({_said(self.stored)}; today {_said(self.today, today=True)})"


def _said(version: Optional[int], today: bool = False) -> str:
    """A definition version in words: a stored one missing was not recorded; today's missing is none."""
    return f"definition {version}" if version is not None else ("none" if today else NOT_RECORDED)


def stale_summary(stale: Sequence[StaleMetric]) -> str:
    """Stale metrics in a few words, grouped by change: "42 metrics: not recorded -> definition 1"."""
    groups: dict[tuple[Optional[int], Optional[int]], list[str]] = {}
    for metric in stale:
        groups.setdefault((metric.stored, metric.today), []).append(metric.name)
    parts = []
    for (stored, today), names in groups.items():
        which = ", ".join(names) if len(names) <= 3 else f"{len(names)} metrics"
        parts.append(f"{which}: {_said(stored)} -> {_said(today, today=True)}")
    return "; ".join(parts)


def stale_reason(stale: Sequence[StaleMetric], scorers: Sequence[StaleScorer]) -> str:
    """Why a session is stale, in words ("" when it is not)."""
    parts = [f"definitions changed ({stale_summary(stale)})"] if stale else []
    if scorers:
        parts.append("scorer changed (" + "; ".join(str(s) for s in scorers) + ")")
    return "; ".join(parts)


@dataclass
class RescoreOutcome:
    """What happened to one session: rescored, would_rescore (dry run), current, skipped or failed."""

    session_id: int
    action: str
    message: str
    changes: list[str] = field(default_factory=list)


def _is_stale(name: str, stored: Optional[int]) -> bool:
    """The one test of staleness: read by a definition not recorded, or by another than today's."""
    return stored is None or stored != definition_version(name)


def stale_metrics(db: Database, session_id: int) -> list[StaleMetric]:
    """The session's metrics read by another definition than today's, or by one not recorded."""
    query = sa.select(metrics_table.c.name, metrics_table.c.definition_version).where(
        metrics_table.c.session_id == int(session_id)
    )
    with db.engine.connect() as conn:
        rows = list(conn.execute(query))
    stale = [StaleMetric(str(name), stored, definition_version(str(name))) for name, stored in rows]
    return sorted((s for s in stale if _is_stale(s.name, s.stored)), key=lambda s: s.name)


def stale_session_ids(db: Database, trainee: str, procedure: Optional[str] = None) -> list[int]:
    """One trainee's sessions (of one procedure, if given) that `rescore_session` would re-score, by id:
    any stale metric (the test of `stale_metrics`, in one query for all) or a stale scorer."""
    query = (
        sa.select(metrics_table.c.session_id, metrics_table.c.name, metrics_table.c.definition_version)
        .join(sessions_table, sessions_table.c.id == metrics_table.c.session_id)
        .join(trainees_table, trainees_table.c.id == sessions_table.c.trainee_id)
        .where(trainees_table.c.name == trainee)
    )
    if procedure is not None:
        query = query.where(sessions_table.c.procedure == procedure)
    with db.engine.connect() as conn:
        rows = list(conn.execute(query))
    stale = {int(sid) for sid, name, stored in rows if _is_stale(str(name), stored)}
    records = db.list_sessions(trainee=trainee, procedure=procedure)
    return sorted(stale | {r.id for r in records if r.id not in stale and stale_scorers(r)})


def stored_version(db: Database, session_id: int, trainee: str) -> Optional[tuple[str, int]]:
    """What changes whenever the session's stored numbers do: when it was stored and how often it was
    re-scored (`replace_assessment` always keeps a copy). None when the trainee has no such session
    (never stored, or deleted). A deleted session's id may be reused; its stored time is not."""
    kept = (
        sa.select(sa.func.count())
        .select_from(session_rescores_table)
        .where(session_rescores_table.c.session_id == sessions_table.c.id)
        .scalar_subquery()
    )
    query = (
        sa.select(sessions_table.c.created_at, kept)
        .join(trainees_table, trainees_table.c.id == sessions_table.c.trainee_id)
        .where(sessions_table.c.id == int(session_id), trainees_table.c.name == trainee)
    )
    with db.engine.connect() as conn:
        row = conn.execute(query).first()
    return (str(row[0]), int(row[1])) if row is not None else None


def replace_assessment(db: Database, session_id: int, assessment: Assessment, reason: str) -> int:
    """Give a session a new assessment in one transaction: what it held goes to `session_rescores`
    first (columns, assessment and metric rows with their versions). Returns the kept copy's id."""
    with db.engine.begin() as conn:
        row = conn.execute(sa.select(sessions_table).where(sessions_table.c.id == int(session_id))).first()
        if row is None:
            raise KeyError(f"session {session_id}: not found")
        old_metrics = conn.execute(
            sa.select(metrics_table).where(metrics_table.c.session_id == int(session_id))
        ).mappings()
        previous = {
            "columns": {name: row._mapping[name] for name in _REPLACED_COLUMNS},
            "assessment": json.loads(row._mapping["assessment_json"]),
            "metrics": [{k: v for k, v in m.items() if k not in ("id", "session_id")} for m in old_metrics],
        }
        kept = conn.execute(
            session_rescores_table.insert().values(
                session_id=int(session_id),
                rescored_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                reason=reason,
                previous_json=json.dumps(plain_json_value(previous)),
            )
        )
        conn.execute(
            sessions_table.update()
            .where(sessions_table.c.id == int(session_id))
            .values(**assessment_columns(assessment))
        )
        conn.execute(metrics_table.delete().where(metrics_table.c.session_id == int(session_id)))
        rows = metric_rows(int(session_id), assessment)
        if rows:
            conn.execute(metrics_table.insert(), rows)
        return int(kept.inserted_primary_key[0])  # type: ignore[index]


def rescore_history(db: Database, session_id: int) -> list[dict[str, Any]]:
    """What the session held before each re-score, oldest first."""
    query = (
        sa.select(session_rescores_table)
        .where(session_rescores_table.c.session_id == int(session_id))
        .order_by(session_rescores_table.c.id)
    )
    with db.engine.connect() as conn:
        rows = list(conn.execute(query).mappings())
    return [
        {"rescored_at": r["rescored_at"], "reason": r["reason"], **json.loads(r["previous_json"])}
        for r in rows
    ]


@functools.lru_cache(maxsize=16)
def _card_names(card_path: str, _mtime_ns: int) -> tuple[Optional[str], Optional[str]]:
    """(name, scorer id) of a model card or reference; read once per file version."""
    try:
        card = json.loads(Path(card_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None
    if not isinstance(card, dict):
        return None, None
    return (str(card["name"]) if card.get("name") else None), scorer_id(card)


def _card(path: Path) -> tuple[Optional[str], Optional[str]]:
    card_path = path.with_suffix(".json")
    try:
        return _card_names(str(card_path), card_path.stat().st_mtime_ns)
    except OSError:
        return None, None


def _card_name(path: Path) -> Optional[str]:
    return _card(path)[0]


@dataclass
class StaleScorer:
    kind: str  # "model" or "reference"
    stored: Optional[str]  # the scorer id the session recorded; None: not recorded
    today: str  # today's shipped one of the same name

    def __str__(self) -> str:
        return f"shipped {self.kind} {self.stored or NOT_RECORDED} -> {self.today}"


def stale_scorers(record: SessionRecord) -> list[StaleScorer]:
    """The shipped model or reference the session was scored with, where today's shipped one of that name
    is another build (name, version and sha256 differ): re-scoring would use today's."""
    stale = []
    for kind, find in (("model", default_model_path), ("reference", default_reference_path)):
        summary = record.assessment.provenance.get(kind)
        shipped = _shipped(find, record.procedure)
        if not isinstance(summary, dict) or not summary.get("name") or shipped is None:
            continue
        name, today = _card(shipped)
        if summary["name"] == name and today is not None and scorer_id(summary) != today:
            stale.append(StaleScorer(kind, scorer_id(summary), today))
    return stale


def _scorer_file(summary: Any, shipped: Optional[Path]) -> Optional[Path]:
    """The model or reference to re-score with: None (today's shipped one) where the session used the
    shipped one of that name (an older build of it reads older definitions), else the session's own
    file while it exists (a lab's choice), else None."""
    if not isinstance(summary, dict):
        return None
    if shipped is not None and summary.get("name") and summary.get("name") == _card_name(shipped):
        return None
    path = summary.get("path")
    return Path(path) if path and Path(path).is_file() else None


def _shipped(find: Any, procedure: str) -> Optional[Path]:
    try:
        return Path(find(procedure))
    except (OSError, ValueError, LookupError):  # no shipped model for this procedure
        return None


def request_for(record: SessionRecord, model: Optional[Path], reference: Optional[Path]) -> ScoreRequest:
    """The stored motion scored as the session was: its procedure and dominant hand, and its model and
    reference (today's shipped ones where it used the shipped ones; a lab's own while their files
    exist; else the procedure's defaults), unless `model`/`reference` say otherwise."""
    provenance = record.assessment.provenance
    own_model = _scorer_file(provenance.get("model"), _shipped(default_model_path, record.procedure))
    own_reference = _scorer_file(
        provenance.get("reference"), _shipped(default_reference_path, record.procedure)
    )
    return ScoreRequest.build(
        Path(str(record.motion_path)),
        record.procedure,
        model=model or own_model,
        reference=reference or own_reference,
        dominant_hand=str(provenance.get("dominant_hand") or "right"),
    )


def _number(value: Any) -> str:
    return "–" if value is None else f"{float(value):.4g}"


def changes_between(before: Assessment, after: Assessment) -> list[str]:
    """The score's and each metric's change, in words ("score 18.2 -> 17.9")."""
    lines = []
    if (before.status, before.score) != (after.status, after.score):
        lines.append(
            f"score {_number(before.score)} ({before.status}) -> {_number(after.score)} ({after.status})"
        )
    old = {m.name: m.value for m in before.metrics}
    for metric in after.metrics:
        was = old.get(metric.name)
        if _number(was) != _number(metric.value):
            lines.append(f"{metric.name} {_number(was)} -> {_number(metric.value)}")
    return lines


def rescore_session(
    db: Database,
    record: SessionRecord,
    *,
    model: Optional[Path] = None,
    reference: Optional[Path] = None,
    dry_run: bool = False,
    only_stale: bool = True,
) -> RescoreOutcome:
    """Re-score one stored session from its stored motion (see the module's docstring)."""
    sid = record.id
    stale, scorers = stale_metrics(db, sid), stale_scorers(record)
    if only_stale and not stale and not scorers:
        return RescoreOutcome(sid, "current", f"session {sid}: every metric is read by today's definition")
    if not record.motion_path:
        return RescoreOutcome(sid, "skipped", f"session {sid}: no motion was stored with it; left as it is")
    if not Path(record.motion_path).is_file():
        return RescoreOutcome(
            sid, "skipped", f"session {sid}: its motion file {record.motion_path} is gone; left as it is"
        )
    try:
        after = pipeline.assess(request_for(record, model, reference)).assessment
    except Exception as exc:  # one unreadable motion or missing model must not stop the others
        return RescoreOutcome(sid, "failed", f"session {sid}: {exc}; left as it is")
    if after.status in _NO_ANSWER and record.status not in _NO_ANSWER:  # the model or reference, not
        reasons = "; ".join(after.refusal_reasons) or after.status  # the motion: keep what was there
        return RescoreOutcome(
            sid, "failed", f"session {sid}: re-scoring it gave no answer ({reasons}); left as it is"
        )
    changes = changes_between(record.assessment, after)
    reason = stale_reason(stale, scorers) or "re-scored on request"
    if dry_run:
        return RescoreOutcome(sid, "would_rescore", f"session {sid}: would re-score ({reason})", changes)
    replace_assessment(db, sid, after, reason)
    return RescoreOutcome(sid, "rescored", f"session {sid}: re-scored ({reason}); old numbers kept", changes)


def select_sessions(
    db: Database, trainee: Optional[str], procedure: Optional[str], ids: Sequence[int]
) -> list[SessionRecord]:
    records = db.list_sessions(trainee=trainee, procedure=procedure)
    return [r for r in records if r.id in set(ids)] if ids else records


def rescore_sessions(db: Database, records: Iterable[SessionRecord], **options: Any) -> list[RescoreOutcome]:
    return [rescore_session(db, record, **options) for record in records]

"""What a lab records to share: educators' ratings of sessions, trainees' consent, the lab's site id.

    record_rating(db, session_id, rater="Dr A", items={"respect_for_tissue": 4, ...})   # GRS = sum
    record_consent(db, "trainee-7", share=agreed, recorded_by="Dr A")   # agreed: the trainee said yes
    set_site(db, "lab-leeds")
    import_ratings_csv(db, Path("ratings.csv"))

The model's own level is never a rating: only what an educator entered here counts as a label when a
lab exports a dataset. Consent is the trainee's latest decision (withdrawing it stops future exports).
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa

from skillsight.schema import consents_table, meta_table, ratings_table, sessions_table, trainees_table
from skillsight.scoring.results import SKILL_LEVELS
from skillsight.storage import Database

# The classic OSATS global rating items, each 1-5 (GRS = their sum, 7-35).
OSATS_ITEMS = (
    "respect_for_tissue",
    "time_and_motion",
    "instrument_handling",
    "knowledge_of_instruments",
    "use_of_assistants",
    "flow_of_operation",
    "knowledge_of_procedure",
)
ITEM_RANGE = (1.0, 5.0)
SITE_KEY = "site_id"
SITE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class RecordError(ValueError):
    """A rating, consent or site id that cannot be recorded (the message says why, and where)."""


@dataclass
class Rating:
    session_id: int
    rater: str
    grs: Optional[float]
    skill_level: Optional[str]
    items: dict[str, float] = field(default_factory=dict)
    scale: str = "OSATS"
    created_at: str = ""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _item_value(name: str, value: Any) -> float:
    number = float(value)
    low, high = ITEM_RANGE
    if not math.isfinite(number) or not low <= number <= high:
        raise RecordError(f"OSATS item {name}: {value!r} is not a score from {low:g} to {high:g}")
    return number


def record_rating(
    db: Database,
    session_id: int,
    *,
    rater: str,
    items: Optional[Mapping[str, Any]] = None,
    grs: Optional[float] = None,
    skill_level: Optional[str] = None,
    scale: str = "OSATS",
    note: str = "",
) -> int:
    """Store one educator's rating of a session; the GRS is the items' sum when not given."""
    if not rater.strip():
        raise RecordError("a rating needs the rater's name")
    values = {str(k): _item_value(str(k), v) for k, v in dict(items or {}).items()}
    if grs is None and values:
        grs = float(sum(values.values()))
    if grs is not None and not math.isfinite(float(grs)):
        raise RecordError(f"GRS {grs!r} is not a number")
    if skill_level is not None and skill_level not in SKILL_LEVELS:
        raise RecordError(f"skill level {skill_level!r}; use one of {', '.join(SKILL_LEVELS)}")
    if grs is None and skill_level is None:
        raise RecordError("a rating needs a GRS, OSATS items or a skill level")
    with db.engine.begin() as conn:
        found = conn.execute(sa.select(sessions_table.c.id).where(sessions_table.c.id == int(session_id)))
        if found.first() is None:
            raise RecordError(f"session {session_id}: not found")
        result = conn.execute(
            ratings_table.insert().values(
                session_id=int(session_id), rater=rater.strip(), created_at=_now(), scale=scale,
                grs=None if grs is None else float(grs), skill_level=skill_level,
                items_json=json.dumps(values, sort_keys=True), note=note or None,
            )
        )  # fmt: skip
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def ratings_of(db: Database, session_id: int) -> list[Rating]:
    query = sa.select(ratings_table).where(ratings_table.c.session_id == int(session_id))
    with db.engine.connect() as conn:
        return [_rating(row._mapping) for row in conn.execute(query.order_by(ratings_table.c.id))]


def _rating(m: Any) -> Rating:  # a mapping or an SQLAlchemy RowMapping
    return Rating(
        session_id=int(m["session_id"]),
        rater=str(m["rater"]),
        grs=m["grs"],
        skill_level=m["skill_level"],
        items=json.loads(m["items_json"] or "{}"),
        scale=str(m["scale"]),
        created_at=str(m["created_at"]),
    )


def pooled_rating(ratings: list[Rating]) -> Optional[Rating]:
    """Several raters' ratings as one: mean GRS and items, the most frequent level (latest on a tie)."""
    if not ratings:
        return None
    grs = [r.grs for r in ratings if r.grs is not None]
    levels = [r.skill_level for r in ratings if r.skill_level]
    names = sorted({name for r in ratings for name in r.items})
    items = {n: float(sum(r.items[n] for r in ratings if n in r.items)) for n in names}
    counts = {n: sum(1 for r in ratings if n in r.items) for n in names}
    level = max(reversed(levels), key=levels.count) if levels else None
    return Rating(
        session_id=ratings[0].session_id,
        rater=f"{len(ratings)} rater(s)",
        grs=float(sum(grs) / len(grs)) if grs else None,
        skill_level=level,
        items={n: items[n] / counts[n] for n in names},
        scale=ratings[0].scale,
    )


def all_ratings(db: Database) -> dict[int, list[Rating]]:
    with db.engine.connect() as conn:
        rows = conn.execute(sa.select(ratings_table).order_by(ratings_table.c.id))
        found: dict[int, list[Rating]] = {}
        for row in rows:
            rating = _rating(row._mapping)
            found.setdefault(rating.session_id, []).append(rating)
    return found


def _trainee_id(conn: Any, trainee: str) -> int:
    row = conn.execute(sa.select(trainees_table.c.id).where(trainees_table.c.name == trainee)).first()
    if row is None:
        result = conn.execute(trainees_table.insert().values(name=trainee, created_at=_now()))
        return int(result.inserted_primary_key[0])
    return int(row[0])


def record_consent(
    db: Database, trainee: str, share: bool, recorded_by: str = "", statement: str = ""
) -> None:
    """Record a trainee's decision to share (or no longer share) their motion; the latest counts."""
    if not trainee:
        raise RecordError("consent needs the trainee's name")
    with db.engine.begin() as conn:
        conn.execute(
            consents_table.insert().values(
                trainee_id=_trainee_id(conn, trainee), share=bool(share), recorded_at=_now(),
                recorded_by=recorded_by or None, statement=statement or None,
            )
        )  # fmt: skip


def consents(db: Database) -> dict[str, bool]:
    """trainee name -> their latest decision to share."""
    query = (
        sa.select(trainees_table.c.name, consents_table.c.share)
        .join(trainees_table, trainees_table.c.id == consents_table.c.trainee_id)
        .order_by(consents_table.c.id)
    )
    with db.engine.connect() as conn:
        return {str(name): bool(share) for name, share in conn.execute(query)}


def set_site(db: Database, site: str) -> None:
    """The lab's site id, written into every package it exports (letters, digits, . _ -)."""
    if not SITE_PATTERN.match(site):
        raise RecordError(f"site id {site!r}: use 1-64 letters, digits, '.', '_' or '-'")
    with db.engine.begin() as conn:
        conn.execute(meta_table.delete().where(meta_table.c.key == SITE_KEY))
        conn.execute(meta_table.insert().values(key=SITE_KEY, value=site))


def site_of(db: Database) -> str:
    with db.engine.connect() as conn:
        row = conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == SITE_KEY)).first()
    return str(row[0]) if row else ""


def _csv_rating(row: Mapping[str, str], origin: str) -> dict[str, Any]:
    def number(key: str) -> Optional[float]:
        text = (row.get(key) or "").strip()
        try:
            return float(text) if text else None
        except ValueError:
            raise RecordError(f"{origin}: {key} {text!r} is not a number") from None

    items = {k[len("osats_") :]: v for k in row if k.startswith("osats_") and (v := number(k)) is not None}
    level = (row.get("skill_level") or "").strip().lower() or None
    try:
        checked = {name: _item_value(name, value) for name, value in items.items()}
    except RecordError as exc:
        raise RecordError(f"{origin}: {exc}") from None
    if level is not None and level not in SKILL_LEVELS:
        raise RecordError(f"{origin}: skill level {level!r}; use one of {', '.join(SKILL_LEVELS)}")
    if not checked and number("grs") is None and level is None:
        raise RecordError(f"{origin}: no GRS, OSATS item or skill level")
    return {"items": checked, "grs": number("grs"), "skill_level": level}


def import_ratings_csv(db: Database, path: Path, default_rater: str = "") -> int:
    """Ratings from a CSV (``session_id, rater, grs, skill_level, osats_<item>...``, optionally
    ``consent`` yes/no for the session's trainee); every row is checked before any is stored."""
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = [{str(k).strip().lower(): v or "" for k, v in r.items() if k} for r in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RecordError(f"{path}: cannot read ratings ({exc})") from None
    planned = []
    for line, row in enumerate(rows, start=2):
        origin = f"{path}:{line}"
        try:
            session_id = int(row.get("session_id", ""))
        except ValueError:
            text = row.get("session_id")
            raise RecordError(f"{origin}: session_id {text!r} is not a session number") from None
        record = db.get_session(session_id)
        if record is None:
            raise RecordError(f"{origin}: session {session_id} not found")
        rater = (row.get("rater") or default_rater).strip()
        if not rater:
            raise RecordError(f"{origin}: no rater (add a rater column or pass --rater)")
        consent = (row.get("consent") or "").strip().lower()
        if consent not in ("", "yes", "no", "true", "false", "1", "0"):
            raise RecordError(f"{origin}: consent {consent!r}; use yes or no")
        planned.append((origin, session_id, record.trainee, rater, _csv_rating(row, origin), consent))
    for origin, session_id, trainee, rater, rating, consent in planned:
        try:
            record_rating(db, session_id, rater=rater, **rating)
        except RecordError as exc:
            raise RecordError(f"{origin}: {exc}") from None
        if consent:
            record_consent(db, trainee, consent in ("yes", "true", "1"), recorded_by=rater)
    return len(planned)

"""The shared database: round trip, schema versioning, per-trainee isolation, real deletion, WAL."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from skillsight import storage
from skillsight.pose.quality import IndividualQuality, TrackingQuality
from skillsight.scoring.results import Assessment, FeedbackItem, MetricComparison
from skillsight.storage import Database, DatabaseError, default_data_dir


def two_hands(share: float, left: float, right: float) -> TrackingQuality:
    def hand(tracked_share: float) -> IndividualQuality:
        return IndividualQuality(tracked_share, int(100 * tracked_share), 0.9, 0.5)

    return TrackingQuality(
        share=share,
        required=("left_hand", "right_hand"),
        n_frames=100,
        duration_s=4.0,
        fps=25.0,
        individuals={"left_hand": hand(left), "right_hand": hand(right)},
    )


def make_assessment(score: float = 21.5, status: str = "scored", path_length: float = 3.25) -> Assessment:
    if status != "scored":
        return Assessment(
            status=status,
            procedure="suturing",
            refusal_reasons=["left hand tracked in 12% of frames (needs 60%)"],
            advice=["keep both hands in view"],
            tracking_quality=two_hands(0.1, 0.12, 0.9),
        )
    return Assessment(
        status="scored",
        procedure="suturing",
        skill_level="intermediate",
        level_probabilities={"novice": 0.2, "intermediate": 0.5, "expert": 0.3},
        score=score,
        score_interval=(score - 3.0, score + 3.0),
        score_scale="GRS 6-30",
        metrics=[
            MetricComparison(
                name="needle_driver.path_length", value=path_length, unit="hand", percentile=40.0
            ),
            MetricComparison(name="needle_driver.idle_share", value=0.25, unit="share", percentile=70.0),
        ],
        feedback=[
            FeedbackItem(rank=1, metric="needle_driver.idle_share", message="m", tip="t", severity=1.0)
        ],
        tracking_quality=two_hands(0.8, 0.8, 0.95),
        provenance={"model": {"name": "m", "version": "1"}},
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "skillsight.db"


@pytest.fixture
def db(db_path: Path):
    database = Database(f"sqlite:///{db_path}")
    yield database
    database.close()


def test_round_trip_keeps_the_assessment_and_its_numbers(db: Database, tmp_path: Path):
    assessment = make_assessment()
    sid = db.add_session(
        trainee="ann",
        procedure="suturing",
        assessment=assessment,
        source_name="practice1.mp4",
        source_sha256="ab" * 32,
        motion_path=str(tmp_path / "m.motion.npz"),
        result_key="key-1",
    )
    record = db.get_session(sid)
    assert record is not None
    assert (record.trainee, record.procedure, record.status) == ("ann", "suturing", "scored")
    assert (record.score, record.score_low, record.score_high) == (21.5, 18.5, 24.5)
    assert record.skill_level == "intermediate"
    assert record.tracking_quality == 0.8  # the assessment's share (both hands), stored as is
    assert record.source_sha256 == "ab" * 32 and record.result_key == "key-1"
    assert record.assessment.to_dict() == assessment.to_dict()
    assert record.created_at.endswith("+00:00")
    found = db.find_by_key("key-1")
    assert found is not None and found.id == sid
    assert db.find_by_key("no-such-key") is None


def test_refusals_are_stored_with_their_tracking_quality(db: Database):
    sid = db.add_session(
        trainee="ann",
        procedure="suturing",
        assessment=make_assessment(status="refused"),
        source_name="dark.mp4",
    )
    record = db.get_session(sid)
    assert record is not None
    assert record.status == "refused" and record.score is None and record.tracking_quality == 0.1
    assert record.assessment.refusal_reasons == ["left hand tracked in 12% of frames (needs 60%)"]


def test_metric_history_is_per_trainee_in_time_order_and_only_measured(db: Database):
    """Refused sessions measured nothing (out-of-domain ones are kept: test_history_out_of_domain)."""
    for score, length in ((12.0, 9.0), (18.0, 6.0), (24.0, 4.0)):
        db.add_session(
            trainee="ann",
            procedure="suturing",
            assessment=make_assessment(score, path_length=length),
            source_name="a.mp4",
        )
    db.add_session(
        trainee="ann", procedure="suturing", assessment=make_assessment(status="refused"), source_name="x"
    )
    db.add_session(
        trainee="ann", procedure="intubation", assessment=make_assessment(30.0), source_name="i.mp4"
    )
    db.add_session(trainee="bob", procedure="suturing", assessment=make_assessment(5.0), source_name="b.mp4")
    history = db.metric_history("ann", "suturing")
    assert [h["score"] for h in history] == [12.0, 18.0, 24.0]
    assert [h["metrics"]["needle_driver.path_length"] for h in history] == [9.0, 6.0, 4.0]
    assert [h["created_at"] for h in history] == sorted(h["created_at"] for h in history)
    assert set(history[0]) >= {"session_id", "created_at", "score", "score_low", "score_high", "skill_level"}


def test_each_trainee_sees_and_deletes_only_their_own_sessions(db: Database):
    ann = db.add_session(
        trainee="ann", procedure="suturing", assessment=make_assessment(), source_name="a.mp4"
    )
    bob = db.add_session(
        trainee="bob", procedure="suturing", assessment=make_assessment(), source_name="b.mp4"
    )
    assert [r.id for r in db.list_sessions(trainee="ann")] == [ann]
    assert [r.id for r in db.list_sessions(trainee="bob")] == [bob]
    assert {r.id for r in db.list_sessions()} == {ann, bob}
    assert db.list_sessions(trainee="ann", procedure="intubation") == []
    assert db.get_session(bob, trainee="ann") is None
    assert db.delete_session(bob, trainee="ann") is False
    assert db.get_session(bob) is not None
    assert db.delete_session(bob, trainee="bob") is True
    assert db.get_session(bob) is None
    assert db.delete_session(bob) is False


def test_delete_removes_rows_files_and_the_bytes(db: Database, db_path: Path, tmp_path: Path):
    motion = tmp_path / "sessions" / "s1.motion.npz"
    video = tmp_path / "sessions" / "s1.mp4"
    shared = tmp_path / "sessions" / "shared.motion.npz"
    for f in (motion, video, shared):
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"data")
    marker = "PRIVATE-TRAINEE-NOTE-7f3a9c"
    sid = db.add_session(
        trainee="ann",
        procedure="suturing",
        assessment=make_assessment(),
        source_name=marker,
        motion_path=str(motion),
        video_path=str(video),
    )
    # Two sessions pointing at one file: deleting one must not pull it from under the other.
    first = db.add_session(
        trainee="ann",
        procedure="suturing",
        assessment=make_assessment(),
        source_name="a",
        motion_path=str(shared),
    )
    second = db.add_session(
        trainee="ann",
        procedure="suturing",
        assessment=make_assessment(),
        source_name="b",
        motion_path=str(shared),
    )
    assert db.delete_session(sid, trainee="ann")
    assert not motion.exists() and not video.exists()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select count(*) from sessions where id = ?", (sid,)).fetchone() == (0,)
        assert conn.execute("select count(*) from metrics where session_id = ?", (sid,)).fetchone() == (0,)
    db.close()
    raw = db_path.read_bytes() + (
        db_path.with_name(db_path.name + "-wal").read_bytes()
        if db_path.with_name(db_path.name + "-wal").exists()
        else b""
    )
    assert marker.encode() not in raw
    db2 = Database(f"sqlite:///{db_path}")
    assert db2.delete_session(first)
    assert shared.exists()
    assert db2.delete_session(second)
    assert not shared.exists()
    db2.close()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(db: Database, db_path: Path):
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"
    with db._engine.connect() as conn:
        assert (conn.exec_driver_sql("pragma busy_timeout").scalar() or 0) >= 5000
        assert conn.exec_driver_sql("pragma secure_delete").scalar() == 1


def test_concurrent_writers_do_not_collide(db_path: Path):
    errors = []

    def write_many(name: str) -> None:
        try:
            database = Database(f"sqlite:///{db_path}")
            for _ in range(15):
                database.add_session(
                    trainee=name, procedure="suturing", assessment=make_assessment(), source_name=name
                )
            database.close()
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    Database(f"sqlite:///{db_path}").close()
    threads = [threading.Thread(target=write_many, args=(f"t{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Database(f"sqlite:///{db_path}") as database:
        assert len(database.list_sessions()) == 45


def test_schema_version_is_recorded_and_migrations_run_once(db_path: Path, monkeypatch):
    with Database(f"sqlite:///{db_path}") as database:
        assert database.schema_version == storage.SCHEMA_VERSION
        database.add_session(
            trainee="ann", procedure="suturing", assessment=make_assessment(), source_name="a"
        )
    with sqlite3.connect(db_path) as conn:
        stored = conn.execute("select value from meta where key = 'schema_version'").fetchone()
    assert int(stored[0]) == storage.SCHEMA_VERSION

    applied = []

    def add_notes_column(conn: sa.Connection) -> None:
        applied.append(True)
        conn.exec_driver_sql("ALTER TABLE sessions ADD COLUMN notes TEXT")

    next_version = storage.SCHEMA_VERSION + 1
    monkeypatch.setattr(storage, "SCHEMA_VERSION", next_version)
    monkeypatch.setitem(storage.MIGRATIONS, next_version, add_notes_column)
    with Database(f"sqlite:///{db_path}") as database:
        assert database.schema_version == next_version
        assert len(database.list_sessions(trainee="ann")) == 1  # data survives the migration
    with Database(f"sqlite:///{db_path}"):
        pass
    assert applied == [True]
    with sqlite3.connect(db_path) as conn:
        columns = [row[1] for row in conn.execute("pragma table_info(sessions)")]
        assert "notes" in columns
        assert conn.execute("select value from meta where key = 'schema_version'").fetchone()[0] == str(
            next_version
        )


def test_a_newer_database_is_refused_with_its_url(db_path: Path):
    Database(f"sqlite:///{db_path}").close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("update meta set value = '999' where key = 'schema_version'")
    with pytest.raises(DatabaseError, match=r"skillsight\.db.*newer"):
        Database(f"sqlite:///{db_path}")


def test_default_location_follows_the_data_dir_override(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SKILLSIGHT_DATA_DIR", str(tmp_path / "elsewhere"))
    assert default_data_dir() == tmp_path / "elsewhere"
    with Database() as database:
        assert database.url == f"sqlite:///{tmp_path / 'elsewhere' / 'skillsight.db'}"
    assert (tmp_path / "elsewhere" / "skillsight.db").exists()


def test_non_finite_numbers_deep_in_an_assessment_do_not_block_storing_it(db: Database):
    assessment = make_assessment()
    assessment.provenance["tracking"] = {"mean_confidence": float("nan"), "gaps": (1.5, float("inf"))}
    assessment.metrics.append(MetricComparison(name="needle_driver.tremor", value=float("nan"), unit="ratio"))
    sid = db.add_session(trainee="ann", procedure="suturing", assessment=assessment, source_name="a.mp4")
    record = db.get_session(sid)
    assert record is not None
    assert record.assessment.provenance["tracking"] == {"mean_confidence": None, "gaps": [1.5, None]}
    assert record.assessment.metric("needle_driver.tremor").value is None
    assert db.metric_history("ann", "suturing")[0]["metrics"]["needle_driver.tremor"] is None


def test_migration_3_makes_the_column_the_assessments_own_share(db_path: Path):
    with Database(f"sqlite:///{db_path}") as database:
        app = database.add_session(
            trainee="ann", procedure="s", assessment=make_assessment(), source_name="a"
        )
        batch = database.add_session(
            trainee="batch", procedure="s", assessment=make_assessment(status="refused"), source_name="b"
        )
        failed = database.add_session(
            trainee="batch",
            procedure="s",
            assessment=Assessment(status="failed", procedure="s"),
            source_name="c",
        )
    # A version-2 database: batch wrote its own hands-only share into the column.
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE sessions SET tracking_quality = 0.55 WHERE id = ?", (batch,))
        conn.execute("UPDATE sessions SET tracking_quality = 0.7 WHERE id = ?", (failed,))
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    with Database(f"sqlite:///{db_path}") as database:
        assert database.schema_version == storage.SCHEMA_VERSION
        shares = {s.id: s.tracking_quality for s in database.list_sessions()}
    assert shares == {app: 0.8, batch: 0.1, failed: None}

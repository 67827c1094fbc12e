"""Stored sessions keep the metric definitions that read them; old ones are re-scored from stored motion."""

from __future__ import annotations

import copy
import csv
import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from skillsight import pipeline, session_rescore
from skillsight.batch.results import VideoResult, write_results_csv
from skillsight.cli import app
from skillsight.models import default_model_path, default_reference_path
from skillsight.schema import metrics_table
from skillsight.score_request import ScoreRequest
from skillsight.scoring.features import definitions
from skillsight.scoring.procedure import load_procedure
from skillsight.scoring.results import Assessment, MetricComparison, ResultStatus
from skillsight.scoring.synthetic import generate_practice
from skillsight.session_export import write_sessions_csv
from skillsight.storage import SCHEMA_VERSION, Database, SessionRecord

SPARC = "needle_driver.sparc"


@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> tuple[Path, Assessment]:
    """A synthetic practice stored as a motion file and scored through the pipeline as the app does."""
    folder = tmp_path_factory.mktemp("motion")
    path = Path(generate_practice("intermediate", "suturing", seed=5).save(folder / "a.motion.npz"))
    return path, pipeline.assess(ScoreRequest.build(path, "suturing")).assessment


def as_before_versions(assessment: Assessment, sparc: float = -1.0) -> Assessment:
    """The same assessment as a session stored before definitions were recorded, with an old SPARC."""
    old = copy.deepcopy(assessment)
    old.provenance.pop(definitions.PROVENANCE_KEY)
    old.metrics = [replace(m, value=sparc) if m.name == SPARC else m for m in old.metrics]
    return old


@pytest.fixture
def db(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'skillsight.db'}")
    yield database
    database.close()


def store(db: Database, assessment: Assessment, motion: Path | None) -> int:
    return db.add_session(
        trainee="ann", procedure="suturing", assessment=assessment, source_name="a.mp4",
        motion_path=str(motion) if motion else None,
    )  # fmt: skip


def stored_versions(db: Database, session_id: int) -> dict[str, int | None]:
    query = sa.select(metrics_table.c.name, metrics_table.c.definition_version).where(
        metrics_table.c.session_id == session_id
    )
    with db.engine.connect() as conn:
        return {name: version for name, version in conn.execute(query)}


def test_a_new_session_records_each_metrics_definition_and_its_scorer(db, scored):
    motion, assessment = scored
    sid = store(db, assessment, motion)
    versions = stored_versions(db, sid)
    assert versions and versions[SPARC] == definitions.definition_version(SPARC)
    assert set(versions) == {m.name for m in assessment.metrics}
    record = db.get_session(sid)
    model = assessment.provenance["model"]
    assert record.model_id.startswith(f"{model['name']} {model['version']} (")
    assert record.reference_id.startswith(assessment.provenance["reference"]["name"])
    assert session_rescore.stale_metrics(db, sid) == []


def test_an_old_session_is_stale_and_rescoring_keeps_its_old_numbers(db, scored):
    motion, assessment = scored
    sid = store(db, as_before_versions(assessment), motion)
    assert all(v is None for v in stored_versions(db, sid).values())
    stale = session_rescore.stale_metrics(db, sid)
    assert {s.name for s in stale} == {m.name for m in assessment.metrics}
    assert "not recorded" in str(stale[0])

    outcome = session_rescore.rescore_session(db, db.get_session(sid))
    assert outcome.action == "rescored"
    assert f"{SPARC} -1 -> " in "\n".join(outcome.changes)
    record = db.get_session(sid)
    assert record.assessment.metric(SPARC).value == pytest.approx(assessment.metric(SPARC).value)
    assert stored_versions(db, sid)[SPARC] == definitions.definition_version(SPARC)
    assert session_rescore.stale_metrics(db, sid) == []
    kept = session_rescore.rescore_history(db, sid)
    assert len(kept) == 1 and "metrics: not recorded -> definition 1" in kept[0]["reason"]
    old_sparc = next(m for m in kept[0]["metrics"] if m["name"] == SPARC)
    assert old_sparc["value"] == -1.0 and old_sparc["definition_version"] is None
    assert definitions.PROVENANCE_KEY not in kept[0]["assessment"]["provenance"]


def test_a_bumped_definition_makes_only_its_metrics_stale(db, scored, monkeypatch):
    motion, assessment = scored
    sid = store(db, assessment, motion)
    version = definitions.METRIC_DEFINITIONS["sparc"].version
    bumped = definitions.MetricDefinition(version + 1, "2026-12-02", "test change")
    monkeypatch.setitem(definitions.METRIC_DEFINITIONS, "sparc", bumped)
    assert [s.name for s in session_rescore.stale_metrics(db, sid)] == ["forceps.sparc", SPARC]
    assert session_rescore.rescore_session(db, db.get_session(sid)).action == "rescored"
    assert stored_versions(db, sid)[SPARC] == version + 1
    path_version = definitions.METRIC_DEFINITIONS["path_length"].version
    assert stored_versions(db, sid)["needle_driver.path_length"] == path_version


def test_current_sessions_are_left_alone_unless_asked(db, scored):
    motion, assessment = scored
    sid = store(db, assessment, motion)
    assert session_rescore.rescore_session(db, db.get_session(sid)).action == "current"
    forced = session_rescore.rescore_session(db, db.get_session(sid), only_stale=False)
    assert forced.action == "rescored" and forced.changes == []
    assert len(session_rescore.rescore_history(db, sid)) == 1


def test_a_session_whose_motion_is_gone_is_skipped_and_said_so(db, scored, tmp_path):
    _, assessment = scored
    sid = store(db, as_before_versions(assessment), tmp_path / "deleted.motion.npz")
    outcome = session_rescore.rescore_session(db, db.get_session(sid))
    assert outcome.action == "skipped" and "deleted.motion.npz is gone" in outcome.message
    assert db.get_session(sid).assessment.metric(SPARC).value == -1.0
    assert session_rescore.rescore_history(db, sid) == []


def test_a_dry_run_writes_nothing(db, scored):
    motion, assessment = scored
    sid = store(db, as_before_versions(assessment), motion)
    outcome = session_rescore.rescore_session(db, db.get_session(sid), dry_run=True)
    assert outcome.action == "would_rescore" and outcome.changes
    assert db.get_session(sid).assessment.metric(SPARC).value == -1.0
    assert session_rescore.rescore_history(db, sid) == []


def test_a_rescore_that_fails_midway_leaves_the_session_whole(db, scored, monkeypatch):
    motion, assessment = scored
    sid = store(db, as_before_versions(assessment), motion)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(session_rescore, "metric_rows", broken)  # after the old rows were deleted
    with pytest.raises(RuntimeError):
        session_rescore.replace_assessment(db, sid, assessment, "test")
    record = db.get_session(sid)
    assert record.assessment.metric(SPARC).value == -1.0
    assert len(db.metric_history("ann", "suturing")[0]["metrics"]) == len(assessment.metrics)
    assert session_rescore.rescore_history(db, sid) == []


def test_deleting_a_session_deletes_what_its_rescores_kept(db, scored, tmp_path):
    motion, assessment = scored
    copy_of_motion = tmp_path / "b.motion.npz"
    copy_of_motion.write_bytes(motion.read_bytes())
    sid = store(db, as_before_versions(assessment), copy_of_motion)
    session_rescore.rescore_session(db, db.get_session(sid))
    assert db.delete_session(sid)
    with sqlite3.connect(tmp_path / "skillsight.db") as conn:
        assert conn.execute("select count(*) from session_rescores").fetchone()[0] == 0


def test_migration_5_leaves_old_definitions_unrecorded_and_reads_the_scorer(tmp_path, scored):
    motion, assessment = scored
    path = tmp_path / "skillsight.db"
    with Database(f"sqlite:///{path}") as database:
        sid = store(database, assessment, motion)
    with sqlite3.connect(path) as conn:  # back to a version-4 database
        conn.execute("ALTER TABLE metrics DROP COLUMN definition_version")
        conn.execute("ALTER TABLE sessions DROP COLUMN model_id")
        conn.execute("ALTER TABLE sessions DROP COLUMN reference_id")
        conn.execute("DROP TABLE session_rescores")
        conn.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    with Database(f"sqlite:///{path}") as database:
        assert database.schema_version == SCHEMA_VERSION == 6  # 5, then 6 in one go
        versions = stored_versions(database, sid)
        assert versions and set(versions.values()) == {None}
        assert database.get_session(sid).model_id.startswith(assessment.provenance["model"]["name"])
        assert [s.name for s in session_rescore.stale_metrics(database, sid)][:1] == ["bimanual.path_ratio"]


def test_the_csv_export_never_puts_two_definitions_in_one_column(db, scored, tmp_path):
    motion, assessment = scored
    store(db, as_before_versions(assessment), motion)
    store(db, assessment, motion)
    out = tmp_path / "sessions.csv"
    assert write_sessions_csv(db, out) == 2
    rows = list(csv.DictReader(out.open()))
    version = definitions.definition_version(SPARC)
    assert rows[0][f"{SPARC} (definition not recorded)"] == "-1"
    assert rows[0][f"{SPARC} (definition {version})"] == ""
    assert rows[1][f"{SPARC} (definition not recorded)"] == ""
    assert float(rows[1][f"{SPARC} (definition {version})"]) == pytest.approx(
        assessment.metric(SPARC).value, rel=1e-3
    )
    assert SPARC not in rows[0]  # no column without its definition
    assert (out.stat().st_mode & 0o777) == 0o600


def test_the_command_rescores_skips_and_reports(db, scored, tmp_path):
    motion, assessment = scored
    old = store(db, as_before_versions(assessment), motion)
    gone = store(db, as_before_versions(assessment), tmp_path / "gone.motion.npz")
    current = store(db, assessment, motion)
    url = db.url
    result = CliRunner().invoke(app, ["sessions", "rescore", "--db", url])
    assert result.exit_code == 0, result.output
    assert f"session {old}: re-scored" in result.output
    assert f"session {gone}: its motion file" in result.output and "left as it is" in result.output
    assert f"session {current}: every metric is read by today's definition" in result.output
    assert "3 session(s): 1 current, 1 rescored, 1 skipped" in result.output
    listed = CliRunner().invoke(app, ["sessions", "list", "--db", url])
    assert f"{gone}\tann" in listed.output and "not recorded" in listed.output
    kept = CliRunner().invoke(app, ["sessions", "history", str(old), "--db", url])
    assert f"{SPARC} = -1.0 (not recorded)" in kept.output


def test_the_history_of_a_session_that_does_not_exist_is_an_error(db, scored):
    motion, assessment = scored
    sid = store(db, assessment, motion)
    never = CliRunner().invoke(app, ["sessions", "history", str(sid), "--db", db.url])
    assert never.exit_code == 0 and f"session {sid}: never re-scored" in never.output
    missing = CliRunner().invoke(app, ["sessions", "history", str(sid + 999), "--db", db.url])
    assert missing.exit_code == 2, missing.output
    assert f"session {sid + 999}: not found" in missing.output and "never re-scored" not in missing.output


def test_a_session_that_cannot_be_rescored_fails_the_command(db, scored, tmp_path):
    _, assessment = scored
    broken = tmp_path / "broken.motion.npz"
    broken.write_bytes(b"not a motion")
    sid = store(db, as_before_versions(assessment), broken)
    result = CliRunner().invoke(app, ["sessions", "rescore", "--db", db.url])
    assert result.exit_code == 1
    assert f"session {sid}:" in result.output and "left as it is" in result.output
    assert db.get_session(sid).assessment.metric(SPARC).value == -1.0


def test_old_session_with_missing_metric_value_is_kept_as_none(db, scored):
    motion, assessment = scored
    old = as_before_versions(assessment)
    old.metrics.append(MetricComparison(name="needle_driver.retired_metric", value=1.0, unit="1"))
    sid = store(db, old, motion)
    stale = {s.name: s for s in session_rescore.stale_metrics(db, sid)}
    assert stale["needle_driver.retired_metric"].today is None
    session_rescore.rescore_session(db, db.get_session(sid))
    assert db.get_session(sid).assessment.metric("needle_driver.retired_metric") is None
    kept = session_rescore.rescore_history(db, sid)[0]["metrics"]
    assert any(m["name"] == "needle_driver.retired_metric" and m["value"] == 1.0 for m in kept)


def test_batch_results_csv_keeps_a_kept_old_result_out_of_todays_column(tmp_path):
    def result(video: str, value: float, versions) -> VideoResult:
        provenance = {definitions.PROVENANCE_KEY: versions} if versions is not None else {}
        return VideoResult(
            video=video, source=video, procedure="suturing", status="scored",
            metrics={SPARC: value}, assessment={"provenance": provenance},
        )  # fmt: skip

    today = definitions.definition_version(SPARC)
    rows = [
        ("new.mp4", result("new.mp4", -2.5, {SPARC: today})),
        ("old.mp4", result("old.mp4", -1.0, None)),
        ("older.mp4", result("older.mp4", -0.5, {SPARC: today + 7})),
    ]
    out = tmp_path / "results.csv"
    write_results_csv(out, rows, [load_procedure("suturing")])
    by_video = {r["video"]: r for r in csv.DictReader(out.open())}
    assert by_video["new.mp4"][SPARC] == "-2.5" and by_video["old.mp4"][SPARC] == ""
    assert by_video["old.mp4"][f"{SPARC} (definition not recorded)"] == "-1"
    assert by_video["older.mp4"][f"{SPARC} (definition {today + 7})"] == "-0.5"
    assert by_video["new.mp4"][f"{SPARC} (definition not recorded)"] == ""


def record_scored_with(model: dict, reference: dict, motion: Path) -> SessionRecord:
    assessment = Assessment(
        status="scored", procedure="suturing",
        provenance={"model": model, "reference": reference, "dominant_hand": "left"},
    )  # fmt: skip
    return SessionRecord(
        id=1, trainee="ann", procedure="suturing", created_at="", status="scored", skill_level=None,
        score=None, score_low=None, score_high=None, tracking_quality=None, source_name="a.mp4",
        source_sha256=None, motion_path=str(motion), video_path=None, result_key=None, assessment=assessment,
    )  # fmt: skip


def test_a_rescore_uses_todays_shipped_scorer_for_an_older_build_of_it(tmp_path):
    old_build = tmp_path / "old-install" / "suturing-scorer-v1.onnx"
    old_build.parent.mkdir()
    old_build.write_bytes(b"an older build")
    shipped_name = json.loads(default_model_path("suturing").with_suffix(".json").read_text())["name"]
    reference_name = json.loads(default_reference_path("suturing").read_text())["name"]
    record = record_scored_with(
        {"name": shipped_name, "path": str(old_build)},
        {"name": reference_name, "path": str(old_build)},
        old_build,
    )
    request = session_rescore.request_for(record, None, None)
    assert request.model is None and request.reference is None  # the pipeline's defaults: today's
    assert request.dominant_hand == "left"


def test_a_rescore_keeps_a_labs_own_scorer_while_its_file_exists(tmp_path):
    own = tmp_path / "lab-scorer.onnx"
    own.write_bytes(b"lab model")
    record = record_scored_with(
        {"name": "lab-scorer", "path": str(own)}, {"name": "lab-ref", "path": str(own)}, own
    )
    assert session_rescore.request_for(record, None, None).model == own
    own.unlink()
    assert session_rescore.request_for(record, None, None).model is None
    chosen = tmp_path / "chosen.onnx"
    assert session_rescore.request_for(record, chosen, None).model == chosen


def test_a_rescore_that_refuses_a_scored_session_leaves_it_as_it_was(db, scored, tmp_path):
    motion, assessment = scored
    sid = store(db, as_before_versions(assessment), motion)
    intubation = default_model_path("intubation")  # a model for another procedure: refused
    outcome = session_rescore.rescore_session(db, db.get_session(sid), model=intubation)
    assert (
        outcome.action == "failed" and "gave no answer" in outcome.message and "intubation" in outcome.message
    )
    assert db.get_session(sid).assessment.metric(SPARC).value == -1.0
    assert session_rescore.rescore_history(db, sid) == []


def test_sessions_list_has_a_header_and_says_statuses_in_words(db, scored, tmp_path):
    """`sessions list` printed rows with no header, and its status as the JSON key."""
    motion, assessment = scored
    sid = store(db, assessment, motion)
    listed = CliRunner().invoke(app, ["sessions", "list", "--db", db.url])
    assert listed.exit_code == 0, listed.output
    header, row = listed.output.splitlines()[:2]
    assert header.split("\t") == [
        "session",
        "trainee",
        "procedure",
        "when (UTC)",
        "status",
        "motion",
        "definitions",
    ]
    assert row.split("\t")[0] == str(sid) and len(row.split("\t")) == len(header.split("\t"))
    assert row.split("\t")[4] == ResultStatus(assessment.status).words

"""`skillsight site|consent|rate` and `skillsight dataset export` from the command line (issue 17)."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from typer.testing import CliRunner

from skillsight import storage
from skillsight.batch.results import VideoResult
from skillsight.cli import app
from skillsight.lab_records import ratings_of, record_rating
from skillsight.pose.motion import save_motion
from skillsight.scoring.results import Assessment
from skillsight.scoring.synthetic import generate_practice
from skillsight.storage import Database


def _session(db, tmp_path, trainee, seed):
    path = save_motion(
        generate_practice("novice", "suturing", duration_s=15, seed=seed), tmp_path / f"{seed}"
    )
    return db.add_session(
        trainee=trainee, procedure="suturing", assessment=Assessment("scored", "suturing"),
        source_name=f"{trainee}-recording.mp4", motion_path=str(path),
    )  # fmt: skip


def test_a_lab_records_site_consent_and_ratings_then_exports(tmp_path, monkeypatch):
    monkeypatch.setenv("SKILLSIGHT_DATA_DIR", str(tmp_path / "data"))
    url = f"sqlite:///{tmp_path / 'data' / 'skillsight.db'}"
    (tmp_path / "data").mkdir()
    with Database(url) as db:
        ann, bob = _session(db, tmp_path, "Ann", 1), _session(db, tmp_path, "Bob", 2)
    runner = CliRunner()
    assert runner.invoke(app, ["site", "lab-x"]).output.strip() == "lab-x"
    assert runner.invoke(app, ["site", "bad/site"]).exit_code == 1
    assert runner.invoke(app, ["consent", "Ann", "--yes", "--by", "Dr A"]).exit_code == 0
    rated = runner.invoke(app, ["rate", str(ann), "--rater", "Dr A", "--item", "respect_for_tissue=4",
                                "--item", "time_and_motion=3", "--level", "intermediate"])  # fmt: skip
    assert rated.exit_code == 0, rated.output
    assert runner.invoke(app, ["rate", str(ann), "--rater", "Dr A", "--item", "speed=4"]).exit_code == 2
    # An educator's first tries: no --rater (said "a rating needs the rater's name", exit 1, naming no
    # option), and the GRS given as an item.
    unnamed = runner.invoke(app, ["rate", str(ann), "--item", "respect_for_tissue=4"])
    assert unnamed.exit_code == 2 and "--rater NAME is needed" in unnamed.output
    as_item = runner.invoke(app, ["rate", str(ann), "--rater", "Dr A", "--item", "grs=20"])
    assert as_item.exit_code == 2 and "goes in --grs" in as_item.output
    table = tmp_path / "ratings.csv"
    table.write_text(f"session_id,rater,grs,consent\n{bob},Dr B,7,no\n")
    assert runner.invoke(app, ["rate", "--csv", str(table)]).exit_code == 0
    table.write_text("session_id,rater,grs\n999,Dr B,7\n")
    refused = runner.invoke(app, ["rate", "--csv", str(table)])
    assert refused.exit_code == 1 and "ratings.csv:2" in refused.output
    out = tmp_path / "lab-x.skillsight"
    exported = runner.invoke(app, ["dataset", "export", "--out", str(out), "--no-sign"])
    assert exported.exit_code == 0, exported.output
    assert "1 sessions of 1 trainees from site lab-x" in exported.output
    with zipfile.ZipFile(out) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("labels.csv").decode())))
        sheet = json.loads(archive.read("datasheet.json"))
    assert [(r["skill_level"], r["grs"], r["site"]) for r in rows] == [("intermediate", "7.0", "lab-x")]
    assert sheet["left_out"] == {"no consent to share": 1}
    imported = runner.invoke(app, ["import", str(out), "--verify-only"])
    assert imported.exit_code == 0 and "dataset package: lab-x-motion" in imported.output


def test_a_batch_output_exports_with_a_ratings_table(tmp_path, monkeypatch):
    monkeypatch.setenv("SKILLSIGHT_DATA_DIR", str(tmp_path / "data"))
    batch = tmp_path / "results"
    batch.mkdir()
    for i, video in enumerate(("ward3/jane.mp4", "ward3/joe.mp4")):
        motion = save_motion(generate_practice("expert", "suturing", duration_s=15, seed=i), batch / f"{i}")
        result = VideoResult(video=video, source=f"/videos/{video}", procedure="suturing", status="scored",
                             participant=video.split("/")[1][:-4], motion_path=str(motion))  # fmt: skip
        (batch / f"{i}.result.json").write_text(json.dumps(result.to_dict()))
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(
        "video,consent,skill_level,grs\nward3/jane.mp4,yes,expert,28\nward3/joe.mp4,no,expert,27\n"
    )
    out = tmp_path / "b.skillsight"
    runner = CliRunner()
    assert runner.invoke(app, ["dataset", "export", "--batch", str(batch), "--out", str(out)]).exit_code == 2
    done = runner.invoke(app, ["dataset", "export", "--batch", str(batch), "--ratings", str(ratings),
                               "--out", str(out), "--site", "lab-y", "--no-sign"])  # fmt: skip
    assert done.exit_code == 0, done.output
    with zipfile.ZipFile(out) as archive:
        text = b"".join(archive.read(n) for n in archive.namelist() if not n.endswith(".npz")).decode()
    assert "jane" not in text and "ward3" not in text and '"lab-y": 1' in text


def test_a_version_2_database_gains_ratings_and_consent_and_keeps_its_sessions(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    monkeypatch.setattr(storage, "SCHEMA_VERSION", 2)
    with Database(url) as old:
        session = _session(old, tmp_path, "Ann", 1)
        tables = old.engine.dialect.get_table_names(old.engine.connect())
        assert "ratings" not in tables
    monkeypatch.undo()
    with Database(url) as db:
        assert db.schema_version == storage.SCHEMA_VERSION >= 3
        assert db.get_session(session).trainee == "Ann"
        record_rating(db, session, rater="Dr A", grs=20)
        assert [r.grs for r in ratings_of(db, session)] == [20.0]

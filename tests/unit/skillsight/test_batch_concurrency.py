"""Concurrent batches on one output folder and database neither redo nor duplicate (issue 12, defect 5).

Three `run_batch` processes start at once over the same 30 inputs, `--out` and database: the output
folder's lock makes the second and third wait, then skip what the first recorded, so each video is
scored once and the database holds 30 sessions. The database's unique result key holds even without
the lock, and a database that already holds duplicates is repaired by the schema migration.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import time

import pytest
import test_batch_local
from test_batch_local import _batch_process, make_videos, scored_hashes

from skillsight.batch import OutputFolderLock, read_result
from skillsight.batch.lock import BatchBusyError
from skillsight.scoring.results import Assessment
from skillsight.storage import SCHEMA_VERSION, Database

procedure_file = test_batch_local.procedure_file
calls_dir = test_batch_local.calls_dir


def test_three_concurrent_batches_over_30_inputs_score_each_once(tmp_path, procedure_file, calls_dir):
    videos, out, db = tmp_path / "videos", tmp_path / "out", tmp_path / "lab.db"
    make_videos(videos, {f"v{i:02d}.mp4": f"practice number {i}".encode() for i in range(30)})
    runs = [_batch_process(videos, procedure_file, out, db, 0.02, calls_dir) for _ in range(3)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    assert sum(int(stdout.split()[1]) for stdout, _ in outputs) == 30  # scored now, over all three
    assert any("waiting for it to finish" in stderr for _, stderr in outputs)
    hashes = scored_hashes(calls_dir)
    assert len(hashes) == 30 and len(set(hashes)) == 30  # each video scored exactly once
    with Database(f"sqlite:///{db}") as database:
        sessions = database.list_sessions()
    assert len(sessions) == 30 and len({s.result_key for s in sessions}) == 30
    with open(out / "results.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 30 and {r["status"] for r in rows} == {"scored"}


def test_a_second_batch_gives_up_after_its_lock_timeout(tmp_path):
    with OutputFolderLock(tmp_path):
        waited = []
        started = time.monotonic()
        busy = pytest.raises(BatchBusyError, match=f"pid {os.getpid()}")
        with busy, OutputFolderLock(tmp_path, timeout=0.3, on_wait=waited.append):
            pass
        assert time.monotonic() - started >= 0.3
        assert waited and "waiting" in waited[0]
    with OutputFolderLock(tmp_path, timeout=0):  # released: taken at once
        pass


def test_the_cli_exits_75_when_the_folder_stays_busy(tmp_path, procedure_file):
    from typer.testing import CliRunner

    from skillsight.cli import app

    videos, out = tmp_path / "videos", tmp_path / "out"
    make_videos(videos, {"a.mp4": b"x"})
    out.mkdir()
    with OutputFolderLock(out):
        args = ["batch", str(videos), "-p", procedure_file, "--out", str(out), "--lock-timeout", "0.2"]
        result = CliRunner().invoke(app, [*args, "--db", f"sqlite:///{tmp_path / 'lab.db'}", "-q"])
    assert result.exit_code == 75 and "still holds this output folder" in result.output


def _assessment() -> Assessment:
    return Assessment(status="scored", procedure="suturing", score=12.0, score_interval=(10.0, 14.0))


def test_the_database_keeps_one_session_per_result_key(tmp_path):
    with Database(f"sqlite:///{tmp_path / 'lab.db'}") as database:
        kwargs = dict(trainee="batch", procedure="suturing", assessment=_assessment(), source_name="a.mp4")
        first = database.add_session(**kwargs, result_key="k1")
        again = database.add_session(**kwargs, result_key="k1")  # a racing writer: no second row
        other = database.add_session(**kwargs, result_key="k2")
        app_a = database.add_session(**kwargs)  # app sessions have no key: never merged
        app_b = database.add_session(**kwargs)
        assert first == again and len({first, other, app_a, app_b}) == 4
        assert len(database.list_sessions()) == 4


def test_the_migration_removes_rows_already_duplicated(tmp_path):
    path = tmp_path / "old.db"
    with Database(f"sqlite:///{path}") as database:
        kwargs = dict(trainee="batch", procedure="suturing", assessment=_assessment(), source_name="a.mp4")
        database.add_session(**kwargs, result_key="k1")
    # Make it the version-1 database that three racing batches left: no unique index, duplicates.
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX uq_sessions_result_key")
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    first_id = conn.execute("SELECT id FROM sessions").fetchone()[0]
    for _ in range(2):
        conn.execute(
            "INSERT INTO sessions (trainee_id, procedure, created_at, status, source_name, result_key, "
            "assessment_json) SELECT trainee_id, procedure, created_at, status, source_name, result_key, "
            "assessment_json FROM sessions WHERE id = ?",
            (first_id,),
        )
    conn.commit()
    assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 3
    conn.close()
    with Database(f"sqlite:///{path}") as database:
        assert database.schema_version == SCHEMA_VERSION
        sessions = database.list_sessions()
        assert [s.id for s in sessions] == [first_id]
        kwargs = dict(trainee="batch", procedure="suturing", assessment=_assessment(), source_name="a.mp4")
        assert database.add_session(**kwargs, result_key="k1") == first_id


def test_results_csv_is_rewritten_as_results_arrive(tmp_path, procedure_file, calls_dir):
    videos, out, db = tmp_path / "videos", tmp_path / "out", tmp_path / "lab.db"
    make_videos(videos, {f"v{i}.mp4": f"practice number {i}".encode() for i in range(8)})
    run = _batch_process(videos, procedure_file, out, db, 0.6, calls_dir)
    seen_partial = False
    deadline = time.monotonic() + 120
    while run.poll() is None and time.monotonic() < deadline:
        if (out / "results.csv").exists():
            with open(out / "results.csv", newline="") as handle:
                rows = list(csv.DictReader(handle))
            seen_partial |= 0 < len(rows) < 8  # a whole file with some results, before the end
        time.sleep(0.1)
    assert run.wait(timeout=60) == 0 and seen_partial


def test_legacy_result_files_read_their_statuses_as_result_statuses(tmp_path):
    path = tmp_path / "old.result.json"
    path.write_text('{"video": "a.mp4", "source": "/a.mp4", "procedure": "suturing", "status": "ok"}')
    result = read_result(path)
    assert result is not None and result.status == "scored" and result.finished

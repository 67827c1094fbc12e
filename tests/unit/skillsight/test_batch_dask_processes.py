"""The distributed path as a lab runs it: `dask scheduler` and two `dask worker` processes started by
hand, each in a working folder of its own, on loopback only (127.0.0.1). The batch finishes, every result
lands once in --out and the database, and killing one worker mid-run loses nothing: Dask retries its task
on the other worker (issue 12).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import test_batch_local
from app_server import free_port
from test_batch_local import fake_task, make_videos, read_rows, scored_hashes

from skillsight.batch import run_batch
from skillsight.storage import Database

pytestmark = pytest.mark.slow
procedure_file = test_batch_local.procedure_file
calls_dir = test_batch_local.calls_dir
TESTS_DIR = Path(__file__).resolve().parent
N_VIDEOS = 12


def _dask(args: list[str], folder: Path, log: Path, env: dict[str, str]) -> subprocess.Popen:
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_" + args[0], *args[1:]],
        cwd=folder,
        env=env,
        stdout=open(log, "w"),  # noqa: SIM115 - closed with the process
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_for(predicate, what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def hand_started_cluster(tmp_path, calls_dir):
    """(scheduler address, {worker name: process}); everything started here is stopped afterwards."""
    pytest.importorskip("distributed")
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")]),
        "BATCH_TEST_DELAY": "0.4",
        "BATCH_TEST_CALLS": str(calls_dir),
    }
    folders = tmp_path / "cluster"
    scheduler = _dask(
        ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        folders / "scheduler",
        folders / "scheduler.log",
        env,
    )
    address = f"tcp://127.0.0.1:{port}"
    worker_args = ["--nworkers", "1", "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"]
    workers = {
        name: _dask(
            ["worker", address, *worker_args, "--name", name], folders / name, folders / f"{name}.log", env
        )
        for name in ("worker-a", "worker-b")
    }
    started = [scheduler, *workers.values()]
    try:
        from distributed import Client

        with Client(address, timeout=60) as client:
            _wait_for(lambda: len(client.scheduler_info()["workers"]) == 2, "two workers")
            listening = {w["host"] for w in client.scheduler_info()["workers"].values()}
        assert listening == {"127.0.0.1"}
        yield address, workers, folders
    finally:
        for process in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def test_hand_started_workers_finish_the_batch_and_a_killed_worker_loses_nothing(
    tmp_path, procedure_file, calls_dir, hand_started_cluster
):
    address, workers, folders = hand_started_cluster
    videos, out, db = tmp_path / "videos", tmp_path / "out", tmp_path / "lab.db"
    make_videos(videos, {f"v{i:02d}.mp4": f"practice number {i}".encode() for i in range(N_VIDEOS)})

    import threading

    killed: list[float] = []

    def kill_one_worker_mid_run() -> None:
        _wait_for(lambda: len(list(out.glob("*.result.json"))) >= 3, "the first results")
        os.killpg(workers["worker-b"].pid, signal.SIGKILL)
        killed.append(time.monotonic())

    killer = threading.Thread(target=kill_one_worker_mid_run, daemon=True)
    killer.start()
    started = time.monotonic()
    summary = run_batch(
        videos,
        procedure_file,
        out,
        db_url=f"sqlite:///{db}",
        dask=address,
        progress=False,
        task_function=fake_task,
    )
    elapsed = time.monotonic() - started
    killer.join(timeout=5)
    assert killed and workers["worker-b"].poll() is not None  # the kill happened mid-run
    assert (summary.scored, summary.failed, summary.not_run) == (N_VIDEOS, 0, 0), summary.describe()
    rows = read_rows(out)
    assert sorted(r["video"] for r in rows) == [f"v{i:02d}.mp4" for i in range(N_VIDEOS)]
    assert {r["status"] for r in rows} == {"scored"}
    with Database(f"sqlite:///{db}") as database:
        sessions = database.list_sessions()
    assert len(sessions) == N_VIDEOS and len({s.result_key for s in sessions}) == N_VIDEOS
    calls = scored_hashes(calls_dir)
    assert len(set(calls)) == N_VIDEOS and len(calls) >= N_VIDEOS  # every video ran; none was lost
    redone = len(calls) - N_VIDEOS  # the task the killed worker had started, run again on the other
    log = (folders / "worker-a.log").read_text() + (folders / "scheduler.log").read_text()
    assert not re.search(r"0\.0\.0\.0|Listening to:\s+tcp://(?!127\.0\.0\.1)", log)
    print(
        f"\nhand-started dask: {N_VIDEOS} videos in {elapsed:.1f} s, worker-b killed after "
        f"{killed[0] - started:.1f} s, {redone} task(s) run again on worker-a, "
        f"{len(rows)} rows in results.csv, {len(sessions)} sessions"
    )

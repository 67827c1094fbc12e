"""The same per-video tasks on a real Dask LocalCluster (2 workers, loopback) as on the local pool."""

from __future__ import annotations

import pytest
import test_batch_local
from test_batch_local import GOOD, fake_task, make_videos, read_rows, scored_hashes

from skillsight.batch import run_batch

# The fixtures that test_batch_local defines, shared here.
procedure_file = test_batch_local.procedure_file
calls_dir = test_batch_local.calls_dir


@pytest.mark.slow
def test_a_local_dask_cluster_runs_the_same_tasks_as_the_pool(tmp_path, procedure_file, calls_dir):
    pytest.importorskip("distributed")
    videos = tmp_path / "videos"
    make_videos(videos, {**GOOD, "broken.mp4": b"FLAKY"})
    common = dict(progress=False, task_function=fake_task, workers=2)
    pool = run_batch(
        videos, procedure_file, tmp_path / "pool", db_url=f"sqlite:///{tmp_path / 'pool.db'}", **common
    )
    calls_after_pool = len(scored_hashes(calls_dir))
    on_dask = run_batch(
        videos,
        procedure_file,
        tmp_path / "dask",
        db_url=f"sqlite:///{tmp_path / 'dask.db'}",
        dask="local",
        **common,
    )
    assert len(scored_hashes(calls_dir)) == 2 * calls_after_pool  # every video really ran again on Dask
    assert (
        (on_dask.scored, on_dask.refused, on_dask.failed)
        == (pool.scored, pool.refused, pool.failed)
        == (3, 1, 1)
    )
    assert read_rows(tmp_path / "dask") == read_rows(tmp_path / "pool")
    # Resuming works the same way: nothing is sent to the cluster when everything is done.
    again = run_batch(
        videos,
        procedure_file,
        tmp_path / "dask",
        db_url=f"sqlite:///{tmp_path / 'dask.db'}",
        dask="local",
        **common,
    )
    assert (again.skipped, again.failed) == (4, 1)


@pytest.mark.slow
def test_an_existing_cluster_is_reached_by_its_address(tmp_path, procedure_file, calls_dir):
    distributed = pytest.importorskip("distributed")
    videos = tmp_path / "videos"
    make_videos(videos, GOOD)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        summary = run_batch(
            videos,
            procedure_file,
            tmp_path / "out",
            db_url=f"sqlite:///{tmp_path / 'lab.db'}",
            dask=cluster.scheduler_address,
            progress=False,
            task_function=fake_task,
        )
        # The cluster outlives the batch: batch closes its client, never someone else's cluster.
        assert cluster.status.name == "running"
    assert (summary.scored, summary.refused, summary.failed) == (3, 1, 0)
    assert len(scored_hashes(calls_dir)) == 4
    assert {r["status"] for r in read_rows(tmp_path / "out")} == {"scored", "refused"}

"""Batch through the real task function (`score_one` -> assess_source) on synthetic motion files.

Motion files skip tracking, so this runs the real scorer, reference and feedback quickly; the pool
and the Dask cluster both run `score_one` itself.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from skillsight.batch import run_batch
from skillsight.batch.results import BASE_COLUMNS
from skillsight.scoring.metric_display import csv_number
from skillsight.scoring.procedure import load_procedure
from skillsight.scoring.synthetic import generate_practice
from skillsight.storage import Database


def make_practices(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for skill, seed in (("novice", 3), ("intermediate", 1), ("expert", 1)):
        motion = generate_practice(skill=skill, procedure="suturing", duration_s=30, seed=seed)
        paths[skill] = motion.save(folder / f"{skill}.motion.npz")
    (folder / "truncated.motion.npz").write_bytes(paths["novice"].read_bytes()[:2000])
    return paths


def read_rows(out: Path) -> dict[str, dict]:
    with open(out / "results.csv", newline="") as handle:
        return {r["video"]: r for r in csv.DictReader(handle)}


@pytest.mark.slow
def test_motion_files_are_scored_by_the_real_path(tmp_path):
    make_practices(tmp_path / "practices")
    db_url = f"sqlite:///{tmp_path / 'lab.db'}"
    summary = run_batch(
        tmp_path / "practices", "suturing", tmp_path / "out", workers=2, db_url=db_url, progress=False
    )
    assert (summary.scored, summary.failed) == (3, 1), [r.error for r in summary.rows]
    rows = read_rows(tmp_path / "out")
    assert rows["truncated.motion.npz"]["status"] == "failed"
    assert "truncated.motion.npz" in rows["truncated.motion.npz"]["error"]
    novice, expert = rows["novice.motion.npz"], rows["expert.motion.npz"]
    assert float(expert["score"]) > float(novice["score"])
    for row in (novice, expert):
        assert float(row["score_low"]) <= float(row["score"]) <= float(row["score_high"])
        assert float(row["tracking_quality"]) > 0.9  # synthetic hands drop out in ~1% of frames
    # One column per metric, in the procedure's order, after the fixed ones.
    header = list(novice)
    procedure_metrics = [m for m in load_procedure("suturing").metrics if m in header]
    fixed = len(BASE_COLUMNS)  # video, participant, status, error, ...
    assert header[fixed : fixed + len(procedure_metrics)] == procedure_metrics
    assert len(procedure_metrics) >= 10
    with Database(db_url) as database:
        history = database.metric_history("batch", "suturing")
        assert len(history) == 3
        # results.csv rounds to 4 significant digits; the database keeps the full value.
        assert {csv_number(h["score"]) for h in history} == {r["score"] for r in rows.values() if r["score"]}


@pytest.mark.slow
def test_dask_local_cluster_runs_score_one(tmp_path):
    pytest.importorskip("distributed")
    make_practices(tmp_path / "practices")
    pool = run_batch(
        tmp_path / "practices",
        "suturing",
        tmp_path / "pool",
        workers=2,
        db_url=f"sqlite:///{tmp_path / 'a.db'}",
        progress=False,
    )
    on_dask = run_batch(
        tmp_path / "practices",
        "suturing",
        tmp_path / "dask",
        workers=2,
        dask="local",
        db_url=f"sqlite:///{tmp_path / 'b.db'}",
        progress=False,
    )
    errors = [r.error for r in on_dask.rows]
    assert (on_dask.scored, on_dask.failed) == (pool.scored, pool.failed) == (3, 1), errors
    assert read_rows(tmp_path / "dask") == read_rows(tmp_path / "pool")

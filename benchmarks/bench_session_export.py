"""`skillsight sessions export` and the schema-6 migration on a database of N sessions.

One synthetic suturing practice (seed 40000, outside every benchmark set) is scored through the pipeline
once; N sessions of it are stored: a third as scored before tremor measured its error (no s.e.), a third
with its s.e., a third with needle-driver tremor withheld with a reason. The export is timed and its
columns counted (metric, "(± s.e.)" and "(why no value)" columns). Then a copy of the file is taken back
to schema 5 (its metric rows without the two columns, as main wrote them) and opened again: the migration
is timed and the rows it filled from the stored assessments are counted. Wall times on a shared machine;
nothing is asserted. Runs on main's code too (then it reports no migration and no new columns), which
gives the before figures.

    python benchmarks/bench_session_export.py [--sessions 300]
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sqlite3
import tempfile
import time
from dataclasses import replace
from pathlib import Path

TREMOR = "needle_driver.tremor"
WITHHELD = "not enough steady hand time to read tremor: 5 s of tracked fingertips (benchmark)"


def variants(assessment):
    """(no s.e., with s.e., tremor withheld) copies of one scored assessment."""
    from skillsight.scoring.results import Assessment

    def copy_with(change):
        made = Assessment.from_dict(assessment.to_dict())
        made.metrics = [change(m) for m in made.metrics]
        return made

    old = copy_with(lambda m: replace(m, uncertainty=None))
    withheld = copy_with(
        lambda m: replace(m, value=None, uncertainty=None, reason=WITHHELD) if m.name == TREMOR else m
    )
    return old, assessment, withheld


def store(path: Path, n: int) -> float:
    from skillsight import pipeline
    from skillsight.score_request import ScoreRequest
    from skillsight.scoring.synthetic import generate_practice
    from skillsight.storage import Database

    motion = Path(
        generate_practice("intermediate", "suturing", seed=40_000).save(path.parent / "a.motion.npz")
    )
    kinds = variants(pipeline.assess(ScoreRequest.build(motion, "suturing")).assessment)
    started = time.perf_counter()
    with Database(f"sqlite:///{path}") as db:
        for i in range(n):
            db.add_session(
                trainee=f"t{i % 7}", procedure="suturing", assessment=kinds[i % 3], source_name=f"{i}.mp4"
            )
    return time.perf_counter() - started


def export(path: Path, out: Path) -> tuple[float, int, list[str]]:
    from skillsight.session_export import write_sessions_csv
    from skillsight.storage import Database

    started = time.perf_counter()
    with Database(f"sqlite:///{path}") as db:
        count = write_sessions_csv(db, out)
    seconds = time.perf_counter() - started
    return seconds, count, next(csv.reader(out.open()))


def back_to_version_5(path: Path) -> bool:
    """Drop the schema-6 columns; False when the file never had them (main's code wrote it)."""
    with sqlite3.connect(path) as conn:
        columns = {row[1] for row in conn.execute("pragma table_info(metrics)")}
        if "uncertainty" not in columns:
            return False
        conn.execute("ALTER TABLE metrics DROP COLUMN uncertainty")
        conn.execute("ALTER TABLE metrics DROP COLUMN reason")
        conn.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    return True


def migrate(path: Path) -> tuple[float, int, int]:
    """(seconds to open and migrate, metric rows with an s.e. after it, rows with a reason)."""
    from skillsight.storage import Database

    started = time.perf_counter()
    Database(f"sqlite:///{path}").close()
    seconds = time.perf_counter() - started
    with sqlite3.connect(path) as conn:
        errors = conn.execute("select count(*) from metrics where uncertainty is not null").fetchone()[0]
        reasons = conn.execute("select count(*) from metrics where reason is not null").fetchone()[0]
    return seconds, errors, reasons


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        path = Path(folder) / "skillsight.db"
        stored = store(path, args.sessions)
        seconds, count, header = export(path, Path(folder) / "sessions.csv")
        size = (Path(folder) / "sessions.csv").stat().st_size
        errors = [c for c in header if c.endswith("(± s.e.)")]
        reasons = [c for c in header if c.endswith("(why no value)")]
        print(f"stored {args.sessions} sessions in {stored:.2f} s")
        print(
            f"export: {count} rows in {seconds:.3f} s, {size / 1e3:.0f} kB, {len(header)} columns "
            f"({len(errors)} s.e.: {errors}; {len(reasons)} reason: {reasons})"
        )
        old = Path(folder) / "version5.db"
        shutil.copy(path, old)
        if not back_to_version_5(old):
            print("migration: none (this code has no schema 6)")
            return
        seconds, with_error, with_reason = migrate(old)
        print(
            f"migration 5 -> 6 of {args.sessions} sessions: {seconds:.3f} s; metric rows filled from the "
            f"stored assessments: {with_error} with an s.e., {with_reason} with a reason"
        )
        seconds, count, header_after = export(old, Path(folder) / "migrated.csv")
        same = (Path(folder) / "migrated.csv").read_text() == (Path(folder) / "sessions.csv").read_text()
        print(f"export of the migrated file: {seconds:.3f} s, identical to the never-migrated one: {same}")


if __name__ == "__main__":
    main()

"""Re-scoring stale sessions from the app (History tab) beside the CLI's loop, and what the app's check of
a remembered session view costs beside reading the session again.

Stores N synthetic suturing practices (seeds 40000+, outside every benchmark set) of one trainee, scored
through the pipeline and stored as before definitions were recorded, plus a few of another trainee. Then,
on two copies of that database: `AppService.rescore_stale` (what the button runs) and
`session_rescore.rescore_sessions` over the same trainee's sessions (what `skillsight sessions rescore
--trainee` runs). The History tab's count of stale sessions is timed too. Last,
`AppService.session_view` of a remembered session (one query for its stored version) beside the same
view read from the database (cache cleared). Wall times on a shared machine; nothing is asserted.

    python benchmarks/bench_app_rescore.py [--sessions 20] [--views 200]
"""

from __future__ import annotations

import argparse
import copy
import os
import shutil
import tempfile
import time
from pathlib import Path

TRAINEE, OTHER = "ana", "bob"


def store_old_sessions(data_dir: Path, n: int, n_other: int) -> None:
    from skillsight import pipeline
    from skillsight.score_request import ScoreRequest
    from skillsight.scoring.features.definitions import PROVENANCE_KEY
    from skillsight.scoring.synthetic import generate_practice
    from skillsight.storage import Database

    sessions = data_dir / "sessions"
    sessions.mkdir(parents=True)
    with Database(f"sqlite:///{data_dir / 'skillsight.db'}") as db:
        for i in range(n + n_other):
            level = ("novice", "intermediate", "expert")[i % 3]
            path = Path(
                generate_practice(level, "suturing", seed=40_000 + i).save(sessions / f"{i}.motion.npz")
            )
            assessment = copy.deepcopy(pipeline.assess(ScoreRequest.build(path, "suturing")).assessment)
            assessment.provenance.pop(PROVENANCE_KEY)
            db.add_session(
                trainee=TRAINEE if i < n else OTHER, procedure="suturing", assessment=assessment,
                source_name=f"practice-{i}.mp4", motion_path=str(path),
            )  # fmt: skip


def time_app(data_dir: Path) -> tuple[float, str]:
    from skillsight.webapp.service import AppService

    service = AppService(data_dir=data_dir)
    try:
        service.stale_sessions(TRAINEE, "suturing")  # opens the database, as the History tab has
        started = time.perf_counter()
        count = len(service.stale_sessions(TRAINEE, "suturing"))
        print(f"the History tab's count ({count} stale): {(time.perf_counter() - started) * 1000:.0f} ms")
        started = time.perf_counter()
        summary = service.rescore_stale(TRAINEE, "suturing")
        seconds = time.perf_counter() - started
        left = len(service.stale_sessions(OTHER, "suturing"))
    finally:
        service.close()
    return seconds, f"{summary.markdown().splitlines()[0]} ({OTHER}'s {left} left stale)"


def time_cli_loop(data_dir: Path) -> float:
    from skillsight import session_rescore
    from skillsight.storage import Database

    with Database(f"sqlite:///{data_dir / 'skillsight.db'}") as db:
        started = time.perf_counter()
        records = session_rescore.select_sessions(db, TRAINEE, "suturing", [])
        session_rescore.rescore_sessions(db, records)
        return time.perf_counter() - started


def time_views(data_dir: Path, calls: int) -> tuple[float, float]:
    """Milliseconds a call: a remembered view checked against the database, and one read again."""
    from skillsight.webapp.service import AppService

    service = AppService(data_dir=data_dir)
    try:
        session_id = service.list_sessions(TRAINEE, "suturing")[0].id
        service.session_view(session_id, TRAINEE)
        started = time.perf_counter()
        for _ in range(calls):
            service.session_view(session_id, TRAINEE)
        remembered = (time.perf_counter() - started) / calls
        started = time.perf_counter()
        for _ in range(calls):
            service._views.clear()
            service.session_view(session_id, TRAINEE)
        read_again = (time.perf_counter() - started) / calls
    finally:
        service.close()
    return remembered * 1000, read_again * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--views", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-rescore-") as tmp:
        original = Path(tmp) / "original"
        started = time.perf_counter()
        store_old_sessions(original, args.sessions, n_other=3)
        stored_s = time.perf_counter() - started
        print(f"stored {args.sessions} old sessions of {TRAINEE} (+3 of {OTHER}) in {stored_s:.1f} s")
        app_dir, cli_dir = Path(tmp) / "app", Path(tmp) / "cli"
        shutil.copytree(original, app_dir)
        shutil.copytree(original, cli_dir)
        app_s, said = time_app(app_dir)
        cli_s = time_cli_loop(cli_dir)
        n = args.sessions
        print(f"app re-score (History tab): {app_s:.2f} s for {n} sessions, {app_s / n * 1000:.0f} ms each")
        print(f"    {said}")
        print(f"CLI loop (sessions rescore): {cli_s:.2f} s for {n} sessions, {cli_s / n * 1000:.0f} ms each")
        print(
            f"app / CLI: {app_s / cli_s:.2f}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        remembered, read_again = time_views(app_dir, args.views)
        print(
            f"session view: remembered and checked {remembered:.2f} ms, read again {read_again:.2f} ms "
            f"(ratio {read_again / remembered:.1f}x)"
        )


if __name__ == "__main__":
    main()

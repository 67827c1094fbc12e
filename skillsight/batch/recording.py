"""Where a batch's finished results go: one database session per result and results.csv."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from skillsight.batch.inputs import BatchInput
from skillsight.batch.results import VideoResult, write_result, write_results_csv
from skillsight.scoring.results import Assessment

if TYPE_CHECKING:
    from skillsight.scoring.procedure import Procedure
    from skillsight.storage import Database

DEFAULT_TRAINEE = "batch"
CSV_REWRITE_INTERVAL_S = 1.0


class Recorder:
    """Records finished results in the database (one session per key) and in their JSON files."""

    def __init__(self, database: Optional[Database]) -> None:
        self.database = database
        self.label = database.display_url if database is not None else ""

    def record(self, result: VideoResult) -> None:
        if self.database is None or not result.finished or self.label in result.database_sessions:
            return

        # add_session returns the existing session when another run recorded this key first.
        session_id = self.database.add_session(
            trainee=result.participant or DEFAULT_TRAINEE,
            procedure=result.procedure,
            assessment=Assessment.from_dict(result.assessment or {}),
            source_name=result.video,
            source_sha256=result.source_sha256,
            motion_path=result.motion_path,
            result_key=result.key,
        )
        result.database_sessions[self.label] = session_id
        write_result(result)


class ResultsTable:
    """results.csv, rewritten atomically as results arrive (at most once per interval, and at the end)."""

    def __init__(self, path: Path, items: Sequence[BatchInput], procedures: Sequence[Procedure]) -> None:
        self.path = path
        self.items = items
        self.procedures = procedures
        self.rows: dict[int, VideoResult] = {}
        self._written_at = 0.0

    def update(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._written_at < CSV_REWRITE_INTERVAL_S:
            return
        write_results_csv(
            self.path, [(self.items[i].video, r) for i, r in self.rows.items()], self.procedures
        )
        self._written_at = now

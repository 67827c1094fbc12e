"""The batch runner: plan the work, skip what is recorded, run the rest, record each result as it arrives.

The parent holds the output folder's lock (a second batch on the same --out waits, see lock.py), hashes
the inputs, skips results already recorded (in the output folder or the database), sends the rest to an
executor (local processes or Dask) and records every result as it arrives: its JSON file, its database
session (one per result key: a unique index) and `results.csv`, rewritten atomically after each result
(at most once a second, and at the end).

With Dask (`dask="local"` or a scheduler address) the workers must see the input and output folders at
the same paths (a shared file system on a cluster). A task whose worker dies is retried elsewhere.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

import skillsight.batch as package
from skillsight.base.interrupts import interrupts_deferred
from skillsight.batch.executors import available_cores, make_executor
from skillsight.batch.frames_watch import FramesWatch
from skillsight.batch.inputs import BatchInput, DominantHands, find_inputs
from skillsight.batch.lock import OutputFolderLock
from skillsight.batch.recording import Recorder, ResultsTable
from skillsight.batch.results import (
    FINISHED_STATUSES,
    HASH_CACHE,
    RESULT_SUFFIX,
    RESULTS_CSV,
    HashCache,
    VideoResult,
    VideoTask,
    artifact_identity,
    assessment_error,
    make_result_key,
    read_result,
    resolve_default,
    result_stem,
    write_result,
)
from skillsight.batch.task import in_progress_marker, plain_float
from skillsight.progress import CountProgress
from skillsight.scoring.damage import max_undecodable_share as damage_limit
from skillsight.scoring.procedure import load_procedure
from skillsight.scoring.results import ResultStatus
from skillsight.storage import Database

if TYPE_CHECKING:
    from skillsight.scoring.procedure import Procedure
    from skillsight.storage import Database, SessionRecord

PathLike = Union[str, "os.PathLike[str]"]
MAX_WORKER_DEATHS_PER_VIDEO = 2
_FAILED = ResultStatus.FAILED.value


@dataclass
class BatchSummary:
    total: int  # inputs
    skipped: int  # already recorded
    scored: int  # run now: scored
    refused: int  # run now: refused (poor tracking, too short, schema)
    failed: int  # run now: failed
    not_run: int  # left when the batch was interrupted
    interrupted: bool
    started_executor: bool
    elapsed_s: float
    results_csv: str
    rows: list[VideoResult] = field(default_factory=list)
    damaged: int = 0  # run now: too damaged to score
    out_of_domain: int = 0  # run now: scored metrics, no level or score
    unreadable: int = 0  # run now: not a readable video (skipped on later runs until the file changes)
    skipped_unreadable: list[VideoResult] = field(default_factory=list)  # recorded so by an earlier run

    @property
    def exit_code(self) -> int:
        """0 when every video got an answer (scored, refused, out of domain, damaged, unreadable: see
        results.csv); 1 when any failed (or the batch was interrupted)."""
        return 1 if self.failed or self.not_run or self.interrupted else 0

    def describe(self) -> str:
        counts = f"{self.scored} scored, {self.refused} refused, "
        counts += f"{self.damaged} damaged, " if self.damaged else ""
        counts += f"{self.out_of_domain} out of domain, " if self.out_of_domain else ""
        counts += f"{self.unreadable} unreadable, " if self.unreadable else ""
        done = f"{self.skipped} already done"
        if self.skipped_unreadable:  # listed below: say they are among the skipped, not counted twice
            done += f" ({len(self.skipped_unreadable)} of them unreadable, listed below)"
        parts = [f"{self.total} input{'' if self.total == 1 else 's'}: {done}, {counts}{self.failed} failed"]
        if self.not_run:
            parts.append(f"{self.not_run} not run (interrupted)")
        text = "; ".join(parts) + f" in {self.elapsed_s:.1f} s. Results: {self.results_csv}"
        skipped = {id(r) for r in self.skipped_unreadable}
        text += _listed("failed", [r for r in self.rows if r.status == _FAILED])
        text += _listed("unreadable", [r for r in self.rows if r.unreadable and id(r) not in skipped])
        if self.skipped_unreadable:
            n = len(self.skipped_unreadable)
            text += (
                f"\n  skipped {n} file{'' if n == 1 else 's'} recorded as unreadable by an earlier "
                "run (a changed file is tried again; --retry-unreadable tries them all):"
            )
            text += _listed("unreadable", self.skipped_unreadable)
        return text


def _listed(what: str, results: Sequence[VideoResult], at_most: int = 20) -> str:
    text = "".join(
        f"\n  {what}: {r.video}: {_without_prefix(r.error, f'{r.video}: ')}" for r in results[:at_most]
    )
    if len(results) > at_most:
        text += f"\n  ... and {len(results) - at_most} more (see results.csv)"
    return text


def _without_prefix(text: Optional[str], prefix: str) -> str:
    """'broken.mp4: a text file' under 'broken.mp4:' reads 'a text file' (the name is said once)."""
    text = text or ""
    return text[len(prefix) :] if text.startswith(prefix) else text


def _result_from_record(
    record: SessionRecord, item: BatchInput, sha: str, key: str, task: VideoTask
) -> VideoResult:
    assessment = record.assessment
    return VideoResult(
        video=item.video,
        source=item.path,
        procedure=task.procedure_name,
        status=assessment.status,
        error=assessment_error(assessment),
        participant=item.participant,
        dominant_hand=item.dominant_hand,
        key=key,
        source_sha256=sha,
        model_identity=task.model_identity,
        reference_identity=task.reference_identity,
        skill_level=record.skill_level,
        score=record.score,
        score_low=record.score_low,
        score_high=record.score_high,
        tracking_quality=record.tracking_quality,
        metrics={m.name: plain_float(m.value) for m in assessment.metrics},
        metric_units={m.name: m.unit for m in assessment.metrics},
        motion_path=record.motion_path,
        assessment=assessment.to_dict(),
    )


def run_batch(
    inputs: Union[PathLike, Sequence[BatchInput]],
    procedure: Optional[str],
    out_dir: PathLike,
    workers: Optional[int] = None,
    db_url: Optional[str] = None,
    dask: Optional[str] = None,
    model: Optional[PathLike] = None,
    reference: Optional[PathLike] = None,
    overlay: bool = False,
    progress: bool = True,
    task_function: Optional[Callable[[VideoTask], VideoResult]] = None,
    use_database: bool = True,
    lock_timeout: Optional[float] = None,
    max_undecodable_share: Optional[float] = None,
    hands: Optional[DominantHands] = None,
    threads_per_worker: int = 1,
    retry_unreadable: bool = False,
) -> BatchSummary:
    """Score every input not already recorded; record each result as it finishes.

    `inputs` is a folder, a manifest CSV, or a list of `BatchInput`. `workers` defaults to the number of
    cores; `dask` is None (local processes), "local" (a LocalCluster) or a scheduler address. Nothing is
    started (no pool, no cluster, no model) when everything is already done. `task_function` replaces
    `score_one` (it must be a picklable top-level function); `use_database=False` records in `out_dir` only.
    Another batch on the same `out_dir` is waited for (`lock_timeout` seconds at most, then
    `BatchBusyError`); this run then skips what that one recorded. Above `max_undecodable_share` of
    undecodable frames a video is recorded as damaged. `hands`: each participant's dominant hand where a
    row gives none; each worker uses `threads_per_worker` threads (one: workers scale with cores). A
    file an earlier run found unreadable (not a video) is skipped until it changes, or `retry_unreadable`."""

    started = time.perf_counter()
    limit = damage_limit(max_undecodable_share)  # checked here; workers get the number itself
    if threads_per_worker < 1:
        raise ValueError(f"threads per worker must be at least 1, got {threads_per_worker}")
    out, items, procedures = _planned_inputs(inputs, procedure, out_dir, hands)
    with OutputFolderLock(out, timeout=lock_timeout):
        database = None
        if use_database:
            database = Database(db_url)
        table = ResultsTable(out / RESULTS_CSV, items, list(procedures.values()))
        counts = {status.value: 0 for status in ResultStatus}
        interrupted = False
        try:
            plan = _Plan(out, items, procedures, model, reference, overlay, database, limit, retry_unreadable)
            plan.set_threads(threads_per_worker)
            table.rows.update(plan.rows)
            try:
                if plan.pending:
                    interrupted = _run_tasks(
                        plan, table, counts, task_function or _default_task(), workers, dask, progress
                    )
            finally:
                table.update(force=True)  # never over an earlier results.csv before planning worked
        finally:
            if database is not None:
                database.close()
    return _summary(items, plan, table, counts, interrupted, time.perf_counter() - started)


def _planned_inputs(
    inputs: Union[PathLike, Sequence[BatchInput]],
    procedure: Optional[str],
    out_dir: PathLike,
    hands: Optional[DominantHands],
) -> tuple[Path, list[BatchInput], dict[str, Procedure]]:
    """The output folder (made), the inputs and their procedures, each loaded once."""

    out = Path(out_dir).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    if procedure:
        load_procedure(procedure)  # an unknown --procedure is an error even when no input uses it
    items = _as_inputs(inputs, procedure, out, hands)
    procedures = {name: load_procedure(name) for name in sorted({item.procedure for item in items})}
    return out, items, procedures


def _summary(
    items: Sequence[BatchInput],
    plan: _Plan,
    table: ResultsTable,
    counts: dict[str, int],
    interrupted: bool,
    elapsed_s: float,
) -> BatchSummary:
    rows = table.rows
    not_run = sum(
        len(plan.waiting[key]) for key in plan.pending if not any(i in rows for i in plan.waiting[key])
    )
    return BatchSummary(
        total=len(items),
        skipped=plan.skipped,
        scored=counts[ResultStatus.SCORED.value],
        refused=counts[ResultStatus.REFUSED.value],
        failed=counts[_FAILED],
        damaged=counts[ResultStatus.DAMAGED.value],
        out_of_domain=counts[ResultStatus.OUT_OF_DOMAIN.value],
        unreadable=counts[ResultStatus.UNREADABLE.value],
        skipped_unreadable=[r for r in plan.rows.values() if r.unreadable],
        not_run=not_run,
        interrupted=interrupted,
        started_executor=bool(plan.pending),
        elapsed_s=elapsed_s,
        results_csv=str(table.path),
        rows=[rows[i] for i in sorted(rows, key=lambda i: items[i].video)],
    )


def _default_task() -> Callable[[VideoTask], VideoResult]:
    """`skillsight.batch.score_one`, looked up when the batch runs (tests and plugins replace it there)."""
    return package.score_one  # type: ignore[no-any-return]


def _as_inputs(
    inputs: Union[PathLike, Sequence[BatchInput]],
    procedure: Optional[str],
    out: Path,
    hands: Optional[DominantHands],
) -> list[BatchInput]:
    if isinstance(inputs, (list, tuple)):
        return list(inputs)
    return find_inputs(inputs, procedure, out, hands)  # type: ignore[arg-type]


class _Plan:
    """The tasks to run (one per result key) and the inputs already answered."""

    def __init__(
        self,
        out: Path,
        items: Sequence[BatchInput],
        procedures: dict[str, Procedure],
        model: Optional[PathLike],
        reference: Optional[PathLike],
        overlay: bool,
        database: Optional[Database],
        max_undecodable_share: float,
        retry_unreadable: bool = False,
    ) -> None:
        self.recorder = Recorder(database)
        self.retry_unreadable = retry_unreadable
        self.rows: dict[int, VideoResult] = {}
        self.pending: dict[str, VideoTask] = {}  # result key (or the source if unreadable) -> task
        self.waiting: dict[str, list[int]] = {}  # the same key -> indices of the inputs it answers
        self.result_files: dict[str, Path] = {}  # the same key -> where its worker writes the result
        identities = {}
        for name, proc in procedures.items():
            model_path = resolve_default("model", proc.name, model)
            reference_path = resolve_default("reference", proc.name, reference)
            identities[name] = (model_path, reference_path)
        hashes = HashCache(out / HASH_CACHE)
        for index, item in enumerate(items):
            model_path, reference_path = identities[item.procedure]
            task = VideoTask(
                video=item.video,
                source=item.path,
                procedure=item.procedure,
                procedure_name=procedures[item.procedure].name,
                out_dir=str(out),
                participant=item.participant,
                dominant_hand=item.dominant_hand,
                model=model_path,
                reference=reference_path,
                model_identity=artifact_identity(model_path),
                reference_identity=artifact_identity(reference_path),
                overlay=overlay,
                max_undecodable_share=max_undecodable_share,
            )
            self._add(index, item, task, hashes, out, database)
        hashes.save()
        self.skipped = len(self.rows)

    def set_threads(self, threads: int) -> None:
        """Every pending task's worker uses `threads` threads."""
        self.pending = {key: replace(task, threads=threads) for key, task in self.pending.items()}

    def _add(
        self,
        index: int,
        item: BatchInput,
        task: VideoTask,
        hashes: HashCache,
        out: Path,
        database: Optional[Database],
    ) -> None:
        try:
            sha = hashes.sha256(item.path)
        except OSError:
            key = f"{item.path}|{item.participant or ''}"  # the worker records why it cannot be read
        else:
            key = make_result_key(
                sha,
                task.procedure_name,
                item.dominant_hand,
                task.model_identity,
                task.reference_identity,
                item.participant,
            )
            result_file = out / f"{result_stem(sha, task.procedure_name, item.participant)}{RESULT_SUFFIX}"
            done = _recorded_result(result_file, key, database, item, sha, task, self.retry_unreadable)
            if done is not None:
                self.recorder.record(done)
                self.rows[index] = done
                return
            self.result_files[key] = result_file
        self.pending.setdefault(key, task)
        self.waiting.setdefault(key, []).append(index)


def _recorded_result(
    result_path: Path,
    key: str,
    database: Optional[Database],
    item: BatchInput,
    sha: str,
    task: VideoTask,
    retry_unreadable: bool = False,
) -> Optional[VideoResult]:
    """A finished result for this key (or one found unreadable, unless retried), from the output folder
    or else the database."""
    stored = read_result(result_path)
    answered = stored is not None and (stored.finished or (stored.unreadable and not retry_unreadable))
    if stored is not None and stored.key == key and answered:
        return stored
    if database is None:
        return None
    record = database.find_by_key(key)
    if record is None or record.status not in FINISHED_STATUSES:
        return None
    result = _result_from_record(record, item, sha, key, task)
    result.result_path = str(result_path)
    result.database_sessions[database.display_url] = record.id
    write_result(result)
    return result


def _run_tasks(
    plan: _Plan,
    table: ResultsTable,
    counts: dict[str, int],
    task_function: Callable[[VideoTask], VideoResult],
    workers: Optional[int],
    dask: Optional[str],
    progress: bool,
) -> bool:
    """Run the pending tasks, recording each result as it arrives; True if interrupted (Ctrl-C).

    A worker process that dies (out of memory, killed) takes its pool down with it. The videos it was
    working on (their in-progress markers remain) get a strike; everything unfinished is sent to a
    fresh pool, and a video that kills a worker twice is recorded as failed.
    """

    def record(key: str, result: VideoResult) -> None:
        with interrupts_deferred():  # a Ctrl-C mid-way would leave the database, CSV and counts apart
            recorded.add(key)
            plan.recorder.record(result)
            counts[result.status] = counts.get(result.status, 0) + 1
            for index in plan.waiting[key]:
                table.rows[index] = result
            table.update()
        bar.update(1)
        bar.set_postfix(done=sum(counts.values()) - counts[_FAILED], failed=counts[_FAILED])

    remaining = dict(plan.pending)
    recorded: set[str] = set()
    strikes: dict[str, int] = {}
    interrupted = False
    bar = CountProgress(len(remaining), enabled=progress)
    # The bar moves with the frames of the videos under way too (their workers write them down).
    watch = FramesWatch(bar, lambda: {key: t for key, t in remaining.items() if key not in recorded})
    try:
        with watch:
            while remaining and not interrupted:
                for task in remaining.values():
                    in_progress_marker(task).unlink(missing_ok=True)
                # Videos that were running when a worker died are retried alone, one worker: a death then
                # names its video, and a video that only ran beside the culprit is not struck twice.
                suspects = {key: task for key, task in remaining.items() if strikes.get(key)}
                tasks = suspects or remaining
                n_workers = 1 if suspects else max(1, min(workers or available_cores(), len(remaining)))
                lost, interrupted = _run_round(tasks, task_function, n_workers, dask, record)
                if interrupted:
                    _record_finished_files(plan, set(remaining) - recorded, record)
                    break
                struck = [key for key in lost if in_progress_marker(tasks[key]).exists()]
                for key in struck:
                    strikes[key] = strikes.get(key, 0) + 1
                progressed = bool(struck) or len(lost) < len(tasks)
                remaining = {key: task for key, task in remaining.items() if key not in tasks or key in lost}
                for key, why in lost.items():
                    if strikes.get(key, 0) >= MAX_WORKER_DEATHS_PER_VIDEO or not progressed:
                        record(key, _lost_result(remaining.pop(key), why))
    finally:
        bar.close(interrupted)
    return interrupted


def _record_finished_files(plan: _Plan, keys: set[str], record: Callable[[str, VideoResult], None]) -> None:
    """On Ctrl-C, record the results a worker wrote but the parent had not yet received, so that
    results.csv and the database hold everything finished before the interruption."""
    for key in sorted(keys):
        path = plan.result_files.get(key)
        stored = read_result(path) if path is not None else None
        if stored is not None and stored.key == key and (stored.finished or stored.unreadable):
            record(key, stored)


def _lost_result(task: VideoTask, why: str) -> VideoResult:
    return VideoResult(
        video=task.video,
        source=task.source,
        procedure=task.procedure_name,
        status=_FAILED,
        error=f"{task.source}: the worker process died while scoring it, out of memory or killed? ({why})",
        participant=task.participant,
        dominant_hand=task.dominant_hand,
    )


def _run_round(
    tasks: dict[str, VideoTask],
    task_function: Callable[[VideoTask], VideoResult],
    n_workers: int,
    dask: Optional[str],
    record: Callable[[str, VideoResult], None],
) -> tuple[dict[str, str], bool]:
    """One executor over `tasks`: (the keys whose worker died -> why, interrupted)."""
    executor = make_executor(n_workers, dask)
    interrupted = False
    lost: dict[str, str] = {}
    futures: dict[Any, str] = {}
    try:
        futures = {executor.submit(task_function, task): key for key, task in tasks.items()}
        for future in executor.as_completed(futures):
            key = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # the task itself never raises: its worker went away
                lost[key] = f"{type(exc).__name__}: {exc}"
                continue
            record(key, result)
    except KeyboardInterrupt:
        interrupted = True
        executor.cancel(list(futures))
    finally:
        executor.close(interrupted=interrupted)
    return lost, interrupted

"""Batch scoring for skills labs: many videos, resumable, in parallel on this machine or a Dask cluster.

Every video goes through the same per-video task function, `score_one`, which calls the one assessment
path (`skillsight.pipeline.assess_source`), writes the motion file and a JSON result into the output
folder (named by the content hash, so a renamed file finds its result) and never raises. The parent
plans the work, skips what is already recorded, sends the rest to an executor (a local process pool or
Dask, both behind `submit`/`as_completed`) and records each result as it arrives: in the database that
the app uses and in `results.csv`.

A result is keyed by the video's content sha256, the procedure, the dominant hand and the model's and
reference's identities (name, version and file hashes), so an edited video or a new model scores
again, while finished results (scored or refused) are never redone. Failed videos are retried.

With Dask (`dask="local"` or a scheduler address) the workers must see the input and output folders
at the same paths (a shared file system on a cluster).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Optional,
    Protocol,
    Union,
)

from skillsight.file_hash import file_sha256

if TYPE_CHECKING:
    from skillsight.pipeline import AssessmentRun
    from skillsight.pose.motion import Motion
    from skillsight.scoring.procedure import Procedure
    from skillsight.storage import Database, SessionRecord

PathLike = Union[str, "os.PathLike[str]"]

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v")
MOTION_SUFFIX = ".motion.npz"

STATUS_OK = "ok"
STATUS_REFUSED = "refused"
STATUS_ERROR = "error"
FINISHED_STATUSES = (STATUS_OK, STATUS_REFUSED)

RESULTS_CSV = "results.csv"
RESULT_SUFFIX = ".result.json"
HASH_CACHE = ".skillsight-batch-hashes.json"
BASE_COLUMNS = (
    "video",
    "status",
    "error",
    "procedure",
    "skill_level",
    "score",
    "score_low",
    "score_high",
    "tracking_quality",
)
DEFAULT_TRAINEE = "batch"
RESULT_FORMAT_VERSION = 1


class BatchInputError(ValueError):
    """The batch input (folder or manifest) cannot be used; the message names the file and the problem."""


# --- inputs -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchInput:
    """One video (or motion file) to score, with who performed it and how."""

    video: str  # the name shown in results.csv: relative to the input folder, or as the manifest wrote it
    path: str  # absolute path
    procedure: str
    participant: Optional[str] = None
    dominant_hand: str = "right"


def _is_batch_source(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(MOTION_SUFFIX) or path.suffix.lower() in VIDEO_SUFFIXES


def _is_batch_output(name: str) -> bool:
    """Files that `score_with` writes: `<16 hex>.<procedure>.motion.npz` / `.overlay.mp4`."""
    stem, _, rest = name.partition(".")
    return (
        len(stem) == 16
        and all(c in "0123456789abcdef" for c in stem)
        and (rest.endswith(MOTION_SUFFIX) or rest.endswith(".overlay.mp4"))
    )


def find_inputs(
    source: PathLike, procedure: Optional[str], out_dir: Optional[PathLike] = None
) -> list[BatchInput]:
    """The inputs of a folder (searched recursively; hidden folders and `out_dir` left out) or a manifest."""
    root = Path(source).expanduser()
    if not root.exists():
        raise BatchInputError(f"{root}: input not found (give a folder of videos or a manifest CSV)")
    if root.is_file():
        if root.suffix.lower() != ".csv":
            raise BatchInputError(f"{root}: not a folder or a manifest CSV (video,participant,procedure)")
        return read_manifest(root, procedure)
    if not procedure:
        raise BatchInputError(f"{root}: a folder needs --procedure")
    root = root.resolve()
    skip = Path(out_dir).expanduser().resolve() if out_dir is not None else None
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        # Our own outputs (motion files) must never become inputs of the next run.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and (here / d).resolve() != skip)
        for name in sorted(filenames):
            path = here / name
            if here == skip and _is_batch_output(name):
                continue
            if not name.startswith(".") and _is_batch_source(path):
                found.append(
                    BatchInput(video=path.relative_to(root).as_posix(), path=str(path), procedure=procedure)
                )
    return sorted(found, key=lambda item: item.video)


def read_manifest(csv_path: PathLike, procedure: Optional[str]) -> list[BatchInput]:
    """Rows of a manifest CSV: `video` (relative paths resolve against the CSV's folder), and optionally
    `participant`, `procedure` (a row's own procedure wins over `procedure`) and `dominant_hand`."""
    path = Path(csv_path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchInputError(f"{path}: cannot read the manifest ({exc})") from exc
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip().lower() for c in (reader.fieldnames or [])]
    if "video" not in columns:
        raise BatchInputError(
            f"{path}: the manifest needs a 'video' column (found: {', '.join(columns) or 'none'})"
        )
    inputs = []
    for line, row in enumerate(reader, start=2):
        cells = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        video = cells.get("video", "")
        if not video:
            continue
        row_procedure = cells.get("procedure") or procedure
        if not row_procedure:
            raise BatchInputError(
                f"{path}, line {line}: no procedure for {video} (add the column or --procedure)"
            )
        hand = (cells.get("dominant_hand") or "right").lower()
        if hand not in ("left", "right"):
            raise BatchInputError(f"{path}, line {line}: dominant_hand must be left or right, not {hand!r}")
        resolved = Path(video).expanduser()
        if not resolved.is_absolute():
            resolved = path.parent / resolved
        inputs.append(
            BatchInput(
                video=video,
                path=str(resolved.resolve()),
                procedure=row_procedure,
                participant=cells.get("participant") or None,
                dominant_hand=hand,
            )
        )
    return sorted(inputs, key=lambda item: item.video)


# --- identities and keys ------------------------------------------------------------------------------


class HashCache:
    """Content hashes remembered by (path, size, mtime) in the output folder, so a rerun over thousands
    of videos does not read them all again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, list[Any]] = {}
        self._changed = False
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self._entries = loaded
        except (OSError, ValueError):
            pass

    def sha256(self, path: str) -> str:
        stat = os.stat(path)
        entry = self._entries.get(path)
        if entry and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
            return str(entry[2])
        sha = file_sha256(path)
        self._entries[path] = [stat.st_size, stat.st_mtime_ns, sha]
        self._changed = True
        return sha

    def save(self) -> None:
        if self._changed:
            write_text_atomic(self.path, json.dumps(self._entries))
            self._changed = False


def artifact_identity(path: Optional[PathLike]) -> str:
    """`name@version#sha` of a model or reference: name and version from its JSON (or the model card
    beside an ONNX file), sha over the files themselves so any change to them counts."""
    if path is None:
        return "none"
    p = Path(path)
    files = [p] + [p.with_suffix(s) for s in (".json", ".onnx") if p.with_suffix(s) != p]
    digest = hashlib.sha256()
    name, version = p.stem, "?"
    for f in files:
        if not f.is_file():
            continue
        data = f.read_bytes()
        digest.update(f.suffix.encode() + b"\0" + data)
        if f.suffix == ".json":
            try:
                card = json.loads(data)
                name, version = str(card.get("name", name)), str(card.get("version", version))
            except (ValueError, AttributeError):
                pass
    return f"{name}@{version}#{digest.hexdigest()[:16]}"


def resolve_default(kind: str, procedure: str, given: Optional[PathLike]) -> Optional[str]:
    """The model or reference file that scoring will use: the given one, else the shipped default."""
    if given is not None:
        return str(Path(given).expanduser().resolve())
    try:
        import skillsight.models as models

        finder = getattr(models, f"default_{kind}_path")
        found = finder(procedure)
    except (AttributeError, FileNotFoundError, LookupError, ValueError):
        return None
    return str(found) if found else None


def make_result_key(
    source_sha256: str, procedure: str, dominant_hand: str, model_identity: str, reference_identity: str
) -> str:
    parts = [
        f"sha256:{source_sha256}",
        procedure,
        f"dominant:{dominant_hand}",
        model_identity,
        reference_identity,
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def result_stem(source_sha256: str, procedure: str) -> str:
    """Outputs are named by content, so a renamed video finds its earlier result."""
    return f"{source_sha256[:16]}.{procedure}"


# --- the per-video task -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VideoTask:
    """Everything a worker needs to score one video; plain data so it pickles to any worker."""

    video: str
    source: str
    procedure: str  # the procedure as given (a name or a JSON file's path)
    procedure_name: str
    out_dir: str
    participant: Optional[str] = None
    dominant_hand: str = "right"
    model: Optional[str] = None
    reference: Optional[str] = None
    model_identity: str = "none"
    reference_identity: str = "none"
    overlay: bool = False


@dataclass
class VideoResult:
    """The outcome for one video; also the content of its JSON result file."""

    video: str
    source: str
    procedure: str
    status: str  # ok | refused | error
    error: str = ""
    participant: Optional[str] = None
    dominant_hand: str = "right"
    key: Optional[str] = None
    source_sha256: Optional[str] = None
    model_identity: str = "none"
    reference_identity: str = "none"
    skill_level: Optional[str] = None
    score: Optional[float] = None
    score_low: Optional[float] = None
    score_high: Optional[float] = None
    tracking_quality: Optional[float] = None
    metrics: dict[str, Optional[float]] = field(default_factory=dict)
    metric_units: dict[str, str] = field(default_factory=dict)
    motion_path: Optional[str] = None
    overlay_path: Optional[str] = None
    result_path: Optional[str] = None
    elapsed_s: Optional[float] = None
    assessment: Optional[dict[str, Any]] = None
    # database (URL, password hidden) -> session id, so a session deleted there is not recorded again
    database_sessions: dict[str, int] = field(default_factory=dict)
    format_version: int = RESULT_FORMAT_VERSION

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VideoResult:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def csv_row(self, video: str, metric_columns: Sequence[str]) -> list[str]:
        values: list[Any] = [
            video,
            self.status,
            self.error,
            self.procedure,
            self.skill_level,
            self.score,
            self.score_low,
            self.score_high,
            self.tracking_quality,
        ]
        values += [self.metrics.get(name) for name in metric_columns]
        return [_csv_cell(v) for v in values]


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if value == value else ""
    return str(value)


def write_text_atomic(path: Path, text: str) -> None:
    """Write a whole file or nothing: a temporary file beside it, then a rename."""
    from skillsight.atomic_write import write_text_atomic as write_private

    write_private(path, text)  # owner-only: results are personal data


def write_result(result: VideoResult) -> None:
    from skillsight.storage import plain_json_value

    if result.result_path:
        text = json.dumps(plain_json_value(result.to_dict()), indent=2, allow_nan=False)
        write_text_atomic(Path(result.result_path), text)


def read_result(path: Path) -> Optional[VideoResult]:
    """A result file, or None when it is missing or unreadable (then the video is simply scored again)."""
    try:
        return VideoResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def tracked_share(motion: Motion, procedure: Procedure, dominant_hand: str = "right") -> Optional[float]:
    """Share of frames in which every hand the procedure needs was tracked (any keypoint seen)."""
    import numpy as np

    roles = procedure.required_roles or tuple(procedure.hand_roles)
    hands = sorted({procedure.hand_for_role(role, dominant_hand) for role in roles})
    if motion.n_frames == 0 or not hands:
        return None
    tracked = np.ones(motion.n_frames, dtype=bool)
    for hand in hands:
        if hand not in motion.individuals:
            return 0.0
        seen = ~np.isnan(motion.positions[:, motion.individual_index(hand), :, 0])
        tracked &= seen.any(axis=-1)
    return float(tracked.mean())


def _error_message(task: VideoTask, exc: BaseException) -> str:
    message = str(exc) or type(exc).__name__
    if task.source not in message and Path(task.source).name not in message:
        message = f"{task.source}: {message}"
    return message


AssessFunction = Callable[..., "AssessmentRun"]


def score_with(task: VideoTask, assess: AssessFunction) -> VideoResult:
    """Score one video with `assess` (assess_source's signature), write its outputs, never raise."""
    started = time.perf_counter()
    result = VideoResult(
        video=task.video,
        source=task.source,
        procedure=task.procedure_name,
        status=STATUS_ERROR,
        participant=task.participant,
        dominant_hand=task.dominant_hand,
        model_identity=task.model_identity,
        reference_identity=task.reference_identity,
    )
    marker = in_progress_marker(task)
    try:
        from skillsight.pose.motion import save_motion
        from skillsight.scoring.procedure import load_procedure

        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        source = Path(task.source)
        if not source.is_file():
            raise FileNotFoundError(f"{source}: file not found")
        sha = file_sha256(source)
        result.source_sha256 = sha
        result.key = make_result_key(
            sha, task.procedure_name, task.dominant_hand, task.model_identity, task.reference_identity
        )
        out_dir = Path(task.out_dir)
        stem = result_stem(sha, task.procedure_name)
        is_video = not source.name.lower().endswith(MOTION_SUFFIX)
        overlay = out_dir / f"{stem}.overlay.mp4" if task.overlay and is_video else None
        run = assess(
            str(source),
            task.procedure,
            model=task.model,
            reference=task.reference,
            dominant_hand=task.dominant_hand,
            overlay_path=str(overlay) if overlay else None,
        )
        assessment = run.assessment
        motion_path = save_motion(run.motion, out_dir / f"{stem}{MOTION_SUFFIX}")
        interval = assessment.score_interval or (None, None)
        result.status = STATUS_OK if assessment.scored else STATUS_REFUSED
        result.error = "" if assessment.scored else "; ".join(assessment.refusal_reasons) or "refused"
        result.skill_level = assessment.skill_level
        result.score = _plain_float(assessment.score)
        result.score_low = _plain_float(interval[0])
        result.score_high = _plain_float(interval[1])
        result.tracking_quality = tracked_share(
            run.motion, load_procedure(task.procedure), task.dominant_hand
        )
        result.metrics = {m.name: _plain_float(m.value) for m in assessment.metrics}
        result.metric_units = {m.name: m.unit for m in assessment.metrics}
        result.assessment = assessment.to_dict()
        result.motion_path = str(motion_path)
        result.overlay_path = str(overlay) if overlay and overlay.exists() else None
        result.result_path = str(out_dir / f"{stem}{RESULT_SUFFIX}")
        result.elapsed_s = round(time.perf_counter() - started, 3)
        write_result(result)
    except Exception as exc:  # one bad video must never stop the batch
        result.status = STATUS_ERROR
        result.error = _error_message(task, exc)
        result.result_path = None
        result.elapsed_s = round(time.perf_counter() - started, 3)
    marker.unlink(missing_ok=True)
    return result


def _plain_float(value: Any) -> Optional[float]:
    if value is None:
        return None
    number = float(value)
    return number if number == number and abs(number) != float("inf") else None


def score_one(task: VideoTask) -> VideoResult:
    """The per-video task that the local pool and Dask workers run: the one assessment path."""
    from skillsight.pipeline import assess_source

    return score_with(task, assess_source)


# --- executors: one code path for the local pool and Dask -----------------------------------------------


class TaskExecutor(Protocol):
    def submit(self, fn: Callable[[VideoTask], VideoResult], task: VideoTask) -> Any: ...

    def as_completed(self, futures: Iterable[Any]) -> Iterator[Any]: ...

    def cancel(self, futures: Iterable[Any]) -> None: ...

    def close(self, interrupted: bool = False) -> None: ...


def _init_local_worker() -> None:
    import signal

    # Ctrl-C goes to the parent, which cancels the batch and stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class LocalProcessExecutor:
    """A pool of worker processes (spawned, so each has its own clean tracker state)."""

    def __init__(self, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_local_worker,
        )

    def submit(self, fn: Callable[[VideoTask], VideoResult], task: VideoTask) -> Any:
        return self._pool.submit(fn, task)

    def as_completed(self, futures: Iterable[Any]) -> Iterator[Any]:
        from concurrent.futures import as_completed

        return as_completed(list(futures))

    def cancel(self, futures: Iterable[Any]) -> None:
        for future in futures:
            future.cancel()

    def close(self, interrupted: bool = False) -> None:
        if interrupted:
            # Finished results are already on disk; videos in progress are simply redone next time.
            processes = list(getattr(self._pool, "_processes", {}).values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
            for process in processes:
                process.join(timeout=5)
        else:
            self._pool.shutdown(wait=True)


class DaskExecutor:
    """The same tasks on a Dask distributed cluster: an existing scheduler, or a LocalCluster."""

    def __init__(self, address: str, workers: int) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise BatchInputError(
                "--dask needs Dask's distributed scheduler, which the default install leaves out: "
                'pip install "skillsight[cluster]" (or run without --dask to use this machine\'s cores)'
            ) from None

        self._cluster = None
        if address == "local":
            self._cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            self._client = Client(self._cluster)
        else:
            self._client = Client(address)

    def submit(self, fn: Callable[[VideoTask], VideoResult], task: VideoTask) -> Any:
        return self._client.submit(fn, task, pure=False)

    def as_completed(self, futures: Iterable[Any]) -> Iterator[Any]:
        from distributed import as_completed

        return iter(as_completed(list(futures)))

    def cancel(self, futures: Iterable[Any]) -> None:
        self._client.cancel(list(futures))

    def close(self, interrupted: bool = False) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(workers: int, dask: Optional[str] = None) -> TaskExecutor:
    if dask:
        return DaskExecutor(dask, workers)
    return LocalProcessExecutor(workers)


# --- the batch ----------------------------------------------------------------------------------------


@dataclass
class BatchSummary:
    total: int  # inputs
    skipped: int  # already recorded
    scored: int  # run now: ok
    refused: int  # run now: refused
    failed: int  # run now: error
    not_run: int  # left when the batch was interrupted
    interrupted: bool
    started_executor: bool
    elapsed_s: float
    results_csv: str
    rows: list[VideoResult] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when every video was scored or refused; 1 when any failed (or the batch was interrupted)."""
        return 1 if self.failed or self.not_run or self.interrupted else 0

    def describe(self) -> str:
        parts = [
            f"{self.total} input(s): {self.skipped} already done, {self.scored} scored, "
            f"{self.refused} refused, {self.failed} failed"
        ]
        if self.not_run:
            parts.append(f"{self.not_run} not run (interrupted)")
        text = "; ".join(parts) + f" in {self.elapsed_s:.1f} s. Results: {self.results_csv}"
        failures = [r for r in self.rows if r.status == STATUS_ERROR]
        for r in failures[:20]:
            text += f"\n  failed: {r.video}: {r.error}"
        if len(failures) > 20:
            text += f"\n  ... and {len(failures) - 20} more (see results.csv)"
        return text


def _result_from_record(
    record: SessionRecord, item: BatchInput, sha: str, key: str, task: VideoTask
) -> VideoResult:
    assessment = record.assessment
    return VideoResult(
        video=item.video,
        source=item.path,
        procedure=task.procedure_name,
        status=STATUS_OK if assessment.scored else STATUS_REFUSED,
        error="" if assessment.scored else "; ".join(assessment.refusal_reasons) or "refused",
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
        metrics={m.name: _plain_float(m.value) for m in assessment.metrics},
        metric_units={m.name: m.unit for m in assessment.metrics},
        motion_path=record.motion_path,
        assessment=assessment.to_dict(),
    )


class _Recorder:
    """Records finished results in the database (once per database) and in their JSON files."""

    def __init__(self, database: Optional[Database]) -> None:
        self.database = database
        self.label = database.display_url if database is not None else ""

    def record(self, result: VideoResult) -> None:
        if self.database is None or not result.finished or self.label in result.database_sessions:
            return
        from skillsight.scoring.results import Assessment

        existing = self.database.find_by_key(result.key) if result.key else None
        if existing is not None:
            session_id = existing.id
        else:
            session_id = self.database.add_session(
                trainee=result.participant or DEFAULT_TRAINEE,
                procedure=result.procedure,
                assessment=Assessment.from_dict(result.assessment or {}),
                source_name=result.video,
                source_sha256=result.source_sha256,
                motion_path=result.motion_path,
                result_key=result.key,
                tracking_quality=result.tracking_quality,
            )
        result.database_sessions[self.label] = session_id
        write_result(result)


def _metric_columns(results: Iterable[VideoResult], procedures: Iterable[Procedure]) -> list[str]:
    seen = {name for r in results for name in r.metrics}
    ordered: list[str] = []
    for proc in procedures:
        ordered += [m for m in proc.metrics if m in seen and m not in ordered]
    return ordered + sorted(seen - set(ordered))


def write_results_csv(
    path: Path, rows: Sequence[tuple[str, VideoResult]], procedures: Iterable[Procedure]
) -> None:
    """`results.csv`, written whole: one row per input in name order, one column per metric."""
    metric_columns = _metric_columns((r for _, r in rows), procedures)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*BASE_COLUMNS, *metric_columns])
    for video, result in sorted(rows, key=lambda pair: pair[0]):
        writer.writerow(result.csv_row(video, metric_columns))
    write_text_atomic(path, buffer.getvalue())


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
) -> BatchSummary:
    """Score every input not already recorded; record each result as it finishes.

    `inputs` is a folder, a manifest CSV, or a list of `BatchInput`. `workers` defaults to the number of
    cores; `dask` is None (local processes), "local" (a LocalCluster) or a scheduler address. Nothing is
    started (no pool, no cluster, no model) when everything is already done. `task_function` replaces
    `score_one` (it must be a picklable top-level function); `use_database=False` records in `out_dir` only.
    """
    from skillsight.scoring.procedure import load_procedure

    started = time.perf_counter()
    out = Path(out_dir).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    items = _as_inputs(inputs, procedure, out)
    procedures = {name: load_procedure(name) for name in sorted({item.procedure for item in items})}
    identities: dict[str, tuple[Optional[str], Optional[str], str, str]] = {}
    for name in procedures:
        proc_name = procedures[name].name
        model_path = resolve_default("model", proc_name, model)
        reference_path = resolve_default("reference", proc_name, reference)
        identities[name] = (
            model_path,
            reference_path,
            artifact_identity(model_path),
            artifact_identity(reference_path),
        )

    database = None
    if use_database:
        from skillsight.storage import Database

        database = Database(db_url)
    recorder = _Recorder(database)
    hashes = HashCache(out / HASH_CACHE)

    rows: dict[int, VideoResult] = {}
    pending: dict[str, VideoTask] = {}  # result key (or the source for unreadable files) -> task
    waiting: dict[str, list[int]] = {}  # the same key -> indices of the inputs it answers
    for index, item in enumerate(items):
        model_path, reference_path, model_id, reference_id = identities[item.procedure]
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
            model_identity=model_id,
            reference_identity=reference_id,
            overlay=overlay,
        )
        try:
            sha = hashes.sha256(item.path)
        except OSError:
            pending.setdefault(item.path, task)  # the worker records why it cannot be read
            waiting.setdefault(item.path, []).append(index)
            continue
        key = make_result_key(sha, task.procedure_name, item.dominant_hand, model_id, reference_id)
        done = _recorded_result(out, sha, key, database, item, task)
        if done is not None:
            recorder.record(done)
            rows[index] = done
            continue
        pending.setdefault(key, task)
        waiting.setdefault(key, []).append(index)
    hashes.save()
    skipped = len(rows)

    counts = {STATUS_OK: 0, STATUS_REFUSED: 0, STATUS_ERROR: 0}
    interrupted = False
    started_executor = bool(pending)
    csv_path = out / RESULTS_CSV
    try:
        if pending:
            interrupted = _run_tasks(
                pending, waiting, rows, counts, recorder, task_function or score_one, workers, dask, progress
            )
    finally:
        write_results_csv(csv_path, [(items[i].video, r) for i, r in rows.items()], procedures.values())
        if database is not None:
            database.close()
    not_run = sum(len(waiting[key]) for key in pending if not any(i in rows for i in waiting[key]))
    return BatchSummary(
        total=len(items),
        skipped=skipped,
        scored=counts[STATUS_OK],
        refused=counts[STATUS_REFUSED],
        failed=counts[STATUS_ERROR],
        not_run=not_run,
        interrupted=interrupted,
        started_executor=started_executor,
        elapsed_s=time.perf_counter() - started,
        results_csv=str(csv_path),
        rows=[rows[i] for i in sorted(rows, key=lambda i: items[i].video)],
    )


def _as_inputs(
    inputs: Union[PathLike, Sequence[BatchInput]], procedure: Optional[str], out: Path
) -> list[BatchInput]:
    if isinstance(inputs, (list, tuple)):
        return list(inputs)
    return find_inputs(inputs, procedure, out)  # type: ignore[arg-type]


def _recorded_result(
    out: Path, sha: str, key: str, database: Optional[Database], item: BatchInput, task: VideoTask
) -> Optional[VideoResult]:
    """A finished result for this key, from the output folder or else the database."""
    result_path = out / f"{result_stem(sha, task.procedure_name)}{RESULT_SUFFIX}"
    stored = read_result(result_path)
    if stored is not None and stored.key == key and stored.finished:
        return stored
    if database is None:
        return None
    record = database.find_by_key(key)
    if record is None or record.status not in ("scored", "refused"):
        return None
    result = _result_from_record(record, item, sha, key, task)
    result.result_path = str(result_path)
    result.database_sessions[database.display_url] = record.id
    write_result(result)
    return result


def _run_tasks(
    pending: dict[str, VideoTask],
    waiting: dict[str, list[int]],
    rows: dict[int, VideoResult],
    counts: dict[str, int],
    recorder: _Recorder,
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
    from tqdm import tqdm

    def record(key: str, result: VideoResult) -> None:
        recorder.record(result)
        counts[result.status] = counts.get(result.status, 0) + 1
        for index in waiting[key]:
            rows[index] = result
        bar.update(1)
        bar.set_postfix(done=counts[STATUS_OK] + counts[STATUS_REFUSED], failed=counts[STATUS_ERROR])

    remaining = dict(pending)
    strikes: dict[str, int] = {}
    interrupted = False
    bar = tqdm(total=len(pending), unit="video", desc="batch", disable=not progress, file=sys.stderr)
    try:
        while remaining and not interrupted:
            for task in remaining.values():
                in_progress_marker(task).unlink(missing_ok=True)
            n_workers = max(1, min(workers or available_cores(), len(remaining)))
            lost, interrupted = _run_round(remaining, task_function, n_workers, dask, record)
            if interrupted:
                break
            struck = [key for key in lost if in_progress_marker(remaining[key]).exists()]
            for key in struck:
                strikes[key] = strikes.get(key, 0) + 1
            progressed = bool(struck) or len(lost) < len(remaining)
            remaining = {key: remaining[key] for key in lost}
            for key, why in lost.items():
                if strikes.get(key, 0) >= MAX_WORKER_DEATHS_PER_VIDEO or not progressed:
                    record(key, _lost_result(remaining.pop(key), why))
    finally:
        bar.close()
    return interrupted


MAX_WORKER_DEATHS_PER_VIDEO = 2


def available_cores() -> int:
    """The cores this process may run on (a container or `taskset` can allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def in_progress_marker(task: VideoTask) -> Path:
    """A file that exists while a worker is scoring `task`: after a worker dies, it names the suspects."""
    name = hashlib.sha256(task.source.encode()).hexdigest()[:16]
    return Path(task.out_dir) / ".in-progress" / name


def _lost_result(task: VideoTask, why: str) -> VideoResult:
    return VideoResult(
        video=task.video,
        source=task.source,
        procedure=task.procedure_name,
        status=STATUS_ERROR,
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

"""Batch results: what identifies a result (keys), what one holds, and where it is kept.

A result is keyed by the video's content sha256, the procedure, the dominant hand, the participant
(when the manifest names one) and the model's and reference's identities (name, version and the
manifest hash over card and files), so an edited video, another participant or a new model scores
again, while finished results are never redone. Statuses are `ResultStatus` values; result files of
an earlier format ("ok", "error") are read as "scored", "failed".
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Union

import skillsight.models as models
from skillsight.base.atomic import write_text_atomic as write_private
from skillsight.base.hashing import file_sha256
from skillsight.manifest import identity
from skillsight.scoring.features.definitions import PROVENANCE_KEY as DEFINITIONS_KEY
from skillsight.scoring.features.definitions import definition_version, versioned_name
from skillsight.scoring.metric_display import csv_number
from skillsight.scoring.results import ResultStatus
from skillsight.storage import plain_json_value

if TYPE_CHECKING:
    from skillsight.scoring.procedure import Procedure
    from skillsight.scoring.results import Assessment

PathLike = Union[str, "os.PathLike[str]"]

# Assessments (stored in the database too): never redone. FAILED (a missing file, a dead worker) is
# retried on the next run. UNREADABLE (not a readable video) lives in its result file only, keyed by
# content: skipped until the file changes, or until a run asks to retry it (--retry-unreadable).
_NOT_ASSESSED = (ResultStatus.FAILED, ResultStatus.UNREADABLE)
FINISHED_STATUSES = tuple(s.value for s in ResultStatus if s not in _NOT_ASSESSED)
UNREADABLE = ResultStatus.UNREADABLE.value
_LEGACY_STATUSES = {"ok": ResultStatus.SCORED.value, "error": ResultStatus.FAILED.value}

RESULTS_CSV = "results.csv"
RESULT_SUFFIX = ".result.json"
HASH_CACHE = ".skillsight-batch-hashes.json"
BASE_COLUMNS = (
    "video",
    "participant",
    "status",
    "error",
    "procedure",
    "skill_level",
    "score",
    "score_low",
    "score_high",
    "tracking_quality",
)
RESULT_FORMAT_VERSION = 2  # 2: ResultStatus values, participant in the key


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
    """`name@version#hash` of a model or reference: name and version from its card (the JSON, or the
    card beside an ONNX file), the hash its manifest records over card and files (else over the files
    themselves), so any change to either counts."""
    if path is None:
        return "none"
    p = Path(path)
    card_path = p if p.suffix == ".json" else p.with_suffix(".json")
    name, version, sealed = p.stem, "?", ""
    try:
        card = json.loads(card_path.read_bytes())
        name, version = str(card.get("name", name)), str(card.get("version", version))

        sealed = identity(card)
    except (OSError, ValueError, AttributeError):
        pass
    if sealed:
        return f"{name}@{version}#{sealed[:16]}"
    digest = hashlib.sha256()
    for f in [p] + [p.with_suffix(s) for s in (".json", ".onnx") if p.with_suffix(s) != p]:
        if f.is_file():
            digest.update(f.suffix.encode() + b"\0" + f.read_bytes())
    return f"{name}@{version}#{digest.hexdigest()[:16]}"


def resolve_default(kind: str, procedure: str, given: Optional[PathLike]) -> Optional[str]:
    """The model or reference file that scoring will use: the given one, else the shipped default."""
    if given is not None:
        return str(Path(given).expanduser().resolve())
    try:
        finder = getattr(models, f"default_{kind}_path")
        found = finder(procedure)
    except (AttributeError, FileNotFoundError, LookupError, ValueError):
        return None
    return str(found) if found else None


def make_result_key(
    source_sha256: str,
    procedure: str,
    dominant_hand: str,
    model_identity: str,
    reference_identity: str,
    participant: Optional[str] = None,
) -> str:
    """The result's identity; the database holds one session per key (a unique index)."""
    parts = [
        f"sha256:{source_sha256}",
        procedure,
        f"dominant:{dominant_hand}",
        model_identity,
        reference_identity,
    ]
    if participant:  # results without a participant keep the keys they had before it counted
        parts.append(f"participant:{participant}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def result_stem(source_sha256: str, procedure: str, participant: Optional[str] = None) -> str:
    """Outputs are named by content, so a renamed video finds its earlier result; a participant's own
    result of a shared video gets a name of its own."""
    stem = f"{source_sha256[:16]}.{procedure}"
    if participant:
        tag = hashlib.sha256(participant.encode()).hexdigest()[:8]
        stem += f".p{tag}"
    return stem


# --- one result -----------------------------------------------------------------------------------------


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
    max_undecodable_share: Optional[float] = None  # None: scoring.damage's default (or the environment)
    threads: int = 1  # a worker's threads: one by default, so that workers scale with cores


@dataclass
class VideoResult:
    """The outcome for one video; also the content of its JSON result file."""

    video: str
    source: str
    procedure: str
    status: str  # a ResultStatus value
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
        """An assessment: recorded in the database and never redone."""
        return self.status in FINISHED_STATUSES

    @property
    def unreadable(self) -> bool:
        return self.status == UNREADABLE

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VideoResult:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["status"] = _LEGACY_STATUSES.get(str(values.get("status")), values.get("status"))
        return cls(**values)

    def csv_row(
        self,
        video: str,
        metric_columns: Sequence[str],
        error_columns: Sequence[str] = (),
        reason_columns: Sequence[str] = (),
    ) -> list[str]:
        values: list[Any] = [
            video,
            self.participant,
            self.status,
            self.error,
            self.procedure,
            self.skill_level,
            self.score,
            self.score_low,
            self.score_high,
            self.tracking_quality,
        ]
        cells = self.metric_cells()
        values += [cells.get(name) for name in metric_columns]
        errors = self.error_cells()
        values += [errors.get(name) for name in error_columns]
        reasons = self.reason_cells()
        values += [reasons.get(name) for name in reason_columns]
        return [_csv_cell(v) for v in values]

    def metric_cells(self) -> dict[str, Optional[float]]:
        """metric column -> value: a metric read by today's definition under its own name, one read by
        another (a result kept from an older run, or stored before definitions were recorded) under
        "name (definition N)", so one column never holds two definitions."""
        return {self._column(name): value for name, value in self.metrics.items()}

    def error_cells(self) -> dict[str, float]:
        """The standard error, in the metric's stored unit, of each metric that measured one, under its
        column "name (± s.e.)" (the assessment's comparison carries it; most metrics measure none)."""
        compared = (self.assessment or {}).get("metrics") or []
        errors = {m.get("name"): m.get("uncertainty") for m in compared if isinstance(m, dict)}
        return {
            error_column(self._column(name)): float(error)
            for name, error in errors.items()
            if name in self.metrics and isinstance(error, (int, float))
        }

    def reason_cells(self) -> dict[str, str]:
        """Why a metric has no value (withheld as too unsure, unreadable), under its column
        "name (why no value)"; only for metrics whose value is missing and whose reason was said."""
        compared = (self.assessment or {}).get("metrics") or []
        reasons = {m.get("name"): m.get("reason") for m in compared if isinstance(m, dict)}
        return {
            reason_column(self._column(name)): str(reason)
            for name, reason in reasons.items()
            if reason and name in self.metrics and self.metrics[name] is None
        }

    def _column(self, name: str) -> str:
        versions = ((self.assessment or {}).get("provenance") or {}).get(DEFINITIONS_KEY)
        stored = versions.get(name) if isinstance(versions, dict) else None
        today = stored is not None and stored == definition_version(name)
        return name if today else versioned_name(name, stored)


def assessment_error(assessment: Assessment) -> str:
    """What the error column says (results.csv, and `skillsight sessions export` for every stored session):
    why a result is not scored, or the warnings of a scored one (a damaged recording scored below the
    limit says so here too)."""
    if assessment.scored:
        return "; ".join(assessment.warnings)
    return "; ".join(assessment.refusal_reasons) or assessment.status


def error_column(metric_column: str) -> str:
    """The results.csv column of a metric's standard error: "needle_driver.tremor (± s.e.)"."""
    return f"{metric_column} (± s.e.)"


def reason_column(metric_column: str) -> str:
    """The column saying why a metric has no value: "needle_driver.tremor (why no value)" (results.csv and
    `skillsight sessions export` alike)."""
    return f"{metric_column} (why no value)"


def extra_columns(
    metric_columns: Sequence[str], errors: Iterable[str], reasons: Iterable[str]
) -> tuple[list[str], list[str]]:
    """The columns after every metric's own, one shape for results.csv and the sessions export: first
    "name (± s.e.)" for each metric that measured a standard error in some row, then "name (why no value)"
    for each whose value some row withheld with a reason (in metric order), so the columns before them
    keep their places. `errors` and `reasons` are the columns the rows filled."""
    filled = set(errors) | set(reasons)
    return (
        [error_column(m) for m in metric_columns if error_column(m) in filled],
        [reason_column(m) for m in metric_columns if reason_column(m) in filled],
    )


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return csv_number(value)
    return str(value)


def write_text_atomic(path: Path, text: str) -> None:
    """Write a whole file or nothing: a temporary file beside it, then a rename."""

    write_private(path, text)  # owner-only: results are personal data


def write_result(result: VideoResult) -> None:
    if result.result_path:
        text = json.dumps(plain_json_value(result.to_dict()), indent=2, allow_nan=False)
        write_text_atomic(Path(result.result_path), text)


def read_result(path: Path) -> Optional[VideoResult]:
    """A result file, or None when it is missing or unreadable (then the video is simply scored again)."""
    try:
        return VideoResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _metric_columns(results: Iterable[VideoResult], procedures: Iterable[Procedure]) -> list[str]:
    seen = {name for r in results for name in r.metric_cells()}
    ordered: list[str] = []
    for proc in procedures:
        ordered += [m for m in proc.metrics if m in seen and m not in ordered]
    return ordered + sorted(seen - set(ordered))


def write_results_csv(
    path: Path, rows: Sequence[tuple[str, VideoResult]], procedures: Iterable[Procedure]
) -> None:
    """`results.csv`, rewritten whole and atomically: one row per input in name order, one column per
    metric, then one per metric that measured its standard error ("name (± s.e.)") and one per metric
    whose value was withheld with a reason ("name (why no value)"): `extra_columns`. A reader (or a
    crash) sees the previous complete file or the new one, never half."""
    metric_columns = _metric_columns((r for _, r in rows), procedures)
    measured = {name for _, r in rows for name in r.error_cells()}
    said = {name for _, r in rows for name in r.reason_cells()}
    error_columns, reason_columns = extra_columns(metric_columns, measured, said)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*BASE_COLUMNS, *metric_columns, *error_columns, *reason_columns])
    for video, result in sorted(rows, key=lambda pair: (pair[0], pair[1].participant or "")):
        writer.writerow(result.csv_row(video, metric_columns, error_columns, reason_columns))
    write_text_atomic(path, buffer.getvalue())

"""SkillSight's own dataset format ("ours"): a folder of videos or motion files plus ``labels.csv``.

``labels.csv`` columns: ``participant, procedure, trial, file, skill_level, grs`` and optional
``osats_<item>`` columns (one per OSATS item). ``file`` is relative to the folder; a ``.motion.npz``
is loaded as it is, a video is tracked with the procedure's trackers (scoring.procedure_tracking).
Tracked motions can be cached in a folder (keyed by the video's sha256) so a second run skips tracking.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Optional

from skillsight.base.constants import VIDEO_SUFFIXES
from skillsight.base.hashing import file_sha256
from skillsight.capture.frames import CaptureError
from skillsight.datasets import Dataset, DatasetError, Sample, normalise_skill_level
from skillsight.pose.motion import Motion, is_motion_file, load_motion, save_motion
from skillsight.scoring.procedure_tracking import track_for_procedure

LABELS_FILE = "labels.csv"
REQUIRED_COLUMNS = ("participant", "trial", "file")


def load_or_track_cached(
    path: Path,
    procedure: str,
    *,
    tracker: Optional[str] = None,
    cache_dir: Optional[Path] = None,
    dominant_hand: str = "right",
) -> Motion:
    """A motion file as it is; a video tracked (through the procedure's trackers), reusing a cached motion.
    The cache key holds the dominant hand: a left-hander's video is tracked mirrored (canonical
    orientation)."""
    if is_motion_file(path):
        return load_motion(path)
    cached = None
    if cache_dir is not None:
        cached = Path(cache_dir) / f"{path.stem}-{file_sha256(path)[:16]}-{dominant_hand}.motion.npz"
        if cached.exists():
            return load_motion(cached)
    try:
        motion = track_for_procedure(path, procedure, tracker=tracker, dominant_hand=dominant_hand)
    except CaptureError as exc:  # a dataset's video that is not one: one line naming it, not a traceback
        raise DatasetError(f"{exc} (replace it, or leave it out of the dataset)") from exc
    if cached is not None:
        save_motion(motion, cached)
    return motion


def parse_float(value: Any, origin: str) -> Optional[float]:
    text = str(value if value is not None else "").strip()
    if text == "" or text.lower() in ("nan", "na", "none", "-"):
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise DatasetError(f"{origin}: {text!r} is not a number") from None


def read_labels(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = [c.strip().lower() for c in (reader.fieldnames or [])]
            rows = [
                {str(k).strip().lower(): (v or "").strip() for k, v in row.items() if k} for row in reader
            ]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"{path}: cannot read labels ({exc})") from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise DatasetError(f"{path}: missing column(s) {', '.join(missing)} (have {', '.join(columns)})")
    return rows


def _row_file(root: Path, name: str, origin: str) -> Path:
    """The row's file: it exists and is a motion file, a video or an image folder."""
    file_path = root / name
    if not file_path.exists():
        raise DatasetError(f"{origin}: file {name!r} not found in {root}")
    if not (is_motion_file(file_path) or file_path.suffix.lower() in VIDEO_SUFFIXES or file_path.is_dir()):
        raise DatasetError(f"{origin}: {name!r} is neither a motion file nor a video")
    return file_path


def _osats(row: dict[str, str], origin: str) -> dict[str, float]:
    """The row's OSATS items (``osats_<item>`` columns) that hold a number."""
    return {
        key[len("osats_") :]: value
        for key, text in row.items()
        if key.startswith("osats_") and (value := parse_float(text, f"{origin} ({key})")) is not None
    }


def load_labelled_folder(
    root: Path,
    procedure: Optional[str] = None,
    *,
    tracker: Optional[str] = None,
    cache_dir: Optional[Path] = None,
    **_: object,
) -> Dataset:
    """Every row of ``labels.csv`` (for `procedure`, when given) as a Sample."""
    root = Path(root)
    labels_path = root / LABELS_FILE
    if not labels_path.exists():
        raise DatasetError(
            f"{root}: no {LABELS_FILE} (columns: participant, procedure, trial, file, skill_level, grs)"
        )
    samples: list[Sample] = []
    notes: list[str] = []
    for line_no, row in enumerate(read_labels(labels_path), start=2):
        origin = f"{labels_path}:{line_no}"
        row_procedure = row.get("procedure", "").lower() or (procedure or "")
        if not row_procedure:
            raise DatasetError(f"{origin}: no procedure in the row and none given (--procedure)")
        if procedure and row_procedure != procedure.lower():
            notes.append(f"row {line_no}: procedure {row_procedure}, skipped")
            continue
        file_path = _row_file(root, row["file"], origin)
        samples.append(
            Sample(
                motion=load_or_track_cached(file_path, row_procedure, tracker=tracker, cache_dir=cache_dir),
                participant=row["participant"],
                trial=row["trial"],
                procedure=row_procedure,
                skill_level=normalise_skill_level(row.get("skill_level"), origin=origin),
                grs=parse_float(row.get("grs"), f"{origin} (grs)"),
                osats=_osats(row, origin),
                source=str(file_path),
                groups={"site": row["site"]} if row.get("site") else {},
            )
        )
    if not samples:
        raise DatasetError(
            f"{labels_path}: no samples" + (f" for procedure {procedure}" if procedure else "")
        )
    return Dataset(
        samples,
        format="ours",
        path=str(root),
        procedure=procedure or samples[0].procedure,
        description=f"SkillSight labelled folder ({LABELS_FILE}): tracked videos or motion files",
        notes=notes,
    )

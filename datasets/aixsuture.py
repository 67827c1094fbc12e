"""AIxSuture (open suturing, bird's-eye videos of gloved hands, with OSATS ratings).

The Zenodo release (record 7940583, Hoffmann et al. 2024) holds 314 five-minute videos of 157 students
suturing before and after a training course, rated by three raters on 8 OSATS items with a global
rating score (GRS, the sum of the items, 8-40). We read the layout as: a folder (searched
recursively) with the videos, named by a video id, and one ratings table (``OSATS.csv``, or
``OSATS.xlsx`` when pandas and openpyxl are installed) with one row per video and rater. Column names
are matched loosely (case and spacing ignored): video id (``VIDEO``/``video_id``/``file``), student
(``STUDENT``/``participant``), time point (``TIME``, e.g. PRE/POST), rater (``INVESTIGATOR``/``rater``),
GRS (``GLOBAL_RATING_SCORE``/``GLOBA_RATING_SCORE``/``GRS``) and the remaining numeric columns as OSATS
items. Ratings are averaged over raters. AIxSuture has no self-reported level; the level comes from
the GRS with the thresholds the dataset's paper uses (novice 8-15, intermediate 16-23, expert
("proficient") 24-40), adjustable with `level_thresholds`. Videos are tracked with the "auto" tracker
(gloves where gloves are seen) through scoring.procedure_tracking.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from skillsight.datasets import Dataset, DatasetError, Sample
from skillsight.datasets.labelled_folder import VIDEO_SUFFIXES, load_or_track_cached, parse_float

RATINGS_NAMES = ("OSATS.csv", "osats.csv", "OSATS.xlsx", "osats.xlsx")
DEFAULT_LEVEL_THRESHOLDS = (16.0, 24.0)  # GRS below 16 novice, below 24 intermediate, else expert
GRS_SCALE = {"name": "GRS (OSATS, 8 items of 1-5)", "min": 8.0, "max": 40.0}

_VIDEO_COLUMNS = ("video", "videoid", "video_id", "file", "filename", "video_name")
_STUDENT_COLUMNS = ("student", "participant", "studentid", "student_id", "subject")
_TIME_COLUMNS = ("time", "timepoint", "session", "trial")
_RATER_COLUMNS = ("investigator", "rater", "raterid", "rater_id")
_GRS_COLUMNS = ("global_rating_score", "globa_rating_score", "grs", "global_rating", "osats_sum")
_NOT_ITEMS = ("group", "sutures", "suture_count", "number_of_sutures", "age", "sex", "gender")


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def _find_column(columns: Sequence[str], candidates: Sequence[str]) -> Optional[str]:
    wanted = {_key(c) for c in candidates} | {_key(c).replace("_", "") for c in candidates}
    return next((c for c in columns if c in wanted or c.replace("_", "") in wanted), None)


def _ratings_file(root: Path) -> Path:
    for name in RATINGS_NAMES:
        found = sorted(root.rglob(name))
        if found:
            return found[0]
    raise DatasetError(f"{root}: no ratings table ({' or '.join(RATINGS_NAMES[::2])}) found")


def read_ratings(path: Path) -> list[dict[str, str]]:
    """Rows of the ratings table with normalised column names."""
    if path.suffix.lower() == ".xlsx":
        try:
            import pandas as pd

            frame = pd.read_excel(path, dtype=str)
        except ImportError as exc:
            raise DatasetError(
                f"{path}: reading .xlsx needs pandas and openpyxl; save it as OSATS.csv"
            ) from exc
        except Exception as exc:  # pandas raises many kinds for a damaged workbook
            raise DatasetError(f"{path}: cannot read the workbook ({exc})") from exc
        records = frame.fillna("").to_dict(orient="records")
        return [{_key(k): str(v).strip() for k, v in r.items()} for r in records]
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            sample = handle.read(4096)
            handle.seek(0)
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
            return [
                {_key(k): (v or "").strip() for k, v in row.items() if k}
                for row in csv.DictReader(handle, dialect=dialect)
            ]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"{path}: cannot read ratings ({exc})") from exc


def level_from_grs(grs: float, thresholds: tuple[float, float] = DEFAULT_LEVEL_THRESHOLDS) -> str:
    low, high = thresholds
    return "novice" if grs < low else "intermediate" if grs < high else "expert"


def _aggregate(rows: list[dict[str, str]], path: Path) -> dict[str, dict[str, object]]:
    """video id -> participant, time point, mean GRS and mean items over raters."""
    if not rows:
        raise DatasetError(f"{path}: the ratings table is empty")
    columns = list(rows[0])
    video_col = _find_column(columns, _VIDEO_COLUMNS)
    if video_col is None:
        raise DatasetError(
            f"{path}: no video id column (one of {', '.join(_VIDEO_COLUMNS)}); columns: {columns}"
        )
    student_col = _find_column(columns, _STUDENT_COLUMNS)
    time_col = _find_column(columns, _TIME_COLUMNS)
    rater_col = _find_column(columns, _RATER_COLUMNS)
    grs_col = _find_column(columns, _GRS_COLUMNS)
    skip = {video_col, student_col, time_col, rater_col, grs_col, *(_key(c) for c in _NOT_ITEMS)}
    item_cols = [c for c in columns if c not in skip and all(_is_number(r.get(c, "")) for r in rows[:20])]
    videos: dict[str, dict[str, object]] = {}
    for line_no, row in enumerate(rows, start=2):
        vid = row[video_col]
        if not vid:
            continue
        entry = videos.setdefault(
            vid,
            {
                "participant": row.get(student_col or "", "") or vid,
                "time": row.get(time_col or "", ""),
                "ratings": [],
            },
        )
        items = {c: parse_float(row.get(c), f"{path}:{line_no} ({c})") for c in item_cols}
        grs = parse_float(row.get(grs_col), f"{path}:{line_no} ({grs_col})") if grs_col else None
        if grs is None and items and all(v is not None for v in items.values()):
            grs = float(sum(v for v in items.values() if v is not None))
        entry["ratings"].append((grs, items))  # type: ignore[attr-defined]
    for entry in videos.values():
        ratings = entry.pop("ratings")
        grs_values = [g for g, _ in ratings if g is not None]  # type: ignore[attr-defined]
        entry["grs"] = sum(grs_values) / len(grs_values) if grs_values else None
        means: dict[str, float] = {}
        for c in item_cols:
            vals = [items[c] for _, items in ratings if items.get(c) is not None]  # type: ignore[attr-defined]
            if vals:
                means[c] = sum(vals) / len(vals)
        entry["osats"] = means
        entry["n_raters"] = len(ratings)  # type: ignore[arg-type]
    return videos


def _is_number(text: str) -> bool:
    try:
        float(str(text).replace(",", "."))
        return True
    except ValueError:
        return str(text).strip() == ""


def _video_index(root: Path) -> dict[str, Path]:
    return {p.stem.lower(): p for p in sorted(root.rglob("*")) if p.suffix.lower() in VIDEO_SUFFIXES}


def load_aixsuture(
    root: Path,
    procedure: Optional[str] = None,
    *,
    tracker: Optional[str] = "auto",
    cache_dir: Optional[Path] = None,
    level_thresholds: tuple[float, float] = DEFAULT_LEVEL_THRESHOLDS,
    **_: object,
) -> Dataset:
    """Rated AIxSuture videos as Samples (tracking each video, or reusing `cache_dir`)."""
    root = Path(root)
    ratings_path = _ratings_file(root)
    videos = _aggregate(read_ratings(ratings_path), ratings_path)
    index = _video_index(root)
    procedure = procedure or "suturing"
    samples: list[Sample] = []
    notes: list[str] = []
    for vid, entry in sorted(videos.items()):
        path = index.get(vid.lower()) or index.get(Path(vid).stem.lower())
        if path is None:
            notes.append(f"{vid}: rated but no video found, skipped")
            continue
        grs = entry["grs"]
        samples.append(
            Sample(
                motion=load_or_track_cached(path, procedure, tracker=tracker, cache_dir=cache_dir),
                participant=str(entry["participant"]),
                trial=f"{entry['participant']}-{entry['time']}" if entry["time"] else vid,
                procedure=procedure,
                skill_level=level_from_grs(float(grs), level_thresholds) if grs is not None else None,  # type: ignore[arg-type]
                grs=float(grs) if grs is not None else None,  # type: ignore[arg-type]
                osats=dict(entry["osats"]),  # type: ignore[call-overload]
                source=str(path),
                groups={"time": str(entry["time"])},
            )
        )
    if not samples:
        raise DatasetError(f"{root}: none of the {len(videos)} rated videos in {ratings_path.name} was found")
    return Dataset(
        samples,
        format="aixsuture",
        path=str(root),
        procedure=procedure,
        description="AIxSuture open suturing videos (gloved, bird's-eye), OSATS rated by 3 raters; "
        f"level from GRS thresholds {level_thresholds}",
        score_scale=dict(GRS_SCALE),
        notes=notes,
    )

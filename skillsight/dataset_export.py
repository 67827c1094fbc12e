"""`skillsight dataset export`: a motion-only dataset package of consented, rated sessions.

Sources: this lab's database (ratings and consent recorded with `skillsight rate|consent`), a folder
in the `ours` format (``labels.csv`` with a ``consent`` column), or a batch output folder with a
ratings table (``video, consent, skill_level, grs, osats_<item>``). The package is an `ours` folder
inside a `.skillsight` archive: ``labels.csv`` (pseudonym, procedure, trial number, file, level, GRS,
OSATS items, site), one ``sNNNN.motion.npz`` per session (skillsight.motion_sharing: no face, no file
names, time from zero) and ``datasheet.json``. No video, image or original name goes in.
"""

from __future__ import annotations

import csv
import io
import json
import math
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

import numpy as np

from skillsight import __version__
from skillsight.batch.results import RESULT_SUFFIX, read_result
from skillsight.datasets import DatasetError, normalise_skill_level
from skillsight.datasets.labelled_folder import LABELS_FILE, load_or_track_cached, parse_float, read_labels
from skillsight.lab_records import all_ratings, consents, pooled_rating
from skillsight.motion_sharing import pseudonym, shareable_motion
from skillsight.packages import write_package
from skillsight.pose.motion import Motion, load_motion, save_motion
from skillsight.storage import Database

DATASHEET = "datasheet.json"
YES = ("yes", "y", "true", "1")
REMOVED = (
    "video and images (never stored in a package)",
    "face keypoints of the body pose (nose, eyes, ears, mouth)",
    "source file names and paths, source sha256, video container details",
    "absolute times: recording and session dates; motion time starts at zero",
    "participant names (pseudonyms keyed by this site's secret salt)",
    "sessions without the trainee's consent or without an educator's rating",
)


NOT_TRACKED = "no tracked motion (refused before tracking)"


@dataclass
class SharedSession:
    """One session on its way out: the real participant id is replaced before anything is written."""

    motion: Motion
    participant: str
    procedure: str
    skill_level: Optional[str]
    grs: Optional[float]
    items: dict[str, float] = field(default_factory=dict)


@dataclass
class Selection:
    sessions: list[SharedSession] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)


def from_database(db: Database, procedure: Optional[str] = None) -> Selection:
    """Scored sessions whose trainee consents to share and that an educator rated."""
    chosen, agreed, ratings = Selection(), consents(db), all_ratings(db)
    for record in db.list_sessions(procedure=procedure):
        rating = pooled_rating(ratings.get(record.id, []))
        if not agreed.get(record.trainee):
            chosen.skipped["no consent to share"] += 1
        elif rating is None:
            chosen.skipped["no educator's rating"] += 1
        elif not record.motion_path or not Path(record.motion_path).is_file():
            chosen.skipped["no stored motion"] += 1
        elif (motion := load_motion(record.motion_path)).n_frames == 0:
            chosen.skipped[NOT_TRACKED] += 1  # refused before tracking: nothing to learn from
        else:
            chosen.sessions.append(
                SharedSession(
                    motion, record.trainee, record.procedure, rating.skill_level, rating.grs, rating.items,
                )
            )  # fmt: skip
    return chosen


def _row_session(row: dict[str, str], origin: str, motion: Any, procedure: str, who: str) -> SharedSession:
    items = {
        key[len("osats_") :]: value
        for key, text in row.items()
        if key.startswith("osats_") and (value := parse_float(text, f"{origin} ({key})")) is not None
    }
    return SharedSession(
        motion, who, procedure, normalise_skill_level(row.get("skill_level"), origin),
        parse_float(row.get("grs"), f"{origin} (grs)"), items,
    )  # fmt: skip


def _consented_and_rated(row: dict[str, str], chosen: Selection) -> bool:
    if (row.get("consent") or "").strip().lower() not in YES:
        chosen.skipped["no consent to share"] += 1
        return False
    if not (row.get("skill_level") or row.get("grs")):
        chosen.skipped["no educator's rating"] += 1
        return False
    return True


def from_folder(root: Path, procedure: Optional[str] = None, cache_dir: Optional[Path] = None) -> Selection:
    """Rows of an `ours` folder's labels.csv with consent = yes and a level or GRS; videos are tracked."""
    labels = Path(root) / LABELS_FILE
    rows = read_labels(labels)
    if rows and "consent" not in rows[0]:
        raise DatasetError(f"{labels}: no consent column; add one (yes/no per row) before sharing")
    chosen = Selection()
    for line, row in enumerate(rows, start=2):
        row_procedure = (row.get("procedure") or procedure or "").lower()
        if procedure and row_procedure != procedure.lower():
            continue
        if not row_procedure:
            raise DatasetError(f"{labels}:{line}: no procedure in the row and none given (--procedure)")
        if not _consented_and_rated(row, chosen):
            continue
        motion = load_or_track_cached(Path(root) / row["file"], row_procedure, cache_dir=cache_dir)
        session = _row_session(row, f"{labels}:{line}", motion, row_procedure, row["participant"])
        chosen.sessions.append(session)
    return chosen


def from_batch(out_dir: Path, ratings_csv: Path) -> Selection:
    """A batch output's motion files, joined by video name to a ratings table with consent."""
    by_video = {row["video"]: row for row in _read_table(ratings_csv, ("video", "consent"))}
    chosen = Selection()
    for path in sorted(Path(out_dir).glob(f"*{RESULT_SUFFIX}")):
        result = read_result(path)
        if result is None or not result.motion_path or not Path(result.motion_path).is_file():
            chosen.skipped["no stored motion"] += 1
            continue
        row = by_video.get(result.video)
        if row is None:
            chosen.skipped["not in the ratings table"] += 1
        elif _consented_and_rated(row, chosen):
            who = row.get("participant") or result.participant or result.video
            motion = load_motion(result.motion_path)
            if motion.n_frames == 0:
                chosen.skipped[NOT_TRACKED] += 1
                continue
            chosen.sessions.append(_row_session(row, f"{ratings_csv}", motion, result.procedure, who))
    return chosen


def _read_table(path: Path, required: Sequence[str]) -> list[dict[str, str]]:
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = [{str(k).strip().lower(): (v or "").strip() for k, v in r.items() if k} for r in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"{path}: cannot read ({exc})") from None
    missing = [c for c in required if rows and c not in rows[0]]
    if missing or not rows:
        raise DatasetError(f"{path}: needs columns {', '.join(required)} and at least one row")
    return rows


def _distribution(values: Iterable[float]) -> dict[str, Optional[float]]:
    finite = np.array([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    keys = ("min", "p25", "median", "p75", "max")
    if finite.size == 0:
        return dict.fromkeys(keys)
    return {k: round(float(v), 3) for k, v in zip(keys, np.percentile(finite, [0, 25, 50, 75, 100]))}


def tracking_quality(motion: Motion) -> float:
    """The smallest tracked share among the hands (else among all individuals)."""
    shares = motion.metadata.get("tracked_share") or {}
    hands = [v for k, v in shares.items() if k.endswith("_hand")]
    return float(min(hands or list(shares.values()) or [math.nan]))


def datasheet(shared: list[SharedSession], site: str, skipped: Counter) -> dict[str, Any]:
    """Counts per level, procedure and site; tracker versions; duration and tracking quality."""
    trackers = Counter(
        " ".join(str(t[k]) for k in ("name", "version", "mediapipe_version", "model") if t.get(k))
        or "unknown"
        for s in shared
        for t in s.motion.metadata.get("trackers") or [{}]
    )
    return {
        "site": site,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "skillsight_version": __version__,
        "n_sessions": len(shared),
        "n_participants": len({s.participant for s in shared}),
        "per_level": dict(Counter(s.skill_level or "unrated level" for s in shared)),
        "per_procedure": dict(Counter(s.procedure for s in shared)),
        "per_site": {site: len(shared)},
        "with_grs": sum(1 for s in shared if s.grs is not None),
        "motion_kinds": dict(Counter(s.motion.kind for s in shared)),
        "units": dict(Counter(s.motion.units for s in shared)),
        "tracker_versions": dict(trackers),
        "duration_s": _distribution(s.motion.duration_s for s in shared),
        "tracking_quality": _distribution(tracking_quality(s.motion) for s in shared),
        "left_out": dict(skipped),
        "removed": list(REMOVED),
    }


def _labels_csv(rows: list[dict[str, Any]], items: list[str]) -> str:
    buffer = io.StringIO()
    columns = ["participant", "procedure", "trial", "file", "skill_level", "grs", "site"]
    writer = csv.DictWriter(buffer, [*columns, *(f"osats_{i}" for i in items)], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_dataset_package(
    selection: Selection,
    out: Path,
    *,
    site: str,
    salt: bytes,
    name: str,
    licence: str,
    consent: str,
    private_key: Any = None,
) -> dict[str, Any]:
    """Pseudonymise, strip and write the sessions as a dataset package; returns the package card."""
    if not selection.sessions:
        left = ", ".join(f"{n} {why}" for why, n in selection.skipped.items()) or "none found"
        raise DatasetError(f"nothing to export: no consented and rated session ({left})")
    shared = [
        SharedSession(shareable_motion(s.motion), pseudonym(salt, site, s.participant), s.procedure,
                      s.skill_level, s.grs, s.items)
        for s in selection.sessions
    ]  # fmt: skip
    shared.sort(key=lambda s: s.participant)  # the order of files tells nothing about who came when
    items = sorted({i for s in shared for i in s.items})
    trials: Counter = Counter()
    rows = []
    with tempfile.TemporaryDirectory(prefix="skillsight-dataset-") as staging:
        for index, session in enumerate(shared, start=1):
            trials[session.participant] += 1
            file_name = f"s{index:04d}.motion.npz"
            save_motion(session.motion, Path(staging) / file_name)
            rows.append({
                "participant": session.participant, "procedure": session.procedure,
                "trial": trials[session.participant], "file": file_name,
                "skill_level": session.skill_level or "", "grs": "" if session.grs is None else session.grs,
                "site": site, **{f"osats_{k}": v for k, v in session.items.items()},
            })  # fmt: skip
        sheet = datasheet(shared, site, selection.skipped)
        (Path(staging) / LABELS_FILE).write_text(_labels_csv(rows, items), encoding="utf-8")
        (Path(staging) / DATASHEET).write_text(_json(sheet), encoding="utf-8")
        card = {
            "kind": "dataset", "name": name, "version": "1",
            "procedure": ",".join(sorted(sheet["per_procedure"])),
            "input_schema": {"format": "ours", "motion_kinds": sorted(sheet["motion_kinds"]),
                             "units": sorted(sheet["units"]), "osats_items": items},
            "built_from": {"n_trainees": sheet["n_participants"], "n_sessions": sheet["n_sessions"],
                           "sites": [site], "description": f"motion-only practice from site {site}"},
            "licence": licence, "consent": consent, "created": sheet["created"],
            "exported_by": {"site": site, "skillsight_version": __version__},
        }  # fmt: skip
        files = [LABELS_FILE, DATASHEET, *(r["file"] for r in rows)]
        return write_package(out, card, staging, files, private_key)


def _json(data: Any) -> str:
    return json.dumps(data, indent=1, allow_nan=False) + "\n"

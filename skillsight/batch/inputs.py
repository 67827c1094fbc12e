"""Batch inputs: the videos and motion files of a folder (searched recursively) or a manifest CSV."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from skillsight.base.constants import VIDEO_SUFFIXES

PathLike = Union[str, "os.PathLike[str]"]

MOTION_SUFFIX = ".motion.npz"


class BatchInputError(ValueError):
    """The batch input (folder or manifest) cannot be used; the message names the file and the problem."""


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

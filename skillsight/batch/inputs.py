"""Batch inputs: the videos and motion files of a folder (searched recursively) or a manifest CSV."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
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


DOMINANT_HANDS = ("left", "right")


@dataclass(frozen=True)
class DominantHands:
    """Each participant's dominant hand where a row does not give one: `by_participant` (from a
    participants CSV, or the participant's other manifest rows), else `default` (--dominant-hand)."""

    default: str = "right"
    by_participant: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for who, hand in {"--dominant-hand": self.default, **self.by_participant}.items():
            if hand not in DOMINANT_HANDS:
                raise BatchInputError(f"{who}: the dominant hand must be left or right, not {hand!r}")

    def of(self, participant: Optional[str]) -> str:
        return self.by_participant.get(participant or "", self.default)

    @classmethod
    def read(cls, csv_path: PathLike, default: str = "right") -> DominantHands:
        """A participants CSV with columns participant,dominant_hand."""
        path = Path(csv_path)
        rows = _csv_rows(path, required="participant")
        hands = {}
        for line, cells in rows:
            hand = cells.get("dominant_hand", "").lower()
            if not cells.get("participant"):
                continue
            if hand not in DOMINANT_HANDS:
                raise BatchInputError(
                    f"{path}, line {line}: dominant_hand must be left or right, not {hand!r}"
                )
            hands[cells["participant"]] = hand
        return cls(default=default, by_participant=hands)


def _csv_rows(path: Path, required: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, cells by lower-case column) of a CSV that must have the `required` column."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchInputError(f"{path}: cannot read it ({exc})") from exc
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip().lower() for c in (reader.fieldnames or [])]
    if required not in columns:
        raise BatchInputError(f"{path}: needs a '{required}' column (found: {', '.join(columns) or 'none'})")
    return [
        (line, {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()})
        for line, row in enumerate(reader, start=2)
    ]


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
    source: PathLike,
    procedure: Optional[str],
    out_dir: Optional[PathLike] = None,
    hands: Optional[DominantHands] = None,
) -> list[BatchInput]:
    """The inputs of a folder (searched recursively; hidden folders and `out_dir` left out) or a manifest;
    `hands` gives the dominant hand where a row gives none (default: right)."""
    hands = hands or DominantHands()
    root = Path(source).expanduser()
    if not root.exists():
        raise BatchInputError(f"{root}: input not found (give a folder of videos or a manifest CSV)")
    if root.is_file():
        if root.suffix.lower() != ".csv":
            raise BatchInputError(f"{root}: not a folder or a manifest CSV (video,participant,procedure)")
        return read_manifest(root, procedure, hands)
    if not procedure:
        raise BatchInputError(f"{root}: a folder needs --procedure")
    root = root.resolve()
    found = []
    for path in _folder_files(root, out_dir):
        if _is_batch_source(path):
            video = path.relative_to(root).as_posix()
            found.append(BatchInput(video, str(path), procedure, dominant_hand=hands.default))
    return sorted(found, key=lambda item: item.video)


def passed_over(folder: PathLike, out_dir: Optional[PathLike] = None) -> list[str]:
    """The files of an input folder that a batch leaves alone (neither a video nor a motion file), so
    that the batch can say so: a camera's format missing from VIDEO_SUFFIXES is not dropped unseen."""
    root = Path(folder).expanduser().resolve()
    if not root.is_dir():
        return []
    skip = Path(out_dir).expanduser().resolve() if out_dir is not None else None
    return sorted(
        path.relative_to(root).as_posix()
        for path in _folder_files(root, out_dir)
        if not _is_batch_source(path) and path.parent != skip  # our results.csv is no input either
    )


def _folder_files(root: Path, out_dir: Optional[PathLike]) -> Iterator[Path]:
    """A folder's files in name order, recursively; hidden ones and `out_dir`'s outputs left out."""
    skip = Path(out_dir).expanduser().resolve() if out_dir is not None else None
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        # Our own outputs (motion files) must never become inputs of the next run.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and (here / d).resolve() != skip)
        for name in sorted(filenames):
            if not name.startswith(".") and not (here == skip and _is_batch_output(name)):
                yield here / name


def read_manifest(
    csv_path: PathLike, procedure: Optional[str], hands: Optional[DominantHands] = None
) -> list[BatchInput]:
    """Rows of a manifest CSV: `video` (relative paths resolve against the CSV's folder), and optionally
    `participant`, `procedure` (a row's own procedure wins over `procedure`) and `dominant_hand`. A row
    without a dominant hand takes its participant's (from `hands`, else from the participant's other
    rows), else `hands.default`."""
    path = Path(csv_path)
    rows = [(line, cells) for line, cells in _csv_rows(path, required="video") if cells.get("video")]
    hands = _with_manifest_hands(path, rows, hands or DominantHands())
    inputs = []
    for line, cells in rows:
        video = cells["video"]
        row_procedure = cells.get("procedure") or procedure
        if not row_procedure:
            raise BatchInputError(
                f"{path}, line {line}: no procedure for {video} (add the column or --procedure)"
            )
        participant = cells.get("participant") or None
        hand = (cells.get("dominant_hand") or hands.of(participant)).lower()
        if hand not in DOMINANT_HANDS:
            raise BatchInputError(f"{path}, line {line}: dominant_hand must be left or right, not {hand!r}")
        resolved = Path(video).expanduser()
        if not resolved.is_absolute():
            resolved = path.parent / resolved
        inputs.append(BatchInput(video, str(resolved.resolve()), row_procedure, participant, hand))
    return sorted(inputs, key=lambda item: item.video)


def _with_manifest_hands(
    path: Path, rows: list[tuple[int, dict[str, str]]], hands: DominantHands
) -> DominantHands:
    """`hands` plus each participant's hand as their manifest rows give it (a participants file wins);
    a participant given both hands in the manifest has no default there: each row must say."""
    seen: dict[str, set[str]] = {}
    for _, cells in rows:
        hand = cells.get("dominant_hand", "").lower()
        if cells.get("participant") and hand in DOMINANT_HANDS:
            seen.setdefault(cells["participant"], set()).add(hand)
    for line, cells in rows:
        who = cells.get("participant", "")
        if not cells.get("dominant_hand") and len(seen.get(who, ())) > 1 and who not in hands.by_participant:
            raise BatchInputError(
                f"{path}, line {line}: {who}'s other rows give both hands; say which for {cells['video']}"
            )
    from_rows = {who: next(iter(found)) for who, found in seen.items() if len(found) == 1}
    return DominantHands(hands.default, {**from_rows, **hands.by_participant})

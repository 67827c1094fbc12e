"""Labelled datasets of practice motion, one loader per format, all returning the same `Sample`s.

A dataset format is a loader registered by name; `load_dataset("jigsaws", "JIGSAWS/Suturing")` gives a
`Dataset` (a list of `Sample`) whose motions are ordinary `Motion` containers, so the same features,
references and scorer run on lab kinematics, motion capture and tracked video alike.
Formats and how to obtain each dataset: datasets/README.md.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Union

from skillsight.pose.motion import Motion

PathLike = Union[str, "os.PathLike[str]"]

SKILL_LEVEL_NAMES = ("novice", "intermediate", "expert")

# format name -> "module:function"; imported only when used, so the registry stays light.
DATASET_LOADERS: dict[str, str] = {
    "ours": "skillsight.datasets.shared_packages:load_ours",  # a folder or a dataset package
    "jigsaws": "skillsight.datasets.jigsaws:load_jigsaws",
    "aixsuture": "skillsight.datasets.aixsuture:load_aixsuture",
    "bvh": "skillsight.datasets.bvh:load_bvh_dataset",
}


class DatasetError(ValueError):
    """A dataset folder or its labels are missing or malformed (the message names the file)."""


@dataclass
class Sample:
    """One practice trial with its labels."""

    motion: Motion
    participant: str
    trial: str
    procedure: str
    skill_level: Optional[str] = None  # novice | intermediate | expert
    grs: Optional[float] = None  # global rating score (e.g. OSATS sum)
    osats: dict[str, float] = field(default_factory=dict)
    source: str = ""  # the file it came from
    # Grouping keys beyond participant, e.g. {"supertrial": "3"} for JIGSAWS' leave-one-supertrial-out.
    groups: dict[str, str] = field(default_factory=dict)


class Dataset(list[Sample]):
    """A list of samples plus where they came from (recorded in model cards)."""

    def __init__(
        self,
        samples: Any = (),
        *,
        format: str = "",
        path: str = "",
        procedure: str = "",
        description: str = "",
        score_scale: Optional[dict[str, Any]] = None,
        notes: Optional[list[str]] = None,
    ) -> None:
        super().__init__(samples)
        self.format = format
        self.path = path
        self.procedure = procedure
        self.description = description
        self.score_scale: dict[str, Any] = dict(score_scale or {})
        self.notes: list[str] = list(notes or [])

    def summary(self) -> dict[str, Any]:
        """JSON-friendly description for model cards and reports (no personal data beyond ids)."""
        levels: dict[str, int] = {}
        for s in self:
            if s.skill_level:
                levels[s.skill_level] = levels.get(s.skill_level, 0) + 1
        kinds = sorted({s.motion.kind for s in self})
        return {
            "format": self.format,
            "path": self.path,
            "procedure": self.procedure,
            "description": self.description,
            "n_samples": len(self),
            "n_participants": len({s.participant for s in self}),
            "skill_levels": levels,
            "n_with_grs": sum(1 for s in self if s.grs is not None),
            "motion_kinds": kinds,
            "score_scale": self.score_scale,
            "notes": self.notes,
        }


def normalise_skill_level(value: Any, origin: str = "") -> Optional[str]:
    """'N'/'novice'/'Novice' -> 'novice' etc.; empty -> None; anything else is an error naming `origin`."""
    text = str(value).strip().lower() if value is not None else ""
    if text in ("", "nan", "none", "na", "-"):
        return None
    aliases = {
        "n": "novice",
        "i": "intermediate",
        "e": "expert",
        "beginner": "novice",
        "proficient": "expert",
    }
    level = aliases.get(text, text)
    if level not in SKILL_LEVEL_NAMES:
        where = f"{origin}: " if origin else ""
        raise DatasetError(f"{where}unknown skill level {value!r}; use one of {', '.join(SKILL_LEVEL_NAMES)}")
    return level


def available_formats() -> tuple:
    return tuple(DATASET_LOADERS)


def _loader(format: str) -> Callable[..., Dataset]:
    try:
        target = DATASET_LOADERS[format]
    except KeyError:
        raise DatasetError(
            f"unknown dataset format {format!r}; choose from {', '.join(DATASET_LOADERS)}"
        ) from None
    module_name, function_name = target.split(":")
    return getattr(importlib.import_module(module_name), function_name)  # type: ignore[no-any-return]


def load_dataset(format: str, path: PathLike, procedure: Optional[str] = None, **options: Any) -> Dataset:
    """Load a labelled dataset of the given format from `path`.

    `procedure` is required where the format cannot tell (ours without a procedure column, bvh,
    aixsuture defaults to suturing); for jigsaws it is the task folder's name when omitted."""
    root = Path(path)
    if not root.exists():
        raise DatasetError(f"{root}: dataset path not found")
    return _loader(format)(root, procedure=procedure, **options)

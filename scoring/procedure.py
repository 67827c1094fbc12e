"""Procedures are data: which trackers, hand roles, metrics, thresholds and feedback texts.

A lab adds a procedure by dropping a JSON file beside the shipped ones (or passing its path);
nothing in the pipeline changes. The JSON keys mirror `Procedure`'s fields.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROCEDURES_DIR = Path(__file__).with_name("procedures")
# Labs can keep their own procedure files here without touching the installation.
USER_PROCEDURES_ENV = "SKILLSIGHT_PROCEDURES"


class ProcedureError(ValueError):
    """A procedure file is missing or malformed."""


@dataclass(frozen=True)
class FeedbackText:
    """Plain-language feedback for one metric when it is worse than the experts'."""

    message: str
    tip: str


@dataclass(frozen=True)
class Procedure:
    name: str
    title: str
    description: str
    tracker: str  # a registered tracker, "auto", or "hands+pose"
    camera_view: str  # front | top | side
    # role -> "dominant" | "non_dominant" | "left" | "right"; resolved with the trainee's dominant hand.
    hand_roles: Mapping[str, str]
    # Roles whose hands must be tracked for a score (e.g. both for suturing).
    required_roles: tuple[str, ...]
    metrics: tuple[str, ...]  # feature names that the scorer, reference and feedback use
    # The 8-10 metrics a trainee sees first (charts, report); the others go in the full table.
    lead_metrics: tuple[str, ...] = ()
    min_duration_s: float = 10.0
    min_tracked_share: float = 0.6  # share of frames each required hand must be tracked in
    feedback: Mapping[str, FeedbackText] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)  # procedure-specific thresholds
    # Keyword options for the trackers that take them, e.g. {"max_hands": 1} (see pose.track).
    tracker_options: Mapping[str, Any] = field(default_factory=dict)

    def hand_for_role(self, role: str, dominant_hand: str = "right") -> str:
        """The anatomical individual ("left_hand"/"right_hand") that plays `role`."""
        if dominant_hand not in ("left", "right"):
            raise ValueError(f"dominant_hand must be 'left' or 'right', not {dominant_hand!r}")
        side = self.hand_roles[role]
        other = "left" if dominant_hand == "right" else "right"
        side = {"dominant": dominant_hand, "non_dominant": other}.get(side, side)
        if side not in ("left", "right"):
            raise ProcedureError(f"procedure {self.name}: role {role!r} maps to {side!r}")
        return f"{side}_hand"

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], origin: str = "") -> Procedure:
        try:
            return cls(
                name=str(d["name"]),
                title=str(d.get("title", d["name"])),
                description=str(d.get("description", "")),
                tracker=str(d.get("tracker", "auto")),
                camera_view=str(d.get("camera_view", "top")),
                hand_roles=dict(d["hand_roles"]),
                required_roles=tuple(d.get("required_roles", ())),
                metrics=tuple(d["metrics"]),
                lead_metrics=tuple(d.get("lead_metrics", ())),
                min_duration_s=float(d.get("min_duration_s", 10.0)),
                min_tracked_share=float(d.get("min_tracked_share", 0.6)),
                feedback={k: FeedbackText(**v) for k, v in dict(d.get("feedback", {})).items()},
                extra=dict(d.get("extra", {})),
                tracker_options=dict(d.get("tracker_options", {})),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ProcedureError(f"{origin or 'procedure'}: malformed procedure definition ({exc})") from exc


def _search_dirs() -> tuple[Path, ...]:
    dirs = [PROCEDURES_DIR]
    user = os.environ.get(USER_PROCEDURES_ENV)
    if user:
        dirs.insert(0, Path(user))
    return tuple(dirs)


def available_procedures() -> tuple[str, ...]:
    names = {p.stem for d in _search_dirs() if d.is_dir() for p in d.glob("*.json")}
    return tuple(sorted(names))


def load_procedure(name_or_path: str | os.PathLike[str] | Procedure) -> Procedure:
    """A procedure by name (shipped or in $SKILLSIGHT_PROCEDURES) or from a JSON file's path."""
    if isinstance(name_or_path, Procedure):
        return name_or_path
    candidate = Path(name_or_path)
    if candidate.suffix != ".json":
        found = [d / f"{name_or_path}.json" for d in _search_dirs() if (d / f"{name_or_path}.json").exists()]
        if not found:
            raise ProcedureError(
                f"unknown procedure {str(name_or_path)!r}; choose from {', '.join(available_procedures())}"
            )
        candidate = found[0]
    if not candidate.exists():
        raise ProcedureError(f"{candidate}: procedure file not found")
    try:
        data: dict[str, Any] = json.loads(candidate.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ProcedureError(f"{candidate}: not valid JSON ({exc})") from exc
    return Procedure.from_dict(data, origin=str(candidate))

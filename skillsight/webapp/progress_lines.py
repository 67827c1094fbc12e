"""Which sessions of a learning curve one line may join: never two definitions of one metric.

A metric's line runs only through consecutive sessions read by the same definition version (storage's
`metric_history(...)["definitions"]`); where the version changes the line breaks and the break is marked.
A session whose definition was not recorded (stored before definitions were versioned) is a point of
its own, joined to nothing: two such sessions may hold two definitions. The score is treated the same way
by the scorer that gave it (`model_id`). Pure functions, no plotting.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from skillsight.scoring.features.definitions import definition

Key = Optional[Any]  # a definition version or a scorer id; None: not recorded


@dataclass(frozen=True)
class Run:
    """Sessions (0-based positions in the history) that one line may join, and what read them."""

    positions: tuple[int, ...]
    key: Key

    @property
    def recorded(self) -> bool:
        return self.key is not None


@dataclass(frozen=True)
class Break:
    """A change of definition between two sessions: drawn between `after` and `after + 1`."""

    after: int
    text: str


def _finite(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def metric_key(entry: Mapping[str, Any], name: str) -> Key:
    return (entry.get("definitions") or {}).get(name)


def score_key(entry: Mapping[str, Any], _name: str = "score") -> Key:
    return entry.get("model_id")


def _valued(history: Sequence[Mapping[str, Any]], name: str) -> list[int]:
    if name == "score":
        return [i for i, h in enumerate(history) if _finite(h.get("score"))]
    return [i for i, h in enumerate(history) if _finite((h.get("metrics") or {}).get(name))]


def runs(history: Sequence[Mapping[str, Any]], name: str) -> list[Run]:
    """The lines of one metric ("score" for the score): consecutive valued sessions of one recorded key."""
    key_of = score_key if name == "score" else metric_key
    out: list[Run] = []
    for position in _valued(history, name):
        key = key_of(history[position], name)
        if out and key is not None and out[-1].key == key:
            out[-1] = Run((*out[-1].positions, position), key)
        else:
            out.append(Run((position,), key))
    return out


def _said(name: str, key: Key) -> str:
    if key is None:
        return "not recorded"
    if name == "score":
        return str(key)
    found = definition(name)
    return f"definition {key}" + (
        f" ({found.change})" if found and found.version == key and found.change else ""
    )


def breaks(history: Sequence[Mapping[str, Any]], name: str) -> list[Break]:
    """Where one run ends and the next begins with another recorded key, or between unrecorded points."""
    found = runs(history, name)
    what = "scorer" if name == "score" else "definition"
    out = []
    for before, after in zip(found, found[1:]):
        if before.key == after.key and before.recorded:
            continue  # only a missing value between them: the same line, not a change
        text = f"{what}: {_said(name, before.key)} → {_said(name, after.key)}"
        out.append(Break(before.positions[-1], text))
    return out


def unrecorded(history: Sequence[Mapping[str, Any]], names: Sequence[str]) -> list[str]:
    """The metrics of `names` with any session whose definition was not recorded."""
    return [n for n in names if any(not r.recorded for r in runs(history, n))]


def changed(history: Sequence[Mapping[str, Any]], names: Sequence[str]) -> list[str]:
    """The metrics of `names` read by more than one recorded definition."""
    return [n for n in names if len({r.key for r in runs(history, n) if r.recorded}) > 1]


def definitions_note(
    history: Sequence[Mapping[str, Any]], names: Sequence[str], rescore_button: bool = False
) -> str:
    """What the History tab says under the curve when lines were broken (markdown; "" when none). It
    points at the **Re-score** button only when `rescore_button` says the tab shows one (it shows none
    when every stale session's motion is gone)."""
    old, moved = unrecorded(history, names), changed(history, names)
    if not old and not moved:
        return ""
    parts = []
    if moved:
        parts.append(
            f"{len(moved)} metric(s) changed definition between your sessions: their line breaks there"
        )
    if old:
        parts.append(
            f"{len(old)} metric(s) come from sessions stored before definitions were recorded: those are "
            "hollow points, joined to nothing"
        )
    note = (
        "**Lines are broken where a metric's definition changed**, so a step there is not your progress. "
        + "; ".join(parts)
        + "."
    )
    if rescore_button:
        note += (
            " Re-read old sessions from their stored motion with the **Re-score** button (your lab can"
            " also run `skillsight sessions rescore`)."
        )
    return note

"""How sure each point of a learning curve is: its standard error, or why its value was withheld.

Storage's `metric_history` gives, per session, "uncertainties" (name -> standard error, only for metrics
that measure one) and "reasons" (name -> why the value is missing). A session with neither for a metric
has no error known: never a zero error. A missing value with a reason is a withheld point, shown as
withheld where it sits on the curve and named with its reason under it; a missing value without a reason
(the metric does not apply) is simply not drawn. Pure functions, no plotting.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from skillsight.scoring.metric_display import metric_display
from skillsight.scoring.results import ResultStatus

MAX_SHORT_REASON = 48  # characters of a reason written on the chart itself (the note has it whole)


@dataclass(frozen=True)
class WithheldPoint:
    """A session (0-based position in the history) whose value of a metric was withheld, and why."""

    position: int
    reason: str

    @property
    def short_reason(self) -> str:
        """The reason's first clause, for the chart ("not enough steady hand time to read tremor")."""
        first = self.reason.split(":")[0].split(";")[0].split(",")[0].strip()
        return first if len(first) <= MAX_SHORT_REASON else first[: MAX_SHORT_REASON - 1].rstrip() + "…"


def _finite(value: Any) -> Optional[float]:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def standard_errors(history: Sequence[Mapping[str, Any]], name: str) -> list[Optional[float]]:
    """Each session's standard error of `name` (in its stored unit) where it has a value and an error."""
    out = []
    for entry in history:
        value = _finite((entry.get("metrics") or {}).get(name))
        error = _finite((entry.get("uncertainties") or {}).get(name))
        out.append(error if value is not None and error is not None and error > 0 else None)
    return out


def withheld_points(history: Sequence[Mapping[str, Any]], name: str) -> list[WithheldPoint]:
    """The sessions whose value of `name` is missing with a reason, oldest first."""
    out = []
    for position, entry in enumerate(history):
        reason = (entry.get("reasons") or {}).get(name)
        if reason and _finite((entry.get("metrics") or {}).get(name)) is None:
            out.append(WithheldPoint(position, str(reason)))
    return out


OUT_OF_DOMAIN_TEXT = "score withheld: out of domain"


def out_of_domain_positions(history: Sequence[Mapping[str, Any]]) -> list[int]:
    """The sessions (0-based) whose motion was unlike the model's training data: their metrics are real
    measurements and sit on the metric curves, marked; their level and score were withheld."""
    return [i for i, entry in enumerate(history) if entry.get("status") == ResultStatus.OUT_OF_DOMAIN.value]


def _sessions_text(positions: Sequence[int]) -> str:
    """'session 2', 'sessions 2, 4' (1-based, as on the axis)."""
    return f"session{'s' if len(positions) > 1 else ''} {', '.join(str(p + 1) for p in positions)}"


def out_of_domain_caption(history: Sequence[Mapping[str, Any]]) -> str:
    """'◇ score withheld: out of domain at sessions 2, 4'; "" when none."""
    positions = out_of_domain_positions(history)
    return f"◇ {OUT_OF_DOMAIN_TEXT} at {_sessions_text(positions)}" if positions else ""


def _session_name(entry: Mapping[str, Any], position: int) -> str:
    """'Session 12 (2026-11-22)': the id the History table shows, and the day."""
    when = str(entry.get("created_at") or "")[:10]
    return f"Session {entry.get('session_id', position + 1)}" + (f" ({when})" if when else "")


def uncertainty_note(history: Sequence[Mapping[str, Any]], names: Sequence[str]) -> str:
    """What the History tab says under the curve about how sure its points are and which sessions were out
    of the model's domain (markdown; "" when the chosen metrics carry no standard error, withheld nothing
    and every session was scored)."""
    measured = [n for n in names if any(e is not None for e in standard_errors(history, n))]
    paragraphs = []
    if measured:
        labels = ", ".join(metric_display(n).phrase for n in measured)
        paragraphs.append(
            f"Bars show ± one standard error where a metric measures it ({labels}); "
            "a session stored without one shows none."
        )
    withheld = []
    for name in names:
        shown = metric_display(name)
        for point in withheld_points(history, name):
            session = _session_name(history[point.position], point.position)
            withheld.append(f"- {session}, {shown.label}: {shown.measured_text(None, None, point.reason)}")
    if withheld:
        paragraphs.append("\n".join(["**Withheld on your curve** (marked ×, not a zero):", *withheld]))
    outside = [_session_name(history[p], p) for p in out_of_domain_positions(history)]
    if outside:
        paragraphs.append(
            f"Marked ◇ ({', '.join(outside)}): {OUT_OF_DOMAIN_TEXT}. The motion was unlike what the model "
            "was trained on, so it gave no level or score; the metrics are real measurements and drawn."
        )
    return "\n\n".join(paragraphs)

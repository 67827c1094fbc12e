"""The History tab's learning curves: the score with its interval and the chosen metrics over a trainee's
scored sessions, every point with how sure it is. A session out of the model's domain is on the metric
curves (its metrics are real measurements), marked ◇ "score withheld: out of domain", and not on the score
curve (the score panel's title names it).

A line joins only sessions read by one definition (the score: one scorer) and breaks are marked
(`progress_lines`). A metric that measures its standard error draws it as a bar of ± one s.e. (the error the
Results tab reads as "0.42 mm ± 0.09"); a value withheld with a reason is a × at its session on the axis
and named with the reason's first words under the panel's title, never a gap or a zero (`curve_points`;
the History tab's note has the reason whole).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from skillsight.scoring.metric_display import metric_display
from skillsight.webapp import curve_points, progress_lines
from skillsight.webapp.plots import new_figure

METRIC_COLOUR = "#ff7f0e"
SCORE_COLOUR = "#1f77b4"
WITHHELD_COLOUR = "#555555"
CAPTION_WIDTH = 100  # characters per line of the withheld sessions under a panel's title


def learning_curve_figure(history: Sequence[Mapping[str, Any]], metrics: Sequence[str] = ()) -> Any:
    """Score (with its interval) and chosen metrics (with their standard errors and withheld points) over a
    trainee's scored sessions. A line joins only sessions read by one definition (the score: one scorer);
    breaks are marked (`progress_lines`)."""
    panels = 1 + len(metrics)
    fig = new_figure(8.0, 2.0 * panels + 0.4)
    if not history:
        ax = fig.add_subplot(1, 1, 1)
        ax.text(
            0.5,
            0.5,
            "No scored sessions yet: assess a practice on the Practice tab to start your curve.",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        ax.set_axis_off()
        return fig
    sessions = np.arange(1, len(history) + 1)
    ax = fig.add_subplot(panels, 1, 1)
    _score_panel(ax, history, sessions)
    for row, name in enumerate(metrics, start=2):
        _metric_panel(fig.add_subplot(panels, 1, row, sharex=ax), history, name)
    fig.axes[-1].set_xlabel("session (oldest to newest)")
    fig.axes[-1].set_xticks(sessions)
    if len(history) == 1:
        fig.axes[-1].set_xlim(0.5, 1.5)
    return fig


def _metric_panel(ax: Any, history: Sequence[Mapping[str, Any]], name: str) -> None:
    shown = metric_display(name)
    values = np.array([_float(h.get("metrics", {}).get(name)) * shown.scale for h in history])
    _draw_runs(ax, history, name, values, METRIC_COLOUR)
    _draw_errors(ax, values, curve_points.standard_errors(history, name), shown.scale)
    withheld = curve_points.withheld_points(history, name)
    _draw_withheld(ax, withheld)
    _draw_out_of_domain(ax, history, values)
    title = f"{shown.label}" + (f" ({shown.unit})" if shown.unit else "") + f": {shown.better}"
    caption = [*withheld_caption(withheld), curve_points.out_of_domain_caption(history)]
    ax.set_title("\n".join([title, *[line for line in caption if line]]), fontsize=9)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[1]:
        ax.legend(loc="best", fontsize=7)


def withheld_caption(points: Sequence[curve_points.WithheldPoint]) -> list[str]:
    """The lines under a panel's title naming its withheld sessions (1-based, as on the axis) by reason:
    "× withheld at session 3: not enough steady hand time to read tremor"."""
    by_reason: dict[str, list[str]] = {}
    for point in points:
        by_reason.setdefault(point.short_reason, []).append(str(point.position + 1))
    parts = [
        f"session{'s' if len(sessions) > 1 else ''} {', '.join(sessions)}: {reason}"
        for reason, sessions in by_reason.items()
    ]
    return textwrap.wrap("× withheld at " + "; ".join(parts), CAPTION_WIDTH) if parts else []


def _draw_errors(ax: Any, values: np.ndarray, errors: Sequence[Any], scale: float) -> None:
    """± one standard error at each session that measured one (none drawn where none is known)."""
    known = np.array([e is not None for e in errors], dtype=bool)
    if not known.any():
        return
    x = np.arange(1, len(values) + 1)[known]
    bars = np.array([float(e) * scale for e in errors if e is not None])
    ax.errorbar(
        x, values[known], yerr=bars, fmt="none", ecolor=METRIC_COLOUR, alpha=0.7, capsize=3,
        label="± standard error",
    )  # fmt: skip


def _draw_withheld(ax: Any, points: Sequence[curve_points.WithheldPoint]) -> None:
    """A × near the bottom of the panel at each withheld session (the title says why)."""
    if not points:
        return
    x = [p.position + 1 for p in points]
    ax.plot(
        x, [0.06] * len(x), "x", color=WITHHELD_COLOUR, markersize=8, mew=2,
        transform=ax.get_xaxis_transform(), label="withheld (why: above)",
    )  # fmt: skip


def _draw_out_of_domain(ax: Any, history: Sequence[Mapping[str, Any]], values: np.ndarray) -> None:
    """A ◇ around each measured value of a session whose score was withheld as out of domain."""
    positions = [p for p in curve_points.out_of_domain_positions(history) if np.isfinite(values[p])]
    if positions:
        ax.plot(
            np.array(positions) + 1, values[positions], "D", mfc="none", color=WITHHELD_COLOUR, markersize=11,
            label=curve_points.OUT_OF_DOMAIN_TEXT,
        )  # fmt: skip


def _score_panel(ax: Any, history: Sequence[Mapping[str, Any]], sessions: np.ndarray) -> None:
    scores = np.array([_float(h.get("score")) for h in history])
    low = np.array([_float(h.get("score_low")) for h in history])
    high = np.array([_float(h.get("score_high")) for h in history])
    _draw_runs(ax, history, "score", scores, SCORE_COLOUR, label="score")
    has_band = np.isfinite(low) & np.isfinite(high)
    if has_band.any():
        ax.errorbar(
            sessions[has_band],
            scores[has_band],
            yerr=np.vstack([scores[has_band] - low[has_band], high[has_band] - scores[has_band]]),
            fmt="none",
            ecolor=SCORE_COLOUR,
            alpha=0.5,
            capsize=4,
            label="likely range",
        )
        for run in progress_lines.runs(history, "score"):  # a band, like a line, within one scorer
            band = np.array(run.positions)[has_band[list(run.positions)]]
            if run.recorded and len(band) > 1:  # a band needs two sessions to be drawn at all
                ax.fill_between(sessions[band], low[band], high[band], color=SCORE_COLOUR, alpha=0.12)
    ax.set_ylabel("score")
    title = (
        "Learning curve"
        if len(history) > 1
        else "Learning curve: one session so far (the next one adds a line)"
    )
    outside = curve_points.out_of_domain_caption(history)  # no score point there: say why
    ax.set_title(title + (f"\n{outside}" if outside else ""), fontsize=10)
    if ax.get_legend_handles_labels()[1]:  # no score yet (every session out of domain): no empty legend
        ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)


def _draw_runs(
    ax: Any, history: Sequence[Mapping[str, Any]], name: str, values: np.ndarray, color: str, label: str = ""
) -> None:
    """One line per run of one definition; points of unrecorded definition hollow and unjoined; a dotted
    mark with its text where the definition changes."""
    hollow_label = "definition not recorded" if name != "score" else "scorer not recorded"
    for run in progress_lines.runs(history, name):
        x = np.array(run.positions) + 1
        if run.recorded:
            ax.plot(x, values[list(run.positions)], "o-", color=color, label=label or None)
            label = ""  # one legend entry for every line of the same thing
        else:
            ax.plot(x, values[list(run.positions)], "o", mfc="none", color=color, label=hollow_label)
            hollow_label = ""
    for mark in progress_lines.breaks(history, name):
        ax.axvline(mark.after + 1.5, color="#555555", linestyle=":", linewidth=1)
        ax.annotate(
            mark.text, (mark.after + 1.5, 1.0), xycoords=("data", "axes fraction"), fontsize=7,
            ha="center", va="bottom", color="#555555",
        )  # fmt: skip


def _float(value: Any) -> float:
    try:
        return float(value) if value is not None else float("nan")
    except (TypeError, ValueError):
        return float("nan")

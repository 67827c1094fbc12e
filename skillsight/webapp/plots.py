"""Pictures for the Results and Report: matplotlib figures rendered to RGB arrays or PNG bytes (the
History tab's learning curves are drawn by learning_curves.py on `new_figure`).

Uses matplotlib's object API with the Agg canvas (no pyplot state), so figures can be drawn from
Gradio's worker threads. Hand speed and pauses are the features' own (scoring.features.kinematics),
so the chart shades exactly the pauses the metrics count. Speeds are shown in the metrics' unit (hand
lengths per second, from the same prepared motion the metrics use), on an axis that a few tracking
spikes cannot stretch.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, Optional

import numpy as np

from skillsight.pose.hand_geometry import with_landmark_centroids
from skillsight.pose.motion import LEFT_HAND, RIGHT_HAND, Motion
from skillsight.scoring.features import kinematics, prepare_motion
from skillsight.scoring.metric_display import metric_display, too_unsure_to_rank, unit_text
from skillsight.scoring.results import Assessment

# Preferred reference point of a hand, most stable first (glove centroid, then palm landmarks).
HAND_POINT_PREFERENCE = ("centroid", "wrist", "middle_finger_mcp", "tool_tip", "tip")
HAND_COLOURS = {LEFT_HAND: "#1f77b4", RIGHT_HAND: "#d62728"}
FIGURE_DPI = 100
# Speed axes end a little above this percentile of all speeds: single-frame spikes stay off scale.
SPEED_AXIS_PERCENTILE = 99.0
SPIKE_CAP = 2.5
INSIDE_COLOUR = "#2ca02c"
OUTSIDE_COLOUR = "#e8710a"
UNSURE_COLOUR = "#7f7f7f"


def hand_reference_point(motion: Motion, hand: str) -> Optional[str]:
    """The keypoint that stands for the hand's position, or None if the hand was never seen."""
    if hand not in motion.individuals:
        return None
    for keypoint in HAND_POINT_PREFERENCE:
        if motion.has(hand, keypoint):
            return keypoint
    observed = motion.observed_keypoints(hand)
    return observed[0] if observed else None


def hand_speed(motion: Motion, hand: str) -> tuple[np.ndarray, np.ndarray]:
    """(T, 2) image-plane path and (T,) speed in motion units per second (NaN where unknown), both of
    the point the metrics follow, the speed as the metrics measure it."""
    motion = with_landmark_centroids(motion)  # as prepare_motion gives the metrics: the landmarks' centre
    path = kinematics.hand_track(motion, hand) if motion.n_frames >= 2 else None
    speed = kinematics.hand_speed(motion, hand) if path is not None else None
    if path is None or speed is None:
        return np.full((motion.n_frames, 2), np.nan), np.full(motion.n_frames, np.nan)
    return path[:, :2], speed


def pause_intervals(motion: Motion, hand: str) -> list[tuple[float, float]]:
    """(start_s, end_s) of the hand's pauses, as the idle-share and pause metrics count them."""
    motion = with_landmark_centroids(motion)
    return kinematics.pause_intervals(motion, hand, kinematics.thresholds_for(motion))


def new_figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=FIGURE_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def figure_to_png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI, bbox_inches="tight")
    return buffer.getvalue()


def figure_to_array(fig: Any) -> np.ndarray:
    """RGB uint8 (H, W, 3) of the rendered figure."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def _tracked_hands(motion: Motion) -> list[str]:
    return [h for h in (LEFT_HAND, RIGHT_HAND) if hand_reference_point(motion, h) is not None]


def hand_paths_figure(
    motion: Motion, background: Optional[np.ndarray] = None, scaled: Optional[Motion] = None
) -> Any:
    """Each hand's path over the first frame (image coordinates), coloured by its speed in the metrics'
    unit (yellow = fast); `scaled` is `metric_motion(motion)` when the caller already has it."""
    from matplotlib.collections import LineCollection

    fig = new_figure(6.4, 5.0)
    ax = fig.add_subplot(1, 1, 1)
    width = int(motion.metadata.get("width") or 0)
    height = int(motion.metadata.get("height") or 0)
    if background is not None:
        ax.imshow(background, alpha=0.7)
        height, width = background.shape[:2]
    scaled = scaled if scaled is not None else metric_motion(motion)
    hands = [h for h in _tracked_hands(motion) if hand_reference_point(scaled, h) is not None]
    paths = [hand_speed(motion, h)[0] for h in hands]
    speeds = [hand_speed(scaled, h)[1] for h in hands]
    vmax = robust_speed_limit(speeds) / 1.2
    mappable = None
    for hand, path, speed in zip(hands, paths, speeds):
        segments = np.stack([path[:-1], path[1:]], axis=1)
        valid = np.isfinite(segments).all(axis=(1, 2))
        lines = LineCollection(segments[valid], cmap="viridis", linewidths=2.0)
        lines.set_array(speed[1:][valid])
        lines.set_clim(0.0, max(vmax, 1e-9))
        mappable = ax.add_collection(lines)
        first = path[np.isfinite(path).all(axis=1)]
        if len(first):
            ax.plot(*first[0], "o", color=HAND_COLOURS[hand], label=f"{hand.replace('_', ' ')} (start)")
    if width and height:
        ax.set_xlim(0, width)
        ax.set_ylim(height, 0)
    else:
        ax.autoscale()
        ax.invert_yaxis()
    ax.set_aspect("equal")
    ax.set_title("Hand paths, coloured by speed")
    ax.set_xticks([])
    ax.set_yticks([])
    if mappable is not None:
        fig.colorbar(mappable, ax=ax, label=f"speed ({speed_unit(scaled)})", shrink=0.8)
        ax.legend(loc="lower right", fontsize=8)
    else:
        ax.text(0.5, 0.5, "no hands tracked", ha="center", va="center", transform=ax.transAxes)
    return fig


def metric_motion(motion: Motion) -> Motion:
    """The motion in the metrics' units (cleaned and scaled as scoring does), for speeds on plots."""

    try:
        return prepare_motion(motion)
    except Exception:  # a motion the features can't scale: show it in its own units rather than nothing
        return motion


def speed_unit(motion: Motion) -> str:
    return unit_text(f"{motion.units}/s")[0]


def robust_speed_limit(speeds: Sequence[np.ndarray]) -> float:
    """Top of a speed axis: 1.2 x the SPEED_AXIS_PERCENTILE of all finite speeds, never more than
    SPIKE_CAP x their 95th percentile (a glitch of a few frames), 1 when there are none."""
    finite = [s[np.isfinite(s)] for s in speeds]
    values = np.concatenate(finite) if finite else np.array([])
    if values.size == 0:
        return 1.0
    high, typical = np.percentile(values, [SPEED_AXIS_PERCENTILE, 95.0])
    return max(1.2 * float(min(high, SPIKE_CAP * typical)), 1e-6)


def speed_figure(motion: Motion, scaled: Optional[Motion] = None) -> Any:
    """Speed of each hand over time (in the metrics' unit), with pauses shaded; one legend entry each."""
    from matplotlib.patches import Patch

    scaled = scaled if scaled is not None else metric_motion(motion)
    fig = new_figure(8.0, 3.2)
    ax = fig.add_subplot(1, 1, 1)
    hands = _tracked_hands(scaled)
    speeds = {hand: hand_speed(scaled, hand)[1] for hand in hands}
    handles = []
    for hand, speed in speeds.items():
        (line,) = ax.plot(scaled.timestamps, speed, color=HAND_COLOURS[hand], lw=1.2)
        handles.append((line, hand.replace("_", " ")))
        for start, end in pause_intervals(scaled, hand):
            ax.axvspan(start, end, color=HAND_COLOURS[hand], alpha=0.12)
    top = robust_speed_limit(list(speeds.values()))
    ax.set_ylim(0, top)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(f"speed ({speed_unit(scaled)})")
    ax.set_title("Speed over time (shaded: pauses)")
    if hands:
        handles.append((Patch(color="grey", alpha=0.25), "pause"))
        ax.legend([h for h, _ in handles], [n for _, n in handles], loc="upper right", fontsize=8)
    else:
        ax.text(0.5, 0.5, "no hands tracked", ha="center", va="center", transform=ax.transAxes)
    ax.grid(alpha=0.3)
    return fig


# The chart component (gr.LinePlot) thins a line of 1000 rows or more to each bin's extremes, which can
# drop a gap's empty row and join the line across it: the series stays under that, thinned here.
CHART_MAX_ROWS = 999
NOT_SEEN = "hand not seen"


def speed_series(
    motion: Motion, scaled: Optional[Motion] = None, max_rows: int = CHART_MAX_ROWS
) -> dict[str, Any]:
    """The speed plot as data for an interactive chart: {"columns": {time, speed, hand, pause}, "unit",
    "top"}, the same speeds as speed_figure, at most `max_rows` rows in all (one every k frames).

    Where the hand was not seen (a gap cleaning does not fill, as the metrics see it) the speed is None,
    which the chart draws as a break in the hand's line, never a line joining the two sides of a gap.
    """
    scaled = scaled if scaled is not None else metric_motion(motion)
    columns: dict[str, list[Any]] = {"time (s)": [], "speed": [], "hand": [], "pause": []}
    hands = _tracked_hands(scaled)
    speeds = [hand_speed(scaled, hand)[1] for hand in hands]
    step = max(1, int(np.ceil(scaled.n_frames * max(len(hands), 1) / max_rows)))
    for hand, speed in zip(hands, speeds):
        pauses = pause_intervals(scaled, hand)
        for t, v in _thinned(scaled.timestamps, speed, step):
            columns["time (s)"].append(round(t, 3))
            columns["speed"].append(None if v is None else round(v, 4))
            columns["hand"].append(hand.replace("_", " "))
            paused = v is not None and any(a <= t <= b for a, b in pauses)
            columns["pause"].append(NOT_SEEN if v is None else "yes" if paused else "no")
    return {"columns": columns, "unit": speed_unit(scaled), "top": robust_speed_limit(speeds)}


def _thinned(times: np.ndarray, speed: np.ndarray, step: int) -> list[tuple[float, Optional[float]]]:
    """(time, speed) of the first frame of every `step` frames; None for a block with any frame of
    unknown speed, so a gap shorter than a block still breaks the line. A hand never seen gives no rows."""
    if not np.isfinite(speed).any():
        return []
    n_blocks = -(-len(speed) // step)
    padded = np.full(n_blocks * step, np.nan)
    padded[: len(speed)] = speed
    whole = np.isfinite(padded.reshape(n_blocks, step)).all(axis=1)
    whole[-1] = np.isfinite(speed[(n_blocks - 1) * step :]).all()  # the last block may be short
    first = speed[::step]
    return [(float(t), float(v) if ok else None) for t, v, ok in zip(times[::step], first, whole)]


def experts_figure(assessment: Assessment, names: Optional[Sequence[str]] = None) -> Any:
    """The lead metrics against the experts: where the trainee sits among them (percentile), the
    experts' middle 80% shaded. Both ends are drawn alike: a stem from the median to a dot."""
    chosen = [m for m in assessment.metrics if m.percentile is not None]
    if names is not None:
        order = {name: i for i, name in enumerate(names)}
        chosen = sorted((m for m in chosen if m.name in order), key=lambda m: order[m.name])
    fig = new_figure(8.0, max(2.2, 0.5 * len(chosen) + 1.4))
    ax = fig.add_subplot(1, 1, 1)
    if not chosen:
        ax.text(
            0.5, 0.5, "no metrics compared with experts", ha="center", va="center", transform=ax.transAxes
        )
        ax.set_axis_off()
        return fig
    ax.axvspan(10, 90, color=INSIDE_COLOUR, alpha=0.12)
    ax.axvline(50, color="grey", lw=0.8, ls="--")
    positions = np.arange(len(chosen))[::-1]
    for y, metric in zip(positions, chosen):
        pct = float(np.clip(metric.percentile or 0.0, 0.0, 100.0))
        shown = metric_display(metric.name, metric.unit)
        label = shown.measured_text(metric.value, metric.uncertainty, metric.reason)
        if too_unsure_to_rank(metric.value, metric.uncertainty, metric.expert_low, metric.expert_high):
            # No stem and a hollow dot: the position is a guess, so it is not drawn as a rank.
            ax.plot([pct], [y], "o", mfc="none", color=UNSURE_COLOUR, ms=9, clip_on=False, gid="unsure")
            label += " (too unsure to rank)"
        else:
            colour = INSIDE_COLOUR if 10 <= pct <= 90 else OUTSIDE_COLOUR
            ax.plot([50, pct], [y, y], color=colour, lw=2.5, solid_capstyle="round", gid="stem")
            ax.plot([pct], [y], "o", color=colour, ms=9, clip_on=False, zorder=3)
        ax.text(106, y, label, va="center", fontsize=9, clip_on=False)
    ax.set_yticks(positions)
    ax.set_yticklabels([metric_display(m.name, m.unit).label for m in chosen], fontsize=9)
    ax.set_xlim(-4, 104)
    ax.set_ylim(-0.7, len(chosen) - 0.3)
    ax.set_xticks([0, 50, 100])
    ax.set_xticklabels(["lowest expert", "median expert", "highest expert"], fontsize=8)
    n_values = max(m.n_experts for m in chosen)  # the experts' practices (values), not people
    ax.set_xlabel(f"your position among {n_values} expert practices (shaded: their middle 80%)", fontsize=9)
    ax.set_title("Your key metrics against the experts (value on the right)", fontsize=11)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def percentile_figure(assessment: Assessment) -> Any:
    """Every metric against the experts (the report's full picture; the page leads with experts_figure)."""
    return experts_figure(assessment)


def timeline_figure(assessment: Assessment) -> Any:
    """Stitch cycles or intubation phases on a time line."""
    fig = new_figure(8.0, 1.9)
    ax = fig.add_subplot(1, 1, 1)
    phases = assessment.phases
    if not phases:
        ax.text(0.5, 0.5, "no cycles or phases found", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    labels = list(dict.fromkeys(p.label.rstrip("0123456789 ") or p.label for p in phases))
    palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
    colours = {}
    for i, phase in enumerate(phases):
        key = phase.label.rstrip("0123456789 ") or phase.label
        colour = palette[labels.index(key) % len(palette)] if len(labels) > 1 else palette[i % 2]
        colours[key] = colour
        ax.broken_barh([(phase.start_s, phase.end_s - phase.start_s)], (0, 1), color=colour, alpha=0.8)
    if _label_wide_phases(fig, ax, phases) and len(labels) > 1:  # narrow ones are named in a legend
        from matplotlib.patches import Patch

        handles = [Patch(color=colour, alpha=0.8, label=key) for key, colour in colours.items()]
        below = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.45), "ncol": len(handles)}
        ax.legend(handles=handles, fontsize=7, **below)
    ax.set_yticks([])
    ax.set_xlabel("time (s)")
    kind = "Stitch cycles" if assessment.procedure == "suturing" else "Phases"
    ax.set_title(f"{kind} on the timeline")
    ax.set_xlim(min(p.start_s for p in phases), max(p.end_s for p in phases))
    return fig


def _label_wide_phases(fig: Any, ax: Any, phases: Sequence[Any]) -> bool:
    """Write each phase's label in its bar where it fits, else its number alone ("cycle 12": "12"), else
    nothing (labels of short phases ran into each other); True when some name did not fit."""
    renderer = fig.canvas.get_renderer()
    span = max(p.end_s for p in phases) - min(p.start_s for p in phases)
    axis_px = fig.get_figwidth() * fig.dpi * 0.92  # the bar's share of the figure: no y-axis labels
    skipped = False
    for phase in phases:
        room = (phase.end_s - phase.start_s) / span * axis_px if span > 0 else axis_px
        number = phase.label[len(phase.label.rstrip("0123456789")) :]
        middle = (phase.start_s + phase.end_s) / 2
        for label in dict.fromkeys(x for x in (phase.label, number) if x):
            text = ax.text(middle, 0.5, label, ha="center", va="center", fontsize=7)
            if text.get_window_extent(renderer).width <= room:
                break
            text.remove()
        else:
            skipped = True
    return skipped


def result_figures(
    assessment: Assessment,
    motion: Optional[Motion],
    background: Optional[np.ndarray] = None,
    lead: Optional[Sequence[str]] = None,
    scaled: Optional[Motion] = None,
    speed_picture: bool = True,
) -> dict[str, Any]:
    """All Results pictures by name, in the order the page and the report show them; "experts" shows
    the `lead` metrics (all when None). `scaled` is `metric_motion(motion)` when the caller has it; the
    page draws speed as an interactive chart and asks for no `speed_picture`."""
    figures: dict[str, Any] = {}
    figures["experts"] = experts_figure(assessment, lead)
    if motion is not None:
        scaled = scaled if scaled is not None else metric_motion(motion)
        if speed_picture:
            figures["speed"] = speed_figure(motion, scaled)
        figures["hand_paths"] = hand_paths_figure(motion, background, scaled)
    figures["timeline"] = timeline_figure(assessment)
    return figures

"""Pictures for the Results, History and Report: matplotlib figures rendered to RGB arrays or PNG bytes.

Uses matplotlib's object API with the Agg canvas (no pyplot state), so figures can be drawn from
Gradio's worker threads. Hand speed and pauses are the features' own (scoring.features.kinematics),
so the chart shades exactly the pauses the metrics count.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any, Optional

import numpy as np

from skillsight.pose.hand_geometry import with_landmark_centroids
from skillsight.pose.motion import LEFT_HAND, RIGHT_HAND, Motion
from skillsight.scoring.features import kinematics
from skillsight.scoring.results import Assessment
from skillsight.webapp.views import humanise_metric

# Preferred reference point of a hand, most stable first (glove centroid, then palm landmarks).
HAND_POINT_PREFERENCE = ("centroid", "wrist", "middle_finger_mcp", "tool_tip", "tip")
HAND_COLOURS = {LEFT_HAND: "#1f77b4", RIGHT_HAND: "#d62728"}
FIGURE_DPI = 100


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


def _new_figure(width: float, height: float) -> Any:
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


def hand_paths_figure(motion: Motion, background: Optional[np.ndarray] = None) -> Any:
    """Each hand's path over the first frame, coloured by speed (yellow = fast)."""
    from matplotlib.collections import LineCollection

    fig = _new_figure(6.4, 5.0)
    ax = fig.add_subplot(1, 1, 1)
    width = int(motion.metadata.get("width") or 0)
    height = int(motion.metadata.get("height") or 0)
    if background is not None:
        ax.imshow(background, alpha=0.7)
        height, width = background.shape[:2]
    hands = _tracked_hands(motion)
    speeds = [hand_speed(motion, h) for h in hands]
    finite = np.concatenate([s[np.isfinite(s)] for _, s in speeds]) if speeds else np.array([])
    vmax = float(np.percentile(finite, 95)) if finite.size else 1.0
    mappable = None
    for hand, (path, speed) in zip(hands, speeds):
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
        fig.colorbar(mappable, ax=ax, label=f"speed ({motion.units}/s)", shrink=0.8)
        ax.legend(loc="lower right", fontsize=8)
    else:
        ax.text(0.5, 0.5, "no hands tracked", ha="center", va="center", transform=ax.transAxes)
    return fig


def speed_figure(motion: Motion) -> Any:
    """Speed of each hand over time, with pauses shaded."""
    fig = _new_figure(8.0, 3.2)
    ax = fig.add_subplot(1, 1, 1)
    hands = _tracked_hands(motion)
    for hand in hands:
        _, speed = hand_speed(motion, hand)
        ax.plot(motion.timestamps, speed, color=HAND_COLOURS[hand], lw=1.2, label=hand.replace("_", " "))
        for i, (start, end) in enumerate(pause_intervals(motion, hand)):
            ax.axvspan(start, end, color=HAND_COLOURS[hand], alpha=0.12, label="pause" if i == 0 else None)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(f"speed ({motion.units}/s)")
    ax.set_title("Speed over time (shaded: pauses)")
    if hands:
        ax.legend(loc="upper right", fontsize=8)
    else:
        ax.text(0.5, 0.5, "no hands tracked", ha="center", va="center", transform=ax.transAxes)
    ax.grid(alpha=0.3)
    return fig


def percentile_figure(assessment: Assessment) -> Any:
    """Each metric's percentile among the experts; the shaded band is the experts' middle 80%."""
    metrics = [m for m in assessment.metrics if m.percentile is not None]
    fig = _new_figure(8.0, max(2.0, 0.38 * len(metrics) + 1.2))
    ax = fig.add_subplot(1, 1, 1)
    if not metrics:
        ax.text(
            0.5, 0.5, "no metrics compared with experts", ha="center", va="center", transform=ax.transAxes
        )
        ax.set_axis_off()
        return fig
    ax.axvspan(10, 90, color="#2ca02c", alpha=0.12, label="experts' 10th–90th percentile")
    positions = np.arange(len(metrics))[::-1]
    values = [float(m.percentile or 0.0) for m in metrics]
    colours = ["#2ca02c" if 10 <= v <= 90 else "#ff7f0e" for v in values]
    ax.barh(positions, values, color=colours, height=0.6)
    for y, value in zip(positions, values):
        ax.text(min(value + 1.5, 92), y, f"{value:.0f}", va="center", fontsize=8)
    ax.set_yticks(positions)
    ax.set_yticklabels([humanise_metric(m.name) for m in metrics], fontsize=8)
    ax.set_xlim(0, 100)
    n_experts = max(m.n_experts for m in metrics)
    ax.set_xlabel(f"percentile among experts (n={n_experts})")
    ax.set_title("Your metrics against the expert reference")
    ax.axvline(50, color="grey", lw=0.8, ls="--")
    ax.legend(loc="lower right", fontsize=8)
    return fig


def timeline_figure(assessment: Assessment) -> Any:
    """Stitch cycles or intubation phases on a time line."""
    fig = _new_figure(8.0, 1.9)
    ax = fig.add_subplot(1, 1, 1)
    phases = assessment.phases
    if not phases:
        ax.text(0.5, 0.5, "no cycles or phases found", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    labels = list(dict.fromkeys(p.label.rstrip("0123456789 ") or p.label for p in phases))
    palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
    for i, phase in enumerate(phases):
        key = phase.label.rstrip("0123456789 ") or phase.label
        colour = palette[labels.index(key) % len(palette)] if len(labels) > 1 else palette[i % 2]
        ax.broken_barh([(phase.start_s, phase.end_s - phase.start_s)], (0, 1), color=colour, alpha=0.8)
        ax.text((phase.start_s + phase.end_s) / 2, 0.5, phase.label, ha="center", va="center", fontsize=7)
    ax.set_yticks([])
    ax.set_xlabel("time (s)")
    kind = "Stitch cycles" if assessment.procedure == "suturing" else "Phases"
    ax.set_title(f"{kind} on the timeline")
    ax.set_xlim(min(p.start_s for p in phases), max(p.end_s for p in phases))
    return fig


def learning_curve_figure(history: Sequence[Mapping[str, Any]], metrics: Sequence[str] = ()) -> Any:
    """Score (with its interval) and chosen metrics over a trainee's scored sessions."""
    panels = 1 + len(metrics)
    fig = _new_figure(8.0, 2.0 * panels)
    if not history:
        ax = fig.add_subplot(1, 1, 1)
        ax.text(0.5, 0.5, "no scored sessions yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    sessions = np.arange(1, len(history) + 1)
    ax = fig.add_subplot(panels, 1, 1)
    scores = np.array([_float(h.get("score")) for h in history])
    low = np.array([_float(h.get("score_low")) for h in history])
    high = np.array([_float(h.get("score_high")) for h in history])
    ax.plot(sessions, scores, "o-", color="#1f77b4", label="score")
    has_band = np.isfinite(low) & np.isfinite(high)
    if has_band.any():
        ax.fill_between(sessions, low, high, where=has_band, color="#1f77b4", alpha=0.15, label="interval")
    ax.set_ylabel("score")
    ax.set_title("Learning curve")
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    for row, name in enumerate(metrics, start=2):
        axm = fig.add_subplot(panels, 1, row, sharex=ax)
        values = [_float(h.get("metrics", {}).get(name)) for h in history]
        axm.plot(sessions, values, "o-", color="#ff7f0e")
        axm.set_ylabel(humanise_metric(name), fontsize=8)
        axm.grid(alpha=0.3)
    fig.axes[-1].set_xlabel("session (oldest to newest)")
    fig.axes[-1].set_xticks(sessions)
    return fig


def _float(value: Any) -> float:
    try:
        return float(value) if value is not None else float("nan")
    except (TypeError, ValueError):
        return float("nan")


def result_figures(
    assessment: Assessment, motion: Optional[Motion], background: Optional[np.ndarray] = None
) -> dict[str, Any]:
    """All Results pictures by name, in the order the page and the report show them."""
    figures: dict[str, Any] = {}
    if motion is not None:
        figures["hand_paths"] = hand_paths_figure(motion, background)
        figures["speed"] = speed_figure(motion)
    figures["percentiles"] = percentile_figure(assessment)
    figures["timeline"] = timeline_figure(assessment)
    return figures

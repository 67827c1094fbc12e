"""Pictures: known-answer speed and pauses, and every figure renders."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from webapp_samples import FPS, refused_assessment, scored_assessment, two_hand_motion

from skillsight.webapp import plots
from skillsight.webapp.learning_curves import learning_curve_figure


def test_hand_speed_known_answer():
    motion = two_hand_motion(speed_px_s=100.0, pause=(1.0, 2.0))
    path, speed = plots.hand_speed(motion, "right_hand")
    assert path.shape == (motion.n_frames, 2)
    # The features' speed: a straight line fitted over a fixed time window, exact for steady motion.
    assert speed[0] == pytest.approx(100.0)
    assert speed[5] == pytest.approx(100.0)
    assert speed[int(1.5 * FPS)] == pytest.approx(0.0)


def test_pause_found_where_the_hand_stopped():
    motion = two_hand_motion(pause=(1.0, 2.0))
    pauses = plots.pause_intervals(motion, "right_hand")
    assert len(pauses) == 1
    start, end = pauses[0]
    # A pause is every 0.5 s in which the hand covers less than the idle speed allows, so it takes in
    # the first and last moments of the moves either side (here under 0.2 s), never less than the stop.
    assert 0.8 <= start <= 1.0 and 2.0 <= end <= 2.2


def test_short_stops_are_not_pauses():
    motion = two_hand_motion(pause=(1.0, 1.2))
    assert plots.pause_intervals(motion, "right_hand") == []


def test_reference_point_prefers_centroid_and_skips_missing_hands():
    motion = two_hand_motion()
    assert plots.hand_reference_point(motion, "right_hand") == "centroid"
    assert plots.hand_reference_point(motion, "body") is None


def test_hand_paths_drawn_over_the_background():
    motion = two_hand_motion()
    background = np.full((480, 640, 3), 255, dtype=np.uint8)
    image = plots.figure_to_array(plots.hand_paths_figure(motion, background))
    assert image.ndim == 3 and image.shape[2] == 3
    # The path is coloured: some pixels are far from grey.
    spread = image.max(axis=2).astype(int) - image.min(axis=2).astype(int)
    assert (spread > 80).sum() > 100


def test_all_result_figures_render_for_scored_and_refused():
    motion = two_hand_motion()
    for assessment in (scored_assessment(), refused_assessment()):
        figures = plots.result_figures(assessment, motion)
        assert list(figures) == ["experts", "speed", "hand_paths", "timeline"]
        for fig in figures.values():
            png = plots.figure_to_png(fig)
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000


def test_result_figures_without_motion_skip_motion_pictures():
    assert list(plots.result_figures(scored_assessment(), None)) == ["experts", "timeline"]


def _stems(ax):
    """(x from, x to) of each metric's stem: the two-point lines drawn from the median."""
    return [tuple(line.get_xdata()) for line in ax.lines if line.get_gid() == "stem"]


def test_experts_chart_marks_both_ends_alike():
    assessment = scored_assessment()
    low, high = (
        replace(assessment.metrics[0], percentile=0.0),
        replace(assessment.metrics[1], percentile=100.0),
    )
    assessment.metrics = [low, high, assessment.metrics[2]]
    ax = plots.experts_figure(assessment).axes[0]
    stems = _stems(ax)
    assert sorted(stems) == [(50, 0.0), (50, 100.0)]  # percentile 0 is drawn, as far from the median as 100
    dots = [line for line in ax.lines if len(line.get_xdata()) == 1 and line.get_marker() == "o"]
    assert len(dots) == 2 and {line.get_color() for line in dots} == {plots.OUTSIDE_COLOUR}
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Needle-driver hand: distance travelled",
        "Hands moving in step",
    ]


def test_experts_chart_shows_only_the_lead_metrics_in_their_order():
    ax = plots.experts_figure(scored_assessment(), ["bimanual.speed_correlation"]).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Hands moving in step"]


def test_speed_axis_ignores_spikes_and_legend_has_no_duplicates():
    motion = two_hand_motion(seconds=30.0, pause=(1.0, 1.5))
    positions = np.array(motion.positions)
    positions[300, 1, 0, 0] += 5000.0  # one tracking glitch in a 30-s clip: a 125 000 px/s spike
    spiky = motion.with_updates(positions=positions)
    ax = plots.speed_figure(spiky).axes[0]
    assert ax.get_ylim()[1] < 1000
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) == len(set(labels)) and labels.count("pause") == 1


def test_one_session_curve_has_no_legend_for_an_undrawn_band():
    history = [{"score": 12.0, "score_low": 10.0, "score_high": 14.0, "metrics": {}, "model_id": "m 1"}]
    ax = learning_curve_figure(history).axes[0]
    assert not [
        c for c in ax.collections if type(c).__name__ in ("PolyCollection", "FillBetweenPolyCollection")
    ]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["score", "likely range"]
    assert "one session so far" in ax.get_title()


def test_learning_curve_has_score_and_metric_panels():
    history = [
        {
            "score": 10.0 + i,
            "score_low": 8.0 + i,
            "score_high": 12.0 + i,
            "metrics": {"a.path_length": 5.0 - i},
            "definitions": {"a.path_length": 1},
            "model_id": "m 1",
        }
        for i in range(4)
    ]
    fig = learning_curve_figure(history, ["a.path_length"])
    assert len(fig.axes) == 2
    assert list(fig.axes[0].lines[0].get_ydata()) == [10.0, 11.0, 12.0, 13.0]
    assert plots.figure_to_array(learning_curve_figure([], [])).size > 0


def _with_gap(motion, start_s: float, end_s: float):
    positions = np.array(motion.positions)
    positions[(motion.timestamps >= start_s) & (motion.timestamps < end_s), 1] = np.nan
    return replace(motion, positions=positions, confidence=np.where(np.isnan(positions[..., 0]), 0.0, 0.9))


def _right_hand_rows(series):
    columns = series["columns"]
    rows = zip(columns["time (s)"], columns["speed"], columns["hand"])
    return [(t, v) for t, v, hand in rows if hand == "right hand"]


@pytest.mark.parametrize("seconds", [4.0, 600.0])
def test_speed_chart_breaks_its_line_where_the_hand_was_not_seen(seconds):
    """A gap longer than cleaning fills is an empty row inside the gap, never a line joining its sides,
    on a short clip and after a 10-minute one is thinned for the chart."""
    motion = _with_gap(two_hand_motion(seconds=seconds, pause=(0.5, 0.7)), 2.0, 2.5)
    rows = _right_hand_rows(plots.speed_series(motion))
    assert len(plots.speed_series(motion)["columns"]["speed"]) <= plots.CHART_MAX_ROWS
    before = [t for t, v in rows if v is not None and t < 2.0]
    after = [t for t, v in rows if v is not None and t >= 2.5]
    assert before and after
    gap_rows = [v for t, v in rows if before[-1] < t < after[0]]
    assert gap_rows and all(v is None for v in gap_rows)


def test_speed_chart_data_reaches_the_component_with_its_gap():
    """What the page hands to gr.LinePlot: the gap is a JSON null (Vega-Lite breaks a line there)."""
    import gradio as gr
    import pandas as pd

    series = plots.speed_series(_with_gap(two_hand_motion(), 2.0, 2.5))
    chart = gr.LinePlot(x="time (s)", y="speed", color="hand")
    data = chart.postprocess(pd.DataFrame(series["columns"]))
    speed = data.columns.index("speed")
    assert any(row[speed] is None for row in data.data)
    assert data.datatypes["speed"] == "quantitative"


def _visible_labels(fig):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [(t.get_text(), t.get_window_extent(renderer)) for t in fig.axes[0].texts]


def test_timeline_labels_never_run_into_each_other():
    """Short intubation phases between long ones wrote "laryngoscopy" and "tube passage" over each other;
    a label that does not fit its bar is named in a legend instead."""
    from skillsight.scoring.results import Assessment, Phase

    short = [("approach", 0, 22.2), ("laryngoscopy", 22.2, 22.6), ("tube passage", 22.6, 23.0)]
    phases = [Phase(*p) for p in [*short, ("withdrawal", 23.0, 52.0)]]
    fig = plots.timeline_figure(Assessment(status="scored", procedure="intubation", phases=phases))
    labels = _visible_labels(fig)
    boxes = [box for _, box in labels]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert [text for text, _ in labels] == ["approach", "withdrawal"]
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["approach", "laryngoscopy", "tube passage", "withdrawal"]
    cycles = [Phase(f"cycle {i}", 3.0 * i, 3.0 * i + 3.0) for i in range(1, 30)]  # narrow: numbers only
    fig = plots.timeline_figure(Assessment(status="scored", procedure="suturing", phases=cycles))
    assert [text for text, _ in _visible_labels(fig)] == [str(i) for i in range(1, 30)]

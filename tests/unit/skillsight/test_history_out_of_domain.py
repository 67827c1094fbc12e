"""An out-of-domain session on the History tab: its metrics are real measurements, so they sit on the metric
curves (marked "score withheld: out of domain"); its score was withheld, so the score curve has no point."""

from __future__ import annotations

import math
from pathlib import Path

from skillsight.scoring.results import Assessment, MetricComparison, ResultStatus
from skillsight.storage import Database
from skillsight.webapp import curve_points
from skillsight.webapp.learning_curves import learning_curve_figure

PATH = "needle_driver.path_length"


def session(path_length: float, score: float | None) -> Assessment:
    outside = score is None
    return Assessment(
        status=ResultStatus.OUT_OF_DOMAIN.value if outside else ResultStatus.SCORED.value,
        procedure="suturing",
        score=score,
        score_interval=None if outside else (score - 2.0, score + 2.0),
        refusal_reasons=["your motion is unlike anything this model was trained on"] if outside else [],
        metrics=[MetricComparison(name=PATH, value=path_length, unit="hand_size")],
    )


def drawn(panel) -> list[int]:
    """The sessions with a point on a panel's curve (lines and unjoined points alike)."""
    points = [zip(line.get_xdata(), line.get_ydata()) for line in panel.lines if line.get_marker() == "o"]
    return sorted(int(x) for pairs in points for x, y in pairs if math.isfinite(y))


def test_an_out_of_domain_session_is_on_the_metric_curve_marked_and_not_on_the_score_curve(tmp_path: Path):
    with Database(f"sqlite:///{tmp_path / 'skillsight.db'}") as db:
        for made in (session(9.0, 12.0), session(7.0, None), session(5.0, 20.0)):
            db.add_session(trainee="ann", procedure="suturing", assessment=made, source_name="a.mp4")
        history = db.metric_history("ann", "suturing")
    assert [h["metrics"][PATH] for h in history] == [9.0, 7.0, 5.0]
    assert [h["score"] for h in history] == [12.0, None, 20.0]
    figure = learning_curve_figure(history, [PATH])
    score_panel, metric_panel = figure.axes
    assert drawn(metric_panel) == [1, 2, 3]
    marked = [line for line in metric_panel.lines if line.get_label() == curve_points.OUT_OF_DOMAIN_TEXT]
    assert len(marked) == 1 and list(marked[0].get_xdata()) == [2] and list(marked[0].get_ydata()) == [7.0]
    assert "score withheld: out of domain at session 2" in metric_panel.get_title()
    assert drawn(score_panel) == [1, 3]
    assert "score withheld: out of domain at session 2" in score_panel.get_title()
    # The note under the curve names the session as the History table does (its id and day).
    note = curve_points.uncertainty_note(history, [PATH])
    day = history[1]["created_at"][:10]
    assert f"Marked ◇ (Session {history[1]['session_id']} ({day})): score withheld: out of domain" in note


def test_a_history_of_only_out_of_domain_sessions_draws_no_empty_score_legend(tmp_path: Path):
    with Database(f"sqlite:///{tmp_path / 'skillsight.db'}") as db:
        db.add_session(
            trainee="ann", procedure="suturing", assessment=session(7.0, None), source_name="a.mp4"
        )
        history = db.metric_history("ann", "suturing")
    score_panel, metric_panel = learning_curve_figure(history, [PATH]).axes
    assert score_panel.get_legend() is None and drawn(score_panel) == []
    assert drawn(metric_panel) == [1] and metric_panel.get_legend() is not None

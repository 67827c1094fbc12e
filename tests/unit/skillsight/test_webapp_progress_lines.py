"""A learning curve never joins two definitions of one metric (or two scorers) into one line."""

from __future__ import annotations

import numpy as np
import pytest

from skillsight.scoring.features import definitions
from skillsight.scoring.features.definitions import PROVENANCE_KEY
from skillsight.scoring.results import Assessment, MetricComparison
from skillsight.webapp import events, progress_lines
from skillsight.webapp.learning_curves import learning_curve_figure
from skillsight.webapp.service import LOCAL_TRAINEE, AppService

SPARC = "needle_driver.sparc"


def session(score: float, sparc: float, version, model="suturing 3 (abc)") -> dict:
    return {
        "score": score,
        "score_low": score - 1,
        "score_high": score + 1,
        "metrics": {SPARC: sparc, "needle_driver.path_length": 4.0},
        "definitions": {SPARC: version, "needle_driver.path_length": 1},
        "model_id": model,
    }


@pytest.fixture(autouse=True)
def _sparc_is_past_definition_2(monkeypatch):
    """The histories below hold definitions 1 and 2 of SPARC; today's is later, so no mark quotes
    today's change note (the lines and marks are what is tested, not a note)."""
    later = definitions.MetricDefinition(9, "2026-12-02", "a later change")
    monkeypatch.setitem(definitions.METRIC_DEFINITIONS, "sparc", later)


# Two sessions read by an old definition (not recorded), then two by definition 1, then 2 by 2.
HISTORY = [
    session(14, -1.2, None, model=None),
    session(15, -1.3, None, model=None),
    session(16, -2.4, 1),
    session(17, -2.3, 1),
    session(18, -2.9, 2, model="suturing 4 (def)"),
    session(19, -2.8, 2, model="suturing 4 (def)"),
]


def test_runs_join_only_one_recorded_definition():
    runs = progress_lines.runs(HISTORY, SPARC)
    assert [(r.positions, r.key) for r in runs] == [((0,), None), ((1,), None), ((2, 3), 1), ((4, 5), 2)]
    assert [r.positions for r in progress_lines.runs(HISTORY, "needle_driver.path_length")] == [
        (0, 1, 2, 3, 4, 5)
    ]


def test_the_score_breaks_where_the_scorer_changed():
    runs = progress_lines.runs(HISTORY, "score")
    assert [r.positions for r in runs] == [(0,), (1,), (2, 3), (4, 5)]
    marks = progress_lines.breaks(HISTORY, "score")
    assert marks[-1].after == 3 and marks[-1].text == "scorer: suturing 3 (abc) → suturing 4 (def)"


def test_breaks_are_marked_with_both_definitions():
    marks = progress_lines.breaks(HISTORY, SPARC)
    assert [(m.after, m.text) for m in marks] == [
        (0, "definition: not recorded → not recorded"),
        (1, "definition: not recorded → definition 1"),
        (3, "definition: definition 1 → definition 2"),
    ]
    assert progress_lines.breaks(HISTORY, "needle_driver.path_length") == []


def test_a_missing_value_does_not_break_one_definition():
    history = [session(10, -2.0, 1), session(11, float("nan"), 1), session(12, -2.1, 1)]
    assert [r.positions for r in progress_lines.runs(history, SPARC)] == [(0, 2)]
    assert progress_lines.breaks(history, SPARC) == []


def test_the_note_says_why_lines_break_and_how_to_join_them():
    note = progress_lines.definitions_note(HISTORY, [SPARC, "needle_driver.path_length"], rescore_button=True)
    assert "1 metric(s) changed definition" in note and "hollow" in note
    assert "skillsight sessions rescore" in note
    assert progress_lines.definitions_note(HISTORY[2:4], [SPARC]) == ""


def test_the_figure_draws_one_line_per_definition_and_marks_the_change():
    fig = learning_curve_figure(HISTORY, [SPARC])
    axm = fig.axes[1]
    joined = [line for line in axm.lines if line.get_linestyle() == "-"]
    assert [list(line.get_ydata()) for line in joined] == [
        pytest.approx([-2.4, -2.3]),
        pytest.approx([-2.9, -2.8]),
    ]
    hollow = [line for line in axm.lines if line.get_linestyle() == "None"]
    assert len(hollow) == 2 and all(line.get_markerfacecolor() == "none" for line in hollow)
    marks = [line for line in axm.lines if line.get_linestyle() == ":"]
    assert sorted(float(np.asarray(m.get_xdata())[0]) for m in marks) == [1.5, 2.5, 4.5]
    texts = [t.get_text() for t in axm.texts]
    assert "definition: definition 1 → definition 2" in texts
    score_lines = [line for line in fig.axes[0].lines if line.get_linestyle() == "-"]
    assert len(score_lines) == 2  # two scorers: two lines
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels.count("score") == 1 and "scorer not recorded" in labels


def stored_assessment(sparc: float, versions) -> Assessment:
    provenance = {"model": {"name": "suturing", "version": "3", "sha256": "abc"}}
    if versions is not None:
        provenance[PROVENANCE_KEY] = versions
    return Assessment(
        status="scored",
        procedure="suturing",
        score=15.0,
        score_interval=(13.0, 17.0),
        metrics=[MetricComparison(name=SPARC, value=sparc, unit="1")],
        provenance=provenance,
    )


def test_the_history_tab_says_why_a_line_breaks(tmp_path):
    service = AppService(data_dir=tmp_path)
    try:
        for sparc, versions in ((-1.2, None), (-2.4, {SPARC: 1}), (-2.3, {SPARC: 1})):
            service.db.add_session(
                trainee=LOCAL_TRAINEE, procedure="suturing", assessment=stored_assessment(sparc, versions),
                source_name="a.mp4",
            )  # fmt: skip
        history = service.metric_history(LOCAL_TRAINEE, "suturing")
        assert [h["definitions"][SPARC] for h in history] == [None, 1, 1]
        assert [r.positions for r in progress_lines.runs(history, SPARC)] == [(0,), (1, 2)]
        _, curve, _, note, offer, button = events._history_handler(service)("suturing", [SPARC], None)
        assert curve.ndim == 3
        assert "stored before definitions were recorded" in note
        stale = len(service.stale_sessions(LOCAL_TRAINEE, "suturing"))  # at least the unrecorded one
        assert stale >= 1 and f"{stale} of your sessions w" in offer
        # stored without motion: nothing to re-read them from, said so, and no button, nor a note naming it
        assert "no stored motion" in offer and not button["visible"]
        assert "Re-score" not in note and "sessions rescore" not in note
    finally:
        service.close()

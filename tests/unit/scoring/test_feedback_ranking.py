"""Feedback: ranked by deviation from experts weighted by importance, 3-5 items, plain words + numbers."""

from __future__ import annotations

import pytest
from procedure_factory import suturing_procedure

from skillsight.scoring.feedback import evidence, metric_weights, rank_feedback
from skillsight.scoring.procedure import FeedbackText, Procedure
from skillsight.scoring.results import MetricComparison


def procedure(weights=None) -> Procedure:
    return suturing_procedure(
        metrics=("a", "b", "c", "d", "e", "f", "g", "needle_driver.path_length", "zzz.unknown"),
        feedback={
            "a": FeedbackText("Your hand travels far.", "Plan each pass before moving."),
            "path_length": FeedbackText("Long paths.", "Move directly."),
        },
        extra={"metric_weights": weights} if weights else {},
    )


def comparison(name: str, deviation: float | None, value: float = 2.0) -> MetricComparison:
    return MetricComparison(
        name=name,
        value=value,
        unit="s",
        percentile=90.0,
        expert_median=1.0,
        expert_low=0.5,
        expert_high=1.5,
        n_experts=20,
        higher_is_better=False,
        deviation=deviation,
    )


def test_ranked_by_deviation_and_capped_at_five():
    comps = [comparison(n, d) for n, d in zip("abcdefg", [2.0, 5.0, 1.5, 3.0, 4.0, 6.0, 7.0])]
    items = rank_feedback(comps, procedure())
    assert [i.metric for i in items] == ["g", "f", "b", "e", "d"]
    assert [i.rank for i in items] == [1, 2, 3, 4, 5]
    assert items[0].severity > items[-1].severity


def test_importance_changes_the_order():
    comps = [comparison("a", 2.0), comparison("b", 3.0), comparison("c", 2.5)]
    plain = [i.metric for i in rank_feedback(comps, procedure())]
    weighted = [i.metric for i in rank_feedback(comps, procedure(weights={"a": 4.0, "b": 1.0, "c": 1.0}))]
    assert plain[0] == "b"
    assert weighted[0] == "a"


def test_weights_normalise_to_mean_one():
    weights = metric_weights(procedure(weights={"a": 2.0, "b": 6.0}))
    assert weights == pytest.approx({"a": 0.5, "b": 1.5})


def test_uses_the_procedure_words_and_shows_the_numbers():
    items = rank_feedback(
        [comparison("a", 3.0, value=2.5), comparison("b", 2.0), comparison("c", 1.5)], procedure()
    )
    first = items[0]
    assert first.message == "Your hand travels far."
    assert first.tip == "Plan each pass before moving."
    assert "2.5 s" in first.evidence and "1 s" in first.evidence and "n=20" in first.evidence
    assert "hand_size" not in first.evidence and "experts" in first.evidence


def test_falls_back_to_the_role_free_name_then_to_a_generic_text():
    items = rank_feedback(
        [comparison("needle_driver.path_length", 3.0), comparison("zzz.unknown", 2.0), comparison("c", 1.8)],
        procedure(),
    )
    by_metric = {i.metric: i for i in items}
    assert by_metric["needle_driver.path_length"].tip == "Move directly."
    assert "zzz unknown" in by_metric["zzz.unknown"].message
    assert by_metric["zzz.unknown"].tip


def test_at_least_three_items_even_for_an_expert_like_practice():
    comps = [comparison("a", -1.0), comparison("b", 0.3), comparison("c", -0.2), comparison("d", None)]
    items = rank_feedback(comps, procedure())
    assert len(items) == 3
    assert [i.metric for i in items] == ["b", "c", "a"]  # closest to "worse" first
    assert "close to" in items[0].message
    assert "as good as the experts" in items[2].message
    assert items[2].tip.startswith("Keep doing this: plan each pass")


def test_only_the_procedures_metrics_give_feedback():
    comps = [comparison("a", 2.0), comparison("not.chosen", 9.0), comparison("b", 1.5), comparison("c", 1.2)]
    assert "not.chosen" not in [i.metric for i in rank_feedback(comps, procedure())]


def test_metrics_without_expert_comparison_are_never_used():
    comps = [comparison("a", None), MetricComparison(name="b", value=None, unit="s", deviation=None)]
    assert rank_feedback(comps, procedure()) == []


def test_evidence_handles_missing_numbers():
    text = evidence(MetricComparison(name="x", value=3.0, unit=""))
    assert text == "3"


def test_a_value_within_the_experts_range_is_not_said_worse_than_the_experts():
    """Two surgeons' narrow spread put 22.3 s per stitch 1.5 robust standard deviations from their median
    while inside their own 16.5-30.5 s: the page said "(in the range, percentile 83)" beside "Each stitch
    took longer than the experts' stitches". Within their middle 80%, it is said as it is."""
    inside = comparison("a", 3.0, value=1.4)  # far in standard deviations, within 0.5-1.5
    outside = comparison("b", 1.5, value=1.6)
    items = {i.metric: i for i in rank_feedback([inside, outside], procedure())}
    assert items["b"].message == "Your b differs from the experts'."
    assert items["a"].message == "Your a is within the experts' range, towards its weaker end."
    assert "travels far" not in items["a"].message and items["a"].tip == "Plan each pass before moving."

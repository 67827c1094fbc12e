"""The training domain in every scorer card, scores withheld outside it, probabilities that are never
certain, results that say when level, score and expert comparison disagree, and degenerate expert ranges
flagged where they are shown."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from skillsight.cli import app
from skillsight.scoring.assessment import assess_motion
from skillsight.scoring.calibration import fit_temperature, temper
from skillsight.scoring.consistency import consistency
from skillsight.scoring.domain import check_domain, training_domain
from skillsight.scoring.reference import FeatureDistribution, compare
from skillsight.scoring.results import EXIT_OUT_OF_DOMAIN, Feature, MetricComparison, ResultStatus
from skillsight.scoring.scorer import SkillScorer, export_onnx, load_scorer
from skillsight.scoring.synthetic import generate_practice

NAMES = [f"m{i}" for i in range(12)]


def correlated_matrix(n: int = 120, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(NAMES)))
    X[:, 1] = X[:, 0] + 0.1 * rng.normal(size=n)  # two metrics that always move together
    return X


# --- the domain ----------------------------------------------------------------------------------------


def test_new_practice_like_the_training_data_is_inside() -> None:
    domain = training_domain(correlated_matrix(), NAMES)
    rows = correlated_matrix(300, seed=1)
    inside = np.mean([check_domain(domain, row).inside for row in rows])
    assert inside >= 0.95


def test_a_metric_far_outside_is_named() -> None:
    domain = training_domain(correlated_matrix(), NAMES)
    row = correlated_matrix(1, seed=2)[0]
    row[5] = 40.0
    check = check_domain(domain, row)
    assert not check.inside and [o.name for o in check.out_of_range] == ["m5"]
    assert "unlike anything this model was trained on" in check.reason and "m5" in check.reason


def test_metrics_outside_are_named_in_the_trainees_words() -> None:
    names = ["needle_driver.log_dimensionless_jerk", "bimanual.simultaneous_share"]
    domain = training_domain(correlated_matrix()[:, :2], names)
    check = check_domain(domain, np.array([40.0, -40.0]))
    assert [o.name for o in check.out_of_range] == names  # the JSON keeps the metric names
    assert "needle-driver hand's smoothness (jerk score)" in check.reason
    assert "log_dimensionless_jerk" not in check.reason and "simultaneous_share" not in check.reason


def test_an_unseen_combination_is_novel_though_each_metric_is_in_range() -> None:
    domain = training_domain(correlated_matrix(), NAMES)
    row = np.zeros(len(NAMES))
    row[0], row[1] = 1.8, -1.8  # each usual, together never seen
    check = check_domain(domain, row)
    assert not check.out_of_range
    assert not check.inside and check.distance > check.threshold
    assert "combination" in check.reason


def test_missing_metrics_count_as_typical_and_constant_ones_as_ranges() -> None:
    X = correlated_matrix()
    X[:, 3] = 2.0
    X[::5, 4] = np.nan
    domain = training_domain(X, NAMES)
    row = np.zeros(len(NAMES))
    row[3], row[4] = 2.0, np.nan
    assert check_domain(domain, row).inside
    row[3] = 2.5
    assert [o.name for o in check_domain(domain, row).out_of_range] == ["m3"]


def test_cards_without_a_domain_are_not_checked() -> None:
    check = check_domain(None, np.zeros(3))
    assert check.inside and not check.known


def test_every_exported_scorer_card_carries_its_domain(tmp_path: Path) -> None:
    X = correlated_matrix()
    levels = np.array(["novice", "intermediate", "expert"])[np.digitize(X[:, 2], [-0.5, 0.5])]
    scores = 18 + 4 * X[:, 2]
    scorer = SkillScorer(score_range=(6.0, 30.0)).fit(X, levels, scores, feature_names=NAMES)
    onnx_path, card_path = export_onnx(scorer, tmp_path / "toy")
    card = json.loads(card_path.read_text())
    assert card["domain"]["feature_names"] == NAMES and card["domain"]["novelty"]["threshold"] > 0
    assert card["probability_calibration"]["floor"] > 0
    runtime = load_scorer(onnx_path)
    inside = runtime.predict({n: float(v) for n, v in zip(NAMES, X[0])})
    assert inside.domain.known and inside.domain.inside
    far = runtime.predict({**{n: 0.0 for n in NAMES}, "m7": 50.0})
    assert not far.domain.inside and far.domain.out_of_range[0].name == "m7"
    assert all(0 < p < 1 for p in far.probabilities.values())


# --- withheld outside the domain -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def unlike_training(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A suturing practice whose tracking shakes far more than any training practice's: at 120 px its wrist
    rotation range and path ratio leave their training ranges (at 80 px only the metrics' combination
    does since the hand size became a high percentile of the palm readings, which the shaking inflates:
    276 px against 166 px as the median, of a 90-px palm)."""
    motion = generate_practice(skill="expert", procedure="suturing", duration_s=30.0, seed=5, noise_px=120.0)
    return motion.save(tmp_path_factory.mktemp("motions") / "shaky")


def test_outside_the_domain_level_and_score_are_withheld_but_metrics_stay(unlike_training: Path) -> None:
    from skillsight.pose.motion import load_motion

    assessment = assess_motion(load_motion(unlike_training), "suturing")
    assert assessment.status == ResultStatus.OUT_OF_DOMAIN.value
    assert assessment.score is None and assessment.skill_level is None and not assessment.level_probabilities
    assert "outside its range" in assessment.refusal_reasons[0]
    assert assessment.metrics and all(m.expert_median is not None for m in assessment.metrics)
    assert assessment.feedback
    domain = assessment.provenance["domain"]
    assert domain["known"] and not domain["inside"] and domain["out_of_range"]


def test_cli_exit_code_four_and_json_status(unlike_training: Path, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    result = CliRunner().invoke(app, ["score", str(unlike_training), "-p", "suturing", "--json", str(out)])
    assert result.exit_code == EXIT_OUT_OF_DOMAIN == 4, result.output
    assert "WITHHELD" in result.output and "outside its range" in result.output
    data = json.loads(out.read_text())
    assert data["status"] == "out_of_domain" and data["score"] is None and data["metrics"]


def test_a_synthetic_practice_is_inside_and_never_certain() -> None:
    motion = generate_practice(skill="expert", procedure="suturing", duration_s=45.0, seed=77)
    assessment = assess_motion(motion, "suturing")
    assert assessment.status == ResultStatus.SCORED.value, assessment.refusal_reasons
    assert all(0.01 <= p <= 0.99 for p in assessment.level_probabilities.values())
    assert "consistency" in assessment.provenance


# --- calibration and consistency ------------------------------------------------------------------------


def test_tempered_probabilities_keep_a_floor_and_sum_to_one() -> None:
    p = temper(np.array([[1e-197, 1e-30, 1.0]]), temperature=1.0, floor=0.02)
    assert p.min() == pytest.approx(0.02) and p.sum() == pytest.approx(1.0) and p.max() < 0.97


def test_temperature_grows_for_an_overconfident_model() -> None:
    rng = np.random.default_rng(0)
    labels = rng.choice(["a", "b"], 200)
    right = rng.random(200) < 0.7  # 70% right, but always 99% sure
    predicted = np.where(right, labels, np.where(labels == "a", "b", "a"))
    p = np.where((predicted == "a")[:, None], [[0.99, 0.01]], [[0.01, 0.99]])
    assert fit_temperature(p, labels, ["a", "b"], floor=0.0) > 2.0


def comparison(name: str, value: float) -> MetricComparison:
    return MetricComparison(name, value, "s", expert_low=1.0, expert_high=2.0, expert_median=1.5)


def test_disagreement_between_level_score_and_experts_is_explained() -> None:
    far = [comparison(f"x{i}", 10.0) for i in range(9)]
    result = consistency("expert", 28.0, {"min": 6, "max": 30}, far)
    assert not result["agree"] and result["levels"]["expert_comparison"] == "novice"
    assert "0% of 9 metrics" in result["explanation"]
    near = [comparison(f"x{i}", 1.5) for i in range(9)]
    assert consistency("expert", 28.0, {"min": 6, "max": 30}, near)["agree"]


# --- degenerate expert ranges ---------------------------------------------------------------------------


def test_degenerate_expert_ranges_are_flagged_where_shown() -> None:
    same = FeatureDistribution.from_values([60.0] * 20, unit="s")
    few = FeatureDistribution.from_values([1.0, 2.0, 3.0], unit="s", n_experts=3)
    fine = FeatureDistribution.from_values(list(np.linspace(1, 3, 20)), unit="s", n_experts=20)
    assert "no real spread" in same.degenerate_reason
    assert "only 3 experts" in few.degenerate_reason
    assert fine.degenerate_reason == ""

    class Ref:
        features = {"a": same, "b": fine}

    shown = {m.name: m for m in compare({"a": Feature("a", 61.0, "s"), "b": Feature("b", 2.0, "s")}, Ref())}
    assert shown["a"].reference_note and not shown["b"].reference_note


def test_shipped_references_have_no_degenerate_ranges() -> None:
    from skillsight.models import default_reference_path
    from skillsight.scoring.reference import load_reference

    for procedure in ("suturing", "intubation"):
        reference = load_reference(default_reference_path(procedure))
        assert "task.duration" not in reference.degenerate_metrics(), procedure


def test_page_shows_the_withheld_state_and_thin_ranges() -> None:
    from skillsight.scoring.results import Assessment, FeedbackItem
    from skillsight.webapp.views import expert_range_text, feedback_markdown, summary_markdown

    withheld = Assessment(
        status=ResultStatus.OUT_OF_DOMAIN.value,
        procedure="suturing",
        refusal_reasons=["your motion is unlike anything this model was trained on: ..."],
        feedback=[FeedbackItem(1, "task.duration", "Slower than experts.", "Plan each stitch.", 2.0)],
    )
    summary = summary_markdown(withheld)
    assert "withheld" in summary.lower() and "unlike anything" in summary
    assert "Slower than experts." in feedback_markdown(withheld)
    thin = MetricComparison("task.duration", 61.0, "s", expert_low=60.0, expert_high=60.0, reference_note="x")
    assert "not a real range" in expert_range_text(thin)


def test_page_says_when_level_score_and_experts_disagree() -> None:
    from skillsight.scoring.results import Assessment
    from skillsight.webapp.views import summary_markdown

    far = [comparison(f"x{i}", 10.0) for i in range(9)]
    scored = Assessment(status="scored", procedure="suturing", skill_level="expert", score=28.0)
    scored.provenance["consistency"] = consistency("expert", 28.0, {"min": 6, "max": 30}, far)
    assert "These do not agree" in summary_markdown(scored)

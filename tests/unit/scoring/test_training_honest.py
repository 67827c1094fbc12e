"""Honest training (issue 11 item 5): nested, grouped model choice with the linear baseline beside it,
participant-grouped conformal intervals, calibration of level probabilities, on generated JIGSAWS data
as hard as the real release."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from jigsaws_factory import write_jigsaws_task

from skillsight.datasets import load_dataset
from skillsight.scoring.calibration_report import reliability
from skillsight.scoring.evaluation import cross_validate, inner_splits, protocol_splits
from skillsight.scoring.scorer import SkillScorer, conformal_splits, load_scorer
from skillsight.scoring.training import FeatureMatrix, build_feature_matrix, export_trained_scorer, fit_scorer

FIGURE_KEYS = ("accuracy", "spearman", "interval_coverage", "ece")


@pytest.fixture(scope="module")
def hard_matrix(tmp_path_factory: pytest.TempPathFactory) -> FeatureMatrix:
    folder = write_jigsaws_task(tmp_path_factory.mktemp("hard"), task="Suturing", trials_per_user=3)
    return build_feature_matrix(load_dataset("jigsaws", folder), feature_set="kinematic-baseline")


def test_reliability_known_answer() -> None:
    labels = ["expert", "novice"]
    probabilities = np.array([[0.9, 0.1], [0.9, 0.1], [0.3, 0.7], [0.3, 0.7]])
    table = reliability(["expert", "novice", "novice", "novice"], probabilities, labels, n_bins=5)
    # Bin 0.8-1.0: confidence 0.9, right half the time; bin 0.6-0.8: confidence 0.7, always right.
    assert table["ece"] == pytest.approx(0.5 * 0.4 + 0.5 * 0.3)
    assert [b["n"] for b in table["bins"]] == [0, 0, 0, 2, 2]
    assert table["bins"][4]["accuracy"] == 0.5 and table["bins"][3]["confidence"] == pytest.approx(0.7)
    assert table["brier"] == pytest.approx(np.mean([0.02, 1.62, 0.18, 0.18]))
    perfect = reliability(["expert", "novice"], np.array([[1.0, 0.0], [0.0, 1.0]]), labels)
    assert perfect["ece"] == 0.0 and perfect["brier"] == 0.0


def _participant_data(rng: np.random.Generator, n_people: int, per_person: int) -> tuple:
    """Features = a weak skill signal + each participant's style; GRS = skill + a participant effect
    that the style lets a model memorise but that does not carry over to a new participant."""
    people = np.repeat(np.arange(n_people), per_person)
    skill = rng.normal(0, 1, n_people)[people] + rng.normal(0, 0.3, people.size)
    style = rng.normal(0, 1, (n_people, 12))[people] + rng.normal(0, 0.1, (people.size, 12))
    effect = rng.normal(0, 2.0, n_people)[people]
    X = np.column_stack([skill + rng.normal(0, 0.5, people.size), style])
    grs = 18 + 3 * skill + effect + rng.normal(0, 0.5, people.size)
    levels = np.where(skill > 0, "expert", "novice")
    return X, levels, grs, people


def test_conformal_folds_leave_whole_participants_out() -> None:
    groups = np.repeat(["a", "b", "c", "d"], 3)
    for train, test in conformal_splits(12, groups, 5, 0):
        assert len(set(groups[test])) == 1 and not set(groups[train]) & set(groups[test])
    assert len(conformal_splits(12, None, 5, 0)) == 5  # plain K-fold without groups


def test_grouped_conformal_covers_a_new_participant_where_plain_kfold_does_not() -> None:
    rng = np.random.default_rng(4)
    covered: dict[str, list[float]] = {"grouped": [], "plain": []}
    for _ in range(4):
        X, levels, grs, people = _participant_data(rng, 30, 4)
        X_new, _, grs_new, _ = _participant_data(rng, 60, 4)
        for kind, groups in (("grouped", people), ("plain", None)):
            scorer = SkillScorer("logistic", "ridge", coverage=0.9, alpha=1.0, scaling="standard")
            scorer.fit(X, levels, grs, groups=groups)
            low, high = scorer.predict_interval(X_new).T
            covered[kind].append(float(np.mean((grs_new >= low) & (grs_new <= high))))
    assert abs(np.mean(covered["grouped"]) - 0.9) <= 0.05, covered
    assert np.mean(covered["plain"]) < np.mean(covered["grouped"]) - 0.05, covered


def test_inner_splits_are_grouped_like_the_outer_protocol(hard_matrix: FeatureMatrix) -> None:
    for protocol, groups in (("louo", hard_matrix.participants), ("loso", hard_matrix.supertrials)):
        for train, test in protocol_splits(hard_matrix, protocol):
            inner = inner_splits(hard_matrix, train, protocol)
            assert len(inner) == len(set(groups[train]))
            for inner_train, inner_test in inner:
                assert not set(groups[train][inner_train]) & set(groups[train][inner_test])
                assert not set(groups[train]) & set(groups[test])


def test_report_holds_every_figure_for_the_choice_and_the_baseline(hard_matrix: FeatureMatrix) -> None:
    report = cross_validate(hard_matrix, "loso", scope="linear")
    for key in FIGURE_KEYS:
        assert isinstance(report[key], float) and isinstance(report["baseline"][key], float), key
    assert 0 <= report["ece"] <= 1 and sum(b["n"] for b in report["reliability"]) == report["n"] == 24
    selection = report["model_selection"]
    assert selection["candidates"]["classifier"][0] == "logistic C=0.1"
    assert selection["candidates"]["regressor"][0] == "ridge alpha=30"
    assert len(selection["folds"]) == report["n_folds"] == 3
    assert sum(selection["chosen_classifier"].values()) == 3
    assert all(
        set(fold["classifier_log_loss"]) == set(selection["candidates"]["classifier"])
        for fold in selection["folds"]
    )
    json.dumps(report, allow_nan=False)  # the report JSON is strict JSON


def test_chosen_model_exports_to_onnx_with_its_choice_on_the_card(
    hard_matrix: FeatureMatrix, tmp_path: Path
) -> None:
    scorer = fit_scorer(hard_matrix, protocol="louo")
    report = cross_validate(hard_matrix, "louo", scope="linear")
    onnx_path, card_path = export_trained_scorer(scorer, hard_matrix, tmp_path, cross_validation=report)
    card = json.loads(card_path.read_text())
    selection = card["model_selection"]
    assert (
        selection["classifier"] == scorer.model_selection_["classifier"]
        and selection["inner_protocol"] == "louo"
    )
    assert "random_forest" in selection["classifier_log_loss"]  # the candidates and their inner losses
    nested = selection["nested_cv"]["louo"]
    assert set(FIGURE_KEYS) <= set(nested["chosen"]) and set(FIGURE_KEYS) <= set(nested["baseline"])
    assert card["cross_validation"]["louo"]["baseline"]["accuracy"] == report["baseline"]["accuracy"]
    assert "participants" in card["conformal"]["method"]
    loaded = load_scorer(onnx_path)
    probabilities, score = loaded.run(hard_matrix.X)
    assert np.allclose(probabilities, scorer.predict_proba(hard_matrix.X), atol=1e-6)
    assert np.allclose(score, scorer.regressor_pipeline_.predict(hard_matrix.X), atol=1e-6)


@pytest.mark.parametrize("config", [("logistic", "ridge"), ("random_forest", "random_forest")])
def test_every_candidate_kind_exports(hard_matrix: FeatureMatrix, tmp_path: Path, config: tuple) -> None:
    from skillsight.scoring.scorer import export_onnx

    scorer = SkillScorer(config[0], config[1], C=0.1, alpha=30.0, scaling="standard", score_range=(6, 30))
    rows = hard_matrix.levels != ""
    scorer.fit(
        hard_matrix.X[rows],
        hard_matrix.levels[rows],
        hard_matrix.scores[rows],
        groups=hard_matrix.participants[rows],
    )
    onnx_path, _ = export_onnx(scorer, tmp_path / "m")
    probabilities, _ = load_scorer(onnx_path).run(hard_matrix.X)
    assert np.allclose(probabilities, scorer.predict_proba(hard_matrix.X), atol=1e-5)


@pytest.fixture(scope="module")
def release_reports(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """LOUO nested CV on three generated Suturing releases (8 surgeons x 5 trials each)."""
    reports = []
    for seed in range(3):
        folder = write_jigsaws_task(tmp_path_factory.mktemp(f"release{seed}"), "Suturing", 5, seed=seed)
        matrix = build_feature_matrix(load_dataset("jigsaws", folder), feature_set="kinematic-baseline")
        reports.append(cross_validate(matrix, "louo"))
        chosen, base, selection = reports[-1], reports[-1]["baseline"], reports[-1]["model_selection"]
        print(  # shown with -s: the figures the report to the lead quotes
            f"seed {seed} LOUO chosen acc {chosen['accuracy']:.2f} rho {chosen['spearman']:.2f} "
            f"MAE {chosen['mae']:.2f} coverage {chosen['interval_coverage']:.2f} ECE {chosen['ece']:.2f} | "
            f"baseline acc {base['accuracy']:.2f} rho {base['spearman']:.2f} MAE {base['mae']:.2f} "
            f"coverage {base['interval_coverage']:.2f} ECE {base['ece']:.2f} | "
            f"chosen {selection['chosen_classifier']} {selection['chosen_regressor']}"
        )
    return reports


@pytest.mark.slow
def test_generated_release_is_as_hard_as_the_real_one(release_reports: list[dict]) -> None:
    """The old easy figures (LOUO accuracy 0.90, Spearman 0.97) are out of reach, yet there is a signal."""
    for report in release_reports:
        for figures in (report, report["baseline"]):
            assert figures["accuracy"] < 0.85 and figures["spearman"] < 0.9, figures
    assert np.mean([r["baseline"]["spearman"] for r in release_reports]) > 0.1


@pytest.mark.slow
def test_chosen_model_is_never_much_worse_than_the_linear_baseline(release_reports: list[dict]) -> None:
    for report in release_reports:
        baseline = report["baseline"]
        assert report["accuracy"] >= baseline["accuracy"] - 0.1
        assert report["spearman"] >= baseline["spearman"] - 0.1
        # Measured: 4.19 against 3.77 on one seed (inner losses on ~35 trials are noisy); 15% is the gate.
        assert report["mae"] <= baseline["mae"] * 1.15


@pytest.mark.slow
def test_louo_interval_coverage_is_near_nominal(release_reports: list[dict]) -> None:
    coverage = [r["interval_coverage"] for r in release_reports]
    assert abs(np.mean(coverage) - 0.9) <= 0.05, coverage


def test_probability_calibration_is_fitted_on_out_of_fold_probabilities() -> None:
    """The card's probability calibration is fitted on the nested-CV out-of-fold probabilities: an
    overconfident model (sure, and often wrong) gets a temperature above 1; without predictions, nothing."""
    from skillsight.scoring.training import probability_calibration_fields

    rows = []
    for i in range(40):
        truth = "novice" if i % 2 else "expert"
        said = truth if i % 4 < 2 else ("expert" if truth == "novice" else "novice")  # right half the time
        rows.append(
            {
                "level": truth,
                "probabilities": {said: 0.99, ("novice" if said == "expert" else "expert"): 0.01},
            }
        )
    assert probability_calibration_fields({}) == {}
    section = probability_calibration_fields({"predictions": rows})["probability_calibration"]
    assert section["temperature"] > 1.0
    assert 0.0 < section["floor"] < 0.5


def test_too_few_labelled_samples_says_how_many_of_all_and_where_levels_go():
    """`train --dataset bvh` on the shared (unlabelled) recordings said only "only 0 samples have a skill
    level; need at least 4", not how many there were nor where a level is given."""
    from skillsight.scoring.training import TrainingError

    n = 2
    matrix = FeatureMatrix(
        X=np.zeros((n, 3)),
        feature_names=("a", "b", "c"),
        levels=np.array(["", ""], dtype=object),
        scores=np.full(n, np.nan),
        participants=np.array(["p1", "p2"], dtype=object),
        supertrials=np.array(["1", "1"], dtype=object),
        trials=np.array(["t1", "t2"], dtype=object),
        feature_set="default",
        motion_kind="mocap_3d",
        units="m",
        procedure="knot_tying",
    )
    with pytest.raises(TrainingError, match=r"only 0 of 2 samples have a skill level.*labels\.csv"):
        protocol_splits(matrix, "louo")

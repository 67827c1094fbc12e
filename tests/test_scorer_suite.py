"""One suite every scorer configuration passes: the scikit-learn contract, learning a separable
problem, ONNX agreeing with scikit-learn, honest interval coverage, and refusing tampered or
mismatched models."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from skillsight.scoring.results import Feature
from skillsight.scoring.scorer import (
    ModelError,
    ModelIntegrityError,
    ModelSchemaError,
    ScorerOutput,
    SkillScorer,
    conformal_quantile,
    export_onnx,
    feature_importance,
    load_scorer,
    read_card,
)

CONFIGURATIONS = [
    ("logistic", "ridge"),
    ("random_forest", "random_forest"),
    ("gradient_boosting", "gradient_boosting"),
    ("ensemble", "ensemble"),
]
IDS = [f"{c}+{r}" for c, r in CONFIGURATIONS]
N_FEATURES = 10
FEATURE_NAMES = tuple(f"metric_{i}" for i in range(N_FEATURES))


def make_problem(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Skill in [0, 1] drives three features and the score (6-30); the rest is noise; 3% missing."""
    rng = np.random.default_rng(seed)
    skill = rng.uniform(0, 1, n)
    X = rng.normal(size=(n, N_FEATURES))
    X[:, 0] += 15 * skill
    X[:, 1] -= 10 * skill
    X[:, 2] += 3 * skill**2
    X[rng.random(X.shape) < 0.03] = np.nan
    levels = np.where(skill < 0.33, "novice", np.where(skill < 0.66, "intermediate", "expert"))
    # Keep the classes apart (a margin around the thresholds) so the problem is separable.
    keep = (np.abs(skill - 0.33) > 0.05) & (np.abs(skill - 0.66) > 0.05)
    score = 6 + 24 * skill + rng.normal(0, 1.0, n)
    return X[keep], levels[keep], score[keep]


TRAIN = make_problem(200, seed=1)
TEST = make_problem(300, seed=2)
_FITTED: dict[tuple[str, str], SkillScorer] = {}


def fitted(config: tuple[str, str]) -> SkillScorer:
    if config not in _FITTED:
        X, y, s = TRAIN
        _FITTED[config] = SkillScorer(config[0], config[1], coverage=0.9, score_range=(6, 30)).fit(
            X, y, s, feature_names=FEATURE_NAMES
        )
    return _FITTED[config]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("models")
    paths = {}
    for config in CONFIGURATIONS:
        onnx_path, _ = export_onnx(
            fitted(config),
            folder / f"{config[0]}-{config[1]}",
            {"procedure": "suturing", "motion_kind": "video_2d", "units": "hand_size", "name": "test"},
        )
        paths[config] = onnx_path
    return paths


# --- the scikit-learn contract -----------------------------------------------------------------------


@pytest.mark.parametrize("config", CONFIGURATIONS, ids=IDS)
def test_clone_and_params_round_trip(config: tuple[str, str]) -> None:
    from sklearn.base import clone

    scorer = SkillScorer(config[0], config[1], coverage=0.8, random_state=3)
    params = scorer.get_params()
    assert params["classifier"] == config[0] and params["coverage"] == 0.8
    twin = clone(scorer)
    assert twin is not scorer and twin.get_params() == params
    assert SkillScorer().set_params(**params).get_params() == params
    with pytest.raises(ValueError, match="invalid parameter"):
        scorer.set_params(learning_rate=0.1)


@pytest.mark.parametrize("config", CONFIGURATIONS, ids=IDS)
def test_unfitted_raises_not_fitted(config: tuple[str, str]) -> None:
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    scorer = SkillScorer(*config)
    for method in (scorer.predict, scorer.predict_proba, scorer.predict_score, scorer.predict_interval):
        with pytest.raises(NotFittedError):
            method(TEST[0])
    with pytest.raises(NotFittedError):
        check_is_fitted(scorer)


@pytest.mark.parametrize("config", CONFIGURATIONS, ids=IDS)
def test_fit_returns_self_and_fitted_attributes_end_in_underscore(config: tuple[str, str]) -> None:
    scorer = SkillScorer(*config)
    before = set(vars(scorer))
    X, y, s = TRAIN
    assert scorer.fit(X[:90], y[:90], s[:90]) is scorer
    added = set(vars(scorer)) - before
    assert added and all(name.endswith("_") for name in added)
    assert not any(name.endswith("_") for name in before)
    assert list(scorer.classes_) == sorted(set(y[:90]))
    assert scorer.feature_names_in_.tolist() == [f"x{i}" for i in range(N_FEATURES)]


def test_constructor_only_stores_parameters() -> None:
    scorer = SkillScorer(classifier="no-such-model", coverage=2.0)  # validated at fit, not here
    assert scorer.classifier == "no-such-model"
    with pytest.raises(ValueError, match="coverage"):
        scorer.fit(*TRAIN)
    with pytest.raises(ValueError, match="unknown classifier"):
        SkillScorer(classifier="no-such-model").fit(*TRAIN)


# --- it learns --------------------------------------------------------------------------------------


@pytest.mark.parametrize("config", CONFIGURATIONS, ids=IDS)
def test_learns_a_separable_problem(config: tuple[str, str]) -> None:
    from scipy.stats import spearmanr

    scorer = fitted(config)
    X, y, s = TEST
    assert np.mean(scorer.predict(X) == y) >= 0.85
    assert spearmanr(scorer.predict_score(X), s).statistic >= 0.85
    proba = scorer.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    importance = feature_importance(scorer)
    assert sum(importance.values()) == pytest.approx(1.0)
    top_two = sorted(importance, key=importance.__getitem__, reverse=True)[:2]
    assert set(top_two) <= {"metric_0", "metric_1", "metric_2"}  # the informative ones


@pytest.mark.parametrize("config", CONFIGURATIONS, ids=IDS)
def test_interval_coverage_near_nominal_on_held_out_data(config: tuple[str, str]) -> None:
    scorer = fitted(config)
    X, _, s = TEST
    interval = scorer.predict_interval(X)
    covered = np.mean((s >= interval[:, 0]) & (s <= interval[:, 1]))
    assert 0.8 <= covered <= 0.99, f"coverage {covered:.3f} for nominal 0.9"
    assert np.all(interval[:, 0] <= scorer.predict_score(X)) and np.all(interval[:, 1] >= 6)


def test_conformal_quantile_known_answer() -> None:
    residuals = np.array([-9, 1, 2, -3, 4, 5, 6, 7, 8.0])
    # n=9, coverage 0.8: the ceil(10 * 0.8) = 8th smallest absolute residual.
    assert conformal_quantile(residuals, 0.8) == 8.0
    assert conformal_quantile(residuals, 0.99) == 9.0  # too few residuals: the largest


# --- ONNX ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("config", CONFIGURATIONS, ids=IDS)
def test_onnx_agrees_with_sklearn(config: tuple[str, str], exported: dict[tuple[str, str], Path]) -> None:
    scorer = fitted(config)
    runtime = load_scorer(exported[config])
    X, _, _ = TEST
    out = runtime.predict_many(X)
    np.testing.assert_allclose(out["probabilities"], scorer.predict_proba(X), atol=1e-4, rtol=0)
    np.testing.assert_allclose(out["score"], scorer.predict_score(X), atol=1e-4, rtol=0)
    interval = scorer.predict_interval(X)
    np.testing.assert_allclose(out["low"], interval[:, 0], atol=1e-4, rtol=0)
    np.testing.assert_allclose(out["high"], interval[:, 1], atol=1e-4, rtol=0)
    assert runtime.levels == tuple(scorer.classes_)


def test_predict_takes_features_by_name_and_reports_missing(exported: dict[tuple[str, str], Path]) -> None:
    config = CONFIGURATIONS[0]
    runtime = load_scorer(exported[config])
    row = TEST[0][0]
    features = {name: Feature(name, float(v), "1") for name, v in zip(FEATURE_NAMES, row)}
    features.pop("metric_5")
    out = runtime.predict(features)
    assert isinstance(out, ScorerOutput)
    assert "metric_5" in out.missing_features
    assert out.level in ("novice", "intermediate", "expert")
    assert abs(sum(out.probabilities.values()) - 1.0) < 1e-6
    assert out.interval[0] <= out.score <= out.interval[1] and out.coverage == 0.9
    expected = fitted(config).predict_score(np.where(np.arange(N_FEATURES) == 5, np.nan, row)[None])[0]
    assert out.score == pytest.approx(expected, abs=1e-4)
    json.dumps(out.to_dict())


def test_card_records_schema_and_provenance(exported: dict[tuple[str, str], Path]) -> None:
    card = read_card(exported[CONFIGURATIONS[1]])
    assert card["kind"] == "scorer" and card["procedure"] == "suturing"
    assert card["feature_names"] == list(FEATURE_NAMES)
    assert card["motion_kind"] == "video_2d" and card["units"] == "hand_size"
    assert card["levels"] == ["expert", "intermediate", "novice"]
    assert card["conformal"]["coverage"] == 0.9 and card["conformal"]["quantile"] > 0
    assert card["score_scale"]["min"] == 6 and card["score_scale"]["max"] == 30
    assert len(card["sha256"]) == 64 and card["created"]
    assert set(card["feature_importance"]) == set(FEATURE_NAMES)


# --- refusing what does not fit ----------------------------------------------------------------------


def test_load_refuses_a_tampered_model(exported: dict[tuple[str, str], Path], tmp_path: Path) -> None:
    source = exported[CONFIGURATIONS[0]]
    onnx_copy, card_copy = tmp_path / source.name, tmp_path / source.with_suffix(".json").name
    data = bytearray(source.read_bytes())
    data[-20] ^= 0xFF
    onnx_copy.write_bytes(bytes(data))
    card_copy.write_text(source.with_suffix(".json").read_text())
    with pytest.raises(ModelIntegrityError, match="sha256"):
        load_scorer(onnx_copy)


def test_load_refuses_other_cards(tmp_path: Path) -> None:
    (tmp_path / "ref.json").write_text(json.dumps({"kind": "reference"}))
    with pytest.raises(ModelSchemaError, match="not a scorer"):
        load_scorer(tmp_path / "ref.json")
    with pytest.raises(ModelError, match="not found"):
        load_scorer(tmp_path / "absent.onnx")
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(ModelError, match="not a readable model card"):
        load_scorer(tmp_path / "broken.json")


def test_check_compatible_refuses_mismatched_motion(exported: dict[tuple[str, str], Path]) -> None:
    runtime = load_scorer(exported[CONFIGURATIONS[0]])
    runtime.check_compatible("video_2d", "hand_size", FEATURE_NAMES + ("extra",))  # fits: no error
    with pytest.raises(ModelSchemaError, match="kinematics_3d"):
        runtime.check_compatible("kinematics_3d", "hand_size", FEATURE_NAMES)
    with pytest.raises(ModelSchemaError, match="'m'"):
        runtime.check_compatible("video_2d", "m", FEATURE_NAMES)
    with pytest.raises(ModelSchemaError, match="metric_3"):
        runtime.check_compatible("video_2d", "hand_size", FEATURE_NAMES[:3])


def test_inference_does_not_import_sklearn(exported: dict[tuple[str, str], Path]) -> None:
    path = exported[CONFIGURATIONS[3]]
    code = (
        "import sys\n"
        "from skillsight.scoring.scorer import load_scorer\n"
        f"s = load_scorer({str(path)!r})\n"
        "out = s.predict({'metric_0': 1.0})\n"
        "assert 'sklearn' not in sys.modules, 'sklearn imported'\n"
        "assert 'skl2onnx' not in sys.modules\n"
        "print(out.level)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() in ("novice", "intermediate", "expert")

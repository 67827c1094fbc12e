"""The scorer conformance suite: what every skill scorer configuration (and a lab's own) must pass.

A scorer here is an estimator with SkillScorer's contract: ``fit(X, levels, scores, feature_names=)``,
``predict``, ``predict_proba``, ``predict_score``, ``predict_interval``, ``get_params``/``set_params``,
fitted attributes ending in ``_``, and export to ONNX through scoring.scorer.export_onnx. The suite fits
it once on a separable synthetic problem (at COVERAGE and SCORE_RANGE), exports it once into `folder`,
and runs each check on that.

    suite = ScorerConformance(lambda: SkillScorer("logistic", "ridge"), tmp_path)
    suite.run_all()            # or suite.run("onnx_agrees_with_estimator")
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import numpy as np

from skillsight.scoring.results import SKILL_LEVELS, Feature
from skillsight.scoring.scorer import (
    ModelIntegrityError,
    ModelSchemaError,
    OnnxScorer,
    ScorerOutput,
    export_onnx,
    feature_importance,
    load_scorer,
    read_card,
)

N_FEATURES = 10
FEATURE_NAMES = tuple(f"metric_{i}" for i in range(N_FEATURES))
INFORMATIVE = ("metric_0", "metric_1", "metric_2")
COVERAGE = 0.9
SCORE_RANGE = (6.0, 30.0)
CARD_FIELDS = {
    "procedure": "suturing",
    "motion_kind": "video_2d",
    "units": "hand_size",
    "name": "conformance",
}
Problem = tuple[np.ndarray, np.ndarray, np.ndarray]


def separable_problem(n: int, seed: int) -> Problem:
    """Skill in [0, 1] drives three features and the score (6-30); the rest is noise; 3% missing.
    The classes are kept apart (a margin around the thresholds), so any sound scorer separates them."""
    rng = np.random.default_rng(seed)
    skill = rng.uniform(0, 1, n)
    X = rng.normal(size=(n, N_FEATURES))
    X[:, 0] += 15 * skill
    X[:, 1] -= 10 * skill
    X[:, 2] += 3 * skill**2
    X[rng.random(X.shape) < 0.03] = np.nan
    levels = np.where(skill < 0.33, "novice", np.where(skill < 0.66, "intermediate", "expert"))
    keep = (np.abs(skill - 0.33) > 0.05) & (np.abs(skill - 0.66) > 0.05)
    score = 6 + 24 * skill + rng.normal(0, 1.0, n)
    return X[keep], levels[keep], score[keep]


class ScorerConformance:
    """The checks, sharing one fitted scorer and one exported model."""

    def __init__(self, make_scorer: Callable[[], Any], folder: Path) -> None:
        self.make_scorer = make_scorer
        self.folder = Path(folder)
        self.train = separable_problem(200, seed=1)
        self.test = separable_problem(300, seed=2)
        self._fitted: Any = None
        self._onnx: Optional[Path] = None

    @property
    def fitted(self) -> Any:
        if self._fitted is None:
            X, y, s = self.train
            scorer = self.make_scorer().set_params(coverage=COVERAGE, score_range=SCORE_RANGE)
            self._fitted = scorer.fit(X, y, s, feature_names=FEATURE_NAMES)
        return self._fitted

    @property
    def onnx_path(self) -> Path:
        if self._onnx is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._onnx, _ = export_onnx(self.fitted, self.folder / "conformance-scorer", CARD_FIELDS)
        return self._onnx

    def runtime(self) -> OnnxScorer:
        return load_scorer(self.onnx_path)

    def run(self, name: str) -> None:
        """Run one check by name; AssertionError says what is wrong."""
        SCORER_CHECKS[name](self)

    def run_all(self) -> list[str]:
        for name in SCORER_CHECKS:
            self.run(name)
        return list(SCORER_CHECKS)


def check_scorer(make_scorer: Callable[[], Any], folder: Path) -> list[str]:
    """Run every scorer check; returns their names (all passed) or raises at the first failure."""
    return ScorerConformance(make_scorer, folder).run_all()


# --- the scikit-learn contract -------------------------------------------------------------------


def params_round_trip(suite: ScorerConformance) -> None:
    from sklearn.base import clone  # lazy: scikit-learn is the training side's dependency

    scorer = suite.make_scorer()
    params = scorer.get_params()
    twin = clone(scorer)
    assert twin is not scorer and twin.get_params() == params, "clone() does not keep the parameters"
    assert type(scorer)().set_params(**params).get_params() == params, "set_params/get_params differ"
    try:
        scorer.set_params(no_such_parameter=0.1)
    except ValueError:
        return
    raise AssertionError("set_params accepted an unknown parameter")


def unfitted_raises_not_fitted(suite: ScorerConformance) -> None:
    from sklearn.exceptions import NotFittedError  # lazy: as above

    scorer = suite.make_scorer()
    for method in (scorer.predict, scorer.predict_proba, scorer.predict_score, scorer.predict_interval):
        try:
            method(suite.test[0])
        except NotFittedError:
            continue
        raise AssertionError(f"{method.__name__} on an unfitted scorer did not raise NotFittedError")


def fit_returns_self_and_marks_fitted_attributes(suite: ScorerConformance) -> None:
    scorer = suite.make_scorer()
    before = set(vars(scorer))
    X, y, s = suite.train
    assert scorer.fit(X[:90], y[:90], s[:90]) is scorer, "fit must return self"
    added = set(vars(scorer)) - before
    assert added and all(n.endswith("_") for n in added), f"fitted attributes must end in _: {added}"
    assert not any(n.endswith("_") for n in before), "the constructor set fitted-looking attributes"
    assert list(scorer.classes_) == sorted(set(y[:90])), "classes_ are not the sorted labels"
    names = [f"x{i}" for i in range(N_FEATURES)]
    assert list(scorer.feature_names_in_) == names, "unnamed features are not called x0, x1, ..."


# --- it learns, honestly ---------------------------------------------------------------------------


def learns_a_separable_problem(suite: ScorerConformance) -> None:
    from scipy.stats import spearmanr

    scorer = suite.fitted
    X, y, s = suite.test
    accuracy = float(np.mean(scorer.predict(X) == y))
    assert accuracy >= 0.85, f"accuracy {accuracy:.2f} on a separable problem (>= 0.85 expected)"
    rho = spearmanr(scorer.predict_score(X), s).statistic
    assert rho >= 0.85, f"score rank correlation {rho:.2f} (>= 0.85 expected)"
    np.testing.assert_allclose(scorer.predict_proba(X).sum(axis=1), 1.0, atol=1e-9)
    importance = feature_importance(scorer)
    assert abs(sum(importance.values()) - 1.0) < 1e-9, "feature importances do not sum to 1"
    top_two = sorted(importance, key=importance.__getitem__, reverse=True)[:2]
    assert set(top_two) <= set(INFORMATIVE), f"the most important features {top_two} are noise"


def interval_covers_near_nominal(suite: ScorerConformance) -> None:
    scorer = suite.fitted
    X, _, s = suite.test
    interval = scorer.predict_interval(X)
    covered = float(np.mean((s >= interval[:, 0]) & (s <= interval[:, 1])))
    assert 0.8 <= covered <= 0.99, f"coverage {covered:.3f} on held-out data for nominal {COVERAGE}"
    assert np.all(interval[:, 0] <= scorer.predict_score(X)), "an interval lies above its score"
    assert np.all(interval[:, 1] >= SCORE_RANGE[0]), "an interval lies below the score scale"


# --- ONNX, the card, and refusing what does not fit ------------------------------------------------


def onnx_agrees_with_estimator(suite: ScorerConformance) -> None:
    scorer, runtime = suite.fitted, suite.runtime()
    X = suite.test[0]
    out = runtime.predict_many(X)
    np.testing.assert_allclose(out["probabilities"], scorer.predict_proba(X), atol=1e-4, rtol=0)
    np.testing.assert_allclose(out["score"], scorer.predict_score(X), atol=1e-4, rtol=0)
    interval = scorer.predict_interval(X)
    np.testing.assert_allclose(out["low"], interval[:, 0], atol=1e-4, rtol=0)
    np.testing.assert_allclose(out["high"], interval[:, 1], atol=1e-4, rtol=0)
    assert runtime.levels == tuple(scorer.classes_), "the ONNX model's levels differ from classes_"


def predicts_by_name_and_reports_missing(suite: ScorerConformance) -> None:
    runtime = suite.runtime()
    row = suite.test[0][0]
    features = {name: Feature(name, float(v), "1") for name, v in zip(FEATURE_NAMES, row)}
    features.pop("metric_5")
    out = runtime.predict(features)
    assert isinstance(out, ScorerOutput), f"predict returned {type(out).__name__}, not ScorerOutput"
    assert "metric_5" in out.missing_features, "a missing feature is not reported"
    assert out.level in SKILL_LEVELS and abs(sum(out.probabilities.values()) - 1.0) < 1e-6
    assert out.interval[0] <= out.score <= out.interval[1] and out.coverage == COVERAGE
    expected = suite.fitted.predict_score(np.where(np.arange(N_FEATURES) == 5, np.nan, row)[None])[0]
    assert abs(out.score - expected) < 1e-4, "a missing feature is not imputed as in training"
    json.dumps(out.to_dict())


def card_records_schema_and_provenance(suite: ScorerConformance) -> None:
    card = read_card(suite.onnx_path)
    assert card["kind"] == "scorer" and card["procedure"] == CARD_FIELDS["procedure"]
    assert card["feature_names"] == list(FEATURE_NAMES), "the card does not list the features read"
    assert card["motion_kind"] == CARD_FIELDS["motion_kind"] and card["units"] == CARD_FIELDS["units"]
    assert card["levels"] == sorted(set(suite.train[1])), "the card's levels are not the classes"
    assert card["conformal"]["coverage"] == COVERAGE and card["conformal"]["quantile"] > 0
    assert (card["score_scale"]["min"], card["score_scale"]["max"]) == SCORE_RANGE
    assert len(card["sha256"]) == 64 and card["created"], "the card lacks its hash or date"
    assert set(card["feature_importance"]) == set(FEATURE_NAMES)


def refuses_a_tampered_model(suite: ScorerConformance) -> None:
    source = suite.onnx_path
    folder = suite.folder / "tampered"
    folder.mkdir(parents=True, exist_ok=True)
    data = bytearray(source.read_bytes())
    data[-20] ^= 0xFF
    (folder / source.name).write_bytes(bytes(data))
    shutil.copyfile(source.with_suffix(".json"), folder / source.with_suffix(".json").name)
    try:
        load_scorer(folder / source.name)
    except ModelIntegrityError:
        return
    raise AssertionError("a model whose bytes changed after export was loaded")


def refuses_a_motion_it_was_not_built_for(suite: ScorerConformance) -> None:
    runtime = suite.runtime()
    runtime.check_compatible("video_2d", "hand_size", FEATURE_NAMES + ("extra",))  # fits: no error
    wrong = [
        ("kinematics_3d", "hand_size", FEATURE_NAMES),
        ("video_2d", "m", FEATURE_NAMES),
        ("video_2d", "hand_size", FEATURE_NAMES[:3]),
    ]
    for kind, units, names in wrong:
        try:
            runtime.check_compatible(kind, units, names)
        except ModelSchemaError:
            continue
        raise AssertionError(f"accepted a motion of kind {kind}, units {units}, {len(names)} features")


SCORER_CHECKS: dict[str, Callable[[ScorerConformance], None]] = {
    "params_round_trip": params_round_trip,
    "unfitted_raises_not_fitted": unfitted_raises_not_fitted,
    "fit_returns_self_and_marks_fitted_attributes": fit_returns_self_and_marks_fitted_attributes,
    "learns_a_separable_problem": learns_a_separable_problem,
    "interval_covers_near_nominal": interval_covers_near_nominal,
    "onnx_agrees_with_estimator": onnx_agrees_with_estimator,
    "predicts_by_name_and_reports_missing": predicts_by_name_and_reports_missing,
    "card_records_schema_and_provenance": card_records_schema_and_provenance,
    "refuses_a_tampered_model": refuses_a_tampered_model,
    "refuses_a_motion_it_was_not_built_for": refuses_a_motion_it_was_not_built_for,
}

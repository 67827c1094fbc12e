"""Honest evaluation of skill scorers: nested, grouped cross-validation with the linear baseline beside.

    report = cross_validate(matrix, protocol="louo")
    report["accuracy"], report["spearman"], report["interval_coverage"], report["ece"]   # chosen model
    report["baseline"]["accuracy"], ...                                                  # linear baseline

Protocols group the folds so no information leaks across them: LOUO leaves one participant out (a new
trainee: the number that matters for a product), LOSO one supertrial (trial index) out, kfold is a
stratified 5-fold split. Inside every outer fold the models are chosen on the training part alone, in
inner folds grouped the same way (scoring.model_selection); the score interval is calibrated with
residuals of participants left out (scoring.scorer.conformal_splits); the level probabilities are
judged by a reliability table and their expected calibration error (scoring.calibration_report).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from skillsight.scoring import model_selection as ms
from skillsight.scoring.calibration_report import reliability
from skillsight.scoring.model_selection import baseline_params, classifier_candidates, regressor_candidates
from skillsight.scoring.scorer import SkillScorer

if TYPE_CHECKING:
    from skillsight.scoring.model_selection import Selection
    from skillsight.scoring.training import FeatureMatrix

PROTOCOLS = ("louo", "loso", "kfold", "leave-site-out")
AUTO_MODEL = "auto"  # choose the model inside the folds
HELD_OUT = {"louo": "participants", "loso": "supertrials", "leave-site-out": "sites"}


class TrainingError(ValueError):
    """The data cannot train or evaluate a scorer (too few samples, one class only, ...)."""


def _training_error(message: str) -> Exception:
    return TrainingError(message)


def _group_splits(groups: np.ndarray, levels: np.ndarray, protocol: str, n_folds: int, seed: int) -> list:
    from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold

    if protocol == "kfold":
        _, counts = np.unique(levels, return_counts=True)
        folds = int(min(n_folds, counts.min()))
        if folds < 2:
            raise _training_error("k-fold needs at least two samples of every skill level")
        return list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(levels, levels))
    if len(set(groups)) < 2:
        raise _training_error(f"{protocol}: need at least two groups, found {sorted(set(groups))}")
    return list(LeaveOneGroupOut().split(levels, groups=groups))


def _protocol_groups(matrix: FeatureMatrix, rows: np.ndarray, protocol: str) -> np.ndarray:
    if protocol not in PROTOCOLS:
        raise _training_error(f"unknown protocol {protocol!r}; choose from {', '.join(PROTOCOLS)}")
    source = {"loso": matrix.supertrials, "leave-site-out": matrix.sites}.get(protocol, matrix.participants)
    if protocol == "leave-site-out" and (len(source) != matrix.n or not all(source[rows])):
        raise _training_error("leave-site-out needs a site for every sample (pool datasets of several labs)")
    return np.asarray([str(g) for g in source[rows]])


def protocol_splits(
    matrix: FeatureMatrix, protocol: str, n_folds: int = 5, random_state: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs over the labelled samples for LOUO, LOSO or stratified k-fold."""
    labelled = np.flatnonzero(matrix.levels != "")
    if labelled.size < 4:
        raise _training_error(
            f"only {labelled.size} of {matrix.n} samples have a skill level; need at least 4 (where each "
            "dataset format keeps its levels, e.g. a labels.csv beside BVH recordings: datasets/README.md)"
        )
    groups = _protocol_groups(matrix, labelled, protocol)
    levels = matrix.levels[labelled].astype(str)
    splits = _group_splits(groups, levels, protocol, n_folds, random_state)
    return [(labelled[tr], labelled[te]) for tr, te in splits]


def inner_splits(matrix: FeatureMatrix, rows: np.ndarray, protocol: str, random_state: int = 0) -> list:
    """Splits of `rows` (positions into rows) grouped like the outer protocol; [] when they cannot be
    made (then the linear baseline is used without a choice)."""
    groups = _protocol_groups(matrix, rows, protocol)
    try:
        return _group_splits(groups, matrix.levels[rows].astype(str), protocol, 3, random_state)
    except ValueError:
        return []


def choose_models(
    matrix: FeatureMatrix,
    rows: np.ndarray,
    protocol: str,
    *,
    classifier: str = AUTO_MODEL,
    regressor: str = AUTO_MODEL,
    scope: str = "standard",
    random_state: int = 0,
) -> Selection:
    """The models for training rows `rows`: chosen in inner folds ("auto") or the ones asked for."""

    classifiers = (
        ms.classifier_candidates(scope)
        if classifier == AUTO_MODEL
        else [ms.fixed_candidate("classifier", classifier)]
    )
    regressors = (
        ms.regressor_candidates(scope)
        if regressor == AUTO_MODEL
        else [ms.fixed_candidate("regressor", regressor)]
    )
    splits = inner_splits(matrix, rows, protocol, random_state)
    if not splits:
        classifiers, regressors = classifiers[:1], regressors[:1]
    return ms.select_models(
        matrix.X[rows],
        matrix.levels[rows].astype(str),
        matrix.scores[rows],
        splits,
        classifiers=classifiers,
        regressors=regressors,
        random_state=random_state,
    )


def score_range(matrix: FeatureMatrix) -> Optional[tuple[float, float]]:
    scale = matrix.dataset_summary.get("score_scale") or {}
    if scale.get("min") is not None and scale.get("max") is not None:
        return float(scale["min"]), float(scale["max"])
    return None


def fit_on_rows(
    matrix: FeatureMatrix, rows: np.ndarray, params: dict[str, Any], coverage: float, random_state: int = 0
) -> Any:
    """A SkillScorer fitted on `rows`, its interval calibrated with participants left out."""

    scorer = SkillScorer(
        coverage=coverage, score_range=score_range(matrix), random_state=random_state, **params
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on tiny folds
        return scorer.fit(
            matrix.X[rows],
            matrix.levels[rows].astype(str),
            matrix.scores[rows],
            feature_names=matrix.feature_names,
            groups=matrix.participants[rows],
        )


@dataclass
class OutOfFold:
    """Held-out predictions of one model across the outer folds."""

    level: np.ndarray
    probabilities: np.ndarray
    score: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def empty(cls, n: int, n_labels: int) -> OutOfFold:
        nan = np.full(n, np.nan)
        return cls(np.full(n, "", dtype=object), np.full((n, n_labels), np.nan), nan.copy(), nan.copy(), nan)

    def fill(self, test: np.ndarray, scorer: Any, X: np.ndarray, labels: Sequence[str]) -> None:
        proba = scorer.predict_proba(X)
        full = np.zeros((test.size, len(labels)))
        for j, c in enumerate(scorer.classes_):
            full[:, list(labels).index(str(c))] = proba[:, j]
        self.probabilities[test] = full
        self.level[test] = scorer.predict(X)
        self.score[test] = scorer.predict_score(X)
        interval = scorer.predict_interval(X)
        self.low[test], self.high[test] = interval[:, 0], interval[:, 1]


def classification_metrics(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    labels = sorted(set(truth) | set(predicted))
    return {
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(
            f1_score(truth, predicted, labels=sorted(set(truth)), average="macro", zero_division=0)
        ),
        "confusion_matrix": {
            "labels": labels,
            "matrix": confusion_matrix(truth, predicted, labels=labels).tolist(),
        },
    }


def regression_metrics(
    truth: np.ndarray, predicted: np.ndarray, low: np.ndarray, high: np.ndarray
) -> dict[str, Any]:
    from scipy.stats import spearmanr

    ok = np.isfinite(truth) & np.isfinite(predicted)
    if ok.sum() < 3:
        return {
            "spearman": None,
            "mae": None,
            "interval_coverage": None,
            "mean_interval_width": None,
            "n_scored": int(ok.sum()),
        }
    rho = spearmanr(truth[ok], predicted[ok]).statistic
    return {
        "spearman": float(rho) if np.isfinite(rho) else None,
        "mae": float(np.mean(np.abs(truth[ok] - predicted[ok]))),
        "interval_coverage": float(np.mean((truth[ok] >= low[ok]) & (truth[ok] <= high[ok]))),
        "mean_interval_width": float(np.mean(high[ok] - low[ok])),
        "n_scored": int(ok.sum()),
    }


def figures(
    matrix: FeatureMatrix, run: OutOfFold, evaluated: np.ndarray, labels: list[str]
) -> dict[str, Any]:
    """Every figure of one model's held-out predictions: classification, score, interval, calibration."""

    truth = list(matrix.levels[evaluated].astype(str))
    calibration = reliability(truth, run.probabilities[evaluated], labels)
    return {
        **classification_metrics(truth, list(run.level[evaluated].astype(str))),
        **regression_metrics(
            matrix.scores[evaluated], run.score[evaluated], run.low[evaluated], run.high[evaluated]
        ),
        "ece": calibration["ece"],
        "brier": calibration["brier"],
        "reliability": calibration["bins"],
    }


def _run_folds(
    matrix: FeatureMatrix,
    splits: list[tuple[np.ndarray, np.ndarray]],
    protocol: str,
    options: dict[str, Any],
    coverage: float,
    random_state: int,
) -> tuple[OutOfFold, OutOfFold, list[dict[str, Any]]]:
    """Outer loop: choose inside each training part, fit the choice and the baseline, predict the rest."""

    with single_threaded():
        return _outer_loop(matrix, splits, protocol, options, coverage, random_state, baseline_params())


def single_threaded() -> Any:
    """BLAS in one thread: hundreds of tiny fits run several times faster without thread start-up and
    oversubscription (measured 7 s against 54 s for one LOUO run on a shared 2-core machine)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _outer_loop(
    matrix: FeatureMatrix,
    splits: list[tuple[np.ndarray, np.ndarray]],
    protocol: str,
    options: dict[str, Any],
    coverage: float,
    random_state: int,
    baseline: dict[str, Any],
) -> tuple[OutOfFold, OutOfFold, list[dict[str, Any]]]:
    labels = sorted(set(matrix.levels[matrix.levels != ""].astype(str)))
    chosen, base = OutOfFold.empty(matrix.n, len(labels)), OutOfFold.empty(matrix.n, len(labels))
    choices = []
    for fold, (train, test) in enumerate(splits):
        if len(set(matrix.levels[train])) < 2:
            raise _training_error(f"{protocol} fold {fold}: the training part has one skill level only")
        selection = choose_models(matrix, train, protocol, random_state=random_state, **options)
        choices.append(selection.to_dict())
        scorer = fit_on_rows(matrix, train, selection.scorer_params(), coverage, random_state)
        chosen.fill(test, scorer, matrix.X[test], labels)
        if selection.scorer_params() != baseline:
            scorer = fit_on_rows(matrix, train, baseline, coverage, random_state)
        base.fill(test, scorer, matrix.X[test], labels)
    return chosen, base, choices


def _choice_counts(choices: list[dict[str, Any]], half: str) -> dict[str, int]:
    names = [c[half] for c in choices]
    return {name: names.count(name) for name in dict.fromkeys(names)}


def cross_validate(
    matrix: FeatureMatrix,
    protocol: str = "louo",
    *,
    classifier: str = AUTO_MODEL,
    regressor: str = AUTO_MODEL,
    coverage: float = 0.9,
    scope: str = "standard",
    random_state: int = 0,
) -> dict[str, Any]:
    """Nested cross-validation under the protocol: the chosen model's figures at the top level, the
    linear baseline's under "baseline", the per-fold choices under "model_selection"."""

    splits = protocol_splits(matrix, protocol, random_state=random_state)
    options = {"classifier": classifier, "regressor": regressor, "scope": scope}
    chosen, baseline, choices = _run_folds(matrix, splits, protocol, options, coverage, random_state)
    evaluated = np.concatenate([te for _, te in splits])
    labels = sorted(set(matrix.levels[matrix.levels != ""].astype(str)))
    summary = matrix.dataset_summary
    return {
        "protocol": protocol,
        "task": summary.get("task") or matrix.procedure,
        **figures(matrix, chosen, evaluated, labels),
        "baseline": {
            "classifier": "logistic C=0.1 (standardised)",
            "regressor": "ridge alpha=30 (standardised)",
            **figures(matrix, baseline, evaluated, labels),
        },
        "model_selection": {
            "classifier": classifier,
            "regressor": regressor,
            "candidates": _candidates_used(classifier, regressor, scope),
            "chosen_classifier": _choice_counts(choices, "classifier"),
            "chosen_regressor": _choice_counts(choices, "regressor"),
            "inner_grouping": HELD_OUT.get(protocol, "stratified folds"),
            "folds": choices,
        },
        "n": int(evaluated.size),
        "n_folds": len(splits),
        "feature_set": matrix.feature_set,
        "n_features": len(matrix.feature_names),
        "classifier": classifier,
        "regressor": regressor,
        "coverage": coverage,
        "conformal": "cross-conformal, participants left out",
        "procedure": matrix.procedure,
        "feature_procedure": summary.get("feature_procedure", matrix.procedure),
        "dataset": {k: summary.get(k) for k in ("format", "path", "n_samples", "n_participants")},
        "notes": list(summary.get("notes", [])) + list(summary.get("feature_failures", [])),
        "folds": [fold_report(matrix, f, test, chosen) for f, (_, test) in enumerate(splits, start=1)],
        "per_site": per_site_figures(matrix, chosen, evaluated),
        "predictions": [_prediction_row(matrix, i, chosen, baseline, labels) for i in evaluated],
    }


def _candidates_used(classifier: str, regressor: str, scope: str) -> dict[str, list[str]]:
    return {
        "classifier": [c.name for c in classifier_candidates(scope)]
        if classifier == AUTO_MODEL
        else [classifier],
        "regressor": [r.name for r in regressor_candidates(scope)]
        if regressor == AUTO_MODEL
        else [regressor],
    }


def fold_report(matrix: FeatureMatrix, fold: int, test: np.ndarray, run: OutOfFold) -> dict[str, Any]:
    """One fold's held-out group (users, supertrials, trials) and its own accuracy, Spearman and MAE."""
    from scipy.stats import spearmanr

    truth, guess = matrix.levels[test].astype(str), run.level[test].astype(str)
    grs, predicted_grs = matrix.scores[test], run.score[test]
    ok = np.isfinite(grs) & np.isfinite(predicted_grs)
    rho: Optional[float] = None
    if ok.sum() >= 3 and np.ptp(grs[ok]) > 0 and np.ptp(predicted_grs[ok]) > 0:
        rho = _finite(float(spearmanr(grs[ok], predicted_grs[ok]).statistic))
    return {
        "fold": fold,
        "sites": sorted({str(v) for v in matrix.sites[test]}) if len(matrix.sites) == matrix.n else [],
        "participants": sorted({str(v) for v in matrix.participants[test]}),
        "supertrials": sorted({str(v) for v in matrix.supertrials[test]}),
        "trials": [str(v) for v in matrix.trials[test]],
        "n": int(test.size),
        "accuracy": float(np.mean(truth == guess)),
        "spearman": rho,
        "mae": float(np.mean(np.abs(grs[ok] - predicted_grs[ok]))) if ok.any() else None,
    }


def per_site_figures(matrix: FeatureMatrix, run: OutOfFold, evaluated: np.ndarray) -> dict[str, Any]:
    """Accuracy, Spearman and MAE of the held-out predictions of each site's samples ({} for one site)."""
    if len(matrix.sites) != matrix.n or len({str(s) for s in matrix.sites[evaluated]}) < 2:
        return {}
    figures_by_site = {}
    for site in sorted({str(s) for s in matrix.sites[evaluated]}):
        rows = evaluated[np.asarray([str(s) == site for s in matrix.sites[evaluated]])]
        report = fold_report(matrix, 0, rows, run)
        figures_by_site[site] = {k: report[k] for k in ("n", "accuracy", "spearman", "mae")}
        figures_by_site[site]["participants"] = len(report["participants"])
    return figures_by_site


def _prediction_row(
    matrix: FeatureMatrix, i: int, chosen: OutOfFold, baseline: OutOfFold, labels: list[str]
) -> dict[str, Any]:
    return {
        "trial": str(matrix.trials[i]),
        "participant": str(matrix.participants[i]),
        "site": str(matrix.sites[i]) if len(matrix.sites) == matrix.n else "",
        "level": str(matrix.levels[i]),
        "predicted_level": str(chosen.level[i]),
        "probabilities": {label: _finite(p) for label, p in zip(labels, chosen.probabilities[i])},
        "grs": _finite(matrix.scores[i]),
        "predicted_grs": _finite(chosen.score[i]),
        "interval": [_finite(chosen.low[i]), _finite(chosen.high[i])],
        "baseline_level": str(baseline.level[i]),
        "baseline_grs": _finite(baseline.score[i]),
    }


def _finite(value: float) -> Optional[float]:
    return float(value) if np.isfinite(value) else None

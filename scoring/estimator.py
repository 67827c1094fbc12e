"""The trainable half of a skill scorer: `SkillScorer` (skill level classifier plus GRS regressor with a
conformal prediction interval) and the pipelines it fits. scikit-learn is imported inside the functions,
so that scoring.scorer (which re-exports these names) stays light for inference.

The score interval is conformal: the absolute residuals of out-of-fold predictions give the quantile
``q`` at level ceil((n+1) * coverage) / n, and the interval is ``score +/- q`` around the model refitted
on all data (cross-conformal with a full refit). Given the participant of every sample (``fit(...,
groups=)``), the folds leave whole participants out, so the residuals are those of a new trainee and the
interval covers for one; without groups the folds are plain K-fold (fine for independent samples only).
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Sequence
from typing import Any, Optional

import numpy as np

CLASSIFIERS = ("logistic", "random_forest", "gradient_boosting", "ensemble")
REGRESSORS = ("ridge", "random_forest", "gradient_boosting", "ensemble")

# --------------------------------------------------------------------------------------------------
# Training side (scikit-learn, imported lazily)
# --------------------------------------------------------------------------------------------------


def _not_fitted_error(message: str) -> Exception:
    from sklearn.exceptions import NotFittedError

    return NotFittedError(message)


def _make_classifier(name: str, random_state: int, inner_folds: int = 0, C: Optional[float] = None) -> Any:
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier, VotingClassifier
    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV

    def logistic() -> Any:
        # A few dozen trials against hundreds of features need a strong, fixed L2 penalty: inner
        # cross-validation there (folds not grouped by participant) picks weak penalties that memorise
        # the participants. With plenty of samples per feature (inner_folds > 0) the penalty is tuned.
        # A given C (model selection chose it in grouped folds) is used as it is.
        if C is not None:
            return LogisticRegression(C=float(C), class_weight="balanced", max_iter=5000)
        if inner_folds < 2:
            return LogisticRegression(C=0.05, class_weight="balanced", max_iter=5000)
        return LogisticRegressionCV(
            Cs=np.logspace(-3, 1, 5),
            cv=inner_folds,
            class_weight="balanced",
            max_iter=5000,
            scoring="neg_log_loss",
        )

    def forest() -> Any:
        # min_samples_leaf=2 halves the exported model's size at no cost in accuracy on small sets.
        return RandomForestClassifier(
            n_estimators=200,
            min_samples_leaf=2,
            class_weight="balanced",
            max_features="sqrt",
            random_state=random_state,
        )

    if name == "logistic":
        return logistic()
    if name == "random_forest":
        return forest()
    if name == "gradient_boosting":
        return GradientBoostingClassifier(
            n_estimators=100, max_depth=2, learning_rate=0.1, subsample=0.8, random_state=random_state
        )
    if name == "ensemble":
        return VotingClassifier(
            [("logistic", logistic()), ("forest", forest())], voting="soft", flatten_transform=False
        )
    raise ValueError(f"unknown classifier {name!r}; choose from {', '.join(CLASSIFIERS)}")


def _make_regressor(name: str, random_state: int, alpha: Optional[float] = None) -> Any:
    from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor, VotingRegressor
    from sklearn.linear_model import Ridge, RidgeCV

    def ridge() -> Any:
        # RidgeCV's leave-one-out choice ignores participants; model selection passes a fixed alpha.
        return Ridge(alpha=float(alpha)) if alpha is not None else RidgeCV(alphas=np.logspace(-1, 4, 11))

    def forest() -> Any:
        return RandomForestRegressor(
            n_estimators=200, min_samples_leaf=2, max_features=0.3, random_state=random_state
        )

    if name == "ridge":
        return ridge()
    if name == "random_forest":
        return forest()
    if name == "gradient_boosting":
        return GradientBoostingRegressor(
            n_estimators=150, max_depth=2, learning_rate=0.05, subsample=0.8, random_state=random_state
        )
    if name == "ensemble":
        return VotingRegressor([("ridge", ridge()), ("forest", forest())])
    raise ValueError(f"unknown regressor {name!r}; choose from {', '.join(REGRESSORS)}")


SCALINGS = ("robust", "standard")


def _make_pipeline(model: Any, scaling: str = "robust") -> Any:
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import RobustScaler, StandardScaler

    if scaling not in SCALINGS:
        raise ValueError(f"unknown scaling {scaling!r}; choose from {', '.join(SCALINGS)}")
    return Pipeline(
        [
            # keep_empty_features: an all-missing column stays (as 0) so the input width never changes.
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", RobustScaler() if scaling == "robust" else StandardScaler()),
            ("model", model),
        ]
    )


def classifier_pipeline(
    name: str,
    *,
    C: Optional[float] = None,
    scaling: str = "robust",
    random_state: int = 0,
    inner_folds: int = 0,
) -> Any:
    """An unfitted impute -> scale -> classifier pipeline (what SkillScorer fits; model selection too)."""
    return _make_pipeline(_make_classifier(name, random_state, inner_folds, C), scaling)


def regressor_pipeline(
    name: str, *, alpha: Optional[float] = None, scaling: str = "robust", random_state: int = 0
) -> Any:
    """An unfitted impute -> scale -> regressor pipeline."""
    return _make_pipeline(_make_regressor(name, random_state, alpha), scaling)


def conformal_splits(n: int, groups: Optional[Sequence[Any]], n_folds: int, random_state: int) -> list:
    """(train, test) index pairs whose out-of-fold residuals calibrate the interval: whole groups
    (participants) left out when groups are given (each one alone for up to 10 groups), else K-fold."""
    from sklearn.model_selection import GroupKFold, KFold, LeaveOneGroupOut

    if groups is not None:
        labels = np.asarray([str(g) for g in groups])
        n_groups = len(set(labels))
        if n_groups >= 2:
            splitter = LeaveOneGroupOut() if n_groups <= 10 else GroupKFold(n_splits=10)
            return list(splitter.split(np.zeros(n), groups=labels))
    folds = KFold(n_splits=max(2, min(int(n_folds), n)), shuffle=True, random_state=random_state)
    return list(folds.split(np.zeros(n)))


def conformal_quantile(residuals: np.ndarray, coverage: float) -> float:
    """The split-conformal quantile of absolute residuals: the ceil((n+1) * coverage)-th smallest.

    With too few residuals for the requested coverage the largest one is used (and the interval
    is then narrower than the guarantee; the card records n so a reader can judge)."""
    res = np.sort(np.abs(np.asarray(residuals, dtype=float)))
    res = res[np.isfinite(res)]
    if res.size == 0:
        return float("nan")
    k = math.ceil((res.size + 1) * coverage)
    return float(res[min(k, res.size) - 1])


class SkillScorer:
    """Skill level classifier plus GRS regressor with a conformal interval (scikit-learn contract).

    Parameters
    ----------
    classifier: one of CLASSIFIERS.
    regressor: one of REGRESSORS.
    coverage: nominal coverage of the score's prediction interval (e.g. 0.9).
    score_range: optional (low, high) the score scale allows; predictions and intervals are clipped to it.
    n_conformal_folds: folds of the cross-validation whose out-of-fold residuals calibrate the interval
        (used when `fit` gets no groups).
    random_state: seed for the tree models and the fold split.
    C: a fixed inverse L2 penalty for the logistic classifier (None: the built-in choice).
    alpha: a fixed ridge penalty (None: RidgeCV's choice).
    scaling: "robust" (median/IQR) or "standard" (mean/std) feature scaling.
    """

    def __init__(
        self,
        classifier: str = "logistic",
        regressor: str = "ridge",
        coverage: float = 0.9,
        score_range: Optional[tuple[float, float]] = None,
        n_conformal_folds: int = 5,
        random_state: int = 0,
        C: Optional[float] = None,
        alpha: Optional[float] = None,
        scaling: str = "robust",
    ) -> None:
        self.classifier = classifier
        self.regressor = regressor
        self.coverage = coverage
        self.score_range = score_range
        self.n_conformal_folds = n_conformal_folds
        self.random_state = random_state
        self.C = C
        self.alpha = alpha
        self.scaling = scaling

    # --- the estimator contract without importing scikit-learn at module import -------------------
    @classmethod
    def _get_param_names(cls) -> tuple[str, ...]:
        signature = inspect.signature(cls.__init__)
        return tuple(p for p in signature.parameters if p != "self")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params: Any) -> SkillScorer:
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for SkillScorer; valid: {', '.join(valid)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"SkillScorer({args})"

    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(
            estimator_type="classifier",
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags(multi_class=True),
            input_tags=InputTags(allow_nan=True),
        )

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "regressor_pipeline_")

    # --- fitting -----------------------------------------------------------------------------------
    def fit(
        self,
        X: Any,
        y_level: Sequence[str],
        y_score: Optional[Sequence[float]] = None,
        feature_names: Optional[Sequence[str]] = None,
        groups: Optional[Sequence[Any]] = None,
    ) -> SkillScorer:
        """Fit both models. `y_score` may hold NaN for samples without a rating (they train only the
        classifier); `feature_names` default to X's columns (a DataFrame) or x0, x1, ...; `groups` (the
        participant of each sample) make the conformal calibration leave whole participants out."""
        if not 0 < float(self.coverage) < 1:
            raise ValueError(f"coverage must lie in (0, 1), got {self.coverage}")
        names = _feature_names(X, feature_names)
        X_arr = _as_matrix(X, len(names))
        levels = np.asarray([str(v) for v in y_level])
        if levels.shape[0] != X_arr.shape[0]:
            raise ValueError(f"{X_arr.shape[0]} samples but {levels.shape[0]} skill levels")
        if len(set(levels)) < 2:
            raise ValueError("need at least two skill levels to train a classifier")
        scores = np.full(X_arr.shape[0], np.nan) if y_score is None else np.asarray(y_score, dtype=float)
        if scores.shape[0] != X_arr.shape[0]:
            raise ValueError(f"{X_arr.shape[0]} samples but {scores.shape[0]} scores")
        if groups is not None and len(groups) != X_arr.shape[0]:
            raise ValueError(f"{X_arr.shape[0]} samples but {len(groups)} groups")
        self.classifier_pipeline_ = self._fit_classifier(X_arr, levels)
        self.classes_ = np.asarray(self.classifier_pipeline_.classes_)
        self.feature_names_in_ = np.asarray(names, dtype=object)
        self.n_features_in_ = len(names)
        self._fit_regressor(X_arr, scores, groups)
        self.training_matrix_ = X_arr  # the training domain is computed from it when first asked for
        self.domain_cache_: Optional[dict[str, Any]] = None
        return self

    @property
    def domain_(self) -> Optional[dict[str, Any]]:
        """The training domain the card records (scoring.domain.training_domain of the training matrix,
        from the "domain" work on main; None where that module is absent); computed on first use, so
        model selection that fits many scorers does not pay for it."""
        import importlib

        self._check_fitted()
        if self.domain_cache_ is None:
            try:
                domain = importlib.import_module("skillsight.scoring.domain")
            except ImportError:
                return None
            self.domain_cache_ = domain.training_domain(self.training_matrix_, list(self.feature_names_in_))
        return self.domain_cache_

    def _fit_classifier(self, X: np.ndarray, levels: np.ndarray) -> Any:
        _, class_counts = np.unique(levels, return_counts=True)
        plenty = X.shape[0] >= 5 * X.shape[1]
        inner_folds = int(min(3, class_counts.min())) if plenty else 0
        classifier = classifier_pipeline(
            self.classifier,
            C=self.C,
            scaling=self.scaling,
            random_state=self.random_state,
            inner_folds=inner_folds,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # scikit-learn's API-transition notices
            classifier.fit(X, levels)
        return classifier

    def _fit_regressor(self, X: np.ndarray, scores: np.ndarray, groups: Optional[Sequence[Any]]) -> None:
        """The regressor on all rated samples, and the conformal quantile of its out-of-fold residuals."""
        from sklearn.base import clone

        rated = np.isfinite(scores)
        if rated.sum() < 3:
            raise ValueError("need at least three samples with a finite score to train the regressor")
        regressor = regressor_pipeline(
            self.regressor, alpha=self.alpha, scaling=self.scaling, random_state=self.random_state
        )
        X_rated, y_rated = X[rated], scores[rated]
        rated_groups = None if groups is None else np.asarray(list(groups), dtype=object)[rated]
        out_of_fold = np.full(y_rated.shape, np.nan)
        splits = conformal_splits(y_rated.size, rated_groups, self.n_conformal_folds, self.random_state)
        for train, test in splits:
            out_of_fold[test] = clone(regressor).fit(X_rated[train], y_rated[train]).predict(X_rated[test])
        regressor.fit(X_rated, y_rated)
        self.regressor_pipeline_ = regressor
        self.conformal_quantile_ = conformal_quantile(y_rated - self._clip(out_of_fold), float(self.coverage))
        self.conformal_grouped_ = rated_groups is not None and len(set(map(str, rated_groups))) >= 2
        self.n_calibration_ = int(rated.sum())
        self.score_min_ = float(np.min(y_rated))
        self.score_max_ = float(np.max(y_rated))

    # --- prediction --------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not self.__sklearn_is_fitted__():
            raise _not_fitted_error("this SkillScorer is not fitted yet; call fit(X, y_level, y_score) first")

    def _prepare(self, X: Any) -> np.ndarray:
        self._check_fitted()
        return _as_matrix(X, self.n_features_in_)

    def _clip(self, values: np.ndarray) -> np.ndarray:
        if self.score_range is None:
            return np.asarray(values, dtype=float)
        low, high = self.score_range
        return np.clip(np.asarray(values, dtype=float), low, high)

    def predict_proba(self, X: Any) -> np.ndarray:
        """(n, n_levels) probabilities, columns in `classes_` order."""
        X_checked = self._prepare(X)
        return np.asarray(self.classifier_pipeline_.predict_proba(X_checked), dtype=float)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable skill level per sample."""
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]

    def predict_score(self, X: Any) -> np.ndarray:
        X_checked = self._prepare(X)
        return self._clip(self.regressor_pipeline_.predict(X_checked))

    def predict_interval(self, X: Any) -> np.ndarray:
        """(n, 2) lower and upper bounds of the score's conformal prediction interval."""
        score = self.predict_score(X)
        q = self.conformal_quantile_
        return np.stack([self._clip(score - q), self._clip(score + q)], axis=1)


def _feature_names(X: Any, feature_names: Optional[Sequence[str]]) -> tuple[str, ...]:
    if feature_names is not None:
        names = tuple(str(n) for n in feature_names)
    elif hasattr(X, "columns"):
        names = tuple(str(c) for c in X.columns)
    else:
        names = tuple(f"x{i}" for i in range(np.asarray(X).shape[1]))
    if len(set(names)) != len(names):
        raise ValueError("feature names must be unique")
    return names


def _as_matrix(X: Any, n_features: int) -> np.ndarray:
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != n_features:
        raise ValueError(f"expected a (n_samples, {n_features}) feature matrix, got shape {arr.shape}")
    # Infinite values are as unusable as missing ones; the imputer fills both.
    return np.where(np.isfinite(arr), arr, np.nan)

"""The trained skill scorer: features -> skill level probabilities and a global rating score with a
conformal prediction interval.

Two halves with different dependencies:

* training (`SkillScorer`, `export_onnx`): scikit-learn and skl2onnx, imported inside the methods;
* inference (`load_scorer` -> `OnnxScorer`): onnxruntime alone, so scoring a motion file never imports
  scikit-learn. A model is one ``.onnx`` file plus a JSON model card beside it; no pickles.

`SkillScorer` follows the scikit-learn estimator contract (``__init__`` only stores parameters, ``fit``
returns self, fitted attributes end in ``_``, `sklearn.base.clone` works) without subclassing
``BaseEstimator``, so that importing this module for inference stays light.

The score interval is conformal: the absolute residuals of out-of-fold predictions give the quantile
``q`` at level ceil((n+1) * coverage) / n, and the interval is ``score +/- q`` around the model refitted
on all data (cross-conformal with a full refit). Given the participant of every sample (``fit(...,
groups=)``), the folds leave whole participants out, so the residuals are those of a new trainee and the
interval covers for one; without groups the folds are plain K-fold (fine for independent samples only).
"""

from __future__ import annotations

import inspect
import json
import math
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np
from skillsight.scoring.results import SKILL_LEVELS

from skillsight.file_hash import file_sha256

CARD_KIND = "scorer"
CARD_FORMAT_VERSION = 1
ONNX_INPUT = "features"
ONNX_PROBABILITIES = "probabilities"
ONNX_SCORE = "score"

CLASSIFIERS = ("logistic", "random_forest", "gradient_boosting", "ensemble")
REGRESSORS = ("ridge", "random_forest", "gradient_boosting", "ensemble")

PathLike = Union[str, "os.PathLike[str]"]


class ModelError(ValueError):
    """A model file or model card cannot be used."""


class ModelSchemaError(ModelError):
    """The model was built for other inputs (motion kind, units or features) than those offered."""


class ModelIntegrityError(ModelError):
    """The model file does not match the sha256 its card records (tampered or corrupted)."""


@dataclass(frozen=True)
class ScorerOutput:
    """One prediction: the most probable level, all level probabilities, the score and its interval."""

    level: str
    probabilities: dict[str, float]
    score: float
    interval: tuple[float, float]
    coverage: float
    missing_features: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "probabilities": dict(self.probabilities),
            "score": self.score,
            "interval": list(self.interval),
            "coverage": self.coverage,
            "missing_features": list(self.missing_features),
        }


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
        return self

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


# --------------------------------------------------------------------------------------------------
# ONNX export: one file with both graphs, plus the model card
# --------------------------------------------------------------------------------------------------


def _pipeline_to_onnx(pipeline: Any, n_features: int, output_names: Mapping[str, str], prefix: str) -> Any:
    """Convert one fitted pipeline in double precision (float32 would flip tree branches)."""
    import onnx.compose
    from onnx import TensorProto, helper
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import DoubleTensorType

    options = {id(pipeline.steps[-1][1]): {"zipmap": False}} if hasattr(pipeline, "predict_proba") else None
    model = to_onnx(
        pipeline,
        initial_types=[(ONNX_INPUT, DoubleTensorType([None, n_features]))],
        options=options,
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    _replace_imputer_with_where(
        model, np.asarray(pipeline.named_steps["impute"].statistics_, dtype=np.float64)
    )
    _cast_tree_outputs_to_double(model)
    model = onnx.compose.add_prefix(model, prefix, rename_inputs=False, rename_outputs=True)
    # Keep only the outputs we need, cast to double under stable names (tree nodes emit float32).
    kept = []
    for old, new in output_names.items():
        source = next(o for o in model.graph.output if o.name == prefix + old)
        model.graph.node.append(helper.make_node("Cast", [source.name], [new], to=TensorProto.DOUBLE))
        shape = [d.dim_param or d.dim_value or None for d in source.type.tensor_type.shape.dim]
        kept.append(helper.make_tensor_value_info(new, TensorProto.DOUBLE, shape or None))
    del model.graph.output[:]
    model.graph.output.extend(kept)
    return model


def _replace_imputer_with_where(model: Any, medians: np.ndarray) -> None:
    """onnxruntime's ai.onnx.ml Imputer runs in float32 only; in double precision the same step is
    ``Where(IsNaN(x), medians, x)`` with standard operators."""
    from onnx import helper, numpy_helper

    nodes = list(model.graph.node)
    for position, node in enumerate(nodes):
        if node.op_type != "Imputer":
            continue
        source, target = node.input[0], node.output[0]
        medians_name, mask_name = f"{node.name}_medians", f"{node.name}_is_nan"
        model.graph.initializer.append(numpy_helper.from_array(medians, medians_name))
        replacement = [
            helper.make_node("IsNaN", [source], [mask_name], name=f"{node.name}_isnan"),
            helper.make_node("Where", [mask_name, medians_name, source], [target], name=f"{node.name}_where"),
        ]
        nodes[position : position + 1] = replacement
        break
    del model.graph.node[:]
    model.graph.node.extend(nodes)


def _cast_tree_outputs_to_double(model: Any) -> None:
    """onnxruntime's tree ensembles compare in double (thresholds stored as double tensors) but only
    emit float32; cast their outputs back to double so the rest of the graph stays in double."""
    from onnx import TensorProto, helper

    nodes = []
    for node in model.graph.node:
        nodes.append(node)
        float_output = {"TreeEnsembleRegressor": 0, "TreeEnsembleClassifier": 1}.get(node.op_type)
        if float_output is not None:
            doubled = node.output[float_output]
            node.output[float_output] = f"{doubled}_float32"
            nodes.append(helper.make_node("Cast", [f"{doubled}_float32"], [doubled], to=TensorProto.DOUBLE))
    del model.graph.node[:]
    model.graph.node.extend(nodes)


def _needed_nodes(nodes: Sequence[Any], outputs: Sequence[str]) -> list:
    """The nodes that the given outputs depend on (drops e.g. the unused label branch), in order."""
    needed, keep = set(outputs), []
    for node in reversed(list(nodes)):
        if needed.intersection(node.output):
            keep.append(node)
            needed.update(node.input)
    return keep[::-1]


def build_onnx_model(scorer: SkillScorer) -> Any:
    """One ONNX graph: input ``features`` (n, F) double -> ``probabilities`` (n, L), ``score`` (n, 1)."""
    import onnx
    from onnx import helper

    scorer._check_fitted()
    n = scorer.n_features_in_
    cls = _pipeline_to_onnx(scorer.classifier_pipeline_, n, {"probabilities": ONNX_PROBABILITIES}, "cls_")
    reg = _pipeline_to_onnx(scorer.regressor_pipeline_, n, {"variable": ONNX_SCORE}, "reg_")
    opsets: dict[str, int] = {}
    for model in (cls, reg):
        for opset in model.opset_import:
            opsets[opset.domain] = max(opsets.get(opset.domain, 0), opset.version)
    outputs = [*cls.graph.output, *reg.graph.output]
    nodes = _needed_nodes([*cls.graph.node, *reg.graph.node], [o.name for o in outputs])
    used = {name for node in nodes for name in node.input}
    graph = helper.make_graph(
        nodes=nodes,
        name="skillsight_scorer",
        inputs=[cls.graph.input[0]],
        outputs=outputs,
        initializer=[t for t in [*cls.graph.initializer, *reg.graph.initializer] if t.name in used],
    )
    merged = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid(domain, version) for domain, version in sorted(opsets.items())],
        producer_name="skillsight",
    )
    merged.ir_version = max(cls.ir_version, reg.ir_version)
    onnx.checker.check_model(merged)
    return merged


def _write_atomic(path: Path, data: bytes) -> None:
    from skillsight.atomic_write import write_bytes_atomic

    write_bytes_atomic(path, data, mode=0o644)  # models are shared files


def _skillsight_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("skillsight")
    except PackageNotFoundError:
        return "unknown"


def _model_importances(model: Any) -> Optional[np.ndarray]:
    """Non-negative per-feature weights of a fitted model (coefficients on scaled features, or
    the trees' impurity importances; a voting ensemble averages its members)."""
    if type(model).__name__ in ("VotingClassifier", "VotingRegressor"):
        parts = [p for p in (_model_importances(m) for m in model.estimators_) if p is not None]
        return np.mean(parts, axis=0) if parts else None
    if hasattr(model, "feature_importances_"):
        return np.asarray(model.feature_importances_, dtype=float)
    if hasattr(model, "coef_"):
        coef = np.atleast_2d(np.asarray(model.coef_, dtype=float))
        return np.mean(np.abs(coef), axis=0)
    return None


def estimator_description(scorer: SkillScorer) -> dict[str, Any]:
    """The card's record of the fitted estimators and their fixed penalties (None: built-in choice)."""
    return {
        "classifier": scorer.classifier,
        "regressor": scorer.regressor,
        "C": scorer.C,
        "alpha": scorer.alpha,
        "scaling": scorer.scaling,
    }


def feature_importance(scorer: SkillScorer) -> dict[str, float]:
    """How much each feature drives the level classifier, normalised to sum to 1 (for feedback ranking)."""
    scorer._check_fitted()
    weights = _model_importances(scorer.classifier_pipeline_.named_steps["model"])
    if weights is None or not np.all(np.isfinite(weights)) or weights.sum() <= 0:
        return {}
    weights = weights / weights.sum()
    return {str(name): float(w) for name, w in zip(scorer.feature_names_in_, weights)}


def export_onnx(
    scorer: SkillScorer, path_prefix: PathLike, card_fields: Optional[Mapping[str, Any]] = None
) -> tuple[Path, Path]:
    """Write ``<prefix>.onnx`` and its model card ``<prefix>.json``; returns both paths.

    `card_fields` supplies what the scorer cannot know: name, version, procedure, motion_kind, units,
    score_scale ({"name", "min", "max"}), feature_set, cross_validation, training_data, built_from,
    disclaimer. Anything else given is kept in the card as well."""
    fields = dict(card_fields or {})
    prefix = Path(path_prefix)
    onnx_path = prefix.with_name(prefix.name + ".onnx")
    card_path = prefix.with_name(prefix.name + ".json")
    model = build_onnx_model(scorer)
    _write_atomic(onnx_path, model.SerializeToString())
    score_scale = dict(fields.pop("score_scale", {}) or {})
    score_scale.setdefault("name", "GRS")
    if scorer.score_range is not None:
        score_scale.setdefault("min", float(scorer.score_range[0]))
        score_scale.setdefault("max", float(scorer.score_range[1]))
    card: dict[str, Any] = {
        "kind": CARD_KIND,
        "format_version": CARD_FORMAT_VERSION,
        "name": fields.pop("name", prefix.name),
        "version": str(fields.pop("version", "1")),
        "procedure": fields.pop("procedure", ""),
        "created": fields.pop("created", datetime.now(timezone.utc).date().isoformat()),
        "onnx_file": onnx_path.name,
        "sha256": file_sha256(onnx_path),
        "motion_kind": fields.pop("motion_kind", "video_2d"),
        "units": fields.pop("units", ""),
        "feature_set": fields.pop("feature_set", "default"),
        "feature_names": [str(n) for n in scorer.feature_names_in_],
        "levels": [str(c) for c in scorer.classes_],
        "score_scale": score_scale,
        "conformal": {
            "method": (
                "cross-conformal: out-of-fold absolute residuals, "
                + (
                    "folds leave whole participants out, "
                    if getattr(scorer, "conformal_grouped_", False)
                    else ""
                )
                + "full refit"
            ),
            "coverage": float(scorer.coverage),
            "quantile": float(scorer.conformal_quantile_),
            "n_calibration": scorer.n_calibration_,
        },
        "estimators": estimator_description(scorer),
        "feature_importance": feature_importance(scorer),
        "onnx": {"input": ONNX_INPUT, "outputs": [ONNX_PROBABILITIES, ONNX_SCORE], "dtype": "float64"},
        "cross_validation": fields.pop("cross_validation", {}),
        "training_data": fields.pop("training_data", {}),
        "built_from": fields.pop("built_from", ""),
        "skillsight_version": _skillsight_version(),
    }
    card.update(fields)
    _write_atomic(card_path, (json.dumps(card, indent=2, allow_nan=False) + "\n").encode("utf-8"))
    return onnx_path, card_path


# --------------------------------------------------------------------------------------------------
# Inference side (onnxruntime alone)
# --------------------------------------------------------------------------------------------------


def _card_path_for(path: Path) -> Path:
    if path.suffix == ".json":
        return path
    if path.suffix == ".onnx":
        return path.with_suffix(".json")
    return path.with_name(path.name + ".json")


def read_card(path: PathLike) -> dict[str, Any]:
    """The model card of a scorer given its .json, its .onnx or their common prefix."""
    card_path = _card_path_for(Path(path))
    if not card_path.exists():
        raise ModelError(f"{card_path}: model card not found (a scorer is an .onnx file plus its .json card)")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{card_path}: not a readable model card ({exc})") from exc
    if not isinstance(card, dict) or card.get("kind") != CARD_KIND:
        found = card.get("kind") if isinstance(card, dict) else type(card).__name__
        raise ModelSchemaError(f"{card_path}: not a scorer model card (kind {found!r})")
    for key in ("onnx_file", "sha256", "feature_names", "levels", "conformal"):
        if key not in card:
            raise ModelSchemaError(f"{card_path}: model card lacks {key!r}")
    return card


class OnnxScorer:
    """A scorer loaded from ONNX + card, running on onnxruntime only."""

    def __init__(self, card: Mapping[str, Any], session: Any, onnx_path: Path) -> None:
        self.card: dict[str, Any] = dict(card)
        self.path = onnx_path
        self._session = session
        self.feature_names: tuple[str, ...] = tuple(card["feature_names"])
        self.levels: tuple[str, ...] = tuple(card["levels"])
        conformal = card["conformal"]
        self.coverage = float(conformal["coverage"])
        self.quantile = float(conformal["quantile"])
        scale = card.get("score_scale") or {}
        self._low = float(scale["min"]) if scale.get("min") is not None else -math.inf
        self._high = float(scale["max"]) if scale.get("max") is not None else math.inf

    @property
    def name(self) -> str:
        return str(self.card.get("name", self.path.stem))

    @property
    def version(self) -> str:
        return str(self.card.get("version", ""))

    @property
    def sha256(self) -> str:
        return str(self.card["sha256"])

    def check_compatible(
        self, motion_kind: Optional[str], units: Optional[str], feature_names: Optional[Sequence[str]] = None
    ) -> None:
        """Raise ModelSchemaError unless the motion matches the inputs this model was trained on."""
        problems = []
        want_kind, want_units = self.card.get("motion_kind"), self.card.get("units")
        if motion_kind is not None and want_kind and motion_kind != want_kind:
            problems.append(f"it was trained on {want_kind} motion, not {motion_kind}")
        if units is not None and want_units and units != want_units:
            problems.append(f"it expects distances in {want_units!r}, not {units!r}")
        if feature_names is not None:
            missing = [n for n in self.feature_names if n not in set(feature_names)]
            if missing:
                shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
                problems.append(
                    f"{len(missing)} of its {len(self.feature_names)} features are absent ({shown})"
                )
        if problems:
            raise ModelSchemaError(
                f"model {self.name} v{self.version} ({self.path}) does not fit: " + "; ".join(problems)
            )

    def feature_vector(self, features: Mapping[str, Any]) -> tuple[np.ndarray, tuple[str, ...]]:
        """The (1, F) input row in the card's order; missing or non-finite values become NaN (imputed)."""
        row = np.full((1, len(self.feature_names)), np.nan)
        missing = []
        for j, name in enumerate(self.feature_names):
            value = features.get(name)
            value = getattr(value, "value", value)  # a scoring.results.Feature or a plain number
            try:
                number = float(value) if value is not None else math.nan
            except (TypeError, ValueError):
                number = math.nan
            if math.isfinite(number):
                row[0, j] = number
            else:
                missing.append(name)
        return row, tuple(missing)

    def run(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Raw model outputs for a (n, F) matrix: probabilities (n, L) and unclipped scores (n,)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.feature_names):
            raise ValueError(f"expected (n, {len(self.feature_names)}) features, got {X.shape}")
        X = np.where(np.isfinite(X), X, np.nan)
        probabilities, score = self._session.run([ONNX_PROBABILITIES, ONNX_SCORE], {ONNX_INPUT: X})
        return np.asarray(probabilities, dtype=float), np.asarray(score, dtype=float).reshape(-1)

    def predict_many(self, X: np.ndarray) -> dict[str, np.ndarray]:
        probabilities, raw = self.run(X)
        score = np.clip(raw, self._low, self._high)
        low = np.clip(score - self.quantile, self._low, self._high)
        high = np.clip(score + self.quantile, self._low, self._high)
        return {"probabilities": probabilities, "score": score, "low": low, "high": high}

    def predict(self, features: Mapping[str, Any]) -> ScorerOutput:
        """Score one practice from its features (name -> number or Feature)."""
        row, missing = self.feature_vector(features)
        out = self.predict_many(row)
        probs = out["probabilities"][0]
        return ScorerOutput(
            level=self.levels[int(np.argmax(probs))],
            probabilities={level: float(p) for level, p in zip(self.levels, probs)},
            score=float(out["score"][0]),
            interval=(float(out["low"][0]), float(out["high"][0])),
            coverage=self.coverage,
            missing_features=missing,
        )


def load_scorer(path: PathLike) -> OnnxScorer:
    """Load a scorer from its .onnx, its .json card or their common prefix, verifying the sha256."""
    import onnxruntime as ort

    card_path = _card_path_for(Path(path))
    card = read_card(card_path)
    onnx_path = card_path.parent / str(card["onnx_file"])
    if not onnx_path.exists():
        raise ModelError(f"{onnx_path}: model file named by {card_path} not found")
    actual = file_sha256(onnx_path)
    if actual != card["sha256"]:
        raise ModelIntegrityError(
            f"{onnx_path}: sha256 {actual[:12]}... differs from {str(card['sha256'])[:12]}... recorded in "
            f"{card_path.name}; the model file was changed or corrupted"
        )
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # one small row per call: threads only add latency
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(
            str(onnx_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own exception types
        raise ModelError(f"{onnx_path}: onnxruntime cannot load the model ({exc})") from exc
    inputs = {i.name: i for i in session.get_inputs()}
    outputs = {o.name for o in session.get_outputs()}
    if ONNX_INPUT not in inputs or not {ONNX_PROBABILITIES, ONNX_SCORE} <= outputs:
        raise ModelSchemaError(f"{onnx_path}: expected input {ONNX_INPUT!r} and outputs probabilities, score")
    width = inputs[ONNX_INPUT].shape[-1]
    if isinstance(width, int) and width != len(card["feature_names"]):
        raise ModelSchemaError(
            f"{onnx_path}: takes {width} features but its card lists {len(card['feature_names'])}"
        )
    unknown = [lvl for lvl in card["levels"] if lvl not in SKILL_LEVELS]
    if unknown:
        raise ModelSchemaError(
            f"{card_path}: unknown skill levels {unknown}; expected some of {SKILL_LEVELS}"
        )
    return OnnxScorer(card, session, onnx_path)

"""Training and honest evaluation of skill scorers on labelled datasets.

    dataset = load_dataset("jigsaws", "JIGSAWS/Suturing")
    matrix = build_feature_matrix(dataset, feature_set="kinematic-stats")
    report = cross_validate(matrix, protocol="loso")          # accuracy, macro-F1, Spearman, MAE, n
    scorer = fit_scorer(matrix)                               # on all data, for export

Protocols group the folds so no information leaks across them: LOUO leaves one participant out (a new
trainee: the number that matters for a product), LOSO one supertrial (trial index) out, kfold is a
stratified 5-fold split.

Feature sets are named so a model card records which one a model needs:
* ``default``: the motion features of scoring.features (what `skillsight score` computes);
* ``kinematic-stats``: the motion features plus per-channel statistics of every kinematic channel
  (JIGSAWS' 76 columns when present, else every tracked keypoint coordinate): mean, std,
  percentiles, range, mean absolute velocity, total variation, plus 3-D path length and mean speed of
  each tool tip.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np
from skillsight.pose.motion import Motion

FEATURE_SETS = ("default", "kinematic-stats")
AUTO_FEATURE_SET = "auto"  # kinematic-stats where the motion carries lab kinematics, else default
PROTOCOLS = ("louo", "loso", "kfold")
# Procedure whose feature definitions stand in for a task without its own profile (an unknown JIGSAWS
# task folder, a lab's dataset of another procedure); the report's notes say when this happened.
FALLBACK_FEATURE_PROCEDURE = "suturing"


class TrainingError(ValueError):
    """The data cannot train or evaluate a scorer (too few samples, one class only, ...)."""


# --------------------------------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------------------------------


def channel_statistics(name: str, values: np.ndarray, dt: float) -> dict[str, float]:
    """Summary statistics of one kinematic channel sampled every `dt` seconds (NaN-tolerant)."""
    v = np.asarray(values, dtype=float)
    finite = v[np.isfinite(v)]
    steps = np.abs(np.diff(v))
    steps = steps[np.isfinite(steps)]
    if finite.size == 0:
        keys = ("mean", "std", "p05", "p50", "p95", "iqr", "range", "mean_abs_velocity", "total_variation")
        return {f"{name}.{k}": math.nan for k in keys}
    p05, p25, p50, p75, p95 = np.percentile(finite, [5, 25, 50, 75, 95])
    return {
        f"{name}.mean": float(np.mean(finite)),
        f"{name}.std": float(np.std(finite)),
        f"{name}.p05": float(p05),
        f"{name}.p50": float(p50),
        f"{name}.p95": float(p95),
        f"{name}.iqr": float(p75 - p25),
        f"{name}.range": float(np.max(finite) - np.min(finite)),
        f"{name}.mean_abs_velocity": float(np.mean(steps) / dt) if steps.size else math.nan,
        f"{name}.total_variation": float(np.sum(steps)) if steps.size else math.nan,
    }


def _path_statistics(name: str, xyz: np.ndarray, dt: float) -> dict[str, float]:
    steps = np.linalg.norm(np.diff(xyz, axis=0), axis=1)
    steps = steps[np.isfinite(steps)]
    path = float(np.sum(steps)) if steps.size else math.nan
    return {
        f"{name}.path_length": path,
        f"{name}.mean_speed": float(np.mean(steps) / dt) if steps.size else math.nan,
    }


def kinematic_statistics(motion: Motion) -> dict[str, float]:
    """Per-channel statistics of the JIGSAWS kinematics (or of every keypoint coordinate)."""
    from skillsight.datasets.jigsaws import COLUMN_NAMES, KINEMATICS_SIGNAL, MANIPULATORS, column_slice

    dt = 1.0 / motion.fps if motion.fps > 0 else 1.0
    features: dict[str, float] = {"kin.duration_s": motion.duration_s}
    table = motion.signals.get(KINEMATICS_SIGNAL)
    if table is not None and table.ndim == 2 and table.shape[1] == len(COLUMN_NAMES):
        for j, column in enumerate(COLUMN_NAMES):
            features.update(channel_statistics(f"kin.{column}", table[:, j], dt))
        for manipulator in MANIPULATORS:
            xyz = table[:, column_slice(manipulator, "tip_x", 3)]
            features.update(_path_statistics(f"kin.{manipulator}.tip", xyz, dt))
        return features
    for individual in motion.individuals:
        for keypoint in motion.observed_keypoints(individual):
            track = motion.track(individual, keypoint)
            for a, axis in enumerate(motion.space):
                features.update(channel_statistics(f"kin.{individual}.{keypoint}.{axis}", track[:, a], dt))
            features.update(_path_statistics(f"kin.{individual}.{keypoint}", track, dt))
    return features


def feature_procedure(procedure: str) -> tuple[str, Optional[str]]:
    """The procedure whose feature definitions apply, and a note when it is a stand-in: a procedure
    without a profile (e.g. a JIGSAWS task folder of another name) falls back to suturing's."""
    from skillsight.scoring.procedure import ProcedureError, load_procedure

    try:
        return load_procedure(procedure).name, None
    except ProcedureError:
        return FALLBACK_FEATURE_PROCEDURE, (
            f"no procedure profile {procedure!r}: its motion features use {FALLBACK_FEATURE_PROCEDURE}'s "
            f"hand roles and feature groups (add scoring/procedures/{procedure}.json to change that)"
        )


def motion_feature_values(motion: Motion, procedure: str, dominant_hand: str = "right") -> dict[str, float]:
    """scoring.features' metrics as plain numbers (NaN where unavailable), for a prepared motion."""
    from skillsight.scoring.features import compute_features

    proc, _ = feature_procedure(procedure)
    return {name: float(f.value) for name, f in compute_features(motion, proc, dominant_hand).items()}


def sample_features(
    motion: Motion,
    procedure: str,
    feature_set: str = "default",
    dominant_hand: str = "right",
    failures: Optional[list[str]] = None,
) -> tuple[dict[str, float], Motion]:
    """The feature values of one motion for a named feature set, and the prepared motion (whose kind
    and units the model card records).

    With a `failures` list, a motion-feature computation that raises is recorded there and its
    features left missing (imputed), so one odd trial cannot stop training on a whole dataset."""
    from skillsight.scoring.features import prepare_motion

    if feature_set not in FEATURE_SETS:
        raise TrainingError(f"unknown feature set {feature_set!r}; choose from {', '.join(FEATURE_SETS)}")
    prepared = prepare_motion(motion)
    values: dict[str, float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices in short or empty tracks
        try:
            values.update(motion_feature_values(prepared, procedure, dominant_hand))
        except Exception as exc:  # a bug or an odd motion in one feature must not stop a dataset
            if failures is None:
                raise
            failures.append(
                f"{motion.metadata.get('source', '?')}: motion features failed ({type(exc).__name__}: {exc})"
            )
        if feature_set == "kinematic-stats":
            values.update(kinematic_statistics(prepared))
    return values, prepared


def scorer_feature_values(
    card: Mapping[str, Any], prepared_motion: Motion, features: Mapping[str, Any]
) -> dict[str, float]:
    """The inputs a scorer's card asks for: the motion features already computed (name -> Feature or
    number) plus, for a ``kinematic-stats`` model, the per-channel statistics of the prepared motion."""
    values = {name: float(getattr(f, "value", f)) for name, f in features.items()}
    if card.get("feature_set") == "kinematic-stats":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            values.update(kinematic_statistics(prepared_motion))
    return values


def default_feature_set(dataset: Sequence[Any]) -> str:
    """``kinematic-stats`` for lab kinematics (JIGSAWS' 76 channels), ``default`` otherwise."""
    from skillsight.datasets.jigsaws import KINEMATICS_SIGNAL

    return "kinematic-stats" if any(KINEMATICS_SIGNAL in s.motion.signals for s in dataset) else "default"


@dataclass
class FeatureMatrix:
    """Features and labels of a dataset, rows aligned with its samples."""

    X: np.ndarray
    feature_names: tuple[str, ...]
    levels: np.ndarray  # str, "" where unknown
    scores: np.ndarray  # float, NaN where unknown
    participants: np.ndarray
    supertrials: np.ndarray
    trials: np.ndarray
    feature_set: str
    motion_kind: str
    units: str
    procedure: str
    dataset_summary: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.X.shape[0])


def build_feature_matrix(
    dataset: Sequence[Any], feature_set: str = "default", procedure: Optional[str] = None
) -> FeatureMatrix:
    """Compute the feature set for every sample; columns are the union of names (NaN where absent)."""
    if len(dataset) == 0:
        raise TrainingError("the dataset is empty")
    procedure = procedure or getattr(dataset, "procedure", "") or dataset[0].procedure
    rows: list[dict[str, float]] = []
    kinds, units = set(), set()
    failures: list[str] = []
    for sample in dataset:
        values, prepared = sample_features(
            sample.motion, sample.procedure or procedure, feature_set, failures=failures
        )
        rows.append(values)
        kinds.add(prepared.kind)
        units.add(prepared.units)
    if len(kinds) > 1 or len(units) > 1:
        raise TrainingError(
            f"the dataset mixes motion kinds {sorted(kinds)} / units {sorted(units)}; "
            "train one kind at a time"
        )
    names = tuple(sorted({name for row in rows for name in row}))
    X = np.array([[row.get(name, math.nan) for name in names] for row in rows], dtype=float)
    summary = dataset.summary() if hasattr(dataset, "summary") else {}
    if failures:
        summary["feature_failures"] = failures
    used, stand_in = feature_procedure(procedure)
    summary["feature_procedure"] = used
    if stand_in:
        summary["feature_procedure_note"] = stand_in
        summary["notes"] = [*summary.get("notes", []), stand_in]
    tasks = sorted({str(s.groups["task"]) for s in dataset if s.groups.get("task")})
    if tasks:
        summary["task"] = ", ".join(tasks)
    return FeatureMatrix(
        X=X,
        feature_names=names,
        levels=np.array([s.skill_level or "" for s in dataset], dtype=object),
        scores=np.array([s.grs if s.grs is not None else math.nan for s in dataset], dtype=float),
        participants=np.array([s.participant for s in dataset], dtype=object),
        supertrials=np.array([s.groups.get("supertrial", s.trial) for s in dataset], dtype=object),
        trials=np.array([s.trial for s in dataset], dtype=object),
        feature_set=feature_set,
        motion_kind=kinds.pop(),
        units=units.pop(),
        procedure=procedure,
        dataset_summary=summary,
    )


# --------------------------------------------------------------------------------------------------
# Cross-validation
# --------------------------------------------------------------------------------------------------


def protocol_splits(
    matrix: FeatureMatrix, protocol: str, n_folds: int = 5, random_state: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs over the labelled samples for LOUO, LOSO or stratified k-fold."""
    from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold

    labelled = np.flatnonzero(matrix.levels != "")
    if labelled.size < 4:
        raise TrainingError(f"only {labelled.size} samples have a skill level; need at least 4")
    if protocol == "louo":
        groups = matrix.participants[labelled]
    elif protocol == "loso":
        groups = matrix.supertrials[labelled]
    elif protocol == "kfold":
        _, counts = np.unique(matrix.levels[labelled].astype(str), return_counts=True)
        folds = int(min(n_folds, counts.min()))
        if folds < 2:
            raise TrainingError("k-fold needs at least two samples of every skill level")
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
        levels = matrix.levels[labelled].astype(str)
        return [(labelled[tr], labelled[te]) for tr, te in splitter.split(labelled, levels)]
    else:
        raise TrainingError(f"unknown protocol {protocol!r}; choose from {', '.join(PROTOCOLS)}")
    if len(set(groups)) < 2:
        raise TrainingError(f"{protocol}: need at least two groups, found {sorted(set(groups))}")
    return [(labelled[tr], labelled[te]) for tr, te in LeaveOneGroupOut().split(labelled, groups=groups)]


def _scorer_params(
    classifier: str, regressor: str, coverage: float, score_range: Optional[tuple[float, float]]
) -> dict[str, Any]:
    return {
        "classifier": classifier,
        "regressor": regressor,
        "coverage": coverage,
        "score_range": score_range,
    }


def _score_range(matrix: FeatureMatrix) -> Optional[tuple[float, float]]:
    scale = matrix.dataset_summary.get("score_scale") or {}
    if scale.get("min") is not None and scale.get("max") is not None:
        return float(scale["min"]), float(scale["max"])
    return None


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


def cross_validate(
    matrix: FeatureMatrix,
    protocol: str = "louo",
    *,
    classifier: str = "ensemble",
    regressor: str = "ensemble",
    coverage: float = 0.9,
    random_state: int = 0,
) -> dict[str, Any]:
    """Out-of-fold predictions under the protocol and the report: accuracy, macro-F1, Spearman, MAE, n."""
    from skillsight.scoring.scorer import SkillScorer

    splits = protocol_splits(matrix, protocol, random_state=random_state)
    n = matrix.n
    predicted = np.full(n, "", dtype=object)
    score = np.full(n, np.nan)
    low, high = np.full(n, np.nan), np.full(n, np.nan)
    params = _scorer_params(classifier, regressor, coverage, _score_range(matrix))
    for fold, (train, test) in enumerate(splits):
        if len(set(matrix.levels[train])) < 2:
            raise TrainingError(f"{protocol} fold {fold}: the training part has one skill level only")
        scorer = SkillScorer(random_state=random_state, **params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter on tiny folds
            scorer.fit(
                matrix.X[train],
                matrix.levels[train].astype(str),
                matrix.scores[train],
                feature_names=matrix.feature_names,
            )
        predicted[test] = scorer.predict(matrix.X[test])
        score[test] = scorer.predict_score(matrix.X[test])
        interval = scorer.predict_interval(matrix.X[test])
        low[test], high[test] = interval[:, 0], interval[:, 1]
    evaluated = np.concatenate([te for _, te in splits])
    truth_levels = list(matrix.levels[evaluated].astype(str))
    summary = matrix.dataset_summary
    report: dict[str, Any] = {
        "protocol": protocol,
        "task": summary.get("task") or matrix.procedure,
        **classification_metrics(truth_levels, list(predicted[evaluated].astype(str))),
        **regression_metrics(matrix.scores[evaluated], score[evaluated], low[evaluated], high[evaluated]),
        "n": int(evaluated.size),
        "n_folds": len(splits),
        "feature_set": matrix.feature_set,
        "n_features": len(matrix.feature_names),
        "classifier": classifier,
        "regressor": regressor,
        "coverage": coverage,
        "procedure": matrix.procedure,
        "feature_procedure": summary.get("feature_procedure", matrix.procedure),
        "dataset": {k: summary.get(k) for k in ("format", "path", "n_samples", "n_participants")},
        "notes": list(summary.get("notes", [])) + list(summary.get("feature_failures", [])),
        "folds": [
            fold_report(matrix, fold, test, predicted, score)
            for fold, (_, test) in enumerate(splits, start=1)
        ],
        "predictions": [_prediction_row(matrix, i, predicted[i], score[i]) for i in evaluated],
    }
    return report


def fold_report(
    matrix: FeatureMatrix, fold: int, test: np.ndarray, predicted: np.ndarray, score: np.ndarray
) -> dict[str, Any]:
    """One fold's held-out group (users, supertrials, trials) and its own accuracy, Spearman and MAE."""
    from scipy.stats import spearmanr

    truth, guess = matrix.levels[test].astype(str), predicted[test].astype(str)
    grs, predicted_grs = matrix.scores[test], score[test]
    ok = np.isfinite(grs) & np.isfinite(predicted_grs)
    rho: Optional[float] = None
    if ok.sum() >= 3 and np.ptp(grs[ok]) > 0 and np.ptp(predicted_grs[ok]) > 0:
        rho = _finite(float(spearmanr(grs[ok], predicted_grs[ok]).statistic))
    return {
        "fold": fold,
        "participants": sorted({str(v) for v in matrix.participants[test]}),
        "supertrials": sorted({str(v) for v in matrix.supertrials[test]}),
        "trials": [str(v) for v in matrix.trials[test]],
        "n": int(test.size),
        "accuracy": float(np.mean(truth == guess)),
        "spearman": rho,
        "mae": float(np.mean(np.abs(grs[ok] - predicted_grs[ok]))) if ok.any() else None,
    }


def _prediction_row(matrix: FeatureMatrix, i: int, level: str, score: float) -> dict[str, Any]:
    return {
        "trial": str(matrix.trials[i]),
        "participant": str(matrix.participants[i]),
        "level": str(matrix.levels[i]),
        "predicted_level": str(level),
        "grs": _finite(matrix.scores[i]),
        "predicted_grs": _finite(score),
    }


def _finite(value: float) -> Optional[float]:
    return float(value) if np.isfinite(value) else None


def fit_scorer(
    matrix: FeatureMatrix,
    *,
    classifier: str = "ensemble",
    regressor: str = "ensemble",
    coverage: float = 0.9,
    random_state: int = 0,
) -> Any:
    """A SkillScorer fitted on every labelled sample."""
    from skillsight.scoring.scorer import SkillScorer

    labelled = matrix.levels != ""
    if len(set(matrix.levels[labelled])) < 2:
        raise TrainingError("need samples of at least two skill levels to train")
    scorer = SkillScorer(
        random_state=random_state, **_scorer_params(classifier, regressor, coverage, _score_range(matrix))
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return scorer.fit(
            matrix.X[labelled],
            matrix.levels[labelled].astype(str),
            matrix.scores[labelled],
            feature_names=matrix.feature_names,
        )


def export_trained_scorer(
    scorer: Any,
    matrix: FeatureMatrix,
    out_dir: Path,
    *,
    name: Optional[str] = None,
    version: str = "1",
    cross_validation: Optional[Mapping[str, Any]] = None,
) -> tuple[Path, Path]:
    """Write ``<name>.onnx`` and ``<name>.json`` (the model card) into `out_dir`."""
    from skillsight.scoring.model_card import scorer_card_fields
    from skillsight.scoring.scorer import export_onnx

    name = name or f"{matrix.procedure}-scorer"
    fields = scorer_card_fields(matrix, name=name, version=version, cross_validation=cross_validation)
    return export_onnx(scorer, Path(out_dir) / name, fields)


def write_report(report: Mapping[str, Any], path: Path) -> Path:
    """Write the report JSON atomically."""
    from skillsight.atomic_write import write_json_atomic

    return write_json_atomic(path, dict(report), mode=0o644)  # a report is for sharing

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
  each tool tip;
* ``kinematic-baseline``: the plain baseline of issue 11 alone (kinematic_baseline_statistics): std,
  mean absolute velocity and mean absolute acceleration of every kinematic channel, path length and
  mean jerk of each tool tip, and the duration. ``auto`` picks it for lab kinematics: on the real
  JIGSAWS release it beat every richer set.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np

from skillsight.base.atomic import write_json_atomic
from skillsight.pose.lab_kinematics import KINEMATICS_SIGNAL
from skillsight.pose.motion import Motion
from skillsight.scoring.calibration import calibration_section
from skillsight.scoring.evaluation import (  # noqa: F401  (re-exported: the old home of these names)
    AUTO_MODEL,
    PROTOCOLS,
    TrainingError,
    choose_models,
    classification_metrics,
    cross_validate,
    fit_on_rows,
    fold_report,
    protocol_splits,
    regression_metrics,
    single_threaded,
)
from skillsight.scoring.features import compute_features, prepare_motion
from skillsight.scoring.kinematic_statistics import (  # noqa: F401  (re-exported: the old home of these names)
    KINEMATIC_FEATURE_SETS,
    channel_statistics,
    kinematic_baseline_statistics,
    kinematic_statistics,
    scorer_feature_values,
)
from skillsight.scoring.model_card import scorer_card_fields
from skillsight.scoring.procedure import ProcedureError, load_procedure
from skillsight.scoring.scorer import export_onnx

FEATURE_SETS = ("default", "kinematic-stats", "kinematic-baseline")
AUTO_FEATURE_SET = "auto"  # kinematic-baseline where the motion carries lab kinematics, else default
# Procedure whose feature definitions stand in for a task without its own profile (an unknown JIGSAWS
# task folder, a lab's dataset of another procedure); the report's notes say when this happened.
FALLBACK_FEATURE_PROCEDURE = "suturing"


# --------------------------------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------------------------------


def feature_procedure(procedure: str) -> tuple[str, Optional[str]]:
    """The procedure whose feature definitions apply, and a note when it is a stand-in: a procedure
    without a profile (e.g. a JIGSAWS task folder of another name) falls back to suturing's."""

    try:
        return load_procedure(procedure).name, None
    except ProcedureError:
        return FALLBACK_FEATURE_PROCEDURE, (
            f"no procedure profile {procedure!r}: its motion features use {FALLBACK_FEATURE_PROCEDURE}'s "
            f"hand roles and feature groups (add scoring/procedures/{procedure}.json to change that)"
        )


def motion_feature_values(motion: Motion, procedure: str, dominant_hand: str = "right") -> dict[str, float]:
    """scoring.features' metrics as plain numbers (NaN where unavailable), for a prepared motion."""

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

    if feature_set not in FEATURE_SETS:
        raise TrainingError(f"unknown feature set {feature_set!r}; choose from {', '.join(FEATURE_SETS)}")
    prepared = prepare_motion(motion)
    values: dict[str, float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices in short or empty tracks
        if feature_set == "kinematic-baseline":
            return kinematic_baseline_statistics(prepared), prepared
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


def default_feature_set(dataset: Sequence[Any]) -> str:
    """``kinematic-baseline`` for lab kinematics (JIGSAWS' 76 channels), ``default`` otherwise."""
    return "kinematic-baseline" if any(KINEMATICS_SIGNAL in s.motion.signals for s in dataset) else "default"


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
    sites: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))  # "" where unknown

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
    sites = Counter(str(s.groups["site"]) for s in dataset if s.groups.get("site"))
    if sites:
        summary["sites"] = dict(sorted(sites.items()))
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
        sites=np.array([str(s.groups.get("site", "")) for s in dataset], dtype=object),
    )


# --------------------------------------------------------------------------------------------------
# Fitting and export (evaluation lives in scoring.evaluation)
# --------------------------------------------------------------------------------------------------


def fit_scorer(
    matrix: FeatureMatrix,
    *,
    classifier: str = AUTO_MODEL,
    regressor: str = AUTO_MODEL,
    coverage: float = 0.9,
    protocol: str = "louo",
    scope: str = "standard",
    random_state: int = 0,
) -> Any:
    """A SkillScorer fitted on every labelled sample; with "auto" the models are chosen first in folds
    grouped as `protocol` groups them (the choice is kept as ``model_selection_`` for the card)."""
    labelled = np.flatnonzero(matrix.levels != "")
    if len(set(matrix.levels[labelled])) < 2:
        raise TrainingError("need samples of at least two skill levels to train")
    options = {"classifier": classifier, "regressor": regressor, "scope": scope, "random_state": random_state}
    with single_threaded():
        selection = choose_models(matrix, labelled, protocol, **options)
        scorer = fit_on_rows(matrix, labelled, selection.scorer_params(), coverage, random_state)
    scorer.model_selection_ = {**selection.to_dict(), "inner_protocol": protocol}
    return scorer


def probability_calibration_fields(report: Optional[Mapping[str, Any]]) -> dict[str, Any]:
    """The card's probability calibration (temperature and floor) fitted on the nested-CV out-of-fold
    level probabilities of `report`; {} without them. The card's domain section comes from the fitted
    scorer's ``domain_`` in export_onnx."""
    rows = [row for row in (report or {}).get("predictions", []) if row.get("probabilities")]
    if not rows:
        return {}
    labels = list(rows[0]["probabilities"])
    probabilities = np.array([[row["probabilities"][label] for label in labels] for row in rows])
    truth = [row["level"] for row in rows]
    return {"probability_calibration": calibration_section(probabilities, truth, labels)}


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

    name = name or f"{matrix.procedure}-scorer"
    fields = scorer_card_fields(matrix, name=name, version=version, cross_validation=cross_validation)
    selection = getattr(scorer, "model_selection_", None)
    if selection:
        fields["model_selection"] = model_selection_card(selection, cross_validation)
    fields.update(probability_calibration_fields(cross_validation))
    return export_onnx(scorer, Path(out_dir) / name, fields)


def model_selection_card(
    selection: Mapping[str, Any], cross_validation: Optional[Mapping[str, Any]]
) -> dict[str, Any]:
    """The card's record of the choice: chosen models, candidates and inner losses, and the nested-CV
    figures of the choice and of the linear baseline per protocol."""
    reports: dict[str, Any] = {}
    if cross_validation and "protocol" in cross_validation:
        reports = {str(cross_validation["protocol"]): cross_validation}
    elif cross_validation:
        reports = {str(k): v for k, v in cross_validation.items() if isinstance(v, Mapping)}
    keys = ("accuracy", "macro_f1", "spearman", "mae", "interval_coverage", "ece", "brier")
    nested = {
        protocol: {
            "chosen": {k: report.get(k) for k in keys},
            "baseline": {k: (report.get("baseline") or {}).get(k) for k in keys},
            "candidates": (report.get("model_selection") or {}).get("candidates"),
            "chosen_per_fold": {
                half: (report.get("model_selection") or {}).get(f"chosen_{half}")
                for half in ("classifier", "regressor")
            },
        }
        for protocol, report in reports.items()
    }
    return {**dict(selection), "nested_cv": nested}


def write_report(report: Mapping[str, Any], path: Path) -> Path:
    """Write the report JSON atomically."""

    return write_json_atomic(path, dict(report), mode=0o644)  # a report is for sharing

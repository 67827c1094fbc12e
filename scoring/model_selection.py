"""Choosing the classifier and the regressor inside the training data only (the inner loop of nested
cross-validation), with a strongly regularised linear model always among the candidates.

    chosen = select_models(X, levels, scores, splits)      # splits: grouped like the outer protocol
    chosen.scorer_params()                                 # SkillScorer(**...)

The inner splits are grouped the same way as the outer protocol (a participant, a supertrial or a
stratified fold left out), so a candidate that memorises participants is not rewarded for it. The
classifier is chosen by out-of-fold log loss (it rewards calibrated probabilities, not only the top
level), the regressor by out-of-fold mean squared error; the linear baseline is kept unless another
candidate beats it by more than one standard error of their paired per-sample loss difference (a
one-standard-error rule): on a few dozen trials inner losses are noisy, and the simplest model is the
safest bet unless the evidence against it is clear.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from skillsight.scoring.scorer import classifier_pipeline, regressor_pipeline

# The plain baseline of issue 11: standardised features, logistic regression C=0.1, ridge alpha=30.
BASELINE_CLASSIFIER: dict[str, Any] = {"classifier": "logistic", "C": 0.1}
BASELINE_REGRESSOR: dict[str, Any] = {"regressor": "ridge", "alpha": 30.0}
SELECTION_SCALING = "standard"
SCOPES = ("linear", "standard", "wide")  # which candidates "auto" chooses among
PROBABILITY_FLOOR = 1e-3  # a level absent from an inner training part must not make the loss infinite


@dataclass(frozen=True)
class Candidate:
    """One model of one half (classifier or regressor), named for reports."""

    name: str
    params: dict[str, Any]


def classifier_candidates(scope: str = "standard") -> list[Candidate]:
    """Baseline first. `scope`: "linear" (penalties only), "standard" (+ random forest), "wide" (+ ensemble
    and gradient boosting)."""
    found = [
        Candidate("logistic C=0.1", dict(BASELINE_CLASSIFIER)),
        Candidate("logistic C=0.01", {"classifier": "logistic", "C": 0.01}),
        Candidate("logistic C=1", {"classifier": "logistic", "C": 1.0}),
    ]
    if scope in ("standard", "wide"):
        found.append(Candidate("random_forest", {"classifier": "random_forest"}))
    if scope == "wide":
        found.append(Candidate("ensemble C=0.1", {"classifier": "ensemble", "C": 0.1}))
        found.append(Candidate("gradient_boosting", {"classifier": "gradient_boosting"}))
    return found


def regressor_candidates(scope: str = "standard") -> list[Candidate]:
    found = [
        Candidate("ridge alpha=30", dict(BASELINE_REGRESSOR)),
        Candidate("ridge alpha=3", {"regressor": "ridge", "alpha": 3.0}),
        Candidate("ridge alpha=300", {"regressor": "ridge", "alpha": 300.0}),
    ]
    if scope in ("standard", "wide"):
        found.append(Candidate("random_forest", {"regressor": "random_forest"}))
    if scope == "wide":
        found.append(Candidate("ensemble alpha=30", {"regressor": "ensemble", "alpha": 30.0}))
        found.append(Candidate("gradient_boosting", {"regressor": "gradient_boosting"}))
    return found


def fixed_candidate(kind: str, name: str) -> Candidate:
    """A single named model the user asked for (no selection): e.g. --classifier random_forest."""
    return Candidate(name, {kind: name})


@dataclass
class Selection:
    """The chosen classifier and regressor, and every candidate's inner-loop loss."""

    classifier: Candidate
    regressor: Candidate
    classifier_losses: dict[str, Optional[float]] = field(default_factory=dict)
    regressor_losses: dict[str, Optional[float]] = field(default_factory=dict)

    def scorer_params(self) -> dict[str, Any]:
        return {**self.classifier.params, **self.regressor.params, "scaling": SELECTION_SCALING}

    def to_dict(self) -> dict[str, Any]:
        return {
            "classifier": self.classifier.name,
            "regressor": self.regressor.name,
            "classifier_log_loss": self.classifier_losses,
            "regressor_mse": self.regressor_losses,
        }


def baseline_params() -> dict[str, Any]:
    """SkillScorer parameters of the linear baseline."""
    return {**BASELINE_CLASSIFIER, **BASELINE_REGRESSOR, "scaling": SELECTION_SCALING}


def _log_loss(truth: np.ndarray, proba: np.ndarray, classes: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per-sample log loss with the fold's classes mapped onto all labels (floored, renormalised)."""
    full = np.full((truth.size, labels.size), PROBABILITY_FLOOR)
    for j, c in enumerate(classes):
        full[:, int(np.flatnonzero(labels == c)[0])] = np.maximum(proba[:, j], PROBABILITY_FLOOR)
    full /= full.sum(axis=1, keepdims=True)
    return -np.log(full[np.arange(truth.size), np.searchsorted(labels, truth)])


def classifier_loss(
    candidate: Candidate, X: np.ndarray, levels: np.ndarray, splits: Sequence[tuple], random_state: int
) -> Optional[np.ndarray]:
    """Per-sample out-of-fold log loss over the inner splits whose training part holds two levels or more
    (the same samples in the same order for every candidate)."""

    labels = np.unique(levels)
    losses = []
    for train, test in splits:
        if len(set(levels[train])) < 2:
            continue
        params = {k: v for k, v in candidate.params.items() if k != "classifier"}
        model = classifier_pipeline(
            candidate.params["classifier"], scaling=SELECTION_SCALING, random_state=random_state, **params
        )
        model.fit(X[train], levels[train])
        proba = model.predict_proba(X[test])
        losses.append(_log_loss(levels[test], proba, np.asarray(model.classes_), labels))
    return np.concatenate(losses) if losses else None


def regressor_loss(
    candidate: Candidate, X: np.ndarray, scores: np.ndarray, splits: Sequence[tuple], random_state: int
) -> Optional[np.ndarray]:
    """Per-sample out-of-fold squared error over the rated samples of the inner splits."""

    errors = []
    for train, test in splits:
        train, test = train[np.isfinite(scores[train])], test[np.isfinite(scores[test])]
        if train.size < 3 or test.size == 0:
            continue
        params = {k: v for k, v in candidate.params.items() if k != "regressor"}
        model = regressor_pipeline(
            candidate.params["regressor"], scaling=SELECTION_SCALING, random_state=random_state, **params
        )
        model.fit(X[train], scores[train])
        errors.append((model.predict(X[test]) - scores[test]) ** 2)
    return np.concatenate(errors) if errors else None


def _best(losses: dict[str, Optional[np.ndarray]], candidates: list[Candidate]) -> Candidate:
    """The lowest mean loss, unless it beats the first candidate (the baseline) by less than one
    standard error of the paired per-sample differences: then the baseline."""
    scored = [
        (float(np.mean(loss)), i) for i, c in enumerate(candidates) if (loss := losses[c.name]) is not None
    ]
    baseline = losses[candidates[0].name]
    if not scored:
        return candidates[0]
    _, best = min(scored)
    if baseline is None or best == 0:
        return candidates[best]
    difference = np.asarray(losses[candidates[best].name]) - baseline
    standard_error = (
        float(np.std(difference, ddof=1) / np.sqrt(difference.size)) if difference.size > 1 else 0.0
    )
    return candidates[best] if float(np.mean(difference)) + standard_error < 0 else candidates[0]


def _means(losses: dict[str, Optional[np.ndarray]]) -> dict[str, Optional[float]]:
    return {name: (float(np.mean(loss)) if loss is not None else None) for name, loss in losses.items()}


def select_models(
    X: np.ndarray,
    levels: np.ndarray,
    scores: np.ndarray,
    splits: Sequence[tuple],
    *,
    classifiers: Optional[list[Candidate]] = None,
    regressors: Optional[list[Candidate]] = None,
    random_state: int = 0,
) -> Selection:
    """Choose each half among its candidates by inner out-of-fold loss (see the module docstring)."""
    classifiers = classifiers or classifier_candidates()
    regressors = regressors or regressor_candidates()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on tiny folds
        c_losses = {
            c.name: classifier_loss(c, X, levels, splits, random_state) if len(classifiers) > 1 else None
            for c in classifiers
        }
        r_losses = {
            r.name: regressor_loss(r, X, scores, splits, random_state) if len(regressors) > 1 else None
            for r in regressors
        }
    return Selection(
        classifier=_best(c_losses, classifiers),
        regressor=_best(r_losses, regressors),
        classifier_losses=_means(c_losses),
        regressor_losses=_means(r_losses),
    )

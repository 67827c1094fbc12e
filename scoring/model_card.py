"""Model cards: what a scorer was trained on, how well it did, and which inputs it accepts.

The card is the JSON file beside a scorer's ONNX file (written by scoring.scorer.export_onnx). This
module gathers the training-side fields and renders a card as short plain text for people.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from skillsight.scoring.features.definitions import PROVENANCE_KEY as DEFINITIONS_KEY
from skillsight.scoring.features.definitions import definition_versions
from skillsight.scoring.metric_display import motion_text

# Cross-validation keys copied into cards (the per-sample predictions stay in the report).
CARD_CV_KEYS = (
    "protocol", "accuracy", "macro_f1", "spearman", "mae", "n", "n_folds",
    "interval_coverage", "mean_interval_width", "confusion_matrix", "ece", "brier", "reliability",
)  # fmt: skip
BASELINE_CV_KEYS = ("accuracy", "macro_f1", "spearman", "mae", "interval_coverage", "ece", "brier")

DEFAULT_DISCLAIMER = (
    "Trained only on the dataset it was built from; scores are only meaningful for practice recorded "
    "the same way (the same kind of recording, length units and procedure). A lab should validate it "
    "on its own trainees before relying on it."
)


def cross_validation_summary(report: Optional[Mapping[str, Any]]) -> dict[str, Any]:
    if not report:
        return {}
    summary = {k: report[k] for k in CARD_CV_KEYS if k in report}
    if isinstance(report.get("baseline"), Mapping):
        summary["baseline"] = {k: report["baseline"].get(k) for k in BASELINE_CV_KEYS}
    return summary


def scorer_card_fields(
    matrix: Any,
    *,
    name: str,
    version: str = "1",
    cross_validation: Optional[Mapping[str, Any]] = None,
    built_from: Optional[str] = None,
    disclaimer: str = DEFAULT_DISCLAIMER,
) -> dict[str, Any]:
    """Card fields for a scorer trained on a `scoring.training.FeatureMatrix`.

    `cross_validation` may be one report or {protocol: report}; both are summarised."""
    summary = dict(matrix.dataset_summary)
    scale = dict(summary.get("score_scale") or {"name": "GRS"})
    if cross_validation and "protocol" in cross_validation:
        cv: dict[str, Any] = {str(cross_validation["protocol"]): cross_validation_summary(cross_validation)}
    else:
        cv = {str(k): cross_validation_summary(v) for k, v in dict(cross_validation or {}).items()}
    source = built_from or (
        f"{summary.get('format', 'unknown')} dataset {summary.get('path', '')}: "
        f"{summary.get('n_samples', matrix.n)} trials of {summary.get('n_participants', '?')} participants"
    )
    return {
        "name": name,
        "version": version,
        "procedure": matrix.procedure,
        "motion_kind": matrix.motion_kind,
        "units": matrix.units,
        "feature_set": matrix.feature_set,
        "score_scale": scale,
        "cross_validation": cv,
        "training_data": {**summary, "n_used": int((matrix.levels != "").sum())},
        "built_from": source,
        "disclaimer": disclaimer,
        # which definition read each metric it learnt from: a later change of one withholds its score
        DEFINITIONS_KEY: definition_versions(matrix.feature_names),
    }


def cross_validation_by_protocol(card: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """{protocol: metrics} whether the card nests them by protocol or holds one flat set."""
    cv = dict(card.get("cross_validation") or {})
    if "protocol" in cv:
        return {str(cv["protocol"]): cv}
    return {str(k): dict(v) for k, v in cv.items() if isinstance(v, Mapping)}


def describe_card(card: Mapping[str, Any]) -> str:
    """A few lines for people: name, version, what it was trained on, and its cross-validated figures."""
    lines: list[str] = [
        f"{card.get('name', '?')} v{card.get('version', '?')} ({card.get('procedure', '?')}), "
        f"created {card.get('created', '?')}",
        f"  input: {len(card.get('feature_names', []))} features ({card.get('feature_set', '?')}) from "
        f"{motion_text(str(card.get('motion_kind', '?')), str(card.get('units', '?')))}",
        f"  levels: {', '.join(card.get('levels', []))}; "
        f"score: {card.get('score_scale', {}).get('name', '?')}",
        f"  built from: {card.get('built_from', '?')}",
    ]
    conformal = card.get("conformal") or {}
    if conformal:
        lines.append(
            f"  interval: +/- {conformal.get('quantile', float('nan')):.2f} "
            f"at {conformal.get('coverage', 0):.0%} coverage"
        )
    for protocol, metrics in cross_validation_by_protocol(card).items():
        parts = [
            f"{k}={metrics[k]:.3f}"
            for k in ("accuracy", "macro_f1", "spearman", "mae")
            if isinstance(metrics.get(k), float)
        ]
        lines.append(f"  {protocol}: {', '.join(parts)} (n={metrics.get('n', '?')})")
    if card.get("disclaimer"):
        lines.append(f"  note: {card['disclaimer']}")
    return "\n".join(lines)

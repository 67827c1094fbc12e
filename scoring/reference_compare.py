"""Comparing a trainee with the experts: percentiles and robust z per metric, and phase by phase
against the speed template (DTW alignment of the trainee's speed profile).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Optional

import numpy as np

from skillsight.scoring.dtw import dtw
from skillsight.scoring.features.definitions import changed_since
from skillsight.scoring.reference_model import (
    DTW_BAND,
    FeatureValues,
    PhaseComparison,
    Reference,
    feature_value,
    time_normalised,
)
from skillsight.scoring.results import Feature, MetricComparison


def compare(features: FeatureValues, reference: Optional[Reference]) -> list[MetricComparison]:
    """Every metric with its expert percentile and deviation (robust z, >0 worse) where the
    reference has it, the standard error of its value where the metric states one, and why it is
    missing where it is."""
    compared = _compare(features, reference)
    return [
        replace(c, uncertainty=f.uncertainty, reason=f.reason) if isinstance(f, Feature) else c
        for c, f in zip(compared, features.values())
    ]


def _compare(features: FeatureValues, reference: Optional[Reference]) -> list[MetricComparison]:
    out = []
    for name, feature in features.items():
        value = feature_value(feature)
        is_feature = isinstance(feature, Feature)
        unit = feature.unit if isinstance(feature, Feature) else ""
        description = feature.description if isinstance(feature, Feature) else ""
        better = feature.higher_is_better if isinstance(feature, Feature) else None
        dist = reference.features.get(name) if reference else None
        if dist is not None and not is_feature:
            unit, better = dist.unit, dist.higher_is_better
        finite = math.isfinite(value)
        other_definition = definition_note(name, reference)
        if other_definition:  # experts read by another definition: nothing to compare with
            shown = value if finite else None
            out.append(
                MetricComparison(
                    name, shown, unit, description, higher_is_better=better, reference_note=other_definition
                )
            )
            continue
        if dist is None or not finite:
            out.append(
                MetricComparison(
                    name=name,
                    value=value if finite else None,
                    unit=unit,
                    description=description,
                    n_experts=dist.n if dist else 0,
                    higher_is_better=better,
                    expert_median=dist.median if dist else None,
                    expert_low=dist.p10 if dist else None,
                    expert_high=dist.p90 if dist else None,
                    reference_note=dist.degenerate_reason if dist else "",
                )
            )
            continue
        out.append(
            MetricComparison(
                name=name,
                value=value,
                unit=unit,
                description=description,
                percentile=round(dist.percentile(value), 1),
                expert_median=dist.median,
                expert_low=dist.p10,
                expert_high=dist.p90,
                n_experts=dist.n,
                higher_is_better=better,
                deviation=round(dist.deviation(value, better), 3),
                reference_note=dist.degenerate_reason,
            )
        )
    return out


def definition_note(name: str, reference: Optional[Reference]) -> str:
    """Why a metric is not compared with the experts: their values were read by another definition of
    it than today's ("" when the same, or when the reference does not say)."""
    recorded = getattr(reference, "metric_definitions", None) or {}  # stand-ins may not say
    changed = changed_since(recorded, [name])
    if name not in changed:
        return ""
    then, today = changed[name]
    return (
        f"the experts' values were read by definition {then} of this metric and yours by definition "
        f"{today}: not compared (rebuild the reference)"
    )


def compare_phases(speed: np.ndarray, timestamps: np.ndarray, reference: Reference) -> list[PhaseComparison]:
    """Align the trainee's speed (per frame) to the template by DTW and compare phase by phase."""
    template = reference.template
    if template is None:
        return []
    speed = np.asarray(speed, dtype=float)
    t = np.asarray(timestamps, dtype=float)
    if speed.size < 2:
        return []
    n = len(template.profile)
    profile = time_normalised(speed, n)
    alignment = dtw(profile, np.asarray(template.profile), band=DTW_BAND)
    spans = alignment.template_to_query(n)
    t0 = float(t[0])
    duration = float(t[-1] - t[0]) + float(np.median(np.diff(t)))
    out = []
    for phase in template.phases:
        first = min(int(math.floor(phase.start * n)), n - 1)
        last = max(min(int(math.ceil(phase.end * n)) - 1, n - 1), first)
        q_first, q_last = spans[first][0], spans[last][1]
        start_s = t0 + duration * q_first / n
        end_s = t0 + duration * (q_last + 1) / n
        expert_s = template.duration_s * (phase.end - phase.start)
        template_speed = float(np.mean(template.profile[first : last + 1]))
        trainee_speed = float(np.mean(profile[q_first : q_last + 1]))
        duration_ratio = (end_s - start_s) / expert_s if expert_s > 0 else float("nan")
        speed_ratio = trainee_speed / template_speed if template_speed > 0 else float("nan")
        out.append(
            PhaseComparison(
                label=phase.label,
                start_s=start_s,
                end_s=end_s,
                duration_ratio=duration_ratio,
                speed_ratio=speed_ratio,
                note=_phase_note(duration_ratio, speed_ratio),
            )
        )
    return out


def _phase_note(duration_ratio: float, speed_ratio: float) -> str:
    if not (math.isfinite(duration_ratio) and math.isfinite(speed_ratio)):
        return ""
    return f"{duration_ratio:.1f}x the experts' time, moving at {speed_ratio:.1f}x their speed"

"""Ranked, plain-language feedback from a trainee's metrics set against the experts'.

Each metric's deviation from the experts (robust z, >0 worse) is weighted by how much the metric
matters (the procedure's `metric_weights`, else the model card's feature importances, else 1), and
the worst few become feedback items in the procedure's own words, each with a concrete tip and the
numbers behind it. When fewer than three metrics are clearly worse than the experts', the list is
completed with the metrics closest to that line, framed as what to keep doing, so a trainee always
gets three to five things to read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Optional

from skillsight.scoring.metric_display import metric_display, too_unsure_to_rank
from skillsight.scoring.procedure import FeedbackText, Procedure
from skillsight.scoring.results import FeedbackItem, MetricComparison

MIN_ITEMS = 3
MAX_ITEMS = 5
# A metric is "worse than experts" beyond one robust standard deviation from their median.
WORSE_THAN_EXPERTS = 1.0


def metric_label(comparison: MetricComparison) -> str:
    """For a sentence: "needle_driver.path_length" -> "needle-driver hand's distance travelled"."""
    return metric_display(comparison.name, comparison.unit).phrase


def metric_weights(
    procedure: Procedure, importances: Optional[Mapping[str, float]] = None
) -> dict[str, float]:
    """Per-metric importance, normalised to a mean of 1 over the weighted metrics.

    The procedure's `extra["metric_weights"]` (what educators chose) wins over a model's importances.
    """
    chosen = procedure.extra.get("metric_weights") or importances or {}
    weights = {str(k): float(v) for k, v in dict(chosen).items() if math.isfinite(float(v)) and float(v) >= 0}
    if not weights:
        return {}
    mean = sum(weights.values()) / len(weights)
    return {k: (v / mean if mean > 0 else 1.0) for k, v in weights.items()}


def feedback_text(procedure: Procedure, metric: str) -> Optional[FeedbackText]:
    """The procedure's words for a metric: by its full name, else by its name without the role prefix."""
    if metric in procedure.feedback:
        return procedure.feedback[metric]
    short = metric.split(".", 1)[-1]
    return procedure.feedback.get(short)


def evidence(comparison: MetricComparison) -> str:
    """The numbers behind an item in the trainee's units, e.g. "12 s; experts 4.2 to 7.0 s (median 5.5 s)"."""
    shown = metric_display(comparison.name, comparison.unit)
    text = shown.measured_text(comparison.value, comparison.uncertainty)
    if comparison.expert_low is not None and comparison.expert_high is not None:
        low, high = shown.number(comparison.expert_low), shown.number(comparison.expert_high)
        unit = "" if not shown.unit else (shown.unit if shown.unit in ("%", "°") else f" {shown.unit}")
        spread = low if low == high else f"{low} to {high}"
        text += f"; experts {spread}{unit}"
        median = (
            f"median {shown.value_text(comparison.expert_median)}, "
            if comparison.expert_median is not None
            else ""
        )
        text += f" ({median}n={comparison.n_experts})"
    elif comparison.expert_median is not None:
        text += f"; experts' median {shown.value_text(comparison.expert_median)}"
    if shown.higher_is_better is not None:
        text += f"; {shown.better}"
    return text


def _unsure(comparison: MetricComparison) -> bool:
    """Too unsure to say it is worse or better than the experts' (its error spans most of their range)."""
    c = comparison
    return too_unsure_to_rank(c.value, c.uncertainty, c.expert_low, c.expert_high)


def _among(comparison: MetricComparison) -> bool:
    """Within the experts' own middle 80% (10th to 90th percentile): some experts are as far from their
    median, so it is not "worse than the experts'" however far it is in robust standard deviations (a
    narrow spread from few experts made 22 s per stitch "longer than the experts'" at their 83rd
    percentile)."""
    c = comparison
    if c.value is None or c.expert_low is None or c.expert_high is None or c.expert_high <= c.expert_low:
        return False
    return float(c.expert_low) <= float(c.value) <= float(c.expert_high)


def severity(comparison: MetricComparison, weights: Mapping[str, float]) -> float:
    """Deviation from experts (>0 worse) scaled by the metric's importance (1 when unknown)."""
    if comparison.deviation is None or not math.isfinite(comparison.deviation):
        return -math.inf
    return float(comparison.deviation) * weights.get(comparison.name, 1.0)


def rank_feedback(
    comparisons: Sequence[MetricComparison],
    procedure: Procedure,
    importances: Optional[Mapping[str, float]] = None,
    *,
    min_items: int = MIN_ITEMS,
    max_items: int = MAX_ITEMS,
    threshold: float = WORSE_THAN_EXPERTS,
) -> list[FeedbackItem]:
    """The 3-5 most useful feedback items, most important first.

    Metrics beyond `threshold` robust standard deviations worse than the experts come first, ranked by
    weighted deviation; the list is completed up to `min_items` with the next metrics, framed as
    strengths or as close to the experts. Only the procedure's metrics are used, never one without an
    expert comparison, and never one too unsure to rank among the experts.
    """
    weights = metric_weights(procedure, importances)
    judged = [c for c in comparisons if c.value is not None and c.deviation is not None and not _unsure(c)]
    if procedure.metrics:  # feedback speaks only of the metrics the procedure chose (and has words for)
        judged = [c for c in judged if c.name in procedure.metrics]
    ranked = sorted(judged, key=lambda c: severity(c, weights), reverse=True)
    worse = [c for c in ranked if c.deviation is not None and c.deviation > threshold and not _among(c)]
    worse = worse[:max_items]
    chosen = list(worse)
    for comparison in ranked:
        if len(chosen) >= min_items:
            break
        if comparison not in chosen:
            chosen.append(comparison)
    return [
        _item(rank, c, procedure, severity(c, weights), is_worse=c in worse)
        for rank, c in enumerate(chosen, start=1)
    ]


def _item(
    rank: int, comparison: MetricComparison, procedure: Procedure, weight: float, is_worse: bool
) -> FeedbackItem:
    text = feedback_text(procedure, comparison.name)
    label = metric_label(comparison)
    if is_worse:
        message = text.message if text else f"Your {label} differs from the experts'."
        tip = text.tip if text else f"Watch your {label} next time and aim for the experts' range."
    elif comparison.deviation is not None and comparison.deviation > 0 and _among(comparison):
        message = f"Your {label} is within the experts' range, towards its weaker end."
        tip = text.tip if text else f"Aim for the middle of the experts' range of {label}."
    elif comparison.deviation is not None and comparison.deviation > 0:
        message = f"Your {label} is close to the experts' range; a little more practice will get it there."
        tip = text.tip if text else f"Aim for the experts' range of {label}."
    else:
        message = f"Your {label} is as good as the experts'. Keep it that way."
        tip = f"Keep doing this: {text.tip[0].lower() + text.tip[1:]}" if text and text.tip else "Keep it up."
    return FeedbackItem(
        rank=rank,
        metric=comparison.name,
        message=message,
        tip=tip,
        severity=round(weight, 3),
        evidence=evidence(comparison),
    )

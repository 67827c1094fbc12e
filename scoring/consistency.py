"""Do the level, the score and the expert comparison tell one story? If not, say why.

The level comes from a classifier, the score from a separate regressor and the expert comparison from
the reference: three views of the same practice that can disagree (a model sure of "expert" while most
metrics sit outside the experts' range is the contradiction a trainee must not be left with). Each view
is reduced to a level and the result says plainly where they differ and what that means.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Optional

from skillsight.scoring.results import SKILL_LEVELS, MetricComparison

# Share of compared metrics within the experts' 10-90% range above which the comparison reads "expert",
# and below which it reads "novice".
EXPERT_LIKE_SHARE = 2 / 3
NOVICE_LIKE_SHARE = 1 / 3


def level_from_score(score: Optional[float], scale: Mapping[str, Any]) -> Optional[str]:
    """The level whose third of the score scale holds the score (None without a bounded scale)."""
    low, high = scale.get("min"), scale.get("max")
    if score is None or low is None or high is None or float(high) <= float(low):
        return None
    position = (float(score) - float(low)) / (float(high) - float(low))
    return SKILL_LEVELS[min(int(max(position, 0.0) * 3), 2)]


def within_expert_share(metrics: Sequence[MetricComparison]) -> tuple[Optional[float], int]:
    """Share of metrics (with a value and an expert range) that lie within the experts' 10-90% range."""
    inside = total = 0
    for m in metrics:
        if m.value is None or m.expert_low is None or m.expert_high is None:
            continue
        total += 1
        inside += int(m.expert_low <= m.value <= m.expert_high)
    return (inside / total if total else None), total


def level_from_comparison(share: Optional[float]) -> Optional[str]:
    if share is None:
        return None
    if share >= EXPERT_LIKE_SHARE:
        return "expert"
    return "novice" if share < NOVICE_LIKE_SHARE else "intermediate"


def consistency(
    level: Optional[str],
    score: Optional[float],
    scale: Mapping[str, Any],
    metrics: Sequence[MetricComparison],
) -> dict[str, Any]:
    """{agree, levels by view, within_expert_share, explanation}: the explanation is "" when they agree."""
    share, n_compared = within_expert_share(metrics)
    views = {
        "classifier": level,
        "score": level_from_score(score, scale),
        "expert_comparison": level_from_comparison(share),
    }
    known = {k: v for k, v in views.items() if v in SKILL_LEVELS}
    rank = {lvl: i for i, lvl in enumerate(SKILL_LEVELS)}
    spread = max(rank[v] for v in known.values()) - min(rank[v] for v in known.values()) if known else 0
    explanation = _explain(views, share, n_compared) if spread > 0 else ""
    return {
        "agree": spread == 0,
        "levels": views,
        "within_expert_share": None if share is None else round(share, 3),
        "n_metrics_compared": n_compared,
        "explanation": explanation,
    }


def _explain(views: Mapping[str, Optional[str]], share: Optional[float], n_compared: int) -> str:
    parts = []
    if views["classifier"]:
        parts.append(f"the level model says {views['classifier']}")
    if views["score"]:
        parts.append(f"the score lies in the {views['score']} third of the scale")
    if share is not None:
        parts.append(
            f"{share:.0%} of {n_compared} metrics lie within the experts' range "
            f"(reads as {views['expert_comparison']})"
        )
    return (
        "These do not agree: " + "; ".join(parts) + ". The level and the score come from models trained "
        "on other practices, the comparison from the expert reference alone; where they differ, trust "
        "the metrics and ask an educator."
    )

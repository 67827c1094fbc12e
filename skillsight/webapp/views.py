"""View models: an Assessment (and stored sessions) turned into the strings and tables the page shows.

Pure functions of plain data, no Gradio, so every sentence a trainee reads is unit-tested. Every
number says how sure it is (interval, coverage, probabilities) and where it came from (model,
reference, number of experts, what they were built from).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Optional

from skillsight.scoring.results import Assessment, MetricComparison, ResultStatus

MAX_FEEDBACK_ITEMS = 5
NOT_SCORED_TITLE = "We can't score this practice yet"
DEFAULT_REFUSAL_ADVICE = (
    "Light the work area evenly (no strong backlight).",
    "Place the camera so both hands stay in view the whole time.",
    "Record the whole task (at least the minimum duration).",
)

Table = tuple[list[str], list[list[Any]]]


def format_number(value: Optional[float], digits: int = 3) -> str:
    """A number with `digits` significant digits, or an en dash when unknown."""
    if value is None:
        return "–"
    value = float(value)
    if not math.isfinite(value):
        return "–"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - magnitude)
    return f"{value:.{decimals}f}"


def format_percent(share: Optional[float]) -> str:
    if share is None or not math.isfinite(float(share)):
        return "–"
    return f"{100 * float(share):.0f}%"


def humanise_metric(name: str) -> str:
    """'needle_driver.path_length' -> 'Needle driver: path length'."""
    role, _, metric = name.rpartition(".")
    metric_text = metric.replace("_", " ")
    if not role:
        return metric_text[:1].upper() + metric_text[1:]
    role_text = role.replace("_", " ").replace(".", " ")
    return f"{role_text[:1].upper() + role_text[1:]}: {metric_text}"


def level_text(assessment: Assessment) -> str:
    """'Intermediate (novice 20%, intermediate 55%, expert 25%)'."""
    if not assessment.skill_level:
        return "–"
    probs = ", ".join(f"{level} {format_percent(p)}" for level, p in assessment.level_probabilities.items())
    level = assessment.skill_level[:1].upper() + assessment.skill_level[1:]
    return f"{level} ({probs})" if probs else level


def score_text(assessment: Assessment) -> str:
    """'18.2 (90% interval 15.1–21.3, GRS 6-30)'."""
    if assessment.score is None or not math.isfinite(float(assessment.score)):
        return "–"
    parts = []
    if assessment.score_interval:
        low, high = assessment.score_interval
        coverage = assessment.interval_coverage
        label = f"{coverage * 100:.0f}% interval" if coverage else "interval"
        parts.append(f"{label} {format_number(low)}–{format_number(high)}")
    if assessment.score_scale:
        parts.append(assessment.score_scale)
    suffix = f" ({', '.join(parts)})" if parts else ""
    return f"{format_number(assessment.score)}{suffix}"


def _nested(mapping: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = mapping.get(key)
    return dict(value) if isinstance(value, Mapping) else {}


def source_facts(assessment: Assessment) -> dict[str, str]:
    """Where the numbers came from: model, reference, experts, what they were built from, disclaimers."""
    prov = assessment.provenance
    model = _nested(prov, "model")
    reference = _nested(prov, "reference")
    facts: dict[str, str] = {}
    if model:
        facts["Model"] = " ".join(str(model[k]) for k in ("name", "version") if model.get(k)) or "–"
    if reference:
        n_experts = reference.get("n_experts", prov.get("n_experts"))
        label = " ".join(str(reference[k]) for k in ("name", "version") if reference.get(k)) or "–"
        facts["Reference"] = f"{label} ({n_experts} experts)" if n_experts is not None else label
    elif prov.get("n_experts") is not None:
        facts["Reference"] = f"{prov['n_experts']} experts"
    if model.get("built_from"):
        facts["Model trained on"] = str(model["built_from"])
    if reference.get("built_from"):
        facts["Reference built from"] = str(reference["built_from"])
    if prov.get("built_from"):
        facts["Built from"] = str(prov["built_from"])
    disclaimers = [str(part.get("disclaimer")) for part in (model, reference, prov) if part.get("disclaimer")]
    if disclaimers:
        facts["Note"] = " ".join(dict.fromkeys(disclaimers))
    if prov.get("dominant_hand"):
        facts["Dominant hand"] = str(prov["dominant_hand"])
    if prov.get("skillsight_version"):
        facts["SkillSight"] = str(prov["skillsight_version"])
    return facts


def tracking_quality_lines(tracking_quality: Mapping[str, Any]) -> list[str]:
    """Readable lines: the share of frames with all required hands, then one line per individual.

    Accepts the assessment's {"share", "required", "individuals": {name: {...}}, ...} and a flat
    {name: {...}} mapping alike.
    """
    individuals = tracking_quality.get("individuals")
    lines = []
    if isinstance(individuals, Mapping):
        share = tracking_quality.get("share")
        required = [str(r).replace("_", " ") for r in tracking_quality.get("required", [])]
        if share is not None:
            who = f"required hands ({', '.join(required)})" if required else "tracked hands"
            lines.append(f"{who} all tracked in {format_percent(share)} of frames")
        entries: Mapping[str, Any] = individuals
    else:
        entries = tracking_quality
    for name, value in entries.items():
        if isinstance(value, Mapping):
            lines.append(f"{name.replace('_', ' ')}: {_individual_quality(value)}")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            lines.append(f"{name.replace('_', ' ')}: {format_number(float(value))}")
        else:
            lines.append(f"{name.replace('_', ' ')}: {value}")
    if isinstance(individuals, Mapping) and tracking_quality.get("n_frames"):
        duration = format_number(tracking_quality.get("duration_s"))
        fps = format_number(tracking_quality.get("fps"))
        lines.append(f"{tracking_quality['n_frames']} frames, {duration} s at {fps} fps")
    return lines


def _individual_quality(value: Mapping[str, Any]) -> str:
    parts = []
    share = value.get("tracked_share", value.get("share"))
    if share is not None:
        parts.append(f"found in {format_percent(share)} of frames")
    if value.get("mean_confidence") is not None:
        parts.append(f"mean confidence {format_number(value['mean_confidence'], 2)}")
    if value.get("longest_gap_s") is not None:
        parts.append(f"longest gap {format_number(value['longest_gap_s'], 2)} s")
    return ", ".join(parts) if parts else ", ".join(f"{k} {v}" for k, v in value.items())


def summary_markdown(assessment: Assessment) -> str:
    """The headline of the Results tab: level and score with their uncertainty, or the refusal."""
    if assessment.status == ResultStatus.OUT_OF_DOMAIN.value:
        return withheld_markdown(assessment)
    if not assessment.scored:
        return refusal_markdown(assessment)
    lines = [f"> **Warning:** {warning}\n" for warning in assessment.warnings]  # e.g. a damaged recording
    lines += [
        f"### Skill level: {level_text(assessment)}",
        f"**Score:** {score_text(assessment)}",
    ]
    explanation = _nested(assessment.provenance, "consistency").get("explanation")
    if explanation:
        lines += ["", f"*{explanation}*"]
    facts = source_facts(assessment)
    if facts:
        lines.append("")
        lines.extend(f"- **{key}:** {value}" for key, value in facts.items())
    return "\n".join(lines)


def withheld_markdown(assessment: Assessment) -> str:
    """Out of the model's domain: no level or score, but the metrics and expert comparison below stand."""
    lines = ["### Level and score withheld", ""]
    lines.extend(f"- {reason}" for reason in assessment.refusal_reasons)
    lines += ["", "Your metrics and how they compare with the experts' are shown below."]
    lines.extend(f"- {tip}" for tip in assessment.advice)
    return "\n".join(lines)


def refusal_markdown(assessment: Assessment) -> str:
    """Says plainly that no score was given, why, and what to change before the next recording."""
    reasons = assessment.refusal_reasons or ["the tracking was not good enough to score reliably"]
    advice = assessment.advice or list(DEFAULT_REFUSAL_ADVICE)
    why = "A confident number from poor tracking would mislead you, so:"
    if assessment.status == "damaged":
        why = "The video file is damaged; a score of the part that decoded would describe another practice:"
    lines = [f"### {NOT_SCORED_TITLE}", why, ""]
    lines.extend(f"- {reason}" for reason in reasons)
    lines += ["", "**What to change:**", ""]
    lines.extend(f"- {tip}" for tip in advice)
    return "\n".join(lines)


def feedback_markdown(assessment: Assessment, limit: int = MAX_FEEDBACK_ITEMS) -> str:
    """The ranked feedback, each with its tip and the evidence behind it."""
    if not assessment.scored and assessment.status != ResultStatus.OUT_OF_DOMAIN.value:
        return (
            "### No feedback yet\n"
            "Feedback needs a score, and this practice could not be scored reliably. "
            "Fix the set-up as suggested, check it in the live set-up check, and record again."
        )
    items = sorted(assessment.feedback, key=lambda f: f.rank)[:limit]
    if not items:
        return "No feedback items: every metric is within the expert range."
    lines = ["### Feedback, most important first", ""]
    for position, item in enumerate(items, start=1):
        lines.append(f"{position}. **{item.message}**  ")
        lines.append(f"   Tip: {item.tip}" + (f"  \n   *{item.evidence}*" if item.evidence else ""))
    return "\n".join(lines)


def percentile_text(metric: MetricComparison) -> str:
    if metric.percentile is None:
        return "–"
    return (
        f"{metric.percentile:.0f} (n={metric.n_experts})" if metric.n_experts else f"{metric.percentile:.0f}"
    )


def expert_range_text(metric: MetricComparison) -> str:
    if metric.expert_low is None or metric.expert_high is None:
        return "–"
    text = f"{format_number(metric.expert_low)}–{format_number(metric.expert_high)}"
    return f"{text} (not a real range: {metric.reference_note})" if metric.reference_note else text


def metrics_table(assessment: Assessment) -> Table:
    """Every metric with its unit, the expert range and the percentile among the experts."""
    headers = [
        "Metric",
        "Value",
        "Unit",
        "Expert range (10th–90th)",
        "Expert median",
        "Percentile among experts",
    ]
    rows = [
        [
            humanise_metric(m.name),
            format_number(m.value),
            m.unit,
            expert_range_text(m),
            format_number(m.expert_median),
            percentile_text(m),
        ]
        for m in assessment.metrics
    ]
    return headers, rows


def phases_table(assessment: Assessment) -> Table:
    headers = ["Phase", "Start (s)", "End (s)", "Duration (s)", "Note"]
    rows = [
        [p.label, f"{p.start_s:.1f}", f"{p.end_s:.1f}", f"{p.end_s - p.start_s:.1f}", p.note]
        for p in assessment.phases
    ]
    return headers, rows


def assessment_payload(assessment: Assessment, **extra: Any) -> dict[str, Any]:
    """What the /assess endpoint returns: the assessment's JSON plus ids the page and clients need, as
    plain JSON without server paths (service.public_payload)."""
    from skillsight.webapp.payload import public_payload

    payload = assessment.to_dict()
    payload.update(extra)
    return public_payload(payload)


def history_table(records: Iterable[Any]) -> Table:
    """Stored sessions (newest first) as rows; a record is storage.SessionRecord or alike."""
    headers = [
        "Session",
        "When (UTC)",
        "Procedure",
        "Status",
        "Level",
        "Score",
        "Interval",
        "Tracked",
        "Source",
    ]
    rows = []
    for r in sorted(records, key=lambda rec: (str(rec.created_at), rec.id), reverse=True):
        interval = (
            f"{format_number(r.score_low)}–{format_number(r.score_high)}"
            if r.score_low is not None and r.score_high is not None
            else "–"
        )
        rows.append(
            [
                r.id,
                str(r.created_at)[:19].replace("T", " "),
                r.procedure,
                r.status,
                r.skill_level or "–",
                format_number(r.score),
                interval,
                format_percent(r.tracking_quality),
                r.source_name,
            ]
        )
    return headers, rows


def history_metric_names(history: Sequence[Mapping[str, Any]]) -> list[str]:
    """Metric names that appear in any scored session, in first-seen order."""
    names: dict[str, None] = {}
    for entry in history:
        for name in entry.get("metrics", {}):
            names.setdefault(name, None)
    return list(names)


def model_card_markdown(card: Mapping[str, Any]) -> str:
    """A model card (scorer or reference JSON) for an educator: what it is and what it was trained on."""
    if not card:
        return "No model card."
    title = " ".join(str(card[k]) for k in ("name", "version") if card.get(k)) or "Model"
    lines = [f"### {title}"]
    if card.get("disclaimer"):
        lines.append(f"> **Note:** {card['disclaimer']}")
    keys = (
        "kind",
        "procedure",
        "created",
        "built_from",
        "training_data",
        "motion_kind",
        "units",
        "n",
        "n_experts",
    )
    for key in keys:
        if card.get(key) not in (None, "", [], {}):
            lines.append(f"- **{key.replace('_', ' ')}:** {_inline(card[key])}")
    metrics = card.get("cv_metrics") or card.get("cross_validation")
    if isinstance(metrics, Mapping) and metrics:
        lines.append("- **cross-validation:** " + ", ".join(f"{k} {_inline(v)}" for k, v in metrics.items()))
    features = card.get("feature_names") or card.get("features")
    if isinstance(features, Sequence) and not isinstance(features, str) and features:
        lines.append(f"- **features ({len(features)}):** " + ", ".join(str(f) for f in features))
    if card.get("sha256"):
        lines.append(f"- **sha256:** `{_inline(card['sha256'])}`")
    return "\n".join(lines)


def _inline(value: Any) -> str:
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_inline(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_inline(v) for v in value)
    return str(value)


def escape(text: Any) -> str:
    """HTML-escaped text for the report."""
    return html.escape(str(text), quote=True)

"""View models: an Assessment (and stored sessions) turned into the strings and tables the page shows.

Pure functions of plain data, no Gradio, so every sentence a trainee reads is unit-tested. Every
number says how sure it is (interval, coverage, probabilities) and where it came from (model,
reference, number of experts, what they were built from).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from skillsight.pose.quality import IndividualQuality, TrackingQuality
from skillsight.scoring.metric_display import MetricDisplay, format_number, metric_display, too_unsure_to_rank
from skillsight.scoring.procedure import load_procedure
from skillsight.scoring.results import Assessment, MetricComparison, ResultStatus
from skillsight.webapp.payload import public_payload

MAX_FEEDBACK_ITEMS = 5
NOT_SCORED_TITLE = "We can't score this practice yet"
DEFAULT_REFUSAL_ADVICE = (
    "Light the work area evenly (no strong backlight).",
    "Place the camera so both hands stay in view the whole time.",
    "Record the whole task (at least the minimum duration).",
)

Table = tuple[list[str], list[list[Any]]]


def format_percent(share: Optional[float]) -> str:
    if share is None or not math.isfinite(float(share)):
        return "–"
    return f"{100 * float(share):.0f}%"


def humanise_metric(name: str) -> str:
    """'needle_driver.path_length' -> 'Needle-driver hand: distance travelled' (FEATURE_SPECS' label)."""
    return metric_display(name).label


def _nested(mapping: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = mapping.get(key)
    return dict(value) if isinstance(value, Mapping) else {}


def tracking_quality_lines(quality: TrackingQuality) -> list[str]:
    """Readable lines: the share of frames with all required hands, then one line per individual."""
    lines = []
    if quality.required:
        required = ", ".join(str(r).replace("_", " ") for r in quality.required)
        n = len(quality.required)  # "required hands (left hand) all tracked": one hand is not "all"
        which = {1: "required hand", 2: "both required hands"}.get(n, f"all {n} required hands")
        together = "" if n == 1 else " together"
        lines.append(f"{which} ({required}) tracked{together} in {format_percent(quality.share)} of frames")
    lines += [individual_quality_line(name, entry) for name, entry in quality.individuals.items()]
    if quality.n_frames:
        duration, fps = format_number(quality.duration_s), format_number(quality.fps)
        lines.append(f"{quality.n_frames} frames, {duration} s at {fps} fps")
    return lines


def individual_quality_line(name: str, entry: IndividualQuality, unit: str = "frames") -> str:
    """'left hand: found in 97% of frames, ...': one individual, as the page and `skillsight track` say it;
    unit "images" for a folder of stills (no gap in seconds between unrelated pictures)."""
    return f"{name.replace('_', ' ')}: {_individual_quality(entry, unit)}"


def _individual_quality(entry: IndividualQuality, unit: str = "frames") -> str:
    if entry.tracked_share == 0:  # not "found in 0% of frames, mean confidence 0, longest gap 13 s"
        return f"not found in any {unit[:-1]}"
    parts = [f"found in {format_percent(entry.tracked_share)} of {unit}"]
    parts.append(f"mean confidence {format_number(entry.mean_confidence, 2)}")
    if entry.longest_gap_s is not None and unit == "frames":
        parts.append(f"longest gap {format_number(entry.longest_gap_s, 2)} s")
    return ", ".join(parts)


DEMO_BADGE = "Demo model, not validated"
DEMO_REFERENCE_BADGE = "Demo reference, not validated"  # a lab's own model beside the shipped reference
UNVALIDATED_BADGE = "Not validated"  # a lab's own model or reference: not a demo, but not validated either
LOCAL_TRAINEE_TEXT = "not recorded (app used without sign-in)"
WITHHELD_TITLES = {
    ResultStatus.REFUSED.value: NOT_SCORED_TITLE,
    ResultStatus.OUT_OF_DOMAIN.value: "Level and score withheld: unlike what the model was trained on",
    ResultStatus.DAMAGED.value: "This recording is too damaged to score",
    ResultStatus.FAILED.value: "This recording could not be assessed",
}
WITHHELD_LEADS = {
    ResultStatus.REFUSED.value: "A confident number from poor tracking would mislead you, so:",
    ResultStatus.OUT_OF_DOMAIN.value: (
        "Your motion is unlike anything this model was trained on, so it gives no level or score "
        "(it would only be a guess). Your metrics and how they compare with the experts are below."
    ),
    ResultStatus.DAMAGED.value: "Too much of the video could not be decoded to score it fairly:",
    ResultStatus.FAILED.value: "Something went wrong while reading it:",
}


SCALE_PATTERN = re.compile(r"^(?P<name>.*?)\s*(?P<low>-?\d+(?:\.\d+)?)\s*[-–]\s*(?P<high>-?\d+(?:\.\d+)?)$")


def probability_text(share: Optional[float]) -> str:
    """A probability as a trainee reads it; never '100%' or '0%' from a model that can extrapolate."""
    if share is None or not math.isfinite(float(share)):
        return "–"
    if share > 0.99:
        return "over 99%"
    if share < 0.01:
        return "under 1%"
    return format_percent(share)


def score_scale_parts(assessment: Assessment) -> tuple[str, Optional[str], Optional[str]]:
    """('GRS-like synthetic score', '6', '30') from the assessment's score_scale text."""
    match = SCALE_PATTERN.match(assessment.score_scale.strip())
    if not match:
        return assessment.score_scale.strip(), None, None
    return match["name"].strip(), match["low"], match["high"]


def headline_sentence(assessment: Assessment) -> str:
    """The one plain sentence the Results tab (and the reports) lead with."""
    if assessment.scored:
        level = assessment.skill_level or "–"
        article = "an" if level[:1] in "aeiou" else "a"
        _, _, high = score_scale_parts(assessment)
        out_of = f" out of {high}" if high else ""
        return (
            f"You scored {format_number(assessment.score, 2)}{out_of}: "
            f"your practice looks most like {article} {level}'s."
        )
    if assessment.status == ResultStatus.OUT_OF_DOMAIN.value:
        return (
            "No score this time: your motion is outside what the model was trained on; "
            "your metrics are below."
        )
    if assessment.status == ResultStatus.DAMAGED.value:
        return "No score this time: the recording is too damaged to assess."
    if assessment.status == ResultStatus.FAILED.value:
        return "No score this time: the recording could not be read."
    return "No score this time: this recording can't be scored reliably (why, and what to change, below)."


def score_explanation(assessment: Assessment) -> str:
    """The score with its interval and its scale, in words."""
    name, low_end, high_end = score_scale_parts(assessment)
    parts = []
    if assessment.score is not None and low_end and high_end:
        parts.append(
            f"The score runs from {low_end} (a beginner) to {high_end} (an expert)"
            + (f"; it estimates a {name}." if name else ".")
        )
    if assessment.score_interval:
        low, high = assessment.score_interval
        sure = f"{assessment.interval_coverage * 100:.0f}%" if assessment.interval_coverage else "fairly"
        parts.append(
            f"We are {sure} sure your true score lies between {format_number(low, 2)} and "
            f"{format_number(high, 2)}: treat the number as a range, not a precise mark."
        )
    probs = assessment.level_probabilities
    if probs:
        chances = ", ".join(f"{level} {probability_text(p)}" for level, p in probs.items())
        parts.append(f"How likely each level is: {chances}.")
    return " ".join(parts)


def caveat(assessment: Assessment) -> str:
    """The model's or reference's disclaimer, said once (empty when there is none)."""
    prov = assessment.provenance
    texts = [
        str(part["disclaimer"])
        for part in (_nested(prov, "model"), _nested(prov, "reference"), prov)
        if part.get("disclaimer")
    ]
    return " ".join(dict.fromkeys(texts))


def badge_text(assessment: Assessment) -> str:
    """DEMO_BADGE when the model was built from synthetic motion (the shipped default),
    DEMO_REFERENCE_BADGE when only the reference was (a lab's own model against the shipped reference),
    UNVALIDATED_BADGE for any other with a caveat (a lab's own, trained on JIGSAWS, ...), else ''."""
    if not caveat(assessment):
        return ""
    prov = assessment.provenance
    synthetic = {
        part: "synthetic" in str(_nested(prov, part).get("built_from", "")).lower()
        for part in ("model", "reference")
    }
    if synthetic["model"]:
        return DEMO_BADGE
    return DEMO_REFERENCE_BADGE if synthetic["reference"] else UNVALIDATED_BADGE


def demo_badge_html(assessment: Assessment) -> str:
    """A short badge beside the result when its model or reference is a demonstration default."""
    if not caveat(assessment):
        return ""
    return f"<span class='demo-badge' title='{escape(caveat(assessment))}'>{badge_text(assessment)}</span>"


def summary_markdown(assessment: Assessment) -> str:
    """The headline of the Results tab: one sentence, the badge, then the score in words or why not."""
    badge = demo_badge_html(assessment)
    lines = [f"> **Warning:** {warning}\n" for warning in assessment.warnings]  # e.g. a damaged recording
    lines += [f"### {headline_sentence(assessment)}"]
    if badge:
        lines += ["", f"{badge} <small>details under *About this result*</small>"]
    if not assessment.scored:
        return "\n".join(lines + ["", withheld_markdown(assessment)])
    lines += ["", score_explanation(assessment)]
    explanation = _nested(assessment.provenance, "consistency").get("explanation")
    if explanation:  # level, score and expert comparison disagree: say why
        lines += ["", f"*{explanation}*"]
    return "\n".join(lines)


def withheld_markdown(assessment: Assessment) -> str:
    """Says plainly that no score was given, why, and what to change before the next recording."""
    status = assessment.status
    default_reason = (
        []
        if status == ResultStatus.OUT_OF_DOMAIN.value
        else ["the tracking was not good enough to score reliably"]
    )
    reasons = assessment.refusal_reasons or default_reason
    lines = [f"**{WITHHELD_TITLES.get(status, NOT_SCORED_TITLE)}**", "", WITHHELD_LEADS.get(status, "")]
    if reasons:
        lines.append("")
        lines.extend(f"- {reason}" for reason in reasons)
    advice = assessment.advice or (list(DEFAULT_REFUSAL_ADVICE) if status != "out_of_domain" else [])
    if advice:
        lines += ["", "**What to change:**", ""]
        lines.extend(f"- {tip}" for tip in advice)
    return "\n".join(lines)


def refusal_markdown(assessment: Assessment) -> str:
    return withheld_markdown(assessment)


def details_lines(assessment: Assessment) -> list[str]:
    """What sits behind the badge: the model, the reference, the score scale, the dominant hand."""
    prov = assessment.provenance
    model, reference = _nested(prov, "model"), _nested(prov, "reference")
    lines = []
    if model:
        label = " ".join(str(model[k]) for k in ("name", "version") if model.get(k)) or "–"
        lines.append(f"Scoring model: {label}" + _first_sentence(model.get("built_from")))
    if reference:
        label = " ".join(str(reference[k]) for k in ("name", "version") if reference.get(k)) or "–"
        lines.append(
            f"Expert reference: {label}{_experts(reference, prov)}"
            + _first_sentence(reference.get("built_from"))
        )
        if reference.get("too_few_experts"):  # counted in people, not practices (reference_experts)
            lines.append(f"Expert ranges not to be trusted: {reference['too_few_experts']}")
    if assessment.score_scale:
        lines.append(f"Score scale: {assessment.score_scale}")
    if prov.get("dominant_hand"):
        lines.append(f"Dominant hand: {prov['dominant_hand']}")
    return lines


def _experts(reference: Mapping[str, Any], prov: Mapping[str, Any]) -> str:
    """', 2 experts (6 practices)' as the reference says it; older provenance has only n_experts."""
    if reference.get("experts"):
        return f", {reference['experts']}"
    n_experts = reference.get("n_experts", prov.get("n_experts"))
    return f", {n_experts} experts" if n_experts is not None else ""


def details_markdown(assessment: Assessment) -> str:
    """The badge's details for the page: the caveat once, then details_lines."""
    lines = [f"**Caveat:** {caveat(assessment)}", ""] if caveat(assessment) else []
    lines += [f"- {line}" for line in details_lines(assessment)]
    return "\n".join(lines) or "No details recorded."


def procedure_title(name: str) -> str:
    """The procedure's own title ("Open suturing (bench pad)"), else its name."""
    try:
        return load_procedure(name).title
    except Exception:  # an unknown or removed procedure still gets a name
        return name.replace("_", " ")


def _first_sentence(text: Any) -> str:
    """' (built from: ...)' with the first sentence of a long provenance text, or ''."""
    if not text:
        return ""
    first = re.split(r"(?<=[.:])\s", str(text).strip(), maxsplit=1)[0].rstrip(".:")
    if not first[1:2].isupper():  # "Synthetic ..." -> "synthetic ...", but "SYNTHETIC" stays as it is
        first = first[:1].lower() + first[1:]
    return f" (built from {first})"


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


def expert_range_text(metric: MetricComparison, display: Optional[MetricDisplay] = None) -> str:
    """'25 to 36 hand lengths': the experts' 10th to 90th percentile in the shown unit."""
    if metric.expert_low is None or metric.expert_high is None:
        return "–"
    shown = display or metric_display(metric.name, metric.unit)
    low, high = shown.number(metric.expert_low), shown.number(metric.expert_high)
    text = low if low == high else f"{low} to {high}"
    text = f"{text} {shown.unit}".strip() if shown.unit not in ("%", "°") else f"{text}{shown.unit}"
    return f"{text} (not a real range: {metric.reference_note})" if metric.reference_note else text


def position_text(metric: MetricComparison) -> str:
    """Where the trainee sits among the experts, in words; not ranked when the value's uncertainty spans
    most of their range (metric_display.too_unsure_to_rank)."""
    if metric.percentile is None:
        return "not compared"
    pct = float(metric.percentile)
    if too_unsure_to_rank(metric.value, metric.uncertainty, metric.expert_low, metric.expert_high):
        where = "within" if 10 <= pct <= 90 else "near"
        return f"{where} the experts' range, ± wide: too unsure to rank"
    if pct < 10:
        return "below the experts' range" if pct > 0 else "below every expert"
    if pct > 90:
        return "above the experts' range" if pct < 100 else "above every expert"
    return f"in the range, percentile {pct:.0f}"  # no brackets: the CLI puts the whole in brackets


def lead_metric_names(assessment: Assessment, limit: int = 10) -> list[str]:
    """The metrics the procedure leads with (its JSON's lead_metrics), else the first `limit`."""
    names = [m.name for m in assessment.metrics]
    try:
        lead = [n for n in load_procedure(assessment.procedure).lead_metrics if n in names]
    except Exception:  # a procedure file gone since: still show something sensible
        lead = []
    return lead or names[:limit]


def metrics_table(assessment: Assessment, names: Optional[Sequence[str]] = None) -> Table:
    """Metrics (all, or `names`) in the trainee's units, the experts' range and which way is better."""
    headers = [
        "Metric",
        "You (± standard error)",
        "Experts (middle 80%)",
        "Expert median",
        "Where you are",
        "Better",
    ]
    chosen = assessment.metrics if names is None else [m for m in assessment.metrics if m.name in names]
    rows = []
    for m in chosen:
        shown = metric_display(m.name, m.unit)
        rows.append(
            [
                shown.label,
                shown.measured_text(m.value, m.uncertainty, m.reason),
                expert_range_text(m, shown),
                shown.value_text(m.expert_median),
                position_text(m),
                shown.better,
            ]
        )
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

    payload = assessment.to_dict()
    payload.update(extra)
    return public_payload(payload)


def escape(text: Any) -> str:
    """HTML-escaped text for the report."""
    return html.escape(str(text), quote=True)

"""What a session's report says, once: the HTML and the PDF report both render this content.

Pure data from an Assessment (no HTML, no PDF), in the same words as the Results tab (views).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from skillsight.scoring.results import Assessment, ResultStatus
from skillsight.webapp.views import (
    DEFAULT_REFUSAL_ADVICE,
    LOCAL_TRAINEE_TEXT,
    NOT_SCORED_TITLE,
    WITHHELD_LEADS,
    WITHHELD_TITLES,
    Table,
    badge_text,
    caveat,
    details_lines,
    headline_sentence,
    lead_metric_names,
    metrics_table,
    phases_table,
    procedure_title,
    score_explanation,
    tracking_quality_lines,
)

FIGURE_CAPTIONS = {
    "experts": "Your key metrics against the experts: a dot at your position among them "
    "(shaded: their middle 80%)",
    "speed": "Speed of each hand over time; shaded stretches are pauses",
    "hand_paths": "Hand paths over the first frame, coloured by speed",
    "timeline": "Stitch cycles or procedure phases on the timeline",
}
CODE_SPAN = re.compile(r"`([^`]+)`")


@dataclass
class FeedbackEntry:
    message: str
    tip: str
    evidence: str = ""


@dataclass
class ReportContent:
    """Everything a report shows, in reading order."""

    procedure: str
    meta: list[tuple[str, str]]  # (label, value): date, trainee, procedure, recording
    headline: str
    badge: str  # "" when the model and reference are not demonstration defaults
    caveat: str  # may hold `code` spans: HTML shows them as code, the PDF as plain text
    scored: bool
    explanation: str  # the score and its interval in words (scored)
    withheld_title: str = ""
    withheld_lead: str = ""
    reasons: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)
    feedback: list[FeedbackEntry] = field(default_factory=list)
    feedback_shown: bool = False  # scored, or withheld as out of domain: the expert comparison still stands
    lead_metrics: Table = ([], [])
    all_metrics: Table = ([], [])
    phases: Table = ([], [])
    details: list[str] = field(default_factory=list)
    quality: list[str] = field(default_factory=list)


def plain_text(text: Any) -> str:
    """Markdown-ish text without code marks: '`skillsight train`' -> 'skillsight train'."""
    return CODE_SPAN.sub(r"\1", str(text))


def report_date(created_at: str) -> str:
    """'2026-11-29 17:05 UTC' from a stored ISO time, or now when the session has none."""
    if created_at:
        return str(created_at)[:16].replace("T", " ") + " UTC"
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def build_report_content(
    assessment: Assessment, *, trainee: str = "", source_name: str = "", created_at: str = ""
) -> ReportContent:
    meta = [
        ("Date", report_date(created_at)),
        ("Trainee", LOCAL_TRAINEE_TEXT if trainee in ("", "local") else trainee),
        ("Procedure", procedure_title(assessment.procedure)),
    ]
    if source_name:
        meta.append(("Recording", source_name))
    status = assessment.status
    content = ReportContent(
        procedure=assessment.procedure,
        meta=meta,
        headline=headline_sentence(assessment),
        badge=badge_text(assessment),
        caveat=caveat(assessment),
        scored=assessment.scored,
        explanation=score_explanation(assessment) if assessment.scored else "",
        all_metrics=metrics_table(assessment),
        lead_metrics=metrics_table(assessment, lead_metric_names(assessment)),
        phases=phases_table(assessment),
        details=details_lines(assessment),
        quality=tracking_quality_lines(assessment.tracking_quality),
    )
    # As on the Results tab: feedback compares with the experts, so it stands where only the score is withheld
    content.feedback_shown = assessment.scored or status == ResultStatus.OUT_OF_DOMAIN.value
    if content.feedback_shown:
        items = sorted(assessment.feedback, key=lambda f: f.rank)[:5]
        content.feedback = [FeedbackEntry(i.message, i.tip, i.evidence) for i in items]
    if not assessment.scored:
        content.withheld_title = WITHHELD_TITLES.get(status, NOT_SCORED_TITLE)
        content.withheld_lead = WITHHELD_LEADS.get(status, "")
        content.reasons = list(assessment.refusal_reasons)
        default_advice = [] if status == "out_of_domain" else list(DEFAULT_REFUSAL_ADVICE)
        content.advice = list(assessment.advice) or default_advice
    return content


def report_figure_names(assessment: Assessment, names: list[str]) -> list[str]:
    """The figures worth a place in a report: none that would only say 'nothing here'."""
    keep = []
    for name in names:
        if name == "experts" and not any(m.percentile is not None for m in assessment.metrics):
            continue
        if name == "timeline" and not assessment.phases:
            continue
        keep.append(name)
    return keep

"""Lists and short texts around the results: session tables and pickers, learning-curve metric names,
model cards, which procedures can be assessed, and the educator's warnings. Pure functions, no Gradio.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from skillsight.scoring.metric_display import format_number, metric_display, motion_kind_text, unit_text
from skillsight.scoring.reference_experts import MIN_EXPERTS, card_experts, experts_text, too_few_experts
from skillsight.scoring.results import status_words
from skillsight.webapp.views import Table, escape, format_percent, procedure_title


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
    titles: dict[str, str] = {}  # a procedure's title, read once per table
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
                titles.setdefault(r.procedure, procedure_title(r.procedure)),
                status_words(r.status),
                r.skill_level or "–",
                format_number(r.score),
                interval,
                format_percent(r.tracking_quality),
                r.source_name,
            ]
        )
    return headers, rows


def session_label(record: Any) -> str:
    """'Session 12 · 2026-11-29 17:05 · Open suturing (bench pad) · scored 18': how a session is picked."""
    when = str(record.created_at)[:16].replace("T", " ")
    outcome = status_words(str(record.status))
    if record.score is not None:
        outcome += f" {format_number(record.score, 2)}"
    return f"Session {record.id} · {when} · {procedure_title(record.procedure)} · {outcome}"


def session_choices(records: Iterable[Any]) -> list[tuple[str, int]]:
    """(label, id) of sessions, newest first, for a dropdown."""
    ordered = sorted(records, key=lambda rec: (str(rec.created_at), rec.id), reverse=True)
    return [(session_label(r), int(r.id)) for r in ordered]


def unscorable_note(unscorable: Sequence[str]) -> str:
    """Why some procedures are not offered for assessment, and what would change that."""
    if not unscorable:
        return ""
    names = ", ".join(procedure_title(p) for p in unscorable)
    return (
        f"<span class='greyed'>Not offered yet: {escape(names)}. No scoring model is installed for "
        f"{'it' if len(unscorable) == 1 else 'them'}; an educator can train one "
        "(<em>skillsight train</em>) and pick it on the Educator tab.</span>"
    )


def active_models_markdown(
    model_label: str, reference_label: str, procedure: str, where: str = "Change it on the Educator tab."
) -> str:
    """The line saying which model and reference will score this procedure for this user."""
    return (
        f"Scoring {escape(procedure_title(procedure))} with **{escape(model_label)}** against "
        f"**{escape(reference_label)}**. {where}"
    )


def expert_count_warning(n_videos: int, minimum: int = MIN_EXPERTS) -> str:
    """A warning shown while an educator picks expert videos for a reference."""
    if n_videos == 0:
        return "Upload one video per expert (at least 5 experts give stable ranges)."
    if n_videos < minimum:
        return (
            f"**Only {n_videos} expert video{'s' if n_videos != 1 else ''}.** A reference from fewer than "
            f"{minimum} experts gives unstable ranges and percentiles; add more experts if you can."
        )
    return f"{n_videos} expert videos."


def history_metric_names(history: Sequence[Mapping[str, Any]]) -> list[str]:
    """Metric names that appear in any scored session, in first-seen order."""
    names: dict[str, None] = {}
    for entry in history:
        for name in entry.get("metrics", {}):
            names.setdefault(name, None)
    return list(names)


# A card's fields an educator reads, each labelled in words (the keys stay in the card's JSON).
CARD_FIELDS = {
    "kind": "what it is",
    "procedure": "procedure",
    "created": "created",
    "built_from": "built from",
    "training_data": "training data",
    "motion_kind": "recorded from",
    "units": "distances in",
    "n": "practices",
    "n_experts": "experts (people)",
    "n_practices": "practices",
    "experts_counted_by": "experts counted",
}
CARD_KINDS = {"scorer": "scorer model", "reference": "expert reference"}


def model_card_markdown(card: Mapping[str, Any]) -> str:
    """A model card (scorer or reference JSON) for an educator: what it is and what it was trained on."""
    if not card:
        return "No model card."
    title = " ".join(str(card[k]) for k in ("name", "version") if card.get(k)) or "Model"
    lines = [f"### {title}"]
    if card.get("disclaimer"):
        lines.append(f"> **Note:** {card['disclaimer']}")
    keys = CARD_FIELDS
    if card.get("kind") == "reference":  # people, not practices; unknown when the experts were not named
        thin = too_few_experts(*card_experts(card))
        if thin:
            lines.append(f"> **Too few experts:** {thin}; ranges and percentiles from so few are unstable.")
    reference = card.get("kind") == "reference"
    for key, label in keys.items():
        if reference and key in ("n_experts", "n_practices"):  # counted once, either format
            if key == "n_experts":
                lines.append(f"- **experts:** {experts_text(*card_experts(card))}")
        elif card.get(key) not in (None, "", [], {}):
            lines.append(f"- **{label}:** {_card_value(key, card[key])}")
    metrics = card.get("cv_metrics") or card.get("cross_validation")
    if isinstance(metrics, Mapping) and metrics:
        lines.append("- **cross-validation:** " + ", ".join(f"{k} {_inline(v)}" for k, v in metrics.items()))
    features = card.get("feature_names") or card.get("features")
    if isinstance(features, Sequence) and not isinstance(features, str) and features:
        labels = ", ".join(metric_display(str(f)).label for f in features)
        lines.append(f"- **metrics ({len(features)}):** {labels}")
    if card.get("sha256"):
        lines.append(f"- **sha256:** `{_inline(card['sha256'])}`")
    return "\n".join(lines)


def _card_value(key: str, value: Any) -> str:
    """A card field's value in words: units and the motion's kind as the rest of the page says them."""
    if key == "units":
        return unit_text(str(value))[0]
    if key == "motion_kind":
        return motion_kind_text(str(value))
    if key == "kind":
        return CARD_KINDS.get(str(value), str(value))
    return _inline(value)


def _inline(value: Any) -> str:
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, Mapping):  # "left out metrics: ...", not "left_out_metrics: ..."
        return ", ".join(f"{str(k).replace('_', ' ')}: {_inline(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_inline(v) for v in value)
    return str(value)

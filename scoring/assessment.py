"""From a motion to an `Assessment`: a score a clinical educator can trust, or a refusal that says why.

Order matters: tracking quality and clip length are checked first (a confident number from bad
tracking is the worst possible output), then the model and reference are checked against the motion
(kind, units, features), and only then is anything scored. Every threshold used lands in the
provenance, together with what the model and reference were built from.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Optional, Union

from skillsight.base.version import __version__
from skillsight.models import default_model_path, default_reference_path
from skillsight.pose.motion import BODY, Motion
from skillsight.pose.quality import TrackingQuality, measure_tracking_quality
from skillsight.scoring.consistency import consistency
from skillsight.scoring.features.definitions import PROVENANCE_KEY as DEFINITIONS_KEY
from skillsight.scoring.features.definitions import changed_since, definition_versions
from skillsight.scoring.feedback import WORSE_THAN_EXPERTS, rank_feedback
from skillsight.scoring.kinematic_statistics import scorer_feature_values
from skillsight.scoring.procedure import Procedure, load_procedure
from skillsight.scoring.reference import (
    Reference,
    ReferenceSchemaError,
    compare,
    compare_phases,
    hand_speed,
    load_reference,
    measure_motion,
    procedure_segments,
    template_role,
)
from skillsight.scoring.results import (
    SKILL_LEVELS,
    STATUS_REFUSED,
    STATUS_SCORED,
    Assessment,
    Feature,
    Phase,
    ResultStatus,
)
from skillsight.scoring.scorer import ModelSchemaError, load_scorer

ModelLike = Union[str, "os.PathLike[str]", Any]  # a path, or an already loaded OnnxScorer
ReferenceLike = Union[str, "os.PathLike[str]", Reference]

# A hand tracked with less mean confidence than this is too uncertain to score (procedures may override
# with extra["min_mean_confidence"]).
DEFAULT_MIN_MEAN_CONFIDENCE = 0.4

CAMERA_ADVICE = {
    "top": "Put the camera above the pad looking straight down, so both hands and the pad fill most "
    "of the view.",
    "front": "Put the camera in front of you at chest height, with both forearms and hands in view.",
    "side": "Put the camera to the side of the manikin at head height, so your arms, head and the "
    "manikin's head are all in view.",
}


def assess_motion(
    motion: Motion,
    procedure: Union[str, Procedure],
    model: Optional[ModelLike] = None,
    reference: Optional[ReferenceLike] = None,
    dominant_hand: str = "right",
    mm_per_px: Optional[float] = None,
) -> Assessment:
    """Assess one practice. `model`/`reference` None use the shipped defaults for the procedure.

    Returns a refused Assessment (with reasons and advice) for poor tracking, a too-short clip, or a
    model/reference that does not fit the motion; raises for unreadable model or reference files.
    """
    proc = load_procedure(procedure)
    if dominant_hand not in ("left", "right"):
        raise ValueError(f"dominant hand must be 'left' or 'right', not {dominant_hand!r}")
    thresholds = _thresholds(proc)
    quality = measure_tracking_quality(motion, required_individuals(proc, dominant_hand))
    provenance = _base_provenance(motion, proc, dominant_hand, thresholds, quality)

    reasons, advice = tracking_refusals(motion, proc, quality, thresholds)
    if reasons:
        return _refused(proc, reasons, advice, quality, provenance)

    scorer = _load_scorer(model, proc)
    ref = _load_reference(reference, proc)
    provenance["model"] = model_summary(scorer)
    provenance["reference"] = ref.summary()
    prepared, features = measure_motion(motion, proc, dominant_hand, mm_per_px)
    provenance["processing"] = list(prepared.metadata.get("processing", []))
    provenance["motion_kind"], provenance["units"] = prepared.kind, prepared.units
    provenance[DEFINITIONS_KEY] = definition_versions(features)  # which definition read each metric

    model_inputs = _model_inputs(scorer, prepared, features)
    schema_problem = _schema_problem(scorer, ref, proc, prepared, features, model_inputs)
    if schema_problem:
        advice = ["Use a model and reference built for this procedure and this kind of recording."]
        return _refused(proc, [schema_problem], advice, quality, provenance)

    return _judged(proc, scorer, ref, prepared, features, model_inputs, dominant_hand, quality, provenance)


def _judged(
    proc: Procedure,
    scorer: Any,
    ref: Reference,
    prepared: Motion,
    features: Mapping[str, Feature],
    model_inputs: Mapping[str, Any],
    dominant_hand: str,
    quality: TrackingQuality,
    provenance: dict[str, Any],
) -> Assessment:
    """The assessment of a motion both model and reference fit: level and score (withheld outside the
    model's training domain), metrics against the experts, ranked feedback and phases."""
    output = scorer.predict(model_inputs)
    comparisons = _ordered(compare(features, ref), proc.metrics)
    importances = scorer.card.get("feature_importance") if isinstance(scorer.card, Mapping) else None
    feedback = rank_feedback(comparisons, proc, importances if isinstance(importances, Mapping) else None)
    template_hand = proc.hand_for_role(template_role(proc), dominant_hand) if proc.hand_roles else ""
    domain = getattr(output, "domain", None)
    provenance["domain"] = domain.to_dict() if domain is not None else {"known": False, "inside": True}
    reasons = [domain.reason] if domain is not None and not domain.inside else []
    reasons += _older_definitions(scorer.card, model_inputs)
    outside = bool(reasons)
    assessment = Assessment(
        # Outside: level and score withheld; the metrics, feedback and expert comparison still show.
        status=ResultStatus.OUT_OF_DOMAIN.value if outside else STATUS_SCORED,
        procedure=proc.name,
        refusal_reasons=reasons,
        advice=[OUT_OF_DOMAIN_ADVICE] if outside else [],
        metrics=comparisons,
        feedback=feedback,
        phases=trainee_phases(prepared, proc, template_hand),
        tracking_quality=quality,
        provenance=provenance,
        phase_comparisons=_phase_comparisons(prepared, template_hand, ref),
    )
    if not outside:
        _add_scores(assessment, output, scorer.card)
    return assessment


def _older_definitions(card: Any, names: Any) -> list[str]:
    """Why the model cannot judge today's metrics: it learnt some of them as older definitions read them."""
    recorded = card.get(DEFINITIONS_KEY) if isinstance(card, Mapping) else None
    changed = changed_since(recorded if isinstance(recorded, Mapping) else {}, list(names))
    if not changed:
        return []
    listed = ", ".join(f"{n} (definition {a}, today {b})" for n, (a, b) in list(changed.items())[:3])
    more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
    return [
        f"this model learnt metrics that older definitions read ({listed}{more}): its level and score are "
        "withheld until it is retrained on today's"
    ]


OUT_OF_DOMAIN_ADVICE = (
    "Compare your metrics with the experts' below; for a level and a score, record the procedure this "
    "model was built for, set up as its model card describes, or use a model trained on practice like yours."
)


def _add_scores(assessment: Assessment, output: Any, card: Mapping[str, Any]) -> None:
    """Level, probabilities and score with interval, and whether they agree with the expert comparison."""
    assessment.skill_level = output.level
    assessment.level_probabilities = _levels_in_order(output.probabilities)
    assessment.score = float(output.score)
    assessment.score_interval = (float(output.interval[0]), float(output.interval[1]))
    assessment.score_scale = score_scale_text(card)
    assessment.interval_coverage = float(output.coverage)
    scale = card.get("score_scale") or {}
    assessment.provenance["consistency"] = consistency(
        output.level, assessment.score, scale, assessment.metrics
    )


# --- tracking quality and refusal ------------------------------------------------------------------


def required_individuals(procedure: Procedure, dominant_hand: str) -> tuple[str, ...]:
    """Individuals that must be tracked: the required roles' hands, the body when the procedure tracks
    pose (its posture metrics need it), and any the procedure adds in extra["required_individuals"]."""
    hands = [procedure.hand_for_role(role, dominant_hand) for role in procedure.required_roles]
    body = [BODY] if "pose" in procedure.tracker.split("+") else []
    extra = procedure.extra.get("required_individuals", ())
    return tuple(dict.fromkeys([*hands, *body, *extra]))


def tracking_refusals(
    motion: Motion, procedure: Procedure, quality: TrackingQuality, thresholds: Mapping[str, float]
) -> tuple[list[str], list[str]]:
    """Reasons not to score (too short, a required hand missing too often, low confidence) and advice."""
    reasons: list[str] = []
    advice: list[str] = []
    if motion.n_frames < 2:
        reasons.append("nothing was tracked in this recording")
        advice.append("Check that the video plays and shows your hands; then record again.")
        return reasons, advice
    if motion.duration_s < thresholds["min_duration_s"]:
        reason, tip = too_short(motion.duration_s, thresholds["min_duration_s"])
        reasons.append(reason)
        advice.append(tip)
    view_advice = CAMERA_ADVICE.get(procedure.camera_view, "Adjust the camera so your hands stay in view.")
    for name in quality.required:
        stats = quality.individual(name)
        label = name.replace("_", " ")
        if stats.tracked_share < thresholds["min_tracked_share"]:
            reasons.append(
                f"the {label} was tracked in only {stats.tracked_share:.0%} of frames "
                f"(at least {thresholds['min_tracked_share']:.0%} needed)"
            )
            _add(
                advice,
                "Keep your whole body in view."
                if name == BODY
                else "Keep both hands in view of the camera for the whole practice.",
            )
            _add(advice, view_advice)
        elif stats.mean_confidence < thresholds["min_mean_confidence"]:
            reasons.append(
                f"the {label} was tracked with low confidence ({stats.mean_confidence:.2f}; "
                f"at least {thresholds['min_mean_confidence']:.2f} needed)"
            )
    if any("confidence" in r or "tracked in only" in r for r in reasons):
        _add(advice, "Light the work area evenly and avoid a bright window or lamp behind you.")
        _add(advice, "Use a plain background that contrasts with your hands or gloves.")
    return reasons, advice


def too_short(duration_s: float, min_duration_s: float) -> tuple[str, str]:
    """The refusal reason and advice for a recording shorter than the procedure needs (one wording,
    whether measured on the motion or, before tracking, on the container)."""
    reason = (
        f"the recording is {duration_s:.1f} s long; at least {min_duration_s:.0f} s "
        "of practice is needed for a reliable score"
    )
    return reason, f"Record longer: the whole task, at least {min_duration_s:.0f} s."


def _add(items: list[str], text: str) -> None:
    if text not in items:
        items.append(text)


def _thresholds(procedure: Procedure) -> dict[str, float]:
    return {
        "min_duration_s": float(procedure.min_duration_s),
        "min_tracked_share": float(procedure.min_tracked_share),
        "min_mean_confidence": float(procedure.extra.get("min_mean_confidence", DEFAULT_MIN_MEAN_CONFIDENCE)),
        "feedback_worse_than_experts_z": WORSE_THAN_EXPERTS,
    }


def _refused(
    procedure: Procedure,
    reasons: list[str],
    advice: list[str],
    quality: TrackingQuality,
    provenance: dict[str, Any],
) -> Assessment:
    return Assessment(
        status=STATUS_REFUSED,
        procedure=procedure.name,
        refusal_reasons=reasons,
        advice=advice,
        tracking_quality=quality,
        provenance=provenance,
    )


# --- model and reference ---------------------------------------------------------------------------


def _load_scorer(model: Optional[ModelLike], procedure: Procedure) -> Any:
    if model is not None and not isinstance(model, (str, os.PathLike)):
        return model  # already loaded

    return load_scorer(Path(model) if model is not None else default_model_path(procedure.name))


def _load_reference(reference: Optional[ReferenceLike], procedure: Procedure) -> Reference:
    if isinstance(reference, Reference):
        return reference

    return load_reference(
        Path(reference) if reference is not None else default_reference_path(procedure.name)
    )


def _model_inputs(scorer: Any, prepared: Motion, features: Mapping[str, Feature]) -> Mapping[str, Any]:
    """What the model reads: the features, plus per-channel kinematic statistics for a model trained
    on them (`skillsight train` on lab kinematics such as JIGSAWS)."""
    card = scorer.card if isinstance(scorer.card, Mapping) else {}
    if card.get("feature_set", "default") == "default":
        return features
    return scorer_feature_values(card, prepared, features)


def _schema_problem(
    scorer: Any,
    reference: Reference,
    procedure: Procedure,
    motion: Motion,
    features: Mapping[str, Feature],
    model_inputs: Mapping[str, Any],
) -> str:
    """Why the model or reference cannot judge this motion, or "" when both fit."""

    card_procedure = scorer.card.get("procedure") if isinstance(scorer.card, Mapping) else None
    if card_procedure and card_procedure != procedure.name:
        return f"the model {scorer.name} v{scorer.version} is for {card_procedure}, not {procedure.name}"
    try:
        scorer.check_compatible(motion.kind, motion.units, list(model_inputs))
    except ModelSchemaError as exc:
        return str(exc)
    try:
        reference.check_compatible(procedure.name, motion.kind, motion.units, features)
    except ReferenceSchemaError as exc:
        return str(exc)
    return ""


def model_summary(scorer: Any) -> dict[str, Any]:
    card = scorer.card if isinstance(scorer.card, Mapping) else {}
    return {
        "name": scorer.name,
        "version": scorer.version,
        "sha256": card.get("sha256", ""),
        "path": str(getattr(scorer, "path", "")),
        "created": card.get("created", ""),
        "built_from": card.get("built_from", ""),
        "disclaimer": card.get("disclaimer", ""),
        "training_data": card.get("training_data", {}),
    }


def score_scale_text(card: Mapping[str, Any]) -> str:
    """e.g. "GRS 6-30" from the card's score_scale {"name", "min", "max"}."""
    scale = card.get("score_scale") or {}
    name = str(scale.get("name", "score"))
    low, high = scale.get("min"), scale.get("max")
    if low is None or high is None:
        return name
    return f"{name} {low:g}-{high:g}"


# --- phases, ordering, provenance ------------------------------------------------------------------


def trainee_phases(motion: Motion, procedure: Procedure, hand: str) -> list[Phase]:
    """The trainee's own stitch cycles or intubation phases, for the timeline."""
    return procedure_segments(motion, procedure, hand)


def _phase_comparisons(motion: Motion, hand: str, reference: Reference) -> list[dict[str, Any]]:
    if reference.template is None or not hand:
        return []
    speed = hand_speed(motion, hand)
    if speed is None:
        return []
    return [p.to_dict() for p in compare_phases(speed, motion.timestamps, reference)]


def _levels_in_order(probabilities: Mapping[str, float]) -> dict[str, float]:
    """novice, intermediate, expert (then any others), whatever order the model lists them in."""
    order = {level: i for i, level in enumerate(SKILL_LEVELS)}
    names = sorted(probabilities, key=lambda k: order.get(k, len(order)))
    return {k: float(probabilities[k]) for k in names}


def _ordered(comparisons: list[Any], metrics: Sequence[str]) -> list[Any]:
    """The procedure's metrics first, in its order, then any others."""
    order = {name: i for i, name in enumerate(metrics)}
    return sorted(comparisons, key=lambda c: order.get(c.name, len(order)))


def _base_provenance(
    motion: Motion,
    procedure: Procedure,
    dominant_hand: str,
    thresholds: Mapping[str, float],
    quality: TrackingQuality,
) -> dict[str, Any]:
    meta = motion.metadata
    return {
        "skillsight_version": _skillsight_version(),
        "procedure": procedure.name,
        "dominant_hand": dominant_hand,
        "thresholds": dict(thresholds),
        "tracking_quality_share": quality.share,
        "source": meta.get("source", ""),
        "source_sha256": meta.get("source_sha256", ""),
        "trackers": meta.get("trackers", meta.get("tracker", "")),
        "motion_kind": motion.kind,
        "units": motion.units,
        "processing": list(meta.get("processing", [])),
    }


def _skillsight_version() -> str:
    return str(__version__)

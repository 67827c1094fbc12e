"""Expert references: what experts' metrics look like, and how a trainee compares.

A `Reference` holds, per metric, a robust distribution of the experts' values (median, MAD-based
spread, 10th/90th percentiles, n, and the values themselves so percentiles are exact), plus a
representative speed-profile template of the procedure's main hand (the needle-driver or laryngoscope
hand): the DTW medoid of the experts' time-normalised speed profiles, with the phases found in that
expert's practice. It is saved as versioned JSON (models/<procedure>-reference-v<N>.json) with a
sha256 of its content, so a file edited by hand is refused rather than silently trusted.

`compare` puts a trainee's metrics against the experts (percentile, robust z signed so >0 is worse);
`compare_phases` aligns the trainee's speed profile to the template by DTW and reports, phase by
phase, how long the trainee took and how fast they moved relative to the experts.

One job per module: the model (reference_model), its files (reference_files), building
(reference_build), comparing (reference_compare). This module gathers their public names, the import
path every caller uses.
"""

from __future__ import annotations

from skillsight.scoring.reference_build import (
    build_reference,
    hand_reference_point,
    hand_speed,
    measure_motion,
    procedure_segments,
    speed_profile,
    template_phases,
    template_role,
)
from skillsight.scoring.reference_compare import compare, compare_phases
from skillsight.scoring.reference_experts import MIN_EXPERTS, card_experts, experts_text, too_few_experts
from skillsight.scoring.reference_files import load_reference, save_reference
from skillsight.scoring.reference_model import (
    DTW_BAND,
    LAB_DISCLAIMER,
    MAD_TO_SD,
    MIN_RELATIVE_SPREAD,
    REFERENCE_FORMAT,
    REFERENCE_FORMAT_VERSION,
    TEMPLATE_SAMPLES,
    FeatureDistribution,
    FeatureValues,
    PhaseComparison,
    Reference,
    ReferenceError,
    ReferenceInput,
    ReferenceSchemaError,
    SpeedTemplate,
    TemplatePhase,
    content_sha256,
    feature_value,
    robust_spread,
    time_normalised,
)

__all__ = [
    "DTW_BAND",
    "LAB_DISCLAIMER",
    "MAD_TO_SD",
    "MIN_EXPERTS",
    "MIN_RELATIVE_SPREAD",
    "REFERENCE_FORMAT",
    "REFERENCE_FORMAT_VERSION",
    "TEMPLATE_SAMPLES",
    "FeatureDistribution",
    "FeatureValues",
    "PhaseComparison",
    "Reference",
    "ReferenceError",
    "ReferenceInput",
    "ReferenceSchemaError",
    "SpeedTemplate",
    "TemplatePhase",
    "build_reference",
    "card_experts",
    "experts_text",
    "too_few_experts",
    "compare",
    "compare_phases",
    "content_sha256",
    "feature_value",
    "hand_reference_point",
    "hand_speed",
    "load_reference",
    "measure_motion",
    "procedure_segments",
    "robust_spread",
    "save_reference",
    "speed_profile",
    "template_phases",
    "template_role",
    "time_normalised",
]

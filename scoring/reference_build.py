"""Building an expert reference: measure the experts' practices, their metric distributions and the
speed template (the DTW medoid of their time-normalised speed profiles, with its phases).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Optional, Union

import numpy as np

from skillsight.pose.motion import Motion
from skillsight.scoring.dtw import dtw, medoid_index
from skillsight.scoring.features import (
    compute_features,
    definition_versions,
    prepare_motion,
    procedure_phases,
)
from skillsight.scoring.features.kinematics import hand_reference_keypoint
from skillsight.scoring.features.kinematics import hand_speed as features_hand_speed
from skillsight.scoring.procedure import Procedure, load_procedure
from skillsight.scoring.reference_experts import count_people, counted_by, practice_person
from skillsight.scoring.reference_model import (
    DTW_BAND,
    LAB_DISCLAIMER,
    TEMPLATE_SAMPLES,
    FeatureDistribution,
    FeatureValues,
    Reference,
    ReferenceError,
    ReferenceInput,
    SpeedTemplate,
    TemplatePhase,
    feature_value,
    sig6,
    time_normalised,
)
from skillsight.scoring.results import Feature, Phase


def template_role(procedure: Procedure) -> str:
    """The hand role whose speed profile is the template: the procedure's choice, else its first role."""
    role = procedure.extra.get("template_role")
    if role:
        return str(role)
    if not procedure.hand_roles:
        raise ReferenceError(f"procedure {procedure.name} names no hand roles to build a speed template from")
    return next(iter(procedure.hand_roles))


def hand_reference_point(motion: Motion, hand: str) -> Optional[str]:
    """The keypoint standing for a hand's position: centroid, tool tip, wrist, or any observed one."""
    if hand not in motion.individuals:
        return None
    try:  # the features' own choice, so the template follows the same point as the metrics
        return hand_reference_keypoint(motion, hand)
    except ImportError:
        pass
    observed = motion.observed_keypoints(hand)
    for keypoint in ("centroid", "tool_tip", "wrist", "middle_finger_mcp"):
        if keypoint in observed:
            return keypoint
    return observed[0] if observed else None


def hand_speed(motion: Motion, hand: str) -> Optional[np.ndarray]:
    """(T,) speed of the hand's reference point in motion units per second: the features' one
    definition (`kinematics.hand_speed`), bridged linearly over the frames where the hand is not
    seen (a template needs a profile without holes); None when it is seen in fewer than two frames."""

    speed = features_hand_speed(motion, hand)
    seen = np.isfinite(speed) if speed is not None else np.zeros(0, dtype=bool)
    if speed is None or seen.sum() < 2:
        return None
    t = motion.timestamps
    return np.interp(t, t[seen], speed[seen])


def speed_profile(motion: Motion, hand: str, n_samples: int = TEMPLATE_SAMPLES) -> Optional[np.ndarray]:
    """The hand's speed over time-normalised practice (n_samples bins)."""
    speed = hand_speed(motion, hand)
    return None if speed is None else time_normalised(speed, n_samples)


class _ExpertMeasures:
    """What the experts' practices give: their feature sets, motion kinds and units, speed profiles."""

    def __init__(self) -> None:
        self.feature_sets: list[FeatureValues] = []
        self.kinds: set[str] = set()
        self.units: set[str] = set()
        self.profiles: list[tuple[np.ndarray, float, Motion, str]] = []
        self.all_measured_here = True  # feature sets were measured elsewhere, by definitions unknown

    def add(
        self, item: ReferenceInput, proc: Procedure, dominant: str, role: str, mm_per_px: Optional[float]
    ) -> None:
        """A motion is prepared and measured here (and gives a speed profile); a feature set is kept."""
        if not isinstance(item, Motion):
            self.feature_sets.append(item)
            self.all_measured_here = False
            return
        prepared, features = measure_motion(item, proc, dominant, mm_per_px)
        self.feature_sets.append(features)
        self.kinds.add(prepared.kind)
        self.units.add(prepared.units)
        hand = proc.hand_for_role(role, dominant) if role else ""
        profile = speed_profile(prepared, hand) if hand else None
        if profile is not None:
            self.profiles.append((profile, prepared.duration_s, prepared, hand))

    def one_kind_and_unit(self, motion_kind: Optional[str], units: Optional[str]) -> tuple[str, str]:
        """The one motion kind and unit of all experts (feature sets need them given)."""
        kinds = self.kinds | ({motion_kind} if motion_kind else set())
        unit_names = self.units | ({units} if units else set())
        if len(kinds) > 1 or len(unit_names) > 1:
            raise ReferenceError(
                f"expert practices mix motion kinds {sorted(kinds)} or units {sorted(unit_names)}"
            )
        if not kinds or not unit_names:
            raise ReferenceError(
                "feature sets alone do not say their motion kind and units; pass motion_kind and units"
            )
        return kinds.pop(), unit_names.pop()


def build_reference(
    motions_or_feature_sets: Iterable[ReferenceInput],
    procedure: Union[str, Procedure],
    name: str,
    version: str,
    built_from: str,
    *,
    dominant_hands: Union[str, Sequence[str]] = "right",
    disclaimer: str = LAB_DISCLAIMER,
    motion_kind: Optional[str] = None,
    units: Optional[str] = None,
    mm_per_px: Optional[float] = None,
    experts: Optional[Sequence[Optional[str]]] = None,
) -> Reference:
    """Build a reference from expert motions (prepared and measured here) or ready feature sets.

    `dominant_hands` is one hand for all experts or one per input. `experts` names each input's person
    (None, or a None in it: the motion's own participant, else unnamed; see reference_experts). Feature
    sets carry no speed profile, so a reference built only from them has no template; pass
    `motion_kind`/`units` for them.
    """
    proc = load_procedure(procedure)
    items = list(motions_or_feature_sets)
    if not items:
        raise ReferenceError("no expert practices to build a reference from")
    hands = [dominant_hands] * len(items) if isinstance(dominant_hands, str) else list(dominant_hands)
    if len(hands) != len(items):
        raise ReferenceError(f"{len(hands)} dominant hands for {len(items)} expert practices")
    persons = _persons(items, experts)
    role = template_role(proc) if proc.hand_roles else ""
    measures = _ExpertMeasures()
    for item, dominant in zip(items, hands):
        measures.add(item, proc, dominant, role, mm_per_px)
    kind, unit = measures.one_kind_and_unit(motion_kind, units)
    feature_sets, profiles = measures.feature_sets, measures.profiles

    distributions = _distributions(feature_sets, proc, persons)
    if not distributions:
        raise ReferenceError("the expert practices gave no usable metric values")
    return Reference(
        name=name,
        version=str(version),
        procedure=proc.name,
        motion_kind=kind,
        units=unit,
        features=distributions,
        template=_speed_template(profiles, proc, role) if profiles else None,
        built_from=built_from,
        n_experts=count_people(persons),
        n_practices=len(items),
        experts_counted_by=counted_by(persons),
        disclaimer=disclaimer,
        created=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        dominant_hands=tuple(hands),
        metric_definitions=definition_versions(distributions) if measures.all_measured_here else {},
    )


def measure_motion(
    motion: Motion, procedure: Procedure, dominant_hand: str, mm_per_px: Optional[float] = None
) -> tuple[Motion, dict[str, Feature]]:
    """Clean and scale a motion, then compute the procedure's features (the assessment's steps)."""

    prepared = prepare_motion(motion, mm_per_px=mm_per_px)
    return prepared, dict(compute_features(prepared, procedure, dominant_hand=dominant_hand))


def _persons(
    items: Sequence[ReferenceInput], experts: Optional[Sequence[Optional[str]]]
) -> list[Optional[str]]:
    """Each practice's person: the name given, else the one its motion names, else None."""
    given = list(experts) if experts is not None else [None] * len(items)
    if len(given) != len(items):
        raise ReferenceError(f"{len(given)} expert names for {len(items)} expert practices")
    return [
        str(name).strip() if name is not None and str(name).strip() else practice_person(item)
        for name, item in zip(given, items)
    ]


def _distributions(
    feature_sets: Sequence[FeatureValues], procedure: Procedure, persons: Sequence[Optional[str]]
) -> dict[str, FeatureDistribution]:
    # The procedure's metrics first, then every other measured one, so each metric gets a percentile.
    names: list[str] = list(procedure.metrics)
    for features in feature_sets:
        names.extend(n for n in features if n not in names)
    out: dict[str, FeatureDistribution] = {}
    for feature_name in names:
        values = [feature_value(fs[feature_name]) for fs in feature_sets if feature_name in fs]
        if not any(math.isfinite(v) for v in values):
            continue
        # the people behind this metric's values: a range from few people is as weak as they are
        behind = [
            person
            for fs, person in zip(feature_sets, persons)
            if feature_name in fs and math.isfinite(feature_value(fs[feature_name]))
        ]
        sample = next(
            (fs[feature_name] for fs in feature_sets if isinstance(fs.get(feature_name), Feature)), None
        )
        unit = sample.unit if isinstance(sample, Feature) else ""
        better = sample.higher_is_better if isinstance(sample, Feature) else None
        out[feature_name] = FeatureDistribution.from_values(
            values, unit=unit, higher_is_better=better, n_experts=count_people(behind)
        )
    return out


def _speed_template(
    profiles: Sequence[tuple[np.ndarray, float, Motion, str]], procedure: Procedure, role: str
) -> SpeedTemplate:
    curves = [p for p, _, _, _ in profiles]
    medoid = medoid_index(curves, band=DTW_BAND) if len(curves) > 2 else 0
    template = curves[medoid]
    aligned = np.array([_aligned_to(template, curve) for curve in curves])
    low, high = np.percentile(aligned, [10, 90], axis=0)
    _, duration, medoid_motion, hand = profiles[medoid]
    unit = f"{medoid_motion.units}/s"
    return SpeedTemplate(
        role=role,
        unit=unit,
        profile=tuple(sig6(v) for v in template),
        band_low=tuple(sig6(v) for v in low),
        band_high=tuple(sig6(v) for v in high),
        duration_s=sig6(float(np.median([d for _, d, _, _ in profiles]))),
        phases=template_phases(medoid_motion, procedure, hand),
        n=len(curves),
    )


def _aligned_to(template: np.ndarray, curve: np.ndarray) -> np.ndarray:
    """`curve` warped onto the template's time axis (mean of the samples matched to each index)."""
    alignment = dtw(curve, template, band=DTW_BAND)
    sums = np.zeros(len(template))
    counts = np.zeros(len(template))
    for qi, tj in alignment.path:
        sums[tj] += curve[qi]
        counts[tj] += 1
    return sums / np.maximum(counts, 1)


def template_phases(motion: Motion, procedure: Procedure, hand: str) -> tuple[TemplatePhase, ...]:
    """The phases of one expert's practice on normalised time: stitch cycles or intubation phases when
    the features package finds them, else four equal quarters."""
    t0 = float(motion.timestamps[0]) if motion.n_frames else 0.0
    total = motion.duration_s or 1.0
    phases = []
    for phase in procedure_segments(motion, procedure, hand):
        start, end = (phase.start_s - t0) / total, (phase.end_s - t0) / total
        if end > start:
            phases.append(TemplatePhase(phase.label, float(np.clip(start, 0, 1)), float(np.clip(end, 0, 1))))
    if not phases:
        names = ("first quarter", "second quarter", "third quarter", "last quarter")
        phases = [TemplatePhase(n, i / 4, (i + 1) / 4) for i, n in enumerate(names)]
    return tuple(phases)


def procedure_segments(motion: Motion, procedure: Procedure, hand: str) -> list[Phase]:
    """The phases of the procedure's feature groups (stitch cycles, intubation phases) in `hand`'s
    movement; [] when it defines none or the movement shows none."""

    try:
        return procedure_phases(motion, procedure, hand)
    except (ValueError, KeyError):
        return []

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
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from skillsight.base.hashing import json_sha256
from skillsight.manifest import ManifestError, verify, write_sealed_card
from skillsight.pose.motion import Motion
from skillsight.scoring.dtw import dtw, medoid_index
from skillsight.scoring.features import compute_features, prepare_motion, procedure_phases
from skillsight.scoring.features.kinematics import hand_reference_keypoint
from skillsight.scoring.features.kinematics import hand_speed as features_hand_speed
from skillsight.scoring.procedure import Procedure, load_procedure
from skillsight.scoring.results import Feature, MetricComparison, Phase

REFERENCE_FORMAT = "skillsight-reference"
REFERENCE_FORMAT_VERSION = 1
TEMPLATE_SAMPLES = 100
# Consistent with a normal distribution's standard deviation: 1.4826 * MAD.
MAD_TO_SD = 1.4826
# Experts' spread is never taken as narrower than this share of their median (see robust_spread).
MIN_RELATIVE_SPREAD = 0.05
# A reference range from fewer experts than this is too thin to judge a trainee by (flagged, not hidden).
MIN_EXPERTS = 5
# Share of the template length that DTW may warp away from the diagonal.
DTW_BAND = 0.2
LAB_DISCLAIMER = (
    "A lab should build its own reference from its own experts' practice recorded with its own set-up "
    "(`skillsight reference build`)."
)

FeatureValues = Mapping[str, Union[Feature, float, None]]
ReferenceInput = Union[Motion, FeatureValues]


class ReferenceError(ValueError):
    """A reference file is missing, malformed or was modified after it was built."""


class ReferenceSchemaError(ReferenceError):
    """A reference does not fit the motion or procedure it is asked to judge."""


@dataclass(frozen=True)
class FeatureDistribution:
    """Robust summary of the experts' values of one metric."""

    median: float
    spread: float  # MAD-based, in the metric's unit; never zero
    p10: float
    p90: float
    n: int
    unit: str = ""
    higher_is_better: Optional[bool] = None
    values: tuple[float, ...] = ()  # sorted expert values, for exact percentiles

    @classmethod
    def from_values(
        cls, values: Sequence[float], unit: str = "", higher_is_better: Optional[bool] = None
    ) -> FeatureDistribution:
        arr = np.sort(np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float))
        if arr.size == 0:
            raise ValueError("no finite expert values")
        median = float(np.median(arr))
        p10, p90 = (float(v) for v in np.percentile(arr, [10, 90]))
        # Rounded as saved, so a reference in memory and the same one read back judge identically.
        return cls(
            median=_sig6(median),
            spread=_sig6(robust_spread(arr)),
            p10=_sig6(p10),
            p90=_sig6(p90),
            n=int(arr.size),
            unit=unit,
            higher_is_better=higher_is_better,
            values=tuple(_sig6(v) for v in arr),
        )

    def percentile(self, value: float) -> float:
        """Percentile rank (0-100) of `value` among the experts: share below plus half the ties."""
        arr = np.asarray(self.values, dtype=float)
        if arr.size == 0:
            # Without stored values, a normal approximation around the robust centre.
            return float(100.0 * 0.5 * (1.0 + math.erf((value - self.median) / (self.spread * math.sqrt(2)))))
        below = np.count_nonzero(arr < value)
        ties = np.count_nonzero(arr == value)
        return float(100.0 * (below + 0.5 * ties) / arr.size)

    def robust_z(self, value: float) -> float:
        return (value - self.median) / self.spread

    @property
    def degenerate_reason(self) -> str:
        """Why this expert range should not be trusted as a range, or "" (shown beside the range)."""
        reasons = []
        values = np.asarray(self.values, dtype=float)
        no_spread = values.size > 1 and float(np.ptp(values)) <= 1e-9 * max(1.0, abs(self.median))
        if no_spread or self.p90 - self.p10 <= 1e-3 * max(abs(self.median), 1e-9):
            reasons.append("the experts' values hardly differ (no real spread)")
        if self.n < MIN_EXPERTS:
            experts = f"{self.n} expert{'s' if self.n != 1 else ''}"
            reasons.append(f"only {experts} (at least {MIN_EXPERTS} needed)")
        return "; ".join(reasons)

    def deviation(self, value: float, higher_is_better: Optional[bool] = None) -> float:
        """Robust z-score signed so that >0 is worse than the experts' median.

        Metrics with no better direction count any distance from the experts as worse.
        """
        direction = self.higher_is_better if higher_is_better is None else higher_is_better
        z = self.robust_z(value)
        if direction is True:
            return -z
        if direction is False:
            return z
        return abs(z)

    def to_dict(self) -> dict[str, Any]:
        return {
            "median": _round(self.median),
            "spread": _round(self.spread),
            "p10": _round(self.p10),
            "p90": _round(self.p90),
            "n": self.n,
            "unit": self.unit,
            "higher_is_better": self.higher_is_better,
            "values": [_round(v) for v in self.values],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FeatureDistribution:
        return cls(
            median=float(d["median"]),
            spread=float(d["spread"]),
            p10=float(d["p10"]),
            p90=float(d["p90"]),
            n=int(d["n"]),
            unit=str(d.get("unit", "")),
            higher_is_better=d.get("higher_is_better"),
            values=tuple(float(v) for v in d.get("values", ())),
        )


@dataclass(frozen=True)
class TemplatePhase:
    """A phase of the template on normalised time (0 = start, 1 = end)."""

    label: str
    start: float
    end: float


@dataclass(frozen=True)
class SpeedTemplate:
    """The representative expert speed profile of one hand role, time-normalised."""

    role: str
    unit: str  # e.g. "hand_size/s"
    profile: tuple[float, ...]
    band_low: tuple[float, ...]  # 10th percentile of experts aligned to the profile
    band_high: tuple[float, ...]  # 90th percentile
    duration_s: float  # median duration of the experts' practices
    phases: tuple[TemplatePhase, ...]
    n: int  # profiles it was built from
    method: str = "dtw-medoid"

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "unit": self.unit,
            "method": self.method,
            "n": self.n,
            "duration_s": _round(self.duration_s),
            "profile": [_round(v) for v in self.profile],
            "band_low": [_round(v) for v in self.band_low],
            "band_high": [_round(v) for v in self.band_high],
            "phases": [
                {"label": p.label, "start": _round(p.start), "end": _round(p.end)} for p in self.phases
            ],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SpeedTemplate:
        return cls(
            role=str(d["role"]),
            unit=str(d.get("unit", "")),
            profile=tuple(float(v) for v in d["profile"]),
            band_low=tuple(float(v) for v in d.get("band_low", d["profile"])),
            band_high=tuple(float(v) for v in d.get("band_high", d["profile"])),
            duration_s=float(d["duration_s"]),
            phases=tuple(
                TemplatePhase(str(p["label"]), float(p["start"]), float(p["end"])) for p in d["phases"]
            ),
            n=int(d.get("n", 1)),
            method=str(d.get("method", "dtw-medoid")),
        )


@dataclass(frozen=True)
class PhaseComparison:
    """One template phase matched by DTW to the trainee's practice."""

    label: str
    start_s: float  # where the matching part of the trainee's practice starts
    end_s: float
    duration_ratio: float  # trainee's time in this phase / experts' typical time
    speed_ratio: float  # trainee's mean speed in this phase / the template's
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "start_s": _round(self.start_s),
            "end_s": _round(self.end_s),
            "duration_ratio": _round(self.duration_ratio),
            "speed_ratio": _round(self.speed_ratio),
            "note": self.note,
        }


@dataclass(frozen=True)
class Reference:
    """Expert distributions per metric plus a speed template, with what it was built from."""

    name: str
    version: str
    procedure: str
    motion_kind: str
    units: str
    features: Mapping[str, FeatureDistribution]
    template: Optional[SpeedTemplate]
    built_from: str
    n_experts: int
    disclaimer: str = LAB_DISCLAIMER
    created: str = ""
    dominant_hands: tuple[str, ...] = ()
    sha256: str = ""  # of the content as saved; filled by save/load
    path: str = field(default="", compare=False)

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(self.features)

    def to_dict(self) -> dict[str, Any]:
        """The JSON content without its sha256 (which is computed over exactly this)."""
        return {
            "format": REFERENCE_FORMAT,
            "format_version": REFERENCE_FORMAT_VERSION,
            "kind": "reference",
            "name": self.name,
            "version": self.version,
            "procedure": self.procedure,
            "motion_kind": self.motion_kind,
            "units": self.units,
            "feature_names": list(self.features),
            "feature_units": {k: d.unit for k, d in self.features.items()},
            "n_experts": self.n_experts,
            "dominant_hands": list(self.dominant_hands),
            "built_from": self.built_from,
            "disclaimer": self.disclaimer,
            "created": self.created,
            "features": {k: d.to_dict() for k, d in self.features.items()},
            "template": self.template.to_dict() if self.template else None,
        }

    def degenerate_metrics(self) -> dict[str, str]:
        """Metrics whose expert range is degenerate, with the reason (see FeatureDistribution)."""
        return {k: d.degenerate_reason for k, d in self.features.items() if d.degenerate_reason}

    def summary(self) -> dict[str, Any]:
        """What provenance records about the reference."""
        return {
            "degenerate_metrics": self.degenerate_metrics(),
            "name": self.name,
            "version": self.version,
            "procedure": self.procedure,
            "n_experts": self.n_experts,
            "built_from": self.built_from,
            "disclaimer": self.disclaimer,
            "sha256": self.sha256 or content_sha256(self.to_dict()),
            "path": self.path,
        }

    def check_compatible(
        self,
        procedure: str,
        motion_kind: str,
        units: str,
        features: Mapping[str, Union[Feature, float, None]],
    ) -> None:
        """Raise ReferenceSchemaError when this reference cannot judge such a motion."""
        where = f"reference {self.name} v{self.version}"
        if self.procedure != procedure:
            raise ReferenceSchemaError(f"{where} is for procedure {self.procedure!r}, not {procedure!r}")
        if self.motion_kind != motion_kind:
            raise ReferenceSchemaError(
                f"{where} was built from {self.motion_kind} motion; this motion is {motion_kind}"
            )
        if self.units != units:
            raise ReferenceSchemaError(
                f"{where} measures distances in {self.units!r}; this motion in {units!r}"
            )
        missing = [name for name in self.features if name not in features]
        if missing:
            raise ReferenceSchemaError(f"{where} has metrics this motion lacks: {', '.join(missing[:5])}")
        for name, dist in self.features.items():
            feature = features[name]
            if isinstance(feature, Feature) and dist.unit and feature.unit and feature.unit != dist.unit:
                raise ReferenceSchemaError(
                    f"{where}: {name} is in {dist.unit!r} there, {feature.unit!r} here"
                )


# --- building ---------------------------------------------------------------------------------------


def robust_spread(values: np.ndarray) -> float:
    """1.4826 x MAD, falling back to the 10-90 range when most experts agree exactly, and never below
    MIN_RELATIVE_SPREAD of the median: differences smaller than tracking noise are not worth feedback,
    and a near-zero spread would make every tiny difference look infinitely bad."""
    arr = np.asarray(values, dtype=float)
    median = float(np.median(arr))
    spread = MAD_TO_SD * float(np.median(np.abs(arr - median)))
    if spread <= 0:
        p10, p90 = np.percentile(arr, [10, 90])
        spread = float(p90 - p10) / 2.563  # the 10-90 range of a normal is 2.563 sd
    return max(spread, abs(median) * MIN_RELATIVE_SPREAD, 1e-9)


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


def time_normalised(values: np.ndarray, n_samples: int = TEMPLATE_SAMPLES) -> np.ndarray:
    """Means of `values` over `n_samples` equal bins of normalised time (interpolated when shorter)."""
    arr = np.asarray(values, dtype=float)
    if arr.size >= n_samples:
        edges = np.linspace(0, arr.size, n_samples + 1).astype(int)
        return np.add.reduceat(arr, edges[:-1]) / np.diff(edges)
    return np.interp(np.linspace(0, arr.size - 1, n_samples), np.arange(arr.size), arr)


def speed_profile(motion: Motion, hand: str, n_samples: int = TEMPLATE_SAMPLES) -> Optional[np.ndarray]:
    """The hand's speed over time-normalised practice (n_samples bins)."""
    speed = hand_speed(motion, hand)
    return None if speed is None else time_normalised(speed, n_samples)


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
) -> Reference:
    """Build a reference from expert motions (prepared and measured here) or ready feature sets.

    `dominant_hands` is one hand for all experts or one per input. Feature sets carry no speed
    profile, so a reference built only from them has no template; pass `motion_kind`/`units` for them.
    """
    proc = load_procedure(procedure)
    items = list(motions_or_feature_sets)
    if not items:
        raise ReferenceError("no expert practices to build a reference from")
    hands = [dominant_hands] * len(items) if isinstance(dominant_hands, str) else list(dominant_hands)
    if len(hands) != len(items):
        raise ReferenceError(f"{len(hands)} dominant hands for {len(items)} expert practices")

    feature_sets: list[FeatureValues] = []
    kinds, unit_names = set(), set()
    profiles: list[tuple[np.ndarray, float, Motion, str]] = []
    role = template_role(proc) if proc.hand_roles else ""
    for item, dominant in zip(items, hands):
        if isinstance(item, Motion):
            prepared, features = measure_motion(item, proc, dominant, mm_per_px)
            feature_sets.append(features)
            kinds.add(prepared.kind)
            unit_names.add(prepared.units)
            hand = proc.hand_for_role(role, dominant) if role else ""
            profile = speed_profile(prepared, hand) if hand else None
            if profile is not None:
                profiles.append((profile, prepared.duration_s, prepared, hand))
        else:
            feature_sets.append(item)
    if motion_kind:
        kinds.add(motion_kind)
    if units:
        unit_names.add(units)
    if len(kinds) > 1 or len(unit_names) > 1:
        raise ReferenceError(
            f"expert practices mix motion kinds {sorted(kinds)} or units {sorted(unit_names)}"
        )
    if not kinds or not unit_names:
        raise ReferenceError(
            "feature sets alone do not say their motion kind and units; pass motion_kind and units"
        )

    distributions = _distributions(feature_sets, proc)
    if not distributions:
        raise ReferenceError("the expert practices gave no usable metric values")
    return Reference(
        name=name,
        version=str(version),
        procedure=proc.name,
        motion_kind=kinds.pop(),
        units=unit_names.pop(),
        features=distributions,
        template=_speed_template(profiles, proc, role) if profiles else None,
        built_from=built_from,
        n_experts=len(items),
        disclaimer=disclaimer,
        created=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        dominant_hands=tuple(hands),
    )


def measure_motion(
    motion: Motion, procedure: Procedure, dominant_hand: str, mm_per_px: Optional[float] = None
) -> tuple[Motion, dict[str, Feature]]:
    """Clean and scale a motion, then compute the procedure's features (the assessment's steps)."""

    prepared = prepare_motion(motion, mm_per_px=mm_per_px)
    return prepared, dict(compute_features(prepared, procedure, dominant_hand=dominant_hand))


def _feature_value(value: Union[Feature, float, None]) -> float:
    if isinstance(value, Feature):
        return float(value.value)
    return float("nan") if value is None else float(value)


def _distributions(
    feature_sets: Sequence[FeatureValues], procedure: Procedure
) -> dict[str, FeatureDistribution]:
    # The procedure's metrics first, then every other measured one, so each metric gets a percentile.
    names: list[str] = list(procedure.metrics)
    for features in feature_sets:
        names.extend(n for n in features if n not in names)
    out: dict[str, FeatureDistribution] = {}
    for feature_name in names:
        values = [_feature_value(fs[feature_name]) for fs in feature_sets if feature_name in fs]
        if not any(math.isfinite(v) for v in values):
            continue
        sample = next(
            (fs[feature_name] for fs in feature_sets if isinstance(fs.get(feature_name), Feature)), None
        )
        unit = sample.unit if isinstance(sample, Feature) else ""
        better = sample.higher_is_better if isinstance(sample, Feature) else None
        out[feature_name] = FeatureDistribution.from_values(values, unit=unit, higher_is_better=better)
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
        profile=tuple(_sig6(v) for v in template),
        band_low=tuple(_sig6(v) for v in low),
        band_high=tuple(_sig6(v) for v in high),
        duration_s=_sig6(float(np.median([d for _, d, _, _ in profiles]))),
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


# --- comparing --------------------------------------------------------------------------------------


def compare(features: FeatureValues, reference: Optional[Reference]) -> list[MetricComparison]:
    """Every metric with its expert percentile and deviation (robust z, >0 worse) where the
    reference has it."""
    out = []
    for name, feature in features.items():
        value = _feature_value(feature)
        is_feature = isinstance(feature, Feature)
        unit = feature.unit if isinstance(feature, Feature) else ""
        description = feature.description if isinstance(feature, Feature) else ""
        better = feature.higher_is_better if isinstance(feature, Feature) else None
        dist = reference.features.get(name) if reference else None
        if dist is not None and not is_feature:
            unit, better = dist.unit, dist.higher_is_better
        finite = math.isfinite(value)
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


# --- files ------------------------------------------------------------------------------------------


def content_sha256(content: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of a reference's content (all but the sha256 and the manifest)."""
    return json_sha256({k: v for k, v in content.items() if k not in ("sha256", "manifest")})


def save_reference(reference: Reference, path: Union[str, os.PathLike[str]]) -> Path:
    """Write the reference atomically as JSON with the sha256 of its content."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    content = reference.to_dict()
    content["sha256"] = content_sha256(content)

    write_sealed_card(target, content, mode=0o600, indent=1)  # the same manifest as scorer cards (no files)
    return target


def load_reference(path: Union[str, os.PathLike[str]]) -> Reference:
    """Read a reference file, checking its format, version and sha256; errors name the file."""
    p = Path(path)
    if not p.exists():
        raise ReferenceError(f"{p}: reference file not found")
    try:
        content = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReferenceError(f"{p}: not a readable JSON reference ({exc})") from exc
    if not isinstance(content, dict) or content.get("format") != REFERENCE_FORMAT:
        raise ReferenceError(f"{p}: not a SkillSight reference (format {REFERENCE_FORMAT!r} expected)")
    version = int(content.get("format_version", 0))
    if version > REFERENCE_FORMAT_VERSION:
        raise ReferenceError(f"{p}: reference format_version {version} is newer than this SkillSight reads")
    recorded = content.get("sha256")
    if recorded != content_sha256(content):
        raise ReferenceError(
            f"{p}: content does not match its sha256 (the file was changed after it was built)"
        )
    if "manifest" in content:  # references from before manifests carry their content sha256 only
        try:
            verify(content, p)
        except ManifestError as exc:
            raise ReferenceError(str(exc)) from None
    try:
        return Reference(
            name=str(content["name"]),
            version=str(content["version"]),
            procedure=str(content["procedure"]),
            motion_kind=str(content["motion_kind"]),
            units=str(content["units"]),
            features={k: FeatureDistribution.from_dict(v) for k, v in content["features"].items()},
            template=SpeedTemplate.from_dict(content["template"]) if content.get("template") else None,
            built_from=str(content.get("built_from", "")),
            n_experts=int(content["n_experts"]),
            disclaimer=str(content.get("disclaimer", "")),
            created=str(content.get("created", "")),
            dominant_hands=tuple(content.get("dominant_hands", ())),
            sha256=str(recorded),
            path=str(p),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ReferenceError(f"{p}: malformed reference ({exc})") from exc


def _round(value: float) -> Optional[float]:
    """Six significant digits keep the files small; non-finite values become null."""
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.6g}")


def _sig6(value: float) -> float:
    return float(f"{float(value):.6g}")

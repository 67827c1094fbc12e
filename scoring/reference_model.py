"""Expert references, the model: per-metric expert distributions, the speed template, and the files.

A `Reference` holds, per metric, a robust distribution of the experts' values (median, MAD-based
spread, 10th/90th percentiles, n, and the values themselves so percentiles are exact), plus a
representative speed-profile template of the procedure's main hand. Its files (versioned JSON with a
sha256 of the content) are scoring.reference_files' job, building scoring.reference_build's, comparing
scoring.reference_compare's; scoring.reference gathers all four.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional, Union

import numpy as np

from skillsight.base.hashing import json_sha256
from skillsight.pose.motion import Motion
from skillsight.scoring.metric_display import length_text, motion_kind_text
from skillsight.scoring.reference_experts import experts_text, too_few_experts
from skillsight.scoring.results import Feature

REFERENCE_FORMAT = "skillsight-reference"
REFERENCE_FORMAT_VERSION = 1
TEMPLATE_SAMPLES = 100
# Consistent with a normal distribution's standard deviation: 1.4826 * MAD.
MAD_TO_SD = 1.4826
# Experts' spread is never taken as narrower than this share of their median (see robust_spread).
MIN_RELATIVE_SPREAD = 0.05
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
    # distinct people behind the values (None: not known; a metric from few people is as weak as they)
    n_experts: Optional[int] = None

    @classmethod
    def from_values(
        cls,
        values: Sequence[float],
        unit: str = "",
        higher_is_better: Optional[bool] = None,
        n_experts: Optional[int] = None,
    ) -> FeatureDistribution:
        arr = np.sort(np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float))
        if arr.size == 0:
            raise ValueError("no finite expert values")
        median = float(np.median(arr))
        p10, p90 = (float(v) for v in np.percentile(arr, [10, 90]))
        # Rounded as saved, so a reference in memory and the same one read back judge identically.
        return cls(
            median=sig6(median),
            spread=sig6(robust_spread(arr)),
            p10=sig6(p10),
            p90=sig6(p90),
            n=int(arr.size),
            unit=unit,
            higher_is_better=higher_is_better,
            values=tuple(sig6(v) for v in arr),
            n_experts=n_experts,
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
        too_few = too_few_experts(self.n_experts, self.n)
        if too_few:
            reasons.append(too_few)
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
            "n_experts": self.n_experts,
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
            n_experts=int(d["n_experts"]) if d.get("n_experts") is not None else None,
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
    n_experts: Optional[int]  # distinct people (None: the inputs did not name them); see reference_experts
    disclaimer: str = LAB_DISCLAIMER
    created: str = ""
    dominant_hands: tuple[str, ...] = ()
    # metric -> the definition version that read the experts' values ({}: not recorded, e.g. built
    # before definitions were versioned or from feature sets measured elsewhere)
    metric_definitions: Mapping[str, int] = field(default_factory=dict)
    n_practices: int = 0  # the practices it was built from (0: not given, e.g. a stand-in)
    experts_counted_by: str = ""  # how n_experts was reached, in words
    sha256: str = ""  # of the content as saved; filled by save/load
    path: str = field(default="", compare=False)

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(self.features)

    @property
    def practices(self) -> int:
        return self.n_practices or self.n_experts or 0

    @property
    def experts_text(self) -> str:
        """'2 experts (6 practices)', or '6 practices; the experts were not named'."""
        return experts_text(self.n_experts, self.practices)

    @property
    def too_few_experts(self) -> str:
        """Why the whole reference is too thin (counted in people), or ""."""
        return too_few_experts(self.n_experts, self.practices)

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
            "n_practices": self.practices,
            "experts_counted_by": self.experts_counted_by,
            "dominant_hands": list(self.dominant_hands),
            "built_from": self.built_from,
            "disclaimer": self.disclaimer,
            "created": self.created,
            "features": {k: d.to_dict() for k, d in self.features.items()},
            "template": self.template.to_dict() if self.template else None,
            # only when recorded: a reference built before keeps its content (and its sha256) as it was
            **({"metric_definitions": dict(self.metric_definitions)} if self.metric_definitions else {}),
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
            "n_practices": self.practices,
            "experts": self.experts_text,
            "experts_counted_by": self.experts_counted_by,
            "too_few_experts": self.too_few_experts,
            "built_from": self.built_from,
            "disclaimer": self.disclaimer,
            "sha256": self.sha256 or content_sha256(self.to_dict()),
            "path": self.path,
            "metric_definitions": dict(self.metric_definitions),  # {}: not recorded
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
                f"{where} was built from {motion_kind_text(self.motion_kind)}; this motion is from "
                f"{motion_kind_text(motion_kind)}"
            )
        if self.units != units:
            raise ReferenceSchemaError(
                f"{where} measures distances in {length_text(self.units)}; "
                f"this motion in {length_text(units)}"
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


def time_normalised(values: np.ndarray, n_samples: int = TEMPLATE_SAMPLES) -> np.ndarray:
    """Means of `values` over `n_samples` equal bins of normalised time (interpolated when shorter)."""
    arr = np.asarray(values, dtype=float)
    if arr.size >= n_samples:
        edges = np.linspace(0, arr.size, n_samples + 1).astype(int)
        return np.add.reduceat(arr, edges[:-1]) / np.diff(edges)
    return np.interp(np.linspace(0, arr.size - 1, n_samples), np.arange(arr.size), arr)


def content_sha256(content: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of a reference's content (all but the sha256 and the manifest)."""
    return json_sha256({k: v for k, v in content.items() if k not in ("sha256", "manifest")})


def _round(value: float) -> Optional[float]:
    """Six significant digits keep the files small; non-finite values become null."""
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.6g}")


def sig6(value: float) -> float:
    return float(f"{float(value):.6g}")


def feature_value(value: Union[Feature, float, None]) -> float:
    """A metric's number, whether given as a Feature, a number or None (NaN)."""
    if isinstance(value, Feature):
        return float(value.value)
    return float("nan") if value is None else float(value)

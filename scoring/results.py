"""Result types shared by features, references, scorers, the CLI, the app and batch.

Everything here is plain data that serialises to JSON with `to_dict()`, so an `Assessment` can be
stored, sent to the page or written beside a batch result without losing its provenance.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, Optional

from skillsight.pose.quality import TrackingQuality


class ResultStatus(str, Enum):
    """Every outcome of scoring one recording: the only status vocabulary (CLI, batch, app, database)."""

    SCORED = "scored"  # level and score given (warnings, e.g. minor decoding damage, may be attached)
    REFUSED = "refused"  # tracking too poor, clip too short, or model/reference schema mismatch
    OUT_OF_DOMAIN = "out_of_domain"  # metrics and expert comparison shown; level and score withheld
    DAMAGED = "damaged"  # the recording is too damaged (undecodable share above the limit) to score
    FAILED = "failed"  # an error: a missing file, a dead worker (batch records it and retries it next run)
    # Not a readable video (empty, not a video, a codec this install cannot decode): an answer about the
    # file's content, so batch keeps it (keyed by content) and skips it until the file changes.
    UNREADABLE = "unreadable"

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self]

    @property
    def metrics_measured(self) -> bool:
        """Its metrics are measurements (learning curves show them): scored, or out of domain, where only
        the level and score are withheld."""
        return self in (ResultStatus.SCORED, ResultStatus.OUT_OF_DOMAIN)

    @property
    def words(self) -> str:
        """The status for people, in tables and lists (the History tab, `sessions list`): each begins
        with the word the exit codes and batch's summary use; `value` is for files and JSON."""
        return STATUS_WORDS[self]

    def __str__(self) -> str:
        return self.value


STATUS_WORDS = {
    ResultStatus.SCORED: "scored",
    ResultStatus.REFUSED: "refused: can't be scored reliably",
    ResultStatus.OUT_OF_DOMAIN: "score withheld: out of domain",
    ResultStatus.DAMAGED: "damaged: too much could not be decoded",
    ResultStatus.FAILED: "failed: an error while assessing",
    ResultStatus.UNREADABLE: "unreadable: not a video this install can read",
}


def status_words(status: str) -> str:
    """A stored status in people's words; a status this build does not know, as it is."""
    try:
        return ResultStatus(status).words
    except ValueError:
        return str(status)


# Exit codes of `skillsight score` (documented in the README); one per status, plus wrong usage. An
# unreadable input is an error to `score` (1), as it always was.
EXIT_CODES = {
    ResultStatus.SCORED: 0,
    ResultStatus.FAILED: 1,
    ResultStatus.UNREADABLE: 1,
    ResultStatus.REFUSED: 3,
    ResultStatus.OUT_OF_DOMAIN: 4,
    ResultStatus.DAMAGED: 5,
}
EXIT_SCORED = EXIT_CODES[ResultStatus.SCORED]
EXIT_ERROR = EXIT_CODES[ResultStatus.FAILED]
EXIT_USAGE = 2
EXIT_REFUSED = EXIT_CODES[ResultStatus.REFUSED]
EXIT_OUT_OF_DOMAIN = EXIT_CODES[ResultStatus.OUT_OF_DOMAIN]
EXIT_DAMAGED = EXIT_CODES[ResultStatus.DAMAGED]

STATUS_SCORED = ResultStatus.SCORED.value
STATUS_REFUSED = ResultStatus.REFUSED.value

SKILL_LEVELS = ("novice", "intermediate", "expert")


def _finite_or_none(value: Optional[float]) -> Optional[float]:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class Feature:
    """One motion metric. `value` is NaN when unavailable, and `reason` says why."""

    name: str
    value: float
    unit: str
    description: str = ""
    # True: more is better; False: less is better; None: neither (e.g. a ratio to compare with experts).
    higher_is_better: Optional[bool] = None
    reason: str = ""
    # The standard error of the value, in its unit, where the metric measures it (tremor); None where not.
    uncertainty: Optional[float] = None

    @property
    def available(self) -> bool:
        return math.isfinite(self.value)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["value"] = _finite_or_none(self.value)
        d["available"] = self.available
        return d


FeatureSet = dict[str, Feature]


@dataclass(frozen=True)
class MetricComparison:
    """A metric set against the expert reference."""

    name: str
    value: Optional[float]
    unit: str
    description: str = ""
    percentile: Optional[float] = None  # 0-100 among experts; None without a reference or value
    expert_median: Optional[float] = None
    expert_low: Optional[float] = None  # e.g. 10th percentile of experts
    expert_high: Optional[float] = None  # e.g. 90th percentile of experts
    n_experts: int = 0
    higher_is_better: Optional[bool] = None
    deviation: Optional[float] = None  # robust z-score against experts, signed so that >0 is worse
    reference_note: str = ""  # why the expert range is not a real range (no spread, too few experts)
    uncertainty: Optional[float] = None  # the standard error of the value, in its unit, where measured
    reason: str = ""  # why the value is missing (the Feature's reason), e.g. tremor withheld as too unsure

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FeedbackItem:
    """One ranked, plain-language piece of feedback with a concrete tip."""

    rank: int
    metric: str
    message: str
    tip: str
    severity: float  # larger = further from experts; used for the ranking
    evidence: str = ""  # the numbers behind it, e.g. "12.1 s vs experts 5.5 s (median)"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Phase:
    """A segment on the timeline: a stitch cycle or an intubation phase."""

    label: str
    start_s: float
    end_s: float
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Assessment:
    """The outcome of scoring one practice: a score with its uncertainty, or a refusal with reasons."""

    status: str
    procedure: str
    refusal_reasons: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)  # what to change when refused (light, camera, hands)
    skill_level: Optional[str] = None
    level_probabilities: dict[str, float] = field(default_factory=dict)
    score: Optional[float] = None
    score_interval: Optional[tuple[float, float]] = None
    score_scale: str = ""  # e.g. "GRS 6-30 (OSATS sum)"
    interval_coverage: Optional[float] = None  # e.g. 0.9 for a 90% prediction interval
    metrics: list[MetricComparison] = field(default_factory=list)
    feedback: list[FeedbackItem] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    tracking_quality: TrackingQuality = field(default_factory=lambda: TrackingQuality(share=0.0))
    provenance: dict[str, Any] = field(default_factory=dict)
    # Phase by phase against the expert speed template (DTW): label, start_s, end_s, duration_ratio,
    # speed_ratio, note (scoring.reference.PhaseComparison.to_dict()).
    phase_comparisons: list[dict[str, Any]] = field(default_factory=list)
    # What the decoder could not read (scoring.damage): None for an intact recording.
    decode_damage: Optional[dict[str, Any]] = None
    warnings: list[str] = field(default_factory=list)  # shown first, before the score

    @property
    def scored(self) -> bool:
        return self.status == STATUS_SCORED

    def metric(self, name: str) -> Optional[MetricComparison]:
        return next((m for m in self.metrics if m.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "procedure": self.procedure,
            "refusal_reasons": list(self.refusal_reasons),
            "advice": list(self.advice),
            "skill_level": self.skill_level,
            "level_probabilities": dict(self.level_probabilities),
            "score": _finite_or_none(self.score),
            "score_interval": list(self.score_interval) if self.score_interval else None,
            "score_scale": self.score_scale,
            "interval_coverage": self.interval_coverage,
            "metrics": [m.to_dict() for m in self.metrics],
            "feedback": [f.to_dict() for f in self.feedback],
            "phases": [p.to_dict() for p in self.phases],
            "tracking_quality": self.tracking_quality.to_dict(),
            "provenance": self.provenance,
            "phase_comparisons": [dict(p) for p in self.phase_comparisons],
            "decode_damage": dict(self.decode_damage) if self.decode_damage else None,
            "warnings": list(self.warnings),
        }

    def to_json(self, indent: int = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Assessment:
        interval = d.get("score_interval")
        return cls(
            status=d["status"],
            procedure=d["procedure"],
            refusal_reasons=list(d.get("refusal_reasons", [])),
            advice=list(d.get("advice", [])),
            skill_level=d.get("skill_level"),
            level_probabilities=dict(d.get("level_probabilities", {})),
            score=d.get("score"),
            score_interval=(float(interval[0]), float(interval[1])) if interval else None,
            score_scale=d.get("score_scale", ""),
            interval_coverage=d.get("interval_coverage"),
            metrics=[MetricComparison(**m) for m in d.get("metrics", [])],
            feedback=[FeedbackItem(**f) for f in d.get("feedback", [])],
            phases=[Phase(**p) for p in d.get("phases", [])],
            tracking_quality=TrackingQuality.from_dict(d.get("tracking_quality")),
            provenance=dict(d.get("provenance", {})),
            phase_comparisons=[dict(p) for p in d.get("phase_comparisons", [])],
            decode_damage=dict(d["decode_damage"]) if d.get("decode_damage") else None,
            warnings=list(d.get("warnings", [])),
        )

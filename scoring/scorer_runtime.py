"""Scoring at run time: a scorer loaded from its ONNX file and card, on onnxruntime alone (scoring a
motion never imports scikit-learn).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np

from skillsight.scoring.calibration import calibrated
from skillsight.scoring.domain import DomainCheck, check_domain
from skillsight.scoring.metric_display import length_text, motion_kind_text
from skillsight.scoring.results import SKILL_LEVELS
from skillsight.scoring.scorer_card import (
    ONNX_INPUT,
    ONNX_PROBABILITIES,
    ONNX_SCORE,
    ModelError,
    ModelSchemaError,
    PathLike,
    card_path_for,
    read_card,
    verified_onnx_path,
)


@dataclass(frozen=True)
class ScorerOutput:
    """One prediction: the most probable level, all level probabilities, the score and its interval."""

    level: str
    probabilities: dict[str, float]
    score: float
    interval: tuple[float, float]
    coverage: float
    missing_features: tuple[str, ...] = field(default=())
    # The classifier's own probabilities before the card's calibration (for audits and tests).
    raw_probabilities: dict[str, float] = field(default_factory=dict)
    domain: DomainCheck = field(default_factory=lambda: DomainCheck(known=False, inside=True))

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "probabilities": dict(self.probabilities),
            "score": self.score,
            "interval": list(self.interval),
            "coverage": self.coverage,
            "missing_features": list(self.missing_features),
            "raw_probabilities": dict(self.raw_probabilities),
            "domain": self.domain.to_dict(),
        }


class OnnxScorer:
    """A scorer loaded from ONNX + card, running on onnxruntime only."""

    def __init__(self, card: Mapping[str, Any], session: Any, onnx_path: Path) -> None:
        self.card: dict[str, Any] = dict(card)
        self.path = onnx_path
        self._session = session
        self.feature_names: tuple[str, ...] = tuple(card["feature_names"])
        self.levels: tuple[str, ...] = tuple(card["levels"])
        conformal = card["conformal"]
        self.coverage = float(conformal["coverage"])
        self.quantile = float(conformal["quantile"])
        scale = card.get("score_scale") or {}
        self._low = float(scale["min"]) if scale.get("min") is not None else -math.inf
        self._high = float(scale["max"]) if scale.get("max") is not None else math.inf

    @property
    def name(self) -> str:
        return str(self.card.get("name", self.path.stem))

    @property
    def version(self) -> str:
        return str(self.card.get("version", ""))

    @property
    def sha256(self) -> str:
        return str(self.card["sha256"])

    def check_compatible(
        self, motion_kind: Optional[str], units: Optional[str], feature_names: Optional[Sequence[str]] = None
    ) -> None:
        """Raise ModelSchemaError unless the motion matches the inputs this model was trained on."""
        problems = []
        want_kind, want_units = self.card.get("motion_kind"), self.card.get("units")
        if motion_kind is not None and want_kind and motion_kind != want_kind:
            trained, given = motion_kind_text(str(want_kind)), motion_kind_text(motion_kind)
            problems.append(f"it was trained on motion from {trained}, not from {given}")
        if units is not None and want_units and units != want_units:
            problems.append(
                f"it expects distances in {length_text(str(want_units))}, not {length_text(units)}"
            )
        if feature_names is not None:
            missing = [n for n in self.feature_names if n not in set(feature_names)]
            if missing:
                shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
                problems.append(
                    f"{len(missing)} of its {len(self.feature_names)} features are absent ({shown})"
                )
        if problems:
            raise ModelSchemaError(
                f"model {self.name} v{self.version} ({self.path}) does not fit: " + "; ".join(problems)
            )

    def feature_vector(self, features: Mapping[str, Any]) -> tuple[np.ndarray, tuple[str, ...]]:
        """The (1, F) input row in the card's order; missing or non-finite values become NaN (imputed)."""
        row = np.full((1, len(self.feature_names)), np.nan)
        missing = []
        for j, name in enumerate(self.feature_names):
            value = features.get(name)
            value = getattr(value, "value", value)  # a scoring.results.Feature or a plain number
            try:
                number = float(value) if value is not None else math.nan
            except (TypeError, ValueError):
                number = math.nan
            if math.isfinite(number):
                row[0, j] = number
            else:
                missing.append(name)
        return row, tuple(missing)

    def run(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Raw model outputs for a (n, F) matrix: probabilities (n, L) and unclipped scores (n,)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.feature_names):
            raise ValueError(f"expected (n, {len(self.feature_names)}) features, got {X.shape}")
        X = np.where(np.isfinite(X), X, np.nan)
        probabilities, score = self._session.run([ONNX_PROBABILITIES, ONNX_SCORE], {ONNX_INPUT: X})
        return np.asarray(probabilities, dtype=float), np.asarray(score, dtype=float).reshape(-1)

    def predict_many(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Raw ``probabilities`` (as the classifier gives them), ``calibrated`` ones (the card's
        temperature and floor: what people see), and the clipped score with its interval."""
        probabilities, raw = self.run(X)
        score = np.clip(raw, self._low, self._high)
        low = np.clip(score - self.quantile, self._low, self._high)
        high = np.clip(score + self.quantile, self._low, self._high)
        return {
            "probabilities": probabilities,
            "calibrated": calibrated(probabilities, self.card),
            "score": score,
            "low": low,
            "high": high,
        }

    def check_domain(self, row: np.ndarray) -> DomainCheck:
        """Whether a (1, F) feature row lies in the training domain the card records."""
        return check_domain(self.card.get("domain"), row)

    def predict(self, features: Mapping[str, Any]) -> ScorerOutput:
        """Score one practice from its features (name -> number or Feature), with its domain check."""
        row, missing = self.feature_vector(features)
        out = self.predict_many(row)
        probs = out["calibrated"][0]
        return ScorerOutput(
            level=self.levels[int(np.argmax(probs))],
            probabilities={level: float(p) for level, p in zip(self.levels, probs)},
            score=float(out["score"][0]),
            interval=(float(out["low"][0]), float(out["high"][0])),
            coverage=self.coverage,
            missing_features=missing,
            raw_probabilities={lvl: float(p) for lvl, p in zip(self.levels, out["probabilities"][0])},
            domain=self.check_domain(row),
        )


def load_scorer(path: PathLike) -> OnnxScorer:
    """Load a scorer from its .onnx, its .json card or their common prefix, verifying the sha256."""
    import onnxruntime as ort

    card_path = card_path_for(Path(path))
    card = read_card(card_path)
    onnx_path = verified_onnx_path(card, card_path)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # one small row per call: threads only add latency
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(
            str(onnx_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own exception types
        raise ModelError(f"{onnx_path}: onnxruntime cannot load the model ({exc})") from exc
    inputs = {i.name: i for i in session.get_inputs()}
    outputs = {o.name for o in session.get_outputs()}
    if ONNX_INPUT not in inputs or not {ONNX_PROBABILITIES, ONNX_SCORE} <= outputs:
        raise ModelSchemaError(f"{onnx_path}: expected input {ONNX_INPUT!r} and outputs probabilities, score")
    width = inputs[ONNX_INPUT].shape[-1]
    if isinstance(width, int) and width != len(card["feature_names"]):
        raise ModelSchemaError(
            f"{onnx_path}: takes {width} features but its card lists {len(card['feature_names'])}"
        )
    unknown = [lvl for lvl in card["levels"] if lvl not in SKILL_LEVELS]
    if unknown:
        raise ModelSchemaError(
            f"{card_path}: unknown skill levels {unknown}; expected some of {SKILL_LEVELS}"
        )
    return OnnxScorer(card, session, onnx_path)

"""The trained skill scorer: features -> skill level probabilities and a global rating score with a
conformal prediction interval.

Two halves with different dependencies:

* training (`SkillScorer`, defined in scoring.estimator and re-exported here, and `export_onnx`):
  scikit-learn and skl2onnx, imported inside the methods;
* inference (`load_scorer` -> `OnnxScorer`): onnxruntime alone, so scoring a motion file never imports
  scikit-learn. A model is one ``.onnx`` file plus a JSON model card beside it; no pickles.

`SkillScorer` follows the scikit-learn estimator contract (``__init__`` only stores parameters, ``fit``
returns self, fitted attributes end in ``_``, `sklearn.base.clone` works) without subclassing
``BaseEstimator``, so that importing this module for inference stays light.

The score interval is conformal (``score +/- q``, see scoring.estimator); the card records ``q``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from skillsight.base.atomic import write_bytes_atomic
from skillsight.base.hashing import file_sha256
from skillsight.manifest import ManifestError, confined_path, verify, write_sealed_card
from skillsight.scoring.calibration import calibrated, calibration_section
from skillsight.scoring.domain import DomainCheck, check_domain
from skillsight.scoring.estimator import (  # noqa: F401  (re-exported: the training half lives there)
    CLASSIFIERS,
    REGRESSORS,
    SCALINGS,
    SkillScorer,
    classifier_pipeline,
    conformal_quantile,
    conformal_splits,
    regressor_pipeline,
)
from skillsight.scoring.results import SKILL_LEVELS

CARD_KIND = "scorer"
CARD_FORMAT_VERSION = 1
ONNX_INPUT = "features"
ONNX_PROBABILITIES = "probabilities"
ONNX_SCORE = "score"

PathLike = Union[str, "os.PathLike[str]"]


class ModelError(ValueError):
    """A model file or model card cannot be used."""


class ModelSchemaError(ModelError):
    """The model was built for other inputs (motion kind, units or features) than those offered."""


class ModelIntegrityError(ModelError):
    """The model file does not match the sha256 its card records (tampered or corrupted)."""


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


# --------------------------------------------------------------------------------------------------
# ONNX export: one file with both graphs, plus the model card
# --------------------------------------------------------------------------------------------------


def _pipeline_to_onnx(pipeline: Any, n_features: int, output_names: Mapping[str, str], prefix: str) -> Any:
    """Convert one fitted pipeline in double precision (float32 would flip tree branches)."""
    import onnx.compose
    from onnx import TensorProto, helper
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import DoubleTensorType

    options = {id(pipeline.steps[-1][1]): {"zipmap": False}} if hasattr(pipeline, "predict_proba") else None
    model = to_onnx(
        pipeline,
        initial_types=[(ONNX_INPUT, DoubleTensorType([None, n_features]))],
        options=options,
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    _replace_imputer_with_where(
        model, np.asarray(pipeline.named_steps["impute"].statistics_, dtype=np.float64)
    )
    _cast_tree_outputs_to_double(model)
    model = onnx.compose.add_prefix(model, prefix, rename_inputs=False, rename_outputs=True)
    # Keep only the outputs we need, cast to double under stable names (tree nodes emit float32).
    kept = []
    for old, new in output_names.items():
        source = next(o for o in model.graph.output if o.name == prefix + old)
        model.graph.node.append(helper.make_node("Cast", [source.name], [new], to=TensorProto.DOUBLE))
        shape = [d.dim_param or d.dim_value or None for d in source.type.tensor_type.shape.dim]
        kept.append(helper.make_tensor_value_info(new, TensorProto.DOUBLE, shape or None))
    del model.graph.output[:]
    model.graph.output.extend(kept)
    return model


def _replace_imputer_with_where(model: Any, medians: np.ndarray) -> None:
    """onnxruntime's ai.onnx.ml Imputer runs in float32 only; in double precision the same step is
    ``Where(IsNaN(x), medians, x)`` with standard operators."""
    from onnx import helper, numpy_helper

    nodes = list(model.graph.node)
    for position, node in enumerate(nodes):
        if node.op_type != "Imputer":
            continue
        source, target = node.input[0], node.output[0]
        medians_name, mask_name = f"{node.name}_medians", f"{node.name}_is_nan"
        model.graph.initializer.append(numpy_helper.from_array(medians, medians_name))
        replacement = [
            helper.make_node("IsNaN", [source], [mask_name], name=f"{node.name}_isnan"),
            helper.make_node("Where", [mask_name, medians_name, source], [target], name=f"{node.name}_where"),
        ]
        nodes[position : position + 1] = replacement
        break
    del model.graph.node[:]
    model.graph.node.extend(nodes)


def _cast_tree_outputs_to_double(model: Any) -> None:
    """onnxruntime's tree ensembles compare in double (thresholds stored as double tensors) but only
    emit float32; cast their outputs back to double so the rest of the graph stays in double."""
    from onnx import TensorProto, helper

    nodes = []
    for node in model.graph.node:
        nodes.append(node)
        float_output = {"TreeEnsembleRegressor": 0, "TreeEnsembleClassifier": 1}.get(node.op_type)
        if float_output is not None:
            doubled = node.output[float_output]
            node.output[float_output] = f"{doubled}_float32"
            nodes.append(helper.make_node("Cast", [f"{doubled}_float32"], [doubled], to=TensorProto.DOUBLE))
    del model.graph.node[:]
    model.graph.node.extend(nodes)


def _needed_nodes(nodes: Sequence[Any], outputs: Sequence[str]) -> list:
    """The nodes that the given outputs depend on (drops e.g. the unused label branch), in order."""
    needed, keep = set(outputs), []
    for node in reversed(list(nodes)):
        if needed.intersection(node.output):
            keep.append(node)
            needed.update(node.input)
    return keep[::-1]


def build_onnx_model(scorer: SkillScorer) -> Any:
    """One ONNX graph: input ``features`` (n, F) double -> ``probabilities`` (n, L), ``score`` (n, 1)."""
    import onnx
    from onnx import helper

    scorer._check_fitted()
    n = scorer.n_features_in_
    cls = _pipeline_to_onnx(scorer.classifier_pipeline_, n, {"probabilities": ONNX_PROBABILITIES}, "cls_")
    reg = _pipeline_to_onnx(scorer.regressor_pipeline_, n, {"variable": ONNX_SCORE}, "reg_")
    opsets: dict[str, int] = {}
    for model in (cls, reg):
        for opset in model.opset_import:
            opsets[opset.domain] = max(opsets.get(opset.domain, 0), opset.version)
    outputs = [*cls.graph.output, *reg.graph.output]
    nodes = _needed_nodes([*cls.graph.node, *reg.graph.node], [o.name for o in outputs])
    used = {name for node in nodes for name in node.input}
    graph = helper.make_graph(
        nodes=nodes,
        name="skillsight_scorer",
        inputs=[cls.graph.input[0]],
        outputs=outputs,
        initializer=[t for t in [*cls.graph.initializer, *reg.graph.initializer] if t.name in used],
    )
    merged = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid(domain, version) for domain, version in sorted(opsets.items())],
        producer_name="skillsight",
    )
    merged.ir_version = max(cls.ir_version, reg.ir_version)
    onnx.checker.check_model(merged)
    return merged


def _write_atomic(path: Path, data: bytes) -> None:
    write_bytes_atomic(path, data, mode=0o644)  # models are shared files


def _skillsight_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("skillsight")
    except PackageNotFoundError:
        return "unknown"


def _model_importances(model: Any) -> Optional[np.ndarray]:
    """Non-negative per-feature weights of a fitted model (coefficients on scaled features, or
    the trees' impurity importances; a voting ensemble averages its members)."""
    if type(model).__name__ in ("VotingClassifier", "VotingRegressor"):
        parts = [p for p in (_model_importances(m) for m in model.estimators_) if p is not None]
        return np.mean(parts, axis=0) if parts else None
    if hasattr(model, "feature_importances_"):
        return np.asarray(model.feature_importances_, dtype=float)
    if hasattr(model, "coef_"):
        coef = np.atleast_2d(np.asarray(model.coef_, dtype=float))
        return np.mean(np.abs(coef), axis=0)
    return None


def estimator_description(scorer: SkillScorer) -> dict[str, Any]:
    """The card's record of the fitted estimators and their fixed penalties (None: built-in choice)."""
    return {
        "classifier": scorer.classifier,
        "regressor": scorer.regressor,
        "C": scorer.C,
        "alpha": scorer.alpha,
        "scaling": scorer.scaling,
    }


def feature_importance(scorer: SkillScorer) -> dict[str, float]:
    """How much each feature drives the level classifier, normalised to sum to 1 (for feedback ranking)."""
    scorer._check_fitted()
    weights = _model_importances(scorer.classifier_pipeline_.named_steps["model"])
    if weights is None or not np.all(np.isfinite(weights)) or weights.sum() <= 0:
        return {}
    weights = weights / weights.sum()
    return {str(name): float(w) for name, w in zip(scorer.feature_names_in_, weights)}


def export_onnx(
    scorer: SkillScorer, path_prefix: PathLike, card_fields: Optional[Mapping[str, Any]] = None
) -> tuple[Path, Path]:
    """Write ``<prefix>.onnx`` and its model card ``<prefix>.json``; returns both paths.

    `card_fields` supplies what the scorer cannot know: name, version, procedure, motion_kind, units,
    score_scale ({"name", "min", "max"}), feature_set, cross_validation, training_data, built_from,
    disclaimer, probability_calibration (scoring.calibration.calibration_section) and domain
    (scoring.domain.training_domain; by default the one `fit` recorded). Anything else given is kept in
    the card as well."""
    fields = dict(card_fields or {})
    prefix = Path(path_prefix)
    onnx_path = prefix.with_name(prefix.name + ".onnx")
    card_path = prefix.with_name(prefix.name + ".json")
    model = build_onnx_model(scorer)
    _write_atomic(onnx_path, model.SerializeToString())
    score_scale = dict(fields.pop("score_scale", {}) or {})
    score_scale.setdefault("name", "GRS")
    if scorer.score_range is not None:
        score_scale.setdefault("min", float(scorer.score_range[0]))
        score_scale.setdefault("max", float(scorer.score_range[1]))
    card: dict[str, Any] = {
        "kind": CARD_KIND,
        "format_version": CARD_FORMAT_VERSION,
        "name": fields.pop("name", prefix.name),
        "version": str(fields.pop("version", "1")),
        "procedure": fields.pop("procedure", ""),
        "created": fields.pop("created", datetime.now(timezone.utc).date().isoformat()),
        "onnx_file": onnx_path.name,
        "sha256": file_sha256(onnx_path),
        "motion_kind": fields.pop("motion_kind", "video_2d"),
        "units": fields.pop("units", ""),
        "feature_set": fields.pop("feature_set", "default"),
        "feature_names": [str(n) for n in scorer.feature_names_in_],
        "levels": [str(c) for c in scorer.classes_],
        "score_scale": score_scale,
        "conformal": {
            "method": (
                "cross-conformal: out-of-fold absolute residuals, "
                + (
                    "folds leave whole participants out, "
                    if getattr(scorer, "conformal_grouped_", False)
                    else ""
                )
                + "full refit"
            ),
            "coverage": float(scorer.coverage),
            "quantile": float(scorer.conformal_quantile_),
            "n_calibration": scorer.n_calibration_,
        },
        "estimators": estimator_description(scorer),
        "feature_importance": feature_importance(scorer),
        "onnx": {"input": ONNX_INPUT, "outputs": [ONNX_PROBABILITIES, ONNX_SCORE], "dtype": "float64"},
        "cross_validation": fields.pop("cross_validation", {}),
        "training_data": fields.pop("training_data", {}),
        "built_from": fields.pop("built_from", ""),
        "skillsight_version": _skillsight_version(),
        "probability_calibration": fields.pop("probability_calibration", None) or calibration_section(),
        "domain": fields.pop("domain", None) or getattr(scorer, "domain_", None),
    }
    card.update(fields)
    write_model_card(card_path, card)
    return onnx_path, card_path


def write_model_card(card_path: PathLike, card: Mapping[str, Any]) -> dict[str, Any]:
    """The one writer of scorer cards: seals the card and its ONNX file under one manifest hash
    (skillsight.manifest) and writes it atomically. Whoever adds a section to cards goes through here."""

    path = Path(card_path)
    onnx_name = str(card["onnx_file"])
    return write_sealed_card(path, {**card, "sha256": file_sha256(path.parent / onnx_name)}, [onnx_name])


# --------------------------------------------------------------------------------------------------
# Inference side (onnxruntime alone)
# --------------------------------------------------------------------------------------------------


def _card_path_for(path: Path) -> Path:
    if path.suffix == ".json":
        return path
    if path.suffix == ".onnx":
        return path.with_suffix(".json")
    return path.with_name(path.name + ".json")


def read_card(path: PathLike) -> dict[str, Any]:
    """The model card of a scorer given its .json, its .onnx or their common prefix."""
    card_path = _card_path_for(Path(path))
    if not card_path.exists():
        raise ModelError(f"{card_path}: model card not found (a scorer is an .onnx file plus its .json card)")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{card_path}: not a readable model card ({exc})") from exc
    if not isinstance(card, dict) or card.get("kind") != CARD_KIND:
        found = card.get("kind") if isinstance(card, dict) else type(card).__name__
        raise ModelSchemaError(f"{card_path}: not a scorer model card (kind {found!r})")
    for key in ("onnx_file", "sha256", "feature_names", "levels", "conformal"):
        if key not in card:
            raise ModelSchemaError(f"{card_path}: model card lacks {key!r}")
    return card


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
            problems.append(f"it was trained on {want_kind} motion, not {motion_kind}")
        if units is not None and want_units and units != want_units:
            problems.append(f"it expects distances in {want_units!r}, not {units!r}")
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


def _verified_onnx_path(card: Mapping[str, Any], card_path: Path) -> Path:
    """The card's ONNX file, after its name is confined to the card's folder (before anything is read)
    and the manifest hash over card and files is checked."""

    try:
        onnx_path = confined_path(card_path.parent, str(card["onnx_file"]), card_path)
        located = verify(card, card_path)
    except ManifestError as exc:
        raise ModelIntegrityError(str(exc)) from None
    if onnx_path not in located.values():
        raise ModelIntegrityError(f"{card_path}: its manifest does not cover {card['onnx_file']}")
    if file_sha256(onnx_path) != card["sha256"]:
        raise ModelIntegrityError(f"{card_path}: sha256 does not match {onnx_path.name}")
    return onnx_path


def load_scorer(path: PathLike) -> OnnxScorer:
    """Load a scorer from its .onnx, its .json card or their common prefix, verifying the sha256."""
    import onnxruntime as ort

    card_path = _card_path_for(Path(path))
    card = read_card(card_path)
    onnx_path = _verified_onnx_path(card, card_path)
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

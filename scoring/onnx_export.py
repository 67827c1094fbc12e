"""ONNX export of a fitted SkillScorer: one file with both graphs (levels and score), plus its card.

scikit-learn, skl2onnx and onnx load only here (inside the functions), never on the inference path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

import numpy as np

from skillsight.base.atomic import write_bytes_atomic
from skillsight.base.hashing import file_sha256
from skillsight.base.version import __version__
from skillsight.scoring.calibration import calibration_section
from skillsight.scoring.estimator import SkillScorer
from skillsight.scoring.scorer_card import (
    CARD_FORMAT_VERSION,
    CARD_KIND,
    ONNX_INPUT,
    ONNX_PROBABILITIES,
    ONNX_SCORE,
    PathLike,
    write_model_card,
)


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


def _score_scale(scorer: SkillScorer, given: Optional[Mapping[str, Any]]) -> dict[str, Any]:
    """The card's score scale: what was given, the fitted score range filling the gaps."""
    score_scale = dict(given or {})
    score_scale.setdefault("name", "GRS")
    if scorer.score_range is not None:
        score_scale.setdefault("min", float(scorer.score_range[0]))
        score_scale.setdefault("max", float(scorer.score_range[1]))
    return score_scale


def _conformal_section(scorer: SkillScorer) -> dict[str, Any]:
    """How the score interval was calibrated, and its quantile q (the interval is score +/- q)."""
    grouped = "folds leave whole participants out, " if getattr(scorer, "conformal_grouped_", False) else ""
    return {
        "method": f"cross-conformal: out-of-fold absolute residuals, {grouped}full refit",
        "coverage": float(scorer.coverage),
        "quantile": float(scorer.conformal_quantile_),
        "n_calibration": scorer.n_calibration_,
    }


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
        "score_scale": _score_scale(scorer, fields.pop("score_scale", {})),
        "conformal": _conformal_section(scorer),
        "estimators": estimator_description(scorer),
        "feature_importance": feature_importance(scorer),
        "onnx": {"input": ONNX_INPUT, "outputs": [ONNX_PROBABILITIES, ONNX_SCORE], "dtype": "float64"},
        "cross_validation": fields.pop("cross_validation", {}),
        "training_data": fields.pop("training_data", {}),
        "built_from": fields.pop("built_from", ""),
        "skillsight_version": __version__,
        "probability_calibration": fields.pop("probability_calibration", None) or calibration_section(),
        "domain": fields.pop("domain", None) or getattr(scorer, "domain_", None),
    }
    card.update(fields)
    write_model_card(card_path, card)
    return onnx_path, card_path

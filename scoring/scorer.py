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

One job per module: the estimator (scoring.estimator), ONNX export (scoring.onnx_export), the card
(scoring.scorer_card) and the runtime (scoring.scorer_runtime). This module gathers their public names,
the import path every caller uses.
"""

from __future__ import annotations

from skillsight.scoring.estimator import (
    CLASSIFIERS,
    REGRESSORS,
    SCALINGS,
    SkillScorer,
    classifier_pipeline,
    conformal_quantile,
    conformal_splits,
    regressor_pipeline,
)
from skillsight.scoring.onnx_export import (
    build_onnx_model,
    estimator_description,
    export_onnx,
    feature_importance,
)
from skillsight.scoring.scorer_card import (
    CARD_FORMAT_VERSION,
    CARD_KIND,
    ONNX_INPUT,
    ONNX_PROBABILITIES,
    ONNX_SCORE,
    ModelError,
    ModelIntegrityError,
    ModelSchemaError,
    read_card,
    write_model_card,
)
from skillsight.scoring.scorer_runtime import OnnxScorer, ScorerOutput, load_scorer

__all__ = [
    "CARD_FORMAT_VERSION",
    "CARD_KIND",
    "CLASSIFIERS",
    "ONNX_INPUT",
    "ONNX_PROBABILITIES",
    "ONNX_SCORE",
    "REGRESSORS",
    "SCALINGS",
    "ModelError",
    "ModelIntegrityError",
    "ModelSchemaError",
    "OnnxScorer",
    "ScorerOutput",
    "SkillScorer",
    "build_onnx_model",
    "classifier_pipeline",
    "conformal_quantile",
    "conformal_splits",
    "estimator_description",
    "export_onnx",
    "feature_importance",
    "load_scorer",
    "read_card",
    "regressor_pipeline",
    "write_model_card",
]

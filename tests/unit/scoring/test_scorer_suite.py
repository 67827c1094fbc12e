"""One suite every scorer configuration passes: the scikit-learn contract, learning a separable
problem, ONNX agreeing with scikit-learn, honest interval coverage, and refusing tampered or
mismatched models. The checks ship in skillsight.testing.scorer (a lab's own scorer runs them too);
what is particular to SkillScorer and the model files stays here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from skillsight.scoring.scorer import (
    ModelError,
    ModelSchemaError,
    SkillScorer,
    conformal_quantile,
    load_scorer,
)
from skillsight.testing import SCORER_CHECKS, ScorerConformance, separable_problem

CONFIGURATIONS = [
    ("logistic", "ridge"),
    ("random_forest", "random_forest"),
    ("gradient_boosting", "gradient_boosting"),
    ("ensemble", "ensemble"),
]
IDS = [f"{c}+{r}" for c, r in CONFIGURATIONS]
TRAIN = separable_problem(200, seed=1)


@pytest.fixture(scope="module")
def suites(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], ScorerConformance]:
    """One suite per configuration: each fits and exports its scorer once, for all its checks."""
    folder = tmp_path_factory.mktemp("models")
    return {
        config: ScorerConformance(lambda c=config: SkillScorer(*c), folder / f"{config[0]}-{config[1]}")
        for config in CONFIGURATIONS
    }


@pytest.mark.parametrize("check", list(SCORER_CHECKS))
@pytest.mark.parametrize("config", CONFIGURATIONS, ids=IDS)
def test_every_configuration_passes_the_scorer_suite(
    config: tuple[str, str], check: str, suites: dict[tuple[str, str], ScorerConformance]
) -> None:
    suites[config].run(check)


def test_the_suite_catches_a_scorer_that_learns_nothing(tmp_path: Path) -> None:
    class Blind(SkillScorer):
        def fit(self, X, levels, scores=None, **kwargs):  # type: ignore[no-untyped-def]
            noise = np.random.default_rng(0).normal(size=np.shape(X))
            return super().fit(noise, levels, scores, **kwargs)

    with pytest.raises(AssertionError, match="accuracy"):
        ScorerConformance(lambda: Blind("logistic", "ridge"), tmp_path).run("learns_a_separable_problem")


def test_constructor_only_stores_parameters() -> None:
    scorer = SkillScorer(classifier="no-such-model", coverage=2.0)  # validated at fit, not here
    assert scorer.classifier == "no-such-model"
    with pytest.raises(ValueError, match="coverage"):
        scorer.fit(*TRAIN)
    with pytest.raises(ValueError, match="unknown classifier"):
        SkillScorer(classifier="no-such-model").fit(*TRAIN)


def test_conformal_quantile_known_answer() -> None:
    residuals = np.array([-9, 1, 2, -3, 4, 5, 6, 7, 8.0])
    # n=9, coverage 0.8: the ceil(10 * 0.8) = 8th smallest absolute residual.
    assert conformal_quantile(residuals, 0.8) == 8.0
    assert conformal_quantile(residuals, 0.99) == 9.0  # too few residuals: the largest


def test_load_refuses_other_cards(tmp_path: Path) -> None:
    (tmp_path / "ref.json").write_text(json.dumps({"kind": "reference"}))
    with pytest.raises(ModelSchemaError, match="not a scorer"):
        load_scorer(tmp_path / "ref.json")
    with pytest.raises(ModelError, match="not found"):
        load_scorer(tmp_path / "absent.onnx")
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(ModelError, match="not a readable model card"):
        load_scorer(tmp_path / "broken.json")


def test_inference_does_not_import_sklearn(suites: dict[tuple[str, str], ScorerConformance]) -> None:
    path = suites[CONFIGURATIONS[3]].onnx_path
    code = (
        "import sys\n"
        "from skillsight.scoring.scorer import load_scorer\n"
        f"s = load_scorer({str(path)!r})\n"
        "out = s.predict({'metric_0': 1.0})\n"
        "assert 'sklearn' not in sys.modules, 'sklearn imported'\n"
        "assert 'skl2onnx' not in sys.modules\n"
        "print(out.level)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() in ("novice", "intermediate", "expert")

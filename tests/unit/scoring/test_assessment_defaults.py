"""The shipped default models and references: they load, say honestly what they are, and score a
synthetic expert better than a synthetic novice; schema mismatches are refused."""

from __future__ import annotations

import json

import pytest

from skillsight.models import default_model_path, default_reference_path, shipped_models_dir
from skillsight.scoring.assessment import assess_motion
from skillsight.scoring.reference import load_reference
from skillsight.scoring.results import STATUS_REFUSED, STATUS_SCORED
from skillsight.scoring.scorer import load_scorer
from skillsight.scoring.synthetic import generate_practice

DURATIONS = {"suturing": 40.0, "intubation": 25.0}


@pytest.fixture(scope="module", params=["suturing", "intubation"])
def assessed(request):
    procedure = request.param
    results = {}
    for skill in ("novice", "expert"):
        motion = generate_practice(
            skill=skill, procedure=procedure, duration_s=DURATIONS[procedure], seed=321
        )
        results[skill] = assess_motion(motion, procedure)
    return procedure, results


@pytest.mark.parametrize("procedure", ["suturing", "intubation"])
def test_shipped_files_load_and_say_what_they_were_built_from(procedure):
    scorer = load_scorer(default_model_path(procedure))
    reference = load_reference(default_reference_path(procedure))
    assert scorer.card["procedure"] == procedure == reference.procedure
    for text in (scorer.card["built_from"], reference.built_from):
        assert "synthetic" in text.lower()
    for text in (scorer.card["disclaimer"], reference.disclaimer):
        assert "own experts" in text
    assert scorer.card["motion_kind"] == reference.motion_kind == "video_2d"
    assert scorer.card["units"] == reference.units == "hand_size"
    assert reference.n_experts >= 10 and reference.template is not None


def test_shipped_files_are_small():
    files = [p for p in shipped_models_dir().iterdir() if p.suffix in (".onnx", ".json")]
    assert len(files) >= 6
    assert sum(p.stat().st_size for p in files) < 2_000_000


def test_expert_scores_better_than_novice(assessed):
    procedure, results = assessed
    novice, expert = results["novice"], results["expert"]
    assert novice.status == expert.status == STATUS_SCORED
    assert expert.score > novice.score
    assert expert.level_probabilities["expert"] > novice.level_probabilities["expert"]
    assert novice.level_probabilities["novice"] > expert.level_probabilities["novice"]
    # People of one skill differ (tremor, say), so a single novice practice may read as intermediate
    # (cross-validated level accuracy on the synthetic set is about 0.7); never as expert.
    assert novice.skill_level in ("novice", "intermediate") and expert.skill_level == "expert"
    for assessment in (novice, expert):
        low, high = assessment.score_interval
        assert low <= assessment.score <= high
        assert 3 <= len(assessment.feedback) <= 5
        assert [f.rank for f in assessment.feedback] == list(range(1, len(assessment.feedback) + 1))
        assert assessment.provenance["model"]["sha256"] and assessment.provenance["reference"]["sha256"]
        json.loads(assessment.to_json())  # serialisable, no NaN


def test_novice_feedback_is_further_from_experts(assessed):
    _, results = assessed
    top = lambda a: a.feedback[0].severity  # noqa: E731
    assert top(results["novice"]) > top(results["expert"])
    # Novices sit outside the experts' range on more metrics.
    outside = lambda a: sum(1 for m in a.metrics if m.deviation is not None and m.deviation > 2)  # noqa: E731
    assert outside(results["novice"]) > outside(results["expert"])


def test_every_procedure_metric_is_compared(assessed):
    procedure, results = assessed
    from skillsight.scoring.procedure import load_procedure

    names = [m.name for m in results["novice"].metrics]
    metrics = load_procedure(procedure).metrics
    assert names[: len(metrics)] == list(metrics)


def test_phases_and_phase_comparisons(assessed):
    procedure, results = assessed
    expert = results["expert"]
    assert expert.phases and all(p.end_s > p.start_s for p in expert.phases)
    assert expert.phase_comparisons
    for phase in expert.phase_comparisons:
        assert phase["end_s"] > phase["start_s"] and phase["duration_ratio"] > 0


def test_kinematics_motion_is_refused_by_a_video_model():
    motion = generate_practice(
        skill="expert", procedure="suturing", duration_s=30.0, seed=4, as_video_2d=False
    )
    result = assess_motion(motion, "suturing")
    assert result.status == STATUS_REFUSED
    assert "not from robot kinematics (3D)" in result.refusal_reasons[0]  # in words, not kinematics_3d
    assert result.advice


def test_default_paths_pick_the_latest_version(tmp_path):
    from skillsight.models import DefaultModelMissing

    for name in (
        "suturing-scorer-v1.onnx",
        "suturing-scorer-v10.onnx",
        "suturing-scorer-v2.onnx",
        "x-scorer-v9.onnx",
    ):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "suturing-reference-v3.json").write_text("{}")
    assert default_model_path("suturing", tmp_path).name == "suturing-scorer-v10.onnx"
    assert default_reference_path("suturing", tmp_path).name == "suturing-reference-v3.json"
    with pytest.raises(DefaultModelMissing, match="intubation"):
        default_model_path("intubation", tmp_path)


def test_a_procedure_without_a_model_fails_before_any_tracking(monkeypatch, tmp_path):
    """Knot tying ships no scorer: say so at once, not after minutes of tracking a video."""
    import skillsight.pipeline as pipeline
    from skillsight.models import DefaultModelMissing

    def no_tracking(*_args, **_kwargs):
        raise AssertionError("tracked a video that could not be scored")

    monkeypatch.setattr(pipeline, "motion_for", no_tracking)
    with pytest.raises(
        DefaultModelMissing, match=r"knot_tying.*shipped ones are for intubation, suturing.*--model"
    ):
        pipeline.assess_source(tmp_path / "practice.mp4", "knot_tying")

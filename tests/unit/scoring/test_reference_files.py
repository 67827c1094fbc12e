"""Expert references from feature sets: robust distributions, comparison, phases, JSON files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from procedure_factory import suturing_procedure

from skillsight.scoring.reference import (
    FeatureDistribution,
    Reference,
    ReferenceError,
    ReferenceSchemaError,
    SpeedTemplate,
    TemplatePhase,
    build_reference,
    compare,
    compare_phases,
    load_reference,
    save_reference,
    time_normalised,
)
from skillsight.scoring.results import Feature

PROCEDURE = suturing_procedure(
    metrics=("task.time", "needle_driver.path_length", "needle_driver.idle_share"),
)


def expert_feature_sets() -> list[dict[str, Feature]]:
    sets = []
    for k in range(1, 10):  # task times 1..9 s, path lengths 10..90, idle share constant-ish
        sets.append(
            {
                "task.time": Feature("task.time", float(k), "s", higher_is_better=False),
                "needle_driver.path_length": Feature(
                    "needle_driver.path_length", 10.0 * k, "hand_size", higher_is_better=False
                ),
                "needle_driver.idle_share": Feature(
                    "needle_driver.idle_share", 0.2, "share", higher_is_better=False
                ),
                "not.in.procedure": Feature("not.in.procedure", 1.0, "s"),
            }
        )
    return sets


def make_reference() -> Reference:
    return build_reference(
        expert_feature_sets(),
        PROCEDURE,
        name="test-ref",
        version="2",
        built_from="nine synthetic experts",
        motion_kind="video_2d",
        units="hand_size",
    )


def test_robust_distribution_known_answers():
    ref = make_reference()
    dist = ref.features["task.time"]
    values = np.arange(1, 10, dtype=float)
    assert dist.median == 5.0
    assert dist.spread == pytest.approx(1.4826 * 2.0)  # MAD of 1..9 about 5 is 2
    assert dist.p10 == pytest.approx(np.percentile(values, 10))
    assert dist.p90 == pytest.approx(np.percentile(values, 90))
    assert dist.n == 9 and dist.unit == "s" and dist.higher_is_better is False
    # The procedure's metrics first, then the others measured.
    assert list(ref.features) == [*PROCEDURE.metrics, "not.in.procedure"]
    # feature sets name no person: 9 practices, how many experts unknown
    assert ref.template is None and ref.n_experts is None and ref.practices == 9


def test_identical_experts_still_have_a_nonzero_spread():
    dist = make_reference().features["needle_driver.idle_share"]
    assert dist.median == pytest.approx(0.2)
    assert dist.spread > 0


def test_percentiles_and_signed_deviation():
    dist = make_reference().features["task.time"]
    assert dist.percentile(5.0) == pytest.approx(50.0)
    assert dist.percentile(0.5) == 0.0
    assert dist.percentile(100.0) == 100.0
    assert dist.percentile(3.5) == pytest.approx(100 * 3 / 9)
    # Less time is better: slower than experts is a positive (worse) deviation.
    assert dist.deviation(5.0 + 1.4826 * 2 * 3) == pytest.approx(3.0)
    assert dist.deviation(2.0) < 0
    neutral = FeatureDistribution.from_values([1, 2, 3, 4, 5], higher_is_better=None)
    assert neutral.deviation(1.0) == pytest.approx(neutral.deviation(5.0))
    assert neutral.deviation(1.0) > 0


def test_compare_gives_percentile_and_deviation_per_metric():
    ref = make_reference()
    trainee = {
        "task.time": Feature("task.time", 12.0, "s", higher_is_better=False),
        "needle_driver.path_length": Feature(
            "needle_driver.path_length", 50.0, "hand_size", higher_is_better=False
        ),
        "needle_driver.idle_share": Feature(
            "needle_driver.idle_share", float("nan"), "share", reason="no hand"
        ),
        "extra.metric": Feature("extra.metric", 1.0, "s"),
    }
    by_name = {c.name: c for c in compare(trainee, ref)}
    assert by_name["task.time"].percentile == 100.0
    assert by_name["task.time"].deviation == pytest.approx((12 - 5) / (1.4826 * 2), abs=1e-3)
    assert by_name["task.time"].expert_median == 5.0 and by_name["task.time"].n_experts == 9
    assert by_name["needle_driver.path_length"].percentile == pytest.approx(50.0)
    assert (
        by_name["needle_driver.idle_share"].value is None
        and by_name["needle_driver.idle_share"].deviation is None
    )
    assert by_name["extra.metric"].percentile is None and by_name["extra.metric"].n_experts == 0


def test_save_load_round_trip_and_sha256(tmp_path):
    ref = make_reference()
    path = save_reference(ref, tmp_path / "ref.json")
    loaded = load_reference(path)
    assert loaded.features == ref.features
    assert (loaded.name, loaded.version, loaded.procedure, loaded.built_from) == (
        "test-ref",
        "2",
        "suturing",
        "nine synthetic experts",
    )
    content = json.loads(path.read_text())
    assert content["sha256"] == loaded.sha256 and len(loaded.sha256) == 64
    assert content["feature_names"][:3] == list(PROCEDURE.metrics)
    assert content["motion_kind"] == "video_2d" and content["units"] == "hand_size"
    assert "own experts" in content["disclaimer"]


def test_a_modified_file_is_refused(tmp_path):
    path = save_reference(make_reference(), tmp_path / "ref.json")
    content = json.loads(path.read_text())
    content["features"]["task.time"]["median"] = 1.0  # a "better" expert median typed in by hand
    path.write_text(json.dumps(content))
    with pytest.raises(ReferenceError, match="sha256"):
        load_reference(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [("{not json", "JSON"), ('{"format": "other"}', "not a SkillSight reference")],
)
def test_bad_files_name_the_file_and_problem(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ReferenceError, match=message) as info:
        load_reference(path)
    assert "bad.json" in str(info.value)
    with pytest.raises(ReferenceError, match="not found"):
        load_reference(tmp_path / "missing.json")


def test_schema_mismatches_are_refused():
    ref = make_reference()
    features = {name: Feature(name, 1.0, dist.unit) for name, dist in ref.features.items()}
    ref.check_compatible("suturing", "video_2d", "hand_size", features)  # fits: no error
    with pytest.raises(ReferenceSchemaError, match="intubation"):
        ref.check_compatible("intubation", "video_2d", "hand_size", features)
    # in words, not codes ("built from video_2d motion; this motion is kinematics_3d", "'hand_size'")
    kinds = r"from video \(2D\); this motion is from robot kinematics"
    with pytest.raises(ReferenceSchemaError, match=kinds):
        ref.check_compatible("suturing", "kinematics_3d", "hand_size", features)
    with pytest.raises(ReferenceSchemaError, match="distances in hand lengths; this motion in m$"):
        ref.check_compatible("suturing", "video_2d", "m", features)
    with pytest.raises(ReferenceSchemaError, match="lacks"):
        ref.check_compatible("suturing", "video_2d", "hand_size", {"task.time": features["task.time"]})
    wrong_unit = dict(features, **{"task.time": Feature("task.time", 1.0, "min")})
    with pytest.raises(ReferenceSchemaError, match="task.time"):
        ref.check_compatible("suturing", "video_2d", "hand_size", wrong_unit)


def test_feature_sets_alone_need_kind_and_units():
    with pytest.raises(ReferenceError, match="motion_kind"):
        build_reference(expert_feature_sets(), PROCEDURE, "r", "1", "x")


def test_phase_comparison_finds_the_slow_phase():
    # Template: two phases of equal length; a fast burst then a slow one.
    n = 100
    x = np.linspace(0, 1, n)
    template = 1.0 + np.where(x < 0.5, np.sin(np.pi * x / 0.5) * 2, np.sin(np.pi * (x - 0.5) / 0.5) * 0.5)
    ref = Reference(
        name="r",
        version="1",
        procedure="suturing",
        motion_kind="video_2d",
        units="hand_size",
        features={},
        template=SpeedTemplate(
            role="needle_driver",
            unit="hand_size/s",
            profile=tuple(template),
            band_low=tuple(template),
            band_high=tuple(template),
            duration_s=20.0,
            phases=(TemplatePhase("first", 0.0, 0.5), TemplatePhase("second", 0.5, 1.0)),
            n=1,
        ),
        built_from="test",
        n_experts=1,
    )
    # The trainee spends three times as long on the first phase: 30 s then 10 s, same shapes.
    fps = 30
    first = np.interp(np.linspace(0, 49, 30 * fps), np.arange(50), template[:50])
    second = np.interp(np.linspace(50, 99, 10 * fps), np.arange(50, 100), template[50:])
    speed = np.concatenate([first, second])
    t = np.arange(speed.size) / fps
    phases = compare_phases(speed, t, ref)
    assert [p.label for p in phases] == ["first", "second"]
    assert phases[0].end_s == pytest.approx(30.0, abs=2.5)
    assert phases[0].duration_ratio == pytest.approx(3.0, rel=0.15)
    assert phases[1].duration_ratio == pytest.approx(1.0, rel=0.3)
    assert phases[0].speed_ratio == pytest.approx(1.0, rel=0.15)


def test_time_normalised_bins_preserve_the_mean():
    values = np.arange(1000, dtype=float)
    binned = time_normalised(values, 100)
    assert binned.shape == (100,)
    assert binned.mean() == pytest.approx(values.mean())
    assert binned[0] == pytest.approx(4.5)


def test_spread_never_below_a_share_of_the_median():
    # Experts that nearly agree (100 +- 0.1) must not make a 1% difference look like a disaster.
    dist = FeatureDistribution.from_values([99.9, 100.0, 100.1, 100.0, 99.95], higher_is_better=False)
    assert dist.spread == pytest.approx(5.0)
    assert dist.deviation(101.0) == pytest.approx(0.2)


def test_a_model_says_in_words_which_motion_it_was_trained_on():
    from skillsight.models import default_model_path
    from skillsight.scoring.scorer_runtime import ModelSchemaError, load_scorer

    scorer = load_scorer(default_model_path("suturing"))
    with pytest.raises(ModelSchemaError) as said:
        scorer.check_compatible("kinematics_3d", "m")
    assert "trained on motion from video (2D), not from robot kinematics (3D)" in str(said.value)
    assert "distances in hand lengths, not m" in str(said.value) and "kinematics_3d" not in str(said.value)

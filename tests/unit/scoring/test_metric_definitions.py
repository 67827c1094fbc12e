"""Metric definitions are versioned: a metric's value on a fixed motion never changes without its version."""

from __future__ import annotations

import copy
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
from metric_fingerprints import compute_fingerprints, fingerprint_problems, read_fingerprints

from skillsight.models import default_model_path
from skillsight.scoring.assessment import assess_motion
from skillsight.scoring.features import FEATURE_SPECS, compute_features, prepare_motion, smoothness
from skillsight.scoring.features import definitions as defs
from skillsight.scoring.model_card import scorer_card_fields
from skillsight.scoring.reference import build_reference, compare, load_reference, save_reference
from skillsight.scoring.scorer import load_scorer
from skillsight.scoring.synthetic import generate_practice


@pytest.fixture(scope="module")
def computed() -> dict:
    return compute_fingerprints()


def test_every_metric_has_exactly_one_definition_entry():
    assert set(defs.METRIC_DEFINITIONS) == set(FEATURE_SPECS)
    for key, entry in defs.METRIC_DEFINITIONS.items():
        assert entry.version >= 1, key
        assert entry.version == 1 or entry.change, f"{key}: a bumped version says what changed"


def test_full_names_find_their_definition():
    assert defs.definition_key("needle_driver.sparc") == "sparc"
    assert defs.definition_key("bimanual.path_ratio") == "bimanual.path_ratio"
    assert defs.definition_key("intubation.head_jerk") == "intubation.head_jerk"
    assert defs.definition_version("forceps.no_such_metric") is None
    assert defs.definition_versions(["forceps.sparc", "nonsense"]) == {
        "forceps.sparc": defs.METRIC_DEFINITIONS["sparc"].version
    }


def test_every_metric_matches_its_fingerprint_on_the_fixed_motions(computed):
    problems = fingerprint_problems(read_fingerprints(), computed)
    assert not problems, "\n".join(problems)


def test_the_fixed_motions_give_every_metric_a_value_somewhere(computed):
    valued = {
        name for entry in computed.values() for name, m in entry["metrics"].items() if m["value"] is not None
    }
    names = {name for entry in computed.values() for name in entry["metrics"]}
    assert valued == names  # a metric NaN on every fixed motion would be fingerprinted as nothing


def test_a_changed_value_under_the_same_version_is_caught(computed, monkeypatch):
    original = smoothness.compute_sparc
    monkeypatch.setattr(smoothness, "compute_sparc", lambda *a, **k: original(*a, **k) * 1.01)
    problems = fingerprint_problems(read_fingerprints(), compute_fingerprints())
    assert problems and all("sparc" in p and "bump its version" in p for p in problems)
    assert any("needle_driver.sparc" in p for p in problems)


def test_a_bumped_version_asks_for_fresh_fingerprints(computed):
    bumped = copy.deepcopy(computed)
    version = computed["suturing_video"]["metrics"]["forceps.path_length"]["version"]
    bumped["suturing_video"]["metrics"]["forceps.path_length"]["version"] += 1
    problems = fingerprint_problems(computed, bumped)
    assert problems == [
        f"suturing_video: forceps.path_length is now definition {version + 1} (fingerprint of {version}): "
        "run `python scripts/metric_fingerprints.py --write`"
    ]


def test_a_changed_generator_is_not_blamed_on_a_metric(computed):
    moved = copy.deepcopy(computed)
    moved["suturing_video"]["motion"]["left_hand"][1] += 0.5
    moved["suturing_video"]["metrics"]["forceps.path_length"]["value"] *= 2
    problems = fingerprint_problems(computed, moved)
    assert len(problems) == 1 and "the fixed motion itself changed" in problems[0]


def test_an_assessment_records_the_definition_of_every_metric_it_holds():
    assessment = assess_motion(generate_practice("expert", "suturing", seed=3), "suturing")
    recorded = assessment.provenance[defs.PROVENANCE_KEY]
    assert assessment.metrics and {m.name for m in assessment.metrics} <= set(recorded)
    assert recorded["needle_driver.sparc"] == defs.METRIC_DEFINITIONS["sparc"].version


@pytest.fixture(scope="module")
def expert_reference(tmp_path_factory):
    experts = [generate_practice("expert", "suturing", seed=s) for s in (21, 22, 23)]
    reference = build_reference(
        experts, "suturing", name="lab", version="1", built_from="3 synthetic experts"
    )
    path = tmp_path_factory.mktemp("ref") / "lab-reference.json"
    save_reference(reference, path)
    return load_reference(path)


def test_a_reference_records_which_definition_read_its_experts(expert_reference):
    recorded = expert_reference.metric_definitions
    assert set(recorded) == set(expert_reference.features)
    assert recorded["needle_driver.sparc"] == defs.METRIC_DEFINITIONS["sparc"].version
    assert expert_reference.summary()["metric_definitions"] == recorded


def test_a_metric_whose_experts_were_read_by_another_definition_is_not_compared(
    expert_reference, monkeypatch
):
    features = compute_features(prepare_motion(generate_practice("novice", "suturing", seed=24)), "suturing")
    before = {c.name: c for c in compare(features, expert_reference)}
    assert before["needle_driver.sparc"].percentile is not None
    version = defs.METRIC_DEFINITIONS["sparc"].version
    bumped = defs.MetricDefinition(version + 1, "2026-12-02", "test change")
    monkeypatch.setitem(defs.METRIC_DEFINITIONS, "sparc", bumped)
    after = {c.name: c for c in compare(features, expert_reference)}
    sparc = after["needle_driver.sparc"]
    assert sparc.percentile is None and sparc.deviation is None and sparc.expert_median is None
    assert f"definition {version}" in sparc.reference_note
    assert f"definition {version + 1}" in sparc.reference_note
    assert sparc.value == pytest.approx(features["needle_driver.sparc"].value)
    assert after["needle_driver.path_length"] == before["needle_driver.path_length"]


def test_a_reference_without_recorded_definitions_is_read_as_before(expert_reference, tmp_path):
    older = replace(expert_reference, metric_definitions={}, sha256="")
    assert "metric_definitions" not in older.to_dict()
    save_reference(older, tmp_path / "old.json")
    assert load_reference(tmp_path / "old.json").metric_definitions == {}


def test_a_model_that_learnt_an_older_definition_withholds_its_score(monkeypatch):
    scorer = load_scorer(default_model_path("suturing"))
    names = list(scorer.card["feature_names"])
    monkeypatch.setitem(scorer.card, defs.PROVENANCE_KEY, defs.definition_versions(names))
    motion = generate_practice("expert", "suturing", seed=3)
    before = assess_motion(motion, "suturing", model=scorer)
    assert not any("older definitions" in r for r in before.refusal_reasons)
    key = defs.definition_key(names[0])
    learnt = defs.definition_version(names[0])
    monkeypatch.setitem(defs.METRIC_DEFINITIONS, key, defs.MetricDefinition(9, "2026-12-02", "test change"))
    withheld = assess_motion(motion, "suturing", model=scorer)
    assert withheld.status == "out_of_domain" and withheld.score is None and withheld.skill_level is None
    assert any(f"{names[0]} (definition {learnt}, today 9)" in r for r in withheld.refusal_reasons)
    assert withheld.metrics  # the metrics still show


def test_a_scorer_card_records_the_definitions_it_learnt():
    matrix = SimpleNamespace(
        dataset_summary={}, procedure="suturing", motion_kind="video_2d", units="hand",
        feature_set="features", feature_names=("needle_driver.sparc", "task.duration"),
        levels=np.array(["expert", ""]), n=2,
    )  # fmt: skip
    card = scorer_card_fields(matrix, name="lab")
    assert card[defs.PROVENANCE_KEY] == {
        "needle_driver.sparc": defs.definition_version("needle_driver.sparc"),
        "task.duration": defs.definition_version("task.duration"),
    }

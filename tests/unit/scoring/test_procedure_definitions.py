"""Procedures are data: shipped ones load, name only computable metrics with feedback, roles resolve
with the dominant hand, labs can add one."""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pytest

from skillsight.pose.motion import Motion
from skillsight.scoring.features import PROCEDURE_GROUPS, compute_features, prepare_motion
from skillsight.scoring.procedure import (
    PROCEDURES_DIR,
    ProcedureError,
    available_procedures,
    load_procedure,
)
from skillsight.scoring.synthetic import generate_practice

SHIPPED = tuple(sorted(p.stem for p in PROCEDURES_DIR.glob("*.json")))
KNOWN_GROUPS = {group for groups in PROCEDURE_GROUPS.values() for group in groups}


@cache
def _synthetic_motion(kind: str) -> Motion:
    """A prepared synthetic practice with hand landmarks: two-handed bench work, or intubation."""
    return prepare_motion(generate_practice("intermediate", kind, seed=3))


def test_shipped_procedures_load():
    assert {"suturing", "intubation", "knot_tying", "needle_passing"} <= set(SHIPPED)
    assert set(SHIPPED) <= set(available_procedures())
    for name in SHIPPED:
        procedure = load_procedure(name)
        assert procedure.name == name
        assert procedure.metrics, f"{name} lists no metrics"
        assert len(set(procedure.metrics)) == len(procedure.metrics), f"{name} repeats a metric"
        for role in procedure.required_roles:
            assert role in procedure.hand_roles
        for group in procedure.extra.get("feature_groups", ()):
            assert group in KNOWN_GROUPS, f"{name}: feature group {group!r} does not exist"
        cycle_role = procedure.extra.get("cycle_role")
        assert cycle_role is None or cycle_role in procedure.hand_roles


@pytest.mark.parametrize("name", SHIPPED)
def test_every_metric_has_plain_feedback_with_a_tip(name):
    procedure = load_procedure(name)
    for metric in procedure.metrics:
        text = procedure.feedback.get(metric)
        assert text is not None, f"{name}: no feedback for {metric}"
        assert len(text.message) > 20 and len(text.tip) > 30, f"{name}: feedback for {metric} too thin"
    assert not set(procedure.feedback) - set(procedure.metrics), f"{name}: feedback for unlisted metrics"


@pytest.mark.parametrize("name", SHIPPED)
def test_every_metric_is_computed_on_synthetic_motion(name):
    procedure = load_procedure(name)
    motion = _synthetic_motion("intubation" if name == "intubation" else "suturing")
    features = compute_features(motion, procedure)
    missing = [m for m in procedure.metrics if m not in features]
    assert not missing, f"{name} names metrics no feature computes: {missing}"
    unavailable = [m for m in procedure.metrics if not np.isfinite(features[m].value)]
    # Tremor needs more than 24 fps of raw fingertips; everything else must come out on clean motion.
    assert set(unavailable) <= {m for m in procedure.metrics if m.endswith(".tremor")}, unavailable


def test_knot_tying_and_needle_passing_use_their_own_roles():
    knot = load_procedure("knot_tying")
    assert knot.hand_for_role("tying", "left") == "left_hand"
    assert knot.hand_for_role("holding", "left") == "right_hand"
    assert list(knot.extra["feature_groups"]) == []  # a knot is no stitch cycle
    passing = load_procedure("needle_passing")
    assert passing.hand_for_role("needle_driver", "right") == "right_hand"
    assert "suturing" in passing.extra["feature_groups"]  # one pass through a ring = one cycle
    features = compute_features(_synthetic_motion("suturing"), knot)
    assert "tying.path_length" in features and not any(f.startswith("suturing.") for f in features)


def test_roles_follow_the_dominant_hand_never_an_assumption():
    suturing = load_procedure("suturing")
    driver_role = next(r for r, side in suturing.hand_roles.items() if side == "dominant")
    assert suturing.hand_for_role(driver_role, "right") == "right_hand"
    assert suturing.hand_for_role(driver_role, "left") == "left_hand"
    with pytest.raises(ValueError, match="dominant_hand"):
        suturing.hand_for_role(driver_role, "both")


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize("hand", ["right", "left"])
def test_videos_are_tracked_in_canonical_orientation(name, hand, monkeypatch, tmp_path):
    """Fairness: scoring tracks once, in the canonical (right-dominant) orientation; a left-hander's
    frames are mirrored for the tracker (pose.orientation). No mirror averaging is asked of a tracker."""
    import skillsight.pipeline as pipeline

    seen = {}
    monkeypatch.setattr(
        pipeline, "track", lambda _source, request, _progress=None: seen.update(request=request)
    )
    pipeline.load_or_track(tmp_path / "practice.mp4", name, dominant_hand=hand)
    request = seen["request"]
    assert request.dominant_hand == hand
    assert "mirror_average" not in request.tracker_options
    assert request.tracker == load_procedure(name).tracker


def test_a_lab_adds_a_procedure_in_a_file(tmp_path, monkeypatch):
    definition = {
        "name": "peg_transfer",
        "title": "Peg transfer",
        "tracker": "hands",
        "hand_roles": {"lifting": "dominant", "passing": "non_dominant"},
        "required_roles": ["lifting"],
        "metrics": ["lifting.path_length"],
    }
    (tmp_path / "peg_transfer.json").write_text(json.dumps(definition))
    monkeypatch.setenv("SKILLSIGHT_PROCEDURES", str(tmp_path))
    assert "peg_transfer" in available_procedures()
    procedure = load_procedure("peg_transfer")
    assert procedure.hand_for_role("passing", "right") == "left_hand"


def test_unknown_or_malformed_procedures_say_what_is_wrong(tmp_path):
    with pytest.raises(ProcedureError, match="unknown procedure 'juggling'"):
        load_procedure("juggling")
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "broken"}')
    with pytest.raises(ProcedureError, match="broken.json"):
        load_procedure(broken)

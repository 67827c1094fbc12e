"""Procedures are data: shipped ones load, roles resolve with the dominant hand, labs can add one."""

from __future__ import annotations

import json

import pytest
from skillsight.scoring.procedure import (
    ProcedureError,
    available_procedures,
    load_procedure,
)


def test_shipped_procedures_load():
    assert {"suturing", "intubation"} <= set(available_procedures())
    for name in ("suturing", "intubation"):
        procedure = load_procedure(name)
        assert procedure.name == name
        assert procedure.metrics, f"{name} lists no metrics"
        for role in procedure.required_roles:
            assert role in procedure.hand_roles


def test_roles_follow_the_dominant_hand_never_an_assumption():
    suturing = load_procedure("suturing")
    driver_role = next(r for r, side in suturing.hand_roles.items() if side == "dominant")
    assert suturing.hand_for_role(driver_role, "right") == "right_hand"
    assert suturing.hand_for_role(driver_role, "left") == "left_hand"
    with pytest.raises(ValueError, match="dominant_hand"):
        suturing.hand_for_role(driver_role, "both")


def test_a_lab_adds_a_procedure_in_a_file(tmp_path, monkeypatch):
    definition = {
        "name": "knot_tying",
        "title": "One-hand knot tying",
        "tracker": "hands",
        "hand_roles": {"tying": "dominant", "holding": "non_dominant"},
        "required_roles": ["tying"],
        "metrics": ["tying.path_length"],
    }
    (tmp_path / "knot_tying.json").write_text(json.dumps(definition))
    monkeypatch.setenv("SKILLSIGHT_PROCEDURES", str(tmp_path))
    assert "knot_tying" in available_procedures()
    procedure = load_procedure("knot_tying")
    assert procedure.hand_for_role("holding", "right") == "left_hand"


def test_unknown_or_malformed_procedures_say_what_is_wrong(tmp_path):
    with pytest.raises(ProcedureError, match="unknown procedure 'juggling'"):
        load_procedure("juggling")
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "broken"}')
    with pytest.raises(ProcedureError, match="broken.json"):
        load_procedure(broken)

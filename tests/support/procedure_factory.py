"""A suturing-like Procedure for unit tests, so each test states only what it changes."""

from __future__ import annotations

from typing import Any

from skillsight.scoring.procedure import Procedure


def suturing_procedure(**changes: Any) -> Procedure:
    fields: dict[str, Any] = dict(
        name="suturing",
        title="Suturing",
        description="",
        tracker="auto",
        camera_view="top",
        hand_roles={"needle_driver": "dominant", "forceps": "non_dominant"},
        required_roles=("needle_driver", "forceps"),
        metrics=("task.time",),
    )
    fields.update(changes)
    return Procedure(**fields)

"""Which definition of each metric a number was read by: one version per metric, bumped when it changes.

A stored session keeps the version of every metric it holds (`provenance["metric_definitions"]`, and
the database's `metrics.definition_version`), so a progress chart never joins two definitions of one
metric into one line, and `skillsight sessions rescore` can re-read old sessions from their stored motion.

Bump a metric's version (and say what changed) whenever a change moves its value on the same motion:
its formula, a threshold, the cleaning or scaling that feeds it. tests/unit/scoring/
test_metric_definitions.py fails when a metric's value on a fixed motion changes while its version does
not; then bump it here and refresh the fingerprints (`python scripts/metric_fingerprints.py --write`).

Keys are those of `FEATURE_SPECS`: the per-hand suffix ("sparc" for "needle_driver.sparc") or the full
name of a metric between the hands or of a procedure ("bimanual.path_ratio").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple, Optional

# Where an assessment records the versions it was read by (name -> version).
PROVENANCE_KEY = "metric_definitions"


class MetricDefinition(NamedTuple):
    version: int
    since: str  # the date this version took effect (UTC)
    change: str  # what this version changed, for the mark on a progress chart ("" for the first)


# Versions start on 2026-11-30: sessions stored before then did not record theirs ("not recorded").
# Log dimensionless jerk and SPARC changed definition in the week before (a fit on the hand's own time
# scale; windows of one hand size of path without a 10-Hz cap; in the same release, LDLJ's fit read on
# the 100-Hz clock and tremor's floor on a centred clock), which is why old sessions are not assumed to
# hold version 1. Version 1 is the first released definition; bump from here on.
_FIRST = MetricDefinition(1, "2026-11-30", "")
# 2026-12-01: pauses and movements read as their mean over idle speeds 0.5-1.5 times the stated one
# (kinematics.IDLE_BAND), not at that speed alone: counts may be fractional.
_IDLE_BAND_CHANGE = (
    "pauses and movements averaged over idle speeds 0.5-1.5 times the stated one, not cut at one speed"
)
# (version 2 of those metrics alone; with the hand size below, version 3)
# 2026-12-01, after: the hand size became each hand's least foreshortened palm (pose/scale.py), so every
# metric read in hand sizes, or through a threshold in hand sizes, moved with it.
_HAND_SIZE_CHANGE = (
    "read in the hand size of the least foreshortened palm (the larger hand's 95th percentile), not the "
    "median palm: lower where palms turn from the camera"
)
_HAND_SIZE = MetricDefinition(2, "2026-12-01", _HAND_SIZE_CHANGE)
_BAND_AND_HAND_SIZE = MetricDefinition(3, "2026-12-01", f"{_HAND_SIZE_CHANGE}; {_IDLE_BAND_CHANGE}")
METRIC_DEFINITIONS: dict[str, MetricDefinition] = {
    "task_time": _FIRST,
    "active_time": _BAND_AND_HAND_SIZE,
    "path_length": _HAND_SIZE,
    "movements": _BAND_AND_HAND_SIZE,
    "mean_speed": _HAND_SIZE,
    "peak_speed": _HAND_SIZE,
    "mean_acceleration": _HAND_SIZE,
    "mean_jerk": _BAND_AND_HAND_SIZE,
    "log_dimensionless_jerk": _HAND_SIZE,
    "sparc": _HAND_SIZE,
    "idle_share": _BAND_AND_HAND_SIZE,
    "pauses": _BAND_AND_HAND_SIZE,
    "working_area": _HAND_SIZE,
    "tremor": MetricDefinition(3, "2026-12-01", _HAND_SIZE_CHANGE),
    "grip_cycles": _HAND_SIZE,
    "wrist_rotation_range": _FIRST,
    "out_of_view_share": _FIRST,
    "bimanual.speed_correlation": _FIRST,
    "bimanual.simultaneous_share": _BAND_AND_HAND_SIZE,
    "bimanual.path_ratio": _FIRST,
    "suturing.stitch_count": _FIRST,
    "suturing.mean_cycle_time": _FIRST,
    "suturing.cycle_time_cv": _FIRST,
    "intubation.attempt_duration": _FIRST,
    "intubation.laryngoscopy_duration": _FIRST,
    "intubation.wrist_flexion_change": _FIRST,
    "intubation.lift_distance": _HAND_SIZE,
    "intubation.lever_index": _HAND_SIZE,
    "intubation.elbow_elevation": _FIRST,
    "intubation.trunk_flexion": _FIRST,
    "intubation.neck_flexion": _FIRST,
    "intubation.head_forward_shift": _HAND_SIZE,
    "intubation.head_jerk": _HAND_SIZE,
    "task.duration": _FIRST,
    "task.both_hands_in_view_share": _FIRST,
}


def definition_key(name: str) -> Optional[str]:
    """The table's key for a metric's full name ("needle_driver.sparc" -> "sparc"); None if unknown."""
    if name in METRIC_DEFINITIONS:
        return name
    suffix = name.split(".", 1)[-1]
    return suffix if suffix in METRIC_DEFINITIONS else None


def definition(name: str) -> Optional[MetricDefinition]:
    """Today's definition of a metric by its full name; None for a name no feature defines."""
    key = definition_key(name)
    return METRIC_DEFINITIONS[key] if key is not None else None


def definition_version(name: str) -> Optional[int]:
    found = definition(name)
    return found.version if found is not None else None


def definition_versions(names: Iterable[str]) -> dict[str, int]:
    """name -> today's version, for every name the table knows (what an assessment records)."""
    versions = {name: definition_version(name) for name in names}
    return {name: v for name, v in versions.items() if v is not None}


def versioned_name(name: str, version: Optional[int]) -> str:
    """A metric's name with the definition that read it, for a table's column: "needle_driver.sparc
    (definition 2)", "... (definition not recorded)"."""
    return f"{name} (definition {version if version is not None else 'not recorded'})"


def changed_since(recorded: Mapping[str, int], names: Iterable[str]) -> dict[str, tuple[int, int]]:
    """name -> (recorded version, today's) for the names read by another definition than today's, by
    what a model card or reference `recorded`; names it does not record are left out (nothing to tell)."""
    changed = {}
    for name in names:
        then, today = recorded.get(name), definition_version(name)
        if then is not None and today is not None and int(then) != today:
            changed[name] = (int(then), today)
    return changed

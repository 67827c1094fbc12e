"""JIGSAWS (JHU-ISI Gesture and Skill Assessment Working Set) in its official release layout.

One task's folder, e.g. ``JIGSAWS/Suturing``::

    Suturing/meta_file_Suturing.txt
    Suturing/kinematics/AllGestures/Suturing_B001.txt ... Suturing_I005.txt

Kinematics: 76 whitespace-separated numbers per line at 30 Hz. Four manipulators of 19 columns each,
in this order: master left, master right (MTMs), slave left, slave right (patient-side PSMs). Per
manipulator: tool-tip xyz (3, metres), rotation matrix (9), tool-tip translational velocity (3),
rotational velocity (3), gripper angle (1).

Meta file: one trial per line, whitespace or tab separated (the release has empty tab fields):
trial name, self-proclaimed skill level N/I/E, GRS (modified OSATS total), then six OSATS items
(respect for tissue, suture/needle handling, time and motion, flow of operation, overall performance,
quality of final product). Trials in the meta file without kinematics, and kinematics without a
meta line, are skipped and reported in the dataset's notes.

The slave (patient-side) tool tips become the Motion's ``left_hand``/``right_hand`` keypoint
``tool_tip`` (the release names them slave left and slave right); all 76 columns are kept in
``signals["jigsaws.kinematics"]``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import numpy as np
from skillsight.datasets import Dataset, DatasetError, Sample, normalise_skill_level
from skillsight.pose.motion import KIND_KINEMATICS_3D, LEFT_HAND, RIGHT_HAND, Motion

JIGSAWS_FPS = 30.0
N_COLUMNS = 76
MANIPULATORS = ("mtm_left", "mtm_right", "psm_left", "psm_right")
MANIPULATOR_QUANTITIES = (
    "tip_x", "tip_y", "tip_z",
    "rot_11", "rot_12", "rot_13", "rot_21", "rot_22", "rot_23", "rot_31", "rot_32", "rot_33",
    "vel_x", "vel_y", "vel_z",
    "rot_vel_x", "rot_vel_y", "rot_vel_z",
    "gripper_angle",
)  # fmt: skip
COLUMN_NAMES = tuple(f"{m}.{q}" for m in MANIPULATORS for q in MANIPULATOR_QUANTITIES)
OSATS_ITEMS = (
    "respect_for_tissue",
    "suture_needle_handling",
    "time_and_motion",
    "flow_of_operation",
    "overall_performance",
    "quality_of_final_product",
)
GRS_SCALE = {"name": "GRS (modified OSATS, 6 items of 1-5)", "min": 6.0, "max": 30.0}
KINEMATICS_SIGNAL = "jigsaws.kinematics"

_TRIAL_NAME = re.compile(r"^(?P<task>.+)_(?P<user>[A-Z])(?P<index>\d{3})$")


def column_slice(manipulator: str, first: str, count: int = 1) -> slice:
    """Columns of one manipulator's quantity, e.g. column_slice("psm_left", "tip_x", 3)."""
    start = MANIPULATORS.index(manipulator) * len(MANIPULATOR_QUANTITIES) + MANIPULATOR_QUANTITIES.index(
        first
    )
    return slice(start, start + count)


def parse_trial_name(name: str) -> tuple[str, str, str]:
    """'Knot_Tying_B001' -> ('Knot_Tying', 'B', '001')."""
    match = _TRIAL_NAME.match(name)
    if not match:
        raise DatasetError(f"{name!r} is not a JIGSAWS trial name like Suturing_B001")
    return match["task"], match["user"], match["index"]


def read_meta_file(path: Path) -> dict[str, dict[str, object]]:
    """trial name -> {"skill_level", "grs", "osats"}; blank lines and trailing whitespace are fine."""
    rows: dict[str, dict[str, object]] = {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read the JIGSAWS meta file ({exc})") from exc
    for line_no, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) < 3:
            raise DatasetError(
                f"{path}:{line_no}: expected trial name, skill level and GRS, got {line.strip()!r}"
            )
        name, level, grs = fields[0], fields[1], fields[2]
        try:
            items = [float(v) for v in fields[3 : 3 + len(OSATS_ITEMS)]]
            rows[name] = {
                "skill_level": normalise_skill_level(level, origin=f"{path}:{line_no}"),
                "grs": float(grs),
                "osats": dict(zip(OSATS_ITEMS, items)),
            }
        except ValueError as exc:
            raise DatasetError(f"{path}:{line_no}: malformed meta line {line.strip()!r} ({exc})") from exc
    if not rows:
        raise DatasetError(f"{path}: the meta file lists no trials")
    return rows


def read_kinematics(path: Path) -> np.ndarray:
    """(T, 76) float array from one kinematics file (blank lines and trailing whitespace ignored)."""
    values: list[list[float]] = []
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            for line_no, line in enumerate(handle, start=1):
                fields = line.split()
                if not fields:
                    continue
                if len(fields) != N_COLUMNS:
                    raise DatasetError(f"{path}:{line_no}: {len(fields)} columns, expected {N_COLUMNS}")
                values.append([float(v) for v in fields])
    except ValueError as exc:
        raise DatasetError(f"{path}: non-numeric kinematics ({exc})") from exc
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read kinematics ({exc})") from exc
    if len(values) < 2:
        raise DatasetError(f"{path}: fewer than two kinematic samples")
    return np.asarray(values, dtype=np.float64)


def kinematics_to_motion(kinematics: np.ndarray, source: str, trial: str, task: str) -> Motion:
    """The patient-side tool tips as hands; grippers, rotations and all columns as signals."""
    n = kinematics.shape[0]
    positions = np.stack(
        [kinematics[:, column_slice(psm, "tip_x", 3)] for psm in ("psm_left", "psm_right")], axis=1
    )[:, :, None, :]
    signals: dict[str, np.ndarray] = {KINEMATICS_SIGNAL: kinematics}
    for hand, psm in ((LEFT_HAND, "psm_left"), (RIGHT_HAND, "psm_right")):
        signals[f"{hand}.gripper_angle"] = kinematics[:, column_slice(psm, "gripper_angle")][:, 0]
        signals[f"{hand}.rotation_matrix"] = kinematics[:, column_slice(psm, "rot_11", 9)]
        signals[f"{hand}.velocity"] = kinematics[:, column_slice(psm, "vel_x", 3)]
        signals[f"{hand}.rotational_velocity"] = kinematics[:, column_slice(psm, "rot_vel_x", 3)]
    return Motion(
        positions=positions,
        confidence=np.ones((n, 2, 1)),
        timestamps=np.arange(n) / JIGSAWS_FPS,
        individuals=(LEFT_HAND, RIGHT_HAND),
        keypoints=("tool_tip",),
        space=("x", "y", "z"),
        metadata={
            "source": source,
            "fps": JIGSAWS_FPS,
            "kind": KIND_KINEMATICS_3D,
            "units": "m",
            "dataset": "jigsaws",
            "task": task,
            "trial": trial,
            "kinematics_columns": list(COLUMN_NAMES),
            "hands": "left_hand/right_hand = slave (patient-side) left/right tool tips",
        },
        signals=signals,
    )


def _meta_file(root: Path) -> Path:
    expected = root / f"meta_file_{root.name}.txt"
    if expected.exists():
        return expected
    found = sorted(root.glob("meta_file_*.txt"))
    if len(found) == 1:
        return found[0]
    raise DatasetError(
        f"{root}: no meta_file_{root.name}.txt (point PATH at one task's folder, e.g. JIGSAWS/Suturing)"
    )


def load_jigsaws(root: Path, procedure: Optional[str] = None, **_: object) -> Dataset:
    """All trials of one JIGSAWS task folder that have both kinematics and a meta line."""
    root = Path(root)
    meta = read_meta_file(_meta_file(root))
    kin_dir = root / "kinematics" / "AllGestures"
    if not kin_dir.is_dir():
        raise DatasetError(f"{root}: no kinematics/AllGestures folder")
    task = root.name
    procedure = procedure or task.lower()
    samples: list[Sample] = []
    notes: list[str] = []
    files = sorted(kin_dir.glob("*.txt"))
    for path in files:
        name = path.stem
        if name not in meta:
            notes.append(f"{path.name}: no line in the meta file, skipped")
            continue
        _task, user, index = parse_trial_name(name)
        labels = meta[name]
        motion = kinematics_to_motion(read_kinematics(path), str(path), name, task)
        samples.append(
            Sample(
                motion=motion,
                participant=user,
                trial=name,
                procedure=procedure,
                skill_level=labels["skill_level"],  # type: ignore[arg-type]
                grs=labels["grs"],  # type: ignore[arg-type]
                osats=labels["osats"],  # type: ignore[arg-type]
                source=str(path),
                groups={"supertrial": index},
            )
        )
    have = {p.stem for p in files}
    notes.extend(f"{name}: in the meta file but no kinematics, skipped" for name in sorted(set(meta) - have))
    if not samples:
        raise DatasetError(f"{kin_dir}: no kinematics file matches a trial in the meta file")
    return Dataset(
        samples,
        format="jigsaws",
        path=str(root),
        procedure=procedure,
        description=f"JIGSAWS {task}: da Vinci kinematics (patient-side tool tips, 30 Hz), "
        "self-proclaimed skill level and modified-OSATS GRS",
        score_scale=dict(GRS_SCALE),
        notes=notes,
    )

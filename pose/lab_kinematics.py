"""The layout of lab kinematics carried in a Motion: JIGSAWS' da Vinci table in ``signals``.

A robot's kinematics arrive as one (T, 76) table in ``motion.signals[KINEMATICS_SIGNAL]``: four
manipulators of 19 columns each (master left and right, then patient-side slave left and right), per
manipulator tool-tip xyz (3), rotation matrix (9), tip velocity (3), rotational velocity (3) and gripper
angle (1). The loader (datasets.jigsaws) writes it and the kinematic features (scoring.training) read
it, so the layout lives here, below both.
"""

from __future__ import annotations

KINEMATICS_SIGNAL = "jigsaws.kinematics"
MANIPULATORS = ("mtm_left", "mtm_right", "psm_left", "psm_right")
MANIPULATOR_QUANTITIES = (
    "tip_x", "tip_y", "tip_z",
    "rot_11", "rot_12", "rot_13", "rot_21", "rot_22", "rot_23", "rot_31", "rot_32", "rot_33",
    "vel_x", "vel_y", "vel_z",
    "rot_vel_x", "rot_vel_y", "rot_vel_z",
    "gripper_angle",
)  # fmt: skip
COLUMN_NAMES = tuple(f"{m}.{q}" for m in MANIPULATORS for q in MANIPULATOR_QUANTITIES)
N_COLUMNS = len(COLUMN_NAMES)  # 76


def column_slice(manipulator: str, first: str, count: int = 1) -> slice:
    """Columns of one manipulator's quantity, e.g. column_slice("psm_left", "tip_x", 3)."""
    per_manipulator = len(MANIPULATOR_QUANTITIES)
    start = MANIPULATORS.index(manipulator) * per_manipulator + MANIPULATOR_QUANTITIES.index(first)
    return slice(start, start + count)

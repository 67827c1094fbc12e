"""One practice's motion from a file that already holds motion, whatever its format.

`score` and `reference build` take these wherever they take a video, so a lab with motion capture or
robot kinematics scores and builds references without tracking anything:

- a SkillSight motion file (``*.motion.npz``);
- a BVH hand recording: a ``.bvh`` file, or a folder holding ``LeftHand_*.bvh`` / ``RightHand_*.bvh``;
- a JIGSAWS kinematics file (``<Task>_<User><NNN>.txt``, 76 columns).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from skillsight.datasets import DatasetError
from skillsight.datasets.bvh import load_bvh_recording
from skillsight.datasets.jigsaws import load_jigsaws_trial
from skillsight.pose.motion import Motion, is_motion_file, load_motion


def is_bvh_recording(path: Path) -> bool:
    return path.suffix.lower() == ".bvh" or (path.is_dir() and any(path.glob("*.bvh")))


def holds_motion(source: object) -> bool:
    """Whether `source` is read as motion (`read_practice_motion`), not tracked; by its name alone."""
    if not isinstance(source, (str, Path)):
        return False  # a webcam index
    path = Path(source)
    jigsaws = path.suffix.lower() == ".txt" and path.is_file()
    return is_motion_file(path) or is_bvh_recording(path) or jigsaws


def read_practice_motion(path: str | Path) -> Optional[Motion]:
    """The motion a file holds, or None where it holds none (a video or an image folder: track it).
    Errors name the file and the problem."""
    path = Path(path)
    if is_motion_file(path):
        return load_motion(path)
    if is_bvh_recording(path):
        return load_bvh_recording(path)
    if path.suffix.lower() == ".txt" and path.is_file():
        try:
            return load_jigsaws_trial(path)
        except DatasetError as exc:  # a note or a log: say why a .txt was read as kinematics at all
            raise DatasetError(
                f"{path}: not JIGSAWS kinematics, the only .txt files SkillSight reads ({exc})"
            ) from exc
    return None

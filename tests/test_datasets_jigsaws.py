"""JIGSAWS loader on tiny files written in the official release layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from jigsaws_factory import USER_LEVELS, write_jigsaws_task
from skillsight.datasets import DatasetError, load_dataset
from skillsight.datasets.jigsaws import (
    COLUMN_NAMES,
    KINEMATICS_SIGNAL,
    N_COLUMNS,
    column_slice,
    parse_trial_name,
    read_meta_file,
)
from skillsight.pose.motion import KIND_KINEMATICS_3D, load_motion


def _write_known_task(root: Path) -> Path:
    """One trial whose columns hold their own 1-based index plus 100 x frame, and a tab meta file."""
    folder = root / "Needle_Passing"
    kin = folder / "kinematics" / "AllGestures"
    kin.mkdir(parents=True)
    rows = [np.arange(1, N_COLUMNS + 1) + 100.0 * t for t in range(4)]
    text = "\n".join("   ".join(f"{v:.1f}" for v in row) + "  \t" for row in rows)
    (kin / "Needle_Passing_D003.txt").write_text("\n" + text + "\n\n\n", encoding="utf-8")
    (kin / "Needle_Passing_C001.txt").write_text(text + "\n", encoding="utf-8")
    meta = (
        "Needle_Passing_D003\t\tE\t28\t\t5\t5\t4\t5\t5\t4\n\n"
        "Needle_Passing_C001\t\tI\t19\t\t3\t3\t3\t4\t3\t3   \n"
    )
    (folder / "meta_file_Needle_Passing.txt").write_text(meta, encoding="utf-8")
    return folder


def test_columns_map_to_hands_signals_and_labels(tmp_path: Path) -> None:
    dataset = load_dataset("jigsaws", _write_known_task(tmp_path))
    assert dataset.procedure == "needle_passing" and len(dataset) == 2
    sample = next(s for s in dataset if s.trial == "Needle_Passing_D003")
    assert (sample.participant, sample.groups["supertrial"]) == ("D", "003")
    assert sample.skill_level == "expert" and sample.grs == 28.0
    assert sample.osats["respect_for_tissue"] == 5.0 and sample.osats["quality_of_final_product"] == 4.0
    motion = sample.motion
    assert motion.kind == KIND_KINEMATICS_3D and motion.units == "m" and motion.fps == pytest.approx(30.0)
    assert motion.individuals == ("left_hand", "right_hand") and motion.keypoints == ("tool_tip",)
    # Slave left tool tip = columns 39-41, slave right = 58-60 (1-based), gripper angles 57 and 76.
    np.testing.assert_array_equal(motion.track("left_hand", "tool_tip")[1], [139, 140, 141])
    np.testing.assert_array_equal(motion.track("right_hand", "tool_tip")[0], [58, 59, 60])
    np.testing.assert_array_equal(motion.signals["left_hand.gripper_angle"], [57, 157, 257, 357])
    np.testing.assert_array_equal(motion.signals["right_hand.gripper_angle"][:1], [76])
    np.testing.assert_array_equal(motion.signals["right_hand.rotation_matrix"][0], np.arange(61, 70))
    assert motion.signals[KINEMATICS_SIGNAL].shape == (4, 76)
    np.testing.assert_allclose(motion.timestamps, np.arange(4) / 30.0)


def test_column_names_follow_the_release() -> None:
    assert len(COLUMN_NAMES) == 76
    assert COLUMN_NAMES[0] == "mtm_left.tip_x" and COLUMN_NAMES[18] == "mtm_left.gripper_angle"
    assert COLUMN_NAMES[38] == "psm_left.tip_x" and COLUMN_NAMES[75] == "psm_right.gripper_angle"
    assert column_slice("psm_right", "vel_x", 3) == slice(69, 72)


def test_trial_names_and_meta_file(tmp_path: Path) -> None:
    assert parse_trial_name("Knot_Tying_H004") == ("Knot_Tying", "H", "004")
    with pytest.raises(DatasetError, match="not a JIGSAWS trial name"):
        parse_trial_name("Suturing_B1")
    meta = tmp_path / "meta_file_Suturing.txt"
    meta.write_text("\n\nSuturing_B001\t\tN\t13\t\t2\t2\t3\t2\t2\t2 \n\n", encoding="utf-8")
    rows = read_meta_file(meta)
    assert rows["Suturing_B001"]["skill_level"] == "novice" and rows["Suturing_B001"]["grs"] == 13.0
    meta.write_text("Suturing_B001\t\tX\t13\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"meta_file_Suturing.txt:1.*unknown skill level"):
        read_meta_file(meta)


def test_generated_release_with_its_quirks(tmp_path: Path) -> None:
    folder = write_jigsaws_task(tmp_path, task="Suturing", trials_per_user=2)
    dataset = load_dataset("jigsaws", folder)
    assert len(dataset) == 2 * len(USER_LEVELS)
    assert {s.participant for s in dataset} == set(USER_LEVELS)
    assert any("Suturing_B099.txt" in n for n in dataset.notes)  # kinematics without a meta line
    assert any("Suturing_Z001" in n for n in dataset.notes)  # meta line without kinematics
    summary = dataset.summary()
    assert summary["n_participants"] == 8 and summary["skill_levels"]["expert"] == 4
    assert summary["score_scale"]["max"] == 30.0


def test_motion_round_trips_through_the_motion_file(tmp_path: Path) -> None:
    sample = load_dataset("jigsaws", _write_known_task(tmp_path))[0]
    again = load_motion(sample.motion.save(tmp_path / "trial"))
    np.testing.assert_array_equal(again.signals[KINEMATICS_SIGNAL], sample.motion.signals[KINEMATICS_SIGNAL])
    assert again.kind == KIND_KINEMATICS_3D


def test_bad_files_name_the_file(tmp_path: Path) -> None:
    folder = _write_known_task(tmp_path)
    bad = folder / "kinematics" / "AllGestures" / "Needle_Passing_C001.txt"
    bad.write_text("1 2 3\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"Needle_Passing_C001.txt:1: 3 columns, expected 76"):
        load_dataset("jigsaws", folder)
    with pytest.raises(DatasetError, match="meta_file"):
        load_dataset("jigsaws", tmp_path)
    with pytest.raises(DatasetError, match="not found"):
        load_dataset("jigsaws", tmp_path / "absent")
    with pytest.raises(DatasetError, match="unknown dataset format"):
        load_dataset("xyz", folder)

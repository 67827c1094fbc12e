"""JIGSAWS loader on tiny files written in the official release layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from jigsaws_factory import (
    RELEASE_TRIALS,
    USER_LEVELS,
    format_kinematics,
    make_easy_trial,
    write_jigsaws_task,
)

from skillsight.datasets import DatasetError, load_dataset
from skillsight.datasets.jigsaws import (
    COLUMN_NAMES,
    KINEMATICS_SIGNAL,
    N_COLUMNS,
    column_slice,
    parse_trial_name,
    procedure_for_task,
    read_kinematics,
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
    assert parse_trial_name("knot_tying_h004") == ("knot_tying", "H", "004")
    with pytest.raises(DatasetError, match="not a JIGSAWS trial name"):
        parse_trial_name("Suturing_B1")
    assert [procedure_for_task(t) for t in ("Suturing", "Knot_Tying", "Needle_Passing", "Knot-Tying")] == [
        "suturing",
        "knot_tying",
        "needle_passing",
        "knot_tying",
    ]
    meta = tmp_path / "meta_file_Suturing.txt"
    meta.write_text("\n\nSuturing_B001\t\tN\t13\t\t2\t2\t3\t2\t2\t2 \n\n", encoding="utf-8")
    rows = read_meta_file(meta)
    assert rows["Suturing_B001"]["skill_level"] == "novice" and rows["Suturing_B001"]["grs"] == 13.0
    meta.write_text("Suturing_B001\t\tX\t13\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"meta_file_Suturing.txt:1.*unknown skill level"):
        read_meta_file(meta)


def test_a_malformed_meta_line_is_skipped_with_a_note_when_loading(tmp_path: Path) -> None:
    meta = tmp_path / "meta_file_Suturing.txt"
    # A byte order mark, CRLF line ends, a header, a bad level, a bad GRS and a repeated trial.
    meta.write_bytes(
        "\ufefftrial\tlevel\tGRS\r\n"
        "Suturing_B001\t\tN\t13\t\t2\t2\t3\t2\t2\t2\r\n"
        "Suturing_C001\t\tX\t13\r\n"
        "Suturing_D001\t\tE\tmany\r\n"
        "Suturing_B001\t\tE\t30\r\n".encode()
    )
    notes: list[str] = []
    rows = read_meta_file(meta, notes)
    assert list(rows) == ["Suturing_B001"] and rows["Suturing_B001"]["grs"] == 13.0
    assert len(notes) == 4
    assert "meta_file_Suturing.txt:1" in notes[0] and "not a trial name" in notes[0]
    assert "unknown skill level" in notes[1] and "malformed" in notes[2] and "listed twice" in notes[3]


def test_fixed_width_release_lines_read_back_exactly(tmp_path: Path) -> None:
    kinematics, _, _ = make_easy_trial("Suturing", "C", 1)
    text = format_kinematics(kinematics[:5])
    assert text.startswith(" ") and text.endswith("\n") and len(text.splitlines()[0]) == 15 * N_COLUMNS
    path = tmp_path / "Suturing_C001.txt"
    path.write_text(text, encoding="utf-8")
    np.testing.assert_allclose(read_kinematics(path), kinematics[:5], atol=5e-9)


def test_generated_release_with_its_quirks(tmp_path: Path) -> None:
    folder = write_jigsaws_task(tmp_path, task="Suturing", trials_per_user=2)
    dataset = load_dataset("jigsaws", folder)
    assert len(dataset) == 2 * len(USER_LEVELS) and not dataset.notes
    assert {s.participant for s in dataset} == set(USER_LEVELS)
    summary = dataset.summary()
    assert summary["n_participants"] == 8 and summary["skill_levels"]["expert"] == 4
    assert summary["score_scale"]["max"] == 30.0
    sample = dataset[0]
    assert sample.grs == sum(sample.osats.values())  # the GRS is the sum of the six items


@pytest.mark.parametrize("task", ["Suturing", "Needle_Passing"])
def test_release_gaps_are_skipped_and_said(tmp_path: Path, task: str) -> None:
    folder = write_jigsaws_task(tmp_path, task=task, trials_per_user=5, release_gaps=True)
    dataset = load_dataset("jigsaws", folder)
    assert len(dataset) == sum(len(v) for v in RELEASE_TRIALS[task].values())
    assert dataset.procedure == task.lower() and {s.groups["task"] for s in dataset} == {task}
    unlabelled = [n for n in dataset.notes if "no skill label" in n]
    if task == "Suturing":
        assert len(dataset) == 39 and unlabelled == [n for n in unlabelled if "Suturing_H002.txt" in n] != []
    else:
        assert len(dataset) == 27 and "G" not in {s.participant for s in dataset}
        assert len(unlabelled) == 4 and any("Needle_Passing_G001.txt" in n for n in unlabelled)


def test_a_nested_unpacked_folder_is_found_and_the_whole_release_is_refused(tmp_path: Path) -> None:
    write_jigsaws_task(tmp_path / "JIGSAWS" / "Knot_Tying", task="Knot_Tying", trials_per_user=1)
    dataset = load_dataset("jigsaws", tmp_path / "JIGSAWS" / "Knot_Tying")  # Knot_Tying/Knot_Tying
    assert len(dataset) == 8 and dataset.procedure == "knot_tying"
    assert any("subfolder Knot_Tying" in n for n in dataset.notes)
    write_jigsaws_task(tmp_path / "release", task="Suturing", trials_per_user=1)
    only_one = load_dataset("jigsaws", tmp_path / "release")  # a release folder holding one task
    assert only_one.procedure == "suturing" and any("subfolder Suturing" in n for n in only_one.notes)
    write_jigsaws_task(tmp_path / "release", task="Needle_Passing", trials_per_user=1)
    with pytest.raises(DatasetError, match=r"several JIGSAWS tasks.*Needle_Passing.*Suturing"):
        load_dataset("jigsaws", tmp_path / "release")


def test_names_and_folders_match_without_regard_to_case(tmp_path: Path) -> None:
    folder = _write_known_task(tmp_path)
    (folder / "kinematics" / "AllGestures").rename(folder / "kinematics" / "allgestures")
    (folder / "kinematics").rename(folder / "Kinematics")
    kin = folder / "Kinematics" / "allgestures"
    (kin / "Needle_Passing_D003.txt").rename(kin / "needle_passing_d003.txt")
    (folder / "meta_file_Needle_Passing.txt").rename(folder / "META_FILE_Needle_Passing.txt")
    dataset = load_dataset("jigsaws", folder)
    assert sorted(s.trial for s in dataset) == ["Needle_Passing_C001", "Needle_Passing_D003"]
    assert {s.participant for s in dataset} == {"C", "D"} and not dataset.notes


def test_motion_round_trips_through_the_motion_file(tmp_path: Path) -> None:
    sample = load_dataset("jigsaws", _write_known_task(tmp_path))[0]
    again = load_motion(sample.motion.save(tmp_path / "trial"))
    np.testing.assert_array_equal(again.signals[KINEMATICS_SIGNAL], sample.motion.signals[KINEMATICS_SIGNAL])
    assert again.kind == KIND_KINEMATICS_3D


def test_bad_files_are_skipped_with_a_note_naming_file_and_line(tmp_path: Path) -> None:
    folder = _write_known_task(tmp_path)
    bad = folder / "kinematics" / "AllGestures" / "Needle_Passing_C001.txt"
    bad.write_text("1 2 3\n", encoding="utf-8")
    dataset = load_dataset("jigsaws", folder)
    assert [s.trial for s in dataset] == ["Needle_Passing_D003"]
    assert any("Needle_Passing_C001.txt:1: 3 columns, expected 76; trial skipped" in n for n in dataset.notes)
    assert not any("no kinematics file" in n for n in dataset.notes)  # it has one, just unreadable
    good = folder / "kinematics" / "AllGestures" / "Needle_Passing_D003.txt"
    good.write_text(" ".join(["0.1"] * 75 + ["x"]) + "\n" + " ".join(["0.1"] * 76) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="no readable kinematics file"):
        load_dataset("jigsaws", folder)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="empty: no meta_file_<Task>.txt"):
        load_dataset("jigsaws", tmp_path / "empty")
    with pytest.raises(DatasetError, match="not found"):
        load_dataset("jigsaws", tmp_path / "absent")
    with pytest.raises(DatasetError, match="unknown dataset format"):
        load_dataset("xyz", folder)

"""Files that already hold motion (motion files, BVH recordings, JIGSAWS kinematics) are read as they are
wherever a video is tracked: `score` and `reference build` take them without tracking anything."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_file
from jigsaws_factory import write_jigsaws_task
from typer.testing import CliRunner

from skillsight.cli import app
from skillsight.datasets import DatasetError
from skillsight.datasets.practice_files import read_practice_motion
from skillsight.pose.motion import KIND_KINEMATICS_3D, KIND_MOCAP_3D
from skillsight.scoring.synthetic import generate_practice


def test_a_motion_file_is_loaded_as_it_is(tmp_path: Path) -> None:
    motion = generate_practice("expert", "suturing", duration_s=12.0, seed=2)
    path = motion.save(tmp_path / "practice.motion.npz")
    loaded = read_practice_motion(path)
    assert loaded is not None
    np.testing.assert_array_equal(loaded.positions, motion.positions)


def test_a_jigsaws_kinematics_file_is_one_trial(tmp_path: Path) -> None:
    folder = write_jigsaws_task(tmp_path, task="Knot_Tying", trials_per_user=1)
    trial = next((folder / "kinematics" / "AllGestures").glob("*.txt"))
    motion = read_practice_motion(trial)
    assert motion is not None and motion.kind == KIND_KINEMATICS_3D and motion.units == "m"
    assert motion.metadata["task"] == "Knot_Tying" and motion.metadata["trial"] == trial.stem
    assert (
        motion.individuals == ("left_hand", "right_hand")
        and motion.signals["jigsaws.kinematics"].shape[1] == 76
    )
    renamed = trial.rename(tmp_path / "my_trial.txt")
    assert read_practice_motion(renamed).metadata["task"] == ""  # still kinematics, task unknown


def test_a_text_file_that_is_not_kinematics_names_itself(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("the trainee was nervous\n")
    with pytest.raises(DatasetError, match="notes.txt:1: 4 columns, expected 76") as caught:
        read_practice_motion(notes)
    assert "not JIGSAWS kinematics" in str(caught.value)  # why a note was read as kinematics at all


def test_videos_and_image_folders_are_left_to_tracking(tmp_path: Path) -> None:
    (tmp_path / "stills").mkdir()
    (tmp_path / "stills" / "a.png").write_bytes(b"")
    assert read_practice_motion(tmp_path / "practice.mp4") is None
    assert read_practice_motion(tmp_path / "stills") is None


def test_real_bvh_recordings_as_a_folder_or_a_file() -> None:
    folder = shared_file("knot_tying_bvh/Zeigefinger_BVH")
    both = read_practice_motion(folder)
    assert both is not None and both.kind == KIND_MOCAP_3D and both.individuals == ("left_hand", "right_hand")
    one = read_practice_motion(next(folder.glob("RightHand_*.bvh")))
    assert one is not None and one.individuals == ("right_hand",)


@pytest.mark.slow
def test_a_mocap_lab_builds_a_reference_from_bvh_on_the_command_line(tmp_path: Path) -> None:
    """Issue 3: labs with hand motion capture build references from it (the expert knot-tying recordings)."""
    root = shared_file("knot_tying_bvh")
    recordings = sorted(str(p) for p in root.iterdir() if p.is_dir())
    out = tmp_path / "mocap-reference.json"
    result = CliRunner().invoke(
        app, ["reference", "build", *recordings, "--procedure", "knot_tying", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    reference = json.loads(out.read_text())
    assert (  # two recordings that name nobody: how many people is unknown, not taken as two
        reference["n_practices"] == 2
        and reference["n_experts"] is None
        and reference["motion_kind"] == KIND_MOCAP_3D
        and reference["units"] == "m"
    )
    path = reference["features"]["tying.path_length"]
    assert 1.0 < path["median"] < 20.0 and path["unit"] == "m"  # metres of hand travel, not pixels

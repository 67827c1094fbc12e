"""BVH loader: forward kinematics with known answers, then the real Ultraleap recordings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import shared_file

from skillsight.datasets import DatasetError, load_dataset
from skillsight.datasets.bvh import bvh_to_motion, keypoint_name, load_bvh_recording, read_bvh
from skillsight.pose.motion import KIND_MOCAP_3D

MEDIAPIPE_HAND = (
    "wrist", "thumb_cmc", "thumb_mcp", "thumb_ip", "thumb_tip",
    "index_finger_mcp", "index_finger_pip", "index_finger_dip", "index_finger_tip",
    "middle_finger_mcp", "middle_finger_pip", "middle_finger_dip", "middle_finger_tip",
    "ring_finger_mcp", "ring_finger_pip", "ring_finger_dip", "ring_finger_tip",
    "pinky_mcp", "pinky_pip", "pinky_dip", "pinky_tip",
)  # fmt: skip

# Root at (1, 2, 3) metres; a joint 0.5 m along x from the root; its end site 0.25 m along x.
TINY_BVH = """HIERARCHY
ROOT Elbow
{
\tOFFSET 0.00 0.00 0.00
\tCHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
\tJOINT L_Wrist
\t{
\t\tOFFSET 0.5 0.0 0.0
\t\tCHANNELS 3 Zrotation Xrotation Yrotation
\t\tEnd Site
\t\t{
\t\t\tOFFSET 0.25 0.0 0.0
\t\t}
\t}
}
MOTION
Frames: 3
Frame Time: 0.1
1 2 3 0 0 0 0 0 0
1 2 3 90 0 0 0 0 0
1 2 3 90 0 0 0 0 90
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_forward_kinematics_known_answer(tmp_path: Path) -> None:
    motion = bvh_to_motion(_write(tmp_path / "LeftHand_1.bvh", TINY_BVH))
    assert motion.individuals == ("left_hand",) and motion.kind == KIND_MOCAP_3D and motion.units == "m"
    assert motion.keypoints == ("elbow", "wrist", "wrist_end")
    wrist, end = motion.track("left_hand", "wrist"), motion.track("left_hand", "wrist_end")
    np.testing.assert_allclose(motion.track("left_hand", "elbow"), [[1, 2, 3]] * 3)
    # Frame 0: no rotation. Frame 1: the root turns 90 degrees about z, so +x becomes +y.
    np.testing.assert_allclose(wrist[0], [1.5, 2, 3], atol=1e-12)
    np.testing.assert_allclose(wrist[1], [1, 2.5, 3], atol=1e-12)
    np.testing.assert_allclose(end[1], [1, 2.75, 3], atol=1e-12)
    # Frame 2: the wrist also turns 90 degrees about its own y (after the parent's z): its end site
    # offset +x goes to -z in the wrist frame, which the root's z-rotation leaves at -z.
    np.testing.assert_allclose(wrist[2], [1, 2.5, 3], atol=1e-12)
    np.testing.assert_allclose(end[2], [1, 2.5, 2.75], atol=1e-12)
    np.testing.assert_allclose(motion.timestamps, [0, 0.1, 0.2])
    assert motion.metadata["timestamps_from"].startswith("Frame Time")


def test_channel_order_is_honoured(tmp_path: Path) -> None:
    # X then Z (Rx @ Rz) differs from Z then X: with Z=90 and X=90, +x goes to +z, not +y.
    text = TINY_BVH.replace(
        "CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation",
        "CHANNELS 6 Xposition Yposition Zposition Xrotation Zrotation Yrotation",
    )
    text = text.split("MOTION")[0] + "MOTION\nFrames: 1\nFrame Time: 0.1\n0 0 0 90 90 0 0 0 0\n"
    wrist = bvh_to_motion(_write(tmp_path / "x.bvh", text)).track("left_hand", "wrist")[0]
    np.testing.assert_allclose(wrist, [0, 0, 0.5], atol=1e-12)


def test_frametimes_and_both_hands(tmp_path: Path) -> None:
    folder = tmp_path / "recording"
    _write(folder / "LeftHand_1.bvh", TINY_BVH)
    _write(folder / "RightHand_1.bvh", TINY_BVH.replace("1 2 3", "-1 2 3"))
    _write(folder / "MetaData" / "Frametimes.txt", "0\t0\n1\t11\n2\t30\n")
    motion = load_bvh_recording(folder)
    assert motion.individuals == ("left_hand", "right_hand")
    np.testing.assert_allclose(motion.timestamps, [0, 0.011, 0.030])
    np.testing.assert_allclose(motion.track("right_hand", "elbow")[0], [-1, 2, 3])
    assert motion.metadata["timestamps_from"].endswith("Frametimes.txt")


def test_keypoint_names_follow_mediapipe() -> None:
    assert keypoint_name("L_Wrist") == "wrist" and keypoint_name("Elbow") == "elbow"
    assert keypoint_name("L_index_Proximal") == "index_finger_mcp"
    assert keypoint_name("R_ring_c") == "ring_finger_dip"
    assert keypoint_name("L_thumb_b_end") == "thumb_tip" and keypoint_name("L_thumb_a") == "thumb_mcp"
    assert keypoint_name("L_pinky_c_end") == "pinky_tip"


def test_malformed_bvh_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not a BVH file"):
        read_bvh(_write(tmp_path / "a.bvh", "hello\n"))
    with pytest.raises(DatasetError, match="no MOTION"):
        read_bvh(_write(tmp_path / "b.bvh", TINY_BVH.split("MOTION")[0]))
    truncated = read_bvh(_write(tmp_path / "c.bvh", TINY_BVH.rsplit("\n", 2)[0] + "\n1 2\n"))
    assert truncated.frames.shape == (2, 9) and any("expected 9" in n for n in truncated.notes)


def test_real_ultraleap_recording() -> None:
    shared_file("knot_tying_bvh/Zeigefinger_BVH/MetaData/Frametimes.txt")
    folder = shared_file("knot_tying_bvh/Zeigefinger_BVH")
    dataset = load_dataset("bvh", folder)
    motion = dataset[0].motion
    assert motion.individuals == ("left_hand", "right_hand")
    assert set(MEDIAPIPE_HAND) | {"elbow"} == set(motion.keypoints)
    assert motion.n_frames == 1804 and motion.kind == KIND_MOCAP_3D
    assert motion.metadata["timestamps_from"].endswith("Frametimes.txt")
    assert 15 < motion.duration_s < 25  # Frametimes.txt: ~20.1 s (the header's Frame Time would say 30 s)
    for hand in motion.individuals:
        forearm = np.linalg.norm(motion.track(hand, "wrist") - motion.track(hand, "elbow"), axis=1)
        palm = np.linalg.norm(
            motion.track(hand, "index_finger_mcp") - motion.track(hand, "pinky_mcp"), axis=1
        )
        finger = np.linalg.norm(
            motion.track(hand, "index_finger_tip") - motion.track(hand, "index_finger_mcp"), axis=1
        )
        np.testing.assert_allclose(forearm, 0.208349, atol=1e-6)  # bone lengths survive every rotation
        assert 0.04 < np.median(palm) < 0.07 and 0.03 < np.median(finger) < 0.08
    step = np.linalg.norm(np.diff(motion.track("right_hand", "wrist"), axis=0), axis=1)
    assert np.percentile(step, 99) < 0.05  # no teleporting: under 5 cm per ~11 ms frame


def test_real_recordings_as_a_dataset_folder() -> None:
    root = shared_file("knot_tying_bvh")
    dataset = load_dataset("bvh", root, procedure="knot_tying")
    assert len(dataset) == 2 and {s.trial for s in dataset} == {
        "BVH_Finale_Choreographie_MFK_ZFK",
        "Zeigefinger_BVH",
    }
    assert all(s.skill_level is None and s.procedure == "knot_tying" for s in dataset)
    assert max(s.motion.n_frames for s in dataset) == 4924

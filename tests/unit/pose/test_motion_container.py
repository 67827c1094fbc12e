"""The Motion container: validation where it is made, and a lossless file round trip."""

from __future__ import annotations

import numpy as np
import pytest

from skillsight.pose.motion import (
    Motion,
    MotionError,
    concatenate_individuals,
    empty_motion,
    load_motion,
    save_motion,
)


def _motion(n_time: int = 6, **overrides) -> Motion:
    rng = np.random.default_rng(0)
    fields = dict(
        positions=rng.normal(size=(n_time, 2, 3, 3)),
        confidence=np.full((n_time, 2, 3), 0.9),
        timestamps=np.arange(n_time) / 25.0,
        individuals=("left_hand", "right_hand"),
        keypoints=("wrist", "centroid", "tip"),
        metadata={"source": "synthetic", "fps": 25.0, "units": "px"},
    )
    fields.update(overrides)
    return Motion(**fields)


def test_round_trip_keeps_every_array_and_the_metadata(tmp_path):
    positions = _motion().positions.copy()
    positions[2, 0, 1] = np.nan
    filled = np.zeros((6, 2, 3), dtype=bool)
    filled[3, 1, 2] = True
    original = _motion(
        positions=positions,
        filled=filled,
        world_positions=np.ones((6, 2, 3, 3)),
        signals={"right_hand.area_px": np.arange(6.0), "raw": np.ones((6, 4))},
        frame_indices=np.arange(10, 16),
    )
    path = save_motion(original, tmp_path / "session")
    assert path.name == "session.motion.npz"
    loaded = load_motion(path)
    np.testing.assert_array_equal(loaded.positions, original.positions)
    np.testing.assert_array_equal(loaded.confidence, original.confidence)
    np.testing.assert_array_equal(loaded.timestamps, original.timestamps)
    np.testing.assert_array_equal(loaded.frame_indices, original.frame_indices)
    np.testing.assert_array_equal(loaded.filled, filled)
    np.testing.assert_array_equal(loaded.world_positions, original.world_positions)
    assert set(loaded.signals) == {"right_hand.area_px", "raw"}
    np.testing.assert_array_equal(loaded.signals["raw"], np.ones((6, 4)))
    assert loaded.individuals == original.individuals
    assert loaded.keypoints == original.keypoints
    assert loaded.metadata["source"] == "synthetic"
    assert loaded.metadata["format_version"] == 1


def test_missing_positions_have_zero_confidence():
    positions = _motion().positions.copy()
    positions[1, 1, 0, 0] = np.nan
    motion = _motion(positions=positions)
    assert motion.confidence[1, 1, 0] == 0.0
    assert np.isnan(motion.positions[1, 1, 0]).all()
    assert not motion.observed("right_hand", "wrist")[1]


@pytest.mark.parametrize(
    "override, message",
    [
        ({"timestamps": np.array([0, 0.1, 0.1, 0.2, 0.3, 0.4])}, "strictly increasing"),
        ({"confidence": np.full((6, 2, 3), 1.5)}, r"\[0, 1\]"),
        ({"keypoints": ("wrist", "wrist", "tip")}, "duplicate keypoints"),
        ({"individuals": ("left_hand",)}, "individuals"),
        ({"metadata": {"bad": object()}}, "JSON"),
        ({"signals": {"short": np.ones(3)}}, "first axis must be time"),
    ],
)
def test_invalid_motion_is_rejected_where_it_is_made(override, message):
    with pytest.raises(MotionError, match=message):
        _motion(**override)


def test_fps_and_duration_follow_the_timestamps():
    motion = _motion(n_time=26)
    assert motion.fps == pytest.approx(25.0)
    assert motion.duration_s == pytest.approx(26 / 25.0)


def test_concatenate_individuals_takes_the_union_of_keypoints():
    hands = _motion()
    body = Motion(
        positions=np.zeros((6, 1, 2, 3)),
        confidence=np.ones((6, 1, 2)),
        timestamps=hands.timestamps,
        individuals=("body",),
        keypoints=("nose", "wrist"),
    )
    both = concatenate_individuals([hands, body])
    assert both.individuals == ("left_hand", "right_hand", "body")
    assert both.keypoints == ("wrist", "centroid", "tip", "nose")
    assert np.isnan(both.track("left_hand", "nose")).all()
    np.testing.assert_array_equal(both.track("body", "wrist"), np.zeros((6, 3)))
    assert both.observed_keypoints("body") == ("wrist", "nose")


def test_loading_a_non_motion_file_names_the_file(tmp_path):
    bogus = tmp_path / "bogus.motion.npz"
    bogus.write_text("not a zip")
    with pytest.raises(MotionError, match="bogus.motion.npz"):
        load_motion(bogus)
    with pytest.raises(FileNotFoundError, match="missing.motion.npz"):
        load_motion(tmp_path / "missing.motion.npz")


def test_empty_motion_is_valid_and_saves(tmp_path):
    motion = empty_motion(("left_hand",), ("wrist",))
    assert motion.n_frames == 0
    assert motion.duration_s == 0.0
    assert load_motion(save_motion(motion, tmp_path / "empty")).n_frames == 0


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path):
    save_motion(_motion(), tmp_path / "a")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.motion.npz"]

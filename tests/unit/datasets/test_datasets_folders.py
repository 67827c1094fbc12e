"""The "ours" labelled folder and the AIxSuture ratings layout (videos replaced by motion fakes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from skillsight.datasets import DatasetError, available_formats, load_dataset, normalise_skill_level
from skillsight.datasets import aixsuture as aixsuture_module
from skillsight.datasets.aixsuture import level_from_grs
from skillsight.pose.motion import Motion


def _motion(n: int = 20, shift: float = 0.0) -> Motion:
    t = np.arange(n) / 25.0
    positions = np.zeros((n, 2, 1, 2))
    positions[:, 0, 0, 0] = 100 + 10 * t + shift
    positions[:, 1, 0, 0] = 300 - 10 * t
    return Motion(
        positions=positions,
        confidence=np.ones((n, 2, 1)),
        timestamps=t,
        individuals=("left_hand", "right_hand"),
        keypoints=("centroid",),
        space=("x", "y"),
        metadata={"kind": "video_2d", "units": "px", "fps": 25.0},
    )


def _labelled_folder(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    _motion(shift=1).save(root / "p1_t1")
    _motion(shift=2).save(root / "p2_t1")
    (root / "labels.csv").write_text(
        "participant,procedure,trial,file,skill_level,grs,osats_flow\n"
        "p1,suturing,1,p1_t1.motion.npz,Novice,11,2\n"
        "p2,suturing,1,p2_t1.motion.npz,E,27.5,\n"
        "p3,intubation,1,p1_t1.motion.npz,,,\n",
        encoding="utf-8",
    )
    return root


def test_registry_lists_the_four_formats() -> None:
    assert set(available_formats()) == {"ours", "jigsaws", "aixsuture", "bvh"}
    assert normalise_skill_level(" Intermediate ") == "intermediate" and normalise_skill_level("") is None


def test_ours_loads_motion_files_with_labels(tmp_path: Path) -> None:
    dataset = load_dataset("ours", _labelled_folder(tmp_path / "set"), procedure="suturing")
    assert [s.participant for s in dataset] == ["p1", "p2"]
    assert any("row 4" in note for note in dataset.notes)  # the intubation row is skipped
    first, second = dataset
    assert first.skill_level == "novice" and first.grs == 11.0 and first.osats == {"flow": 2.0}
    assert second.skill_level == "expert" and second.grs == 27.5 and second.osats == {}
    assert first.motion.track("left_hand", "centroid")[0, 0] == pytest.approx(101.0)
    everything = load_dataset("ours", tmp_path / "set")
    assert len(everything) == 3 and everything[2].skill_level is None and everything[2].grs is None


def test_ours_errors_name_the_file_and_row(tmp_path: Path) -> None:
    root = _labelled_folder(tmp_path / "set")
    with pytest.raises(DatasetError, match="no labels.csv"):
        load_dataset("ours", tmp_path)
    labels = root / "labels.csv"
    labels.write_text("participant,trial\np1,1\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"labels.csv: missing column\(s\) file"):
        load_dataset("ours", root)
    labels.write_text("participant,procedure,trial,file,skill_level\np1,suturing,1,gone.mp4,novice\n")
    with pytest.raises(DatasetError, match=r"labels.csv:2: file 'gone.mp4' not found"):
        load_dataset("ours", root)
    labels.write_text("participant,procedure,trial,file,skill_level\np1,suturing,1,p1_t1.motion.npz,guru\n")
    with pytest.raises(DatasetError, match=r"labels.csv:2: unknown skill level 'guru'"):
        load_dataset("ours", root)
    labels.write_text("participant,procedure,trial,file,grs\np1,suturing,1,p1_t1.motion.npz,lots\n")
    with pytest.raises(DatasetError, match="'lots' is not a number"):
        load_dataset("ours", root)


def test_aixsuture_averages_raters_and_derives_levels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "AIxSuture"
    (root / "videos").mkdir(parents=True)
    for vid in ("A1B2", "C3D4", "E5F6"):
        (root / "videos" / f"{vid}.mp4").write_bytes(b"not really a video")
    (root / "OSATS.csv").write_text(
        "VIDEO;STUDENT;GROUP;TIME;SUTURES;INVESTIGATOR;ITEM_A;ITEM_B;GLOBA_RATING_SCORE\n"
        "A1B2;S01;E-LEARNING;PRE;2;R1;2;1;10\n"
        "A1B2;S01;E-LEARNING;PRE;2;R2;2;2;12\n"
        "C3D4;S01;E-LEARNING;POST;5;R1;4;4;30\n"
        "C3D4;S01;E-LEARNING;POST;5;R2;5;4;32\n"
        "G7H8;S02;HMD;PRE;1;R1;1;1;8\n",
        encoding="utf-8",
    )
    tracked = []

    def fake_track(path: Path, procedure: str, **_: object) -> Motion:
        tracked.append((path.name, procedure))
        return _motion()

    monkeypatch.setattr(aixsuture_module, "load_or_track_cached", fake_track)
    dataset = load_dataset("aixsuture", root)
    assert sorted(tracked) == [("A1B2.mp4", "suturing"), ("C3D4.mp4", "suturing")]
    by_trial = {s.trial: s for s in dataset}
    pre, post = by_trial["S01-PRE"], by_trial["S01-POST"]
    assert pre.grs == 11.0 and pre.skill_level == "novice" and pre.osats == {"item_a": 2.0, "item_b": 1.5}
    assert post.grs == 31.0 and post.skill_level == "expert" and post.participant == "S01"
    assert any("G7H8" in note for note in dataset.notes)  # rated, but its video is absent
    assert dataset.score_scale["max"] == 40.0


def test_aixsuture_level_thresholds_and_missing_table(tmp_path: Path) -> None:
    assert [level_from_grs(g) for g in (8, 15.9, 16, 23.9, 24, 40)] == [
        "novice", "novice", "intermediate", "intermediate", "expert", "expert"
    ]  # fmt: skip
    assert level_from_grs(20, thresholds=(25, 30)) == "novice"
    with pytest.raises(DatasetError, match="no ratings table"):
        load_dataset("aixsuture", tmp_path)


def test_ours_tracks_videos_through_the_pipeline_and_caches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from video_factory import write_test_video

    from skillsight.datasets import labelled_folder

    root = tmp_path / "set"
    root.mkdir()
    write_test_video(root / "clip.mp4", 10)
    (root / "labels.csv").write_text(
        "participant,procedure,trial,file,skill_level,grs\np1,suturing,1,clip.mp4,novice,10\n",
        encoding="utf-8",
    )
    cache = tmp_path / "cache"
    first = load_dataset("ours", root, cache_dir=cache, tracker="gloves")[0].motion
    assert first.n_frames == 10 and first.kind == "video_2d"
    assert [t["name"] for t in first.metadata["trackers"]] == ["gloves"]
    assert len(list(cache.glob("clip-*.motion.npz"))) == 1

    def no_tracking(*args: object, **kwargs: object) -> Motion:
        raise AssertionError("tracked again despite the cache")

    monkeypatch.setattr(labelled_folder, "track_for_procedure", no_tracking)
    again = load_dataset("ours", root, cache_dir=cache, tracker="gloves")[0].motion
    np.testing.assert_array_equal(again.timestamps, first.timestamps)


def test_a_rated_video_that_is_no_video_is_one_dataset_error_naming_it(tmp_path: Path) -> None:
    """`skillsight train --dataset aixsuture` ended in a traceback (NotAVideoError) when one rated video
    was not a video; now it is a DatasetError naming the file, which `train` prints as one line."""
    root = tmp_path / "AIxSuture"
    (root / "videos").mkdir(parents=True)
    (root / "videos" / "E5F6.mp4").write_text("not really a video\n")
    (root / "OSATS.csv").write_text(
        "VIDEO;STUDENT;TIME;INVESTIGATOR;GLOBA_RATING_SCORE\nE5F6;S02;PRE;R1;8\n", encoding="utf-8"
    )
    with pytest.raises(DatasetError, match=r"E5F6\.mp4: a text file, not a video"):
        load_dataset("aixsuture", root)

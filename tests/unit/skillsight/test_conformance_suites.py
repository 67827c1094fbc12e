"""SkillSight's own trackers and dataset loaders pass the conformance suites it ships
(skillsight.testing), and the suites catch a tracker or loader that breaks the rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import shared_file
from jigsaws_factory import write_jigsaws_task

from skillsight.datasets import aixsuture as aixsuture_module
from skillsight.pose.motion import Motion
from skillsight.pose.trackers.base import FrameObservation, create_tracker
from skillsight.testing import (
    LOADER_CHECKS,
    TRACKER_CHECKS,
    LoaderConformance,
    TrackerConformance,
    synthetic_frames,
)

TRACKERS = ("gloves", "hands", "pose", "auto")


@pytest.mark.parametrize("check", list(TRACKER_CHECKS))
@pytest.mark.parametrize("name", TRACKERS)
def test_shipped_trackers_pass_the_tracker_suite(name: str, check: str) -> None:
    TrackerConformance(lambda: create_tracker(name, camera_view="top")).run(check)


def test_the_tracker_suite_catches_confidence_where_nothing_was_found() -> None:
    class Careless:
        name, individuals, keypoints = "careless", ("left_hand",), ("wrist",)

        def prepare(self, sample: object) -> None:
            pass

        def process(self, frame: object) -> FrameObservation:
            return FrameObservation(np.full((1, 1, 3), np.nan), np.full((1, 1), 0.5))

        def provenance(self) -> dict:
            return {"name": self.name}

        def close(self) -> None:
            pass

    suite = TrackerConformance(Careless, synthetic_frames(2))
    suite.run("observations_have_the_trackers_shape")
    with pytest.raises(AssertionError, match="confidence where nothing was found"):
        suite.run("confidence_in_range_and_zero_where_not_found")


def _motion(shift: float = 0.0) -> Motion:
    t = np.arange(30) / 25.0
    positions = np.stack([np.stack([t * 10 + shift, t], -1), np.stack([t * 5, t * 2 + shift], -1)], 1)
    return Motion(
        positions=positions[:, :, None, :],
        confidence=np.ones((30, 2, 1)),
        timestamps=t,
        individuals=("left_hand", "right_hand"),
        keypoints=("centroid",),
        space=("x", "y"),
        metadata={"kind": "video_2d", "units": "px", "fps": 25.0},
    )


def _labelled_folder(root: Path) -> Path:
    root.mkdir(parents=True)
    _motion(1).save(root / "p1_t1")
    _motion(2).save(root / "p2_t1")
    (root / "labels.csv").write_text(
        "participant,procedure,trial,file,skill_level,grs,osats_flow\n"
        "p1,suturing,1,p1_t1.motion.npz,Novice,11,2\n"
        "p2,suturing,1,p2_t1.motion.npz,E,27.5,\n",
        encoding="utf-8",
    )
    return root


def _aixsuture_folder(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (root / "videos").mkdir(parents=True)
    for video in ("A1B2", "C3D4"):
        (root / "videos" / f"{video}.mp4").write_bytes(b"not really a video")
    (root / "OSATS.csv").write_text(
        "VIDEO;STUDENT;GROUP;TIME;SUTURES;INVESTIGATOR;ITEM_A;ITEM_B;GLOBA_RATING_SCORE\n"
        "A1B2;S01;E-LEARNING;PRE;2;R1;2;1;10\n"
        "C3D4;S01;E-LEARNING;POST;5;R1;4;4;30\n",
        encoding="utf-8",
    )
    # No tracking here: the videos are stand-ins (tracking is tested in test_datasets_folders).
    monkeypatch.setattr(aixsuture_module, "load_or_track_cached", lambda *_a, **_k: _motion())
    return root


@pytest.mark.parametrize("check", list(LOADER_CHECKS))
@pytest.mark.parametrize("format", ["ours", "jigsaws", "aixsuture", "bvh"])
def test_shipped_loaders_pass_the_loader_suite(
    format: str, check: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if format == "ours":
        suite = LoaderConformance("ours", _labelled_folder(tmp_path / "set"), "suturing")
    elif format == "jigsaws":
        suite = LoaderConformance(
            "jigsaws", write_jigsaws_task(tmp_path, trials_per_user=2, difficulty="easy")
        )
    elif format == "aixsuture":
        suite = LoaderConformance("aixsuture", _aixsuture_folder(tmp_path / "AIxSuture", monkeypatch))
    else:
        suite = LoaderConformance("bvh", shared_file("knot_tying_bvh"), "knot_tying")
    suite.run(check)


def test_the_loader_suite_catches_a_loader_that_loses_its_order(tmp_path: Path) -> None:
    suite = LoaderConformance("ours", _labelled_folder(tmp_path / "set"), "suturing")
    first = suite.dataset
    suite._dataset = type(first)(list(reversed(first)), format="ours", procedure="suturing")
    with pytest.raises(AssertionError, match="order changed"):
        suite.run("loads_the_same_twice")

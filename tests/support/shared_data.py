"""Pytest plugin (tests/conftest.py loads it): where the real test data lives, its clips as fixtures,
and skipping clearly when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]  # tests/support/ -> the repository


def shared_data_dir() -> Path:
    """$SKILLSIGHT_TEST_DATA, else ../shared/data beside the repository."""
    env = os.environ.get("SKILLSIGHT_TEST_DATA")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"


def shared_file(relative: str) -> Path:
    """A file of the real test data, or a skip that says what is missing and where it was looked for."""
    path = shared_data_dir() / relative
    if not path.exists():
        pytest.skip(f"real test data {relative} not found at {path} (set SKILLSIGHT_TEST_DATA to its folder)")
    return path


@pytest.fixture
def hand_clip() -> Path:
    """620x1080, 25 fps, 325 frames of one real hand signing."""
    return shared_file("tfjs/asl_hand.25fps.mp4")


@pytest.fixture
def pose_clip() -> Path:
    """720x1280, 65 frames of one person squatting."""
    return shared_file("tfjs/pose_squats.mp4")


@pytest.fixture(scope="module")
def cutouts():
    """Real hands cut from the shared clips by their landmarks, for the generated glove scenes."""
    from skillsight.hand_cutouts import load_cutouts  # the scene generator: only the tests that use it

    found = load_cutouts(with_mediapipe=False)
    if not found:
        pytest.skip("the shared clip tfjs/asl_hand.25fps.mp4 is missing")
    return found

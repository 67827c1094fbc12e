"""Which glove family a video runs (calibration by the families that win its samples) and when a glove
whose far end meets another family's blob is a sleeve rather than a hand."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pytest

from skillsight.pose.trackers.gloves.calibration import MIN_GLOVED_SAMPLE_SHARE, calibrate
from skillsight.pose.trackers.gloves.hands import HandBlob
from skillsight.pose.trackers.gloves.segmentation import WorkingImage
from skillsight.pose.trackers.gloves.sleeves import runs_into as _runs_into


def samples(n: int) -> list[WorkingImage]:
    return [WorkingImage.of(np.full((90, 160, 3), 80 + i, np.uint8)) for i in range(n)]


def scripted_winner(wins: list[Optional[str]]):  # type: ignore[no-untyped-def]
    order = iter(wins)
    return lambda image, background: next(order)


def test_a_family_that_wins_only_now_and_then_is_not_the_videos() -> None:
    # white pieces beside blue gloves win two samples of ten: the video runs the coloured family alone
    wins = ["colored"] * 7 + ["white"] * 2 + [None]
    calibration = calibrate(samples(10), ("colored", "white"), scripted_winner(wins))
    assert calibration.gloves_present
    assert calibration.families == ("colored",)
    assert calibration.family_shares == pytest.approx({"colored": 0.7, "white": 0.2})


def test_the_family_that_wins_most_samples_is_tried_first() -> None:
    wins = ["white"] * 6 + ["colored"] * 4
    calibration = calibrate(samples(10), ("colored", "white", "skin"), scripted_winner(wins))
    assert calibration.families == ("white", "colored")
    assert calibration.family_shares["skin"] == 0.0


def test_no_family_winning_enough_samples_means_no_gloves() -> None:
    share = MIN_GLOVED_SAMPLE_SHARE - 0.1
    wins = ["colored"] * round(10 * share) + [None] * (10 - round(10 * share))
    calibration = calibrate(samples(10), ("colored", "white"), scripted_winner(wins))
    assert not calibration.gloves_present and calibration.families == ()


def sleeve_from_the_bottom() -> HandBlob:
    """A blob entering at the bottom border whose far end (tip) lies at (50, 40), pointing up."""
    return HandBlob(
        centre=(50.0, 60.0),
        tip=(50.0, 40.0),
        entry=(50.0, 99.0),
        angle_deg=-90.0,
        area=400.0,
        blob_area=900.0,
        shape_score=0.8,
    )


def beyond_the_tip(area: float) -> np.ndarray:
    """Another family's blob covering everything above the tip, its pixels holding its area."""
    mask = np.zeros((100, 100), np.float32)
    mask[:42] = area
    return mask


def found(centre: tuple[float, float], area: float = 400.0) -> tuple[HandBlob, float]:
    hand = HandBlob(centre, centre, None, -90.0, area, area, 0.8)
    return hand, 0.9


def test_a_pad_at_a_gloves_fingertips_does_not_make_it_a_sleeve() -> None:
    # a white pad (far larger than a glove) beyond the tip, showing no white hand there: a hand
    blob = sleeve_from_the_bottom()
    assert not _runs_into(blob, {"white": beyond_the_tip(40_000.0)}, {"white": []})
    assert not _runs_into(blob, {"white": beyond_the_tip(40_000.0)}, {"white": [found((90.0, 2.0), 100.0)]})


def test_a_white_glove_beyond_the_far_end_makes_it_a_sleeve() -> None:
    blob = sleeve_from_the_bottom()
    # a glove-sized white blob, or a large one that shows a white hand within reach of the tip
    assert _runs_into(blob, {"white": beyond_the_tip(600.0)}, {"white": []})
    assert _runs_into(blob, {"white": beyond_the_tip(40_000.0)}, {"white": [found((50.0, 20.0))]})


def test_a_coloured_or_skin_blob_beyond_the_far_end_makes_it_a_sleeve() -> None:
    blob = sleeve_from_the_bottom()
    for family in ("colored", "skin"):
        assert _runs_into(blob, {family: beyond_the_tip(40_000.0)}, {family: []})
    # an instrument's or a highlight's size is no arm going on
    assert not _runs_into(blob, {"colored": beyond_the_tip(100.0)}, {"colored": []})
